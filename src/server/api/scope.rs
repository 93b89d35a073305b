//! What a console account may reach: the subtree of the administrative tree rooted at
//! its area. The tree comes from the store's shared copy (a province is a
//! few hundred units; the whole country a few thousand), and every "is this area inside
//! that subtree?" of the server is answered here by [`AreaTree::is_within`], the one
//! rule the compiler and the reports use too.
//!
//! The rule everywhere: an object outside the subtree looks absent (404) when named by
//! id on a read or write, and a write that names an area outside it is refused (403).

use crate::domain::{Area, AreaCode, AreaId, AreaTree};
use crate::server::auth::StaffAuth;
use crate::server::error::{ApiError, ApiResult};
use crate::store::Store;

/// The caller's subtree.
#[derive(Debug, Clone)]
pub(crate) struct Scope {
    tree: std::sync::Arc<AreaTree>,
    /// The account's area, as written on the account.
    root_code: String,
    /// The account's area in the tree (`None` if the tree no longer holds it).
    root: Option<AreaId>,
    whole_tree: bool,
    username: String,
}

impl Scope {
    /// Loads the tree and marks the subtree of `auth`'s area.
    pub async fn load(store: &Store, auth: &StaffAuth) -> ApiResult<Self> {
        let tree = crate::store::shared_tree(store).await?;
        let root = id_in(&tree, &auth.area_code);
        Ok(Self {
            tree,
            root_code: auth.area_code.clone(),
            root,
            whole_tree: auth.whole_tree,
            username: auth.username.clone(),
        })
    }

    fn id(&self, code: &str) -> Option<AreaId> {
        id_in(&self.tree, code)
    }

    /// Whether `code` lies in the subtree (an area is in its own subtree).
    pub fn contains(&self, code: &str) -> bool {
        match self.id(code) {
            Some(id) => {
                self.whole_tree || self.root.is_some_and(|root| self.tree.is_within(id, root))
            }
            None => !self.whole_tree && code == self.root_code,
        }
    }

    /// Whether `code` is the caller's area or one above it: things owned there (the
    /// province's library, say) are shared with everyone below.
    pub fn is_above(&self, code: &str) -> bool {
        match (self.root, self.id(code)) {
            (Some(root), Some(above)) => self.tree.is_within(root, above),
            _ => code == self.root_code,
        }
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
            return Some(self.root_code.as_str());
        }
        let mut roots = self.roots();
        match (roots.next(), roots.next()) {
            (Some(only), None) => Some(self.tree.area(only).code.as_str()),
            _ => None,
        }
    }

    fn roots(&self) -> impl Iterator<Item = AreaId> + '_ {
        self.tree.ids().filter(|&id| self.tree.parent(id).is_none())
    }

    /// Whether the caller's area is a root of the tree (a province with no parent), or
    /// the caller reaches the whole tree.
    pub fn is_root(&self) -> bool {
        self.whole_tree
            || self
                .root
                .is_some_and(|root| self.tree.parent(root).is_none())
    }

    /// Whether the caller is a whole-tree account.
    pub fn is_whole_tree(&self) -> bool {
        self.whole_tree
    }

    /// Whether the caller reaches every area: a whole-tree account, or the admin of
    /// the only root of a single-province tree.
    pub fn reaches_whole_tree(&self) -> bool {
        self.whole_tree || (self.is_root() && self.roots().count() == 1)
    }

    /// The units inside the subtree, in code order.
    pub fn areas(&self) -> Vec<&Area> {
        let mut inside: Vec<&Area> = self.areas_unordered().collect();
        inside.sort_by(|a, b| a.code.as_str().cmp(b.code.as_str()));
        inside
    }

    /// The units inside the subtree, in no particular order (a country is ten thousand
    /// of them: sorting costs more than a set or a count needs).
    pub fn areas_unordered(&self) -> impl Iterator<Item = &Area> {
        self.tree
            .ids()
            .filter(|&id| {
                self.whole_tree || self.root.is_some_and(|root| self.tree.is_within(id, root))
            })
            .map(|id| self.tree.area(id))
    }

    /// Unit `code` when it lies in the subtree.
    pub fn area_inside(&self, code: &str) -> Option<&Area> {
        let id = self.id(code)?;
        self.contains(code).then(|| self.tree.area(id))
    }

    /// The name of unit `code` when it lies in the subtree.
    pub fn name_inside(&self, code: &str) -> Option<&str> {
        let id = self.id(code)?;
        self.contains(code)
            .then(|| self.tree.area(id).name.as_str())
    }

    /// Refuses (403) a write naming `code` when it is a known area outside the subtree.
    /// Unknown codes pass: validation reports them with the input's other problems.
    pub fn require_area(&self, code: &str) -> ApiResult<()> {
        match self.id(code) {
            Some(id) if !self.contains(code) => Err(ApiError::Forbidden(format!(
                "đơn vị `{code}` ({}) nằm ngoài phạm vi của tài khoản {} (đơn vị {}); \
                 chỉ được làm việc với đơn vị {} và các đơn vị trực thuộc",
                self.tree.area(id).name,
                self.username,
                self.root_code,
                self.root_code
            ))),
            _ => Ok(()),
        }
    }
}

fn id_in(tree: &AreaTree, code: &str) -> Option<AreaId> {
    AreaCode::parse(code).ok().and_then(|c| tree.get(&c))
}
