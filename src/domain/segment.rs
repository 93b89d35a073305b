//! Segments: the audio items of the library, identified by the SHA-256 of their bytes.

use std::fmt;

use chrono::NaiveDate;

/// The SHA-256 of an audio file's bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sha256Digest([u8; 32]);

impl Sha256Digest {
    /// Wraps raw digest bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Parses 64 hexadecimal digits (either case).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().as_bytes();
        if s.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, pair) in s.chunks(2).enumerate() {
            let hi = (pair[0] as char).to_digit(16)?;
            let lo = (pair[1] as char).to_digit(16)?;
            out[i] = (hi * 16 + lo) as u8;
        }
        Some(Self(out))
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// The two lowercase hex digits of `b`.
fn hex_pair(b: u8) -> [u8; 2] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 0x0f)]]
}

/// Lowercase hex of `bytes`: digests, secrets, ETags. The crate's one hex writer
/// (read hex back with [`Sha256Digest::parse`]).
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.extend(hex_pair(b).map(char::from));
    }
    out
}

impl fmt::Display for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One write instead of 32 formatted bytes: every playlist item carries a digest.
        let mut text = [0u8; 64];
        for (pair, b) in text.chunks_exact_mut(2).zip(self.0) {
            pair.copy_from_slice(&hex_pair(b));
        }
        f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256({self})")
    }
}

/// A segment's identifier in the library (`tuan-le-hoc-tap-2026-vi`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SegmentId(String);

impl SegmentId {
    /// Lowercase letters, digits, `-`, `_`, `.`; 1 to 64 characters.
    pub fn parse(s: &str) -> Option<Self> {
        super::is_slug(s).then(|| Self(s.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SegmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A broadcast language: an ISO 639 code, `vi` for Vietnamese, `tyz` for Tày,
/// `hmn` for H'Mông, `nut` for Nùng, `dao` for Dao.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Language(String);

impl Language {
    /// Vietnamese, the fallback for every station.
    pub fn vietnamese() -> Self {
        Self("vi".to_owned())
    }

    /// Two or three lowercase ASCII letters.
    pub fn parse(s: &str) -> Option<Self> {
        let ok = (2..=3).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase());
        ok.then(|| Self(s.to_owned()))
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Vietnamese name of the language when loa knows it, else the code.
    pub fn label_vi(&self) -> &str {
        match self.0.as_str() {
            "vi" => "tiếng Việt",
            "tyz" => "tiếng Tày",
            "nut" => "tiếng Nùng",
            "hmn" | "hnj" | "blu" => "tiếng H'Mông",
            "dao" | "ium" => "tiếng Dao",
            "tai" | "tdd" | "blt" => "tiếng Thái",
            other => other,
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Index of a segment inside [`super::Inputs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SegmentIdx(pub(crate) u32);

impl SegmentIdx {
    /// The index into the segments vector given to [`super::Inputs::new`]; pool
    /// entries are built from it before the [`super::Inputs`] exist.
    pub fn new(index: u32) -> Self {
        Self(index)
    }

    /// The position in the segments vector.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// One audio item of the library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Identifier.
    pub id: SegmentId,
    /// Title, NFC.
    pub title: String,
    /// Language of the recording.
    pub language: Language,
    /// The message this is a translation of: segments sharing a group say the same
    /// thing in different languages. Defaults to the segment's own id.
    pub group: SegmentId,
    /// Topic tags, NFC.
    pub tags: Vec<String>,
    /// Measured duration (decoded, not read from a header), milliseconds, above zero.
    pub duration_ms: u32,
    /// Content address of the audio.
    pub sha256: Sha256Digest,
    /// First local date it may air, inclusive.
    pub valid_from: Option<NaiveDate>,
    /// Last local date it may air, inclusive.
    pub valid_until: Option<NaiveDate>,
}

impl Segment {
    /// Whether the segment may air on local `date`.
    pub fn is_valid_on(&self, date: NaiveDate) -> bool {
        self.valid_from.is_none_or(|f| f <= date) && self.valid_until.is_none_or(|u| date <= u)
    }
}
