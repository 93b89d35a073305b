//! The checkers' own tests: paths, order and notation of their problems.

mod path {
    use super::super::*;

    #[test]
    fn paths_read_as_the_api_names_fields() {
        let root = FieldPath::root();
        assert_eq!(
            root.key("rotations")
                .index(0)
                .key("slots")
                .index(1)
                .to_string(),
            "rotations[0].slots[1]"
        );
        assert_eq!(root.key("weights").entry("a-b").to_string(), "weights.a-b");
        let p = FieldProblem::new(root.key("name"), "không được để trống");
        assert_eq!(p.with_path(), "name: không được để trống");
    }
}

mod campaign {
    use chrono::NaiveDate;

    use super::super::*;
    use crate::domain::{Area, AreaCode, AreaKind, AreaTree, SegmentIdx};

    fn tree() -> AreaTree {
        let area = |code: &str, kind, parent: Option<&str>| Area {
            code: AreaCode::parse(code).expect("code"),
            name: format!("Đơn vị {code}"),
            kind,
            parent: parent.map(|p| AreaCode::parse(p).expect("code")),
        };
        AreaTree::build(vec![
            area("19", AreaKind::Province, None),
            area("05443", AreaKind::Commune, Some("19")),
        ])
        .expect("tree")
    }

    fn draft() -> CampaignDraft<'static> {
        CampaignDraft {
            id: "Sai Ma",
            name: " ",
            from: NaiveDate::from_ymd_opt(2026, 10, 7),
            until: NaiveDate::from_ymd_opt(2026, 10, 1),
            areas: vec!["0544"],
            priority: Some("khan"),
            pool: vec!["a", "b"],
            weights: vec![],
            min_airings_per_day: 0,
            rotations: vec![RotationDraft {
                id: "sang",
                slots: vec!["30 5 * * *", "61 5 * * *"],
                slot_seconds: Some(0),
                order: Some("weighted"),
                seed: Some(3),
                spacing: 0,
                relay: Some("ftp://x"),
            }],
        }
    }

    fn problems(syntax: Syntax, origin: Origin) -> Vec<FieldProblem> {
        problems_of(&draft(), syntax, origin)
    }

    fn problems_of(draft: &CampaignDraft<'_>, syntax: Syntax, origin: Origin) -> Vec<FieldProblem> {
        let notation = Notation {
            syntax,
            mention: &|p: &FieldPath| p.to_string(),
        };
        let lookup = |id: &str| match id {
            "a" => Ok(SegmentIdx::new(0)),
            _ => Err(Missing::NotUsable),
        };
        check_campaign(draft, &tree(), lookup, origin, &notation).expect_err("invalid")
    }

    #[test]
    fn every_field_is_named_by_its_path_in_the_order_written() {
        let paths: Vec<String> = problems(Syntax::Json, Origin::Person)
            .iter()
            .map(|p| p.path.to_string())
            .collect();
        assert_eq!(
            paths,
            [
                "id",
                "name",
                "until",
                "areas[0]",
                "priority",
                "pool[1]",
                "rotations[0].slots[1]",
                "rotations[0].slot_seconds",
                "rotations[0].order",
                "rotations[0].seed",
                "rotations[0].relay",
            ]
        );
        let all = problems(Syntax::Json, Origin::Person);
        assert!(
            all[3].message.contains("có phải `05443`"),
            "{}",
            all[3].message
        );
        assert_eq!(
            all[6].offset,
            Some(0),
            "the crontab error points into the rule"
        );
        let mut weighted = draft();
        weighted.weights = vec![("c", 0)];
        let weights: Vec<String> = problems_of(&weighted, Syntax::Json, Origin::Person)
            .iter()
            .filter(|p| p.path.to_string() == "weights.c")
            .map(|p| p.message.clone())
            .collect();
        assert_eq!(
            weights,
            [
                "`weights` có `c` nhưng `pool` không có bản tin này",
                "trọng số của `c` phải từ 1 trở lên"
            ]
        );
    }

    #[test]
    fn the_notations_differ_only_in_examples_and_stored_specs_skip_the_weights_rule() {
        let file = problems(Syntax::ScheduleFile, Origin::Person);
        let json = problems(Syntax::Json, Origin::Person);
        for (f, j) in file.iter().zip(&json) {
            assert_eq!(f.path, j.path);
            if f.path.to_string() != "rotations[0].order" {
                assert_eq!(f.message, j.message);
            }
        }
        assert!(file[8].message.contains("`order = \"weighted\"`"));
        assert!(json[8].message.contains("`order` = `weighted`"));
        let stored = problems(Syntax::Json, Origin::Stored);
        assert!(
            stored
                .iter()
                .all(|p| p.path.to_string() != "rotations[0].order")
        );
    }
}

mod station {
    use super::super::station::DEFAULT_TARGET_LUFS;
    use super::super::*;
    use crate::domain::{Area, AreaCode, AreaKind, AreaTree};

    fn tree() -> AreaTree {
        AreaTree::build(vec![Area {
            code: AreaCode::parse("19").expect("code"),
            name: "Tỉnh Thái Nguyên".to_owned(),
            kind: AreaKind::Province,
            parent: None,
        }])
        .expect("tree")
    }

    #[test]
    fn a_station_gets_its_defaults_and_the_path_of_each_range() {
        let draft = StationDraft {
            code: "tram-1",
            area: "19",
            windows: Some(vec![
                WindowDraft {
                    days: None,
                    times: vec!["05:30-06:00"],
                },
                WindowDraft {
                    days: Some("T7,CN"),
                    times: vec!["17:00-17:30", "18:00-18:30"],
                },
            ]),
            ..StationDraft::default()
        };
        let c = check_station(&draft, &tree(), &Notation::json()).expect("valid");
        assert_eq!(c.station.name, "Trạm truyền thanh Tỉnh Thái Nguyên");
        assert_eq!(c.target_lufs, DEFAULT_TARGET_LUFS);
        let paths: Vec<String> = c.window_paths.iter().map(ToString::to_string).collect();
        assert_eq!(
            paths,
            [
                "windows[0].times[0]",
                "windows[1].times[0]",
                "windows[1].times[1]"
            ]
        );
    }

    #[test]
    fn an_overlap_is_reported_at_the_later_range_naming_the_earlier() {
        let draft = StationDraft {
            code: "tram 1",
            area: "19",
            name: Some(" "),
            languages: Some(vec![]),
            windows: Some(vec![WindowDraft {
                days: None,
                times: vec!["05:30-06:00", "05:45-06:15"],
            }]),
            ..StationDraft::default()
        };
        let problems = check_station(&draft, &tree(), &Notation::json()).expect_err("invalid");
        let text = crate::domain::check::with_paths(&problems);
        assert!(text[0].starts_with("code: mã trạm `tram 1`"), "{text:?}");
        assert!(
            text[1].starts_with("languages: cần ít nhất một ngôn ngữ"),
            "{text:?}"
        );
        assert!(
            text[2].starts_with("windows[0].times[1]: khung giờ 05:45–06:15")
                && text[2].ends_with("(khung trước ở windows[0].times[0])"),
            "{text:?}"
        );
        assert!(text[3].starts_with("name: không được để trống"), "{text:?}");
    }
}
