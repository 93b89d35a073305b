//! The console table: title, one line per row, a totals line, then why items did not
//! air in full and which stations' logs cannot be trusted.

use super::{
    COLUMNS, Document, FACTS_HEADINGS, facts_cells, label_cells, label_columns, list_codes,
    reason_vi,
};
use crate::domain::GroupBy;

/// Renders `doc` as aligned text.
pub fn to_table(doc: &Document<'_>) -> String {
    let report = doc.report;
    // Fallback, emergency and extra-record columns only when something is in them.
    let shown: Vec<usize> = (0..COLUMNS.len())
        .filter(|&i| i <= 10 || COLUMNS[i].1(&report.total).text() != "0")
        .collect();
    let station_rows = doc.by == GroupBy::Station;
    let mut header: Vec<String> = label_columns(doc).iter().map(|s| s.to_string()).collect();
    let labels = header.len();
    header.extend(shown.iter().map(|&i| COLUMNS[i].0.to_owned()));
    if station_rows {
        header.extend(FACTS_HEADINGS.iter().map(|s| s.to_string()));
    }
    let mut lines: Vec<Vec<String>> = vec![header];
    for (i, row) in report.rows.iter().enumerate() {
        let mut cells = label_cells(doc, i, row);
        if let Some((_, depth)) = row.area {
            cells[1] = format!("{}{}", "  ".repeat(depth as usize), cells[1]);
        }
        cells.extend(shown.iter().map(|&c| COLUMNS[c].1(&row.tally).text()));
        if station_rows && let Some(st) = report.stations.get(i) {
            cells.extend(facts_cells(&st.facts));
        }
        lines.push(cells);
    }
    let mut total = vec![String::new(); labels];
    total[0] = "Tổng cộng".to_owned();
    total.extend(shown.iter().map(|&c| COLUMNS[c].1(&report.total).text()));
    lines.push(total);

    let width = |s: &str| s.chars().count();
    let columns = lines.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            lines
                .iter()
                .filter_map(|l| l.get(c))
                .map(|s| width(s))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = doc.title();
    out.push('\n');
    for (n, line) in lines.iter().enumerate() {
        if n == lines.len() - 1 {
            out.push_str(&"-".repeat(widths.iter().sum::<usize>() + 2 * columns));
            out.push('\n');
        }
        let mut text = String::new();
        for (c, cell) in line.iter().enumerate() {
            let pad = " ".repeat(widths[c] - width(cell));
            // Labels to the left, numbers to the right.
            if c < labels {
                text.push_str(cell);
                text.push_str(&pad);
            } else {
                text.push_str(&pad);
                text.push_str(cell);
            }
            text.push_str("  ");
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
    if !report.total.reasons.is_empty() {
        out.push_str("\nLý do chưa phát đủ:\n");
        for (reason, n) in &report.total.reasons {
            out.push_str(&format!("  {}: {n}\n", reason_vi(reason)));
        }
    }
    let broken = report.broken_chains();
    if !broken.is_empty() {
        out.push_str(&format!(
            "\nCẢNH BÁO: nhật ký phát sóng bị đứt chuỗi ở {} trạm: {}\n",
            broken.len(),
            list_codes(&broken)
        ));
    }
    let silent = report.silent_stations();
    if !silent.is_empty() {
        out.push_str(&format!(
            "\nTrạm không gửi tín hiệu trong kỳ ({}): {}\n",
            silent.len(),
            list_codes(&silent)
        ));
    }
    out
}
