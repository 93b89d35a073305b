//! The administrative tree as a CSV `code,name,kind,parent_code`, the shape of the
//! General Statistics Office unit lists.

use std::path::Path;

use super::source::problem_at_line;
use super::{Problem, nfc};
use crate::domain::{Area, AreaCode, AreaKind};

/// Reads and checks every row; returns all rows' problems, or the areas.
/// Each area comes with the 1-based line it was read from.
pub fn parse_areas_csv(path: &Path, text: &str) -> Result<Vec<(Area, usize)>, Vec<Problem>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // With CRLF line ends the csv crate reports each record one line too early
    // (BurntSushi/rust-csv#395); spreadsheet exports use CRLF.
    let text = text.replace("\r\n", "\n");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        // Rows with a wrong number of fields get the message below, not the csv crate's.
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut problems = Vec::new();
    let expected = ["code", "name", "kind", "parent_code"];
    match reader.headers() {
        Ok(h) if h.iter().eq(expected) => {}
        Ok(h) => problems.push(problem_at_line(
            path,
            1,
            1,
            format!(
                "dòng tiêu đề phải là `code,name,kind,parent_code`, đang là `{}`",
                h.iter().collect::<Vec<_>>().join(",")
            ),
        )),
        Err(e) => problems.push(problem_at_line(
            path,
            1,
            1,
            format!("không đọc được CSV: {e}"),
        )),
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut areas = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                problems.push(problem_at_line(
                    path,
                    line,
                    1,
                    format!("dòng CSV không đọc được: {e}"),
                ));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line() as usize);
        if record.len() != 4 {
            problems.push(problem_at_line(
                path,
                line,
                1,
                format!(
                    "cần 4 cột `code,name,kind,parent_code`, có {}",
                    record.len()
                ),
            ));
            continue;
        }
        let column_of = |i: usize| {
            record
                .iter()
                .take(i)
                .map(|f| f.chars().count() + 1)
                .sum::<usize>()
                + 1
        };
        let code = AreaCode::parse(&record[0]);
        let kind = AreaKind::parse(&record[2]);
        let parent = match record[3].trim() {
            "" => Ok(None),
            p => AreaCode::parse(p).map(Some),
        };
        let name = nfc(record[1].trim());
        if name.is_empty() {
            problems.push(problem_at_line(
                path,
                line,
                column_of(1),
                "thiếu tên đơn vị",
            ));
        }
        match (code, kind, parent) {
            (Ok(code), Ok(kind), Ok(parent)) => areas.push((
                Area {
                    code,
                    name,
                    kind,
                    parent,
                },
                line,
            )),
            (code, kind, parent) => {
                for (col, err) in [(0, code.err()), (2, kind.err()), (3, parent.err())] {
                    if let Some(err) = err {
                        problems.push(problem_at_line(path, line, column_of(col), err.to_string()));
                    }
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(areas)
    } else {
        Err(problems)
    }
}
