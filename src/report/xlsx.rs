//! XLSX: a summary sheet, one sheet per level of the tree (province, district, commune),
//! one of stations, the yearly learning-society layout (per commune: broadcasts and
//! minutes by campaign), the rows of `--by` when they are not areas or stations, and
//! every miss with its reason. Each table ends with a totals row.

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use super::{
    COLUMNS, Document, FACTS_HEADINGS, Value, label_cells, label_columns, list_codes, outcome_vi,
    reason_vi,
};
use crate::domain::{GroupBy, Tally};

/// The misses sheet holds at most this many rows (Excel's limit is 1 048 576).
pub const MISSES_SHEET_LIMIT: usize = 1_000_000;

struct Styles {
    title: Format,
    heading: Format,
    total: Format,
    date: Format,
    minutes: Format,
    total_minutes: Format,
}

impl Styles {
    fn new() -> Self {
        Self {
            title: Format::new().set_bold().set_font_size(14),
            heading: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_background_color("#DDEBF7"),
            total: Format::new().set_bold(),
            date: Format::new().set_num_format("dd/mm/yyyy"),
            minutes: Format::new().set_num_format("0.0"),
            total_minutes: Format::new().set_bold().set_num_format("0.0"),
        }
    }
}

/// Writes `doc` as an XLSX workbook.
pub fn to_xlsx(doc: &Document<'_>) -> Result<Vec<u8>, XlsxError> {
    let st = Styles::new();
    let mut wb = Workbook::new();
    summary(wb.add_worksheet(), doc, &st)?;
    levels(&mut wb, doc, &st)?;
    stations(wb.add_worksheet(), doc, &st)?;
    by_campaign(wb.add_worksheet(), doc, &st)?;
    if !matches!(doc.by, GroupBy::Area | GroupBy::Station) {
        grouped(wb.add_worksheet(), doc, &st)?;
    }
    misses(wb.add_worksheet(), doc, &st)?;
    wb.save_to_buffer()
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
}

/// Writes the count columns of `t` from column `col` on `row`.
fn tally_cells(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    t: &Tally,
    bold: bool,
    st: &Styles,
) -> Result<(), XlsxError> {
    for (i, (_, f)) in COLUMNS.iter().enumerate() {
        let c = col + i as u16;
        match (f(t), bold) {
            (Value::Count(n), false) => ws.write_number(row, c, n as f64)?,
            (Value::Count(n), true) => ws.write_number_with_format(row, c, n as f64, &st.total)?,
            (Value::Minutes(m), false) => ws.write_number_with_format(row, c, m, &st.minutes)?,
            (Value::Minutes(m), true) => {
                ws.write_number_with_format(row, c, m, &st.total_minutes)?
            }
            (Value::Percent(Some(p)), _) => {
                ws.write_number_with_format(row, c, (p * 10.0).round() / 10.0, &st.minutes)?
            }
            (Value::Percent(None), _) => ws,
        };
    }
    Ok(())
}

fn headings(ws: &mut Worksheet, row: u32, names: &[&str], st: &Styles) -> Result<(), XlsxError> {
    for (i, h) in names.iter().enumerate() {
        ws.write_string_with_format(row, i as u16, *h, &st.heading)?;
    }
    ws.set_row_height(row, 45)?;
    ws.set_freeze_panes(row + 1, 0)?;
    Ok(())
}

fn summary(ws: &mut Worksheet, doc: &Document<'_>, st: &Styles) -> Result<(), XlsxError> {
    ws.set_name("Tổng hợp")?;
    ws.set_column_width(0, 38)?;
    ws.set_column_width(1, 14)?;
    ws.write_string_with_format(0, 0, doc.title(), &st.title)?;
    ws.write_string(
        1,
        0,
        format!("Ngày lập: {}", doc.generated_at.format("%d/%m/%Y %H:%M")),
    )?;
    let t = &doc.report.total;
    let mut r = 3;
    ws.write_string_with_format(r, 0, "Chỉ tiêu", &st.heading)?;
    ws.write_string_with_format(r, 1, "Số lượng", &st.heading)?;
    for (h, f) in COLUMNS {
        r += 1;
        ws.write_string(r, 0, *h)?;
        match f(t) {
            Value::Count(n) => ws.write_number(r, 1, n as f64)?,
            Value::Minutes(m) => ws.write_number_with_format(r, 1, m, &st.minutes)?,
            Value::Percent(Some(p)) => {
                ws.write_number_with_format(r, 1, (p * 10.0).round() / 10.0, &st.minutes)?
            }
            Value::Percent(None) => ws,
        };
    }
    r += 1;
    ws.write_string(r, 0, "Số trạm")?;
    ws.write_number(r, 1, doc.report.stations.len() as f64)?;
    r += 2;
    ws.write_string_with_format(r, 0, "Lý do chưa phát đủ", &st.heading)?;
    ws.write_string_with_format(r, 1, "Số lượng", &st.heading)?;
    for (reason, n) in &t.reasons {
        r += 1;
        ws.write_string(r, 0, reason_vi(reason))?;
        ws.write_number(r, 1, *n as f64)?;
    }
    r += 2;
    let broken = doc.report.broken_chains();
    ws.write_string_with_format(r, 0, "Trạm có nhật ký bị đứt chuỗi", &st.total)?;
    ws.write_number(r, 1, broken.len() as f64)?;
    if !broken.is_empty() {
        ws.write_string(r, 2, list_codes(&broken))?;
    }
    r += 1;
    let silent = doc.report.silent_stations();
    ws.write_string_with_format(r, 0, "Trạm không gửi tín hiệu trong kỳ", &st.total)?;
    ws.write_number(r, 1, silent.len() as f64)?;
    if !silent.is_empty() {
        ws.write_string(r, 2, list_codes(&silent))?;
    }
    Ok(())
}

/// One sheet per depth of the covered tree, named by the level of its first area.
fn levels(wb: &mut Workbook, doc: &Document<'_>, st: &Styles) -> Result<(), XlsxError> {
    let depths = doc.report.areas.iter().map(|a| a.depth).max();
    for depth in 0..=depths.unwrap_or(0) {
        let rows: Vec<_> = doc
            .report
            .areas
            .iter()
            .filter(|a| a.depth == depth)
            .collect();
        let Some(first) = rows.first() else { continue };
        let ws = wb.add_worksheet();
        let kind = doc.tree.area(first.area).kind.label_vi();
        ws.set_name(format!("Cấp {kind}"))?;
        let mut head = vec!["Mã đơn vị", "Đơn vị hành chính", "Trực thuộc"];
        head.extend(COLUMNS.iter().map(|(h, _)| *h));
        head.extend(["Số trạm đứt chuỗi nhật ký", "Số trạm không có tín hiệu"]);
        headings(ws, 0, &head, st)?;
        ws.set_column_width(1, 28)?;
        ws.set_column_width(2, 24)?;
        let extra = 3 + COLUMNS.len() as u16;
        let mut total = Tally::default();
        let (mut broken, mut silent) = (0u64, 0u64);
        for (i, a) in rows.iter().enumerate() {
            let r = i as u32 + 1;
            let area = doc.tree.area(a.area);
            ws.write_string(r, 0, area.code.as_str())?;
            ws.write_string(r, 1, &area.name)?;
            if let Some(p) = doc.tree.parent(a.area) {
                ws.write_string(r, 2, &doc.tree.area(p).name)?;
            }
            tally_cells(ws, r, 3, &a.tally, false, st)?;
            ws.write_number(r, extra, a.chain_breaks as f64)?;
            ws.write_number(r, extra + 1, a.silent_stations as f64)?;
            total.add(&a.tally);
            broken += a.chain_breaks;
            silent += a.silent_stations;
        }
        let r = rows.len() as u32 + 1;
        ws.write_string_with_format(r, 0, "Tổng cộng", &st.total)?;
        tally_cells(ws, r, 3, &total, true, st)?;
        ws.write_number_with_format(r, extra, broken as f64, &st.total)?;
        ws.write_number_with_format(r, extra + 1, silent as f64, &st.total)?;
    }
    Ok(())
}

fn stations(ws: &mut Worksheet, doc: &Document<'_>, st: &Styles) -> Result<(), XlsxError> {
    ws.set_name("Trạm")?;
    let mut head = vec!["Mã trạm", "Tên trạm", "Đơn vị"];
    head.extend(COLUMNS.iter().map(|(h, _)| *h));
    head.extend(FACTS_HEADINGS);
    headings(ws, 0, &head, st)?;
    ws.set_column_width(1, 28)?;
    ws.set_column_width(2, 24)?;
    let extra = 3 + COLUMNS.len() as u16;
    for (i, s) in doc.report.stations.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, &s.station.code)?;
        ws.write_string(r, 1, &s.station.name)?;
        ws.write_string(r, 2, &doc.tree.area(s.station.area).name)?;
        tally_cells(ws, r, 3, &s.tally, false, st)?;
        ws.write_number(r, extra, s.facts.chain_breaks as f64)?;
        ws.write_string(r, extra + 1, if s.facts.heard { "Có" } else { "Không" })?;
        ws.write_string(r, extra + 2, s.facts.log.label_vi())?;
    }
    let r = doc.report.stations.len() as u32 + 1;
    ws.write_string_with_format(r, 0, "Tổng cộng", &st.total)?;
    tally_cells(ws, r, 3, &doc.report.total, true, st)?;
    Ok(())
}

/// Broadcasts (items that went on air: aired, partial or cut by an emergency) of a
/// tally, for the learning-society layout.
fn broadcasts(t: &Tally) -> u64 {
    t.aired + t.partial + t.preempted
}

/// The yearly learning-society layout: one row per unit that holds stations, for each
/// campaign its broadcasts and minutes, then both for all campaigns.
fn by_campaign(ws: &mut Worksheet, doc: &Document<'_>, st: &Styles) -> Result<(), XlsxError> {
    ws.set_name("Theo chiến dịch")?;
    let mut campaigns: Vec<&String> = doc
        .report
        .stations
        .iter()
        .flat_map(|s| s.by_campaign.keys())
        .collect();
    campaigns.sort();
    campaigns.dedup();
    let name = |id: &String| {
        doc.names
            .campaigns
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.clone())
    };
    let mut head: Vec<String> = ["Mã đơn vị", "Đơn vị hành chính", "Trực thuộc"]
        .map(String::from)
        .to_vec();
    for c in &campaigns {
        head.push(format!("{}: số lần phát", name(c)));
        head.push(format!("{}: số phút", name(c)));
    }
    head.push("Tổng số lần phát".to_owned());
    head.push("Tổng số phút".to_owned());
    let refs: Vec<&str> = head.iter().map(String::as_str).collect();
    headings(ws, 0, &refs, st)?;
    ws.set_column_width(1, 28)?;
    ws.set_column_width(2, 24)?;
    // Units in the order their stations come (tree order), each with its own stations.
    let mut units: Vec<(crate::domain::AreaId, Vec<&crate::domain::StationTotals>)> = Vec::new();
    for s in &doc.report.stations {
        match units.last_mut() {
            Some((a, list)) if *a == s.station.area => list.push(s),
            _ => units.push((s.station.area, vec![s])),
        }
    }
    let mut column_totals = vec![Tally::default(); campaigns.len() + 1];
    for (i, (area, list)) in units.iter().enumerate() {
        let r = i as u32 + 1;
        let unit = doc.tree.area(*area);
        ws.write_string(r, 0, unit.code.as_str())?;
        ws.write_string(r, 1, &unit.name)?;
        if let Some(p) = doc.tree.parent(*area) {
            ws.write_string(r, 2, &doc.tree.area(p).name)?;
        }
        let mut all = Tally::default();
        for (j, c) in campaigns.iter().enumerate() {
            let mut t = Tally::default();
            for s in list {
                if let Some(x) = s.by_campaign.get(*c) {
                    t.add(x);
                }
            }
            let col = 3 + 2 * j as u16;
            ws.write_number(r, col, broadcasts(&t) as f64)?;
            ws.write_number_with_format(r, col + 1, t.minutes_aired(), &st.minutes)?;
            column_totals[j].add(&t);
            all.add(&t);
        }
        let col = 3 + 2 * campaigns.len() as u16;
        ws.write_number(r, col, broadcasts(&all) as f64)?;
        ws.write_number_with_format(r, col + 1, all.minutes_aired(), &st.minutes)?;
        column_totals[campaigns.len()].add(&all);
    }
    let r = units.len() as u32 + 1;
    ws.write_string_with_format(r, 0, "Tổng cộng", &st.total)?;
    for (j, t) in column_totals.iter().enumerate() {
        let col = 3 + 2 * j as u16;
        ws.write_number_with_format(r, col, broadcasts(t) as f64, &st.total)?;
        ws.write_number_with_format(r, col + 1, t.minutes_aired(), &st.total_minutes)?;
    }
    Ok(())
}

/// The rows of `--by` (campaign, segment, language, priority, day, week, month).
fn grouped(ws: &mut Worksheet, doc: &Document<'_>, st: &Styles) -> Result<(), XlsxError> {
    let labels = label_columns(doc);
    ws.set_name(format!("Theo {}", labels[labels.len() - 1].to_lowercase()))?;
    let mut head = labels.clone();
    head.extend(COLUMNS.iter().map(|(h, _)| *h));
    headings(ws, 0, &head, st)?;
    ws.set_column_width(labels.len() as u16 - 1, 28)?;
    let at = labels.len() as u16;
    for (i, row) in doc.report.rows.iter().enumerate() {
        let r = i as u32 + 1;
        let cells = label_cells(doc, i, row);
        match (doc.by, NaiveDate::parse_from_str(&row.key, "%Y-%m-%d")) {
            (GroupBy::Day, Ok(d)) => {
                ws.write_datetime_with_format(r, 0, excel_date(d)?, &st.date)?;
            }
            _ => {
                for (c, cell) in cells.iter().enumerate() {
                    ws.write_string(r, c as u16, cell)?;
                }
            }
        }
        tally_cells(ws, r, at, &row.tally, false, st)?;
    }
    let r = doc.report.rows.len() as u32 + 1;
    ws.write_string_with_format(r, 0, "Tổng cộng", &st.total)?;
    tally_cells(ws, r, at, &doc.report.total, true, st)?;
    Ok(())
}

fn misses(ws: &mut Worksheet, doc: &Document<'_>, st: &Styles) -> Result<(), XlsxError> {
    ws.set_name("Chưa phát đủ")?;
    let head = [
        "Mã trạm",
        "Tên trạm",
        "Ngày",
        "Giờ",
        "Chiến dịch",
        "Bản tin",
        "Kết quả",
        "Lý do",
        "Số giây đã phát",
    ];
    headings(ws, 0, &head, st)?;
    ws.set_column_width(1, 24)?;
    ws.set_column_width(2, 12)?;
    ws.set_column_width(4, 28)?;
    ws.set_column_width(5, 36)?;
    ws.set_column_width(7, 30)?;
    let names: std::collections::HashMap<&str, &str> = doc
        .report
        .stations
        .iter()
        .map(|s| (s.station.code.as_str(), s.station.name.as_str()))
        .collect();
    let shown = &doc.misses[..doc.misses.len().min(MISSES_SHEET_LIMIT)];
    for (i, m) in shown.iter().enumerate() {
        let r = i as u32 + 1;
        let (day, time) = doc.local(m);
        ws.write_string(r, 0, &m.station)?;
        ws.write_string(r, 1, names.get(m.station.as_str()).copied().unwrap_or(""))?;
        match NaiveDate::parse_from_str(&day, "%d/%m/%Y") {
            Ok(d) => ws.write_datetime_with_format(r, 2, excel_date(d)?, &st.date)?,
            Err(_) => ws.write_string(r, 2, &day)?,
        };
        ws.write_string(r, 3, &time)?;
        let campaign = doc.names.campaigns.get(&m.campaign).unwrap_or(&m.campaign);
        ws.write_string(r, 4, campaign)?;
        let segment = doc
            .names
            .segments
            .get(&m.segment)
            .map_or(&m.segment, |(t, _)| t);
        ws.write_string(r, 5, segment)?;
        ws.write_string(r, 6, outcome_vi(m.outcome))?;
        ws.write_string(r, 7, reason_vi(&m.reason))?;
        ws.write_number(r, 8, (m.aired_ms / 1000) as f64)?;
    }
    let r = shown.len() as u32 + 1;
    ws.write_string_with_format(r, 0, "Tổng cộng", &st.total)?;
    ws.write_number_with_format(r, 1, shown.len() as f64, &st.total)?;
    if doc.misses_truncated || shown.len() < doc.misses.len() {
        ws.write_string(
            r + 1,
            0,
            "Danh sách dài hơn giới hạn của trang tính và đã bị cắt; xem tổng số ở trang Tổng hợp, hoặc lập báo cáo cho đơn vị nhỏ hơn.",
        )?;
    }
    Ok(())
}
