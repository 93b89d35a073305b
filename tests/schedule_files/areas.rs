//! The areas CSV: problems are reported at the CSV line (header is line 1) and, where
//! one field is wrong, at that field's column.

use super::{Case, Edit, Expect, SetCopy, run};

#[test]
fn csv_problems_point_at_the_row() {
    run(&[
        Case {
            name: "code with a letter",
            file: "areas.csv",
            edit: Edit::Append("0A1,Xã Thử,commune,058\n"),
            verify_audio: false,
            expect: &[Expect {
                line: 0,
                column: 1,
                phrases: &["mã đơn vị `0A1` không hợp lệ", "chỉ gồm chữ số", "`01834`"],
            }],
        },
        Case {
            name: "unknown kind",
            file: "areas.csv",
            // `09999,Xã Thử,` is 13 characters: the kind starts at column 14.
            edit: Edit::Append("09999,Xã Thử,village,058\n"),
            verify_audio: false,
            expect: &[Expect {
                line: 0,
                column: 14,
                phrases: &[
                    "cấp `village` không hợp lệ",
                    "`province`, `district` hoặc `commune`",
                ],
            }],
        },
        Case {
            name: "unknown parent",
            file: "areas.csv",
            edit: Edit::Append("09999,Xã Thử,commune,999\n"),
            verify_audio: false,
            expect: &[Expect {
                line: 0,
                column: 1,
                phrases: &["đơn vị 09999 có đơn vị cha 999 không có trong danh sách"],
            }],
        },
        Case {
            name: "row in the middle with an unknown parent",
            file: "areas.csv",
            edit: Edit::Replace(
                "01849,Xã Dương Quang,commune,058",
                "01849,Xã Dương Quang,commune,059",
            ),
            verify_audio: false,
            expect: &[Expect {
                line: 0,
                column: 1,
                phrases: &["đơn vị 01849 có đơn vị cha 059"],
            }],
        },
        Case {
            name: "duplicate code",
            file: "areas.csv",
            edit: Edit::Append("01834,Phường Trùng,commune,058\n"),
            verify_audio: false,
            expect: &[Expect {
                line: 0,
                column: 1,
                phrases: &["mã đơn vị 01834 bị trùng"],
            }],
        },
        Case {
            name: "three columns",
            file: "areas.csv",
            edit: Edit::Append("09999,Xã Thử,commune\n"),
            verify_audio: false,
            expect: &[Expect {
                line: 0,
                column: 1,
                phrases: &["cần 4 cột `code,name,kind,parent_code`, có 3"],
            }],
        },
        Case {
            name: "Vietnamese header",
            file: "areas.csv",
            edit: Edit::Replace("code,name,kind,parent_code", "ma,ten,cap,ma_cha"),
            verify_audio: false,
            expect: &[Expect {
                line: 0,
                column: 1,
                phrases: &[
                    "dòng tiêu đề phải là `code,name,kind,parent_code`",
                    "đang là `ma,ten,cap,ma_cha`",
                ],
            }],
        },
        Case {
            name: "two bad rows, both reported",
            file: "areas.csv",
            edit: Edit::Append("0A1,Xã Một,commune,058\n09999,Xã Hai,xa,058\n"),
            verify_audio: false,
            expect: &[
                Expect {
                    line: 0,
                    column: 1,
                    phrases: &["mã đơn vị `0A1`"],
                },
                Expect {
                    line: 1,
                    column: 14,
                    phrases: &["cấp `xa` không hợp lệ"],
                },
            ],
        },
    ]);
}

/// The example CSV has CRLF line ends, as spreadsheet exports do; a file with LF line
/// ends reports the same lines.
#[test]
fn csv_lines_are_the_same_with_lf_and_crlf() {
    for crlf in [true, false] {
        let set = SetCopy::bac_kan();
        let text = set.text("areas.csv");
        assert!(text.contains("\r\n"), "the example CSV uses CRLF");
        if !crlf {
            std::fs::write(set.path("areas.csv"), text.replace("\r\n", "\n")).expect("written");
        }
        let line = set.edit(
            "areas.csv",
            Edit::Replace(
                "01849,Xã Dương Quang,commune,058",
                "01849,Xã Dương Quang,commune,59",
            ),
        );
        assert_eq!(line, 9);
        let problems = set.problems(false);
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert_eq!(
            (problems[0].line, problems[0].column),
            (9, 1),
            "crlf: {crlf}"
        );
        assert!(
            problems[0]
                .message
                .contains("đơn vị 01849 có đơn vị cha 59")
        );
    }
}
