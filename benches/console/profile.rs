//! Where a console page's time goes, timed in this process on the store itself (release
//! build, no HTTP): the pieces the dashboard, the station list and the calendar read.

use std::time::Instant;

use chrono::Utc;
use loa::domain::GroupBy;
use loa::store::{ReportQuery, Store};

/// Runs of each piece; the median is printed.
const RUNS: usize = 7;

async fn median<F, Fut, T>(mut f: F) -> f64
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut ms = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        std::hint::black_box(f().await);
        ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    ms[RUNS / 2]
}

/// Times the store's reads behind the console's pages and prints them.
pub async fn fleet_pieces(url: &str, label: &str) {
    let store = Store::open(url).await.expect("open the database");
    let now = Utc::now();
    let now_ms = now.timestamp_millis();
    let since = now_ms - 7 * 86_400_000;
    let tree = median(|| async { loa::store::area_tree(&store).await.expect("tree") }).await;
    let rows = median(|| async {
        loa::store::fleet::fleet_rows(&store, |_| true, now_ms, since)
            .await
            .expect("fleet rows")
    })
    .await;
    let today = now
        .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .date_naive();
    let report = median(|| async {
        let q = ReportQuery {
            from: today,
            until: today,
            area: None,
            campaign: None,
            by: GroupBy::Area,
            now_ms,
        };
        loa::report::compute(&store, &q).await.expect("report")
    })
    .await;
    let inputs = median(|| async { loa::store::load_inputs(&store).await.expect("inputs") }).await;
    println!(
        "{label} store reads (median of {RUNS}, ms): area_tree {tree:.1}; fleet_rows (all 10,000 stations) {rows:.1}; today's completion (report::compute by area, whole tree) {report:.1}; load_inputs (the calendar's compile inputs) {inputs:.1}"
    );
    store.close().await;
}
