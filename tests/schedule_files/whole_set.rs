//! The set as a whole: every problem of every file in one load, nothing accepted in
//! part, and text stored in Unicode NFC.

use super::{Edit, Expect, SetCopy, assert_problem};

#[test]
fn every_problem_in_every_file_is_reported_in_one_load() {
    let set = SetCopy::bac_kan();
    let station = set.edit(
        "stations.toml",
        Edit::Append("[[station]]\ncode = \"09999\"\narea = \"01834\"\nlangauges = [\"vi\"]\n"),
    );
    let area = set.edit(
        "stations.toml",
        Edit::Append("[[station]]\ncode = \"09998\"\narea = \"01835\"\n"),
    );
    let language = set.edit(
        "library.toml",
        Edit::Replace("language = \"tyz\"", "language = \"Tay\""),
    );
    let duration = set.edit(
        "library.toml",
        Edit::Replace("duration_ms = 17445", "duration_ms = 17000"),
    );
    let slot = set.edit(
        "campaigns.toml",
        Edit::Replace("slots = [\"5 17 * * *\"]", "slots = [\"5 17 * * 8\"]"),
    );
    let until = set.edit(
        "campaigns.toml",
        Edit::Replace("until = 2025-04-21", "until = 2025-03-21"),
    );

    let problems = set.problems(true);
    let mut got: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    got.sort();
    assert_eq!(problems.len(), 6, "{got:#?}");

    let expected = [
        ("campaigns.toml", slot, 0, 20, "`8` nằm ngoài khoảng 0-7"),
        (
            "campaigns.toml",
            until,
            0,
            9,
            "`until` (2025-03-21) trước `from`",
        ),
        (
            "library.toml",
            language,
            0,
            12,
            "mã ngôn ngữ `Tay` không hợp lệ",
        ),
        (
            "library.toml",
            duration,
            0,
            15,
            "viết `duration_ms = 17445`",
        ),
        ("stations.toml", station, 3, 1, "có phải `languages`?"),
        ("stations.toml", area, 2, 8, "có phải `01834`"),
    ];
    for (file, anchor, line, column, phrase) in expected {
        let found = problems.iter().find(|p| {
            p.path == set.path(file)
                && p.line == anchor.wrapping_add_signed(line)
                && p.message.contains(phrase)
        });
        let problem = found.unwrap_or_else(|| panic!("no `{phrase}` in {file}: {got:#?}"));
        let expect = Expect {
            line,
            column,
            phrases: &[],
        };
        assert_problem(&set, file, anchor, problem, &expect, phrase);
    }
}

#[test]
fn problems_print_as_path_line_column() {
    let set = SetCopy::bac_kan();
    let anchor = set.edit(
        "campaigns.toml",
        Edit::Replace(
            "length = \"1m\"\norder = \"shuffle\"",
            "length = \"1 phút\"\norder = \"shuffle\"",
        ),
    );
    let problems = set.problems(false);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(
        problems[0].to_string(),
        format!(
            "{}:{anchor}:10: lỗi: độ dài khung `1 phút` không hợp lệ: viết ví dụ `\"5m\"`, `\"90s\"` hoặc `\"1m30s\"` (tối đa 24h)",
            set.path("campaigns.toml").display()
        )
    );
}

/// One bad station among a hundred: the set is refused, not loaded without it.
#[test]
fn a_set_with_one_problem_is_refused_whole() {
    let set = SetCopy::bac_kan();
    let before = set
        .load(false)
        .expect("unedited copy loads")
        .inputs
        .stations()
        .len();
    assert_eq!(before, 108);
    set.edit(
        "stations.toml",
        Edit::Replace(
            "code = \"01837\"\narea = \"01837\"",
            "code = \"01837\"\narea = \"01838\"",
        ),
    );
    let problems = set.problems(false);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].message.contains("`01838`"),
        "{}",
        problems[0].message
    );
}

#[test]
fn decomposed_text_is_stored_composed() {
    let decomposed_title = "Tuần le\u{0302}\u{0303} thử";
    let decomposed_name = "Tra\u{0323}m Ba\u{0300} Ba\u{0309}";
    assert_ne!(decomposed_title, "Tuần lễ thử");
    let set = SetCopy::bac_kan();
    let library = format!(
        "{}\n[[segment]]\nid = \"thu-nfd\"\ntitle = \"{decomposed_title}\"\n\
         file = \"gia-dinh-hoc-tap.flac\"\ntags = [\"ho\u{0323}c ta\u{0323}\u{0302}p\"]\n\
         duration_ms = 15810\n\
         sha256 = \"328b336cc18d021c21bff1e8170ed5d8babb1179bdee15c9f4cbb216f4bf2695\"\n",
        set.text("library.toml")
    );
    std::fs::write(set.path("library.toml"), library).expect("library written");
    let stations = set.text("stations.toml").replacen(
        "code = \"01906\"\narea = \"01906\"\n",
        &format!("code = \"01906\"\narea = \"01906\"\nname = \"{decomposed_name}\"\n"),
        1,
    );
    std::fs::write(set.path("stations.toml"), stations).expect("stations written");

    let loaded = set.load(true).unwrap_or_else(|p| panic!("{p:#?}"));
    let inputs = &loaded.inputs;
    let segment = inputs
        .segments()
        .iter()
        .find(|s| s.id.as_str() == "thu-nfd")
        .expect("segment loaded");
    assert_eq!(segment.title, "Tuần lễ thử");
    assert_eq!(segment.title.chars().count(), 11);
    assert_eq!(segment.tags, vec!["học tập".to_owned()]);
    let station = inputs.station(inputs.station_by_code("01906").expect("station 01906"));
    assert_eq!(station.name, "Trạm Bà Bả");
}
