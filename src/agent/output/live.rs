//! A live stream decoded on a thread of its own into 48 kHz stereo chunks of 100 ms,
//! so that a slow network never blocks the thread that feeds the sound card.

use std::io::Read;
use std::sync::Arc;
use std::sync::mpsc;

use tokio::sync::Notify;

use crate::audio::{OUTPUT_RATE, SampleStream, ToStereo48k};

/// Samples per chunk (100 ms of stereo).
const CHUNK: usize = OUTPUT_RATE as usize / 10 * 2;

/// Decoded chunks of a live stream; the sender side ends when the stream does.
pub(crate) struct LiveFeed {
    pub chunks: mpsc::Receiver<Vec<f32>>,
}

/// Starts decoding `reader` (gain `gain_db`); `ended` is notified once the stream is
/// over (closed, failed, stalled or undecodable).
pub(crate) fn spawn(
    reader: Box<dyn Read + Send + Sync>,
    name: String,
    gain_db: f64,
    ended: Arc<Notify>,
) -> std::io::Result<LiveFeed> {
    // About three seconds decoded ahead at most.
    let (tx, rx) = mpsc::sync_channel(32);
    std::thread::Builder::new()
        .name("loa-relay".to_owned())
        .spawn(move || {
            match SampleStream::from_reader(reader, &name, gain_db) {
                Ok(stream) => {
                    let (channels, rate) = (stream.channels(), stream.sample_rate());
                    let mut samples = ToStereo48k::new(stream, channels, rate);
                    loop {
                        let chunk: Vec<f32> = samples.by_ref().take(CHUNK).collect();
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
    Ok(LiveFeed { chunks: rx })
}
