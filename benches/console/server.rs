//! The release `loa serve` binary as a child process on a free loopback port, its log in
//! the data directory; stopped by SIGTERM-free means (kill of its own pid) when done.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `loa serve`.
pub struct Server {
    pub addr: SocketAddr,
    child: Child,
}

impl Server {
    /// Starts `loa serve` on `data_dir` (and `database_url`, else the SQLite file there)
    /// and waits until it accepts connections.
    pub fn start(data_dir: &Path, database_url: Option<&str>) -> Self {
        let addr = {
            let probe = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
            probe.local_addr().expect("its address")
        };
        let log = std::fs::File::create(data_dir.join("serve.log")).expect("server log");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_loa"));
        cmd.arg("serve")
            .env("LOA_LISTEN", addr.to_string())
            .env("LOA_DATA_DIR", data_dir)
            .env("LOA_SEED", data_dir.join("no-seed"))
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log);
        match database_url {
            Some(url) => cmd.env("LOA_DATABASE_URL", url),
            None => cmd.env_remove("LOA_DATABASE_URL"),
        };
        let mut child = cmd.spawn().expect("start loa serve");
        let started = Instant::now();
        while TcpStream::connect(addr).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "loa serve exited with {status}; see {}",
                    data_dir.join("serve.log").display()
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(300),
                "loa serve did not listen within 5 minutes"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Self { addr, child }
    }

    /// `http://ADDR{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Ends the process and waits for it.
    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
