//! Audio files: decoding them whole to learn what they really hold.
//!
//! Owns the symphonia plumbing. It never trusts a container's header for the length:
//! some MP3s (VBR without a Xing header) report a wrong duration, and a truncated MP3
//! decodes without an error, so the only honest duration is the one counted sample by
//! sample. It knows nothing of stations, schedules or the network.

mod probe;

pub use probe::{Measured, ProbeError, measure, measure_bytes};
