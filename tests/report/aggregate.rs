//! `aggregate` on a three-level tree (province → two districts → three communes) with
//! cells covering every outcome, checked against numbers counted by hand.

use std::collections::HashMap;

use chrono::NaiveDate;
use loa::domain::{
    AiringCell, AreaCode, AreaKind, AreaTree, GroupBy, Names, Outcome, PlannedCell, ReportInputs,
    ReportStation, Source, StationFacts, aggregate,
};

use crate::support::area;

fn tree() -> AreaTree {
    AreaTree::build(vec![
        area("06", "Tỉnh Bắc Kạn", AreaKind::Province, None),
        area("058", "Thành phố Bắc Kạn", AreaKind::District, Some("06")),
        area("060", "Huyện Pác Nặm", AreaKind::District, Some("06")),
        area(
            "01834",
            "Phường Nguyễn Thị Minh Khai",
            AreaKind::Commune,
            Some("058"),
        ),
        area("01837", "Phường Sông Cầu", AreaKind::Commune, Some("058")),
        area("01858", "Xã Bằng Thành", AreaKind::Commune, Some("060")),
    ])
    .expect("tree")
}

fn day(d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(2026, 3, d)
}

fn planned(station: &str, d: u32, campaign: &str, due: bool, count: u64) -> PlannedCell {
    PlannedCell {
        station: station.to_owned(),
        day: day(d),
        campaign: campaign.to_owned(),
        segment: format!("{campaign}-seg"),
        priority: "normal".to_owned(),
        due,
        count,
        duration_ms: count as i64 * 300_000,
    }
}

fn aired(
    station: &str,
    d: u32,
    campaign: &str,
    outcome: Outcome,
    reason: &str,
    count: u64,
    aired_ms: i64,
) -> AiringCell {
    AiringCell {
        station: station.to_owned(),
        day: day(d),
        source: Source::Planned,
        campaign: campaign.to_owned(),
        segment: format!("{campaign}-seg"),
        priority: "normal".to_owned(),
        outcome,
        reason: reason.to_owned(),
        count,
        aired_ms,
    }
}

struct Data {
    tree: AreaTree,
    stations: Vec<ReportStation>,
    facts: HashMap<String, StationFacts>,
    names: Names,
    planned: Vec<PlannedCell>,
    airings: Vec<AiringCell>,
}

fn data() -> Data {
    let tree = tree();
    let station = |code: &str| ReportStation {
        code: code.to_owned(),
        name: format!("Trạm {code}"),
        area: tree
            .get(&AreaCode::parse(code).expect("code"))
            .expect("area"),
    };
    let stations = vec![station("01834"), station("01837"), station("01858")];
    let mut facts = HashMap::new();
    facts.insert(
        "01834".to_owned(),
        StationFacts {
            chain_breaks: 0,
            heard: true,
            ..StationFacts::default()
        },
    );
    facts.insert(
        "01858".to_owned(),
        StationFacts {
            chain_breaks: 2,
            heard: true,
            ..StationFacts::default()
        },
    );
    let mut names = Names::default();
    names
        .campaigns
        .insert("hoc-tap".to_owned(), "Xã hội học tập".to_owned());
    names.segments.insert(
        "hoc-tap-seg".to_owned(),
        ("Gia đình học tập".to_owned(), "vi".to_owned()),
    );
    names.segments.insert(
        "sach-seg".to_owned(),
        ("Ngày Sách".to_owned(), "tyz".to_owned()),
    );
    use Outcome::*;
    let planned = vec![
        // 01834: 4 due on the 10th, 2 due + 2 upcoming on the 11th.
        planned("01834", 10, "hoc-tap", true, 4),
        planned("01834", 11, "hoc-tap", true, 2),
        planned("01834", 11, "hoc-tap", false, 2),
        // 01837: 3 due, only one record back.
        planned("01837", 10, "sach", true, 3),
        // 01858: 2 due, 3 records (one extra).
        planned("01858", 10, "sach", true, 2),
    ];
    let airings = vec![
        aired("01834", 10, "hoc-tap", Aired, "", 2, 600_000),
        aired("01834", 10, "hoc-tap", Missed, "agent_down", 1, 0),
        aired("01834", 10, "hoc-tap", Failed, "", 1, 0),
        aired("01834", 11, "hoc-tap", Partial, "agent_restart", 1, 120_000),
        aired("01834", 11, "hoc-tap", Preempted, "emergency", 1, 60_000),
        aired("01837", 10, "sach", Aired, "", 1, 300_000),
        aired("01858", 10, "sach", Aired, "", 3, 900_000),
        AiringCell {
            source: Source::Fallback,
            campaign: String::new(),
            segment: String::new(),
            priority: String::new(),
            ..aired("01837", 10, "", Aired, "", 2, 600_000)
        },
        AiringCell {
            source: Source::Emergency,
            campaign: String::new(),
            segment: String::new(),
            priority: String::new(),
            ..aired("01834", 11, "", Aired, "", 1, 30_000)
        },
    ];
    Data {
        tree,
        stations,
        facts,
        names,
        planned,
        airings,
    }
}

fn run(d: &Data, root: Option<&str>, by: GroupBy) -> loa::domain::Report {
    let root = root.map(|c| {
        d.tree
            .get(&AreaCode::parse(c).expect("code"))
            .expect("root")
    });
    aggregate(
        &ReportInputs {
            tree: &d.tree,
            root,
            stations: &d.stations,
            facts: &d.facts,
            names: &d.names,
            planned: &d.planned,
            airings: &d.airings,
        },
        by,
    )
}

/// planned, upcoming, aired, partial, missed, failed, preempted, unreported, extra.
fn nine(t: &loa::domain::Tally) -> [u64; 9] {
    [
        t.planned,
        t.upcoming,
        t.aired,
        t.partial,
        t.missed,
        t.failed,
        t.preempted,
        t.unreported,
        t.extra,
    ]
}

#[test]
fn every_outcome_is_counted_per_station() {
    let d = data();
    let r = run(&d, None, GroupBy::Station);
    let by: HashMap<&str, &loa::domain::Row> = r.rows.iter().map(|x| (x.key.as_str(), x)).collect();
    assert_eq!(nine(&by["01834"].tally), [8, 2, 2, 1, 1, 1, 1, 0, 0]);
    assert_eq!(nine(&by["01837"].tally), [3, 0, 1, 0, 0, 0, 0, 2, 0]);
    assert_eq!(nine(&by["01858"].tally), [2, 0, 3, 0, 0, 0, 0, 0, 1]);
    let a = &by["01834"].tally;
    // 10 + 2 + 1 minutes of planned items; the emergency's 30 s counted apart.
    assert_eq!(a.aired_ms, 780_000);
    assert_eq!(a.unplanned_ms, 30_000);
    assert_eq!(a.emergency, 1);
    assert_eq!(a.due(), 6);
    assert_eq!(a.completion_pct(), Some(2.0 * 100.0 / 6.0));
    let reasons: Vec<(&str, u64)> = a.reasons.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(
        reasons,
        [
            ("agent_down", 1),
            ("agent_restart", 1),
            ("emergency", 1),
            ("failed", 1)
        ]
    );
    assert_eq!(by["01837"].tally.fallback, 2);
    assert_eq!(by["01837"].tally.reasons.get("unreported"), Some(&2));
    // Station facts: 01837 sent no heartbeat; 01858's chain broke twice.
    let facts: Vec<(bool, u64)> = r
        .stations
        .iter()
        .map(|s| (s.facts.heard, s.facts.chain_breaks))
        .collect();
    assert_eq!(facts, [(true, 0), (false, 0), (true, 2)]);
}

#[test]
fn areas_roll_up_three_levels_and_the_root_limits_them() {
    let d = data();
    let r = run(&d, None, GroupBy::Area);
    let keys: Vec<(&str, u8)> = r
        .rows
        .iter()
        .map(|x| (x.key.as_str(), x.area.expect("area row").1))
        .collect();
    assert_eq!(
        keys,
        [
            ("06", 0),
            ("058", 1),
            ("060", 1),
            ("01834", 2),
            ("01837", 2),
            ("01858", 2)
        ]
    );
    let by: HashMap<&str, &loa::domain::Row> = r.rows.iter().map(|x| (x.key.as_str(), x)).collect();
    assert_eq!(nine(&by["058"].tally), [11, 2, 3, 1, 1, 1, 1, 2, 0]);
    assert_eq!(nine(&by["06"].tally), [13, 2, 6, 1, 1, 1, 1, 2, 1]);
    assert_eq!(by["06"].tally, r.total);
    let province = r.areas.iter().find(|a| a.depth == 0).expect("province");
    assert_eq!((province.chain_breaks, province.silent_stations), (1, 1));
    assert_eq!(province.by_campaign["sach"].aired, 4);

    // A district report: that district is depth 0 and the others are gone.
    let r = run(&d, Some("058"), GroupBy::Area);
    let keys: Vec<&str> = r.rows.iter().map(|x| x.key.as_str()).collect();
    assert_eq!(keys, ["058", "01834", "01837"]);
    assert_eq!(r.rows[0].area.map(|a| a.1), Some(0));
}

#[test]
fn rows_by_campaign_language_and_period() {
    let d = data();
    let r = run(&d, None, GroupBy::Campaign);
    let rows: Vec<(&str, &str, u64)> = r
        .rows
        .iter()
        .map(|x| (x.key.as_str(), x.label.as_str(), x.tally.planned))
        .collect();
    // Fallback and emergency records have no campaign: no row, but in the total.
    assert_eq!(
        rows,
        [("hoc-tap", "Xã hội học tập", 8), ("sach", "sach", 5)]
    );
    assert_eq!(r.total.fallback, 2);

    let r = run(&d, None, GroupBy::Language);
    let rows: Vec<(&str, u64)> = r
        .rows
        .iter()
        .map(|x| (x.key.as_str(), x.tally.aired))
        .collect();
    assert_eq!(rows, [("tyz", 4), ("vi", 2)]);

    let r = run(&d, None, GroupBy::Day);
    let rows: Vec<(&str, &str, u64)> = r
        .rows
        .iter()
        .map(|x| (x.key.as_str(), x.label.as_str(), x.tally.planned))
        .collect();
    assert_eq!(
        rows,
        [
            ("2026-03-10", "10/03/2026", 9),
            ("2026-03-11", "11/03/2026", 4)
        ]
    );

    let r = run(&d, None, GroupBy::Week);
    assert_eq!(r.rows.len(), 1);
    assert_eq!(r.rows[0].key, "2026-W11");
    assert_eq!(r.rows[0].label, "Tuần 11 (09/03/2026 – 15/03/2026)");
    let r = run(&d, None, GroupBy::Month);
    assert_eq!(
        (r.rows[0].key.as_str(), r.rows[0].label.as_str()),
        ("2026-03", "Tháng 3/2026")
    );
}

#[test]
fn nothing_due_is_no_completion_and_nothing_missed() {
    let mut d = data();
    d.planned = vec![planned("01834", 12, "hoc-tap", false, 5)];
    d.airings.clear();
    let r = run(&d, None, GroupBy::Station);
    assert_eq!(nine(&r.total), [5, 5, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(r.total.completion_pct(), None);
    assert!(r.total.reasons.is_empty());
}
