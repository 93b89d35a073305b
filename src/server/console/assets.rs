//! The console's static files, compiled into the binary: htmx (vendored from the npm
//! package `htmx.org`, 0BSD licence in `assets/htmx-LICENSE`) and our stylesheet.
//!
//! Each is served under a name carrying a hash of its content
//! (`/assets/console.3f2a9c1e.css`), so browsers may keep it for a year: a new build with
//! a changed file gives a new name. Stations and officers are on poor networks; nothing
//! comes from a CDN.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// One file.
struct Asset {
    /// Name before the hash (`htmx`, `console`).
    stem: &'static str,
    /// Extension (`js`, `css`).
    ext: &'static str,
    mime: &'static str,
    body: &'static [u8],
}

static FILES: [Asset; 2] = [
    Asset {
        stem: "htmx",
        ext: "js",
        mime: "text/javascript; charset=utf-8",
        body: include_bytes!("../../../assets/htmx-2.0.4.min.js"),
    },
    Asset {
        stem: "console",
        ext: "css",
        mime: "text/css; charset=utf-8",
        body: include_bytes!("../../../assets/console.css"),
    },
];

/// The served names, in the order of `FILES`.
static NAMES: LazyLock<Vec<String>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|a| {
            let digest = Sha256::digest(a.body);
            let short: String = digest[..5].iter().map(|b| format!("{b:02x}")).collect();
            format!("{}.{short}.{}", a.stem, a.ext)
        })
        .collect()
});

/// The URL of the asset `stem` (`htmx`, `console`).
pub fn url(stem: &str) -> String {
    FILES
        .iter()
        .zip(NAMES.iter())
        .find(|(a, _)| a.stem == stem)
        .map(|(_, name)| format!("/assets/{name}"))
        .unwrap_or_default()
}

/// `GET /assets/{name}`: the file, cacheable for a year; 404 for any other name
/// (an old hash included: what it named is gone).
pub async fn serve(Path(name): Path<String>) -> Response {
    let Some(i) = NAMES.iter().position(|n| *n == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let asset = &FILES[i];
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(asset.mime)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        asset.body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_a_content_hash() {
        let css = url("console");
        assert!(
            css.starts_with("/assets/console.") && css.ends_with(".css"),
            "{css}"
        );
        assert_eq!(css.len(), "/assets/console.0123456789.css".len());
        assert!(url("htmx").ends_with(".js"));
        assert_eq!(url("nothing"), "");
    }
}
