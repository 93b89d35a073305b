# Trang Đang phát và khối "đang phát / tiếp theo" của trang trạm.
# Mỗi khóa phải có trong en/now_playing.ftl.

now-title = Đang phát
now-intro = Mỗi trạm đang phát gì, tiếp theo là gì và vì sao (chiến dịch, vòng phát, khung giờ). Giờ theo múi giờ của từng trạm.
now-area = Đơn vị
now-only-playing = Chỉ trạm đang phát
now-apply = Lọc
now-more-areas = … và { $n } đơn vị khác: gõ tên vào ô tìm trạm
now-none = Không có trạm nào khớp.
now-col-station = Trạm
now-col-now = Đang phát
now-col-next = Tiếp theo
now-since-until = { $since }–{ $until } ({ $gmt })
now-today-at = hôm nay { $time }
now-tomorrow-at = ngày mai { $time }
now-idle-until = Đang nghỉ; bản tin tiếp theo { $when }
now-idle-nothing = Không có bản tin nào trong 3 ngày tới.
now-updated = Cập nhật lúc { $time }
now-updated-every = cập nhật lúc { $time }, tự làm mới mỗi { $n } giây
now-next-title = Đang phát và tiếp theo

why-slot = Chiến dịch { $campaign }, khung "{ $rule }"
why-rotation = Chiến dịch { $campaign }, vòng phát { $rotation }
why-detail = vòng phát { $rotation } · lịch crontab "{ $rule }"
why-detail-rotation = vòng phát { $rotation }

now-bad-query = Địa chỉ trang có tham số không đọc được; mở lại trang Đang phát từ menu.
now-bad-param = `{ $name }` không phải tham số của trang Đang phát; dùng area, q, playing hoặc page.
now-bad-twice = Tham số `{ $name }` viết hai lần; giữ một.
now-bad-q = q: dài quá { $max } ký tự; viết ngắn hơn, chẳng hạn một phần tên trạm hoặc tên xã.
now-bad-playing = playing: `{ $value }` không hợp lệ; viết playing=1 để chỉ xem trạm đang phát, hoặc bỏ đi.
now-bad-page = page: `{ $value }` không phải số trang; viết một số từ 1 đến { $max }, ví dụ page=2.
