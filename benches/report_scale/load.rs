//! Filling a fresh database: the tree (`tree.rs`), then the year (`year.rs`) a chunk
//! of stations per statement, on PostgreSQL over one connection per core (each chunk
//! its own key range, so the two writers do not meet in the indexes), then what
//! autovacuum would have done; prints how long each step took and what was written.

use std::cell::Cell;
use std::time::Instant;

use crate::database::{Database, Dialect};
use crate::tree::{self, Shape};
use crate::{thousands, year};

/// Writes the tree and the year; returns the tables counted back.
pub async fn load(db: &Database, shape: Shape, chunk: usize) -> year::Counts {
    let label = db.label;
    let started = Instant::now();
    let writers = match db.dialect {
        Dialect::Postgres => std::thread::available_parallelism().map_or(1, |n| n.get()),
        // One writer at a time.
        Dialect::Sqlite => 1,
    };
    let mut conns = Vec::with_capacity(writers);
    for _ in 0..writers {
        let mut conn = db.loader().await;
        // `bench_plan` is a temporary table: one per connection.
        year::plan(&mut conn).await;
        conns.push(conn);
    }
    tree::write(&mut conns[0], shape).await;
    let tree_s = started.elapsed().as_secs_f64();

    let rows_started = Instant::now();
    let chunks: Vec<(usize, usize)> = (0..shape.stations)
        .step_by(chunk)
        .map(|lo| (lo, (lo + chunk).min(shape.stations)))
        .collect();
    let done = Cell::new(0usize);
    let work = conns.iter_mut().enumerate().map(|(w, conn)| {
        let (chunks, done) = (&chunks, &done);
        async move {
            for &(lo, hi) in chunks.iter().skip(w).step_by(writers) {
                for sql in year::chunk_sql(db.dialect, lo, hi) {
                    // Only numbers and codes generated here are formatted into the text.
                    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                        .execute(&mut *conn)
                        .await
                        .unwrap_or_else(|e| panic!("generate stations {lo}..{hi}: {e}"));
                }
                let before = done.get();
                done.set(before + hi - lo);
                if shape.stations > 2_000 && before / 2_000 != done.get() / 2_000 {
                    println!(
                        "  {label}: {} stations written, {:.0} s",
                        thousands(done.get() as u64),
                        rows_started.elapsed().as_secs_f64()
                    );
                }
            }
        }
    });
    futures::future::join_all(work).await;
    let rows_s = rows_started.elapsed().as_secs_f64();

    let vacuum_started = Instant::now();
    let conn = &mut conns[0];
    if db.dialect == Dialect::Postgres {
        // What autovacuum would have done on a server that gathered this over a year.
        let tables = "areas, stations, segments, campaigns, planned_items, airings, heartbeat_days, chain_breaks";
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("VACUUM ANALYZE {tables}")))
            .execute(&mut *conn)
            .await
            .expect("vacuum analyze");
    }
    let vacuum_s = vacuum_started.elapsed().as_secs_f64();
    let counts = year::counts(conn).await;
    drop(conns);
    println!(
        "{label} loading: {:.1} s in all ({writers} writer{}): tree and plan {tree_s:.1} s, rows {rows_s:.1} s{}",
        started.elapsed().as_secs_f64(),
        if writers == 1 { "" } else { "s" },
        if db.dialect == Dialect::Postgres {
            format!(", VACUUM ANALYZE {vacuum_s:.1} s")
        } else {
            String::new()
        },
    );
    println!(
        "{label} rows: {} areas, {} stations, {} planned items, {} airings ({} fallback), {} heartbeat days, {} chain breaks",
        thousands(shape.areas() as u64),
        thousands(shape.stations as u64),
        thousands(counts.planned),
        thousands(counts.airings_total()),
        thousands(counts.with_source("fallback")),
        thousands(counts.heartbeat_days),
        thousands(counts.chain_breaks),
    );
    counts
}
