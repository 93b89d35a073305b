//! What a console account may reach: the subtree of the administrative tree rooted at
//! its area. Loaded once per request from the `areas` table (a province is a few hundred
//! rows; the whole country about ten thousand), so a handler can test many codes cheaply.
//!
//! The rule everywhere: an object outside the subtree looks absent (404) when named by
//! id on a read or write, and a write that names an area outside it is refused (403).

use std::collections::{HashMap, HashSet};

use sqlx::Row;

use crate::server::auth::StaffAuth;
use crate::server::error::{ApiError, ApiResult};
use crate::store::Store;

/// One area row.
#[derive(Debug, Clone)]
pub(crate) struct AreaRow {
    /// Official code.
    pub code: String,
    /// Name.
    pub name: String,
    /// `province`, `district` or `commune`.
    pub kind: String,
    /// Parent code.
    pub parent: Option<String>,
}

/// The caller's subtree.
#[derive(Debug, Clone)]
pub(crate) struct Scope {
    root: String,
    whole_tree: bool,
    username: String,
    areas: Vec<AreaRow>,
    by_code: HashMap<String, usize>,
    inside: HashSet<String>,
}

impl Scope {
    /// Loads the tree and marks the subtree of `auth`'s area.
    pub async fn load(store: &Store, auth: &StaffAuth) -> ApiResult<Self> {
        let rows = sqlx::query("SELECT code, name, kind, parent_code FROM areas ORDER BY code")
            .fetch_all(store.pool())
            .await?;
        let areas: Vec<AreaRow> = rows
            .iter()
            .map(|r| {
                Ok(AreaRow {
                    code: r.try_get(0)?,
                    name: r.try_get(1)?,
                    kind: r.try_get(2)?,
                    parent: r.try_get(3)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?;
        let by_code = areas
            .iter()
            .enumerate()
            .map(|(i, a)| (a.code.clone(), i))
            .collect();
        let mut inside = if auth.whole_tree {
            areas.iter().map(|a| a.code.clone()).collect()
        } else {
            HashSet::from([auth.area_code.clone()])
        };
        // Parents may come after children in code order; repeat until nothing is added
        // (at most the depth of the tree).
        loop {
            let before = inside.len();
            for a in &areas {
                if a.parent.as_ref().is_some_and(|p| inside.contains(p)) {
                    inside.insert(a.code.clone());
                }
            }
            if inside.len() == before {
                break;
            }
        }
        Ok(Self {
            root: auth.area_code.clone(),
            whole_tree: auth.whole_tree,
            username: auth.username.clone(),
            areas,
            by_code,
            inside,
        })
    }

    /// Whether `code` lies in the subtree (an area is in its own subtree).
    pub fn contains(&self, code: &str) -> bool {
        self.inside.contains(code)
    }

    /// Whether `code` is the caller's area or one above it: things owned there (the
    /// province's library, say) are shared with everyone below.
    pub fn is_above(&self, code: &str) -> bool {
        let mut current = Some(self.root.as_str());
        while let Some(c) = current {
            if c == code {
                return true;
            }
            current = self
                .by_code
                .get(c)
                .and_then(|&i| self.areas[i].parent.as_deref());
        }
        false
    }

    /// Whether an account lies inside the caller's reach: a whole-tree account only
    /// for whole-tree callers, any other when its area is in the subtree.
    pub fn reaches_account(&self, area_code: &str, whole_tree: bool) -> bool {
        if whole_tree {
            self.whole_tree
        } else {
            self.contains(area_code)
        }
    }

    /// The area a report covers when none is named: the caller's; for a whole-tree
    /// caller the tree's root when there is one only, else `None` (every root).
    pub fn root_area(&self) -> Option<&str> {
        if !self.whole_tree {
            return Some(self.root.as_str());
        }
        let mut roots = self.areas.iter().filter(|a| a.parent.is_none());
        match (roots.next(), roots.next()) {
            (Some(only), None) => Some(only.code.as_str()),
            _ => None,
        }
    }

    /// Whether the caller's area is a root of the tree (a province with no parent), or
    /// the caller reaches the whole tree.
    pub fn is_root(&self) -> bool {
        self.whole_tree
            || self
                .by_code
                .get(&self.root)
                .is_some_and(|&i| self.areas[i].parent.is_none())
    }

    /// Whether the caller is a whole-tree account.
    pub fn is_whole_tree(&self) -> bool {
        self.whole_tree
    }

    /// Whether the caller reaches every area: a whole-tree account, or the admin of
    /// the only root of a single-province tree.
    pub fn reaches_whole_tree(&self) -> bool {
        self.whole_tree
            || (self.is_root() && self.areas.iter().filter(|a| a.parent.is_none()).count() == 1)
    }

    /// The area rows inside the subtree, in code order.
    pub fn areas(&self) -> impl Iterator<Item = &AreaRow> {
        self.areas.iter().filter(|a| self.inside.contains(&a.code))
    }

    /// Refuses (403) a write naming `code` when it is a known area outside the subtree.
    /// Unknown codes pass: validation reports them with the input's other problems.
    pub fn require_area(&self, code: &str) -> ApiResult<()> {
        match self.by_code.get(code) {
            Some(&i) if !self.contains(code) => Err(ApiError::Forbidden(format!(
                "đơn vị `{code}` ({}) nằm ngoài phạm vi của tài khoản {} (đơn vị {}); \
                 chỉ được làm việc với đơn vị {} và các đơn vị trực thuộc",
                self.areas[i].name, self.username, self.root, self.root
            ))),
            _ => Ok(()),
        }
    }
}
