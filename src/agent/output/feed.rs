//! Decoded audio on its way to the sound card: 100 ms chunks of 48 kHz stereo, made on
//! a thread of its own (a cached file here, a relay's stream in `live`), so that the
//! audio callback only copies and never decodes.

use std::sync::mpsc;

use crate::audio::{OUTPUT_RATE, SampleStream, ToStereo48k};

/// Frames per chunk (100 ms).
pub(crate) const CHUNK_FRAMES: usize = OUTPUT_RATE as usize / 10;

/// How many chunks may wait decoded: a second of audio, a few hundred kilobytes.
pub(crate) const CHUNKS_AHEAD: usize = 10;

/// Decoded chunks; the sender side ends when the audio does.
pub(crate) struct Feed {
    /// The chunks, each a whole number of stereo frames.
    pub chunks: mpsc::Receiver<Vec<f32>>,
}

/// A stream read in chunks of 48 kHz stereo: copied packet by packet when it already
/// is, converted sample by sample otherwise.
pub(crate) enum Chunks {
    /// Already 48 kHz stereo.
    Direct(SampleStream),
    /// Another rate or channel count.
    Converted(ToStereo48k<SampleStream>),
}

impl Chunks {
    /// Reads `stream` as 48 kHz stereo.
    pub(crate) fn new(stream: SampleStream) -> Self {
        let (channels, rate) = (stream.channels(), stream.sample_rate());
        if channels == 2 && rate == OUTPUT_RATE {
            Self::Direct(stream)
        } else {
            Self::Converted(ToStereo48k::new(stream, channels, rate))
        }
    }

    /// The next chunk of up to [`CHUNK_FRAMES`] frames; empty at the end.
    pub(crate) fn next_chunk(&mut self) -> Vec<f32> {
        let want = 2 * CHUNK_FRAMES;
        let mut chunk = Vec::with_capacity(want);
        match self {
            Self::Direct(stream) => stream.read_into(&mut chunk, want),
            Self::Converted(samples) => chunk.extend(samples.by_ref().take(want)),
        }
        // A stereo stream cut mid-frame loses the odd sample, so channels stay paired.
        chunk.truncate(chunk.len() / 2 * 2);
        chunk
    }
}

/// Decodes `stream` on a thread of its own, [`CHUNKS_AHEAD`] chunks ahead of what the
/// card has taken; the thread ends at the end of the file or when the feed is dropped.
pub(crate) fn spawn_file(stream: SampleStream) -> std::io::Result<Feed> {
    let (tx, rx) = mpsc::sync_channel(CHUNKS_AHEAD);
    let mut chunks = Chunks::new(stream);
    std::thread::Builder::new()
        .name("loa-decode".to_owned())
        .spawn(move || {
            loop {
                let chunk = chunks.next_chunk();
                // An empty chunk is the end; a closed receiver, a stop.
                if chunk.is_empty() || tx.send(chunk).is_err() {
                    break;
                }
            }
        })?;
    Ok(Feed { chunks: rx })
}
