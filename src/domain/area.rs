//! The administrative tree: provinces, districts and communes with official codes.
//!
//! Depth is not fixed: the 3-tier tree in force until 30 June 2025 (province, district,
//! commune) and the 2-tier tree after the reform (province, commune) are both valid.

use std::collections::HashMap;
use std::fmt;

/// An official statistical code (`06` province, `058` district, `01834` commune).
/// Digits only, 1 to 10 of them; leading zeros matter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AreaCode(String);

impl AreaCode {
    /// Validates a code as written in the official lists.
    pub fn parse(s: &str) -> Result<Self, AreaError> {
        let s = s.trim();
        if s.is_empty() || s.len() > 10 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AreaError::BadCode(s.to_owned()));
        }
        Ok(Self(s.to_owned()))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AreaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The level of a unit in the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AreaKind {
    /// Tỉnh / thành phố trực thuộc trung ương.
    Province,
    /// Huyện / quận / thị xã / thành phố thuộc tỉnh (abolished 1 July 2025).
    District,
    /// Xã / phường / thị trấn / đặc khu.
    Commune,
}

impl AreaKind {
    /// Parses `province`, `district` or `commune`.
    pub fn parse(s: &str) -> Result<Self, AreaError> {
        match s.trim() {
            "province" => Ok(Self::Province),
            "district" => Ok(Self::District),
            "commune" => Ok(Self::Commune),
            other => Err(AreaError::BadKind(other.to_owned())),
        }
    }

    /// The keyword used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Province => "province",
            Self::District => "district",
            Self::Commune => "commune",
        }
    }

    /// The Vietnamese name of the level.
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Province => "tỉnh",
            Self::District => "huyện",
            Self::Commune => "xã",
        }
    }
}

/// One unit of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Area {
    /// Official code.
    pub code: AreaCode,
    /// Official name, NFC.
    pub name: String,
    /// Level.
    pub kind: AreaKind,
    /// Parent unit; `None` only for a province.
    pub parent: Option<AreaCode>,
}

/// Index of an area inside an [`AreaTree`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AreaId(u32);

impl AreaId {
    fn index(self) -> usize {
        self.0 as usize
    }
}

/// Why a tree (or one of its units) is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AreaError {
    /// Not a statistical code.
    #[error("mã đơn vị `{0}` không hợp lệ: mã chỉ gồm chữ số, ví dụ `06`, `058`, `01834`")]
    BadCode(String),
    /// Unknown level keyword.
    #[error("cấp `{0}` không hợp lệ: viết `province`, `district` hoặc `commune`")]
    BadKind(String),
    /// The same code twice.
    #[error("mã đơn vị {0} bị trùng")]
    Duplicate(AreaCode),
    /// A parent that is not in the tree.
    #[error("đơn vị {child} có đơn vị cha {parent} không có trong danh sách")]
    UnknownParent {
        /// The unit.
        child: AreaCode,
        /// Its missing parent.
        parent: AreaCode,
    },
    /// A level that cannot sit under the given parent.
    #[error("đơn vị {child} ({child_kind}) không thể thuộc {parent} ({parent_kind})")]
    BadNesting {
        /// The unit.
        child: AreaCode,
        /// Its level.
        child_kind: &'static str,
        /// Its parent.
        parent: AreaCode,
        /// The parent's level.
        parent_kind: &'static str,
    },
    /// A province with a parent, or a district or commune without one.
    #[error("đơn vị {0}: tỉnh không có đơn vị cha, huyện và xã phải có")]
    BadRoot(AreaCode),
}

/// A validated administrative tree. Parents come before their children in
/// [`AreaTree::ids`] order.
#[derive(Debug, Clone, Default)]
pub struct AreaTree {
    areas: Vec<Area>,
    parents: Vec<Option<AreaId>>,
    depths: Vec<u8>,
    by_code: HashMap<AreaCode, AreaId>,
}

impl AreaTree {
    /// Builds a tree, checking codes are unique, parents exist and levels nest
    /// (province ⊃ district ⊃ commune, or province ⊃ commune). Order of `areas` is free.
    pub fn build(areas: Vec<Area>) -> Result<Self, AreaError> {
        let mut by_code = HashMap::with_capacity(areas.len());
        for (i, area) in areas.iter().enumerate() {
            if by_code.insert(area.code.clone(), i).is_some() {
                return Err(AreaError::Duplicate(area.code.clone()));
            }
        }
        for area in &areas {
            match (&area.parent, area.kind) {
                (None, AreaKind::Province) => {}
                (None, _) | (Some(_), AreaKind::Province) => {
                    return Err(AreaError::BadRoot(area.code.clone()));
                }
                (Some(parent), kind) => {
                    let Some(&p) = by_code.get(parent) else {
                        return Err(AreaError::UnknownParent {
                            child: area.code.clone(),
                            parent: parent.clone(),
                        });
                    };
                    let parent_kind = areas[p].kind;
                    let fits = matches!(
                        (parent_kind, kind),
                        (AreaKind::Province, AreaKind::District)
                            | (AreaKind::Province, AreaKind::Commune)
                            | (AreaKind::District, AreaKind::Commune)
                    );
                    if !fits {
                        return Err(AreaError::BadNesting {
                            child: area.code.clone(),
                            child_kind: kind.as_str(),
                            parent: parent.clone(),
                            parent_kind: parent_kind.as_str(),
                        });
                    }
                }
            }
        }
        // Order parents first (depth is at most 3, so sort by depth).
        let depth_of = |a: &Area| -> u8 {
            match a.kind {
                AreaKind::Province => 0,
                AreaKind::District => 1,
                AreaKind::Commune => 2,
            }
        };
        let mut areas = areas;
        areas.sort_by_key(depth_of);
        let by_code: HashMap<AreaCode, AreaId> = areas
            .iter()
            .enumerate()
            .map(|(i, a)| (a.code.clone(), AreaId(i as u32)))
            .collect();
        let parents: Vec<Option<AreaId>> = areas
            .iter()
            .map(|a| a.parent.as_ref().map(|p| by_code[p]))
            .collect();
        let mut depths = vec![0u8; areas.len()];
        for i in 0..areas.len() {
            if let Some(p) = parents[i] {
                depths[i] = depths[p.index()] + 1;
            }
        }
        Ok(Self {
            areas,
            parents,
            depths,
            by_code,
        })
    }

    /// Looks an area up by code.
    pub fn get(&self, code: &AreaCode) -> Option<AreaId> {
        self.by_code.get(code).copied()
    }

    /// The unit behind an id.
    pub fn area(&self, id: AreaId) -> &Area {
        &self.areas[id.index()]
    }

    /// The parent of a unit.
    pub fn parent(&self, id: AreaId) -> Option<AreaId> {
        self.parents[id.index()]
    }

    /// Depth below the root (a province is 0).
    pub fn depth(&self, id: AreaId) -> u8 {
        self.depths[id.index()]
    }

    /// The unit itself, then its parent, up to the province.
    pub fn ancestors(&self, id: AreaId) -> impl Iterator<Item = AreaId> + '_ {
        std::iter::successors(Some(id), |&a| self.parent(a))
    }

    /// Whether `id` lies in the subtree rooted at `root` (a unit is in its own subtree).
    pub fn is_within(&self, id: AreaId, root: AreaId) -> bool {
        self.ancestors(id).any(|a| a == root)
    }

    /// All ids, parents before children.
    pub fn ids(&self) -> impl Iterator<Item = AreaId> {
        (0..self.areas.len() as u32).map(AreaId)
    }

    /// Number of units.
    pub fn len(&self) -> usize {
        self.areas.len()
    }

    /// Whether the tree has no units.
    pub fn is_empty(&self) -> bool {
        self.areas.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(code: &str, kind: AreaKind, parent: Option<&str>) -> Area {
        Area {
            code: AreaCode::parse(code).expect("test code"),
            name: code.to_owned(),
            kind,
            parent: parent.map(|p| AreaCode::parse(p).expect("test code")),
        }
    }

    #[test]
    fn three_and_two_tier_trees_are_both_valid() {
        let three = AreaTree::build(vec![
            area("01834", AreaKind::Commune, Some("058")),
            area("058", AreaKind::District, Some("06")),
            area("06", AreaKind::Province, None),
        ])
        .expect("3-tier");
        let commune = three
            .get(&AreaCode::parse("01834").expect("code"))
            .expect("id");
        assert_eq!(three.depth(commune), 2);
        let province = three
            .get(&AreaCode::parse("06").expect("code"))
            .expect("id");
        assert!(three.is_within(commune, province));
        assert!(!three.is_within(province, commune));

        let two = AreaTree::build(vec![
            area("19", AreaKind::Province, None),
            area("05443", AreaKind::Commune, Some("19")),
        ])
        .expect("2-tier");
        assert_eq!(two.len(), 2);
    }

    #[test]
    fn rejects_bad_trees_with_the_reason() {
        let cases = [
            (
                vec![
                    area("06", AreaKind::Province, None),
                    area("06", AreaKind::Province, None),
                ],
                "trùng",
            ),
            (
                vec![area("058", AreaKind::District, Some("06"))],
                "không có trong danh sách",
            ),
            (
                vec![
                    area("06", AreaKind::Province, None),
                    area("01834", AreaKind::Commune, Some("06")),
                    area("058", AreaKind::District, Some("01834")),
                ],
                "không thể thuộc",
            ),
            (vec![area("058", AreaKind::District, None)], "phải có"),
        ];
        for (areas, expected) in cases {
            let err = AreaTree::build(areas)
                .expect_err("invalid tree")
                .to_string();
            assert!(err.contains(expected), "{err}");
        }
        assert!(AreaCode::parse("0A1").is_err());
        assert!(AreaKind::parse("ward").is_err());
    }
}
