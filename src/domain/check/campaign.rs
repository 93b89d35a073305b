//! The campaign checker: a campaign and its rotations as written, checked field by
//! field against the area tree and the segments that may be scheduled.

use chrono::NaiveDate;

use super::{FieldPath, FieldProblem, Notation, Syntax};
use crate::domain::{
    AreaCode, AreaTree, Campaign, CampaignId, CronSchedule, Order, PoolEntry, Priority, RelayUrl,
    Rotation, RotationId, SegmentIdx, area_hint, nfc,
};

/// A campaign as written. `None` for a value the adapter could not read (it has
/// reported why) or that was left out where a default applies.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CampaignDraft<'a> {
    /// Identifier.
    pub id: &'a str,
    /// Display name.
    pub name: &'a str,
    /// First local date.
    pub from: Option<NaiveDate>,
    /// Last local date, inclusive.
    pub until: Option<NaiveDate>,
    /// Codes of the target subtrees' roots.
    pub areas: Vec<&'a str>,
    /// Priority keyword; `normal` when absent.
    pub priority: Option<&'a str>,
    /// Segment ids.
    pub pool: Vec<&'a str>,
    /// Weights by segment id, as written.
    pub weights: Vec<(&'a str, u32)>,
    /// Airings per station per day to aim for.
    pub min_airings_per_day: u32,
    /// Rotations.
    pub rotations: Vec<RotationDraft<'a>>,
}

/// A rotation as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RotationDraft<'a> {
    /// Identifier within the campaign.
    pub id: &'a str,
    /// crontab(5) rules.
    pub slots: Vec<&'a str>,
    /// Slot length in seconds.
    pub slot_seconds: Option<u32>,
    /// Order keyword; `sequential` when absent.
    pub order: Option<&'a str>,
    /// Seed, when one was written.
    pub seed: Option<u64>,
    /// No message repeats within this many airings.
    pub spacing: u32,
    /// Live stream URL, if any.
    pub relay: Option<&'a str>,
}

/// Who wrote the draft, which decides one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A person (a schedule file, the API): every rule.
    Person,
    /// loa itself (a spec it stored, which leaves out weights of 1): `weighted`
    /// without weights is not refused.
    Stored,
}

/// Why a pool entry names no segment that may be scheduled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    /// The schedule set's library has no such segment (`near`: a likely typo of it).
    NotInLibrary {
        /// The closest id in the library, if close enough.
        near: Option<String>,
    },
    /// Not among the approved segments the writer may schedule.
    NotUsable,
    /// The library lists it but refused it; that problem is already reported.
    AlreadyReported,
}

const SLUG_RULE: &str = "chỉ dùng chữ thường không dấu, số, `-`, `_`, `.`";

/// Checks `draft` field by field and builds the campaign, or lists every problem
/// (the list may be empty when a value the adapter could not read is missing: the
/// adapter reported it). `segment` looks a pool entry up among the segments that
/// may be scheduled.
pub fn check_campaign(
    draft: &CampaignDraft<'_>,
    tree: &AreaTree,
    segment: impl Fn(&str) -> Result<SegmentIdx, Missing>,
    origin: Origin,
    notation: &Notation<'_>,
) -> Result<Campaign, Vec<FieldProblem>> {
    let root = FieldPath::root();
    let mut problems = Vec::new();
    let mut at = |path: FieldPath, message: String| problems.push(FieldProblem::new(path, message));
    let id = CampaignId::parse(draft.id);
    if id.is_none() {
        at(
            root.key("id"),
            format!("mã chiến dịch `{}` không hợp lệ: {SLUG_RULE}", draft.id),
        );
    }
    let name = nfc(draft.name.trim());
    if name.is_empty() {
        at(root.key("name"), "không được để trống".to_owned());
    }
    if let (Some(a), Some(b)) = (draft.from, draft.until)
        && a > b
    {
        at(
            root.key("until"),
            format!("`until` ({b}) trước `from` ({a}); đổi chỗ hai ngày: from = {b}, until = {a}"),
        );
    }
    if draft.areas.is_empty() {
        at(
            root.key("areas"),
            "cần ít nhất một đơn vị trong `areas`, ví dụ mã tỉnh [\"06\"]".to_owned(),
        );
    }
    let mut areas = Vec::new();
    for (i, code) in draft.areas.iter().enumerate() {
        match AreaCode::parse(code).ok().and_then(|c| tree.get(&c)) {
            Some(a) => areas.push(a),
            None => at(
                root.key("areas").index(i),
                format!(
                    "đơn vị `{code}` không có trong danh sách đơn vị hành chính{}",
                    area_hint(tree, code)
                ),
            ),
        }
    }
    let priority = match draft.priority.map(|p| (p, Priority::parse(p))) {
        None => Some(Priority::Normal),
        Some((_, Some(Priority::Emergency))) => {
            at(
                root.key("priority"),
                format!(
                    "chiến dịch {}: mức `emergency` không lên lịch trước được; bản tin khẩn cấp được gửi trực tiếp. Dùng `priority` hoặc `normal`",
                    draft.id
                ),
            );
            None
        }
        Some((p, None)) => {
            at(
                root.key("priority"),
                format!(
                    "mức ưu tiên `{p}` không hợp lệ: viết `normal` (thông thường) hoặc `priority` (ưu tiên)"
                ),
            );
            None
        }
        Some((_, parsed)) => parsed,
    };
    if draft.pool.is_empty() {
        at(
            root.key("pool"),
            "danh sách `pool` trống: liệt kê mã các bản tin cần phát".to_owned(),
        );
    }
    let weight_of = |sid: &str| draft.weights.iter().find(|(k, _)| *k == sid).map(|w| w.1);
    let mut pool = Vec::new();
    for (i, sid) in draft.pool.iter().enumerate() {
        match segment(sid) {
            Ok(s) => pool.push(PoolEntry {
                segment: s,
                weight: weight_of(sid).unwrap_or(1),
            }),
            Err(Missing::AlreadyReported) => {}
            Err(Missing::NotInLibrary { near }) => at(
                root.key("pool").index(i),
                format!(
                    "bản tin `{sid}` không có trong thư viện (`[[segment]]`){}",
                    near.map_or(String::new(), |n| format!("; có phải `{n}`?"))
                ),
            ),
            Err(Missing::NotUsable) => at(
                root.key("pool").index(i),
                format!("bản tin `{sid}` không có trong thư viện hoặc chưa được duyệt"),
            ),
        }
    }
    for &(k, w) in &draft.weights {
        if !draft.pool.contains(&k) {
            at(
                root.key("weights").entry(k),
                format!("`weights` có `{k}` nhưng `pool` không có bản tin này"),
            );
        }
        if w == 0 {
            at(
                root.key("weights").entry(k),
                format!("trọng số của `{k}` phải từ 1 trở lên"),
            );
        }
    }
    if draft.rotations.is_empty() {
        at(
            root.key("rotations"),
            match notation.syntax {
                Syntax::ScheduleFile => "chiến dịch chưa có lịch phát: thêm `[[campaign.rotation]]` với `slots` và `length`",
                Syntax::Json => "chiến dịch chưa có lịch phát: thêm một lịch với `slots` và `slot_seconds`",
            }
            .to_owned(),
        );
    }
    let needs_weights = origin == Origin::Person && draft.weights.is_empty();
    let mut rotations: Vec<Rotation> = Vec::new();
    for (i, r) in draft.rotations.iter().enumerate() {
        let path = root.key("rotations").index(i);
        if let Some(rotation) = check_rotation(r, &path, needs_weights, notation, &mut problems) {
            if rotations.iter().any(|x| x.id == rotation.id) {
                problems.push(FieldProblem::new(
                    path.key("id"),
                    format!("lịch `{}` bị trùng trong chiến dịch", rotation.id),
                ));
            }
            rotations.push(rotation);
        }
    }
    match (id, draft.from, draft.until, priority) {
        (Some(id), Some(from), Some(until), Some(priority)) if problems.is_empty() => {
            Ok(Campaign {
                id,
                name,
                from,
                until,
                areas,
                priority,
                pool,
                min_airings_per_day: draft.min_airings_per_day,
                rotations,
            })
        }
        _ => Err(problems),
    }
}

/// Checks one rotation at `path`, pushing its problems; the rotation when it has none.
fn check_rotation(
    r: &RotationDraft<'_>,
    path: &FieldPath,
    needs_weights: bool,
    notation: &Notation<'_>,
    problems: &mut Vec<FieldProblem>,
) -> Option<Rotation> {
    let before = problems.len();
    let mut at = |path: FieldPath, message: String, offset: Option<usize>| {
        problems.push(FieldProblem {
            path,
            message,
            offset,
        });
    };
    let id = RotationId::parse(r.id);
    if id.is_none() {
        at(
            path.key("id"),
            format!("mã lịch `{}` không hợp lệ: {SLUG_RULE}", r.id),
            None,
        );
    }
    if r.slots.is_empty() {
        at(
            path.key("slots"),
            "cần ít nhất một quy tắc trong `slots`, ví dụ [\"30 5 * * *\"]".to_owned(),
            None,
        );
    }
    let mut slots = Vec::new();
    for (j, s) in r.slots.iter().enumerate() {
        match CronSchedule::parse(s) {
            Ok(rule) => slots.push(rule),
            Err(e) => at(
                path.key("slots").index(j),
                format!("quy tắc `{s}`: {e}"),
                Some(e.offset),
            ),
        }
    }
    if let Some(n) = r.slot_seconds
        && (n == 0 || n > 24 * 3600)
    {
        at(
            path.key("slot_seconds"),
            format!("độ dài khung {n} giây không hợp lệ: từ 1 đến 86400 (24h)"),
            None,
        );
    }
    let order = match r.order.unwrap_or("sequential") {
        "sequential" => Some(Order::Sequential),
        "shuffle" => Some(Order::Shuffle {
            seed: r.seed.unwrap_or(0),
        }),
        "weighted" => {
            if needs_weights {
                at(
                    path.key("order"),
                    match notation.syntax {
                        Syntax::ScheduleFile => "`order = \"weighted\"` cần `weights = { ma-ban-tin = 3, ... }` trong chiến dịch",
                        Syntax::Json => "`order` = `weighted` cần `weights`, ví dụ {\"ma-ban-tin\": 3}",
                    }
                    .to_owned(),
                    None,
                );
            }
            Some(Order::Weighted)
        }
        other => {
            at(
                path.key("order"),
                format!(
                    "thứ tự `{other}` không hợp lệ: viết `sequential` (lần lượt), `shuffle` (xáo trộn có hạt giống) hoặc `weighted` (theo trọng số)"
                ),
                None,
            );
            None
        }
    };
    if r.seed.is_some() && order.is_some_and(|o| !matches!(o, Order::Shuffle { .. })) {
        at(
            path.key("seed"),
            "`seed` chỉ dùng với `order` = `shuffle`".to_owned(),
            None,
        );
    }
    let relay = match r.relay {
        None => Some(None),
        Some(url) => {
            let parsed = RelayUrl::parse(url);
            if parsed.is_none() {
                at(
                    path.key("relay"),
                    format!(
                        "`{url}` không hợp lệ: viết địa chỉ luồng MP3/OGG bắt đầu bằng http:// hoặc https://, ví dụ `http://radio.example.vn/vov1.mp3`"
                    ),
                    None,
                );
            }
            parsed.map(Some)
        }
    };
    if problems.len() > before {
        return None;
    }
    Some(Rotation {
        id: id?,
        slots,
        slot_seconds: r.slot_seconds?,
        order: order?,
        spacing: r.spacing,
        relay: relay?,
    })
}
