//! Paging and the area filter shared by the fleet and now-playing lists: a page number
//! and size checked once, and the set of area codes a list may show.

use std::collections::{HashMap, HashSet};

use crate::server::api::scope::Scope;
use crate::server::error::{ApiError, ApiResult};

/// Most stations one page may hold.
pub(crate) const MAX_PER_PAGE: u32 = 500;

/// Stations per page when none is asked for.
const DEFAULT_PER_PAGE: u32 = 50;

/// A checked page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Paging {
    /// Page number, from 1.
    pub page: u32,
    /// Items per page.
    pub per_page: u32,
}

impl Paging {
    /// Checks `page` (from 1) and `per_page` (1 to [`MAX_PER_PAGE`]).
    pub fn new(page: Option<u32>, per_page: Option<u32>) -> ApiResult<Self> {
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
        let mut problems = Vec::new();
        if page == 0 {
            problems.push("page: trang đánh số từ 1; viết page=1 cho trang đầu".to_owned());
        }
        if per_page == 0 || per_page > MAX_PER_PAGE {
            problems.push(format!(
                "per_page: {per_page} không hợp lệ; viết một số từ 1 đến {MAX_PER_PAGE}"
            ));
        }
        if problems.is_empty() {
            Ok(Self { page, per_page })
        } else {
            Err(ApiError::BadRequest(problems.join("; ")))
        }
    }

    /// The items of this page.
    pub fn slice<T>(&self, items: Vec<T>) -> Vec<T> {
        let skip = (self.page as usize - 1).saturating_mul(self.per_page as usize);
        items
            .into_iter()
            .skip(skip)
            .take(self.per_page as usize)
            .collect()
    }
}

/// The area a list covers and the codes of every area in it: the subtree of `area`
/// when given (404 when it is unknown or outside the caller's subtree), else the
/// caller's whole subtree.
pub(crate) fn area_filter<'s>(
    scope: &'s Scope,
    area: Option<&str>,
) -> ApiResult<(Option<String>, HashSet<&'s str>)> {
    let Some(code) = area.map(str::trim).filter(|a| !a.is_empty()) else {
        return Ok((
            scope.root_area().map(str::to_owned),
            scope.areas_unordered().map(|a| a.code.as_str()).collect(),
        ));
    };
    if !scope.contains(code) {
        return Err(ApiError::NotFound(format!(
            "area: không có đơn vị `{}` trong phạm vi của tài khoản",
            code.chars().take(64).collect::<String>()
        )));
    }
    let mut children: HashMap<&str, Vec<&str>> = HashMap::new();
    for a in scope.areas_unordered() {
        if let Some(p) = &a.parent {
            children
                .entry(p.as_str())
                .or_default()
                .push(a.code.as_str());
        }
    }
    // The caller's own area may be gone from the tree: then it holds only itself.
    let own = match (scope.area_inside(code), scope.root_area()) {
        (Some(a), _) => a.code.as_str(),
        (None, Some(root)) if root == code => root,
        (None, _) => return Ok((Some(code.to_owned()), HashSet::new())),
    };
    let mut inside = HashSet::from([own]);
    let mut stack = vec![own];
    while let Some(c) = stack.pop() {
        for &child in children.get(c).map_or(&[][..], Vec::as_slice) {
            if inside.insert(child) {
                stack.push(child);
            }
        }
    }
    Ok((Some(code.to_owned()), inside))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_checked_and_sliced() {
        let p = Paging::new(Some(2), Some(3)).expect("valid");
        assert_eq!(p.slice((1..=8).collect()), vec![4, 5, 6]);
        assert_eq!(
            Paging::new(Some(9), Some(3)).expect("valid").slice(vec![1]),
            Vec::<i32>::new()
        );
        for (page, per) in [(Some(0), None), (None, Some(0)), (None, Some(501))] {
            let e = Paging::new(page, per).expect_err("refused").to_string();
            assert!(e.contains("page"), "{e}");
        }
    }
}
