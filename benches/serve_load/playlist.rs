//! Part 1: `GET /api/v1/playlist` answered 200 and 304 by `loa serve` with a real
//! station token, beside nginx serving the same bytes as a static file.

use std::collections::BTreeMap;

use loa::server::AppState;
use sqlx::Row;
use tokio::runtime::Runtime;

use crate::db::Database;
use crate::tools::{Nginx, WRK_ARGS, WrkRun, curl, wrk};
use crate::{Server, thousands};

/// Targets from issue 3: loa's rate over nginx's.
const TARGET_200: f64 = 0.6;
const TARGET_304: f64 = 0.7;

pub fn run(rt: &Runtime) {
    let db = Database::sqlite();
    let server = Server::start(rt, db.config());
    let (station, token) = rt.block_on(enrolled_station(&server));
    let url = format!("http://{}/api/v1/playlist", server.addr);
    let auth = format!("Authorization: Bearer {token}");

    // Check the statuses by hand first, and keep the exact bytes for nginx.
    let body_file = db.dir.path().join("playlist.json");
    let full = curl(&url, &[&auth], Some(&body_file));
    assert_eq!(full.status, 200, "loa answers the playlist");
    let etag = full.etag.expect("loa sends an ETag");
    let loa_inm = format!("If-None-Match: {etag}");
    let unchanged = curl(&url, &[&auth, &loa_inm], None);
    assert_eq!(unchanged.status, 304, "loa answers 304 to its own ETag");
    let body = std::fs::read(&body_file).expect("read the fetched playlist");
    assert_eq!(body.len() as u64, full.size);

    println!(
        "== 1. playlist fetches, wrk {} on loopback: station {station}, playlist {:.1} KB ({} bytes), SQLite ==",
        WRK_ARGS.join(" "),
        body.len() as f64 / 1024.0,
        thousands(body.len() as u64),
    );
    let loa_200 = measured(&server.state, &url, &[&auth], 200, body.len());
    report("loa   200", &loa_200);
    let loa_304 = measured(&server.state, &url, &[&auth, &loa_inm], 304, body.len());
    report("loa   304", &loa_304);
    server.stop(rt);
    rt.block_on(db.finish());

    let nginx = Nginx::start("playlist.json", &body);
    let static_url = format!("http://127.0.0.1:{}/playlist.json", nginx.port);
    let full = curl(&static_url, &[&auth], None);
    assert_eq!(
        (full.status, full.size),
        (200, body.len() as u64),
        "nginx serves the file"
    );
    let nginx_inm = format!("If-None-Match: {}", full.etag.expect("nginx sends an ETag"));
    assert_eq!(curl(&static_url, &[&auth, &nginx_inm], None).status, 304);
    // The same request headers as loa gets (nginx ignores the token).
    let nginx_200 = wrk(&static_url, &[&auth]);
    check(&nginx_200, 200, body.len());
    report("nginx 200", &nginx_200);
    let nginx_304 = wrk(&static_url, &[&auth, &nginx_inm]);
    check(&nginx_304, 304, body.len());
    report("nginx 304", &nginx_304);
    nginx.stop();

    let r200 = loa_200.per_sec / nginx_200.per_sec;
    let r304 = loa_304.per_sec / nginx_304.per_sec;
    println!(
        "ratio loa/nginx: 200s {r200:.2}× (target ≥ {TARGET_200}×: {}), 304s {r304:.2}× (target ≥ {TARGET_304}×: {})",
        verdict(r200 >= TARGET_200),
        verdict(r304 >= TARGET_304),
    );
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}

/// The station with the largest playlist of the example province, enrolled the way an
/// agent does it: a one-time code, then `POST /api/v1/enroll`.
async fn enrolled_station(server: &Server) -> (String, String) {
    let row = sqlx::query(
        "SELECT station_code FROM playlists ORDER BY length(body) DESC, station_code LIMIT 1",
    )
    .fetch_one(&server.db)
    .await
    .expect("the seeded province has playlists");
    let station: String = row.try_get(0).expect("station code");
    let (code, _) =
        loa::server::auth::create_enroll_code(&server.state.store, &station, 60, "bench")
            .await
            .expect("enrollment code");
    let res = reqwest::Client::new()
        .post(format!("http://{}/api/v1/enroll", server.addr))
        .json(&serde_json::json!({ "code": code }))
        .send()
        .await
        .expect("enroll request");
    assert_eq!(res.status(), 201, "enrollment accepted");
    let token = res.json::<serde_json::Value>().await.expect("enroll JSON")["token"]
        .as_str()
        .expect("token in the answer")
        .to_owned();
    (station, token)
}

/// A wrk run against loa, checked against the server's own count of answers by status.
fn measured(state: &AppState, url: &str, headers: &[&str], status: u16, body: usize) -> WrkRun {
    let before = playlist_statuses(state);
    let run = wrk(url, headers);
    let after = playlist_statuses(state);
    check(&run, status, body);
    let mut delta: BTreeMap<u16, u64> = after
        .iter()
        .map(|(s, n)| (*s, n - before.get(s).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect();
    let counted = delta.remove(&status).unwrap_or(0);
    assert!(
        delta.is_empty() && counted >= run.requests,
        "server counted {counted} × {status} and {delta:?} for {} wrk responses",
        run.requests
    );
    run
}

/// loa's `/metrics` counters of playlist answers, by status.
fn playlist_statuses(state: &AppState) -> BTreeMap<u16, u64> {
    const PREFIX: &str =
        "loa_http_requests_total{method=\"GET\",route=\"/api/v1/playlist\",status=\"";
    state
        .metrics
        .render(0, 0)
        .lines()
        .filter_map(|l| l.strip_prefix(PREFIX))
        .filter_map(|rest| {
            let (status, count) = rest.split_once("\"} ")?;
            Some((status.parse().ok()?, count.parse().ok()?))
        })
        .collect()
}

/// wrk counts only statuses ≥ 400 as errors, so tell 200 from 304 by the bytes each
/// response carried: the whole body, or headers alone.
fn check(run: &WrkRun, status: u16, body: usize) {
    assert_eq!(run.errors, 0, "{}: answers ≥ 400", run.command);
    assert!(
        run.socket_errors.is_none(),
        "{}: socket errors {:?}",
        run.command,
        run.socket_errors
    );
    let each = run.bytes_each();
    match status {
        200 => assert!(each >= body as f64, "{}: {each} bytes each", run.command),
        _ => assert!(each < 1024.0, "{}: {each} bytes each", run.command),
    }
}

fn report(label: &str, run: &WrkRun) {
    println!(
        "{label}: {}/s ({} responses, {:.0} bytes each with headers, mean latency {})",
        thousands(run.per_sec.round() as u64),
        thousands(run.requests),
        run.bytes_each(),
        run.latency,
    );
    println!("    command: {}", run.command);
}
