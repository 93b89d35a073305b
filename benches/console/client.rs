//! The officer's side: log in through the console's form (the CSRF cookie and field,
//! then the session cookie), then fetch each page one request at a time and time it.

use std::time::Instant;

use reqwest::header::{CONTENT_TYPE, COOKIE, HeaderMap, LOCATION, ORIGIN, SET_COOKIE};

use crate::server::Server;
use crate::{TARGET_KB, TARGET_P95_MS};

/// Warm-up fetches per page, not counted.
const WARM_UP: usize = 5;

/// One page's figures.
pub struct Figures {
    pub name: &'static str,
    pub path: String,
    pub status: u16,
    /// Client time per fetch, ms, sorted.
    pub client_ms: Vec<f64>,
    /// The server's `Server-Timing` per fetch, ms, sorted (empty without the header).
    pub server_ms: Vec<f64>,
    /// Body size of the last fetch, bytes.
    pub bytes: usize,
}

fn cookie_of(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(SET_COOKIE).iter().find_map(|v| {
        let v = v.to_str().ok()?;
        let (pair, _) = v.split_once(';').unwrap_or((v, ""));
        let (k, val) = pair.split_once('=')?;
        (k.trim() == name).then(|| val.trim().to_owned())
    })
}

/// Logs in as `admin` with the password `loa serve` wrote; returns the session token.
async fn login(http: &reqwest::Client, server: &Server, data_dir: &std::path::Path) -> String {
    let file = std::fs::read_to_string(data_dir.join("admin-password.txt"))
        .expect("the first administrator's password file");
    let mut lines = file.lines();
    let (user, password) = (
        lines.next().expect("username"),
        lines.next().expect("password"),
    );
    let form = http
        .get(server.url("/login"))
        .send()
        .await
        .expect("GET /login");
    let csrf = cookie_of(form.headers(), "loa_csrf").expect("the login form's CSRF cookie");
    let res = http
        .post(server.url("/login"))
        .header(COOKIE, format!("loa_csrf={csrf}"))
        .header(ORIGIN, server.url(""))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(
            serde_urlencoded::to_string([
                ("csrf", csrf.as_str()),
                ("username", user),
                ("password", password),
                ("next", "/"),
            ])
            .expect("form"),
        )
        .send()
        .await
        .expect("POST /login");
    assert_eq!(res.status().as_u16(), 303, "login answers with a redirect");
    assert_eq!(
        res.headers().get(LOCATION).and_then(|v| v.to_str().ok()),
        Some("/")
    );
    cookie_of(res.headers(), "loa_session").expect("a session cookie")
}

fn server_timing(headers: &HeaderMap) -> Option<f64> {
    let v = headers.get("server-timing")?.to_str().ok()?;
    v.split(';')
        .find_map(|p| p.trim().strip_prefix("dur="))
        .and_then(|d| d.parse().ok())
}

/// Fetches `path` `n` times after the warm-up.
async fn page(
    http: &reqwest::Client,
    server: &Server,
    session: &str,
    name: &'static str,
    path: String,
    n: usize,
) -> Figures {
    let mut f = Figures {
        name,
        path,
        status: 0,
        client_ms: Vec::with_capacity(n),
        server_ms: Vec::with_capacity(n),
        bytes: 0,
    };
    for i in 0..WARM_UP + n {
        let started = Instant::now();
        let mut req = http.get(server.url(&f.path));
        req = if f.path.starts_with("/api/") {
            req.bearer_auth(session)
        } else {
            req.header(COOKIE, format!("loa_session={session}"))
        };
        let res = req.send().await.expect("GET a page");
        let status = res.status().as_u16();
        let timing = server_timing(res.headers());
        let body = res.bytes().await.expect("the page's body");
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        if i >= WARM_UP {
            f.client_ms.push(ms);
            f.server_ms.extend(timing);
        }
        f.status = status;
        f.bytes = body.len();
    }
    f.client_ms.sort_by(f64::total_cmp);
    f.server_ms.sort_by(f64::total_cmp);
    f
}

/// The station whose page and calendar are measured (one of the renamed wards).
const STATION: &str = "05001";

/// Logs in and measures every page.
pub async fn measure(server: &Server, data_dir: &std::path::Path, n: usize) -> Vec<Figures> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client");
    let session = login(&http, server, data_dir).await;
    let month = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .date_naive()
        .format("%Y-%m-%d");
    let pages: Vec<(&'static str, String)> = vec![
        ("dashboard /", "/".to_owned()),
        ("fleet API (dashboard data)", "/api/v1/fleet".to_owned()),
        ("stations page 1", "/stations".to_owned()),
        ("stations search", "/stations?q=phan+dinh+phung".to_owned()),
        (
            "stations search, 111 hits",
            "/stations?q=xa+so+12".to_owned(),
        ),
        ("now playing /now", "/now".to_owned()),
        ("now playing rows (poll)", "/now/rows".to_owned()),
        (
            "station page, month",
            format!("/stations/{STATION}?view=month&date={month}"),
        ),
        (
            "month calendar fragment",
            format!("/stations/{STATION}/calendar?view=month&date={month}"),
        ),
    ];
    let mut out = Vec::new();
    for (name, path) in pages {
        out.push(page(&http, server, &session, name, path, n).await);
    }
    out
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

/// The table: the server's own time first (the headline figure: the client's includes
/// whatever else the machine was doing between the two processes).
pub fn print(label: &str, figures: &[Figures], n: usize) {
    println!();
    println!(
        "{label}: {n} fetches per page after {WARM_UP} warm-up, one at a time; ms (server's Server-Timing, then client over loopback)"
    );
    println!(
        "| page | status | KB | server p50 | server p95 | server max | client p50 | client p95 | client max | p95 < {TARGET_P95_MS:.0} ms, < {TARGET_KB:.0} KB |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for f in figures {
        let kb = f.bytes as f64 / 1024.0;
        // Without the header, the client's time.
        let timed = if f.server_ms.is_empty() {
            &f.client_ms
        } else {
            &f.server_ms
        };
        let met = pct(timed, 0.95) < TARGET_P95_MS && kb < TARGET_KB && f.status == 200;
        println!(
            "| {} `{}` | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {} |",
            f.name,
            f.path,
            f.status,
            kb,
            pct(&f.server_ms, 0.5),
            pct(&f.server_ms, 0.95),
            f.server_ms.last().copied().unwrap_or(f64::NAN),
            pct(&f.client_ms, 0.5),
            pct(&f.client_ms, 0.95),
            f.client_ms.last().copied().unwrap_or(f64::NAN),
            if met { "met" } else { "MISSED" },
        );
    }
}
