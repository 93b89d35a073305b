//! The station's signing key: made from the operating system's random source at
//! enrollment (or on the first start of an agent enrolled before signed airings), kept
//! as 64 hex digits in `signing.key` beside the token, readable by the agent's user
//! only. Every record is signed as it is sent; Ed25519 signatures are deterministic,
//! so a record sent twice carries the same signature.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use rand::TryRngCore;

use crate::domain::StationSecret;
use crate::wire::AiringJson;

/// The key file's name in the data dir.
pub const FILE: &str = "signing.key";

/// The key file of `data_dir`.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE)
}

/// A new key from the operating system's random source.
pub fn generate() -> anyhow::Result<StationSecret> {
    let mut seed = [0u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut seed)
        .context("hệ điều hành không cấp được số ngẫu nhiên để tạo khóa ký")?;
    Ok(StationSecret::from_bytes(&seed))
}

/// Reads the key of `data_dir`, if it has one.
pub fn load(data_dir: &Path) -> anyhow::Result<Option<StationSecret>> {
    let file = path(data_dir);
    match std::fs::read_to_string(&file) {
        Ok(text) => StationSecret::parse(&text).map(Some).with_context(|| {
            format!(
                "tệp khóa ký {} hỏng; đăng ký lại trạm bằng --enroll MÃ để tạo khóa mới",
                file.display()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("không đọc được {}", file.display())),
    }
}

/// Writes `secret` as the key of `data_dir`, mode 0600, replacing any older one
/// atomically.
pub fn save(data_dir: &Path, secret: &StationSecret) -> anyhow::Result<()> {
    write_private(&path(data_dir), secret.to_hex().as_bytes())
}

/// Writes `contents` to `file` readable by its owner only (the service user): written
/// beside it, synced, then renamed into place, so a power cut leaves the old file or
/// the new one. The token and the signing key are both kept so.
pub fn write_private(file: &Path, contents: &[u8]) -> anyhow::Result<()> {
    let tmp = file.with_extension("tmp");
    {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut f = options
            .open(&tmp)
            .with_context(|| format!("không ghi được {}", tmp.display()))?;
        f.write_all(contents)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, file).with_context(|| format!("không ghi được {}", file.display()))?;
    Ok(())
}

/// The key of `data_dir`, made and saved first if it has none.
pub fn load_or_create(data_dir: &Path) -> anyhow::Result<StationSecret> {
    if let Some(secret) = load(data_dir)? {
        return Ok(secret);
    }
    let secret = generate()?;
    save(data_dir, &secret)?;
    tracing::info!(key_id = secret.public().id(), "đã tạo khóa ký cho trạm");
    Ok(secret)
}

/// Signs `airing` (its canonical text, which holds the previous hash).
pub fn sign(secret: &StationSecret, airing: &mut AiringJson) {
    let Some(record) = airing.record() else {
        // An outcome the agent did not write: the server refuses it either way.
        return;
    };
    let signature = secret.sign(&record).to_hex();
    airing.key_id = Some(secret.public().id().to_owned());
    airing.signature = Some(signature);
}
