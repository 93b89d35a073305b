//! The reverse-proxy configuration README documents (`packaging/nginx/loa.conf`), run
//! as written with only its ports and certificate paths substituted: TLS terminated at
//! nginx with a certificate made in the test, proxying to `loa serve`, server-sent
//! events passing through unbuffered.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::super::events::{EventStream, change_plan};
use super::super::{TestApp, cli_server::repo};
use super::TestCerts;
use crate::both_backends;

/// Whether `tool` is on the PATH. Missing: a failure when `LOA_REQUIRE_TOOLS=1` (CI), a
/// printed skip otherwise.
pub(super) fn have_tool(tool: &str) -> bool {
    let found = Command::new(tool)
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !found {
        assert!(
            std::env::var("LOA_REQUIRE_TOOLS").as_deref() != Ok("1"),
            "{tool} is required (LOA_REQUIRE_TOOLS=1): scripts/install-system-deps.sh installs it"
        );
        eprintln!("{tool} not installed: test skipped (LOA_REQUIRE_TOOLS=1 makes this a failure)");
    }
    found
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// The documented configuration with this test's ports and files put in; each
/// substitution must find its text, so the README's file and the test cannot drift.
fn documented_config(port: u16, upstream: u16, certs: &TestCerts) -> String {
    let mut text = std::fs::read_to_string(repo().join("packaging/nginx/loa.conf"))
        .expect("packaging/nginx/loa.conf");
    for (from, to) in [
        ("listen 443 ssl", format!("listen 127.0.0.1:{port} ssl")),
        (
            "server 127.0.0.1:8080;",
            format!("server 127.0.0.1:{upstream};"),
        ),
        (
            "/etc/ssl/loa/fullchain.pem",
            certs.cert.display().to_string(),
        ),
        ("/etc/ssl/loa/privkey.pem", certs.key.display().to_string()),
    ] {
        assert!(text.contains(from), "loa.conf no longer has `{from}`");
        text = text.replace(from, &to);
    }
    text
}

/// nginx in the foreground from its own prefix.
struct Nginx {
    child: Option<Child>,
    prefix: tempfile::TempDir,
}

impl Nginx {
    fn start(site: &str, port: u16) -> Self {
        let prefix = tempfile::tempdir().expect("nginx prefix");
        let p = prefix.path();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        std::fs::write(p.join("loa.conf"), site).expect("write loa.conf");
        let main = format!(
            "daemon off;\nworker_processes 1;\npid {pid};\nerror_log {log} warn;\n\
             events {{ worker_connections 256; }}\n\
             http {{\n    access_log off;\n    client_body_temp_path {tmp}/body;\n    proxy_temp_path {tmp}/proxy;\n\
             \x20   fastcgi_temp_path {tmp}/fastcgi;\n    uwsgi_temp_path {tmp}/uwsgi;\n    scgi_temp_path {tmp}/scgi;\n\
             \x20   include {site};\n}}\n",
            pid = p.join("nginx.pid").display(),
            log = p.join("error.log").display(),
            tmp = p.display(),
            site = p.join("loa.conf").display(),
        );
        let conf = p.join("nginx.conf");
        std::fs::write(&conf, main).expect("write nginx.conf");
        let child = Command::new("nginx")
            .arg("-p")
            .arg(p)
            .arg("-c")
            .arg(&conf)
            .arg("-e")
            .arg(p.join("error.log"))
            .stdout(Stdio::null())
            .spawn()
            .expect("start nginx");
        let mut nginx = Self {
            child: Some(child),
            prefix,
        };
        let started = Instant::now();
        while TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], port))).is_err() {
            let exited = nginx
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten());
            assert!(
                exited.is_none() && started.elapsed() < Duration::from_secs(10),
                "nginx did not start ({exited:?}):\n{}",
                nginx.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        nginx
    }

    fn log(&self) -> String {
        read(&self.prefix.path().join("error.log"))
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

impl Drop for Nginx {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SIGTERM to the master stops its worker too.
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let _ = child.wait();
        }
    }
}

both_backends!(the_documented_nginx_config_serves_loa_over_https);

async fn the_documented_nginx_config_serves_loa_over_https(app: TestApp) {
    if !have_tool("nginx") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // nginx's worker (nobody, when the test runs as root) reads the key.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
    }
    let certs = TestCerts::make(dir.path());
    let upstream: u16 = app
        .base
        .rsplit(':')
        .next()
        .expect("port")
        .parse()
        .expect("port");
    let port = free_port();
    let nginx = Nginx::start(&documented_config(port, upstream, &certs), port);
    let https = format!("https://localhost:{port}");
    let client = reqwest::Client::builder()
        .tls_certs_only([certs.ca_certificate()])
        .build()
        .expect("client");

    let res = client
        .get(format!("{https}/healthz"))
        .send()
        .await
        .expect("healthz through nginx");
    assert_eq!(res.status(), 200, "{}", nginx.log());
    let admin = super::login(&client, &https, "admin", &app.admin_password).await;
    let res = client
        .get(format!("{https}/api/v1/areas"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("areas");
    assert_eq!(res.status(), 200);

    // A station's playlist and its ETag pass through; so does the event stream, event
    // by event: a change reaches the agent at once, not when a buffer fills.
    let token = app.enroll("05443").await;
    let res = client
        .get(format!("{https}/api/v1/playlist"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("playlist");
    assert_eq!(res.status(), 200);
    let etag = res.headers()["etag"].to_str().expect("etag").to_owned();
    let res = client
        .get(format!("{https}/api/v1/playlist"))
        .bearer_auth(&token)
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("playlist 304");
    assert_eq!(res.status(), 304);
    let mut stream = tokio::time::timeout(
        Duration::from_secs(5),
        EventStream::open_at(&client, &https, &token, None),
    )
    .await
    .expect("the stream's headers pass nginx at once (proxy_buffering off)");
    stream.expect("hello").await;
    let sent = Instant::now();
    change_plan(&app, "05443", -20.0).await;
    stream.expect("playlist_changed").await;
    assert!(
        sent.elapsed() < Duration::from_secs(3),
        "the event took {:?} through nginx",
        sent.elapsed()
    );
    drop(stream);
    drop(nginx);
}
