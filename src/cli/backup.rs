//! `loa backup DIR`: a consistent copy of a server's SQLite database and media folder,
//! taken while `loa serve` runs.
//!
//! The database is copied first (`VACUUM INTO`, one snapshot), then the media folder:
//! the server stores a file before the row that names it, so every file the snapshot
//! refers to is already on disk when the media copy starts. Everything is written into
//! a hidden sibling folder `.DIR.dang-sao` and renamed to DIR only when whole, with the
//! manifest written last: a folder named DIR is always a complete backup. An
//! interrupted run leaves the hidden folder; the next run reuses it and skips media
//! files already there with the right content.
//!
//! On PostgreSQL the database belongs to `pg_dump`: the command refuses, and with
//! `--media-only` copies the media folder alone (which `pg_dump` does not cover).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use sha2::{Digest, Sha256};

use super::serve::{DbArgs, runtime};
use crate::store::backup::{CopySummary, copy_sqlite};

/// `loa backup` arguments.
#[derive(Debug, clap::Args)]
pub(super) struct BackupArgs {
    /// Thư mục đích: chưa có hoặc trống; được tạo với quyền 0700.
    dir: PathBuf,
    /// Chỉ sao thư mục media (dùng khi CSDL là PostgreSQL, sao CSDL bằng pg_dump).
    #[arg(long)]
    media_only: bool,
    #[command(flatten)]
    db: DbArgs,
}

/// What the media copy did.
#[derive(Debug, Default)]
struct MediaCopy {
    /// Files in the backup.
    files: u64,
    /// Their bytes.
    bytes: u64,
    /// Files copied by this run.
    copied: u64,
    /// Files an interrupted run had already copied with the right content.
    already_present: u64,
    /// Files whose content does not match their name (not copied).
    damaged: Vec<String>,
}

/// Runs `loa backup`; exit 1 with the reason when it cannot.
pub(super) fn run(args: &BackupArgs) -> anyhow::Result<ExitCode> {
    let config = args.db.config()?;
    let url = config.database_url();
    let postgres = !url.starts_with("sqlite:");
    if postgres && !args.media_only {
        println!(
            "lỗi: CSDL là PostgreSQL: loa backup chỉ sao được CSDL SQLite nhúng. Sao CSDL bằng \
             pg_dump, ví dụ `pg_dump --format=custom --file=loa.dump \"ĐỊA_CHỈ_CSDL\"` \
             (khôi phục: `pg_restore --clean --if-exists --dbname=\"ĐỊA_CHỈ_CSDL\" loa.dump`), \
             rồi chạy lại `loa backup DIR --media-only` để sao thư mục media."
        );
        return Ok(ExitCode::from(1));
    }
    let dir = args.dir.as_path();
    if let Err(problem) = check_target(dir) {
        println!("lỗi: {problem}");
        return Ok(ExitCode::from(1));
    }
    let db_file = config.data_dir.join("loa.db");
    if !args.media_only && !db_file.is_file() {
        println!(
            "lỗi: --data-dir: không có CSDL {}: chỉ đúng thư mục dữ liệu của máy chủ \
             (thư mục chứa loa.db và media)",
            db_file.display()
        );
        return Ok(ExitCode::from(1));
    }
    let work = work_dir(dir);
    if work.exists() {
        println!(
            "Tiếp tục bản sao dở dang trong {} (tệp media đã sao đúng được giữ lại).",
            work.display()
        );
    }
    private_dir(&work)?;

    let summary = if args.media_only {
        None
    } else {
        let target = work.join("loa.db");
        for leftover in ["loa.db", "loa.db-wal", "loa.db-shm", "loa.db-journal"] {
            let path = work.join(leftover);
            if path.exists() {
                std::fs::remove_file(&path)?;
            }
        }
        let summary = runtime()?.block_on(copy_sqlite(&db_file, &target))?;
        set_mode(&target, 0o600)?;
        Some(summary)
    };

    let media = copy_media(&config.data_dir.join("media"), &work.join("media"))?;
    let missing: Vec<String> = summary
        .as_ref()
        .map(|s| {
            s.media
                .iter()
                .filter(|sha| !media_path(&work.join("media"), sha).is_file())
                .cloned()
                .collect()
        })
        .unwrap_or_default();

    let now = chrono::Utc::now();
    let manifest = manifest(&now, postgres, summary.as_ref(), &media, &missing);
    write_private(
        &work.join("manifest.json"),
        &(serde_json::to_string_pretty(&manifest)? + "\n"),
    )?;
    sync_dir(&work)?;
    if dir.exists() {
        // An empty folder: rename(2) replaces it.
        std::fs::remove_dir(dir)?;
    }
    std::fs::rename(&work, dir)?;
    if let Some(parent) = parent_of(dir) {
        sync_dir(&parent)?;
    }

    let mut out = format!(
        "Đã sao lưu vào {} lúc {} (UTC).\n",
        dir.display(),
        now.format("%d/%m/%Y %H:%M:%S")
    );
    if let Some(s) = &summary {
        out.push_str(&format!(
            "CSDL: loa.db, lược đồ {}; {}.\n",
            s.schema_version,
            s.counts
                .iter()
                .map(|(t, n)| format!("{t} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    } else {
        out.push_str("CSDL: không sao (chỉ media); sao CSDL PostgreSQL bằng pg_dump.\n");
    }
    out.push_str(&format!(
        "Media: {} tệp, {} byte ({} tệp mới sao, {} tệp đã có sẵn).\n",
        media.files, media.bytes, media.copied, media.already_present
    ));
    for sha in &media.damaged {
        out.push_str(&format!(
            "cảnh báo: tệp media {sha} có nội dung không khớp tên (hỏng): không sao\n"
        ));
    }
    for sha in &missing {
        out.push_str(&format!(
            "cảnh báo: CSDL nhắc tới tệp media {sha} nhưng máy chủ không có tệp này\n"
        ));
    }
    super::emit(&out);
    Ok(ExitCode::SUCCESS)
}

/// DIR may be missing or an empty folder; anything else is refused.
fn check_target(dir: &Path) -> Result<(), String> {
    if dir.file_name().is_none() {
        return Err(format!(
            "DIR: `{}` không phải tên thư mục: viết một đường dẫn như /var/backups/loa-2026-12-03",
            dir.display()
        ));
    }
    match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("DIR: không đọc được {}: {e}", dir.display())),
        Ok(meta) if !meta.is_dir() => Err(format!(
            "DIR: {} đã có và không phải thư mục: chọn một tên thư mục mới",
            dir.display()
        )),
        Ok(_) => {
            let mut entries = std::fs::read_dir(dir)
                .map_err(|e| format!("DIR: không đọc được {}: {e}", dir.display()))?;
            if entries.next().is_some() {
                Err(format!(
                    "DIR: thư mục {} đã có và không trống: loa backup không ghi đè; chọn một \
                     thư mục mới (ví dụ thêm ngày vào tên) hoặc dời thư mục cũ đi rồi chạy lại",
                    dir.display()
                ))
            } else {
                Ok(())
            }
        }
    }
}

fn parent_of(dir: &Path) -> Option<PathBuf> {
    match dir.parent() {
        Some(p) if p.as_os_str().is_empty() => Some(PathBuf::from(".")),
        Some(p) => Some(p.to_path_buf()),
        None => None,
    }
}

/// The hidden sibling folder a backup is written in before it is renamed to `dir`.
fn work_dir(dir: &Path) -> PathBuf {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    parent_of(dir)
        .unwrap_or_else(|| PathBuf::from("."))
        .join(format!(".{name}.dang-sao"))
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn media_path(root: &Path, sha: &str) -> PathBuf {
    root.join(&sha[..2]).join(&sha[2..4]).join(sha)
}

/// Copies every `ab/cd/<sha256>` file of `source` into `target`, checking each file's
/// content against its name; files already in `target` with the right content are kept.
/// Temporary files of uploads in progress (`.…tmp-…`) and anything else are ignored.
fn copy_media(source: &Path, target: &Path) -> anyhow::Result<MediaCopy> {
    let mut done = MediaCopy::default();
    private_dir(target)?;
    if !source.is_dir() {
        return Ok(done);
    }
    let mut names = Vec::new();
    for a in std::fs::read_dir(source)? {
        let a = a?;
        let a_name = a.file_name().to_string_lossy().into_owned();
        if !is_hex(&a_name, 2) || !a.file_type()?.is_dir() {
            continue;
        }
        for b in std::fs::read_dir(a.path())? {
            let b = b?;
            let b_name = b.file_name().to_string_lossy().into_owned();
            if !is_hex(&b_name, 2) || !b.file_type()?.is_dir() {
                continue;
            }
            for f in std::fs::read_dir(b.path())? {
                let f = f?;
                let name = f.file_name().to_string_lossy().into_owned();
                if is_hex(&name, 64)
                    && name[..2] == a_name
                    && name[2..4] == b_name
                    && f.file_type()?.is_file()
                {
                    names.push(name);
                }
            }
        }
    }
    names.sort();
    for sha in names {
        let from = media_path(source, &sha);
        let to = media_path(target, &sha);
        if to.is_file() && digest_of(&to)? == sha {
            done.already_present += 1;
            done.files += 1;
            done.bytes += std::fs::metadata(&to)?.len();
            continue;
        }
        let parent = to.parent().unwrap_or(target);
        private_dir(parent)?;
        let tmp = parent.join(format!(".{sha}.tmp"));
        let (digest, len) = copy_hashing(&from, &tmp)?;
        if digest != sha {
            std::fs::remove_file(&tmp)?;
            done.damaged.push(sha);
            continue;
        }
        std::fs::rename(&tmp, &to)?;
        done.copied += 1;
        done.files += 1;
        done.bytes += len;
    }
    Ok(done)
}

/// Copies `from` to a new 0600 file `to`, returning the copy's SHA-256 (hex) and size.
fn copy_hashing(from: &Path, to: &Path) -> std::io::Result<(String, u64)> {
    let mut input = std::fs::File::open(from)?;
    let mut output = private_file(to)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut len = 0u64;
    loop {
        let n = input.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        output.write_all(&buf[..n])?;
        len += n as u64;
    }
    output.sync_all()?;
    Ok((
        crate::domain::Sha256Digest::from_bytes(hasher.finalize().into()).to_string(),
        len,
    ))
}

fn digest_of(path: &Path) -> std::io::Result<String> {
    let mut input = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut input, &mut hasher)?;
    Ok(crate::domain::Sha256Digest::from_bytes(hasher.finalize().into()).to_string())
}

fn manifest(
    now: &chrono::DateTime<chrono::Utc>,
    postgres: bool,
    summary: Option<&CopySummary>,
    media: &MediaCopy,
    missing: &[String],
) -> serde_json::Value {
    let counts: serde_json::Map<String, serde_json::Value> = summary
        .map(|s| {
            s.counts
                .iter()
                .map(|(t, n)| ((*t).to_owned(), serde_json::Value::from(*n)))
                .collect()
        })
        .unwrap_or_default();
    serde_json::json!({
        "format": "loa-backup/1",
        "loa_version": env!("CARGO_PKG_VERSION"),
        "created_at": now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "created_at_text": format!("{} UTC", now.format("%d/%m/%Y %H:%M:%S")),
        "database": match (summary, postgres) {
            (Some(_), _) => "sqlite",
            (None, true) => "postgres: không sao, dùng pg_dump",
            (None, false) => "sqlite: không sao (--media-only)",
        },
        "database_file": summary.map(|_| "loa.db"),
        "schema_version": summary.map(|s| s.schema_version),
        "counts": counts,
        "media": {
            "files": media.files,
            "bytes": media.bytes,
            "copied": media.copied,
            "already_present": media.already_present,
            "damaged": media.damaged,
            "missing": missing,
        },
    })
}

/// Creates `dir` and its parents readable by the owner only (0700).
fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    set_mode(dir, 0o700)
}

/// Creates (truncating) `path` readable by the owner only (0600).
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(path)?;
    set_mode(path, 0o600)?;
    Ok(file)
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut f = private_file(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) -> std::io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_: &Path) -> std::io::Result<()> {
    Ok(())
}
