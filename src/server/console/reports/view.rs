//! A computed report as the page lays it out: the heading and key figures, one page of
//! rows with a totals row, why items did not air in full, integrity warnings, and the
//! chart of completion per row (inline SVG, drawn by the template from the bars made
//! here). Numbers are the domain's; only their writing (separators, percents, words)
//! happens here.

use chrono::{Datelike, NaiveDate};

use super::super::calendar::{language_label, reason_label};
use super::super::conventions::{date_dmy, decimal1, number, weekday_key};
use super::super::i18n::Lang;
use super::form::{Checked, Span, by_code, file_name, link};
use crate::domain::{GroupBy, Reason, Report, Tally};
use crate::server::api::Scope;
use crate::store::{ReportData, ReportQuery};

/// Rows of the table per page (a report by station of the whole country has 10,000).
pub const ROWS_PER_PAGE: usize = 50;
/// Station codes named in a warning line at most; the rest are counted.
const LISTED_CODES: usize = 30;
/// Longest label a chart bar shows, characters (the table has the whole name).
const CHART_LABEL: usize = 34;
/// Height of one bar of the chart, with its label line, px.
const BAR_STEP: u32 = 34;

/// A cell of a row's labels.
pub struct LabelCell {
    pub(super) heading: String,
    pub(super) text: String,
    pub(super) href: Option<String>,
    pub(super) indent: u8,
}

/// One row of the table.
pub struct RowView {
    pub(super) labels: Vec<LabelCell>,
    /// Heading and value of each count.
    pub(super) counts: Vec<(String, String)>,
}

/// One bar of the chart.
pub struct Bar {
    pub(super) label: String,
    pub(super) value: String,
    pub(super) text_y: u32,
    pub(super) bar_y: u32,
    pub(super) width: String,
    pub(super) class: &'static str,
}

/// The chart: completion of each row shown.
pub struct ChartView {
    pub(super) title: String,
    pub(super) desc: String,
    pub(super) height: u32,
    pub(super) bars: Vec<Bar>,
}

/// A computed report as the page shows it.
pub struct ResultView {
    pub(super) here: String,
    pub(super) heading: String,
    pub(super) note: String,
    pub(super) figures: Vec<(String, String)>,
    pub(super) label_heads: Vec<String>,
    pub(super) count_heads: Vec<String>,
    pub(super) rows: Vec<RowView>,
    pub(super) total_label: String,
    pub(super) totals: Vec<(String, String)>,
    pub(super) summary: String,
    pub(super) prev: Option<String>,
    pub(super) next: Option<String>,
    pub(super) page_label: String,
    pub(super) chart: ChartView,
    pub(super) reasons: Vec<(String, String)>,
    pub(super) warnings: Vec<String>,
    pub(super) csv: String,
    pub(super) csv_name: String,
    pub(super) xlsx: String,
    pub(super) xlsx_name: String,
}

/// A count column: message key, value, whether shown even when the total is zero.
pub(super) type Column = (&'static str, fn(&Tally) -> Cell, bool);

/// A number a count column shows.
#[derive(Debug, Clone, Copy)]
pub(super) enum Cell {
    Count(u64),
    Minutes(f64),
    Percent(Option<f64>),
}

impl Cell {
    pub(super) fn text(self, lang: Lang) -> String {
        match self {
            Self::Count(n) => number(n as i64, lang),
            Self::Minutes(m) => decimal1(m, lang),
            Self::Percent(p) => percent(p, lang),
        }
    }

    pub(super) fn is_zero(self) -> bool {
        match self {
            Self::Count(n) => n == 0,
            Self::Minutes(m) => m == 0.0,
            Self::Percent(p) => p.is_none(),
        }
    }
}

/// The count columns, in the order of the CSV and XLSX files (their Vietnamese
/// headings are the files' headings).
const COLUMNS: &[Column] = &[
    ("reports-col-planned", |t| Cell::Count(t.planned), true),
    ("reports-col-due", |t| Cell::Count(t.due()), true),
    ("reports-col-aired", |t| Cell::Count(t.aired), true),
    ("reports-col-partial", |t| Cell::Count(t.partial), true),
    ("reports-col-late", |t| Cell::Count(t.late_start), false),
    ("reports-col-preempted", |t| Cell::Count(t.preempted), true),
    ("reports-col-missed", |t| Cell::Count(t.missed), true),
    ("reports-col-failed", |t| Cell::Count(t.failed), true),
    (
        "reports-col-unreported",
        |t| Cell::Count(t.unreported),
        true,
    ),
    ("reports-col-upcoming", |t| Cell::Count(t.upcoming), true),
    (
        "reports-col-minutes",
        |t| Cell::Minutes(t.minutes_aired()),
        true,
    ),
    (
        "reports-col-completion",
        |t| Cell::Percent(t.completion_pct()),
        true,
    ),
    ("reports-col-fallback", |t| Cell::Count(t.fallback), false),
    ("reports-col-emergency", |t| Cell::Count(t.emergency), false),
    ("reports-col-extra", |t| Cell::Count(t.extra), false),
];

/// `96,5%` (`96.5%` in English); a dash when nothing was due.
pub(super) fn percent(p: Option<f64>, lang: Lang) -> String {
    match p {
        Some(p) => format!("{}%", decimal1(p, lang)),
        None => "—".to_owned(),
    }
}

/// A reason key in words: an agent's reason by its label (English from the catalog),
/// the keys reports add (`unreported`, an outcome when no reason was given), older
/// free text as it was written.
pub(super) fn reason_words(key: &str, lang: Lang) -> String {
    if Reason::parse(key).is_some() {
        return reason_label(key, lang);
    }
    lang.try_t(&format!("reports-reason-{key}"))
        .unwrap_or_else(|| crate::report::reason_vi(key))
}

/// "01834, 01837 và 12 trạm khác".
pub(super) fn list_codes(codes: &[&str], lang: Lang) -> String {
    let mut text = codes[..codes.len().min(LISTED_CODES)].join(", ");
    if codes.len() > LISTED_CODES {
        text.push_str(&lang.ta(
            "reports-more-stations",
            &[("n", number((codes.len() - LISTED_CODES) as i64, lang))],
        ));
    }
    text
}

/// The heading of the result: period, days and area.
pub(super) fn heading(span: Span, q: &ReportQuery, area_name: &str, lang: Lang) -> String {
    let (from, until) = (date_dmy(q.from), date_dmy(q.until));
    let args = |mut v: Vec<(&'static str, String)>| {
        v.push(("from", from.clone()));
        v.push(("until", until.clone()));
        v.push(("area", area_name.to_owned()));
        v
    };
    match span {
        Span::Year(y) => lang.ta("reports-heading-year", &args(vec![("year", y.to_string())])),
        Span::LearningWeek(y) => {
            lang.ta("reports-heading-llw", &args(vec![("year", y.to_string())]))
        }
        Span::Month(y, m) => lang.ta(
            "reports-heading-month",
            &args(vec![("year", y.to_string()), ("month", m.to_string())]),
        ),
        Span::Range(..) => lang.ta("reports-heading-range", &args(Vec::new())),
    }
}

/// The label headings of the rows of `by`.
pub(super) fn label_heads(by: GroupBy, lang: Lang) -> Vec<String> {
    let keys: &[&str] = match by {
        GroupBy::Station => &[
            "reports-col-station-code",
            "reports-col-station",
            "reports-col-station-area",
        ],
        GroupBy::Area => &[
            "reports-col-area-code",
            "reports-col-area",
            "reports-col-level",
        ],
        GroupBy::Campaign => &["reports-col-campaign-code", "reports-col-campaign"],
        GroupBy::Segment => &["reports-col-segment-code", "reports-col-segment"],
        GroupBy::Language => &["reports-col-language"],
        GroupBy::Priority => &["reports-col-priority"],
        GroupBy::Day => &["reports-col-day"],
        GroupBy::Week => &["reports-col-week"],
        GroupBy::Month => &["reports-col-month"],
    };
    keys.iter().map(|k| lang.t(k)).collect()
}

/// What a row is about, in words (for the table and the chart).
pub(super) fn row_name(by: GroupBy, key: &str, label: &str, lang: Lang) -> String {
    match by {
        GroupBy::Language => language_label(key, lang),
        GroupBy::Priority => lang
            .try_t(&format!("priority-{key}"))
            .unwrap_or_else(|| key.to_owned()),
        GroupBy::Day => match NaiveDate::parse_from_str(key, "%Y-%m-%d") {
            Ok(d) => {
                let wd = lang.t(weekday_key(d.weekday()));
                format!("{wd} {}", date_dmy(d))
            }
            Err(_) => label.to_owned(),
        },
        GroupBy::Week => {
            let week = key
                .split_once("-W")
                .and_then(|(y, w)| Some((y.parse::<i32>().ok()?, w.parse::<u32>().ok()?)))
                .and_then(|(y, w)| NaiveDate::from_isoywd_opt(y, w, chrono::Weekday::Mon));
            match week {
                Some(monday) => lang.ta(
                    "reports-week-label",
                    &[
                        ("week", monday.iso_week().week().to_string()),
                        ("from", date_dmy(monday)),
                        ("until", date_dmy(monday + chrono::Days::new(6))),
                    ],
                ),
                None => label.to_owned(),
            }
        }
        GroupBy::Month => match NaiveDate::parse_from_str(&format!("{key}-01"), "%Y-%m-%d") {
            Ok(d) => lang.ta(
                "reports-month-label",
                &[
                    ("month", d.month().to_string()),
                    ("year", d.year().to_string()),
                ],
            ),
            Err(_) => label.to_owned(),
        },
        _ if label.is_empty() => key.to_owned(),
        _ => label.to_owned(),
    }
}

/// The label cells of row `i`.
pub(super) fn label_cells(
    by: GroupBy,
    i: usize,
    data: &ReportData,
    report: &Report,
    heads: &[String],
    checked: &Checked,
    lang: Lang,
) -> Vec<LabelCell> {
    let row = &report.rows[i];
    let cell = |n: usize, text: String, href: Option<String>, indent: u8| LabelCell {
        heading: heads.get(n).cloned().unwrap_or_default(),
        text,
        href,
        indent,
    };
    let name = row_name(by, &row.key, &row.label, lang);
    match by {
        GroupBy::Station => {
            let area = report
                .stations
                .get(i)
                .map(|s| data.tree.area(s.station.area).name.clone())
                .unwrap_or_default();
            vec![
                cell(0, row.key.clone(), None, 0),
                cell(1, name, Some(format!("/stations/{}", row.key)), 0),
                cell(2, area, None, 0),
            ]
        }
        GroupBy::Area => {
            let (kind, depth) = row.area.map_or((String::new(), 0), |(id, depth)| {
                let kind = data.tree.area(id).kind.as_str();
                (
                    lang.try_t(&format!("area-kind-{kind}"))
                        .unwrap_or_else(|| kind.to_owned()),
                    depth,
                )
            });
            // Each unit below the report's area opens its own report, same period.
            let href = (depth > 0 || checked.query.area.is_none()).then(|| {
                let mut pairs: Vec<_> = checked
                    .pairs
                    .iter()
                    .filter(|(k, _)| *k != "area")
                    .cloned()
                    .collect();
                pairs.push(("area", row.key.clone()));
                link("/reports", &pairs, &[])
            });
            vec![
                cell(0, row.key.clone(), None, 0),
                cell(1, name, href, depth.min(4)),
                cell(2, kind, None, 0),
            ]
        }
        GroupBy::Campaign | GroupBy::Segment => {
            vec![cell(0, row.key.clone(), None, 0), cell(1, name, None, 0)]
        }
        _ => vec![cell(0, name, None, 0)],
    }
}

/// The chart of completion of the rows shown.
pub(super) fn chart(
    by: GroupBy,
    names: &[String],
    tallies: &[&Tally],
    range: &str,
    lang: Lang,
) -> ChartView {
    let mut bars = Vec::new();
    let mut desc = Vec::new();
    for (n, (name, t)) in names.iter().zip(tallies).enumerate() {
        let pct = t.completion_pct();
        let mut label: String = name.chars().take(CHART_LABEL).collect();
        if name.chars().count() > CHART_LABEL {
            label.push('…');
        }
        let (value, said) = match pct {
            Some(_) => (
                percent(pct, lang),
                lang.ta(
                    "reports-chart-value",
                    &[
                        ("pct", percent(pct, lang)),
                        ("aired", number(t.aired as i64, lang)),
                        ("due", number(t.due() as i64, lang)),
                    ],
                ),
            ),
            None => {
                let none = lang.t("reports-chart-nothing-due");
                (none.clone(), none)
            }
        };
        desc.push(format!("{name}: {said}"));
        let top = n as u32 * BAR_STEP;
        bars.push(Bar {
            label,
            value,
            text_y: top + 13,
            bar_y: top + 18,
            width: format!("{:.1}%", pct.unwrap_or(0.0).clamp(0.0, 100.0)),
            class: match pct {
                None => "none",
                Some(p) if p >= 90.0 => "good",
                Some(p) if p >= 60.0 => "fair",
                Some(_) => "poor",
            },
        });
    }
    ChartView {
        title: lang.ta(
            "reports-chart-title",
            &[
                (
                    "by",
                    lang.t(&format!("reports-by-{}", by_code(by)))
                        .to_lowercase(),
                ),
                ("rows", range.to_owned()),
            ],
        ),
        desc: desc.join("; "),
        height: (bars.len() as u32 * BAR_STEP).max(BAR_STEP),
        bars,
    }
}

/// Lays out a computed report: page `page_no` of its rows.
pub(super) fn result_view(
    checked: &Checked,
    data: &ReportData,
    report: &Report,
    scope: &Scope,
    page_no: usize,
    lang: Lang,
) -> ResultView {
    let q = &checked.query;
    let by = q.by;
    let area_name = match &q.area {
        Some(code) => scope
            .name_inside(code.as_str())
            .map_or_else(|| code.as_str().to_owned(), str::to_owned),
        None => lang.t("area-whole-country"),
    };
    let total = &report.total;
    let shown: Vec<&Column> = COLUMNS
        .iter()
        .filter(|(_, f, always)| *always || !f(total).is_zero())
        .collect();
    let label_heads = label_heads(by, lang);
    let count_heads: Vec<String> = shown.iter().map(|(k, _, _)| lang.t(k)).collect();
    let count = report.rows.len();
    let pages = count.div_ceil(ROWS_PER_PAGE).max(1);
    let page_no = page_no.min(pages);
    let first = (page_no - 1) * ROWS_PER_PAGE;
    let last = (first + ROWS_PER_PAGE).min(count);
    let mut rows = Vec::new();
    let mut names = Vec::new();
    let mut tallies = Vec::new();
    for i in first..last {
        let row = &report.rows[i];
        rows.push(RowView {
            labels: label_cells(by, i, data, report, &label_heads, checked, lang),
            counts: shown
                .iter()
                .zip(&count_heads)
                .map(|((_, f, _), h)| (h.clone(), f(&row.tally).text(lang)))
                .collect(),
        });
        names.push(row_name(by, &row.key, &row.label, lang));
        tallies.push(&row.tally);
    }
    let range_words = lang.ta(
        "reports-rows-range",
        &[
            ("first", number((first + 1).min(count) as i64, lang)),
            ("last", number(last as i64, lang)),
            ("total", number(count as i64, lang)),
        ],
    );
    let page_link = |n: usize| link("/reports", &checked.pairs, &[("page", n.to_string())]);
    let mut reasons: Vec<(&String, &u64)> = total.reasons.iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let mut warnings = Vec::new();
    for (codes, key) in [
        (report.broken_chains(), "reports-warn-chain"),
        (report.failed_logs(), "reports-warn-log-failed"),
        (report.silent_stations(), "reports-warn-silent"),
    ] {
        if !codes.is_empty() {
            warnings.push(lang.ta(
                key,
                &[
                    ("n", number(codes.len() as i64, lang)),
                    ("codes", list_codes(&codes, lang)),
                ],
            ));
        }
    }
    let download = |format: &str| {
        link(
            "/reports/download",
            &checked.pairs,
            &[("format", format.to_owned())],
        )
    };
    ResultView {
        here: page_link(page_no),
        heading: heading(checked.span, q, &area_name, lang),
        note: lang.t("reports-note"),
        figures: vec![
            (
                lang.t("reports-fig-stations"),
                number(report.stations.len() as i64, lang),
            ),
            (lang.t("reports-col-due"), number(total.due() as i64, lang)),
            (
                lang.t("reports-col-aired"),
                number(total.aired as i64, lang),
            ),
            (
                lang.t("reports-fig-not-full"),
                number(
                    (total.partial + total.missed + total.failed + total.preempted) as i64,
                    lang,
                ),
            ),
            (
                lang.t("reports-col-unreported"),
                number(total.unreported as i64, lang),
            ),
            (
                lang.t("reports-fig-completion"),
                percent(total.completion_pct(), lang),
            ),
        ],
        label_heads,
        rows,
        total_label: lang.t("reports-total"),
        totals: shown
            .iter()
            .zip(&count_heads)
            .map(|((_, f, _), h)| (h.clone(), f(total).text(lang)))
            .collect(),
        count_heads,
        summary: range_words.clone(),
        prev: (page_no > 1).then(|| page_link(page_no - 1)),
        next: (page_no < pages).then(|| page_link(page_no + 1)),
        page_label: lang.ta(
            "pager-label",
            &[
                ("page", number(page_no as i64, lang)),
                ("pages", number(pages as i64, lang)),
            ],
        ),
        chart: chart(by, &names, &tallies, &range_words, lang),
        reasons: reasons
            .into_iter()
            .map(|(k, n)| (reason_words(k, lang), number(*n as i64, lang)))
            .collect(),
        warnings,
        csv: download("csv"),
        csv_name: file_name(q.area.as_ref(), checked.span, by, "csv"),
        xlsx: download("xlsx"),
        xlsx_name: file_name(q.area.as_ref(), checked.span, by, "xlsx"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percents_and_counts_use_vietnamese_separators() {
        assert_eq!(percent(Some(96.54), Lang::Vi), "96,5%");
        assert_eq!(percent(Some(100.0), Lang::En), "100.0%");
        assert_eq!(percent(None, Lang::Vi), "—");
        assert_eq!(Cell::Count(12_345).text(Lang::Vi), "12.345");
        assert_eq!(Cell::Minutes(1234.56).text(Lang::Vi), "1.234,6");
    }
}
