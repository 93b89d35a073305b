//! Relay items: each minute the test station relays a live stream for eight seconds.
//! A stream that plays airs whole; one that stalls or cannot be reached gives way to
//! the fallback segment for the rest of the item. The schedule set is
//! `tests/fixtures/tiep-song` with its stream address pointed at a stream made here.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

use super::{AgentOptions, DAY_MS, drain, server_airings, spawn_agent};
use crate::server::{Db, TestApp, spawn_app_configured};
use loa::agent::clock::SkewedClock;
use loa::agent::output::OutputKind;

const STATION: &str = "05443";

/// A copy of the relay fixture with its stream at `addr` (`None`: left unreachable).
fn fixture(addr: Option<std::net::SocketAddr>) -> (tempfile::TempDir, PathBuf) {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiep-song");
    let dir = tempfile::tempdir().expect("fixture copy");
    let set = dir.path().join("tiep-song");
    std::fs::create_dir(&set).expect("set dir");
    std::fs::copy(src.join("areas.csv"), set.join("areas.csv")).expect("areas");
    let audio = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("audio");
    let mut text = std::fs::read_to_string(src.join("set.toml")).expect("set.toml");
    text = text.replace("../../../audio", audio.to_str().expect("utf-8 path"));
    if let Some(addr) = addr {
        text = text.replace("127.0.0.1:9", &addr.to_string());
    }
    std::fs::write(set.join("set.toml"), text).expect("write set");
    (dir, set)
}

/// Serves the sample MP3 as a live stream, paced at its own bit rate; after
/// `stall_after` of audio it stops sending but keeps the connection open.
async fn stream_server(stall_after: Option<Duration>) -> std::net::SocketAddr {
    let mp3 = Arc::new(
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("audio/cong-dong-hoc-tap.mp3"))
            .expect("sample mp3"),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let mp3 = mp3.clone();
            tokio::spawn(async move {
                let mut request = [0u8; 1024];
                let _ = tokio::io::AsyncReadExt::read(&mut conn, &mut request).await;
                let head =
                    "HTTP/1.1 200 OK\r\nContent-Type: audio/mpeg\r\nConnection: close\r\n\r\n";
                if conn.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                // The file is 20.5 s long: send a tenth of a second's bytes ten times a second.
                let per_tick = mp3.len() / 205;
                let ticks_before_stall = stall_after.map(|d| (d.as_millis() / 100) as usize);
                for (tick, chunk) in mp3.chunks(per_tick).enumerate() {
                    if ticks_before_stall.is_some_and(|n| tick >= n) {
                        tokio::time::sleep(Duration::from_secs(60)).await;
                        return;
                    }
                    if conn.write_all(chunk).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            });
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_stream_gives_way_to_the_fallback() {
    let (_dir, set) = fixture(None);
    let app = spawn_app_configured(Db::Sqlite, set, |c| c.horizon_days = 2)
        .await
        .expect("app");
    let token = app.enroll(STATION).await;
    let agent = spawn_agent(
        &token,
        AgentOptions {
            server: app.base.clone(),
            output: OutputKind::Null,
        },
    )
    .await;
    agent.clock.run_until(agent.t0 + 10 * 60_000).await;
    drain(&agent).await;
    let held = agent.agent.held();
    let relays: Vec<_> = server_airings(&app, STATION)
        .await
        .into_iter()
        .filter(|a| {
            held.items
                .iter()
                .any(|i| i.id == a.item_id && i.relay.is_some())
        })
        .collect();
    assert!(relays.len() >= 8, "{relays:?}");
    assert!(
        relays
            .iter()
            .all(|a| a.outcome == "aired" && a.reason == "relay_fallback"),
        "{relays:?}"
    );
    agent.agent.shutdown().await;
    let _ = DAY_MS;
}

/// Runs one relay item in real time against a stream, the agent's clock set so that
/// the next relay slot begins a second and a half from now; returns the airing and
/// the WAV samples written.
async fn relay_once(stall_after: Option<Duration>) -> (super::ServerAiring, Vec<f32>) {
    let addr = stream_server(stall_after).await;
    let (_dir, set) = fixture(Some(addr));
    let app: TestApp = spawn_app_configured(Db::Sqlite, set, |c| c.horizon_days = 2)
        .await
        .expect("app");
    let token = app.enroll(STATION).await;
    let now = chrono::Utc::now().timestamp_millis();
    let slot = (now / 60_000 + 2) * 60_000;
    let skew = slot - 1_500 - now;
    let dir = tempfile::tempdir().expect("agent dir");
    let wav = dir.path().join("out.wav");
    let mut config = loa::agent::AgentConfig::new(&app.base, &token, dir.path().join("agent"));
    config.output = OutputKind::Wav(wav.clone());
    config.correct_clock = false;
    config.reserve_bytes = 0;
    let agent = loa::agent::start(config, Arc::new(SkewedClock { skew_ms: skew }))
        .await
        .expect("agent");
    // The slot starts 1.5 s from now and lasts 8 s.
    tokio::time::sleep(Duration::from_millis(1_500 + 8_000 + 1_500)).await;
    agent.shutdown().await;
    let relay_id = sqlx::query_scalar::<_, String>(
        "SELECT item_id FROM planned_items WHERE station_code = $1 AND start_ms = $2 AND campaign_id = 'tiep-am-thu-nghiem'",
    )
    .bind(STATION.to_owned())
    .bind(slot)
    .fetch_one(&app.db)
    .await
    .expect("the relay item planned at the slot");
    // The agent stopped before uploading its last records: read them from the outbox.
    let rows = super::agent_rows(
        &dir.path().join("agent"),
        "SELECT outcome, reason, planned_start_ms, actual_start_ms, actual_end_ms FROM outbox WHERE item_id = ?",
        &relay_id,
    )
    .await;
    let airing = match rows.first() {
        Some(r) => {
            use sqlx::Row;
            let (s, e): (i64, i64) = (r.get(3), r.get(4));
            assert!((e - s - 8_000).abs() < 300, "the relay lasted {} ms", e - s);
            super::ServerAiring {
                item_id: relay_id.clone(),
                planned_start_ms: r.get(2),
                outcome: r.get(0),
                reason: r.get(1),
            }
        }
        None => server_airings(&app, STATION)
            .await
            .into_iter()
            .find(|a| a.item_id == relay_id)
            .expect("the relay item has a record"),
    };
    let bytes = std::fs::read(&wav).expect("wav");
    let samples = bytes[44..]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    (airing, samples)
}

fn loud_seconds(samples: &[f32]) -> f64 {
    // Windows of 100 ms with sound in them.
    samples
        .chunks(9_600)
        .filter(|w| w.iter().any(|s| s.abs() > 0.01))
        .count() as f64
        / 10.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_stream_is_relayed_for_the_whole_item() {
    let (airing, samples) = relay_once(None).await;
    assert_eq!(
        (airing.outcome.as_str(), airing.reason.as_str()),
        ("aired", ""),
        "{airing:?}"
    );
    let loud = loud_seconds(&samples);
    assert!(loud > 5.0, "{loud} s of the stream were written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_stream_gives_way_to_the_fallback_for_the_rest() {
    let (airing, samples) = relay_once(Some(Duration::from_secs(2))).await;
    assert_eq!(
        (airing.outcome.as_str(), airing.reason.as_str()),
        ("aired", "relay_fallback"),
        "{airing:?}"
    );
    assert!(
        loud_seconds(&samples) > 3.0,
        "stream then fallback were written"
    );
}
