//! This replica's hot-path cache: which station a token belongs to, and each station's
//! current playlist bytes with their ETag.
//!
//! It only saves database round trips; nothing in it is authoritative. Entries are
//! dropped when the `events` table (read by every replica) says a playlist changed or a
//! station's tokens were revoked, so another replica's change reaches this one within
//! one poll interval; token entries also expire after [`TOKEN_TTL`] as a backstop.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;

/// Longest a token is trusted without asking the database again.
pub const TOKEN_TTL: Duration = Duration::from_secs(60);

/// A station's playlist as served.
#[derive(Debug, Clone)]
pub struct CachedPlaylist {
    /// Hex SHA-256 of the body.
    pub etag: Arc<str>,
    /// `"etag"`, ready for the header.
    pub quoted: Arc<str>,
    /// The JSON body.
    pub body: Bytes,
}

/// See the module documentation.
#[derive(Debug, Default)]
pub struct HotCache {
    tokens: RwLock<HashMap<String, (Arc<str>, Instant)>>,
    playlists: RwLock<HashMap<Arc<str>, CachedPlaylist>>,
}

impl HotCache {
    /// The station of a token hash, if cached and fresh.
    pub fn station_of(&self, token_hash: &str) -> Option<Arc<str>> {
        let tokens = self.tokens.read().ok()?;
        let (station, at) = tokens.get(token_hash)?;
        (at.elapsed() < TOKEN_TTL).then(|| station.clone())
    }

    /// Remembers a verified token.
    pub fn remember_token(&self, token_hash: String, station: Arc<str>) {
        if let Ok(mut tokens) = self.tokens.write() {
            tokens.insert(token_hash, (station, Instant::now()));
        }
    }

    /// Forgets every token of `station` (after a revocation).
    pub fn forget_tokens(&self, station: &str) {
        if let Ok(mut tokens) = self.tokens.write() {
            tokens.retain(|_, (s, _)| &**s != station);
        }
    }

    /// The cached playlist of `station`.
    pub fn playlist(&self, station: &str) -> Option<CachedPlaylist> {
        self.playlists.read().ok()?.get(station).cloned()
    }

    /// Caches a playlist read from the database.
    pub fn remember_playlist(&self, station: Arc<str>, etag: &str, body: Bytes) -> CachedPlaylist {
        let entry = CachedPlaylist {
            etag: Arc::from(etag),
            quoted: Arc::from(format!("\"{etag}\"")),
            body,
        };
        if let Ok(mut p) = self.playlists.write() {
            p.insert(station, entry.clone());
        }
        entry
    }

    /// Drops `station`'s playlist (it changed).
    pub fn forget_playlist(&self, station: &str) {
        if let Ok(mut p) = self.playlists.write() {
            p.remove(station);
        }
    }

    /// Drops every playlist (after a recompile of many stations).
    pub fn forget_all_playlists(&self) {
        if let Ok(mut p) = self.playlists.write() {
            p.clear();
        }
    }
}
