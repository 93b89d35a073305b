//! Text as people write it: Unicode normal form, and "did you mean…" suggestions.
//!
//! Pure string functions the checkers, the schedule files and the API share; no I/O.

use super::{AreaCode, AreaTree};

/// Normalises text to Unicode NFC, the form loa stores and compares Vietnamese in.
pub fn nfc(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfc().collect()
}

/// The closest of `candidates` to `word`, if it is close enough to be a likely typo.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, c)| (d, c))
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// `; có phải `06` (Tỉnh Bắc Kạn)?` when `code` looks like a typo of a unit of `tree`,
/// else nothing.
pub fn area_hint(tree: &AreaTree, code: &str) -> String {
    let codes: Vec<String> = tree
        .ids()
        .map(|id| tree.area(id).code.to_string())
        .collect();
    suggest(code, codes.iter().map(String::as_str))
        .and_then(|s| AreaCode::parse(s).ok())
        .and_then(|c| tree.get(&c))
        .map_or(String::new(), |id| {
            let a = tree.area(id);
            format!("; có phải `{}` ({})?", a.code, a.name)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_misses_only() {
        let ids = ["gia-dinh-hoc-tap", "dong-ho-hoc-tap"];
        assert_eq!(suggest("gia-dinh-hoc-tp", ids), Some("gia-dinh-hoc-tap"));
        assert_eq!(suggest("something-else", ids), None);
    }

    #[test]
    fn nfc_composes_vietnamese() {
        let decomposed = "Tuần le\u{0302}\u{0303}";
        assert_eq!(nfc(decomposed), "Tuần lễ");
    }
}
