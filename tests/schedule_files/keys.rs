//! The shape of the files: misspelt keys, a table written where an array of tables
//! belongs, and TOML that does not parse.

use super::{Case, Edit, Expect, run};

#[test]
fn misspelt_keys_are_named_with_the_key_meant() {
    run(&[
        Case {
            name: "station key",
            file: "stations.toml",
            edit: Edit::Append(
                "[[station]]\n\
                 code = \"09999\"\n\
                 area = \"01834\"\n\
                 langauges = [\"vi\"]\n",
            ),
            verify_audio: false,
            expect: &[Expect {
                line: 3,
                column: 1,
                phrases: &[
                    "khóa `langauges` không hợp lệ ở đây",
                    "code, area, name, languages, timezone, windows",
                    "có phải `languages`?",
                ],
            }],
        },
        // The campaigns name this segment; they are not also told it is unknown.
        Case {
            name: "segment key",
            file: "library.toml",
            edit: Edit::Replace("duration_ms = 15810", "durations_ms = 15810"),
            verify_audio: false,
            expect: &[Expect {
                line: 0,
                column: 1,
                phrases: &["khóa `durations_ms` không hợp lệ", "có phải `duration_ms`?"],
            }],
        },
        Case {
            name: "campaign key",
            file: "campaigns.toml",
            edit: Edit::Replace("priority = \"priority\"", "priorty = \"priority\""),
            verify_audio: false,
            expect: &[Expect {
                line: 0,
                column: 1,
                phrases: &["khóa `priorty` không hợp lệ", "có phải `priority`?"],
            }],
        },
        Case {
            name: "rotation key",
            file: "campaigns.toml",
            edit: Edit::Replace("id = \"chieu\"\n", "id = \"chieu\"\nspacng = 1\n"),
            verify_audio: false,
            expect: &[Expect {
                line: 1,
                column: 1,
                phrases: &[
                    "khóa `spacng` không hợp lệ",
                    "id, slots, length, order, seed, spacing",
                    "có phải `spacing`?",
                ],
            }],
        },
        Case {
            name: "key of a station's window",
            file: "stations.toml",
            edit: Edit::Replace(
                "windows = [{ days = \"T2-CN\", times",
                "windows = [{ day = \"T2-CN\", times",
            ),
            verify_audio: false,
            expect: &[Expect {
                line: 0,
                column: 14,
                phrases: &["khóa `day` không hợp lệ", "có phải `days`?"],
            }],
        },
    ]);
}

#[test]
fn top_level_mistakes_say_what_to_write() {
    run(&[
        Case {
            name: "unknown top-level key",
            file: "stations.toml",
            edit: Edit::Append("[[statoin]]\ncode = \"09999\"\narea = \"01834\"\n"),
            verify_audio: false,
            expect: &[Expect {
                line: 0,
                column: 3,
                phrases: &[
                    "khóa `statoin` không dùng ở cấp đầu tệp",
                    "areas, library, window, station, segment, campaign",
                    "có phải `station`?",
                ],
            }],
        },
        Case {
            name: "unknown top-level key in a new file",
            file: "them.toml",
            edit: Edit::Create("tinh = \"Bắc Kạn\"\n"),
            verify_audio: false,
            expect: &[Expect {
                line: 0,
                column: 1,
                phrases: &["khóa `tinh` không dùng ở cấp đầu tệp; dùng một trong: areas, library"],
            }],
        },
        Case {
            name: "a bare key after [[station]] belongs to the station",
            file: "stations.toml",
            edit: Edit::Append("\ntinh = \"Bắc Kạn\"\n"),
            verify_audio: false,
            expect: &[Expect {
                line: 1,
                column: 1,
                phrases: &[
                    "khóa `tinh` không hợp lệ ở đây",
                    "các khóa hợp lệ: code, area, name, languages, timezone, windows",
                ],
            }],
        },
        Case {
            name: "table instead of array of tables",
            file: "them.toml",
            edit: Edit::Create("# Trạm mới\n[station]\ncode = \"09999\"\narea = \"01834\"\n"),
            verify_audio: false,
            expect: &[Expect {
                line: 1,
                column: 1,
                phrases: &["`station` phải là mảng bảng", "viết `[[station]]`"],
            }],
        },
        Case {
            name: "array of tables instead of table",
            file: "them.toml",
            edit: Edit::Create("[[library]]\naudio_dir = \"audio\"\n"),
            verify_audio: false,
            expect: &[Expect {
                line: 0,
                column: 1,
                phrases: &["sai kiểu giá trị"],
            }],
        },
        Case {
            name: "unclosed string",
            file: "campaigns.toml",
            edit: Edit::Replace("id = \"xhht-ca-nam\"", "id = \"xhht-ca-nam"),
            verify_audio: false,
            expect: &[Expect {
                line: 0,
                column: 18,
                phrases: &["cú pháp TOML sai", "invalid basic string"],
            }],
        },
        Case {
            name: "date in quotes",
            file: "campaigns.toml",
            edit: Edit::Replace("from = 2024-10-01", "from = \"2024-10-01\""),
            verify_audio: false,
            expect: &[Expect {
                line: 0,
                column: 8,
                phrases: &["cần một ngày TOML không có dấu nháy", "`from = 2026-10-01`"],
            }],
        },
        Case {
            name: "missing key",
            file: "stations.toml",
            edit: Edit::Append("[[station]]\ncode = \"09999\"\n"),
            verify_audio: false,
            expect: &[Expect {
                line: 0,
                column: 1,
                phrases: &["thiếu khóa `area`"],
            }],
        },
    ]);
}

#[test]
fn no_suggestion_when_nothing_is_close() {
    let set = super::SetCopy::bac_kan();
    set.edit("them.toml", Edit::Create("tinh = \"Bắc Kạn\"\n"));
    let problems = set.problems(false);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].message.contains("`tinh`"),
        "{}",
        problems[0].message
    );
    assert!(
        !problems[0].message.contains("có phải"),
        "{}",
        problems[0].message
    );
}
