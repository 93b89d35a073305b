//! The station directory the station list pages through and searches: every station's
//! code, name and area with a folded text for diacritics-insensitive search.
//!
//! Built from the store once and kept per server process; before each use one cheap
//! query (`data_version`, raised by the database's triggers) tells whether stations or areas changed
//! since, on this replica or another, and only then is it rebuilt. Scope is applied by
//! the caller on every use: the directory holds everything and decides nothing.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::conventions::fold;
use crate::store::{Store, StoreError};

/// One station.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Station code.
    pub code: String,
    /// Area code.
    pub area: String,
    /// Station name.
    pub name: String,
    /// Area name.
    pub area_name: String,
    folded: String,
}

/// Every station, by code.
#[derive(Debug)]
pub struct Directory {
    stamp: i64,
    entries: Vec<Entry>,
}

/// The directory of this process, current as of its last use.
#[derive(Debug, Default)]
pub struct DirectoryCache {
    current: RwLock<Option<Arc<Directory>>>,
}

impl DirectoryCache {
    /// The directory, rebuilt first if stations or areas changed since it was built.
    pub async fn current(&self, store: &Store) -> Result<Arc<Directory>, StoreError> {
        let stamp = crate::store::console::directory_stamp(store).await?;
        if let Ok(guard) = self.current.read()
            && let Some(d) = guard.as_ref()
            && d.stamp == stamp
        {
            return Ok(d.clone());
        }
        let rows = crate::store::console::station_directory(store).await?;
        let entries = rows
            .into_iter()
            .map(|r| Entry {
                folded: fold(&format!("{} {} {}", r.code, r.name, r.area_name)),
                code: r.code,
                area: r.area,
                name: r.name,
                area_name: r.area_name,
            })
            .collect();
        let fresh = Arc::new(Directory { stamp, entries });
        if let Ok(mut guard) = self.current.write() {
            *guard = Some(fresh.clone());
        }
        Ok(fresh)
    }
}

/// One page of a search.
#[derive(Debug)]
pub struct Found<'a> {
    /// The stations on the page.
    pub page: Vec<&'a Entry>,
    /// How many match in all.
    pub total: usize,
}

impl Directory {
    /// Stations whose area passes `inside` and whose code, name or area name holds
    /// every word of `query` (diacritics, case and spacing ignored), by code:
    /// `limit` of them after skipping `offset`.
    pub fn search(
        &self,
        inside: impl Fn(&str) -> bool,
        query: &str,
        offset: usize,
        limit: usize,
    ) -> Found<'_> {
        self.search_where(|e| inside(&e.area), query, offset, limit)
    }

    /// As [`Directory::search`], over the entries `keep` accepts (a state filter keeps
    /// the stations in that state).
    pub fn search_where(
        &self,
        keep: impl Fn(&Entry) -> bool,
        query: &str,
        offset: usize,
        limit: usize,
    ) -> Found<'_> {
        let folded = fold(query);
        let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
        let mut total = 0;
        let mut page = Vec::with_capacity(limit);
        for e in &self.entries {
            if keep(e) && words.iter().all(|w| e.folded.contains(w)) {
                if total >= offset && page.len() < limit {
                    page.push(e);
                }
                total += 1;
            }
        }
        Found { page, total }
    }

    /// How many stations each area holds, its own and those below it, counting only
    /// stations whose area passes `inside`; `parent` gives an area's parent.
    pub fn counts<'a>(
        &'a self,
        inside: impl Fn(&str) -> bool,
        parent: impl Fn(&str) -> Option<&'a str>,
    ) -> HashMap<&'a str, usize> {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for e in self.entries.iter().filter(|e| inside(&e.area)) {
            let mut at = Some(e.area.as_str());
            // The tree is a few levels deep; the bound only guards against a cycle.
            for _ in 0..16 {
                let Some(a) = at else { break };
                *counts.entry(a).or_default() += 1;
                at = parent(a);
            }
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(code: &str, area: &str, name: &str, area_name: &str) -> Entry {
        Entry {
            code: code.into(),
            area: area.into(),
            name: name.into(),
            area_name: area_name.into(),
            folded: fold(&format!("{code} {name} {area_name}")),
        }
    }

    fn directory() -> Directory {
        Directory {
            stamp: 0,
            entries: vec![
                entry(
                    "05443",
                    "05443",
                    "Trạm Phan Đình Phùng",
                    "Phường Phan Đình Phùng",
                ),
                entry(
                    "05443-2",
                    "05443",
                    "Cụm loa cũ Trưng Vương",
                    "Phường Phan Đình Phùng",
                ),
                entry("05710", "05710", "Trạm Đồng Hỷ", "Xã Đồng Hỷ"),
            ],
        }
    }

    #[test]
    fn search_ignores_diacritics_and_pages() {
        let d = directory();
        let all = |_: &str| true;
        let found = d.search(all, "phan dinh phung", 0, 50);
        assert_eq!(found.total, 2);
        assert_eq!(found.page[0].code, "05443");
        let found = d.search(all, "DONG hy", 0, 50);
        assert_eq!(
            found.page.iter().map(|e| &e.code).collect::<Vec<_>>(),
            ["05710"]
        );
        let second = d.search(all, "", 1, 1);
        assert_eq!((second.total, second.page[0].code.as_str()), (3, "05443-2"));
        let only = d.search(|a| a == "05710", "phung", 0, 50);
        assert_eq!(only.total, 0, "scope applies before search");
    }

    #[test]
    fn counts_add_up_the_tree() {
        let d = directory();
        let parent = |a: &str| match a {
            "05443" | "05710" => Some("19"),
            _ => None,
        };
        let counts = d.counts(|_| true, parent);
        assert_eq!(counts.get("19"), Some(&3));
        assert_eq!(counts.get("05443"), Some(&2));
        let scoped = d.counts(|a| a == "05710", parent);
        assert_eq!((scoped.get("19"), scoped.get("05443")), (Some(&1), None));
    }
}
