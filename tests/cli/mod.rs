//! The `loa` binary as a culture officer runs it: checking schedule files, planning a
//! station from files alone, and probing audio. Each test runs the real executable from
//! the repository root.

mod plan;
mod probe;

use std::process::{Command, Output};

use crate::schedule_files::{Edit, SetCopy, repo};

/// Runs `loa` with `args` in the repository root.
pub fn loa(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_loa"))
        .args(args)
        .current_dir(repo())
        .env_remove("RUST_LOG")
        .output()
        .expect("loa runs")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("stderr is UTF-8")
}

pub fn status(out: &Output) -> Option<i32> {
    out.status.code()
}

#[test]
fn check_passes_on_the_example_sets() {
    for args in [
        &["schedule", "check"][..],
        &["schedule", "check", "schedules/"][..],
    ] {
        let out = loa(args);
        let text = stdout(&out);
        assert_eq!(status(&out), Some(0), "{args:?}: {text}{}", stderr(&out));
        // Whole-range warnings (`cảnh báo: …`) do not make a set invalid.
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with("cảnh báo: "))
            .collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(
            lines[0].contains(
                "bac-kan-2024: hợp lệ — 117 đơn vị hành chính, 108 trạm, 8 bản tin, 3 chiến dịch"
            ),
            "{text}"
        );
        assert!(
            lines[1].contains(
                "thai-nguyen-2025: hợp lệ — 93 đơn vị hành chính, 94 trạm, 8 bản tin, 4 chiến dịch"
            ),
            "{text}"
        );
    }
}

#[test]
fn check_warns_about_a_campaign_beyond_the_horizon_over_its_whole_range() {
    let set = SetCopy::bac_kan();
    set.edit(
        "campaigns.toml",
        Edit::Append(
            "[[campaign]]\nid = \"tuan-le-2027\"\nname = \"Tuần lễ 2027\"\nfrom = 2027-10-01\n\
             until = 2027-10-07\nareas = [\"06\"]\npriority = \"normal\"\n\
             pool = [\"tuan-le-hoc-tap-suot-doi\"]\nmin_airings_per_day = 1\n\n\
             [[campaign.rotation]]\nid = \"sang\"\nslots = [\"30 6 * * *\"]\nlength = \"1m\"\n\
             order = \"sequential\"\n",
        ),
    );
    let dir = set.dir().to_str().expect("utf-8 path").to_owned();
    let out = loa(&["schedule", "check", "--skip-audio", &dir]);
    let text = stdout(&out);
    assert_eq!(status(&out), Some(0), "warnings are not errors: {text}");
    assert!(
        text.lines().any(|l| l.starts_with("cảnh báo: ")
            && l.contains("từ 01/10/2027")
            && l.contains("`30 6 * * *`")
            && l.contains("không rơi vào giờ phát sóng nào")),
        "{text}"
    );
    for day in 1..=7 {
        let date = format!("{day:02}/10/2027: chiến dịch «Tuần lễ 2027» chỉ có 0/1");
        assert!(text.contains(&date), "{date}: {text}");
    }
}

#[test]
fn check_prints_every_problem_as_path_line_column() {
    let set = SetCopy::bac_kan();
    let area = set.edit(
        "stations.toml",
        Edit::Append("[[station]]\ncode = \"09999\"\narea = \"01835\"\n"),
    );
    let duration = set.edit(
        "library.toml",
        Edit::Replace("duration_ms = 17445", "duration_ms = 17000"),
    );
    let slot = set.edit(
        "campaigns.toml",
        Edit::Replace("slots = [\"5 17 * * *\"]", "slots = [\"5 17 * * 8\"]"),
    );
    let dir = set.dir().to_str().expect("UTF-8 temporary path");
    let out = loa(&["schedule", "check", dir]);
    assert_eq!(status(&out), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    let at = |file: &str, line: usize, column: usize| {
        format!("{}:{line}:{column}: lỗi: ", set.path(file).display())
    };
    let expected = [
        (
            at("campaigns.toml", slot, 20),
            "quy tắc `5 17 * * 8`: trường thứ (0-7, 0 và 7 là Chủ nhật, hoặc sun-sat): `8` nằm ngoài khoảng 0-7",
        ),
        (
            at("library.toml", duration, 15),
            "độ dài giải mã thực của `dong-ho-hoc-tap.wav` là 17445 ms; viết `duration_ms = 17445`",
        ),
        (
            at("stations.toml", area + 2, 8),
            "đơn vị `01835` không có trong danh sách đơn vị hành chính; có phải `01834` (Phường Nguyễn Thị Minh Khai)?",
        ),
    ];
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    for (prefix, message) in &expected {
        let line = format!("{prefix}{message}");
        assert!(
            lines.contains(&line.as_str()),
            "missing `{line}` in:\n{text}"
        );
    }
    assert_eq!(lines[3], format!("{dir}: 3 lỗi"));
}

#[test]
fn check_with_skip_audio_does_not_decode() {
    let set = SetCopy::bac_kan();
    set.edit(
        "library.toml",
        Edit::Replace("duration_ms = 17445", "duration_ms = 17000"),
    );
    let dir = set.dir().to_str().expect("UTF-8 temporary path");
    let out = loa(&["schedule", "check", "--skip-audio", dir]);
    assert_eq!(status(&out), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains(": hợp lệ — "), "{}", stdout(&out));
}

#[test]
fn check_refuses_rules_that_never_fire_naming_each_once_with_its_place() {
    let set = SetCopy::bac_kan();
    let line = set.edit(
        "campaigns.toml",
        Edit::Append(
            "[[campaign]]\nid = \"khong-bao-gio\"\nname = \"Không bao giờ\"\nfrom = 2024-01-01\n\
             until = 2024-12-31\nareas = [\"06\"]\npriority = \"normal\"\n\
             pool = [\"gia-dinh-hoc-tap\"]\nmin_airings_per_day = 1\n\n\
             [[campaign.rotation]]\nid = \"sang\"\n\
             slots = [\"0 6 31 2 *\", \"0 6 30 2 *\"]\nlength = \"1m\"\n\
             order = \"sequential\"\n",
        ),
    );
    let slots_line = line + 12;
    let dir = set.dir().to_str().expect("utf-8 path").to_owned();
    let out = loa(&["schedule", "check", "--skip-audio", &dir]);
    let text = stdout(&out);
    assert_eq!(status(&out), Some(1), "{text}{}", stderr(&out));
    // `slots = ["0 6 31 2 *", …`: the day of month of the first rule is column 15, of
    // the second column 29.
    for (rule, column, day) in [("0 6 31 2 *", 15, 31), ("0 6 30 2 *", 29, 30)] {
        let place = format!("campaigns.toml:{slots_line}:{column}: lỗi: quy tắc `{rule}`: ");
        let found = text
            .lines()
            .find(|l| l.contains(&place))
            .unwrap_or_else(|| panic!("no `{place}` in {text}"));
        assert!(
            found.contains(&format!("không bao giờ chạy: tháng 2 không có ngày {day}")),
            "{found}"
        );
        assert_eq!(
            found.matches(rule).count(),
            1,
            "the rule named once: {found}"
        );
    }
}
