//! Checking campaigns over their whole date range, not just the compile horizon.
//!
//! Compiles every targeted station from the campaign's first day to its last and keeps
//! the diagnostics. Stations that compile alike — same time zone, broadcast windows,
//! languages and set of campaigns reaching them — are compiled once: the first station
//! of each group stands for the others. (Seeded orders walk a per-station sequence, so
//! a spacing shortfall of a shuffle may, rarely, differ between members of a group;
//! what the check reports are the windows, targets, validity and clashes, which do not.)

use std::collections::HashMap;

use super::{CampaignId, Diagnostic, Inputs, Priority, StationIdx, Window, compile};

/// Stations that compile alike and what compiling the campaign's range found for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StationGroup {
    /// The stations, in input order; the first was compiled.
    pub stations: Vec<StationIdx>,
    /// Diagnostics of the first station over the campaign's whole range.
    pub diagnostics: Vec<Diagnostic>,
}

/// What checking one campaign over its whole range found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeCheck {
    /// Stations the campaign targets.
    pub stations: usize,
    /// Days checked (the campaign's range).
    pub days: u32,
    /// Groups of alike stations with at least one diagnostic, in order of first station.
    pub groups: Vec<StationGroup>,
}

impl RangeCheck {
    /// Diagnostics counted once per station they concern.
    pub fn total(&self) -> usize {
        self.groups
            .iter()
            .map(|g| g.stations.len() * g.diagnostics.len())
            .sum()
    }
}

/// What makes two stations compile alike.
#[derive(PartialEq, Eq, Hash)]
struct Shape {
    timezone: &'static str,
    windows: Vec<Window>,
    languages: Vec<super::Language>,
    campaigns: Vec<u32>,
}

/// Groups `stations` that compile alike over `[from, until]`: same time zone,
/// windows, languages and campaigns reaching them in that range. Groups keep the
/// order of their first station.
pub fn alike_stations(
    inputs: &Inputs,
    stations: impl IntoIterator<Item = StationIdx>,
    from: chrono::NaiveDate,
    until: chrono::NaiveDate,
) -> Vec<Vec<StationIdx>> {
    let tree = inputs.tree();
    let overlapping: Vec<(u32, &super::Campaign)> = inputs
        .campaigns()
        .iter()
        .enumerate()
        .filter(|(_, o)| o.priority != Priority::Emergency && o.from <= until && from <= o.until)
        .map(|(i, o)| (i as u32, o))
        .collect();
    let mut by_area: HashMap<super::AreaId, Vec<u32>> = HashMap::new();
    let mut index_of: HashMap<Shape, usize> = HashMap::new();
    let mut groups: Vec<Vec<StationIdx>> = Vec::new();
    for idx in stations {
        let st = inputs.station(idx);
        let reaching = by_area.entry(st.area).or_insert_with(|| {
            overlapping
                .iter()
                .filter(|(_, o)| o.areas.iter().any(|&root| tree.is_within(st.area, root)))
                .map(|&(i, _)| i)
                .collect()
        });
        let shape = Shape {
            timezone: st.timezone.name(),
            windows: inputs.station_windows(idx).list().to_vec(),
            languages: st.languages.clone(),
            campaigns: reaching.clone(),
        };
        match index_of.get(&shape) {
            Some(&g) => groups[g].push(idx),
            None => {
                index_of.insert(shape, groups.len());
                groups.push(vec![idx]);
            }
        }
    }
    groups
}

/// Checks the campaign `id` over its whole date range at every station it targets.
/// `None` when no such campaign is among the inputs.
pub fn check_campaign_range(inputs: &Inputs, id: &CampaignId) -> Option<RangeCheck> {
    let index = inputs.campaigns().iter().position(|c| &c.id == id)?;
    let c = &inputs.campaigns()[index];
    let days = u32::try_from((c.until - c.from).num_days() + 1).unwrap_or(0);
    let tree = inputs.tree();
    if c.priority == Priority::Emergency {
        return Some(RangeCheck {
            stations: 0,
            days,
            groups: Vec::new(),
        });
    }
    let mut reaches: HashMap<super::AreaId, bool> = HashMap::new();
    let targeted: Vec<StationIdx> = inputs
        .station_ids()
        .filter(|&idx| {
            let area = inputs.station(idx).area;
            *reaches
                .entry(area)
                .or_insert_with(|| c.areas.iter().any(|&root| tree.is_within(area, root)))
        })
        .collect();
    let stations = targeted.len();
    let mut groups: Vec<StationGroup> = alike_stations(inputs, targeted, c.from, c.until)
        .into_iter()
        .map(|stations| StationGroup {
            stations,
            diagnostics: Vec::new(),
        })
        .collect();
    for g in &mut groups {
        let compiled = compile(inputs, g.stations[0], c.from, days);
        g.diagnostics = compiled
            .diagnostics
            .into_iter()
            .filter(|d| concerns(d, &c.name))
            .collect();
    }
    groups.retain(|g| !g.diagnostics.is_empty());
    Some(RangeCheck {
        stations,
        days,
        groups,
    })
}

/// Whether a diagnostic is about the campaign named `name` (a clash counts for both
/// sides: the campaign that lost its slot and the one that took it).
fn concerns(d: &Diagnostic, name: &str) -> bool {
    match d {
        Diagnostic::TargetNotMet {
            campaign, reasons, ..
        } => {
            campaign == name
                || reasons.iter().any(|r| {
                    matches!(r, super::ShortfallReason::SlotTakenBy { campaign } if campaign == name)
                })
        }
        Diagnostic::RuleNeverInWindow { campaign, .. }
        | Diagnostic::SegmentExpires { campaign, .. }
        | Diagnostic::NoLanguageVariant { campaign, .. }
        | Diagnostic::SlotTooShort { campaign, .. } => campaign == name,
        // A station that airs nothing airs no campaign either.
        Diagnostic::NoWindows { .. } => true,
    }
}
