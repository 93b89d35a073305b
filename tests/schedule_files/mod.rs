//! Schedule files as a province's culture officer writes them: a copy of the Bắc Kạn
//! example set with one mistake put in, and the exact place and words loa answers with.
//!
//! Each case edits one file of a fresh copy, loads the set, and compares every problem:
//! file, line, column and the key phrases of the Vietnamese message (what is wrong and
//! what to write instead). Lines are counted from where the edit landed, so a case keeps
//! working when the example files grow, but still pins the exact line.

mod areas;
mod audio_manifest;
mod crontab;
mod keys;
mod references;
mod whole_set;
mod windows_dates;

use std::path::{Path, PathBuf};

use loa::schedule_file::{LoadOptions, Problem, ScheduleSet, load_set};
use tempfile::TempDir;

/// The repository root.
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A change to one file of the set.
#[derive(Debug, Clone, Copy)]
pub enum Edit {
    /// Replace the only occurrence of the first text by the second.
    Replace(&'static str, &'static str),
    /// Add text after the end of the file, starting on a new line.
    Append(&'static str),
    /// Write a new file with this text.
    Create(&'static str),
}

/// One expected problem in the edited file: `line` counts from the first line the edit
/// wrote (0 = that line, -1 = the line above); `column` is 1-based, in characters.
#[derive(Debug, Clone, Copy)]
pub struct Expect {
    pub line: isize,
    pub column: usize,
    /// Every one of these must appear in the message.
    pub phrases: &'static [&'static str],
}

/// One table row: an edit and every problem it must cause, in the order reported.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    pub name: &'static str,
    pub file: &'static str,
    pub edit: Edit,
    pub verify_audio: bool,
    pub expect: &'static [Expect],
}

/// A temporary copy of an example schedule set whose `[library]` points at `audio/`.
pub struct SetCopy {
    dir: TempDir,
}

impl SetCopy {
    /// A copy of `schedules/bac-kan-2024`.
    pub fn bac_kan() -> Self {
        Self::of("bac-kan-2024")
    }

    /// A copy of `schedules/<name>`: its `.toml` files and `areas.csv`.
    pub fn of(name: &str) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let source = repo().join("schedules").join(name);
        let audio = repo().join("audio");
        let mut copied = 0;
        let mut pointed = 0;
        for entry in std::fs::read_dir(&source).expect("example set readable") {
            let path = entry.expect("directory entry").path();
            let file_name = path.file_name().expect("file name").to_owned();
            let is_toml = path.extension().is_some_and(|e| e == "toml");
            if is_toml || file_name == "areas.csv" {
                let mut text = std::fs::read_to_string(&path).expect("example file readable");
                let relative = "audio_dir = \"../../audio\"";
                if is_toml && text.contains(relative) {
                    let absolute = format!("audio_dir = '{}'", audio.display());
                    text = text.replace(relative, &absolute);
                    pointed += 1;
                }
                std::fs::write(dir.path().join(&file_name), text).expect("copy written");
                copied += 1;
            }
        }
        assert_eq!(
            copied, 4,
            "example set {name} has 3 .toml files and areas.csv"
        );
        assert_eq!(
            pointed, 1,
            "example set {name} has one `[library] audio_dir`"
        );
        Self { dir }
    }

    /// The folder of the copy.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The path of `file` inside the copy.
    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.path().join(file)
    }

    /// The current text of `file`.
    pub fn text(&self, file: &str) -> String {
        std::fs::read_to_string(self.path(file)).expect("file of the copy readable")
    }

    /// 1-based line of the only occurrence of `needle` in `file`.
    pub fn line_of(&self, file: &str, needle: &str) -> usize {
        let text = self.text(file);
        assert_eq!(text.matches(needle).count(), 1, "`{needle}` once in {file}");
        let at = text.find(needle).expect("found");
        text[..at].matches('\n').count() + 1
    }

    /// Applies `edit` to `file`; returns the 1-based line where the edit's text begins.
    pub fn edit(&self, file: &str, edit: Edit) -> usize {
        let path = self.path(file);
        match edit {
            Edit::Replace(from, to) => {
                let line = self.line_of(file, from);
                let text = self.text(file).replacen(from, to, 1);
                std::fs::write(&path, text).expect("edited file written");
                line
            }
            Edit::Append(more) => {
                let mut text = self.text(file);
                if !text.ends_with('\n') {
                    text.push('\n');
                }
                let line = text.matches('\n').count() + 1;
                text.push_str(more);
                std::fs::write(&path, text).expect("edited file written");
                line
            }
            Edit::Create(text) => {
                assert!(!path.exists(), "{file} is new");
                std::fs::write(&path, text).expect("new file written");
                1
            }
        }
    }

    /// Loads the copy.
    pub fn load(&self, verify_audio: bool) -> Result<ScheduleSet, Vec<Problem>> {
        load_set(self.dir(), LoadOptions { verify_audio })
    }

    /// Loads the copy, which must be refused; returns its problems.
    pub fn problems(&self, verify_audio: bool) -> Vec<Problem> {
        match self.load(verify_audio) {
            Ok(_) => panic!("set in {} was accepted", self.dir().display()),
            Err(problems) => problems,
        }
    }
}

fn show(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("\n  {p}"))
        .collect::<String>()
}

/// Checks `problem` against `expect`, where the edit landed at line `anchor` of `file`.
pub fn assert_problem(
    set: &SetCopy,
    file: &str,
    anchor: usize,
    problem: &Problem,
    expect: &Expect,
    name: &str,
) {
    let want = (
        set.path(file),
        anchor.wrapping_add_signed(expect.line),
        expect.column,
    );
    let got = (problem.path.clone(), problem.line, problem.column);
    assert_eq!(got, want, "{name}: place of `{}`", problem.message);
    for phrase in expect.phrases {
        assert!(
            problem.message.contains(phrase),
            "{name}: message lacks `{phrase}`:\n  {}",
            problem.message
        );
    }
}

/// Runs every case of a table on its own fresh copy of the Bắc Kạn set.
pub fn run(cases: &[Case]) {
    for case in cases {
        let set = SetCopy::bac_kan();
        let anchor = set.edit(case.file, case.edit);
        let problems = set.problems(case.verify_audio);
        assert_eq!(
            problems.len(),
            case.expect.len(),
            "{}: problems reported:{}",
            case.name,
            show(&problems)
        );
        for (problem, expect) in problems.iter().zip(case.expect) {
            assert_problem(&set, case.file, anchor, problem, expect, case.name);
        }
    }
}

#[test]
fn the_unedited_copies_load() {
    for name in ["bac-kan-2024", "thai-nguyen-2025"] {
        let set = SetCopy::of(name);
        let loaded = set
            .load(true)
            .unwrap_or_else(|p| panic!("{name} refused:{}", show(&p)));
        assert!(loaded.inputs.stations().len() > 90, "{name}");
        assert_eq!(loaded.inputs.segments().len(), 8, "{name}");
        assert_eq!(loaded.media.len(), 8, "{name}");
        assert!(
            loaded
                .media
                .iter()
                .all(|m| m.starts_with(repo().join("audio")))
        );
    }
}
