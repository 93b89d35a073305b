//! CSV: UTF-8 with a byte-order mark (Excel otherwise reads Vietnamese as Windows-1252),
//! one heading line, one line per row, a totals line.

use super::{COLUMNS, Document, FACTS_HEADINGS, facts_cells, label_cells, label_columns};
use crate::domain::GroupBy;

/// Writes `doc` as CSV bytes.
pub fn to_csv(doc: &Document<'_>) -> Result<Vec<u8>, csv::Error> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let station_rows = doc.by == GroupBy::Station;
        let labels = label_columns(doc);
        let mut header: Vec<&str> = labels.clone();
        header.extend(COLUMNS.iter().map(|(h, _)| *h));
        if station_rows {
            header.extend(FACTS_HEADINGS);
        }
        w.write_record(&header)?;
        for (i, row) in doc.report.rows.iter().enumerate() {
            let mut cells = label_cells(doc, i, row);
            cells.extend(COLUMNS.iter().map(|(_, f)| f(&row.tally).text()));
            if station_rows && let Some(st) = doc.report.stations.get(i) {
                cells.extend(facts_cells(&st.facts));
            }
            w.write_record(&cells)?;
        }
        let mut total = vec![String::new(); labels.len()];
        total[0] = "Tổng cộng".to_owned();
        total.extend(COLUMNS.iter().map(|(_, f)| f(&doc.report.total).text()));
        if station_rows {
            total.extend(FACTS_HEADINGS.map(|_| String::new()));
        }
        w.write_record(&total)?;
        w.flush()?;
    }
    Ok(out)
}
