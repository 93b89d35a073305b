//! The agent's log file, `agent.log` in the data dir, capped in size: when it passes
//! the cap it becomes `agent.log.1` (replacing the older one) and a new file starts,
//! so months unattended never fill the disk.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A size-capped log file, shareable between threads.
#[derive(Clone)]
pub struct CappedLog {
    inner: Arc<Mutex<Inner>>,
}

struct Inner {
    path: PathBuf,
    file: File,
    written: u64,
    cap: u64,
}

impl CappedLog {
    /// Opens (appending) `dir/agent.log`, rotating past `cap` bytes.
    pub fn open(dir: &Path, cap: u64) -> io::Result<Self> {
        let path = dir.join("agent.log");
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        let written = file.metadata()?.len();
        Ok(Self {
            inner: Arc::new(Mutex::new(Inner {
                path,
                file,
                written,
                cap,
            })),
        })
    }
}

impl Inner {
    fn rotate(&mut self) -> io::Result<()> {
        let old = self.path.with_extension("log.1");
        std::fs::rename(&self.path, old)?;
        self.file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        self.written = 0;
        Ok(())
    }
}

impl Write for CappedLog {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.written + buf.len() as u64 > inner.cap && inner.written > 0 {
            inner.rotate()?;
        }
        let n = inner.file.write(buf)?;
        inner.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .file
            .flush()
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for CappedLog {
    type Writer = CappedLog;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_rotates_at_its_cap_and_keeps_one_old_file() {
        let dir = tempfile::tempdir().expect("dir");
        let mut log = CappedLog::open(dir.path(), 100).expect("open");
        for i in 0..30 {
            writeln!(log, "dòng nhật ký số {i:03}").expect("write");
        }
        let current = std::fs::metadata(dir.path().join("agent.log"))
            .expect("log")
            .len();
        let old = std::fs::metadata(dir.path().join("agent.log.1"))
            .expect("old log")
            .len();
        assert!(current <= 100 && old <= 100, "{current} {old}");
        let text = std::fs::read_to_string(dir.path().join("agent.log")).expect("text");
        assert!(text.ends_with("dòng nhật ký số 029\n"), "{text}");
    }
}
