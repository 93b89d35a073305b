//! Audio files: decoding them whole to learn what they really hold.
//!
//! Owns the symphonia plumbing. It never trusts a container's header for the length:
//! some MP3s (VBR without a Xing header) report a wrong duration, so the only honest
//! duration is the one counted sample by sample. A truncated file decodes without an
//! error, so where the header states an exact length (Xing/Info/VBRI, FLAC STREAMINFO,
//! WAV `data`) a decode that falls short of it is refused. It knows nothing of
//! stations, schedules or the network.

mod probe;
mod stream;

pub use probe::{Measured, ProbeError, SILENCE_WARNING, measure, measure_bytes};
pub use stream::MAX_GAIN_DB;
pub use stream::{OUTPUT_RATE, SampleStream, StreamError, ToStereo48k};
