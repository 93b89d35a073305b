//! `loa account create` on a tree loaded with `loa areas import`, on both backends; the
//! first administrator reaches every province.

use super::super::Db;
use super::super::cli_server::{database, run};
use super::{login, national_csv, serve_bare};

async fn an_imported_tree_gets_its_first_admin_from_the_cli(db: Db) {
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
    // Long enough is not enough: the console's one policy (common list, the username,
    // runs of digits) holds for a password from a file too.
    for (text, says) in [
        ("password123\n", "quá phổ biến"),
        ("admin-cua-tinh\n", "tên đăng nhập"),
        ("2345678901234\n", "dãy số"),
    ] {
        let weak = dir.path().join("weak.txt");
        std::fs::write(&weak, text).expect("write");
        let (code, out) = with(&[
            "account",
            "create",
            "admin",
            "--role",
            "admin",
            "--password-file",
            &weak.display().to_string(),
        ]);
        assert_eq!(code, 1, "{text}: {out}");
        assert!(
            out.contains("--password-file") && out.contains(says),
            "{text}: {out}"
        );
    }
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

    // The national admin's audit entries reach a province only where they concern it:
    // qt01 (of the first root, the area a whole-tree account is stored with) reads the
    // creation of its own account, not those of the other provinces' accounts.
    let qt01 = login(&client, &base, "qt01", "mot-mat-khau-dai").await;
    let res = client
        .get(format!("{base}/api/v1/audit"))
        .bearer_auth(&qt01)
        .send()
        .await
        .expect("audit");
    assert_eq!(res.status(), 200);
    let entries: Vec<serde_json::Value> = res.json().await.expect("json");
    let targets: Vec<&str> = entries
        .iter()
        .filter_map(|e| e["target"].as_str())
        .collect();
    assert!(targets.contains(&"qt01"), "its own province: {entries:?}");
    assert!(
        !targets.contains(&"qt19") && !targets.contains(&"qt79") && !targets.contains(&"admin"),
        "other provinces and the national admin stay hidden: {entries:?}"
    );
    let everything: Vec<serde_json::Value> = client
        .get(format!("{base}/api/v1/audit"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("audit")
        .json()
        .await
        .expect("json");
    for who in ["qt01", "qt19", "qt79", "admin"] {
        assert!(
            everything.iter().any(|e| e["target"] == who),
            "the national admin reads all: {who} in {everything:?}"
        );
    }

    // On a tree of three provinces the national admin names the owner of what it makes.
    let campaign = serde_json::json!({
        "id": "tuyen-truyen-2026", "name": "Tuyên truyền 2026",
        "from": "2026-01-01", "until": "2026-01-31", "areas": ["19"],
        "pool": ["ban-tin"], "rotations": []
    });
    for (query, says) in [
        (
            "",
            "area: tài khoản toàn quốc cần ghi rõ đơn vị sở hữu chiến dịch",
        ),
        ("?area=99", "area: đơn vị `99` không có trong phạm vi"),
    ] {
        let res = client
            .post(format!("{base}/api/v1/campaigns{query}"))
            .bearer_auth(&admin)
            .json(&campaign)
            .send()
            .await
            .expect("campaign");
        assert_eq!(res.status(), 422, "{query}");
        let body = res.text().await.expect("body");
        assert!(body.contains(says), "{query}: {body}");
    }
    let res = client
        .post(format!("{base}/api/v1/campaigns?area=19"))
        .bearer_auth(&admin)
        .json(&campaign)
        .send()
        .await
        .expect("campaign");
    let body = res.text().await.expect("body");
    assert!(
        !body.contains("area: "),
        "an owner named: other checks only: {body}"
    );
    let form = reqwest::multipart::Form::new()
        .text("id", "ban-tin")
        .text("title", "Bản tin")
        .part(
            "file",
            reqwest::multipart::Part::bytes(vec![0u8; 64]).file_name("ban-tin.mp3"),
        );
    let res = client
        .post(format!("{base}/api/v1/segments"))
        .bearer_auth(&admin)
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(res.status(), 422);
    let body = res.text().await.expect("body");
    assert!(
        body.contains("area: tài khoản toàn quốc cần ghi rõ đơn vị sở hữu bản tin"),
        "{body}"
    );
    let count: i64 = {
        let store = loa::store::Store::open(&url).await.expect("open");
        let db = crate::server::raw_db(&url).await;
        let n = sqlx::query_scalar::<_, i64>(
            "SELECT (SELECT COUNT(*) FROM campaigns) + (SELECT COUNT(*) FROM segments)",
        )
        .fetch_one(&db)
        .await
        .expect("count");
        store.close().await;
        n
    };
    assert_eq!(count, 0, "nothing written");

    // A report naming no area covers the three provinces and says so.
    let report: serde_json::Value = client
        .get(format!(
            "{base}/api/v1/reports?from=2026-01-01&until=2026-01-31"
        ))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("report")
        .json()
        .await
        .expect("json");
    assert_eq!(report["area_name"], "Toàn quốc", "{report}");
    let res = client
        .get(format!(
            "{base}/api/v1/reports?from=2026-01-01&until=2026-01-31&format=table"
        ))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("report table");
    assert_eq!(res.status(), 200);
    let disposition = res
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(disposition.contains("toan-quoc"), "{disposition}");
    let text = res.text().await.expect("table");
    assert!(text.contains("Toàn quốc"), "{text}");
    drop(server);
}

crate::both_backends!(db: an_imported_tree_gets_its_first_admin_from_the_cli);
