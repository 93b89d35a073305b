//! One checker per entity a person writes (a campaign, a station and its windows):
//! the rules and their Vietnamese messages, written once.
//!
//! A checker takes a *draft* (the values as written, borrowed from a schedule file or
//! a JSON body), resolves names against the tree and library, and returns either the
//! validated domain value or every problem found, each with the [`FieldPath`] of the
//! field it concerns. Two thin adapters place the problems: schedule files turn the
//! path into `file:line:column` (`schedule_file`), the API writes it before the
//! message (`windows[1].times[0]: …`). Syntax of one notation only (TOML dates,
//! `length = "5m"`, JSON types) stays in its adapter.

mod campaign;
mod station;
#[cfg(test)]
mod tests;

use std::fmt;

pub use campaign::{CampaignDraft, Missing, Origin, RotationDraft, check_campaign};
pub use station::{CheckedStation, StationDraft, WindowDraft, check_station, check_windows};

/// One step of a [`FieldPath`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A named field (`rotations`, `slots`).
    Key(&'static str),
    /// An element of a list.
    Index(usize),
    /// An entry of a map, by its key (`weights.gia-dinh-hoc-tap`).
    Entry(String),
}

/// Where in an entity a problem lies, in the API's field names:
/// `rotations[0].slots[1]`, `weights.gia-dinh-hoc-tap`, `windows[2].times`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPath(Vec<Step>);

impl FieldPath {
    /// The entity itself (no field).
    pub fn root() -> Self {
        Self(Vec::new())
    }

    /// This path, then field `key`.
    pub fn key(&self, key: &'static str) -> Self {
        self.with(Step::Key(key))
    }

    /// This path, then element `i`.
    pub fn index(&self, i: usize) -> Self {
        self.with(Step::Index(i))
    }

    /// This path, then map entry `name`.
    pub fn entry(&self, name: &str) -> Self {
        self.with(Step::Entry(name.to_owned()))
    }

    fn with(&self, step: Step) -> Self {
        let mut steps = self.0.clone();
        steps.push(step);
        Self(steps)
    }

    /// The steps, outermost first (adapters match on them).
    pub fn steps(&self) -> &[Step] {
        &self.0
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Key(k) if i == 0 => f.write_str(k)?,
                Step::Key(k) => write!(f, ".{k}")?,
                Step::Index(n) => write!(f, "[{n}]")?,
                Step::Entry(name) => write!(f, ".{name}")?,
            }
        }
        Ok(())
    }
}

/// One problem a checker found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// The field it concerns.
    pub path: FieldPath,
    /// What is wrong and what to write instead, in Vietnamese.
    pub message: String,
    /// Where inside the field's text the problem starts (bytes), when the checker
    /// knows (a crontab field); a schedule file points there.
    pub offset: Option<usize>,
}

impl FieldProblem {
    fn new(path: FieldPath, message: impl Into<String>) -> Self {
        Self {
            path,
            message: message.into(),
            offset: None,
        }
    }

    /// The API's form: the field path, then the message.
    pub fn with_path(&self) -> String {
        if self.path.steps().is_empty() {
            self.message.clone()
        } else {
            format!("{}: {}", self.path, self.message)
        }
    }
}

/// The notation an entity was written in, for the few messages whose example or key
/// names differ between schedule files (TOML) and the API (JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// A schedule file.
    ScheduleFile,
    /// A JSON body of the API (or a stored spec).
    Json,
}

/// How the adapter wants messages written: its [`Syntax`], and how a message says
/// where another field is (`ở dòng 12` in a file, `ở windows[0].times[0]` in the API).
pub struct Notation<'a> {
    /// The notation.
    pub syntax: Syntax,
    /// Where another field is, as a message says it (`ở dòng 12`).
    pub mention: &'a dyn Fn(&FieldPath) -> String,
}

impl Notation<'static> {
    /// The API's notation: other fields are named by their path.
    pub fn json() -> Self {
        Self {
            syntax: Syntax::Json,
            mention: &|path: &FieldPath| format!("ở {path}"),
        }
    }
}

/// The API's form of every problem (see [`FieldProblem::with_path`]).
pub fn with_paths(problems: &[FieldProblem]) -> Vec<String> {
    problems.iter().map(FieldProblem::with_path).collect()
}
