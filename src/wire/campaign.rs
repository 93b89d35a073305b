//! A campaign as JSON: how the store keeps campaigns and how the API takes them.
//!
//! Everything is named by its human id (area codes, segment ids) so the JSON reads on
//! its own; [`CampaignSpec::check`] resolves and validates it with the campaign
//! checker of [`crate::domain::check`], the one schedule files use too.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::check::{
    CampaignDraft, Missing, Notation, Origin, RotationDraft, check_campaign, with_paths,
};
use crate::domain::{AreaTree, Campaign, Inputs, Order, SegmentIdx};

/// A campaign with its rotations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CampaignSpec {
    /// Identifier (lowercase ASCII, digits, `-`, `_`, `.`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// First local date, `dd/mm/yyyy` or `yyyy-mm-dd` (written back as `yyyy-mm-dd`).
    #[serde(deserialize_with = "super::day::deserialize")]
    pub from: NaiveDate,
    /// Last local date, inclusive, `dd/mm/yyyy` or `yyyy-mm-dd`.
    #[serde(deserialize_with = "super::day::deserialize")]
    pub until: NaiveDate,
    /// Codes of the target subtrees' roots.
    pub areas: Vec<String>,
    /// `normal` or `priority`.
    #[serde(default = "normal")]
    pub priority: String,
    /// Segment ids.
    pub pool: Vec<String>,
    /// Weights for `weighted` order, by segment id (default 1).
    #[serde(default)]
    pub weights: BTreeMap<String, u32>,
    /// Airings per station per broadcasting day to aim for.
    #[serde(default)]
    pub min_airings_per_day: u32,
    /// How the pool fills time.
    pub rotations: Vec<RotationSpec>,
}

fn normal() -> String {
    "normal".to_owned()
}

/// A rotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RotationSpec {
    /// Identifier within the campaign.
    pub id: String,
    /// crontab(5) rules in station-local time.
    pub slots: Vec<String>,
    /// Slot length in seconds.
    pub slot_seconds: u32,
    /// `sequential`, `shuffle` or `weighted`.
    #[serde(default = "sequential")]
    pub order: String,
    /// Seed for `shuffle`.
    #[serde(default)]
    pub seed: u64,
    /// No message repeats within this many airings.
    #[serde(default)]
    pub spacing: u32,
    /// A live stream (`http://` or `https://`, MP3 or OGG) each slot relays for its
    /// whole length; the pool is then the fallback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relay: Option<String>,
}

fn sequential() -> String {
    "sequential".to_owned()
}

impl CampaignSpec {
    /// The spec of a domain campaign.
    pub fn from_domain(inputs: &Inputs, c: &Campaign) -> Self {
        let tree = inputs.tree();
        let mut weights = BTreeMap::new();
        for e in &c.pool {
            if e.weight != 1 {
                weights.insert(inputs.segment(e.segment).id.to_string(), e.weight);
            }
        }
        Self {
            id: c.id.to_string(),
            name: c.name.clone(),
            from: c.from,
            until: c.until,
            areas: c
                .areas
                .iter()
                .map(|&a| tree.area(a).code.to_string())
                .collect(),
            priority: c.priority.as_str().to_owned(),
            pool: c
                .pool
                .iter()
                .map(|e| inputs.segment(e.segment).id.to_string())
                .collect(),
            weights,
            min_airings_per_day: c.min_airings_per_day,
            rotations: c
                .rotations
                .iter()
                .map(|r| RotationSpec {
                    id: r.id.to_string(),
                    slots: r.slots.iter().map(|s| s.source().to_owned()).collect(),
                    slot_seconds: r.slot_seconds,
                    order: match r.order {
                        Order::Sequential => "sequential",
                        Order::Shuffle { .. } => "shuffle",
                        Order::Weighted => "weighted",
                    }
                    .to_owned(),
                    seed: match r.order {
                        Order::Shuffle { seed } => seed,
                        _ => 0,
                    },
                    spacing: r.spacing,
                    relay: r.relay.as_ref().map(|u| u.to_string()),
                })
                .collect(),
        }
    }

    /// Resolves names and checks every field of a campaign a person wrote; errors name
    /// the field (`rotations[0].slots[1]: …`). `segment` looks a segment id up among
    /// the segments the writer may schedule.
    pub fn check(
        &self,
        tree: &AreaTree,
        segment: impl Fn(&str) -> Option<SegmentIdx>,
    ) -> Result<Campaign, Vec<String>> {
        self.checked(tree, segment, Origin::Person)
    }

    /// Reads back a spec loa stored (which leaves out weights of 1); errors as for
    /// [`Self::check`].
    pub fn to_domain(
        &self,
        tree: &AreaTree,
        segment: impl Fn(&str) -> Option<SegmentIdx>,
    ) -> Result<Campaign, Vec<String>> {
        self.checked(tree, segment, Origin::Stored)
    }

    fn checked(
        &self,
        tree: &AreaTree,
        segment: impl Fn(&str) -> Option<SegmentIdx>,
        origin: Origin,
    ) -> Result<Campaign, Vec<String>> {
        let draft = CampaignDraft {
            id: &self.id,
            name: &self.name,
            from: Some(self.from),
            until: Some(self.until),
            areas: self.areas.iter().map(String::as_str).collect(),
            priority: Some(&self.priority),
            pool: self.pool.iter().map(String::as_str).collect(),
            weights: self.weights.iter().map(|(k, w)| (k.as_str(), *w)).collect(),
            min_airings_per_day: self.min_airings_per_day,
            rotations: self
                .rotations
                .iter()
                .map(|r| RotationDraft {
                    id: &r.id,
                    slots: r.slots.iter().map(String::as_str).collect(),
                    slot_seconds: Some(r.slot_seconds),
                    order: Some(&r.order),
                    // Stored specs write seed 0 for the other orders.
                    seed: (r.seed != 0).then_some(r.seed),
                    spacing: r.spacing,
                    relay: r.relay.as_deref(),
                })
                .collect(),
        };
        let lookup = |id: &str| segment(id).ok_or(Missing::NotUsable);
        check_campaign(&draft, tree, lookup, origin, &Notation::json())
            .map_err(|problems| with_paths(&problems))
    }
}
