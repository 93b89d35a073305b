//! `loa schedule import` through the real binary: the same checks and messages as
//! `loa schedule check` (nothing written on any problem), else the set is stored, an
//! administrator made, and every station compiled. Runs on both backends.

use std::path::{Path, PathBuf};
use std::process::Command;

use loa::store::Store;
use sqlx::Row;

use crate::both_backends;

use super::Db;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `loa ARGS` with the database chosen by flags only: (exit code, stdout+stderr).
fn loa(args: &[String]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_loa"))
        .args(args)
        .current_dir(repo())
        .env_remove("LOA_DATA_DIR")
        .env_remove("LOA_DATABASE_URL")
        .env_remove("LOA_CONFIG")
        .env("LOA_LOG", "error")
        .output()
        .expect("run loa");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().expect("exit code"), text)
}

/// Database flags for a data dir under `root`, and the URL the test opens.
async fn database(db: Db, root: &Path) -> Option<(Vec<String>, String)> {
    let data = root.join("data");
    let mut flags = vec!["--data-dir".to_owned(), data.display().to_string()];
    let url = match db {
        Db::Sqlite => Store::sqlite_url(&data),
        Db::Postgres => {
            let url = super::postgres_url().await?;
            flags.extend(["--database-url".to_owned(), url.clone()]);
            url
        }
    };
    Some((flags, url))
}

async fn count(url: &str, table: &str) -> i64 {
    let store = Store::open(url).await.expect("open");
    let db = crate::server::raw_db(url).await;
    let n = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
        .fetch_one(&db)
        .await
        .expect("count")
        .get(0);
    store.close().await;
    n
}

/// A copy of the Thái Nguyên set in `root/set` whose audio folder still resolves, with
/// `edit` applied to its stations file.
fn broken_copy(root: &Path, edit: impl Fn(String) -> String) -> PathBuf {
    let set = root.join("set");
    std::fs::create_dir_all(&set).expect("mkdir");
    let source = super::seed_dir();
    for entry in std::fs::read_dir(&source).expect("read set") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("name");
        let mut text = std::fs::read_to_string(&path).expect("read");
        if name == "stations.toml" {
            let audio = repo().join("audio").display().to_string();
            text = edit(text.replace("\"../../audio\"", &format!("{audio:?}")));
        }
        std::fs::write(set.join(name), text).expect("write");
    }
    set
}

both_backends!(db:

    a_set_with_problems_is_reported_like_check_and_writes_nothing,
    a_valid_set_is_imported_compiled_and_reimported_idempotently,
    phone_audio_imports_an_m4a_and_warns_about_a_silent_file,
);

async fn a_set_with_problems_is_reported_like_check_and_writes_nothing(db: Db) {
    let dir = tempfile::tempdir().expect("temp dir");
    let Some((flags, url)) = database(db, dir.path()).await else {
        eprintln!("LOA_TEST_DATABASE_URL not set: PostgreSQL run skipped");
        return;
    };
    let set = broken_copy(dir.path(), |t| {
        t.replacen("area = \"05710\"", "area = \"0571\"", 1)
            .replacen("code = \"05500\"", "code = \"05500 b\"", 1)
    });
    let set_arg = set.display().to_string();
    let (check_code, check) = loa(&["schedule".into(), "check".into(), set_arg.clone()]);
    assert_eq!(check_code, 1, "{check}");
    let mut args = vec!["schedule".to_owned(), "import".to_owned(), set_arg];
    args.extend(flags);
    let (code, out) = loa(&args);
    assert_eq!(code, 1, "{out}");
    let located = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.contains("stations.toml:"))
            .map(str::to_owned)
            .collect()
    };
    let problems = located(&out);
    assert_eq!(problems.len(), 2, "{out}");
    assert_eq!(
        problems,
        located(&check),
        "the same problems as `loa schedule check`"
    );
    assert!(
        problems[0].contains(":30:8: lỗi: đơn vị `0571` không có trong danh sách"),
        "{out}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("mã trạm `05500 b` không hợp lệ")),
        "{out}"
    );
    assert!(
        out.contains("2 lỗi; không ghi gì vào cơ sở dữ liệu"),
        "{out}"
    );
    match db {
        // Not even the database file is made.
        Db::Sqlite => assert!(!dir.path().join("data").exists(), "nothing written"),
        Db::Postgres => assert_eq!(count(&url, "areas").await, 0, "nothing written"),
    }

    let mut args = vec![
        "schedule".to_owned(),
        "import".to_owned(),
        "khong-co".to_owned(),
    ];
    args.extend(database(db, dir.path()).await.expect("flags").0);
    let (code, out) = loa(&args);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("khong-co:1:1: lỗi: không tìm thấy"), "{out}");
}

async fn a_valid_set_is_imported_compiled_and_reimported_idempotently(db: Db) {
    let dir = tempfile::tempdir().expect("temp dir");
    let Some((flags, url)) = database(db, dir.path()).await else {
        eprintln!("LOA_TEST_DATABASE_URL not set: PostgreSQL run skipped");
        return;
    };
    let import = |set: &Path| {
        let mut args = vec![
            "schedule".to_owned(),
            "import".to_owned(),
            set.display().to_string(),
        ];
        args.extend(flags.clone());
        loa(&args)
    };
    let (code, out) = import(&super::seed_dir());
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("93 đơn vị hành chính, 94 trạm, 8 bản tin, 4 chiến dịch"),
        "{out}"
    );
    assert!(out.contains("đã tạo tài khoản quản trị `admin`"), "{out}");
    assert!(
        out.contains("đã lập danh sách phát cho 94 trạm (94 thay đổi"),
        "{out}"
    );
    assert!(dir.path().join("data/admin-password.txt").exists());
    assert_eq!(count(&url, "stations").await, 94);
    assert_eq!(count(&url, "playlists").await, 94);
    assert_eq!(count(&url, "campaigns").await, 4);
    assert!(count(&url, "planned_items").await > 0);

    // Again: nothing changes, no second administrator.
    let (code, out) = import(&super::seed_dir());
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("(0 thay đổi"), "{out}");
    assert!(!out.contains("tài khoản quản trị"), "{out}");
    assert_eq!(count(&url, "accounts").await, 1);

    // An edited campaign replaces the stored one and reaches the playlists.
    let set = broken_copy(dir.path(), |t| t);
    let campaigns = std::fs::read_to_string(set.join("campaigns.toml")).expect("read");
    std::fs::write(
        set.join("campaigns.toml"),
        campaigns.replacen("slots = [\"45 5 * * *\"]", "slots = [\"50 5 * * *\"]", 1),
    )
    .expect("write");
    let (code, out) = import(&set);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("(94 thay đổi"), "{out}");
    let store = Store::open(&url).await.expect("open");
    let db = crate::server::raw_db(&url).await;
    let spec: String = sqlx::query("SELECT spec FROM campaigns WHERE id = 'xhht-2025-2030'")
        .fetch_one(&db)
        .await
        .expect("campaign")
        .get(0);
    assert!(spec.contains("50 5 * * *"), "{spec}");
    let audited: i64 = sqlx::query(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'schedule.import' AND actor = 'cli'",
    )
    .fetch_one(&db)
    .await
    .expect("audit")
    .get(0);
    assert_eq!(audited, 3);
    store.close().await;
}

/// Runs a tool that must succeed.
fn run_tool(cmd: &mut Command) {
    let out = cmd.output().expect("tool runs");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn phone_audio_imports_an_m4a_and_warns_about_a_silent_file(db: Db) {
    use crate::support::pulse::tool_present;
    if !(tool_present("sox") && tool_present("ffmpeg")) {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let Some((flags, url)) = database(db, dir.path()).await else {
        eprintln!("LOA_TEST_DATABASE_URL not set: PostgreSQL run skipped");
        return;
    };
    // The set's audio folder: the samples, plus an AAC `.m4a` and 10 s of digital
    // silence made here.
    let audio = dir.path().join("audio");
    std::fs::create_dir_all(&audio).expect("mkdir");
    for entry in std::fs::read_dir(repo().join("audio")).expect("samples") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, audio.join(path.file_name().expect("name"))).expect("copy");
    }
    let wav = dir.path().join("nguon.wav");
    run_tool(
        Command::new("sox")
            .args(["-n", "-r", "44100", "-c", "1"])
            .arg(&wav)
            .args(["synth", "20", "pinknoise", "vol", "0.3"]),
    );
    run_tool(
        Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-i"])
            .arg(&wav)
            .args(["-c:a", "aac", "-b:a", "64k"])
            .arg(audio.join("ghi-am-dien-thoai.m4a")),
    );
    run_tool(
        Command::new("sox")
            .args(["-n", "-r", "44100", "-c", "1"])
            .arg(audio.join("im-lang.wav"))
            .args(["trim", "0", "10"]),
    );
    let set = broken_copy(dir.path(), |t| t);
    let stations = std::fs::read_to_string(set.join("stations.toml")).expect("read");
    let samples = format!("{:?}", repo().join("audio").display().to_string());
    std::fs::write(
        set.join("stations.toml"),
        stations.replace(&samples, &format!("{:?}", audio.display().to_string())),
    )
    .expect("write");
    // Manifest entries as `loa audio probe` prints them.
    let (code, probed) = loa(&[
        "audio".into(),
        "probe".into(),
        audio.join("ghi-am-dien-thoai.m4a").display().to_string(),
        audio.join("im-lang.wav").display().to_string(),
    ]);
    assert_eq!(code, 0, "{probed}");
    assert!(
        probed.contains("im-lang.wav: cảnh báo: tệp chỉ có im lặng"),
        "{probed}"
    );
    let manifest: String = probed
        .lines()
        .filter(|l| !l.starts_with('#') && !l.contains("cảnh báo"))
        .map(|l| match l {
            "title = \"\"" => "title = \"Ghi âm điện thoại\"\n".to_owned(),
            l => format!("{l}\n"),
        })
        .collect();
    assert!(
        manifest.contains("file = \"ghi-am-dien-thoai.m4a\""),
        "{manifest}"
    );
    assert!(
        manifest.contains("duration_ms = 20"),
        "an m4a of 20 s: {manifest}"
    );
    let library = std::fs::read_to_string(set.join("library.toml")).expect("read");
    std::fs::write(set.join("library.toml"), format!("{library}\n{manifest}")).expect("write");

    let set_arg = set.display().to_string();
    let (code, check) = loa(&["schedule".into(), "check".into(), set_arg.clone()]);
    assert_eq!(code, 0, "{check}");
    let mut args = vec!["schedule".to_owned(), "import".to_owned(), set_arg];
    args.extend(flags);
    let (code, out) = loa(&args);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("10 bản tin"), "{out}");
    let warnings: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("cảnh báo: bản tin"))
        .collect();
    assert_eq!(warnings.len(), 1, "{out}");
    assert!(
        warnings[0].contains("`im-lang` (tệp `im-lang.wav`): tệp chỉ có im lặng"),
        "{out}"
    );
    let store = Store::open(&url).await.expect("open");
    let db = crate::server::raw_db(&url).await;
    let rows = sqlx::query(
        "SELECT id, duration_ms, loudness_lufs FROM segments WHERE id IN ('ghi-am-dien-thoai', 'im-lang') ORDER BY id",
    )
    .fetch_all(&db)
    .await
    .expect("segments");
    store.close().await;
    assert_eq!(rows.len(), 2);
    let m4a_ms: i64 = rows[0].get(1);
    assert!((m4a_ms - 20_000).abs() <= 50, "{m4a_ms}");
    assert!(
        rows[0].get::<Option<f64>, _>(2).is_some(),
        "the m4a's loudness"
    );
    assert_eq!(rows[1].get::<i64, _>(1), 10_000);
    assert_eq!(
        rows[1].get::<Option<f64>, _>(2),
        None,
        "silence has no loudness"
    );
}
