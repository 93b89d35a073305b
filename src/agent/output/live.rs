//! A live stream decoded on a thread of its own into 48 kHz stereo chunks of 100 ms,
//! so that a slow network never blocks the thread that feeds the sound card.

use std::io::Read;
use std::sync::Arc;
use std::sync::mpsc;

use tokio::sync::Notify;

use super::feed::{Chunks, Feed};
use crate::audio::SampleStream;

/// Chunks decoded ahead at most: about three seconds.
const CHUNKS_AHEAD: usize = 32;

/// Starts decoding `reader` (gain `gain_db`); `ended` is notified once the stream is
/// over (closed, failed, stalled or undecodable).
pub(crate) fn spawn(
    reader: Box<dyn Read + Send + Sync>,
    name: String,
    gain_db: f64,
    ended: Arc<Notify>,
) -> std::io::Result<Feed> {
    let (tx, rx) = mpsc::sync_channel(CHUNKS_AHEAD);
    std::thread::Builder::new()
        .name("loa-relay".to_owned())
        .spawn(move || {
            match SampleStream::from_reader(reader, &name, gain_db) {
                Ok(stream) => {
                    let mut chunks = Chunks::new(stream);
                    loop {
                        let chunk = chunks.next_chunk();
                        // An empty chunk is the end; a closed receiver, a stop.
                        if chunk.is_empty() || tx.send(chunk).is_err() {
                            break;
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "luồng tiếp sóng không giải mã được"),
            }
            ended.notify_one();
        })?;
    Ok(Feed { chunks: rx })
}
