//! The station's media cache: `media/ab/cd/<sha256>` in the data dir, every file
//! verified against its name before it is renamed into place and again before it plays.
//!
//! Downloads go to `media/partial/<sha256>` and resume from there with `Range` and
//! `If-Match`, so an interrupted 4G download continues where it stopped and never
//! splices two different files. A file is refused when it would eat into the disk
//! reserve. It decides nothing about what to download first: the downloader loop does.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use futures::StreamExt;
use sha2::{Digest, Sha256};

use super::client::{Client, ClientError};

/// Why a file could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The server could not be reached or refused.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// Writing to disk failed.
    #[error("lỗi ghi bộ nhớ đệm âm thanh {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file would leave less free space than the reserve.
    #[error(
        "không đủ chỗ trên đĩa cho tệp {sha256} ({need} byte): chỉ còn {free} byte trống, cần giữ lại {reserve} byte"
    )]
    DiskFull {
        /// The file.
        sha256: String,
        /// Its size.
        need: u64,
        /// Free bytes now.
        free: u64,
        /// The reserve.
        reserve: u64,
    },
    /// What arrived does not hash to its name.
    #[error("tệp tải về không khớp SHA-256 {expected} (nhận được {got}); sẽ tải lại")]
    Mismatch {
        /// The name.
        expected: String,
        /// What the bytes hash to.
        got: String,
    },
}

/// The media folder.
#[derive(Debug, Clone)]
pub struct MediaCache {
    root: PathBuf,
    reserve_bytes: u64,
}

fn valid_name(sha256: &str) -> bool {
    sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// SHA-256 of a file, hex; `None` if it cannot be read.
pub fn hash_file(path: &Path) -> Option<String> {
    let mut file = std::fs::File::open(path).ok()?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Some(crate::domain::hex(&hasher.finalize()))
}

impl MediaCache {
    /// The cache under `data_dir/media`, keeping `reserve_bytes` of the disk free.
    pub fn new(data_dir: &Path, reserve_bytes: u64) -> Self {
        Self {
            root: data_dir.join("media"),
            reserve_bytes,
        }
    }

    /// Where a verified file lives.
    pub fn path(&self, sha256: &str) -> PathBuf {
        self.root
            .join(sha256.get(0..2).unwrap_or("xx"))
            .join(sha256.get(2..4).unwrap_or("xx"))
            .join(sha256)
    }

    fn partial(&self, sha256: &str) -> PathBuf {
        self.root.join("partial").join(sha256)
    }

    /// Whether a file is in place (it was verified when it was put there).
    pub fn has(&self, sha256: &str) -> bool {
        valid_name(sha256) && self.path(sha256).is_file()
    }

    /// Hashes the file in place; removes it if it does not match (it was damaged on
    /// disk) and says so.
    pub fn verify(&self, sha256: &str) -> bool {
        let path = self.path(sha256);
        match hash_file(&path) {
            Some(h) if h == sha256 => true,
            Some(got) => {
                tracing::warn!(
                    sha256,
                    got,
                    "tệp âm thanh trong bộ nhớ đệm bị hỏng; xoá để tải lại"
                );
                let _ = std::fs::remove_file(&path);
                false
            }
            None => false,
        }
    }

    /// Free bytes on the cache's disk.
    pub fn disk_free(&self) -> u64 {
        let _ = std::fs::create_dir_all(&self.root);
        fs4::available_space(&self.root).unwrap_or(0)
    }

    /// Downloads `sha256` (`size` bytes) unless it is in place, resuming a partial
    /// download, verifying, and renaming into place.
    pub async fn fetch(&self, client: &Client, sha256: &str, size: u64) -> Result<(), CacheError> {
        if !valid_name(sha256) || self.has(sha256) {
            return Ok(());
        }
        let part = self.partial(sha256);
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| CacheError::Io { path, source }
        };
        std::fs::create_dir_all(self.root.join("partial")).map_err(io(&part))?;
        let have = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
        let free = self.disk_free();
        let need = size.saturating_sub(have);
        if free < need.saturating_add(self.reserve_bytes) {
            return Err(CacheError::DiskFull {
                sha256: sha256.to_owned(),
                need,
                free,
                reserve: self.reserve_bytes,
            });
        }
        let response = match client.media(sha256, have).await {
            Err(ClientError::Status {
                status: 416 | 412, ..
            }) => {
                // The partial file is not a prefix of what the server holds: start over.
                let _ = std::fs::remove_file(&part);
                client.media(sha256, 0).await?
            }
            other => other?,
        };
        let resumed = response.status() == reqwest::StatusCode::PARTIAL_CONTENT;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(resumed)
            .write(true)
            .truncate(!resumed)
            .open(&part)
            .map_err(io(&part))?;
        let mut body = response.bytes_stream();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| ClientError::Unreachable(e.to_string()))?;
            file.write_all(&chunk).map_err(io(&part))?;
        }
        file.sync_all().map_err(io(&part))?;
        drop(file);
        let got = tokio::task::spawn_blocking({
            let part = part.clone();
            move || hash_file(&part)
        })
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
        if got != sha256 {
            let _ = std::fs::remove_file(&part);
            return Err(CacheError::Mismatch {
                expected: sha256.to_owned(),
                got,
            });
        }
        let dest = self.path(sha256);
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        std::fs::rename(&part, &dest).map_err(io(&dest))?;
        Ok(())
    }

    /// Deletes cached files no upcoming item needs (and stale partial downloads);
    /// returns how many were removed.
    pub fn evict(&self, keep: &HashSet<String>) -> usize {
        let mut removed = 0;
        for path in files_under(&self.root) {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if !keep.contains(name) && std::fs::remove_file(&path).is_ok() {
                removed += 1;
            }
        }
        removed
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}
