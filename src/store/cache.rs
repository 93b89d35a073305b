//! What the store keeps in memory between requests: the area tree, the schedule inputs
//! and each station's static facts (name, area, time zone, windows resolved through
//! the tree), shared by every request of this process.
//!
//! Each is current while the stamp it was built at is: one cheap query, before each
//! use, of `data_version`, a number the database's own triggers raise on every write
//! of an area, area window, station, segment or campaign (migration 0017) — however it
//! is written: the API, the CLI, an import, another replica, or SQL typed by hand.
//!
//! Three more are kept by rules of their own, in `fleet`: the item due now per station
//! (right until an instant, under a playlist version), the parsed heartbeats (right
//! while the stored one has the instant and length they were parsed from) and the
//! playlist versions (right while they read as the same text).

use std::sync::{Arc, Mutex};

use sqlx::Row;

use super::{Store, StoreError};

/// When the cached values were built: `data_version` then.
pub(super) type Stamp = i64;

/// The stamp now.
pub(super) async fn stamp(store: &Store) -> Result<Stamp, StoreError> {
    let row = sqlx::query("SELECT n FROM data_version WHERE id = 1")
        .fetch_one(store.pool())
        .await?;
    Ok(row.try_get(0)?)
}

/// One cached value and the stamp it was built at; one loader at a time.
pub(super) struct Slot<T> {
    current: Mutex<Option<(Stamp, Arc<T>)>>,
    loading: tokio::sync::Mutex<()>,
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Self {
            current: Mutex::new(None),
            loading: tokio::sync::Mutex::new(()),
        }
    }
}

impl<T> Slot<T> {
    fn at(&self, stamp: Stamp) -> Option<Arc<T>> {
        let guard = self.current.lock().ok()?;
        guard
            .as_ref()
            .filter(|(s, _)| *s == stamp)
            .map(|(_, v)| v.clone())
    }

    /// The value at `stamp`, built by `load` unless it is held already (a request
    /// that finds another loading waits for it rather than loading again).
    pub(super) async fn get<F>(&self, stamp: Stamp, load: F) -> Result<Arc<T>, StoreError>
    where
        F: std::future::Future<Output = Result<T, StoreError>>,
    {
        if let Some(v) = self.at(stamp) {
            return Ok(v);
        }
        let _one = self.loading.lock().await;
        if let Some(v) = self.at(stamp) {
            return Ok(v);
        }
        let value = Arc::new(load.await?);
        if let Ok(mut guard) = self.current.lock() {
            *guard = Some((stamp, value.clone()));
        }
        Ok(value)
    }
}

/// The store's caches.
#[derive(Default)]
pub(super) struct Caches {
    pub(super) tree: Slot<crate::domain::AreaTree>,
    pub(super) inputs: Slot<super::Loaded>,
    pub(super) stations: Slot<Vec<super::fleet::StationFacts>>,
    pub(super) due: super::fleet::DueCache,
    pub(super) heard: super::fleet::HeardCache,
    pub(super) versions: super::fleet::VersionsCache,
}

impl std::fmt::Debug for Caches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Caches")
    }
}
