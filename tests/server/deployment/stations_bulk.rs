//! Stations in bulk from the command line on both backends: `loa station import
//! FILE.csv` and `loa station create-all --area CODE`; every problem with its line,
//! nothing written on error, the same run twice changes nothing.

use loa::store::Store;
use sqlx::Row;

use super::super::Db;
use super::super::cli_server::{database, run};
use super::national_csv;

async fn station_count(db: &sqlx::AnyPool) -> i64 {
    sqlx::query("SELECT COUNT(*) FROM stations")
        .fetch_one(db)
        .await
        .expect("count")
        .get(0)
}

async fn stations_in_bulk(db: Db) {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let Some((flags, url)) = database(db, &data).await else {
        eprintln!("LOA_TEST_DATABASE_URL not set: PostgreSQL run skipped");
        return;
    };
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let with = |head: &[&str]| {
        let mut args = head.to_vec();
        args.extend(&flags);
        run(&args)
    };
    let csv = national_csv(dir.path());
    let (code, out) = with(&["areas", "import", &csv.display().to_string()]);
    assert_eq!(code, 0, "{out}");
    let store = Store::open(&url).await.expect("open");
    let db = crate::server::raw_db(&url).await;

    let bad = dir.path().join("tram-sai.csv");
    std::fs::write(
        &bad,
        "code,area,name,languages,windows\n\
         TN-01,05443,Trạm Phan Đình Phùng,vi,T2-T6 05:30-06:30; 17:00-18:00\n\
         TN-02,99999,Trạm không có xã,vi,05:30-06:30\n\
         TN-01,05710,Trạm trùng mã,vi,05:30-06:30\n\
         TN-04,05710,Trạm giờ sai,vi,25:00-26:00\n",
    )
    .expect("write");
    let (code, out) = with(&["station", "import", &bad.display().to_string()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("dòng 3: area: đơn vị `99999`"), "{out}");
    assert!(
        out.contains("dòng 4: code: mã trạm `TN-01` đã có ở dòng 2"),
        "{out}"
    );
    assert!(out.contains("dòng 5:"), "{out}");
    assert!(out.contains("không ghi gì"), "{out}");
    assert_eq!(station_count(&db).await, 0, "nothing written");

    let good = dir.path().join("tram.csv");
    std::fs::write(
        &good,
        "code,area,name,languages,windows\n\
         TN-01,05443,Trạm Phan Đình Phùng,vi,T2-T6 05:30-06:30; 17:00-18:00\n\
         TN-02,05710,,vi;tay,05:30-06:30\n",
    )
    .expect("write");
    let (code, out) = with(&["station", "import", &good.display().to_string()]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("tạo 2 trạm, cập nhật 0, giữ nguyên 0"),
        "{out}"
    );
    let (code, out) = with(&["station", "import", &good.display().to_string()]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("tạo 0 trạm, cập nhật 0, giữ nguyên 2"),
        "idempotent: {out}"
    );
    let languages: String = sqlx::query("SELECT languages FROM stations WHERE code = 'TN-02'")
        .fetch_one(&db)
        .await
        .expect("station")
        .get(0);
    assert_eq!(languages, "vi,tay");

    // One station per commune that has none: 92 communes of province 19, two hold one.
    let (code, out) = with(&["station", "create-all", "--area", "19"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("tạo 90 trạm"), "{out}");
    let (code, out) = with(&["station", "create-all", "--area", "19"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("tạo 0 trạm"), "idempotent: {out}");
    assert_eq!(station_count(&db).await, 92);
    let (code, out) = with(&["station", "create-all", "--area", "77"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("`77`"), "{out}");
    store.close().await;
}

crate::both_backends!(db: stations_in_bulk);

crate::both_backends!(stations_in_bulk_through_the_api);

async fn stations_in_bulk_through_the_api(app: super::super::TestApp) {
    let admin = app.admin().await;
    let post_csv = |body: &'static str| {
        app.client
            .post(app.url("/api/v1/stations/import"))
            .bearer_auth(&admin)
            .header("content-type", "text/csv")
            .body(body)
            .send()
    };
    let res = post_csv(
        "code,area,name,languages,windows\nAPI-1,05443,Trạm một,vi,05:30-06:00\nAPI-2,00000,Trạm hai,vi,\n",
    )
    .await
    .expect("import");
    assert_eq!(res.status(), 422);
    let body: serde_json::Value = res.json().await.expect("json");
    let problems = body["problems"].as_array().expect("problems");
    assert!(
        problems
            .iter()
            .any(|p| p.as_str().is_some_and(|p| p.starts_with("dòng 3: area:"))),
        "{body}"
    );
    assert!(
        loa::store::get_station(&app.state.store, "API-1")
            .await
            .expect("get")
            .is_none(),
        "nothing written"
    );
    let good = "code,area,name,languages,windows\nAPI-1,05443,Trạm một,vi,05:30-06:00\n";
    let res = post_csv(good).await.expect("import");
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["created"], serde_json::json!(["API-1"]), "{body}");
    let body: serde_json::Value = post_csv(good)
        .await
        .expect("again")
        .json()
        .await
        .expect("json");
    assert_eq!(body["unchanged"], 1, "{body}");
    assert_eq!(body["created"], serde_json::json!([]), "{body}");

    let create_all = || {
        app.client
            .post(app.url("/api/v1/stations/create-all"))
            .bearer_auth(&admin)
            .json(&serde_json::json!({ "area": "19" }))
            .send()
    };
    let res = create_all().await.expect("create-all");
    assert_eq!(res.status(), 200);
    let res = create_all().await.expect("create-all again");
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["created"], serde_json::json!([]), "idempotent: {body}");

    let doc: serde_json::Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("openapi")
        .json()
        .await
        .expect("json");
    assert!(doc["paths"]["/api/v1/stations/import"]["post"].is_object());
    assert!(doc["paths"]["/api/v1/stations/create-all"]["post"].is_object());
}
