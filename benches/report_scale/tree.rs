//! The rows a report names: the area tree, one station per commune, the segments and
//! the campaigns, written as batched `INSERT … VALUES`. The shape is the one
//! `benches/national` builds (provinces of 11 districts, communes spread evenly, five-
//! digit commune codes that are also the station codes, one station in ten airing Tày
//! first) and the same ten segments and three campaigns, but written straight as rows
//! so any station count can be generated; the year of records is `year.rs`'s.

use sqlx::AnyConnection;

/// How big a tree to generate.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Provinces (codes `01`, `02`, …).
    pub provinces: usize,
    /// Districts in each province (codes `001`, `002`, … across the country).
    pub districts_per_province: usize,
    /// Communes, each with one station (codes `00001`, `00002`, …).
    pub stations: usize,
}

impl Shape {
    /// The national-shape tree: 63 provinces, 693 districts, `stations` communes.
    pub fn country(stations: usize) -> Self {
        Self {
            provinces: 63,
            districts_per_province: 11,
            stations,
        }
    }

    /// One district (`001`) of `stations` communes in one province.
    pub fn district(stations: usize) -> Self {
        Self {
            provinces: 1,
            districts_per_province: 1,
            stations,
        }
    }

    /// How many area rows the tree has.
    pub fn areas(&self) -> usize {
        self.provinces * (1 + self.districts_per_province) + self.stations
    }
}

/// The code of the `i`-th station and its commune (from 0).
pub fn station_code(i: usize) -> String {
    format!("{:05}", i + 1)
}

/// Segments: id, language, length in ms (as in `benches/national`).
pub const SEGMENTS: [(&str, &str, i64); 10] = [
    ("ban-tin-1-vi", "vi", 15_320),
    ("ban-tin-2-vi", "vi", 22_480),
    ("ban-tin-3-vi", "vi", 31_050),
    ("ban-tin-4-vi", "vi", 44_900),
    ("ban-tin-5-vi", "vi", 59_760),
    ("ban-tin-6-vi", "vi", 27_130),
    ("ban-tin-7-vi", "vi", 38_640),
    ("ban-tin-8-vi", "vi", 52_210),
    ("ban-tin-1-tyz", "tyz", 17_400),
    ("ban-tin-3-tyz", "tyz", 34_250),
];

/// Campaigns: id, name, first day, last day, priority.
pub const CAMPAIGNS: [(&str, &str, &str, &str, &str); 3] = [
    (
        "ke-hoach-nam",
        "Kế hoạch tuyên truyền thường xuyên 2021–2030",
        "2021-01-01",
        "2030-12-31",
        "normal",
    ),
    (
        "tuan-le-hoc-tap-suot-doi-2026",
        "Tuần lễ hưởng ứng học tập suốt đời 2026",
        "2026-10-01",
        "2026-10-07",
        "priority",
    ),
    (
        "chuyen-doi-so-quy-4",
        "Chuyển đổi số quý IV",
        "2026-09-15",
        "2026-10-31",
        "normal",
    ),
];

/// Created-at of every generated row: 2025-12-01 00:00 UTC.
const CREATED_MS: i64 = 1_764_547_200_000;

/// Writes areas, stations, segments and campaigns.
pub async fn write(conn: &mut AnyConnection, shape: Shape) {
    let mut areas = Vec::with_capacity(shape.areas());
    let mut stations = Vec::with_capacity(shape.stations);
    let districts = shape.provinces * shape.districts_per_province;
    let mut commune = 0;
    for p in 0..shape.provinces {
        let p_code = format!("{:02}", p + 1);
        areas.push(format!(
            "('{p_code}', 'Tỉnh số {}', 'province', NULL)",
            p + 1
        ));
        for k in 0..shape.districts_per_province {
            let d = p * shape.districts_per_province + k;
            let d_code = format!("{:03}", d + 1);
            areas.push(format!(
                "('{d_code}', 'Huyện số {}', 'district', '{p_code}')",
                d + 1
            ));
            while commune < shape.stations * (d + 1) / districts {
                let c = station_code(commune);
                areas.push(format!(
                    "('{c}', 'Xã số {}', 'commune', '{d_code}')",
                    commune + 1
                ));
                // The same stations as `year.rs` plans Tày segments for.
                let languages = if (commune + 1) % 10 == 1 {
                    "tyz,vi"
                } else {
                    "vi"
                };
                stations.push(format!(
                    "('{c}', '{c}', 'Đài truyền thanh xã {c}', 'Asia/Ho_Chi_Minh', '{languages}', NULL, -16.0, {CREATED_MS})"
                ));
                commune += 1;
            }
        }
    }
    insert(conn, "areas (code, name, kind, parent_code)", &areas).await;
    insert(
        conn,
        "stations (code, area_code, name, timezone, languages, windows, target_lufs, created_at)",
        &stations,
    )
    .await;

    let segments: Vec<String> = SEGMENTS
        .iter()
        .enumerate()
        .map(|(i, (id, lang, ms))| {
            let group = id.replace("-tyz", "-vi");
            format!(
                "('{id}', 'Bản tin {id}', '{lang}', '{group}', '[\"hoc-tap\"]', {ms}, '{:064x}', {}, 'mp3', -16.0, NULL, NULL, '01', NULL, NULL, NULL, {CREATED_MS})",
                i + 1,
                ms * 16,
            )
        })
        .collect();
    insert(
        conn,
        "segments (id, title, language, group_id, tags, duration_ms, sha256, size_bytes, format, loudness_lufs, valid_from, valid_until, area_code, uploaded_by, approved_by, approved_at, created_at)",
        &segments,
    )
    .await;
    let campaigns: Vec<String> = CAMPAIGNS
        .iter()
        .map(|(id, name, from, until, priority)| {
            format!("('{id}', '{name}', '{from}', '{until}', '{priority}', 2, '01', '{{}}', {CREATED_MS})")
        })
        .collect();
    insert(
        conn,
        "campaigns (id, name, from_date, until_date, priority, min_airings_per_day, area_code, spec, updated_at)",
        &campaigns,
    )
    .await;
}

/// `INSERT INTO {table} VALUES …` in batches of 500 rows.
pub async fn insert(conn: &mut AnyConnection, table: &str, rows: &[String]) {
    for batch in rows.chunks(500) {
        // Only values this module generated are formatted into the text.
        let sql = format!("INSERT INTO {table} VALUES {}", batch.join(", "));
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("insert into {table}: {e}"));
    }
}
