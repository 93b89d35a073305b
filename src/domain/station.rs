//! Stations: the broadcasting points, each in one area of the tree.

use std::fmt;

use chrono_tz::Tz;

use super::{AreaId, Language, Windows};

/// A station's code, unique within a province's schedule (`01834`, `05443-2`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StationCode(String);

impl StationCode {
    /// Letters, digits, `-`, `_`, `.`; 1 to 64 characters, lowercase or digits first.
    pub fn parse(s: &str) -> Option<Self> {
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        ok.then(|| Self(s.to_owned()))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A broadcasting point.
#[derive(Debug, Clone)]
pub struct Station {
    /// Code.
    pub code: StationCode,
    /// Display name, NFC.
    pub name: String,
    /// The area it serves.
    pub area: AreaId,
    /// Time zone of its slot rules and windows (`Asia/Ho_Chi_Minh` by default).
    pub timezone: Tz,
    /// Languages it broadcasts in, preferred first; never empty.
    pub languages: Vec<Language>,
    /// Its own windows, narrowing those inherited from its area, if it sets any.
    pub windows: Option<Windows>,
}
