//! Slot rules: the column of a crontab problem points inside the string, at the field
//! that is wrong, not at the start of the line.

use super::{Case, Edit, Expect, run};

/// A campaign appended to `campaigns.toml` whose rotation has `$slots` on its line 10
/// (0-based), after `slots = [` (the first string's text starts at column 11).
macro_rules! campaign_with_slots {
    ($slots:literal) => {
        concat!(
            "[[campaign]]\n",
            "id = \"thu\"\n",
            "name = \"Thử\"\n",
            "from = 2024-01-01\n",
            "until = 2024-12-31\n",
            "areas = [\"06\"]\n",
            "pool = [\"gia-dinh-hoc-tap\"]\n",
            "\n",
            "[[campaign.rotation]]\n",
            "id = \"r\"\n",
            "slots = [",
            $slots,
            "]\n",
            "length = \"1m\"\n",
        )
    };
}

const SLOTS: isize = 10;

#[test]
fn crontab_problems_point_at_the_bad_field() {
    run(&[
        Case {
            name: "hour 24",
            file: "campaigns.toml",
            edit: Edit::Append(campaign_with_slots!("\"30 24 * * *\"")),
            verify_audio: false,
            expect: &[Expect {
                line: SLOTS,
                column: 14,
                phrases: &[
                    "quy tắc `30 24 * * *`",
                    "trường giờ (0-23)",
                    "`24` nằm ngoài khoảng 0-23",
                ],
            }],
        },
        Case {
            name: "day of week 8",
            file: "campaigns.toml",
            edit: Edit::Append(campaign_with_slots!("\"0 5 * * 8\"")),
            verify_audio: false,
            expect: &[Expect {
                line: SLOTS,
                column: 19,
                phrases: &["trường thứ (0-7", "`8` nằm ngoài khoảng 0-7"],
            }],
        },
        Case {
            name: "unknown day name",
            file: "campaigns.toml",
            edit: Edit::Append(campaign_with_slots!("\"0 5 * * Mox\"")),
            verify_audio: false,
            expect: &[Expect {
                line: SLOTS,
                column: 19,
                phrases: &[
                    "trường thứ",
                    "`Mox` không phải số 0-7 hay tên hợp lệ",
                    "mon",
                ],
            }],
        },
        Case {
            name: "reversed range",
            file: "campaigns.toml",
            edit: Edit::Append(campaign_with_slots!("\"0 5 * * 5-1\"")),
            verify_audio: false,
            expect: &[Expect {
                line: SLOTS,
                column: 19,
                phrases: &[
                    "khoảng `5-1` bị ngược",
                    "ví dụ `5-1` không hợp lệ, hãy dùng `1-5`",
                ],
            }],
        },
        Case {
            name: "end of a range out of bounds",
            file: "campaigns.toml",
            edit: Edit::Append(campaign_with_slots!("\"0 5-25 * * *\"")),
            verify_audio: false,
            expect: &[Expect {
                line: SLOTS,
                column: 15,
                phrases: &["trường giờ", "`25` nằm ngoài khoảng 0-23"],
            }],
        },
        Case {
            name: "six fields",
            file: "campaigns.toml",
            edit: Edit::Append(campaign_with_slots!("\"0 30 5 * * *\"")),
            verify_audio: false,
            expect: &[Expect {
                line: SLOTS,
                column: 11,
                phrases: &["cần đúng 5 trường", "nhưng có 6", "không có trường giây"],
            }],
        },
        Case {
            name: "Quartz question mark",
            file: "campaigns.toml",
            edit: Edit::Append(campaign_with_slots!("\"0 5 ? * *\"")),
            verify_audio: false,
            expect: &[Expect {
                line: SLOTS,
                column: 15,
                phrases: &["trường ngày trong tháng", "`?` là cú pháp Quartz"],
            }],
        },
        Case {
            name: "bad rule after a good one",
            file: "campaigns.toml",
            edit: Edit::Append(campaign_with_slots!("\"45 5 * * *\", \"30 24 * * *\"")),
            verify_audio: false,
            expect: &[Expect {
                line: SLOTS,
                column: 28,
                phrases: &["quy tắc `30 24 * * *`", "`24` nằm ngoài khoảng 0-23"],
            }],
        },
        Case {
            name: "two bad rules, both reported",
            file: "campaigns.toml",
            edit: Edit::Append(campaign_with_slots!("\"0 5 * * 8\", \"@reboot\"")),
            verify_audio: false,
            expect: &[
                Expect {
                    line: SLOTS,
                    column: 19,
                    phrases: &["`8` nằm ngoài khoảng 0-7"],
                },
                Expect {
                    line: SLOTS,
                    column: 24,
                    phrases: &["`@reboot` không dùng được", "@daily"],
                },
            ],
        },
    ]);
}

#[test]
fn slot_lengths_and_orders_say_what_to_write() {
    run(&[
        Case {
            name: "length in words",
            file: "campaigns.toml",
            edit: Edit::Replace(
                "length = \"30s\"\n\n# Ngày Sách",
                "length = \"5 minutes\"\n\n# Ngày Sách",
            ),
            verify_audio: false,
            expect: &[Expect {
                line: 0,
                column: 10,
                phrases: &[
                    "độ dài khung `5 minutes` không hợp lệ",
                    "`\"5m\"`, `\"90s\"` hoặc `\"1m30s\"`",
                ],
            }],
        },
        Case {
            name: "unknown order",
            file: "campaigns.toml",
            edit: Edit::Replace("order = \"sequential\"", "order = \"random\""),
            verify_audio: false,
            expect: &[Expect {
                line: 0,
                column: 9,
                phrases: &["thứ tự `random` không hợp lệ", "`shuffle`"],
            }],
        },
    ]);
}

/// loa's fire times against croniter's (with cronie's day-field rule; see
/// `tests/fixtures/crontab/generate.py`), 2024-01-01 to 2029-01-01, leap days included.
#[test]
fn fire_times_match_an_independent_implementation() {
    use chrono::{Days, NaiveDate};
    use loa::domain::CronSchedule;
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/crontab/fires.tsv"
    );
    let table = std::fs::read_to_string(path).expect("fixture readable");
    let mut checked = 0;
    for line in table.lines() {
        let (expr, fires) = line.split_once('\t').expect("expr<TAB>fires");
        let expected: Vec<&str> = fires.split(',').filter(|f| !f.is_empty()).collect();
        let rule = CronSchedule::parse(expr).expect(expr);
        let mut got = Vec::new();
        let mut day = NaiveDate::from_ymd_opt(2024, 1, 1).expect("date");
        let end = NaiveDate::from_ymd_opt(2029, 1, 1).expect("date");
        while day < end {
            if rule.fires_on(day) {
                for m in rule.times() {
                    got.push(format!(
                        "{}{:02}{:02}",
                        day.format("%Y%m%d"),
                        m / 60,
                        m % 60
                    ));
                }
            }
            day = day + Days::new(1);
        }
        assert_eq!(got.len(), expected.len(), "{expr}: count");
        assert!(got.iter().zip(&expected).all(|(a, b)| a == b), "{expr}");
        checked += 1;
    }
    assert!(checked >= 30, "{checked}");
}
