//! `loa backup DIR` through the real binary: a copy taken while `loa serve` runs and
//! writes, restored into a new data dir and served from there; what it refuses.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use super::cli_server::{run, serve};
use super::library::fresh_mp3;

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

/// `cp -a SRC/. DST/` for the restore step, as README says.
fn copy_tree(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).expect("mkdir");
    for entry in std::fs::read_dir(src).expect("read dir") {
        let entry = entry.expect("entry");
        let to = dst.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), &to).expect("copy");
        }
    }
}

async fn create_station(client: &reqwest::Client, base: &str, token: &str, code: &str) -> u16 {
    client
        .post(format!("{base}/api/v1/stations"))
        .bearer_auth(token)
        .json(&json!({
            "code": code,
            "area": "05443",
            "name": format!("Trạm sao lưu {code}"),
            "languages": ["vi"],
            "windows": [{ "days": "T2-CN", "times": ["06:00-06:30"] }],
        }))
        .send()
        .await
        .expect("create station")
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_of_a_running_server_restores_and_serves() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let data_arg = data.display().to_string();
    let (server, base) = serve(&["--data-dir", &data_arg]).await;
    let password = std::fs::read_to_string(data.join("admin-password.txt"))
        .expect("first admin's password file")
        .lines()
        .nth(1)
        .expect("password line")
        .to_owned();
    let client = reqwest::Client::new();
    let admin = super::login_at(&client, &base, "admin", &password).await;

    assert_eq!(create_station(&client, &base, &admin, "05443-9").await, 201);
    let mp3 = fresh_mp3(41);
    let sha = crate::support::sha256_hex(&mp3);
    let form = reqwest::multipart::Form::new()
        .text("id", "sao-luu-thu")
        .text("title", "Bản tin sao lưu")
        .part(
            "file",
            reqwest::multipart::Part::bytes(mp3.clone()).file_name("sao-luu.mp3"),
        );
    let res = client
        .post(format!("{base}/api/v1/segments"))
        .bearer_auth(&admin)
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(res.status(), 201, "upload");

    // The server keeps writing while the backup runs.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (client, base, admin, stop) =
            (client.clone(), base.clone(), admin.clone(), stop.clone());
        tokio::spawn(async move {
            let mut made = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) && made < 500 {
                let code = format!("05443-w{made}");
                assert_eq!(create_station(&client, &base, &admin, &code).await, 201);
                made += 1;
            }
            made
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let backup = dir.path().join("backups/loa-1");
    let backup_arg = backup.display().to_string();
    let (b, d) = (backup_arg.clone(), data_arg.clone());
    let (code, out) = tokio::task::spawn_blocking(move || run(&["backup", &b, "--data-dir", &d]))
        .await
        .expect("backup thread");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let made = writer.await.expect("writer");
    assert_eq!(code, 0, "{out}");
    assert!(made > 0, "the server was written to during the backup");
    assert!(out.contains("Đã sao lưu"), "{out}");

    // A whole backup, private, with its manifest; no work folder left behind.
    assert!(
        !dir.path().join("backups/.loa-1.dang-sao").exists(),
        "the work folder is renamed"
    );
    #[cfg(unix)]
    {
        assert_eq!(mode(&backup), 0o700);
        assert_eq!(mode(&backup.join("loa.db")), 0o600);
        assert_eq!(mode(&backup.join("manifest.json")), 0o600);
        assert_eq!(
            mode(&backup.join(format!("media/{}/{}/{sha}", &sha[..2], &sha[2..4]))),
            0o600
        );
    }
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(backup.join("manifest.json")).expect("read"))
            .expect("manifest json");
    assert_eq!(manifest["format"], "loa-backup/1");
    assert_eq!(manifest["database"], "sqlite");
    let latest = loa::store::migrate::migrator(loa::store::Backend::Sqlite)
        .iter()
        .map(|m| m.version)
        .max()
        .expect("migrations");
    assert_eq!(manifest["schema_version"], latest);
    let stations_in_copy = manifest["counts"]["stations"].as_i64().expect("count");
    assert!(stations_in_copy >= 1, "{manifest}");
    assert!(manifest["media"]["files"].as_u64().expect("files") >= 1);
    assert_eq!(manifest["media"]["missing"], json!([]), "{manifest}");
    assert_eq!(manifest["media"]["damaged"], json!([]), "{manifest}");

    // DIR now exists and is not empty: refused, nothing changed.
    let before = std::fs::read(backup.join("manifest.json")).expect("read");
    let (code, out) = run(&["backup", &backup_arg, "--data-dir", &data_arg]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("không trống"), "{out}");
    assert_eq!(
        std::fs::read(backup.join("manifest.json")).expect("read"),
        before
    );
    drop(server);

    // Restore into a new data dir (copy back), serve from it on another port.
    let restored = dir.path().join("restored");
    std::fs::create_dir_all(&restored).expect("mkdir");
    std::fs::copy(backup.join("loa.db"), restored.join("loa.db")).expect("copy db");
    copy_tree(&backup.join("media"), &restored.join("media"));
    let restored_arg = restored.display().to_string();
    let (_server, base2) = serve(&["--data-dir", &restored_arg]).await;
    assert_ne!(base2, base);
    let admin = super::login_at(&client, &base2, "admin", &password).await;
    let res = client
        .get(format!("{base2}/api/v1/stations/05443-9"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("station");
    assert_eq!(res.status(), 200, "the station made before the backup");
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["name"], "Trạm sao lưu 05443-9", "{body}");
    let res = client
        .get(format!("{base2}/api/v1/stations"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("stations");
    let list: Value = res.json().await.expect("json");
    let listed = list
        .as_array()
        .or_else(|| list["stations"].as_array())
        .expect("a list")
        .len() as i64;
    assert_eq!(listed, stations_in_copy, "the manifest counts the copy");
    let res = client
        .get(format!("{base2}/api/v1/segments/sao-luu-thu/audio"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("audio");
    assert_eq!(res.status(), 200, "media served from the restored folder");
    let bytes = res.bytes().await.expect("bytes");
    assert_eq!(crate::support::sha256_hex(&bytes), sha, "same SHA-256");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_refuses_postgres_and_resumes_an_interrupted_media_copy() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let media = loa::store::MediaDir::new(data.join("media"));
    let good = media.put(b"tin tuc mot").expect("put").to_string();
    let other = media.put(b"tin tuc hai").expect("put").to_string();
    let data_arg = data.display().to_string();
    let target = dir.path().join("sao");
    let target_arg = target.display().to_string();

    // PostgreSQL: refused with the pg_dump way, nothing written (no connection needed).
    let (code, out) = run(&[
        "backup",
        &target_arg,
        "--data-dir",
        &data_arg,
        "--database-url",
        "postgres://postgres@127.0.0.1:5432/test",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("pg_dump") && out.contains("--media-only"),
        "{out}"
    );
    assert!(!target.exists());
    assert!(!dir.path().join(".sao.dang-sao").exists());

    // No database in the data dir: said, not created.
    let (code, out) = run(&["backup", &target_arg, "--data-dir", &data_arg]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("--data-dir") && out.contains("loa.db"),
        "{out}"
    );
    assert!(!data.join("loa.db").exists(), "no database created");

    // An interrupted run left one good file and one truncated file.
    let work = dir.path().join(".sao.dang-sao/media");
    let path = |root: &Path, sha: &str| root.join(&sha[..2]).join(&sha[2..4]).join(sha);
    std::fs::create_dir_all(path(&work, &good).parent().expect("dir")).expect("mkdir");
    std::fs::create_dir_all(path(&work, &other).parent().expect("dir")).expect("mkdir");
    std::fs::write(path(&work, &good), b"tin tuc mot").expect("write");
    std::fs::write(path(&work, &other), b"tin tu").expect("write");
    // A file whose content does not match its name is not copied.
    let fake = "ab".repeat(32);
    std::fs::create_dir_all(path(&data.join("media"), &fake).parent().expect("dir"))
        .expect("mkdir");
    std::fs::write(path(&data.join("media"), &fake), b"khong khop").expect("write");

    let (code, out) = run(&[
        "backup",
        &target_arg,
        "--data-dir",
        &data_arg,
        "--database-url",
        "postgres://postgres@127.0.0.1:5432/test",
        "--media-only",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("dở dang"), "{out}");
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(target.join("manifest.json")).expect("manifest"),
    )
    .expect("json");
    assert_eq!(manifest["media"]["files"], 2, "{manifest}");
    assert_eq!(manifest["media"]["already_present"], 1, "{manifest}");
    assert_eq!(manifest["media"]["copied"], 1, "{manifest}");
    assert_eq!(manifest["media"]["damaged"], json!([fake]), "{manifest}");
    assert_eq!(manifest["schema_version"], Value::Null);
    assert!(!target.join("loa.db").exists());
    assert_eq!(
        std::fs::read(path(&target.join("media"), &other)).expect("read"),
        b"tin tuc hai",
        "the truncated file is copied again"
    );
    assert!(!path(&target.join("media"), &fake).exists());
    assert!(!dir.path().join(".sao.dang-sao").exists());
}
