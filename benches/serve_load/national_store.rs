//! Part 3: the national-shape tree imported into a fresh database, then every
//! station's 14 days compiled and stored (playlists and planned items) by
//! `store::recompile`, as the server does after a change to a nationwide campaign.

use std::path::PathBuf;
use std::time::Instant;

use chrono::{DateTime, Utc};
use loa::schedule_file::ScheduleSet;
use loa::store::{MediaDir, Store, import_set, recompile};
use tokio::runtime::Runtime;

use crate::db::Database;
use crate::national::Country;
use crate::thousands;

const HORIZON_DAYS: u32 = 14;
/// Target from issue 3.
const TARGET_SECONDS: f64 = 30.0;

/// 2026-09-28 00:00 in Vietnam (UTC+7): the first day compile_country compiles, when
/// all three campaigns overlap.
fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-09-28T00:00:00+07:00")
        .expect("valid instant")
        .with_timezone(&Utc)
}

pub fn header() {
    println!(
        "== 3. national compile and store: store::recompile(store, None, {}, {HORIZON_DAYS}) after import_set of the national-shape tree ==",
        now().to_rfc3339(),
    );
}

pub fn run(rt: &Runtime, db: Database) {
    let set = national_set();
    let areas = set.inputs.tree().len();
    let store = rt
        .block_on(Store::open(&db.url))
        .expect("open the database");
    let media = MediaDir::new(db.dir.path().join("media"));

    let started = Instant::now();
    let imported = rt
        .block_on(import_set(&store, &media, &set, "bench"))
        .expect("import the national tree");
    let import_s = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let first = rt
        .block_on(recompile(&store, None, now(), HORIZON_DAYS))
        .expect("recompile every station");
    let first_s = started.elapsed().as_secs_f64();
    assert_eq!(
        first.changed, first.stations,
        "a fresh database stores every playlist"
    );

    // Nothing changed: the same work without the writes, to show where the time goes.
    let started = Instant::now();
    let again = rt
        .block_on(recompile(&store, None, now(), HORIZON_DAYS))
        .expect("recompile again");
    let again_s = started.elapsed().as_secs_f64();
    assert_eq!(again.changed, 0, "an unchanged tree writes nothing");
    let raw = rt.block_on(crate::db::raw_pool(&db.url));
    let body_bytes: i64 = rt
        .block_on(sqlx::query("SELECT SUM(length(body)) FROM playlists").fetch_one(&raw))
        .and_then(|r| sqlx::Row::try_get(&r, 0))
        .expect("playlist sizes");
    rt.block_on(raw.close());

    println!(
        "{}: {} stations, {} items stored in {first_s:.2} s (target < {TARGET_SECONDS} s: {}); {} playlists written, {:.0} MB of playlist JSON",
        db.label,
        thousands(first.stations as u64),
        thousands(first.items as u64),
        if first_s < TARGET_SECONDS {
            "met"
        } else {
            "MISSED"
        },
        thousands(first.changed as u64),
        body_bytes as f64 / 1e6,
    );
    println!(
        "{}:   import_set of {} areas, {} stations, {} segments, {} campaigns: {import_s:.2} s; recompile with nothing to write: {again_s:.2} s",
        db.label,
        thousands(areas as u64),
        thousands(imported.stations as u64),
        imported.segments,
        imported.campaigns,
    );
    rt.block_on(store.close());
    rt.block_on(db.finish());
}

/// The national inputs as a schedule set whose segments point at the repository's real
/// audio files (cycling through them), so the import copies and measures real media.
fn national_set() -> ScheduleSet {
    let (inputs, _) = Country::build().into_inputs();
    let audio = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("audio");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&audio)
        .expect("read audio/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("mp3" | "ogg" | "wav" | "flac")
            )
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "audio/ holds the example recordings");
    let media = (0..inputs.segments().len())
        .map(|i| files[i % files.len()].clone())
        .collect();
    ScheduleSet {
        dir: PathBuf::from("benches/national (generated)"),
        inputs,
        media,
    }
}
