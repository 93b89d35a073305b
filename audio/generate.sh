#!/usr/bin/env bash
# Debian packages needed: espeak-ng sox libsox-fmt-all lame vorbis-tools flac
#   (apt-get install espeak-ng sox libsox-fmt-all lame vorbis-tools flac)
#
# Regenerates the sample radio segments in this folder from the texts below.
# Speech is synthesised with espeak-ng's Vietnamese voice (`-v vi`), peak-
# normalised to -3 dBFS with sox and encoded with lame / oggenc / flac / sox.
# Output is deterministic for a given set of tool versions: no dither, fixed
# Ogg serial numbers, no timestamps in tags.
#
# The Tày (tyz) and H'Mông (hmn) texts are best-effort approximations written
# for testing only; they are read with the Vietnamese voice, so the
# pronunciation is not authentic. Do not broadcast them as real announcements.
#
# Usage: audio/generate.sh            (writes next to this script)
set -euo pipefail

export LC_ALL=C.UTF-8
cd "$(dirname "$0")"

for tool in espeak-ng sox lame oggenc flac; do
    command -v "$tool" >/dev/null 2>&1 || { echo "generate.sh: missing $tool" >&2; exit 1; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ARTIST="loa sample segments"
ALBUM="Xây dựng xã hội học tập"
SPEED=150

# speak NAME SPEED TEXT -> $tmp/NAME.wav (22050 Hz mono, peak -3 dBFS)
speak() {
    local name=$1 speed=$2 text=$3
    printf '%s\n' "$text" > "$tmp/$name.txt"
    espeak-ng -v vi -s "$speed" -b 1 -f "$tmp/$name.txt" -w "$tmp/$name.raw.wav"
    # add a little silence at both ends, then peak-normalise
    sox -D "$tmp/$name.raw.wav" -c 1 -b 16 "$tmp/$name.wav" pad 0.3 0.3 gain -n -3
}

# to_mp3 NAME OUT TITLE LANG: 22.05 kHz mono, ABR ~40 kbit/s with every audio
# frame held to 32..48 kbit/s, plus a Xing/LAME header (frame count, encoder
# delay/padding). Why not CBR: at 22.05/24 kHz, lame 3.100 writes no Info
# header below 56 kbit/s CBR, because the tag does not fit in one frame. If a
# strict CBR stream without header is wanted instead, use: -b 32 --cbr
to_mp3() {
    local name=$1 out=$2 title=$3 lang=$4
    lame --quiet -m m --abr 40 -b 32 -B 48 -F -q 2 --resample 22.05 \
        --id3v2-only --id3v2-utf16 --tt "$title" --ta "$ARTIST" --tl "$ALBUM" \
        --tv "TLAN=$lang" \
        "$tmp/$name.wav" "$out"
}

# to_ogg NAME OUT TITLE LANG SERIAL: Vorbis q0, 22.05 kHz mono
to_ogg() {
    local name=$1 out=$2 title=$3 lang=$4 serial=$5
    oggenc --quiet --utf8 -q 0 --serial "$serial" \
        -t "$title" -a "$ARTIST" -l "$ALBUM" -c "LANGUAGE=$lang" \
        -o "$out" "$tmp/$name.wav"
}

# to_flac NAME OUT TITLE LANG: 16 kHz 16-bit mono
to_flac() {
    local name=$1 out=$2 title=$3 lang=$4
    sox -D "$tmp/$name.wav" -r 16000 -b 16 -c 1 "$tmp/$name.16k.wav"
    flac --silent --force --best --no-utf8-convert \
        -T "TITLE=$title" -T "ARTIST=$ARTIST" -T "ALBUM=$ALBUM" -T "LANGUAGE=$lang" \
        -o "$out" "$tmp/$name.16k.wav"
}

# to_wav NAME OUT: 16 kHz 16-bit mono PCM (no tags)
to_wav() {
    local name=$1 out=$2
    sox -D "$tmp/$name.wav" -r 16000 -b 16 -c 1 -e signed-integer "$out"
}

# ---------------------------------------------------------------------------
# 1. Tuần lễ hưởng ứng học tập suốt đời (vi)
T1="Tuần lễ hưởng ứng học tập suốt đời"
speak s1 "$SPEED" "Kính thưa bà con nhân dân trong xã. \
Từ ngày mùng một đến ngày mùng bảy tháng Mười, cả nước tổ chức Tuần lễ hưởng ứng học tập suốt đời. \
Trung tâm học tập cộng đồng xã mở các lớp tin học cơ bản, lớp chuyển giao kỹ thuật trồng trọt, chăn nuôi và ngày hội đọc sách. \
Học tập suốt đời giúp mỗi người nâng cao hiểu biết, làm kinh tế giỏi hơn. \
Đề nghị bà con sắp xếp thời gian, tích cực tham gia."
to_mp3 s1 tuan-le-hoc-tap-suot-doi.mp3 "$T1" vi

# 2. Same message in Tày (tyz) -- APPROXIMATION FOR TESTING ONLY
T2="Tuần lễ hưởng ứng học tập suốt đời (tiếng Tày)"
speak s2 "$SPEED" "Xỉnh pỉ noọng bản mường chang xạ. \
Tứ vằn nưng thâng vằn chất bươn slíp, lẻ Tuần lễ hưởng ứng học tập suốt đời. \
Trung tâm học tập cộng đồng xạ mì lởp slon tin học, slon hết nà, liệng cáy liệng mu, vạ vằn hội tọc slư. \
Slon slư lẻ fiệc cúa tứng cần, tứ lủc ón thâng cần ké. \
Xỉnh pỉ noọng pây đuổi căn, chắc lai, hết đây, kin dú đây lai."
to_mp3 s2 tuan-le-hoc-tap-suot-doi-tay.mp3 "$T2" tyz

# 3. Ngày Sách và Văn hóa đọc Việt Nam (vi)
T3="Ngày Sách và Văn hóa đọc Việt Nam"
speak s3 "$SPEED" "Hưởng ứng Ngày Sách và Văn hóa đọc Việt Nam, hai mươi mốt tháng Tư, \
thư viện xã và Trung tâm học tập cộng đồng mở cửa phục vụ bạn đọc suốt cả tuần, \
trưng bày sách mới và tổ chức giao lưu đọc sách cho các em thiếu nhi. \
Mỗi ngày đọc một trang sách là mỗi ngày thêm hiểu biết. \
Mời bà con và các em học sinh đến thư viện, cùng đọc và lan tỏa văn hóa đọc trong mỗi gia đình."
to_ogg s3 ngay-sach-van-hoa-doc.ogg "$T3" vi 3

# 4. Gia đình học tập (vi)
T4="Mô hình Gia đình học tập"
speak s4 "$SPEED" "Gia đình học tập là gia đình mà mọi thành viên đều chăm lo học tập. \
Con cháu chăm ngoan, học giỏi, người lớn không ngừng học hỏi để làm ăn hiệu quả. \
Đề nghị các hộ đăng ký xây dựng Gia đình học tập với chi hội khuyến học ở thôn, bản."
to_flac s4 gia-dinh-hoc-tap.flac "$T4" vi

# 5. Dòng họ học tập (vi) -- kept short: uncompressed WAV
T5="Mô hình Dòng họ học tập"
speak s5 "$SPEED" "Phong trào xây dựng Dòng họ học tập đang lan tỏa khắp các thôn. \
Mỗi dòng họ hãy lập quỹ khuyến học, khen thưởng con cháu học giỏi, \
động viên người lớn cùng học hỏi, giữ gìn truyền thống hiếu học của quê hương. \
Năm nay, xã phấn đấu có thêm nhiều Dòng họ học tập."
to_wav s5 dong-ho-hoc-tap.wav

# 6. Cộng đồng học tập và Công dân học tập (vi)
T6="Cộng đồng học tập và Công dân học tập"
speak s6 "$SPEED" "Xây dựng Cộng đồng học tập ở mỗi thôn, bản và phấn đấu trở thành Công dân học tập là trách nhiệm của mỗi người. \
Công dân học tập là người luôn có ý thức tự học, học để làm việc tốt hơn, sống tốt hơn và góp phần xây dựng quê hương. \
Bà con hãy chung tay xây dựng xã hội học tập ngay tại thôn, bản của mình."
to_mp3 s6 cong-dong-hoc-tap.mp3 "$T6" vi

# 7. Xã hội học tập in H'Mông (hmn, RPA-style) -- APPROXIMATION FOR TESTING ONLY
T7="Xây dựng xã hội học tập (tiếng H'Mông)"
speak s7 "$SPEED" "Nyob zoo cov kwv tij neej tsa. \
Peb txhua tus yuav tsum kawm ntawv tas sim neej. \
Thov txhua tsev neeg tuaj koom kev kawm ntawv ntawm lub chaw kawm ntawv hauv zej zog. \
Kawm ntawv kom paub ntau yam, ua noj ua haus tau zoo, lub neej yuav zoo dua qub."
to_ogg s7 xa-hoi-hoc-tap-hmong.ogg "$T7" hmn 7

# 8. Bản tin khẩn cấp (mẫu) (vi)
T8="Bản tin khẩn cấp (mẫu)"
speak s8 "$SPEED" "Bản tin khẩn cấp. Bão đang đổ bộ vào đất liền, mưa rất to, nguy cơ lũ quét và sạt lở đất. \
Bà con không ra sông suối, khẩn trương di chuyển đến nơi an toàn."
to_mp3 s8 bao-tin-khan-cap-mau.mp3 "$T8" vi

echo "generate.sh: done"
