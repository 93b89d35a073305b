//! A station as the console writes it, checked by the station checker of
//! [`crate::domain::check`] (the one `[[station]]` in schedule files goes through),
//! each problem prefixed with the field's path (`windows[1].times[0]: …`).

use serde::{Deserialize, Serialize};

use crate::domain::check::{Notation, StationDraft, WindowDraft, check_station, with_paths};
use crate::domain::{AreaTree, Station, Windows};

/// Days and time ranges, as in a station's `windows` in schedule files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(in crate::server::api) struct WindowSpec {
    /// `Mon-Fri`, `T2-T6`, `T7,CN`, `*`; every day when absent.
    #[serde(default)]
    pub days: Option<String>,
    /// Ranges `HH:MM-HH:MM`.
    pub times: Vec<String>,
}

/// `POST /api/v1/stations` and `PUT /api/v1/stations/{code}` body; what is left out
/// takes the schedule files' default.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(in crate::server::api) struct StationSpec {
    /// Code (required to create; when given to `PUT` it must match the path).
    #[serde(default)]
    pub code: Option<String>,
    /// Code of the area it serves.
    pub area: String,
    /// Display name; default `Trạm truyền thanh <area name>`.
    #[serde(default)]
    pub name: Option<String>,
    /// Languages, preferred first; default `["vi"]`.
    #[serde(default)]
    pub languages: Option<Vec<String>>,
    /// IANA time zone; default `Asia/Ho_Chi_Minh`.
    #[serde(default)]
    pub timezone: Option<String>,
    /// Its own windows, narrowing those of its area; absent to inherit them.
    #[serde(default)]
    pub windows: Option<Vec<WindowSpec>>,
    /// Loudness its items are brought to, LUFS; default -16.
    #[serde(default)]
    pub target_lufs: Option<f64>,
}

/// Windows as specs, grouping ranges that share their days.
pub(super) fn window_specs(windows: &Windows) -> Vec<WindowSpec> {
    let mut out: Vec<WindowSpec> = Vec::new();
    for w in windows.list() {
        let days = w.days().to_string();
        let time = format!("{}-{}", w.start(), w.end());
        match out.iter_mut().find(|s| s.days.as_deref() == Some(&days)) {
            Some(spec) => spec.times.push(time),
            None => out.push(WindowSpec {
                days: Some(days),
                times: vec![time],
            }),
        }
    }
    out
}

impl StationSpec {
    /// The station `code` this spec describes, its loudness target, and the field path
    /// of each of its windows (in the order of [`Windows::list`]'s input), checked by
    /// the station checker schedule files use too. Lists every problem found, each
    /// after its field's path.
    pub(super) fn to_domain(
        &self,
        code: &str,
        tree: &AreaTree,
    ) -> Result<(Station, f64, Vec<String>), Vec<String>> {
        let windows: Option<Vec<WindowDraft<'_>>> = self.windows.as_ref().map(|specs| {
            specs
                .iter()
                .map(|w| WindowDraft {
                    days: w.days.as_deref(),
                    times: w.times.iter().map(String::as_str).collect(),
                })
                .collect()
        });
        let draft = StationDraft {
            code,
            area: &self.area,
            name: self.name.as_deref(),
            languages: self
                .languages
                .as_ref()
                .map(|l| l.iter().map(String::as_str).collect()),
            timezone: self.timezone.as_deref(),
            windows,
            target_lufs: self.target_lufs,
        };
        match check_station(&draft, tree, &Notation::json()) {
            Ok(c) => Ok((
                c.station,
                c.target_lufs,
                c.window_paths.iter().map(ToString::to_string).collect(),
            )),
            Err(problems) => Err(with_paths(&problems)),
        }
    }
}
