//! `loa account create` on a tree loaded with `loa areas import`, on both backends; the
//! first administrator reaches every province.

use super::super::Db;
use super::super::cli_server::{database, run};
use super::{login, national_csv, serve_bare};

async fn an_imported_tree_gets_its_first_admin_from_the_cli(db: Db) {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let Some((flags, _)) = database(db, &data).await else {
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

    // No account yet: the server says how to make one, in one line.
    let (server, _, err) = serve_bare(&flags).await;
    let hint: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("loa account create"))
        .collect();
    assert!(!hint.is_empty(), "the server names the command: {err}");
    assert!(hint[0].contains("--role admin"), "{}", hint[0]);
    drop(server);

    // Refusals change nothing and say why.
    let (code, out) = with(&["account", "create", "admin", "--role", "chief"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("--role") && out.contains("admin, approver"),
        "{out}"
    );
    let short = dir.path().join("short.txt");
    std::fs::write(&short, "ngan\n").expect("write");
    let (code, out) = with(&[
        "account",
        "create",
        "admin",
        "--role",
        "admin",
        "--password-file",
        &short.display().to_string(),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("ít nhất 10 ký tự"), "{out}");
    let (code, out) = with(&[
        "account", "create", "tinh", "--role", "admin", "--area", "99",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("`99`"), "{out}");

    // The first administrator: a made password, shown once and kept in a 0600 file.
    let (code, out) = with(&["account", "create", "admin", "--role", "admin"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("toàn bộ cây đơn vị"), "{out}");
    let password = out
        .lines()
        .find_map(|l| l.strip_prefix("mật khẩu (chỉ hiện một lần): "))
        .unwrap_or_else(|| panic!("the password line: {out}"))
        .to_owned();
    let file = data.join("admin-password.txt");
    assert_eq!(
        std::fs::read_to_string(&file).expect("password file"),
        format!("admin\n{password}\n")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    let (code, out) = with(&["account", "create", "admin", "--role", "admin"]);
    assert_eq!(code, 1, "a second admin of that name: {out}");
    assert!(out.contains("đã có"), "{out}");

    // A province's own account, its password from a file.
    let pw = dir.path().join("tinh.txt");
    std::fs::write(&pw, "mat-khau-tinh-thai-nguyen\n").expect("write");
    let (code, out) = with(&[
        "account",
        "create",
        "tinh19",
        "--role",
        "editor",
        "--area",
        "19",
        "--password-file",
        &pw.display().to_string(),
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        !out.contains("mat-khau-tinh-thai-nguyen"),
        "never printed: {out}"
    );

    let (server, base, err) = serve_bare(&flags).await;
    assert!(
        !err.contains("loa account create"),
        "an account exists: {err}"
    );
    let client = reqwest::Client::new();
    let admin = login(&client, &base, "admin", &password).await;
    let areas: Vec<serde_json::Value> = client
        .get(format!("{base}/api/v1/areas"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("areas")
        .json()
        .await
        .expect("json");
    assert_eq!(areas.len(), 97, "every unit of the three provinces");
    let me: serde_json::Value = client
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("me")
        .json()
        .await
        .expect("json");
    assert_eq!(me["whole_tree"], true, "{me}");
    for area in ["79", "01", "19"] {
        let res = client
            .post(format!("{base}/api/v1/accounts"))
            .bearer_auth(&admin)
            .json(&serde_json::json!({
                "username": format!("qt{area}"), "password": "mot-mat-khau-dai",
                "role": "admin", "area": area
            }))
            .send()
            .await
            .expect("create account");
        assert_eq!(res.status(), 201, "an account for province {area}");
    }

    // The province's editor sees its own province only, and the province's admin
    // neither sees nor disables the national one.
    let editor = login(&client, &base, "tinh19", "mat-khau-tinh-thai-nguyen").await;
    let areas: Vec<serde_json::Value> = client
        .get(format!("{base}/api/v1/areas"))
        .bearer_auth(&editor)
        .send()
        .await
        .expect("areas")
        .json()
        .await
        .expect("json");
    assert_eq!(areas.len(), 93);
    let qt19 = login(&client, &base, "qt19", "mot-mat-khau-dai").await;
    let listed: Vec<serde_json::Value> = client
        .get(format!("{base}/api/v1/accounts"))
        .bearer_auth(&qt19)
        .send()
        .await
        .expect("accounts")
        .json()
        .await
        .expect("json");
    assert!(
        listed.iter().all(|a| a["username"] != "admin"),
        "the national admin is outside a province's reach: {listed:?}"
    );
    let res = client
        .post(format!("{base}/api/v1/accounts/admin/disable"))
        .bearer_auth(&qt19)
        .send()
        .await
        .expect("disable");
    assert_eq!(res.status(), 404);
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_create_sqlite() {
    an_imported_tree_gets_its_first_admin_from_the_cli(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_create_postgres() {
    an_imported_tree_gets_its_first_admin_from_the_cli(Db::Postgres).await;
}
