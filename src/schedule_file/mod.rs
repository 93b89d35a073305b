//! Schedule files: a folder of TOML files (plus an areas CSV) describing one province's
//! stations, windows, segment library, campaigns and rotations.
//!
//! Owns reading and checking those files and turning them into [`crate::domain::Inputs`].
//! Every problem is reported as `file:line:column`, with what is wrong and what to
//! write instead, and all problems are reported, not just the first. It does not
//! compile playlists or print anything. The format is documented in `schedules/README.md`.

pub mod areas_csv;
mod convert;
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

/// Normalises text to Unicode NFC, the form loa stores and compares Vietnamese in.
pub fn nfc(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfc().collect()
}

/// The closest of `candidates` to `word`, if it is close enough to be a likely typo.
pub(crate) fn suggest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, c)| (d, c))
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_misses_only() {
        let ids = ["gia-dinh-hoc-tap", "dong-ho-hoc-tap"];
        assert_eq!(suggest("gia-dinh-hoc-tp", ids), Some("gia-dinh-hoc-tap"));
        assert_eq!(suggest("something-else", ids), None);
    }

    #[test]
    fn nfc_composes_vietnamese() {
        let decomposed = "Tuần le\u{0302}\u{0303}";
        assert_eq!(nfc(decomposed), "Tuần lễ");
    }
}
