# Bảng điều khiển loa — tiếng Việt (ngôn ngữ mặc định).
# Mỗi khóa phải có trong en/console.ftl (kiểm tra bằng kiểm thử i18n).

app-name = loa · Truyền thanh cơ sở
skip-to-content = Bỏ qua, đến nội dung chính
nav-label = Menu chính
nav-stations = Trạm
nav-dashboard = Tổng quan
nav-now = Đang phát
nav-reports = Báo cáo
nav-audit = Nhật ký
logout = Đăng xuất
lang-label = Ngôn ngữ
lang-apply = Đổi
lang-name-vi = Tiếng Việt
lang-name-en = English

role-viewer = Xem
role-editor = Biên tập
role-approver = Duyệt
role-admin = Quản trị

error-title = Có lỗi
error-back = Về danh sách trạm
error-csrf = Biểu mẫu đã cũ hoặc không gửi từ trang này; tải lại trang rồi thử lại.
error-bad-form = Biểu mẫu gửi lên không đọc được; tải lại trang rồi thử lại.
error-internal = Máy chủ gặp lỗi; thử lại sau ít phút. Nếu vẫn lỗi, báo cho quản trị viên.

login-title = Đăng nhập
login-username = Tên đăng nhập
login-password = Mật khẩu
login-submit = Đăng nhập
login-wrong = Sai tên đăng nhập hoặc mật khẩu; kiểm tra lại rồi thử lần nữa.
login-hint = Lần đầu dùng: tài khoản admin và mật khẩu in ra khi chạy loa serve (cũng ghi trong tệp admin-password.txt của thư mục dữ liệu).

password-title = Đổi mật khẩu
password-intro = Mật khẩu mới cần ít nhất 10 ký tự; nên dùng một câu ngắn dễ nhớ.
password-current = Mật khẩu hiện tại
password-new = Mật khẩu mới
password-confirm = Nhập lại mật khẩu mới
password-submit = Đổi mật khẩu
password-mismatch = confirm_password: hai lần nhập mật khẩu mới không giống nhau; nhập lại cho khớp.

stations-title = Trạm
stations-path = Đơn vị đang xem
stations-areas = Đơn vị trực thuộc
stations-no-subareas = Không có đơn vị trực thuộc.
stations-list = Danh sách trạm
stations-search-label = Tìm trạm
stations-search-placeholder = tên, mã trạm hoặc tên xã (gõ không dấu cũng được)
stations-search-button = Tìm
stations-more-areas = … và { $n } đơn vị khác; gõ tên vào ô tìm trạm để thu hẹp.
stations-none = Không có trạm nào khớp.
stations-summary = Trạm { $first }–{ $last } trên { $total }
page-past-end = Trang { $page } không có trạm nào; danh sách có { $pages } trang.
area-whole-country = Toàn quốc
area-kind-province = Tỉnh
area-kind-district = Huyện
area-kind-commune = Xã

col-name = Tên trạm
col-code = Mã
col-area = Đơn vị
col-last-seen = Liên lạc gần nhất
never-heard = chưa từng liên lạc

pager-nav = Chuyển trang
pager-prev = Trang trước
pager-next = Trang sau
pager-label = Trang { $page }/{ $pages }

fresh-just-now = vừa xong
fresh-minutes = { $n } phút trước
fresh-hours = { $n } giờ trước
fresh-yesterday = hôm qua
fresh-days = { $n } ngày trước

weekday-mon = Thứ Hai
weekday-tue = Thứ Ba
weekday-wed = Thứ Tư
weekday-thu = Thứ Năm
weekday-fri = Thứ Sáu
weekday-sat = Thứ Bảy
weekday-sun = Chủ Nhật
days-every = Hằng ngày

station-code = Mã trạm
station-state = Tình trạng
station-windows = Khung giờ phát
station-languages = Ngôn ngữ phát
station-credentials = Đăng ký máy trạm
state-never = Máy trạm chưa gửi tín hiệu nào.
state-last-seen = Liên lạc gần nhất
state-unreadable = Tín hiệu
state-unreadable-value = không đọc được nội dung tín hiệu gần nhất
state-version = Phiên bản phần mềm
state-playlist = Lịch phát đang giữ
state-playlist-none = chưa có
state-playlist-current = { $v } (mới nhất)
state-playlist-behind = { $v } (cũ, chưa nhận bản mới)
state-media = Tệp âm thanh
state-media-value = { $ready } sẵn sàng, { $missing } còn thiếu
state-disk = Dung lượng đĩa trống
state-clock = Lệch đồng hồ
state-clock-value = { $ms } ms
state-backlog = Bản ghi chưa gửi
state-uptime = Đang chạy
state-uptime-value = từ { $since }
state-last-error = Lỗi gần nhất
state-no-error = không có
state-refused = Bản ghi bị từ chối (7 ngày qua)
state-refused-none = không có
state-refused-value = { $n } bản ghi; gần nhất lúc { $at }: { $reason }
windows-own = Khung giờ riêng của trạm.
windows-own-within = Khung giờ riêng của trạm, nằm trong khung giờ của { $area }.
windows-inherited = Kế thừa từ { $area }.
windows-none = Chưa có khung giờ phát.
cred-tokens = Mã truy cập
cred-tokens-value = { $active } đang dùng, { $revoked } đã thu hồi
cred-enrolled = Đăng ký lần gần nhất
cred-codes = Mã đăng ký
cred-codes-open = { $n } mã chưa dùng, hết hạn lúc { $until }
cred-codes-none = không có mã nào đang chờ

language-vi = Tiếng Việt
language-tyz = Tiếng Tày
language-hmn = Tiếng H'Mông
language-en = Tiếng Anh

priority-normal = Thường
priority-priority = Ưu tiên
priority-emergency = Khẩn cấp

status-upcoming = Sắp phát
status-unreported = Chưa có báo cáo
status-aired = Đã phát
status-partial = Phát dở
status-missed = Bỏ lỡ
status-failed = Lỗi
status-preempted = Bị cắt ngang

calendar-title = Lịch phát
calendar-views = Kiểu xem
calendar-view-day = Ngày
calendar-view-week = Tuần
calendar-view-month = Tháng
calendar-steps = Chuyển khoảng thời gian
calendar-prev = ← Trước
calendar-today = Hôm nay
calendar-next = Sau →
calendar-date = Đến ngày
calendar-go = Xem
calendar-month = Tháng { $month }
calendar-zone = Giờ theo múi giờ của trạm: { $zone } ({ $gmt }), 24 giờ.
calendar-no-items = Không có bản tin.
calendar-actual = phát lúc
calendar-problems = Lịch của khoảng này có cảnh báo khi lập; xem chi tiết qua API kế hoạch của trạm.
calendar-segments = Nghe các bản tin trong khoảng này
calendar-listen = Nghe

log-title = Nhật ký phát
log-from = Từ ngày
log-until = Đến ngày
log-outcome = Kết quả
log-outcome-any = Tất cả
log-apply = Lọc
log-none = Không có bản ghi nào trong khoảng này.
log-summary = Bản ghi { $first }–{ $last } trên { $total }
log-planned = Giờ theo lịch
log-actual = Giờ phát thật
log-segment = Bản tin
log-campaign = Chiến dịch
log-language = Ngôn ngữ
log-reason = Lý do
