//! The console's words: Fluent catalogs in `assets/locales/{vi,en}/*.ftl`, compiled into
//! the binary. Vietnamese is the default and the fallback; English is a per-user choice
//! kept in a cookie. Templates name messages by key and never hold text themselves.
//!
//! Numbers and dates reach Fluent already formatted (see `conventions`), so its own
//! number formatting never decides a separator.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid, static_loader};

static_loader! {
    static LOCALES = {
        locales: "./assets/locales",
        fallback_language: "vi",
        // No Unicode isolation marks around arguments: both languages run left to right,
        // and the marks would end up inside copied text and test assertions.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static VI: LanguageIdentifier = langid!("vi");
static EN: LanguageIdentifier = langid!("en");

/// The name of the cookie holding the chosen language.
pub const LANG_COOKIE: &str = "loa_lang";

/// A language the console speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Tiếng Việt, the default.
    #[default]
    Vi,
    /// English.
    En,
}

impl Lang {
    /// Parses the cookie or form value (`vi`, `en`); anything else is `None`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "vi" => Some(Self::Vi),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// The code (`vi`, `en`), also the page's `lang` attribute.
    pub fn code(self) -> &'static str {
        match self {
            Self::Vi => "vi",
            Self::En => "en",
        }
    }

    /// Every language, in the order the switch lists them.
    pub const ALL: [Self; 2] = [Self::Vi, Self::En];

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Self::Vi => &VI,
            Self::En => &EN,
        }
    }

    /// The message `key`; the key itself (visible, so a missing one is noticed) when
    /// neither this language nor Vietnamese has it.
    pub fn t(self, key: &str) -> String {
        LOCALES
            .try_lookup(self.id(), key)
            .unwrap_or_else(|| key.to_owned())
    }

    /// The message `key`, if some catalog has it.
    pub fn try_t(self, key: &str) -> Option<String> {
        LOCALES.try_lookup(self.id(), key)
    }

    /// The message `key` with its arguments (values already formatted as text).
    pub fn ta(self, key: &str, args: &[(&'static str, String)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue> = args
            .iter()
            .map(|(k, v)| (Cow::Borrowed(*k), FluentValue::from(v.clone())))
            .collect();
        LOCALES
            .try_lookup_with_args(self.id(), key, &map)
            .unwrap_or_else(|| key.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(lang: &str) -> std::collections::BTreeSet<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets/locales")
            .join(lang);
        let mut out = std::collections::BTreeSet::new();
        for entry in std::fs::read_dir(dir).expect("catalog folder").flatten() {
            let text = std::fs::read_to_string(entry.path()).expect("catalog file");
            for line in text.lines() {
                if let Some((key, _)) = line.split_once(" =")
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                    && !key.is_empty()
                {
                    out.insert(key.to_owned());
                }
            }
        }
        out
    }

    #[test]
    fn both_catalogs_have_the_same_messages() {
        let (vi, en) = (keys("vi"), keys("en"));
        assert!(vi.len() > 20, "the Vietnamese catalog is read");
        let only_vi: Vec<_> = vi.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&vi).collect();
        // Reasons are Vietnamese in the domain (Reason::label_vi); only English adds them.
        let only_vi: Vec<_> = only_vi.into_iter().collect();
        let only_en: Vec<_> = only_en
            .into_iter()
            .filter(|k| !k.starts_with("reason-"))
            .collect();
        assert!(only_vi.is_empty(), "missing in en: {only_vi:?}");
        assert!(only_en.is_empty(), "missing in vi: {only_en:?}");
    }

    #[test]
    fn every_key_a_template_names_exists() {
        let known = keys("vi");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut missing = Vec::new();
        for entry in std::fs::read_dir(dir).expect("templates").flatten() {
            let text = std::fs::read_to_string(entry.path()).expect("template");
            for piece in text
                .split(".t(\"")
                .skip(1)
                .chain(text.split(".ta(\"").skip(1))
            {
                let key = piece.split('"').next().unwrap_or_default();
                if !known.contains(key) {
                    missing.push(format!("{}: {key}", entry.path().display()));
                }
            }
        }
        assert!(missing.is_empty(), "keys not in the catalog: {missing:?}");
    }

    #[test]
    fn vietnamese_is_the_default_and_arguments_are_filled_in() {
        assert_eq!(Lang::default().t("login-title"), "Đăng nhập");
        assert_eq!(Lang::En.t("login-title"), "Log in");
        assert_eq!(
            Lang::Vi.ta("fresh-minutes", &[("n", "3".to_owned())]),
            "3 phút trước"
        );
        assert_eq!(Lang::Vi.t("no-such-message"), "no-such-message");
    }
}
