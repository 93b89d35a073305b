//! `loa audio probe`: measure files the way the library will, and print manifest entries.

use std::path::Path;
use std::process::ExitCode;

use crate::schedule_file::nfc;

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
                println!("id = \"{stem}\"");
                println!("title = \"\"");
                println!("file = \"{name}\"");
                println!("language = \"vi\"");
                println!("duration_ms = {}", m.duration_ms);
                println!("sha256 = \"{}\"", m.sha256);
                println!();
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
