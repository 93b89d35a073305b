# Trang lỗi chung của bảng điều khiển.
error-not-found = Không có trang { $path }. Kiểm tra lại địa chỉ, hoặc chọn một mục trong menu.
error-forbidden-title = Không được phép
error-not-found-title = Không tìm thấy
error-bad-request-title = Yêu cầu không hợp lệ
