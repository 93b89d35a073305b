//! Prometheus metrics of this replica, rendered in the text exposition format at
//! `/metrics`. Counters live in the process (each replica is scraped on its own);
//! "stations online" is read from the shared database at scrape time.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::AppState;

/// Upper bounds of the latency buckets, seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Debug, Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        for (i, &b) in BUCKETS.iter().enumerate() {
            if seconds <= b {
                self.counts[i] += 1;
            }
        }
        self.sum += seconds;
        self.count += 1;
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (i, b) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{b}\"}} {}",
                self.counts[i]
            );
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count
        );
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{braces} {}", self.sum);
        let _ = writeln!(out, "{name}_count{braces} {}", self.count);
    }
}

/// This replica's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    compile: Mutex<Histogram>,
    airings_received: AtomicU64,
    airings_stored: AtomicU64,
    compiled_stations: AtomicU64,
}

impl Metrics {
    /// Counts airings received and stored from one batch.
    pub fn airings(&self, received: u64, stored: u64) {
        self.airings_received.fetch_add(received, Ordering::Relaxed);
        self.airings_stored.fetch_add(stored, Ordering::Relaxed);
    }

    /// Records one recompile of `stations` stations.
    pub fn compiled(&self, stations: u64, took: Duration) {
        self.compiled_stations
            .fetch_add(stations, Ordering::Relaxed);
        if let Ok(mut h) = self.compile.lock() {
            h.observe(took.as_secs_f64());
        }
    }

    fn request(&self, method: &str, route: &str, status: u16, took: Duration) {
        if let Ok(mut m) = self.requests.lock() {
            *m.entry((method.to_owned(), route.to_owned(), status))
                .or_default() += 1;
        }
        if let Ok(mut m) = self.latency.lock() {
            m.entry(route.to_owned())
                .or_default()
                .observe(took.as_secs_f64());
        }
    }

    /// The exposition text; `online` is the number of stations with a recent heartbeat.
    pub fn render(&self, online: i64, stations: i64) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP loa_http_requests_total HTTP requests answered, by method, route and status.\n",
        );
        out.push_str("# TYPE loa_http_requests_total counter\n");
        if let Ok(m) = self.requests.lock() {
            for ((method, route, status), n) in m.iter() {
                let _ = writeln!(
                    out,
                    "loa_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
                );
            }
        }
        out.push_str("# HELP loa_http_request_duration_seconds Time to answer, by route.\n");
        out.push_str("# TYPE loa_http_request_duration_seconds histogram\n");
        if let Ok(m) = self.latency.lock() {
            for (route, h) in m.iter() {
                h.render(
                    &mut out,
                    "loa_http_request_duration_seconds",
                    &format!("route=\"{route}\""),
                );
            }
        }
        out.push_str("# HELP loa_compile_duration_seconds Time to compile and store playlists, per recompile.\n");
        out.push_str("# TYPE loa_compile_duration_seconds histogram\n");
        if let Ok(h) = self.compile.lock() {
            h.render(&mut out, "loa_compile_duration_seconds", "");
        }
        let counters = [
            (
                "loa_compiled_stations_total",
                "Station playlists compiled.",
                &self.compiled_stations,
            ),
            (
                "loa_airings_received_total",
                "Airings received from stations.",
                &self.airings_received,
            ),
            (
                "loa_airings_stored_total",
                "Airings newly stored (not duplicates or rejected).",
                &self.airings_stored,
            ),
        ];
        for (name, help, v) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                v.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "# HELP loa_stations_online Stations with a heartbeat in the last 5 minutes.\n# TYPE loa_stations_online gauge\nloa_stations_online {online}"
        );
        let _ = writeln!(
            out,
            "# HELP loa_stations Stations known.\n# TYPE loa_stations gauge\nloa_stations {stations}"
        );
        out
    }
}

/// Middleware counting every request by its route pattern (not the raw path, which
/// would give one series per station).
pub(super) async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(req).await;
    state.metrics.request(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}
