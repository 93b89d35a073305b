//! First start and daily upkeep: seeding an empty database from the schedule files, and
//! recompiling playlists as the horizon rolls over midnight.

use std::time::Duration;

use anyhow::Context;

use super::{AppState, Config};
use crate::schedule_file::{LoadOptions, discover_sets, load_set};
use crate::store::{MediaDir, Store, import_set, is_empty, recompile};

/// On an empty database, imports the schedule set under `config.seed` (the newest one
/// when several are found: one server holds one province's tree) and compiles playlists.
pub(super) async fn seed_if_empty(
    store: &Store,
    media: &MediaDir,
    config: &Config,
) -> anyhow::Result<()> {
    if !is_empty(store).await? {
        let summary = recompile(store, None, chrono::Utc::now(), config.horizon_days).await?;
        tracing::info!(
            stations = summary.stations,
            changed = summary.changed,
            "đã cập nhật danh sách phát"
        );
        return Ok(());
    }
    let Some(seed) = &config.seed else {
        tracing::info!("cơ sở dữ liệu trống và không có thư mục lịch để nạp");
        return Ok(());
    };
    if !seed.exists() {
        tracing::warn!(path = %seed.display(), "cơ sở dữ liệu trống; không thấy thư mục lịch để nạp");
        return Ok(());
    }
    let sets = discover_sets(seed).map_err(|p| anyhow::anyhow!("{p}"))?;
    let Some(dir) = sets.last() else {
        return Ok(());
    };
    for skipped in &sets[..sets.len() - 1] {
        tracing::info!(set = %skipped.display(), "bỏ qua bộ lịch này: mỗi máy chủ giữ một cây đơn vị; chọn bằng --seed");
    }
    let set = load_set(dir, LoadOptions { verify_audio: true }).map_err(|problems| {
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        anyhow::anyhow!("bộ lịch {} có lỗi:\n{}", dir.display(), text.join("\n"))
    })?;
    let summary = import_set(store, media, &set, "seed")
        .await
        .context("không nạp được bộ lịch")?;
    tracing::info!(
        set = %dir.display(),
        areas = summary.areas,
        stations = summary.stations,
        segments = summary.segments,
        campaigns = summary.campaigns,
        "đã nạp bộ lịch vào cơ sở dữ liệu trống"
    );
    super::accounts::ensure_admin(store, &config.data_dir).await?;
    let compiled = recompile(store, None, chrono::Utc::now(), config.horizon_days).await?;
    tracing::info!(
        stations = compiled.stations,
        items = compiled.items,
        "đã lập danh sách phát"
    );
    Ok(())
}

/// Once an hour, recompiles stations whose horizon starts before their local today.
/// Unchanged playlists are not rewritten, so replicas doing this at once is harmless.
pub(super) async fn refresh_daily(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            () = tokio::time::sleep(Duration::from_secs(3600)) => {}
        }
        match state.recompile(None).await {
            Ok(s) => tracing::info!(changed = s.changed, "đã cập nhật danh sách phát theo ngày"),
            Err(e) => tracing::error!(error = %e, "không cập nhật được danh sách phát"),
        }
    }
}
