//! A campaign as JSON: how the store keeps campaigns and how the API takes them.
//!
//! Everything is named by its human id (area codes, segment ids) so the JSON reads on
//! its own; [`CampaignSpec::to_domain`] resolves and validates it.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::{
    AreaCode, AreaTree, Campaign, CampaignId, CronSchedule, Inputs, Order, PoolEntry, Priority,
    RelayUrl, Rotation, RotationId, SegmentIdx,
};

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

    /// Resolves names and checks every field; errors name the field (`rotations[0].slots[1]`).
    /// `segment` looks a segment id up among the segments that may be scheduled.
    pub fn to_domain(
        &self,
        tree: &AreaTree,
        segment: impl Fn(&str) -> Option<SegmentIdx>,
    ) -> Result<Campaign, Vec<String>> {
        let mut errors = Vec::new();
        let id = CampaignId::parse(&self.id);
        if id.is_none() {
            errors.push(format!(
                "id: mã chiến dịch `{}` không hợp lệ: chỉ dùng chữ thường không dấu, số, `-`, `_`, `.`",
                self.id
            ));
        }
        let name = crate::schedule_file::nfc(self.name.trim());
        if name.is_empty() {
            errors.push("name: không được để trống".to_owned());
        }
        if self.from > self.until {
            errors.push(format!(
                "until: `until` ({}) trước `from` ({}); đổi chỗ hai ngày: from = {}, until = {}",
                self.until, self.from, self.until, self.from
            ));
        }
        let mut areas = Vec::new();
        for (i, code) in self.areas.iter().enumerate() {
            match AreaCode::parse(code).ok().and_then(|c| tree.get(&c)) {
                Some(a) => areas.push(a),
                None => errors.push(format!(
                    "areas[{i}]: đơn vị `{code}` không có trong danh sách đơn vị hành chính{}",
                    area_hint(tree, code)
                )),
            }
        }
        if self.areas.is_empty() {
            errors.push(
                "areas: cần ít nhất một đơn vị trong `areas`, ví dụ mã tỉnh [\"06\"]".to_owned(),
            );
        }
        let priority = match Priority::parse(&self.priority) {
            Some(Priority::Emergency) => {
                errors.push(format!(
                    "priority: chiến dịch {}: mức `emergency` không lên lịch trước được; bản tin khẩn cấp được gửi trực tiếp. Dùng `priority` hoặc `normal`",
                    self.id
                ));
                Priority::Normal
            }
            None => {
                errors.push(format!(
                    "priority: mức ưu tiên `{}` không hợp lệ: viết `normal` (thông thường) hoặc `priority` (ưu tiên)",
                    self.priority
                ));
                Priority::Normal
            }
            Some(p) => p,
        };
        let mut pool = Vec::new();
        for (i, sid) in self.pool.iter().enumerate() {
            match segment(sid) {
                Some(s) => pool.push(PoolEntry {
                    segment: s,
                    weight: self.weights.get(sid).copied().unwrap_or(1),
                }),
                None => errors.push(format!(
                    "pool[{i}]: bản tin `{sid}` không có trong thư viện hoặc chưa được duyệt"
                )),
            }
        }
        if self.pool.is_empty() {
            errors.push("pool: danh sách `pool` trống: liệt kê mã các bản tin cần phát".to_owned());
        }
        for (k, &w) in &self.weights {
            if !self.pool.contains(k) {
                errors.push(format!(
                    "weights.{k}: `weights` có `{k}` nhưng `pool` không có bản tin này"
                ));
            }
            if w == 0 {
                errors.push(format!("weights.{k}: trọng số của `{k}` phải từ 1 trở lên"));
            }
        }
        if self.rotations.is_empty() {
            errors.push(
                "rotations: chiến dịch chưa có lịch phát: thêm một lịch với `slots` và `slot_seconds`"
                    .to_owned(),
            );
        }
        let mut rotations: Vec<Rotation> = Vec::new();
        for (i, r) in self.rotations.iter().enumerate() {
            match r.to_domain() {
                Ok(rot) => {
                    if rotations.iter().any(|x| x.id == rot.id) {
                        errors.push(format!(
                            "rotations[{i}].id: lịch `{}` bị trùng trong chiến dịch",
                            rot.id
                        ));
                    }
                    rotations.push(rot);
                }
                Err(es) => errors.extend(es.into_iter().map(|e| format!("rotations[{i}].{e}"))),
            }
        }
        match id {
            Some(id) if errors.is_empty() => Ok(Campaign {
                id,
                name,
                from: self.from,
                until: self.until,
                areas,
                priority,
                pool,
                min_airings_per_day: self.min_airings_per_day,
                rotations,
            }),
            _ => Err(errors),
        }
    }
}

impl RotationSpec {
    fn to_domain(&self) -> Result<Rotation, Vec<String>> {
        let mut errors = Vec::new();
        let id = RotationId::parse(&self.id);
        if id.is_none() {
            errors.push(format!(
                "id: mã lịch `{}` không hợp lệ: chỉ dùng chữ thường không dấu, số, `-`, `_`, `.`",
                self.id
            ));
        }
        let mut slots = Vec::new();
        for (i, s) in self.slots.iter().enumerate() {
            match CronSchedule::parse(s) {
                Ok(rule) => slots.push(rule),
                Err(e) => errors.push(format!("slots[{i}]: quy tắc `{s}`: {e}")),
            }
        }
        if self.slots.is_empty() {
            errors.push(
                "slots: cần ít nhất một quy tắc trong `slots`, ví dụ \"30 5 * * *\"".to_owned(),
            );
        }
        if self.slot_seconds == 0 || self.slot_seconds > 24 * 3600 {
            errors.push(format!(
                "slot_seconds: độ dài khung {} giây không hợp lệ: từ 1 đến 86400 (24h)",
                self.slot_seconds
            ));
        }
        let order = match self.order.as_str() {
            "sequential" => Order::Sequential,
            "shuffle" => Order::Shuffle { seed: self.seed },
            "weighted" => Order::Weighted,
            other => {
                errors.push(format!(
                    "order: thứ tự `{other}` không hợp lệ: viết `sequential` (lần lượt), `shuffle` (xáo trộn có hạt giống) hoặc `weighted` (theo trọng số)"
                ));
                Order::Sequential
            }
        };
        // Stored specs write seed 0 for the other orders, so only a person writes this.
        if self.seed != 0 && !matches!(order, Order::Shuffle { .. }) {
            errors.push("seed: `seed` chỉ dùng với `order` = `shuffle`".to_owned());
        }
        let relay = match &self.relay {
            None => None,
            Some(url) => {
                let parsed = RelayUrl::parse(url);
                if parsed.is_none() {
                    errors.push(format!(
                        "relay: `{url}` không hợp lệ: viết địa chỉ luồng MP3/OGG bắt đầu bằng http:// hoặc https://"
                    ));
                }
                parsed
            }
        };
        match id {
            Some(id) if errors.is_empty() => Ok(Rotation {
                id,
                slots,
                slot_seconds: self.slot_seconds,
                order,
                spacing: self.spacing,
                relay,
            }),
            _ => Err(errors),
        }
    }
}

/// `; có phải `06` (Tỉnh Bắc Kạn)?` when `code` looks like a typo of a known area.
pub(crate) fn area_hint(tree: &AreaTree, code: &str) -> String {
    let codes: Vec<String> = tree
        .ids()
        .map(|id| tree.area(id).code.to_string())
        .collect();
    crate::schedule_file::suggest(code, codes.iter().map(String::as_str))
        .and_then(|s| AreaCode::parse(s).ok())
        .and_then(|c| tree.get(&c))
        .map_or(String::new(), |id| {
            let a = tree.area(id);
            format!("; có phải `{}` ({})?", a.code, a.name)
        })
}
