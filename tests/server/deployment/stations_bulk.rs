//! Stations in bulk from the command line on both backends: `loa station import
//! FILE.csv` and `loa station create-all --area CODE`; every problem with its line,
//! nothing written on error, the same run twice changes nothing.

use loa::store::Store;
use sqlx::Row;

use super::super::Db;
use super::super::cli_server::{database, run};
use super::national_csv;

async fn station_count(store: &Store) -> i64 {
    sqlx::query("SELECT COUNT(*) FROM stations")
        .fetch_one(store.pool())
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
    assert_eq!(station_count(&store).await, 0, "nothing written");

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
        .fetch_one(store.pool())
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
    assert_eq!(station_count(&store).await, 92);
    let (code, out) = with(&["station", "create-all", "--area", "77"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("`77`"), "{out}");
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stations_bulk_sqlite() {
    stations_in_bulk(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stations_bulk_postgres() {
    stations_in_bulk(Db::Postgres).await;
}
