//! A schedule file's text with a map from byte offsets to lines and columns.

use std::ops::Range;
use std::path::{Path, PathBuf};

use super::Problem;

/// One file of a schedule set, kept for locating problems.
#[derive(Debug, Clone)]
pub(super) struct SourceFile {
    pub path: PathBuf,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(path: &Path, text: String) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self {
            path: path.to_owned(),
            text,
            line_starts,
        }
    }

    /// A problem at byte `offset` of this file.
    pub fn problem_at(&self, offset: usize, message: impl Into<String>) -> Problem {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        Problem {
            path: self.path.clone(),
            line,
            column,
            message: message.into(),
        }
    }

    /// A problem at the start of `span`.
    pub fn problem(&self, span: &Range<usize>, message: impl Into<String>) -> Problem {
        self.problem_at(span.start, message)
    }
}

/// A problem at 1-based `line`, column 1, of a file that is not TOML (the areas CSV).
pub(super) fn problem_at_line(
    path: &Path,
    line: usize,
    column: usize,
    message: impl Into<String>,
) -> Problem {
    Problem {
        path: path.to_owned(),
        line,
        column,
        message: message.into(),
    }
}
