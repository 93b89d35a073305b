//! Broadcast windows that overlap or widen what they inherit, and dates in the wrong
//! order.

use super::{Case, Edit, Expect, SetCopy, assert_problem, run};

#[test]
fn dates_in_the_wrong_order() {
    run(&[
        Case {
            name: "campaign until before from",
            file: "campaigns.toml",
            edit: Edit::Replace(
                "from = 2025-04-15\nuntil = 2025-04-21",
                "from = 2025-04-21\nuntil = 2025-04-15",
            ),
            verify_audio: false,
            expect: &[Expect {
                line: 1,
                column: 9,
                phrases: &[
                    "`until` (2025-04-15) trước `from` (2025-04-21)",
                    "đổi chỗ hai ngày: from = 2025-04-15, until = 2025-04-21",
                ],
            }],
        },
        Case {
            name: "campaign of more than twenty years",
            file: "campaigns.toml",
            edit: Edit::Replace(
                "id = \"xhht-ca-nam\"\nname = \"Xây dựng xã hội học tập (kế hoạch cả năm)\"\n\
                 from = 2024-01-01\nuntil = 2025-06-30",
                "id = \"xhht-ca-nam\"\nname = \"Xây dựng xã hội học tập (kế hoạch cả năm)\"\n\
                 from = 2024-01-01\nuntil = 2045-01-01",
            ),
            verify_audio: false,
            expect: &[Expect {
                line: 0,
                column: 6,
                phrases: &["chiến dịch xhht-ca-nam", "dài không quá 20 năm"],
            }],
        },
        Case {
            name: "segment valid_until before valid_from",
            file: "library.toml",
            edit: Edit::Replace(
                "duration_ms = 15810\n",
                "duration_ms = 15810\nvalid_from = 2025-01-01\nvalid_until = 2024-12-31\n",
            ),
            verify_audio: false,
            // Reported at `valid_until`, with the swap to write.
            expect: &[Expect {
                line: 2,
                column: 15,
                phrases: &[
                    "bản tin gia-dinh-hoc-tap",
                    "`valid_from` 2025-01-01 phải trước hoặc bằng `valid_until` 2024-12-31",
                    "valid_from = 2024-12-31, valid_until = 2025-01-01",
                ],
            }],
        },
        Case {
            name: "a date with a time",
            file: "library.toml",
            edit: Edit::Replace(
                "duration_ms = 15810\n",
                "duration_ms = 15810\nvalid_from = 2025-01-01T08:00:00\n",
            ),
            verify_audio: false,
            expect: &[Expect {
                line: 1,
                column: 14,
                phrases: &["`2025-01-01T08:00:00` không phải một ngày", "`2026-10-01`"],
            }],
        },
    ]);
}

#[test]
fn window_problems_point_at_the_time_range() {
    run(&[
        Case {
            name: "station windows overlapping each other",
            file: "stations.toml",
            edit: Edit::Append(
                "[[station]]\n\
                 code = \"09999\"\n\
                 area = \"01864\"\n\
                 windows = [{ days = \"T2-CN\", times = [\"05:30-06:00\", \"05:45-06:15\"] }]\n",
            ),
            verify_audio: false,
            expect: &[Expect {
                line: 3,
                column: 54,
                phrases: &[
                    "khung giờ 05:45–06:15",
                    "chồng lên khung 05:30–06:00",
                    "gộp chúng",
                ],
            }],
        },
        Case {
            name: "station window outside its area's windows",
            file: "stations.toml",
            edit: Edit::Append(
                "[[station]]\n\
                 code = \"09999\"\n\
                 area = \"01834\"\n\
                 windows = [{ days = \"T2-T6\", times = [\"05:45-06:00\", \"17:00-17:30\"] }]\n",
            ),
            verify_audio: false,
            expect: &[Expect {
                line: 3,
                column: 54,
                phrases: &[
                    "khung giờ 17:00–17:30",
                    "của trạm 09999 nằm ngoài khung giờ của đơn vị 058",
                    "05:45–06:00",
                    "17:00–17:15",
                    "trạm chỉ được thu hẹp",
                ],
            }],
        },
        Case {
            name: "station window on a day its area does not air",
            file: "stations.toml",
            edit: Edit::Append(
                "[[station]]\n\
                 code = \"09999\"\n\
                 area = \"01834\"\n\
                 windows = [{ days = \"T7\", times = [\"05:45-06:00\"] }]\n",
            ),
            verify_audio: false,
            expect: &[Expect {
                line: 3,
                column: 36,
                phrases: &[
                    "khung giờ 05:45–06:00",
                    "nằm ngoài khung giờ của đơn vị 058",
                ],
            }],
        },
        Case {
            name: "district window outside the province's",
            file: "stations.toml",
            edit: Edit::Append("[[window]]\narea = \"061\"\ntimes = [\"05:00-06:00\"]\n"),
            verify_audio: false,
            expect: &[Expect {
                line: 2,
                column: 10,
                phrases: &[
                    "khung giờ 05:00–06:00",
                    "của đơn vị 061 nằm ngoài khung giờ của 06",
                    "cấp dưới chỉ được thu hẹp",
                ],
            }],
        },
        Case {
            name: "window ending before it starts",
            file: "stations.toml",
            edit: Edit::Append("[[window]]\narea = \"060\"\ntimes = [\"18:00-17:00\"]\n"),
            verify_audio: false,
            expect: &[Expect {
                line: 2,
                column: 10,
                phrases: &["phải kết thúc sau khi bắt đầu", "tách thành hai khung"],
            }],
        },
        Case {
            name: "window days unknown",
            file: "stations.toml",
            edit: Edit::Append(
                "[[window]]\narea = \"060\"\ndays = \"Thứ Hai\"\ntimes = [\"05:30-06:00\"]\n",
            ),
            verify_audio: false,
            expect: &[Expect {
                line: 2,
                column: 8,
                phrases: &["ngày `Thứ Hai` không hợp lệ", "`T2-T6`"],
            }],
        },
    ]);
}

/// Two `[[window]]` entries for one area that overlap: reported at the later one, naming
/// the line of the earlier.
#[test]
fn overlapping_area_windows_name_both_lines() {
    let set = SetCopy::bac_kan();
    let earlier = set.line_of(
        "stations.toml",
        "times = [\"05:45-06:00\", \"17:00-17:15\"]",
    );
    let anchor = set.edit(
        "stations.toml",
        super::Edit::Append(
            "[[window]]\narea = \"058\"\ndays = \"T6\"\ntimes = [\"05:50-06:10\"]\n",
        ),
    );
    let problems = set.problems(false);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    let before = format!("(khung trước ở dòng {earlier})");
    let expect = Expect {
        line: 3,
        column: 10,
        phrases: &[
            "khung giờ 05:50–06:10",
            "chồng lên khung 05:45–06:00",
            "gộp chúng",
        ],
    };
    assert_problem(
        &set,
        "stations.toml",
        anchor,
        &problems[0],
        &expect,
        "area windows",
    );
    assert!(
        problems[0].message.ends_with(&before),
        "{}",
        problems[0].message
    );
}
