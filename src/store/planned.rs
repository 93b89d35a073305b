//! A station's planned items as one bound value per column, so a whole playlist goes
//! into `planned_items` in one statement instead of hundreds of rows of parameters.
//!
//! PostgreSQL takes each column as an array literal bound as text and expands them with
//! `UNNEST`; SQLite takes the rows as one JSON array bound as text and expands it with
//! `json_each`. Either way the SQL text is constant and every value is bound: the
//! encoding happens on the compile threads, the database only parses it. (Binding
//! seven `$N` parameters per row was the slow part on SQLite: it resolves each named
//! parameter by a linear search, quadratic in the parameters of a statement.)

use std::fmt::Write as _;

use super::Backend;
use crate::domain::{Inputs, Item};

/// Planned items encoded for one backend's bulk insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ItemRows {
    /// Array literals: item id, start, duration, segment, campaign, priority.
    Postgres([String; 6]),
    /// `[[id, start_ms, duration_ms, segment, campaign, priority], …]`.
    Sqlite(String),
}

const POSTGRES_INSERT: &str = "INSERT INTO planned_items (station_code, item_id, start_ms, duration_ms, segment_id, campaign_id, priority)
     SELECT $1, u.i, u.s, u.d, u.g, u.c, u.p
     FROM UNNEST($2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::text[]) AS u(i, s, d, g, c, p)
     ON CONFLICT (station_code, item_id) DO NOTHING";

// `WHERE true` settles SQLite's parsing ambiguity between a join's ON and an upsert's
// ON CONFLICT after INSERT … SELECT.
const SQLITE_INSERT: &str = "INSERT INTO planned_items (station_code, item_id, start_ms, duration_ms, segment_id, campaign_id, priority)
     SELECT $1, value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5
     FROM json_each($2) WHERE true
     ON CONFLICT (station_code, item_id) DO NOTHING";

impl ItemRows {
    /// Encodes `items` (of a compilation over `inputs`) for `backend`.
    pub(super) fn encode(backend: Backend, inputs: &Inputs, items: &[Item]) -> Self {
        match backend {
            Backend::Postgres => Self::Postgres(postgres_arrays(inputs, items)),
            Backend::Sqlite => Self::Sqlite(sqlite_json(inputs, items)),
        }
    }

    /// Inserts the rows for `station`, keeping rows already there (as the per-row
    /// insert did).
    pub(super) async fn insert(
        &self,
        conn: &mut sqlx::AnyConnection,
        station: &str,
    ) -> Result<(), sqlx::Error> {
        let query = match self {
            Self::Postgres(columns) => {
                let mut q = sqlx::query(POSTGRES_INSERT).bind(station.to_owned());
                for column in columns {
                    q = q.bind(column.clone());
                }
                q
            }
            Self::Sqlite(json) => sqlx::query(SQLITE_INSERT)
                .bind(station.to_owned())
                .bind(json.clone()),
        };
        query.execute(conn).await?;
        Ok(())
    }
}

fn postgres_arrays(inputs: &Inputs, items: &[Item]) -> [String; 6] {
    let mut columns: [String; 6] = Default::default();
    for (n, i) in items.iter().enumerate() {
        let sep = if n == 0 { "{" } else { "," };
        for column in &mut columns {
            column.push_str(sep);
        }
        let [id, start, duration, segment, campaign, priority] = &mut columns;
        // Writing to a String cannot fail.
        let _ = write!(id, "\"{}\"", i.id);
        let _ = write!(start, "{}", i.start.timestamp_millis());
        let _ = write!(duration, "{}", i.duration_ms);
        push_array_text(segment, inputs.segment(i.segment).id.as_str());
        push_array_text(campaign, inputs.campaigns()[i.campaign].id.as_str());
        push_array_text(priority, i.priority.as_str());
    }
    for column in &mut columns {
        column.push_str(if items.is_empty() { "{}" } else { "}" });
    }
    columns
}

/// Appends `s` as a quoted element of a PostgreSQL array literal.
fn push_array_text(out: &mut String, s: &str) {
    out.push('"');
    for ch in s.chars() {
        if ch == '"' || ch == '\\' {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('"');
}

fn sqlite_json(inputs: &Inputs, items: &[Item]) -> String {
    let rows: Vec<(String, i64, u32, &str, &str, &str)> = items
        .iter()
        .map(|i| {
            (
                i.id.to_string(),
                i.start.timestamp_millis(),
                i.duration_ms,
                inputs.segment(i.segment).id.as_str(),
                inputs.campaigns()[i.campaign].id.as_str(),
                i.priority.as_str(),
            )
        })
        .collect();
    // Strings and integers always serialise.
    serde_json::to_string(&rows).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::push_array_text;

    #[test]
    fn array_elements_are_quoted_and_escaped() {
        let mut out = String::new();
        push_array_text(&mut out, r#"a"b\c,{d}"#);
        assert_eq!(out, r#""a\"b\\c,{d}""#);
    }
}
