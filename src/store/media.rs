//! The content-addressed media folder: `media/ab/cd/<sha256>`.
//!
//! Files are written to a temporary name and renamed into place, so a reader never sees
//! a half-written file; the name is the SHA-256 of the bytes, checked before renaming.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::domain::Sha256Digest;

/// The media folder of a server's data directory.
#[derive(Debug, Clone)]
pub struct MediaDir {
    root: PathBuf,
}

impl MediaDir {
    /// `root` is created on first write.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// Where the file with this digest lives.
    pub fn path_of(&self, sha: &Sha256Digest) -> PathBuf {
        let hex = sha.to_string();
        self.root.join(&hex[..2]).join(&hex[2..4]).join(hex)
    }

    /// Stores `bytes` under their digest (a no-op when already there).
    pub fn put(&self, bytes: &[u8]) -> std::io::Result<Sha256Digest> {
        let sha = Sha256Digest::from_bytes(Sha256::digest(bytes).into());
        let path = self.path_of(&sha);
        if path.exists() {
            return Ok(sha);
        }
        let dir = path.parent().unwrap_or(&self.root);
        private_dir(dir)?;
        let tmp = dir.join(format!(".{}.tmp-{}", sha, std::process::id()));
        {
            let mut f = private_file(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, &path)?;
        Ok(sha)
    }

    /// Copies a file in, verifying its digest on the way.
    pub fn put_file(&self, src: &Path) -> std::io::Result<Sha256Digest> {
        let bytes = std::fs::read(src)?;
        self.put(&bytes)
    }
}

/// Creates `dir` and its parents readable by the owner only (0700).
fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Creates (truncating) `path` readable by the owner only (0600).
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}
