//! HTTPS served by `loa serve` itself (rustls), with a certificate made in the test by
//! a CA of its own, as a province would; the agent verifies it and trusts that CA only
//! when told (`--ca-cert`).

use std::process::Command;

use super::super::cli_server::loa;
use super::super::{Db, seed_dir, spawn_app_configured};
use super::TestCerts;

async fn https_with_a_province_ca(db: Db) {
    let dir = tempfile::tempdir().expect("temp dir");
    let certs = TestCerts::make(dir.path());
    let Some(app) = spawn_app_configured(db, seed_dir(), |c| {
        c.tls_cert = Some(certs.cert.clone());
        c.tls_key = Some(certs.key.clone());
    })
    .await
    else {
        eprintln!("LOA_TEST_DATABASE_URL not set: PostgreSQL run skipped");
        return;
    };
    let port = app.base.rsplit(':').next().expect("port").to_owned();
    let https = format!("https://localhost:{port}");

    // A client trusting the province's CA gets through and is served as usual.
    let trusting = reqwest::Client::builder()
        .tls_certs_only([certs.ca_certificate()])
        .build()
        .expect("client");
    let res = trusting
        .get(format!("{https}/healthz"))
        .send()
        .await
        .expect("https healthz");
    assert_eq!(res.status(), 200);
    let res = trusting
        .post(format!("{https}/api/v1/login"))
        .json(&serde_json::json!({ "username": "admin", "password": app.admin_password }))
        .send()
        .await
        .expect("https login");
    assert_eq!(res.status(), 200);

    // The certificate is checked: no CA, no connection; plain HTTP gets no answer.
    let strict = reqwest::Client::builder()
        .tls_certs_only(Vec::new())
        .build()
        .expect("client");
    let err = strict
        .get(format!("{https}/healthz"))
        .send()
        .await
        .expect_err("an unknown CA is refused");
    assert!(
        format!("{err:?}").to_lowercase().contains("certificate"),
        "{err:?}"
    );
    let plain = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .send()
        .await;
    assert!(
        plain.map(|r| r.status() != 200).unwrap_or(true),
        "plain HTTP is not served on the TLS port"
    );

    // The real agent: refused without the CA, enrolled with `--ca-cert`.
    let enroll = |with_ca: bool| {
        let code = {
            let rt = tokio::runtime::Handle::current();
            let admin = rt.block_on(super::login(
                &trusting,
                &https,
                "admin",
                &app.admin_password,
            ));
            let res = rt
                .block_on(
                    trusting
                        .post(format!("{https}/api/v1/stations/05443/enroll-code"))
                        .bearer_auth(&admin)
                        .send(),
                )
                .expect("enroll code");
            assert_eq!(res.status(), 201);
            rt.block_on(res.json::<serde_json::Value>()).expect("json")["code"]
                .as_str()
                .expect("code")
                .to_owned()
        };
        let agent_dir = dir.path().join(if with_ca { "agent-ca" } else { "agent" });
        let mut args = vec![
            "agent".to_owned(),
            "--server".to_owned(),
            https.clone(),
            "--enroll".to_owned(),
            code,
            "--data-dir".to_owned(),
            agent_dir.display().to_string(),
            "--output".to_owned(),
            "null".to_owned(),
        ];
        if with_ca {
            args.extend(["--ca-cert".to_owned(), certs.ca.display().to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut child = loa(&args)
            .env("LOA_LOG", "info")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn agent");
        let token = agent_dir.join("token");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            if token.exists() || child.try_wait().expect("wait").is_some() {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "agent neither enrolled nor stopped"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        if child.try_wait().expect("wait").is_none() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
        }
        let out = child.wait_with_output().expect("agent output");
        (
            token.exists(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    let (enrolled, out) = tokio::task::block_in_place(|| enroll(false));
    assert!(
        !enrolled,
        "no CA given: the server's certificate is not trusted: {out}"
    );
    assert!(out.contains("đăng ký trạm thất bại"), "{out}");
    let (enrolled, out) = tokio::task::block_in_place(|| enroll(true));
    assert!(enrolled, "with --ca-cert: {out}");
    assert!(out.contains("Đã đăng ký trạm 05443"), "{out}");

    // A CA file that holds no certificate is refused by name.
    let bogus = dir.path().join("bogus.pem");
    std::fs::write(&bogus, "không phải chứng chỉ\n").expect("write");
    let out = loa(&[
        "agent",
        "--server",
        &https,
        "--enroll",
        "AAAA-BBBB-CCCC",
        "--data-dir",
        &dir.path().join("agent-bogus").display().to_string(),
        "--ca-cert",
        &bogus.display().to_string(),
    ])
    .output()
    .expect("agent");
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        text.contains("--ca-cert") && text.contains("BEGIN CERTIFICATE"),
        "{text}"
    );
}

crate::both_backends!(db: https_with_a_province_ca);

/// `loa serve --tls-cert` without `--tls-key`, or with a key that is not PEM, refuses to
/// start and says what to give.
#[test]
fn tls_flags_are_checked_at_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    let certs = TestCerts::make(dir.path());
    let data = dir.path().join("data").display().to_string();
    let out = loa(&[
        "serve",
        "--data-dir",
        &data,
        "--tls-cert",
        &certs.cert.display().to_string(),
    ])
    .output()
    .expect("serve");
    assert!(!out.status.success());
    let bad_key = dir.path().join("bad-key.pem");
    std::fs::write(&bad_key, "khóa hỏng").expect("write");
    let out = loa(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--seed",
        "/nonexistent",
        "--data-dir",
        &data,
        "--tls-cert",
        &certs.cert.display().to_string(),
        "--tls-key",
        &bad_key.display().to_string(),
    ])
    .output()
    .expect("serve");
    let text = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("không dùng được chứng chỉ"), "{text}");
}
