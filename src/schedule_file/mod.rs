//! Schedule files: a folder of TOML files (plus an areas CSV) describing one province's
//! stations, windows, segment library, campaigns and rotations.
//!
//! Owns reading and checking those files and turning them into [`crate::domain::Inputs`].
//! Every problem is reported as `file:line:column`, with what is wrong and what to
//! write instead, and all problems are reported, not just the first. It does not
//! compile playlists or print anything. The format is documented in `schedules/README.md`.

pub mod areas_csv;
mod convert;
mod drafts;
mod load;
mod raw;
mod source;

use std::fmt;
use std::path::{Path, PathBuf};

pub use load::{LoadOptions, ScheduleSet, discover_sets, load_set};

/// One problem in a schedule file, located in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file.
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong, and what to write instead.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: lỗi: {}",
            self.path.display(),
            self.line,
            self.column,
            self.message
        )
    }
}

pub use crate::domain::nfc;
pub(crate) use crate::domain::suggest;

/// Resolves `name` inside `dir`, also when the file on disk is stored in another
/// Unicode normalisation form (macOS writes NFD) than the name in the schedule.
pub(crate) fn resolve_file(dir: &Path, name: &str) -> Option<PathBuf> {
    let direct = dir.join(name);
    if direct.exists() {
        return Some(direct);
    }
    let (parent, file) = match name.rsplit_once('/') {
        Some((p, f)) => (dir.join(p), f),
        None => (dir.to_owned(), name),
    };
    let wanted = nfc(file);
    std::fs::read_dir(&parent)
        .ok()?
        .flatten()
        .find_map(|entry| {
            let found = entry.file_name();
            (nfc(&found.to_string_lossy()) == wanted).then(|| entry.path())
        })
}
