//! A real deployment from nothing: a tree loaded with `loa areas import`, the first
//! account made with `loa account create`, a reformed tree re-imported, stations in
//! bulk, HTTPS (rustls and nginx in front), `/metrics` behind a token.

mod accounts;
mod nginx;
mod reform;
mod stations_bulk;
mod systemd;
mod tls;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use super::cli_server::{Server, loa};

/// A national-shape tree in one file: Thái Nguyên after the 2025 reform (93 units) and
/// two more provinces with one ward each (official 2025 codes), so the tree has three
/// roots.
pub(super) fn national_csv(dir: &std::path::Path) -> std::path::PathBuf {
    let mut text = std::fs::read_to_string(
        super::cli_server::repo().join("schedules/thai-nguyen-2025/areas.csv"),
    )
    .expect("the 2025 Thái Nguyên list");
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str("01,Thành phố Hà Nội,province,\n00004,Phường Ba Đình,commune,01\n");
    text.push_str("79,Thành phố Hồ Chí Minh,province,\n26734,Phường Sài Gòn,commune,79\n");
    let file = dir.join("ca-nuoc-2025.csv");
    std::fs::write(&file, text).expect("write the national csv");
    file
}

/// `loa serve` on port 0 with `flags` and no seed; its base URL and everything it wrote
/// on stderr before printing the address.
pub(super) async fn serve_bare(flags: &[&str]) -> (Server, String, String) {
    let mut args = vec!["serve", "--listen", "127.0.0.1:0", "--seed", "/nonexistent"];
    args.extend(flags);
    let mut child = loa(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn loa serve");
    let stdout = child.stdout.take().expect("stdout");
    let stderr = child.stderr.take().expect("stderr");
    let server = Server(child);
    let err_lines = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let sink = err_lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            eprintln!("[loa serve] {line}");
            if let Ok(mut s) = sink.lock() {
                s.push_str(&line);
                s.push('\n');
            }
        }
    });
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
    // stderr is read on its own thread; give it a moment to catch up.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let err = err_lines.lock().map(|s| s.clone()).unwrap_or_default();
    (server, base, err)
}

pub(super) use super::login_at as login;

/// A province's own CA and a server certificate it signed for `localhost` and
/// `127.0.0.1`, as PEM files.
pub(super) struct TestCerts {
    /// The CA certificate (what `--ca-cert` takes).
    pub ca: std::path::PathBuf,
    /// The server's certificate chain.
    pub cert: std::path::PathBuf,
    /// The server's private key.
    pub key: std::path::PathBuf,
}

impl TestCerts {
    /// Makes the three files in `dir`.
    pub fn make(dir: &std::path::Path) -> Self {
        use rcgen::{
            BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
        };
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "CA Sở Văn hóa thử nghiệm");
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_key = KeyPair::generate().expect("ca key");
        let ca_cert = ca_params.self_signed(&ca_key).expect("ca cert");
        let issuer = Issuer::new(ca_params, ca_key);
        let mut params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
                .expect("server params");
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        params.use_authority_key_identifier_extension = true;
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate().expect("server key");
        let cert = params.signed_by(&key, &issuer).expect("server cert");
        let files = Self {
            ca: dir.join("ca.pem"),
            cert: dir.join("server.pem"),
            key: dir.join("server-key.pem"),
        };
        std::fs::write(&files.ca, ca_cert.pem()).expect("write ca");
        std::fs::write(&files.cert, cert.pem()).expect("write cert");
        std::fs::write(&files.key, key.serialize_pem()).expect("write key");
        files
    }

    /// The CA as a reqwest root.
    pub fn ca_certificate(&self) -> reqwest::Certificate {
        reqwest::Certificate::from_pem(&std::fs::read(&self.ca).expect("ca")).expect("ca pem")
    }
}
