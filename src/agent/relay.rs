//! Relays: a live HTTP stream (MP3 or OGG) opened for a relay item and handed to the
//! output as a blocking reader. The network side runs on the runtime; the reader ends
//! (as end of file) when the stream closes, fails, or brings nothing for [`STALL`], which
//! is how the player learns to switch to the fallback segment.

use std::io::Read;
use std::sync::mpsc;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;

/// No bytes for this long and the stream counts as stalled.
pub const STALL: Duration = Duration::from_secs(3);

/// The body of a live stream, readable from a blocking thread.
pub struct LiveReader {
    // Behind a mutex only so the reader is `Sync`, as the decoder's source must be.
    rx: std::sync::Mutex<mpsc::Receiver<Bytes>>,
    chunk: Bytes,
}

impl Read for LiveReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.chunk.is_empty() {
            let next = match self.rx.get_mut() {
                Ok(rx) => rx.recv_timeout(STALL),
                Err(_) => return Ok(0),
            };
            match next {
                Ok(chunk) => self.chunk = chunk,
                // Closed, failed or stalled: the stream is over for this item.
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len());
        buf[..n].copy_from_slice(&self.chunk[..n]);
        self.chunk = self.chunk.slice(n..);
        Ok(n)
    }
}

/// Opens `url`; the answer must be a success within a few seconds. The body is pumped
/// by a task of the runtime until it ends or the reader is dropped.
pub async fn open(url: &str) -> Result<LiveReader, String> {
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .read_timeout(STALL)
        .user_agent(concat!("loa-agent/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())?;
    let response = tokio::time::timeout(Duration::from_secs(8), client.get(url).send())
        .await
        .map_err(|_| format!("luồng tiếp sóng {url} không trả lời"))?
        .map_err(|e| format!("không mở được luồng tiếp sóng {url}: {e}"))?;
    if !response.status().is_success() {
        return Err(format!(
            "luồng tiếp sóng {url} trả lỗi HTTP {}",
            response.status().as_u16()
        ));
    }
    let (tx, rx) = mpsc::channel();
    tokio::spawn(async move {
        let mut body = response.bytes_stream();
        while let Some(Ok(chunk)) = body.next().await {
            if tx.send(chunk).is_err() {
                break;
            }
        }
    });
    Ok(LiveReader {
        rx: std::sync::Mutex::new(rx),
        chunk: Bytes::new(),
    })
}
