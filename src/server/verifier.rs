//! The background log check of `loa serve`: every `verify_interval_s` (0 = never) one
//! replica re-checks every stored airing's signature and chain, as `loa verify` does,
//! and writes `log_checks`, which reports read. Replicas claim a run in the database,
//! so one checks at a time; failures are logged by station and record.

use std::time::Duration;

use super::AppState;
use crate::store::{VerifyQuery, claim_check_run, verify_log};

/// Runs until `stop` changes.
pub(super) async fn run(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    let interval_s = state.config.verify_interval_s;
    if interval_s == 0 {
        return;
    }
    let interval = Duration::from_secs(interval_s);
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            () = tokio::time::sleep(interval) => {}
        }
        if let Err(e) = once(&state).await {
            tracing::error!(error = %e, "không kiểm được nhật ký phát sóng");
        }
    }
}

/// One check, if this replica wins the claim for it.
async fn once(state: &AppState) -> Result<(), crate::store::StoreError> {
    let now = chrono::Utc::now().timestamp_millis();
    let interval_ms =
        i64::try_from(state.config.verify_interval_s.saturating_mul(1000)).unwrap_or(i64::MAX);
    // A little slack: a replica whose timer fires just early still wins its turn.
    if !claim_check_run(&state.store, now, interval_ms - interval_ms / 10).await? {
        return Ok(());
    }
    let query = VerifyQuery {
        threads: 1,
        ..VerifyQuery::default()
    };
    let summary = verify_log(&state.store, &query, |f| {
        tracing::warn!(
            station = f.station,
            uuid = f.uuid,
            planned_start_ms = f.planned_start_ms,
            failed = f.check.describe_vi(),
            "bản ghi phát sóng không qua kiểm tra"
        );
    })
    .await?;
    tracing::info!(
        records = summary.records,
        stations = summary.stations,
        unsigned = summary.unsigned,
        failed = summary.failed,
        "đã kiểm nhật ký phát sóng"
    );
    Ok(())
}
