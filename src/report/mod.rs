//! Report writers: a computed [`Report`] as a console table, CSV (UTF-8 with BOM, so
//! Excel opens Vietnamese correctly) or XLSX, with Vietnamese headings and dates as
//! dd/mm/yyyy. They only lay out numbers the domain computed; none counts anything.

mod csv;
mod make;
mod table;
mod xlsx;

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, TimeZone};
use chrono_tz::Tz;

use crate::domain::{AreaTree, GroupBy, Miss, Names, Reason, Report, Row, StationFacts, Tally};

pub use self::csv::to_csv;
pub use self::make::{Made, MakeError, compute, make};
pub use self::table::to_table;
pub use self::xlsx::to_xlsx;

/// Which format `--format` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned text for the console.
    Table,
    /// Comma-separated, UTF-8 with BOM.
    Csv,
    /// An Excel workbook.
    Xlsx,
}

impl Format {
    /// Parses the keyword.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "table" => Some(Self::Table),
            "csv" => Some(Self::Csv),
            "xlsx" => Some(Self::Xlsx),
            _ => None,
        }
    }
}

/// A report with everything its writers need to label it.
#[derive(Debug)]
pub struct Document<'a> {
    /// First local day.
    pub from: NaiveDate,
    /// Last local day.
    pub until: NaiveDate,
    /// The area reported on (`None`: every station).
    pub area_name: Option<String>,
    /// The campaign it is limited to.
    pub campaign_name: Option<String>,
    /// How rows are split.
    pub by: GroupBy,
    /// When it was made.
    pub generated_at: DateTime<Tz>,
    /// The numbers.
    pub report: &'a Report,
    /// The tree, for area names and levels.
    pub tree: &'a AreaTree,
    /// Campaign and segment names.
    pub names: &'a Names,
    /// Station code → time zone, for the local time of misses.
    pub timezones: &'a HashMap<String, String>,
    /// Every miss (XLSX only), oldest first per station.
    pub misses: &'a [Miss],
    /// Whether the misses list was cut at its limit.
    pub misses_truncated: bool,
}

impl Document<'_> {
    /// "Báo cáo phát sóng từ 01/01/2026 đến 31/12/2026 — Tỉnh Thái Nguyên".
    pub fn title(&self) -> String {
        let mut t = format!(
            "Báo cáo phát sóng từ {} đến {}",
            vn_date(self.from),
            vn_date(self.until)
        );
        t.push_str(" — ");
        t.push_str(self.area_name.as_deref().unwrap_or("Toàn quốc"));
        if let Some(c) = &self.campaign_name {
            t.push_str(" — chiến dịch ");
            t.push_str(c);
        }
        t
    }

    /// The local date and time of a miss, `dd/mm/yyyy`, `HH:MM`.
    fn local(&self, m: &Miss) -> (String, String) {
        let tz: Tz = self
            .timezones
            .get(&m.station)
            .and_then(|z| z.parse().ok())
            .unwrap_or(chrono_tz::Asia::Ho_Chi_Minh);
        match tz.timestamp_millis_opt(m.start_ms).single() {
            Some(t) => (
                t.format("%d/%m/%Y").to_string(),
                t.format("%H:%M").to_string(),
            ),
            None => (String::new(), String::new()),
        }
    }
}

/// `dd/mm/yyyy`.
pub fn vn_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// A number a count column shows.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Value {
    Count(u64),
    Minutes(f64),
    Percent(Option<f64>),
}

impl Value {
    fn text(self) -> String {
        match self {
            Self::Count(n) => n.to_string(),
            Self::Minutes(m) => format!("{m:.1}"),
            Self::Percent(Some(p)) => format!("{p:.1}"),
            Self::Percent(None) => String::new(),
        }
    }
}

/// A count column: heading, and its value in a tally.
type Column = (&'static str, fn(&Tally) -> Value);

/// The count columns every row has, in order.
const COLUMNS: &[Column] = &[
    ("Kế hoạch", |t| Value::Count(t.planned)),
    ("Đến hạn", |t| Value::Count(t.due())),
    ("Đã phát", |t| Value::Count(t.aired)),
    ("Phát dở", |t| Value::Count(t.partial)),
    ("Phát muộn", |t| Value::Count(t.late_start)),
    ("Bị tin khẩn cắt", |t| Value::Count(t.preempted)),
    ("Bỏ lỡ", |t| Value::Count(t.missed)),
    ("Lỗi phát", |t| Value::Count(t.failed)),
    ("Chưa báo cáo", |t| Value::Count(t.unreported)),
    ("Sắp phát", |t| Value::Count(t.upcoming)),
    ("Số phút đã phát", |t| {
        Value::Minutes(t.minutes_aired())
    }),
    ("Hoàn thành (%)", |t| Value::Percent(t.completion_pct())),
    ("Phát dự phòng", |t| Value::Count(t.fallback)),
    ("Tin khẩn cấp", |t| Value::Count(t.emergency)),
    ("Bản ghi thừa", |t| Value::Count(t.extra)),
];

/// A reason key in Vietnamese: an agent's [`Reason`] by its own label, the keys
/// reports add (an outcome when no reason was given, `unreported`), and older free
/// text as it was written.
pub fn reason_vi(reason: &str) -> String {
    if let Some(r) = Reason::parse(reason) {
        return r.label_vi().to_owned();
    }
    match reason {
        "unreported" => "Chưa nhận báo cáo từ trạm".to_owned(),
        "missed" => "Bỏ lỡ".to_owned(),
        "failed" => "Lỗi phát".to_owned(),
        "partial" => "Phát dở".to_owned(),
        "preempted" => "Bị cắt ngang".to_owned(),
        other => other.to_owned(),
    }
}

/// An outcome keyword in Vietnamese (`None`: no record yet).
fn outcome_vi(o: Option<crate::domain::Outcome>) -> &'static str {
    use crate::domain::Outcome;
    match o {
        Some(Outcome::Aired) => "Đã phát",
        Some(Outcome::Partial) => "Phát dở",
        Some(Outcome::Missed) => "Bỏ lỡ",
        Some(Outcome::Failed) => "Lỗi phát",
        Some(Outcome::Preempted) => "Bị tin khẩn cắt",
        None => "Chưa báo cáo",
    }
}

/// The label columns of the rows of `by`: headings, and each row's cells.
fn label_columns(doc: &Document<'_>) -> Vec<&'static str> {
    match doc.by {
        GroupBy::Station => vec!["Mã trạm", "Tên trạm", "Đơn vị"],
        GroupBy::Area => vec!["Mã đơn vị", "Đơn vị hành chính", "Cấp"],
        GroupBy::Campaign => vec!["Mã chiến dịch", "Chiến dịch"],
        GroupBy::Segment => vec!["Mã bản tin", "Bản tin"],
        GroupBy::Language => vec!["Ngôn ngữ"],
        GroupBy::Priority => vec!["Mức ưu tiên"],
        GroupBy::Day => vec!["Ngày"],
        GroupBy::Week => vec!["Mã tuần", "Tuần"],
        GroupBy::Month => vec!["Mã tháng", "Tháng"],
    }
}

/// A row's label cells, matching [`label_columns`].
fn label_cells(doc: &Document<'_>, i: usize, row: &Row) -> Vec<String> {
    match doc.by {
        GroupBy::Station => {
            let area = doc
                .report
                .stations
                .get(i)
                .map(|s| doc.tree.area(s.station.area).name.clone())
                .unwrap_or_default();
            vec![row.key.clone(), row.label.clone(), area]
        }
        GroupBy::Area => {
            let kind = row
                .area
                .map(|(id, _)| doc.tree.area(id).kind.label_vi().to_owned())
                .unwrap_or_default();
            vec![row.key.clone(), row.label.clone(), kind]
        }
        GroupBy::Language | GroupBy::Priority | GroupBy::Day => vec![row.label.clone()],
        _ => vec![row.key.clone(), row.label.clone()],
    }
}

/// Station integrity cells for station rows: chain breaks, heard, log check.
fn facts_cells(f: &StationFacts) -> [String; 3] {
    [
        f.chain_breaks.to_string(),
        if f.heard { "Có" } else { "Không" }.to_owned(),
        f.log.label_vi().to_owned(),
    ]
}

/// The integrity headings of station rows.
const FACTS_HEADINGS: [&str; 3] = [
    "Số lần đứt chuỗi nhật ký",
    "Có tín hiệu trong kỳ",
    "Nhật ký",
];

/// At most this many station codes are listed in a line of text; the rest are counted.
const LISTED_CODES: usize = 30;

/// "01834, 01837 và 12 trạm khác".
fn list_codes(codes: &[&str]) -> String {
    let mut text = codes[..codes.len().min(LISTED_CODES)].join(", ");
    if codes.len() > LISTED_CODES {
        text.push_str(&format!(" và {} trạm khác", codes.len() - LISTED_CODES));
    }
    text
}
