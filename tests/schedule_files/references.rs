//! Names that point at something: areas of the CSV and segments of the library. An
//! unknown one is reported where it is written, with the likely intended one.

use super::{Case, Edit, Expect, run};

#[test]
fn unknown_areas_and_segments_suggest_the_near_one() {
    run(&[
        Case {
            name: "station area not in the CSV",
            file: "stations.toml",
            edit: Edit::Append("[[station]]\ncode = \"09999\"\narea = \"01835\"\n"),
            verify_audio: false,
            expect: &[Expect {
                line: 2,
                column: 8,
                phrases: &[
                    "đơn vị `01835` không có trong danh sách đơn vị hành chính",
                    "có phải `01834` (Phường Nguyễn Thị Minh Khai)?",
                ],
            }],
        },
        Case {
            name: "window area not in the CSV",
            file: "stations.toml",
            edit: Edit::Append("[[window]]\narea = \"6\"\ntimes = [\"05:30-06:30\"]\n"),
            verify_audio: false,
            expect: &[Expect {
                line: 1,
                column: 8,
                phrases: &[
                    "đơn vị `6` không có trong danh sách",
                    "có phải `06` (Tỉnh Bắc Kạn)?",
                ],
            }],
        },
        Case {
            name: "campaign pool segment unknown",
            file: "campaigns.toml",
            edit: Edit::Replace(
                "pool = [\"gia-dinh-hoc-tap\", \"dong-ho-hoc-tap\"",
                "pool = [\"gia-dinh-hoc-tp\", \"dong-ho-hoc-tap\"",
            ),
            verify_audio: false,
            expect: &[Expect {
                line: 0,
                column: 9,
                phrases: &[
                    "bản tin `gia-dinh-hoc-tp` không có trong thư viện (`[[segment]]`)",
                    "có phải `gia-dinh-hoc-tap`?",
                ],
            }],
        },
        Case {
            name: "campaign area unknown",
            file: "campaigns.toml",
            edit: Edit::Replace(
                "until = 2024-10-07\nareas = [\"06\"]",
                "until = 2024-10-07\nareas = [\"06\", \"99\"]",
            ),
            verify_audio: false,
            expect: &[Expect {
                line: 1,
                column: 16,
                phrases: &["đơn vị `99` không có trong danh sách đơn vị hành chính"],
            }],
        },
        Case {
            name: "weight of a segment outside the pool",
            file: "campaigns.toml",
            edit: Edit::Replace(
                "pool = [\"tuan-le-hoc-tap-suot-doi\"]",
                "pool = [\"tuan-le-hoc-tap-suot-doi\"]\nweights = { gia-dinh-hoc-tap = 2 }",
            ),
            verify_audio: false,
            expect: &[Expect {
                line: 1,
                column: 11,
                phrases: &["`weights` có `gia-dinh-hoc-tap` nhưng `pool` không có"],
            }],
        },
        Case {
            name: "weighted order without weights",
            file: "campaigns.toml",
            edit: Edit::Replace("order = \"sequential\"", "order = \"weighted\""),
            verify_audio: false,
            expect: &[Expect {
                line: 0,
                column: 9,
                phrases: &["`order = \"weighted\"` cần `weights = {"],
            }],
        },
    ]);
}

#[test]
fn unusable_values_say_what_to_write() {
    run(&[
        Case {
            name: "station language not a code",
            file: "stations.toml",
            edit: Edit::Append(
                "[[station]]\ncode = \"09999\"\narea = \"01834\"\nlanguages = [\"vi\", \"Tày\"]\n",
            ),
            verify_audio: false,
            expect: &[Expect {
                line: 3,
                column: 20,
                phrases: &[
                    "mã ngôn ngữ `Tày` không hợp lệ",
                    "ISO 639 viết thường",
                    "`tyz` (Tày)",
                ],
            }],
        },
        Case {
            name: "segment language not a code",
            file: "library.toml",
            edit: Edit::Replace("language = \"hmn\"", "language = \"H'Mông\""),
            verify_audio: false,
            expect: &[Expect {
                line: 0,
                column: 12,
                phrases: &["mã ngôn ngữ `H'Mông` không hợp lệ", "`hmn`"],
            }],
        },
        Case {
            name: "station timezone unknown",
            file: "stations.toml",
            edit: Edit::Append(
                "[[station]]\ncode = \"09999\"\narea = \"01834\"\ntimezone = \"Asia/Ha_Noi\"\n",
            ),
            verify_audio: false,
            expect: &[Expect {
                line: 3,
                column: 12,
                phrases: &[
                    "múi giờ `Asia/Ha_Noi` không có trong cơ sở dữ liệu IANA",
                    "viết `Asia/Ho_Chi_Minh`",
                ],
            }],
        },
        Case {
            name: "station code with a space",
            file: "stations.toml",
            edit: Edit::Append("[[station]]\ncode = \"trạm 1\"\narea = \"01834\"\n"),
            verify_audio: false,
            expect: &[Expect {
                line: 1,
                column: 8,
                phrases: &["mã trạm `trạm 1` không hợp lệ"],
            }],
        },
        // The station checker is the API's too: its rules hold in files.
        Case {
            name: "blank station name",
            file: "stations.toml",
            edit: Edit::Append("[[station]]\ncode = \"moi-1\"\narea = \"01834\"\nname = \"  \"\n"),
            verify_audio: false,
            expect: &[Expect {
                line: 3,
                column: 8,
                phrases: &["không được để trống", "bỏ `name` để dùng tên mặc định"],
            }],
        },
        // So is the campaign checker's.
        Case {
            name: "blank campaign name",
            file: "campaigns.toml",
            edit: Edit::Replace(
                "name = \"Tuần lễ hưởng ứng học tập suốt đời 2024\"",
                "name = \" \"",
            ),
            verify_audio: false,
            expect: &[Expect {
                line: 0,
                column: 8,
                phrases: &["không được để trống"],
            }],
        },
        Case {
            name: "duplicate station code",
            file: "stations.toml",
            edit: Edit::Append("[[station]]\ncode = \"01834\"\narea = \"01837\"\n"),
            verify_audio: false,
            expect: &[Expect {
                line: 1,
                column: 8,
                phrases: &["mã trạm 01834 bị trùng"],
            }],
        },
        Case {
            name: "emergency campaign",
            file: "campaigns.toml",
            edit: Edit::Replace("priority = \"priority\"", "priority = \"emergency\""),
            verify_audio: false,
            // Reported at the value itself.
            expect: &[Expect {
                line: 0,
                column: 12,
                phrases: &[
                    "chiến dịch tuan-le-hoc-tap-suot-doi-2024: mức `emergency` không lên lịch trước được",
                    "Dùng `priority` hoặc `normal`",
                ],
            }],
        },
        Case {
            name: "unknown priority",
            file: "campaigns.toml",
            edit: Edit::Replace("priority = \"priority\"", "priority = \"high\""),
            verify_audio: false,
            expect: &[Expect {
                line: 0,
                column: 12,
                phrases: &["mức ưu tiên `high` không hợp lệ", "`normal`", "`priority`"],
            }],
        },
        Case {
            name: "spacing as large as the pool",
            file: "campaigns.toml",
            edit: Edit::Replace(
                "id = \"sang-chieu\"\nslots = [\"45 5 * * *\", \"5 17 * * *\"]",
                "id = \"sang-chieu\"\nslots = [\"45 5 * * *\", \"5 17 * * *\"]\nspacing = 1",
            ),
            verify_audio: false,
            // Reported at the rotation's id, where the edit starts, not at `spacing`.
            expect: &[Expect {
                line: 0,
                column: 6,
                phrases: &[
                    "giãn cách 1 lượt cần ít nhất 2 bản tin khác nhau",
                    "hiện có 1",
                    "giảm `spacing` xuống tối đa 0",
                ],
            }],
        },
        Case {
            name: "spacing counts translations as one message",
            file: "campaigns.toml",
            edit: Edit::Replace(
                "pool = [\"gia-dinh-hoc-tap\", \"dong-ho-hoc-tap\", \"cong-dong-hoc-tap\"]",
                "pool = [\"tuan-le-hoc-tap-suot-doi\", \"tuan-le-hoc-tap-suot-doi-tay\"]",
            ),
            verify_audio: false,
            // Both rotations of the campaign have `spacing = 1`; the Tày variant is the
            // same message, so the pool holds one message, not two.
            expect: &[
                Expect {
                    line: 4,
                    column: 6,
                    phrases: &["lịch sang: giãn cách 1 lượt", "hiện có 1"],
                },
                Expect {
                    line: 12,
                    column: 6,
                    phrases: &["lịch chieu: giãn cách 1 lượt", "hiện có 1"],
                },
            ],
        },
    ]);
}
