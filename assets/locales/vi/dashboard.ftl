# Trang Tổng quan và bộ lọc tình trạng của trang Trạm — tiếng Việt.
# Mỗi khóa phải có trong en/dashboard.ftl.

dash-title = Tổng quan
dash-path = Đơn vị đang xem
dash-refresh = Làm mới
dash-as-of = Số liệu lúc { $time }, giờ của trạm; tự cập nhật mỗi { $n } giây.
dash-total = Tổng số trạm: { $n }
dash-problems = Trạm có sự cố
dash-problems-hint = Một trạm có nhiều sự cố được đếm ở mỗi sự cố của nó.
dash-activity = Trạm đang hoạt động
dash-completion = Hoàn thành hôm nay ({ $day })
dash-completion-hint = Số mục đã phát trọn vẹn trên số mục đã đến giờ phát từ đầu ngày.
dash-completion-none = Không có trạm nào trong đơn vị này.
dash-col-area = Đơn vị
dash-col-aired = Đã phát trọn
dash-col-due = Đến giờ phát
dash-col-pct = Tỉ lệ
dash-pct = { $pct }%
dash-nothing-due = chưa có mục nào đến giờ
dash-area-total = { $area } (cả đơn vị)
dash-more-areas = … và { $n } đơn vị khác; bấm vào một đơn vị để xem riêng.
dash-alerts = Cảnh báo đang mở ({ $n })
dash-alerts-none = Không có cảnh báo nào đang mở.
dash-alerts-more = … và { $n } cảnh báo khác (cũ hơn).
dash-col-station = Trạm
dash-col-kind = Cảnh báo
dash-col-since = Từ lúc
dash-col-detail = Chi tiết
dash-since = { $ago } · { $at }
dash-emergency = Bản tin khẩn cấp đang phát: { $title }
dash-emergency-detail = Gửi { $ago } ({ $at }) tới { $area } bởi { $by }; { $acked }/{ $targeted } trạm đã nhận.

fleet-state-silent = mất tín hiệu
fleet-state-chain_break = đứt chuỗi nhật ký phát
fleet-state-signature_failure = chữ ký không hợp lệ
fleet-state-media_not_ready = thiếu tệp âm thanh
fleet-state-clock_off = lệch đồng hồ quá 1 giây
fleet-state-playlist_behind = danh sách phát cũ
fleet-state-outbox_backlog = tồn bản ghi chưa gửi
fleet-state-playing = đang phát
fleet-state-idle_in_window = chờ trong khung phát
fleet-state-idle_outside_windows = ngoài khung phát

alert-kind-silent = mất tín hiệu trong khung phát
alert-kind-media_missing = thiếu tệp âm thanh khi đến giờ phát
alert-kind-chain_break = đứt chuỗi nhật ký phát
alert-kind-signature_failure = chữ ký bản ghi phát không hợp lệ
alert-kind-clock_off = lệch đồng hồ

stations-state-label = Tình trạng
stations-state-any = Mọi tình trạng
stations-state-unknown = state: `{ $value }` không phải tình trạng đã biết; chọn một trong: { $known }.
col-state = Tình trạng
