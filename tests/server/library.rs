//! The segment library through the console API: upload (measured by decoding, stored by
//! content, refused whole when bad), scoped reading, approval by a second person, and
//! the gain each playlist item carries.

use loa::server::auth::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::TestApp;
use crate::both_backends;
use crate::support::sha256_hex;

mod approval;
mod bad_input;
mod phone_files;

both_backends!(
    upload_measures_the_audio_and_stores_it_by_content,
    the_same_audio_uploaded_again_is_the_same_segment,
    staff_see_their_own_segments_and_read_only_those_above,
);

pub(super) fn audio(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("audio")
            .join(name),
    )
    .expect("sample audio")
}

/// A copy of a sample MP3 that is not yet in the library: the same sound, with one
/// letter of its ID3 tag changed, so other bytes and another SHA-256.
pub(super) fn fresh_mp3(variant: u8) -> Vec<u8> {
    let mut bytes = audio("tuan-le-hoc-tap-suot-doi.mp3");
    assert_eq!(&bytes[0x15..0x19], b"LAME", "the ID3 encoder tag");
    bytes[0x15] = b'a' + variant % 26;
    bytes
}

/// Posts an upload form: text `fields` and, if given, a file part.
pub(super) async fn upload(
    app: &TestApp,
    token: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, Vec<u8>)>,
) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    if let Some((name, bytes)) = file {
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
    }
    app.client
        .post(app.url("/api/v1/segments"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("upload request")
}

/// Uploads a fresh MP3 as `id` and returns the answer's JSON (asserting 201).
pub(super) async fn upload_new(app: &TestApp, token: &str, id: &str, variant: u8) -> Value {
    let res = upload(
        app,
        token,
        &[("id", id), ("title", "Họp tổ dân phố")],
        Some(("hop.mp3", fresh_mp3(variant))),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED, "upload {id}");
    res.json().await.expect("json")
}

pub(super) async fn count(app: &TestApp, sql: &str) -> i64 {
    use sqlx::Row;
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&app.db)
        .await
        .expect("count query")
        .get(0)
}

/// Files in the media folder.
pub(super) fn media_files(app: &TestApp) -> usize {
    let mut n = 0;
    let mut stack = vec![app.data_dir.join("media")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            if entry.path().is_dir() {
                stack.push(entry.path());
            } else {
                n += 1;
            }
        }
    }
    n
}

pub(super) async fn get(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("request")
}

pub(super) async fn post(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("request")
}

async fn upload_measures_the_audio_and_stores_it_by_content(app: TestApp) {
    let editor = app.staff("bien-tap", Role::Editor, "05443").await;
    let bytes = fresh_mp3(1);
    // Decomposed (NFD) Vietnamese, as some keyboards and file systems send it.
    let title = "Ho\u{323}p to\u{302}\u{309} da\u{302}n pho\u{302}\u{301}";
    let res = upload(
        &app,
        &editor,
        &[
            ("id", "hop-to-dan-pho"),
            ("title", title),
            ("tags", " an ninh, Ho\u{323}p to\u{302}\u{309},an ninh ,, "),
            ("valid_from", "2026-01-01"),
            ("valid_until", "2027-12-31"),
        ],
        Some(("Ho\u{323}p.mp3", bytes.clone())),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let s: Value = res.json().await.expect("json");
    assert_eq!(s["id"], "hop-to-dan-pho");
    assert_eq!(s["title"], "Họp tổ dân phố", "stored in NFC");
    assert_eq!(s["tags"], json!(["an ninh", "Họp tổ"]));
    assert_eq!(s["language"], "vi", "the default language");
    assert_eq!(s["group"], "hop-to-dan-pho", "its own group by default");
    assert_eq!(s["area"], "05443", "owned by the uploader's area");
    assert_eq!(s["format"], "mp3");
    // The same sound as the sample, so the same decoded length.
    assert_eq!(s["duration_ms"], 25602);
    assert_eq!(s["sha256"], sha256_hex(&bytes));
    assert_eq!(s["size_bytes"], bytes.len());
    let lufs = s["loudness_lufs"].as_f64().expect("loudness measured");
    assert!((-40.0..-5.0).contains(&lufs), "{lufs}");
    assert_eq!(s["valid_from"], "2026-01-01");
    assert_eq!(s["valid_until"], "2027-12-31");
    assert_eq!(s["approved"], false);
    assert_eq!(s["approved_by"], Value::Null);
    assert_eq!(s["uploaded_by"], "bien-tap");
    assert_eq!(s["editable"], true);

    let sha = sha256_hex(&bytes);
    let stored = app
        .data_dir
        .join("media")
        .join(&sha[..2])
        .join(&sha[2..4])
        .join(&sha);
    assert_eq!(std::fs::read(&stored).expect("media file"), bytes);

    let shown: Value = get(&app, &editor, "/api/v1/segments/hop-to-dan-pho")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(shown, s);
    let res = get(&app, &editor, "/api/v1/segments/hop-to-dan-pho/audio").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "audio/mpeg");
    assert_eq!(res.bytes().await.expect("body").as_ref(), bytes.as_slice());

    use sqlx::Row;
    let audit =
        sqlx::query("SELECT actor, target, detail FROM audit_log WHERE action = 'segment.upload'")
            .fetch_all(&app.db)
            .await
            .expect("audit");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].get::<String, _>(0), "bien-tap");
    assert_eq!(audit[0].get::<String, _>(1), "hop-to-dan-pho");
    let detail: Value = serde_json::from_str(&audit[0].get::<String, _>(2)).expect("json");
    assert_eq!(detail["file"], "Họp.mp3", "the file name in NFC");
    assert_eq!(detail["sha256"], sha);
}

async fn the_same_audio_uploaded_again_is_the_same_segment(app: TestApp) {
    let editor = app.staff("bien-tap", Role::Editor, "05443").await;
    let first = upload_new(&app, &editor, "hop-to-dan-pho", 2).await;
    let segments = count(&app, "SELECT COUNT(*) FROM segments").await;
    let files = media_files(&app);
    let res = upload(
        &app,
        &editor,
        &[("id", "ban-sao"), ("title", "Bản sao")],
        Some(("copy.mp3", fresh_mp3(2))),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK, "not created again");
    let again: Value = res.json().await.expect("json");
    assert_eq!(again, first, "the existing record, under its own id");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM segments").await, segments);
    assert_eq!(media_files(&app), files);

    // A sample the seed imported for the province: the commune sees it, read-only.
    let res = upload(
        &app,
        &editor,
        &[("id", "mau"), ("title", "Mẫu")],
        Some(("x.mp3", audio("bao-tin-khan-cap-mau.mp3"))),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let seeded: Value = res.json().await.expect("json");
    assert_eq!(seeded["id"], "bao-tin-khan-cap-mau");
    assert_eq!(seeded["editable"], false);

    // Another commune's audio is not shown to this one: a conflict that names nothing.
    let other = app.staff("xa-khac", Role::Editor, "05710").await;
    let res = upload(
        &app,
        &other,
        &[("id", "cua-toi"), ("title", "Của tôi")],
        Some(("y.mp3", fresh_mp3(2))),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let text = res.text().await.expect("body");
    assert!(!text.contains("hop-to-dan-pho"), "{text}");
}

async fn staff_see_their_own_segments_and_read_only_those_above(app: TestApp) {
    let editor = app.staff("bien-tap", Role::Editor, "05443").await;
    upload_new(&app, &editor, "hop-to-dan-pho", 3).await;
    let list = |token: String, query: &'static str| {
        let app = &app;
        async move {
            let res = get(app, &token, &format!("/api/v1/segments{query}")).await;
            assert_eq!(res.status(), StatusCode::OK);
            res.json::<Vec<Value>>().await.expect("json")
        }
    };
    let own = list(editor.clone(), "").await;
    let ids: Vec<&str> = own.iter().filter_map(|s| s["id"].as_str()).collect();
    assert!(ids.contains(&"hop-to-dan-pho"), "{ids:?}");
    assert!(
        ids.contains(&"bao-tin-khan-cap-mau"),
        "the province's library too"
    );
    for s in &own {
        assert_eq!(s["editable"], s["area"] == "05443", "{s}");
    }
    let pending = list(editor.clone(), "?approved=false").await;
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0]["id"], "hop-to-dan-pho");
    assert_eq!(
        list(editor.clone(), "?approved=true").await.len(),
        own.len() - 1
    );
    let res = get(&app, &editor, "/api/v1/segments?approved=maybe").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    // Another commune sees the province's library but not this commune's upload.
    let other = app.staff("xa-khac", Role::Viewer, "05710").await;
    let theirs = list(other.clone(), "").await;
    assert_eq!(theirs.len(), own.len() - 1);
    assert!(theirs.iter().all(|s| s["id"] != "hop-to-dan-pho"));
    for path in [
        "/api/v1/segments/hop-to-dan-pho",
        "/api/v1/segments/hop-to-dan-pho/audio",
        "/api/v1/segments/khong-co",
    ] {
        assert_eq!(
            get(&app, &other, path).await.status(),
            StatusCode::NOT_FOUND
        );
    }
    // The province sees everything, and owns it all.
    let admin = app.admin().await;
    let all = list(admin, "").await;
    assert_eq!(all.len(), own.len());
    assert!(all.iter().all(|s| s["editable"] == true));
    // No credentials, or a station's: refused.
    let res = app
        .client
        .get(app.url("/api/v1/segments"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let station = app.enroll("05443").await;
    assert_eq!(
        get(&app, &station, "/api/v1/segments").await.status(),
        StatusCode::FORBIDDEN
    );
}
