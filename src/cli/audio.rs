//! `loa audio probe`: measure files the way the library will, and print manifest entries.

use std::path::Path;
use std::process::ExitCode;

use unicode_normalization::UnicodeNormalization;

use crate::schedule_file::nfc;

/// A segment id from a file name, whatever its normalisation: ASCII lower case and
/// `-` (`Tuần lễ Đọc sách` → `tuan-le-doc-sach`). `đ` has no decomposition, so it is
/// mapped by hand.
fn slug(stem: &str) -> String {
    let mut out = String::new();
    for c in stem.nfd() {
        let c = match c {
            'đ' | 'Đ' => 'd',
            c if c.is_ascii_alphanumeric() => c.to_ascii_lowercase(),
            c if c.is_ascii() || c.is_whitespace() => '-',
            _ => continue, // combining marks and other non-ASCII letters
        };
        if c != '-' || !(out.is_empty() || out.ends_with('-')) {
            out.push(c);
        }
    }
    let trimmed = out.trim_end_matches('-');
    if trimmed.is_empty() {
        "segment".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// Prints a `[[segment]]` block per file; exit 1 if any file is not usable audio.
pub(super) fn probe(files: &[impl AsRef<Path>]) -> anyhow::Result<ExitCode> {
    let mut failed = false;
    for file in files {
        let file = file.as_ref();
        match crate::audio::measure(file) {
            Ok(m) => {
                let name = nfc(&file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default());
                let stem = name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s);
                println!(
                    "# {}: {} Hz, {} kênh, {} khung",
                    file.display(),
                    m.sample_rate,
                    m.channels,
                    m.frames
                );
                println!("[[segment]]");
                println!("id = \"{}\"", slug(stem));
                println!("title = \"\"");
                println!("file = \"{name}\"");
                println!("language = \"vi\"");
                println!("duration_ms = {}", m.duration_ms);
                println!("sha256 = \"{}\"", m.sha256);
                println!();
                for warning in &m.warnings {
                    eprintln!("{}: cảnh báo: {warning}", file.display());
                }
            }
            Err(e) => {
                failed = true;
                eprintln!("{}: lỗi: {e}", file.display());
            }
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
