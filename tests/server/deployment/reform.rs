//! Re-importing a reformed tree: `loa areas import` of Thái Nguyên's 2025 list over a
//! database holding Bắc Kạn's 2024 tree reports what changed and writes nothing until
//! `--apply`; units no longer listed are retired, with the stations they hold named.

use loa::store::Store;
use sqlx::Row;

use super::super::Db;
use super::super::cli_server::{database, repo, run};

async fn retired(db: &sqlx::AnyPool) -> Vec<String> {
    sqlx::query("SELECT code FROM areas WHERE retired_at IS NOT NULL ORDER BY code")
        .fetch_all(db)
        .await
        .expect("retired")
        .iter()
        .map(|r| r.get::<String, _>(0))
        .collect()
}

async fn name_of(db: &sqlx::AnyPool, code: &str) -> String {
    sqlx::query("SELECT name FROM areas WHERE code = $1")
        .bind(code.to_owned())
        .fetch_one(db)
        .await
        .expect("area")
        .get(0)
}

async fn a_reformed_tree_is_previewed_then_applied(db: Db) {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let Some((flags, url)) = database(db, &data).await else {
        eprintln!("LOA_TEST_DATABASE_URL not set: PostgreSQL run skipped");
        return;
    };
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let import = |file: &str, apply: bool| {
        let mut args = vec!["areas", "import", file];
        if apply {
            args.push("--apply");
        }
        args.extend(&flags);
        run(&args)
    };
    let old = repo().join("schedules/bac-kan-2024/areas.csv");
    let new = repo().join("schedules/thai-nguyen-2025/areas.csv");
    let (old, new) = (old.display().to_string(), new.display().to_string());
    let (code, out) = import(&old, false);
    assert_eq!(code, 0, "the first import writes at once: {out}");
    assert!(out.contains("đã ghi: 117"), "{out}");

    let store = Store::open(&url).await.expect("open");
    let db = crate::server::raw_db(&url).await;
    // A station in a commune the reform merged away (01846 is not in the 2025 list).
    sqlx::query(
        "INSERT INTO stations (code, area_code, name, timezone, languages, created_at)
         VALUES ('BK-01846', '01846', 'Trạm cũ', 'Asia/Ho_Chi_Minh', 'vi', 0)",
    )
    .execute(&db)
    .await
    .expect("a station");

    let (code, out) = import(&new, false);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("thêm 56 đơn vị:"), "{out}");
    assert!(out.contains("  + 19 Thái Nguyên"), "{out}");
    assert!(
        out.contains("  ~ 01843 Phường Phùng Chí Kiên → Phường Bắc Kạn"),
        "renamed: {out}"
    );
    assert!(
        out.contains("  > 01840 Phường Đức Xuân: 058 → 19"),
        "moved: {out}"
    );
    assert!(out.contains("không còn trong danh sách 80 đơn vị"), "{out}");
    assert!(out.contains("  - 06 Tỉnh Bắc Kạn"), "{out}");
    assert!(
        out.contains("(trạm: BK-01846)"),
        "names the stations held: {out}"
    );
    assert!(
        out.contains("chưa ghi gì") && out.contains("--apply"),
        "{out}"
    );
    assert_eq!(
        name_of(&db, "01843").await,
        "Phường Phùng Chí Kiên",
        "nothing written"
    );
    assert!(retired(&db).await.is_empty());
    let count: i64 = sqlx::query("SELECT COUNT(*) FROM areas")
        .fetch_one(&db)
        .await
        .expect("count")
        .get(0);
    assert_eq!(count, 117);

    let (code, out) = import(&new, true);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("đã ghi: 93"), "{out}");
    assert_eq!(name_of(&db, "01843").await, "Phường Bắc Kạn");
    let gone = retired(&db).await;
    assert_eq!(gone.len(), 80);
    assert!(gone.contains(&"06".to_owned()) && gone.contains(&"01846".to_owned()));
    assert!(
        !gone.contains(&"01843".to_owned()),
        "listed units stay current"
    );

    let (code, out) = import(&new, true);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("không có thay đổi"), "idempotent: {out}");

    // Listing a retired unit again brings it back.
    let (code, out) = import(&old, true);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("  + 06 Tỉnh Bắc Kạn"), "{out}");
    assert!(!retired(&db).await.contains(&"06".to_owned()));
    store.close().await;
}

crate::both_backends!(db: a_reformed_tree_is_previewed_then_applied);
