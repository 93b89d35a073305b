//! The agent as a real process, killed with SIGKILL at random moments again and again
//! against a real server: every planned item still ends with exactly one final record,
//! none lost, none duplicated, the chain unbroken. The process runs on a clock twenty
//! times real time (`--simulated-clock`), so an hour of a station that airs every minute
//! passes in three minutes.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{chain_breaks, planned_between, server_airings};
use crate::server::{Db, TestApp, spawn_app_configured};

const SPEED: i64 = 20;
const KILLS: usize = 25;

fn dense_seed() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/thu-nghiem-24h")
}

fn spawn(app: &TestApp, dir: &Path, epoch: i64) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("stderr.log"))
        .expect("stderr log");
    Command::new(env!("CARGO_BIN_EXE_loa"))
        .args([
            "agent",
            "--server",
            &app.base,
            "--output",
            "null",
            "--grace-s",
            "5",
        ])
        .arg("--data-dir")
        .arg(dir)
        .arg("--simulated-clock")
        .arg(format!("{epoch}:{SPEED}"))
        .env("LOA_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("loa agent starts")
}

/// Runs the agent until its media folder holds every file of the playlist it fetched,
/// then kills it; returns that moment, simulated. Items due before it are missed for
/// want of media (`media_missing`), rightly: a newly enrolled station, not a crash.
async fn first_run_until_media(app: &TestApp, dir: &Path, epoch: i64) -> i64 {
    let mut child = spawn(app, dir, epoch);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !media_complete(dir) {
        assert!(
            Instant::now() < deadline,
            "the agent fetched its playlist and media within a minute"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let ready = sim_now(epoch);
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    ready
}

/// Whether `dir` holds a playlist and every file it names, verified (`media/ab/cd/SHA`).
fn media_complete(dir: &Path) -> bool {
    let Ok(bytes) = std::fs::read(dir.join("playlist.json")) else {
        return false;
    };
    let Ok(playlist) = serde_json::from_slice::<loa::wire::PlaylistJson>(&bytes) else {
        return false;
    };
    playlist.items.iter().all(|i| {
        let sha = &i.sha256;
        dir.join("media")
            .join(&sha[0..2])
            .join(&sha[2..4])
            .join(sha)
            .is_file()
    })
}

fn sim_now(epoch: i64) -> i64 {
    let real = chrono::Utc::now().timestamp_millis();
    epoch + (real - epoch) * SPEED
}

/// A small deterministic generator, seeded from the clock and printed, so a failing
/// run can be told apart from a lucky one.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

crate::both_backends!(db: killed_at_random_moments_the_agent_loses_and_duplicates_nothing);

async fn killed_at_random_moments_the_agent_loses_and_duplicates_nothing(db: Db) {
    let Some(app) = spawn_app_configured(db, dense_seed(), |c| c.horizon_days = 2).await else {
        eprintln!("LOA_TEST_DATABASE_URL not set: PostgreSQL run skipped");
        return;
    };
    let station = "05443";
    let token = app.enroll(station).await;
    let dir = tempfile::tempdir().expect("agent dir");
    std::fs::write(dir.path().join("token"), &token).expect("token file");
    let epoch = chrono::Utc::now().timestamp_millis();
    let seed = epoch as u64;
    eprintln!("crash test seed {seed}");
    let mut rng = Lcg(seed);
    let ready = first_run_until_media(&app, dir.path(), epoch).await;
    for _ in 0..KILLS {
        let mut child = spawn(&app, dir.path(), epoch);
        let alive = 400 + rng.below(2_600);
        tokio::time::sleep(Duration::from_millis(alive)).await;
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
    }
    // One last run, left alive until the server holds a final record for everything
    // planned before it started.
    let check_until = sim_now(epoch);
    let mut child = spawn(&app, dir.path(), epoch);
    let planned = planned_between(&app, station, ready + 5_000, check_until).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let airings = loop {
        let airings = server_airings(&app, station).await;
        let covered = planned
            .iter()
            .all(|(id, _)| airings.iter().any(|a| &a.item_id == id));
        if covered || Instant::now() > deadline {
            break airings;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");

    assert!(
        planned.len() >= 25,
        "enough items to judge: {}",
        planned.len()
    );
    let mut outcomes = std::collections::BTreeMap::<String, usize>::new();
    for (id, start) in &planned {
        let got: Vec<_> = airings.iter().filter(|a| &a.item_id == id).collect();
        assert_eq!(
            got.len(),
            1,
            "item {id} planned at {start}: {got:?} (seed {seed})"
        );
        let a = got[0];
        *outcomes
            .entry(format!("{} {}", a.outcome, a.reason))
            .or_default() += 1;
        match a.outcome.as_str() {
            "aired" => assert_eq!(a.reason, ""),
            // Cut by a kill, or started late after a restart inside the grace.
            "partial" => assert!(
                a.reason == "agent_restart" || a.reason == "late_start",
                "{a:?}"
            ),
            "missed" => assert!(a.reason == "agent_down" || a.reason == "late", "{a:?}"),
            other => panic!("unexpected outcome {other}: {a:?}"),
        }
    }
    let mut ids: Vec<_> = airings.iter().map(|a| a.item_id.as_str()).collect();
    ids.sort_unstable();
    let total = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), total, "an item has two records (seed {seed})");
    assert_eq!(chain_breaks(&app, station).await, 0, "seed {seed}");
    assert!(
        outcomes.keys().any(|k| k.starts_with("partial")),
        "a kill mid-item leaves a partial record: {outcomes:?}"
    );
    eprintln!("{} items after {KILLS} kills: {outcomes:?}", planned.len());
}
