//! The external programs of the playlist measurement: `curl` to check statuses and
//! read ETags, `wrk` to load, `nginx` as the static-file baseline.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Connections and duration of every load run.
pub const WRK_ARGS: [&str; 3] = ["-t1", "-c32", "-d10s"];

/// One response as curl saw it.
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Body bytes received.
    pub size: u64,
    /// The `ETag` header, quotes included.
    pub etag: Option<String>,
}

/// `curl` `url` with `headers`, writing the body to `save_to` when given.
pub fn curl(url: &str, headers: &[&str], save_to: Option<&Path>) -> Reply {
    let out = save_to.map_or_else(|| "/dev/null".into(), |p| p.display().to_string());
    let mut cmd = Command::new("curl");
    cmd.args([
        "-sS",
        "-D",
        "-",
        "-o",
        &out,
        "-w",
        "\n%{http_code} %{size_download}",
    ]);
    for h in headers {
        cmd.args(["-H", h]);
    }
    let output = cmd.arg(url).output().expect("run curl (is it installed?)");
    assert!(output.status.success(), "curl {url} failed: {output:?}");
    let text = String::from_utf8_lossy(&output.stdout);
    let last = text.lines().last().unwrap_or_default();
    let (status, size) = last.split_once(' ').expect("curl's -w line");
    let etag = text.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("etag")
            .then(|| value.trim().to_owned())
    });
    Reply {
        status: status.parse().expect("curl status code"),
        size: size.parse().expect("curl download size"),
        etag,
    }
}

/// What one `wrk` run reported.
pub struct WrkRun {
    /// The command, for the printed line.
    pub command: String,
    /// Responses completed.
    pub requests: u64,
    /// Responses per second.
    pub per_sec: f64,
    /// Bytes read, headers included.
    pub bytes: f64,
    /// Mean latency as wrk printed it.
    pub latency: String,
    /// Responses with status 400 or more (wrk's "Non-2xx or 3xx responses").
    pub errors: u64,
    /// wrk's "Socket errors" line, if it printed one.
    pub socket_errors: Option<String>,
}

impl WrkRun {
    /// Average bytes per response, headers included.
    pub fn bytes_each(&self) -> f64 {
        self.bytes / self.requests.max(1) as f64
    }
}

/// Runs `wrk` with [`WRK_ARGS`] and `headers` against `url`.
pub fn wrk(url: &str, headers: &[&str]) -> WrkRun {
    let mut args: Vec<String> = WRK_ARGS.iter().map(|s| (*s).to_owned()).collect();
    for h in headers {
        args.push("-H".to_owned());
        args.push((*h).to_owned());
    }
    args.push(url.to_owned());
    let command = format!(
        "wrk {}",
        args.iter()
            .map(|a| if a.contains(' ') {
                format!("'{a}'")
            } else {
                a.clone()
            })
            .collect::<Vec<_>>()
            .join(" ")
    );
    let output = Command::new("wrk")
        .args(&args)
        .output()
        .expect("run wrk (scripts/install-bench-tools.sh installs it)");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{command} failed:\n{text}");
    parse_wrk(command, &text)
}

fn parse_wrk(command: String, text: &str) -> WrkRun {
    let field = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(prefix))
            .map(str::trim)
    };
    let summary = text
        .lines()
        .find(|l| l.contains(" requests in "))
        .unwrap_or_else(|| panic!("wrk printed no summary:\n{text}"));
    let mut words = summary.split_whitespace();
    let requests = words
        .next()
        .and_then(|n| n.parse().ok())
        .expect("wrk request count");
    let read = summary
        .split(", ")
        .nth(1)
        .and_then(|r| r.strip_suffix(" read"))
        .expect("wrk bytes read");
    WrkRun {
        command,
        requests,
        per_sec: field("Requests/sec:")
            .and_then(|v| v.parse().ok())
            .expect("wrk Requests/sec"),
        bytes: binary_size(read),
        latency: field("Latency")
            .and_then(|v| v.split_whitespace().next())
            .unwrap_or("?")
            .to_owned(),
        errors: field("Non-2xx or 3xx responses:").map_or(0, |v| v.parse().unwrap_or(u64::MAX)),
        socket_errors: field("Socket errors:").map(str::to_owned),
    }
}

/// wrk's sizes: `26.13GB`, `512.00B`, powers of 1024.
fn binary_size(text: &str) -> f64 {
    let number = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &text[number.len()..];
    let scale = match unit {
        "B" => 1.0,
        "KB" => 1024.0,
        "MB" => 1024.0 * 1024.0,
        "GB" => 1024.0 * 1024.0 * 1024.0,
        "TB" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => panic!("unknown wrk size unit in `{text}`"),
    };
    number.parse::<f64>().expect("wrk size") * scale
}

/// An nginx serving one file from its own prefix on a free loopback port, with
/// Debian's defaults (sendfile, `worker_processes auto`) and no access log.
pub struct Nginx {
    prefix: tempfile::TempDir,
    child: Option<Child>,
    /// The port it listens on.
    pub port: u16,
}

impl Nginx {
    /// Writes `bytes` as `/name` under a fresh prefix and starts nginx in the foreground.
    pub fn start(name: &str, bytes: &[u8]) -> Self {
        let prefix = tempfile::tempdir().expect("nginx prefix");
        let root = prefix.path().join("www");
        std::fs::create_dir(&root).expect("nginx root");
        std::fs::write(root.join(name), bytes).expect("write the static file");
        // Workers run as `nobody` when started by root; let them read the prefix.
        for dir in [prefix.path(), root.as_path()] {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))
                .expect("open the nginx prefix to its workers");
        }
        let port = free_port();
        let conf = prefix.path().join("nginx.conf");
        std::fs::write(&conf, config(prefix.path(), port)).expect("write nginx.conf");
        let child = Command::new("nginx")
            .arg("-p")
            .arg(prefix.path())
            .arg("-c")
            .arg(&conf)
            .arg("-e")
            .arg(prefix.path().join("error.log"))
            .stdout(Stdio::null())
            .spawn()
            .expect("start nginx (scripts/install-bench-tools.sh installs it)");
        let mut nginx = Self {
            prefix,
            child: Some(child),
            port,
        };
        nginx.wait_listening();
        nginx
    }

    fn wait_listening(&mut self) {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let started = Instant::now();
        while TcpStream::connect(addr).is_err() {
            let exited = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten());
            let log = std::fs::read_to_string(self.prefix.path().join("error.log"));
            assert!(
                exited.is_none() && started.elapsed() < Duration::from_secs(10),
                "nginx did not start ({exited:?}):\n{}",
                log.unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the master and its workers and waits for them.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        // SIGTERM to the master stops the workers too (SIGKILL would orphan them).
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let _ = child.wait();
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn config(prefix: &Path, port: u16) -> String {
    let p = |name: &str| -> PathBuf { prefix.join(name) };
    format!(
        "daemon off;
worker_processes auto;
pid {pid};
error_log {log} warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    etag on;
    types {{ application/json json; }}
    default_type application/octet-stream;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
    }}
}}
",
        pid = p("nginx.pid").display(),
        log = p("error.log").display(),
        tmp = prefix.display(),
        root = p("www").display(),
    )
}

/// A loopback port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}
