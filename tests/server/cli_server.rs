//! The server's commands through the real `loa` binary: `areas import`,
//! `station enroll-code`, and `serve` stopping cleanly on SIGTERM.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use loa::store::Store;
use sqlx::Row;

use super::events::EventStream;
use super::seed_dir;

pub(super) fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `loa ARGS` with the database chosen by flags only (nothing from the environment).
pub(super) fn loa(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_loa"));
    cmd.args(args)
        .current_dir(repo())
        .env_remove("LOA_DATA_DIR")
        .env_remove("LOA_DATABASE_URL")
        .env_remove("LOA_CONFIG")
        .env_remove("LOA_LISTEN")
        .env_remove("LOA_SEED")
        .env("LOA_LOG", "error");
    cmd
}

pub(super) fn run(args: &[&str]) -> (i32, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = loa(args).output().expect("run loa");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&stdout),
        String::from_utf8_lossy(&stderr)
    );
    (status.code().expect("exit code"), text)
}

async fn area_count(db: &sqlx::AnyPool) -> i64 {
    sqlx::query("SELECT COUNT(*) FROM areas")
        .fetch_one(db)
        .await
        .expect("count")
        .get(0)
}

/// The database flags for `data_dir`, and the URL to open it from the test.
pub(super) async fn database(db: super::Db, data_dir: &Path) -> Option<(Vec<String>, String)> {
    let dir = data_dir.display().to_string();
    match db {
        super::Db::Sqlite => Some((
            vec!["--data-dir".to_owned(), dir],
            Store::sqlite_url(data_dir),
        )),
        super::Db::Postgres => {
            let url = super::postgres_url().await?;
            Some((
                vec![
                    "--data-dir".to_owned(),
                    dir,
                    "--database-url".to_owned(),
                    url.clone(),
                ],
                url,
            ))
        }
    }
}

async fn areas_import_is_idempotent_and_all_or_nothing(db: super::Db) {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let Some((flags, url)) = database(db, &data).await else {
        eprintln!("LOA_TEST_DATABASE_URL not set: PostgreSQL run skipped");
        return;
    };
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let csv = repo().join("schedules/bac-kan-2024/areas.csv");
    let csv_arg = csv.display().to_string();
    let import = |file: &str| {
        let mut args = vec!["areas", "import", file];
        args.extend(&flags);
        run(&args)
    };

    let (code, out) = import(&csv_arg);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("117"), "prints how many: {out}");
    let store = Store::open(&url)
        .await
        .expect("open the command's database");
    let db = crate::server::raw_db(&url).await;
    assert_eq!(area_count(&db).await, 117);

    let (code, out) = import(&csv_arg);
    assert_eq!(code, 0, "a second run: {out}");
    assert_eq!(area_count(&db).await, 117, "idempotent");

    // Line 3 renames a district (a change that would be written) and line 5 is bad.
    let text = std::fs::read_to_string(&csv).expect("csv");
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    assert!(lines[2].starts_with("058,"));
    lines[2] = "058,Thành phố đổi tên,district,06".to_owned();
    let rest = lines[4].split_once(',').expect("a row").1.to_owned();
    lines[4] = format!("0A1,{rest}");
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, lines.join("\n") + "\n").expect("write");
    let (code, out) = import(&bad.display().to_string());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("{}:5:1", bad.display())),
        "names file:line:column: {out}"
    );
    assert_eq!(area_count(&db).await, 117, "nothing written");
    let name: String = sqlx::query("SELECT name FROM areas WHERE code = '058'")
        .fetch_one(&db)
        .await
        .expect("district")
        .get(0);
    assert_eq!(
        name, "Thành Phố Bắc Kạn",
        "the good rows of a bad file are not written either"
    );
    store.close().await;
}

crate::both_backends!(db: areas_import_is_idempotent_and_all_or_nothing);

/// Kills the child on drop, so a failing test leaves no server behind.
pub(super) struct Server(pub(super) Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `loa serve` on port 0 and returns it with its base URL, read from the line
/// it prints on stdout.
pub(super) async fn serve(flags: &[&str]) -> (Server, String) {
    let seed = seed_dir().display().to_string();
    let mut args = vec!["serve", "--listen", "127.0.0.1:0", "--seed", &seed];
    args.extend(flags);
    let mut child = loa(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn loa serve");
    let stdout = child.stdout.take().expect("stdout");
    let server = Server(child);
    let line = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stdout).lines();
        lines.find_map(|l| {
            l.ok()?
                .strip_prefix("loa serve: ")
                .map(|rest| rest.split_whitespace().next().unwrap_or("").to_owned())
        })
    });
    let base = tokio::time::timeout(Duration::from_secs(120), line)
        .await
        .expect("loa serve starts within 2 minutes")
        .expect("reader thread")
        .expect("loa serve printed its address");
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    (server, base)
}

async fn enroll_code_from_the_cli_works_and_sigterm_stops_the_server(db: super::Db) {
    let dir = tempfile::tempdir().expect("temp dir");
    let Some((flags, _)) = database(db, dir.path()).await else {
        eprintln!("LOA_TEST_DATABASE_URL not set: PostgreSQL run skipped");
        return;
    };
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let (mut server, base) = serve(&flags).await;

    let mut args = vec!["station", "enroll-code", "05443"];
    args.extend(&flags);
    let (code, out) = run(&args);
    assert_eq!(code, 0, "{out}");
    let enroll = out
        .lines()
        .find_map(|l| l.strip_prefix("Mã đăng ký cho trạm 05443: "))
        .unwrap_or_else(|| panic!("the code line: {out}"))
        .trim()
        .to_owned();
    let mut args = vec!["station", "enroll-code", "99999"];
    args.extend(&flags);
    let (code, out) = run(&args);
    assert_eq!(code, 1, "unknown station: {out}");
    assert!(out.contains("99999"), "{out}");

    let client = reqwest::Client::new();
    let res = client
        .post(format!("{base}/api/v1/enroll"))
        .json(&serde_json::json!({ "code": enroll }))
        .send()
        .await
        .expect("enroll");
    assert_eq!(res.status(), 201);
    let token = res.json::<serde_json::Value>().await.expect("json")["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let res = client
        .get(format!("{base}/api/v1/playlist"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("playlist");
    assert_eq!(res.status(), 200);

    // An agent holding its event stream open must not keep the server from stopping.
    let mut events = EventStream::open_at(&client, &base, &token, None).await;
    events.expect("hello").await;

    let killed = Command::new("kill")
        .arg("-TERM")
        .arg(server.0.id().to_string())
        .status()
        .expect("kill");
    assert!(killed.success());
    let ended = tokio::time::timeout(Duration::from_secs(10), events.next())
        .await
        .expect("the stream ends when the server stops");
    assert_eq!(ended, None);
    let status = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            if let Some(status) = server.0.try_wait().expect("wait") {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("loa serve exits within 20 s of SIGTERM");
    assert!(status.success(), "exit status {status:?}");
}

crate::both_backends!(db: enroll_code_from_the_cli_works_and_sigterm_stops_the_server);
