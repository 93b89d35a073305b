//! What every console page carries besides its content: language, title, the person
//! logged in, their form token, the menu, the asset URLs. `templates/base.html` draws
//! it; pages embed a [`Page`] as `page` and call `page.t("key")` for their words.

use askama::Template;
use askama_web::WebTemplate;

use super::assets;
use super::i18n::Lang;
use super::session::Viewer;

/// The frame of a page.
#[derive(Debug, Clone)]
pub struct Page {
    /// Language of the page.
    pub lang: Lang,
    /// Title (the `<title>` and the first heading).
    pub title: String,
    /// Login name of the person, when logged in.
    pub user: Option<String>,
    /// Their role, in words.
    pub role: String,
    /// The token forms carry (empty: no forms on this page).
    pub csrf: String,
    /// Which menu entry is current (`stations`, …).
    pub nav: &'static str,
    /// Whether the menu offers Nhật ký (the roles the API lets read the audit log).
    pub audit: bool,
    /// This page's path and query, where the language switch comes back to.
    pub here: String,
    /// Stylesheet URL.
    pub css: String,
    /// htmx URL.
    pub js: String,
}

impl Page {
    /// The frame for a logged-in person.
    pub fn new(viewer: &Viewer, title: String, nav: &'static str, here: String) -> Self {
        let lang = viewer.lang;
        Self {
            lang,
            title,
            user: Some(viewer.auth.username.clone()),
            role: lang.t(&format!("role-{}", viewer.auth.role.as_str())),
            csrf: viewer.csrf.clone(),
            nav,
            audit: crate::server::api::audit::may_read(&viewer.auth),
            here,
            css: assets::url("console"),
            js: assets::url("htmx"),
        }
    }

    /// The frame of a page shown before login (or of an error).
    pub fn anonymous(lang: Lang, title: String, csrf: String) -> Self {
        Self {
            lang,
            title,
            user: None,
            role: String::new(),
            csrf,
            nav: "",
            audit: false,
            here: "/login".to_owned(),
            css: assets::url("console"),
            js: assets::url("htmx"),
        }
    }

    /// The message `key` in the page's language.
    pub fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }

    /// The languages the switch offers: code, name, whether it is the page's.
    pub fn langs(&self) -> Vec<(&'static str, String, bool)> {
        Lang::ALL
            .iter()
            .map(|l| {
                (
                    l.code(),
                    self.t(&format!("lang-name-{}", l.code())),
                    *l == self.lang,
                )
            })
            .collect()
    }
}

/// A page that only says what went wrong.
#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
pub struct ErrorPage {
    /// The frame.
    pub page: Page,
    /// What went wrong, in words.
    pub message: String,
}
