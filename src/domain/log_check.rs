//! Checking a station's stored log: each record's signature against the station's keys
//! and its hash against its content, the tally of one station's check, and what a
//! report shows for a period from that tally. The same signature rule serves the
//! server's ingest (at the time of arrival) and `loa verify` (at the time the record
//! was received), so the two can never disagree on what a valid record is.

use super::{AiringRecord, PublicKey, RecordSignature};

/// One of a station's keys, with the span it was the station's current key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StationKey {
    /// The public key.
    pub public: PublicKey,
    /// When it was registered, ms since the epoch.
    pub created_at: i64,
    /// When a newer enrollment retired it; `None` while current.
    pub retired_at: Option<i64>,
}

impl StationKey {
    /// Whether it was the station's current key at `at_ms`.
    pub fn current_at(&self, at_ms: i64) -> bool {
        self.created_at <= at_ms && self.retired_at.is_none_or(|r| at_ms < r)
    }
}

/// What is wrong with a record's signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureFault {
    /// None, though the station had a current key.
    Missing,
    /// A key id that is none of the station's keys.
    UnknownKey(String),
    /// A signature without a key id, a key id without one, or not 128 hex digits.
    Malformed,
    /// It does not verify over the record's content.
    Mismatch {
        /// The key it names.
        key_id: String,
    },
}

impl SignatureFault {
    /// The fault in Vietnamese, for answers, refusals and `loa verify`.
    pub fn label_vi(&self) -> String {
        match self {
            Self::Missing => {
                "thiếu chữ ký: trạm đã có khóa ký, mọi bản ghi phải có key_id và signature"
                    .to_owned()
            }
            Self::UnknownKey(id) => format!("khóa `{id}` không phải khóa của trạm"),
            Self::Malformed => {
                "chữ ký hỏng: cần cả key_id và signature (128 chữ số hex)".to_owned()
            }
            Self::Mismatch { key_id } => {
                format!("chữ ký không khớp nội dung bản ghi (khóa {key_id})")
            }
        }
    }
}

/// A record's signature, judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureCheck {
    /// Signed by one of the station's keys, over exactly this content.
    Valid {
        /// The key.
        key_id: String,
    },
    /// No signature, from a station that had no current key: accepted, reported
    /// "chưa ký".
    Unsigned,
    /// Refused on arrival; a failure in `loa verify`.
    Failed(SignatureFault),
}

/// Judges the signature of the record whose canonical text is `canonical`, sent with
/// `key_id` and `signature`, by a station holding `keys`; `at_ms` is when it arrived
/// (a record without a signature is accepted only if the station had no current key
/// then). A signature by a retired key still verifies: it was the station's.
pub fn check_signature(
    keys: &[StationKey],
    canonical: &str,
    key_id: Option<&str>,
    signature: Option<&str>,
    at_ms: i64,
) -> SignatureCheck {
    let (key_id, signature) = match (key_id, signature) {
        (None, None) if keys.iter().any(|k| k.current_at(at_ms)) => {
            return SignatureCheck::Failed(SignatureFault::Missing);
        }
        (None, None) => return SignatureCheck::Unsigned,
        (Some(k), Some(s)) => (k, s),
        _ => return SignatureCheck::Failed(SignatureFault::Malformed),
    };
    let Some(key) = keys.iter().find(|k| k.public.id() == key_id) else {
        let shown: String = key_id.chars().take(32).collect();
        return SignatureCheck::Failed(SignatureFault::UnknownKey(shown));
    };
    let Ok(signature) = RecordSignature::parse(signature) else {
        return SignatureCheck::Failed(SignatureFault::Malformed);
    };
    if key.public.verifies(canonical, &signature) {
        SignatureCheck::Valid {
            key_id: key_id.to_owned(),
        }
    } else {
        SignatureCheck::Failed(SignatureFault::Mismatch {
            key_id: key_id.to_owned(),
        })
    }
}

/// What is wrong with a record's place in the hash chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainFault {
    /// Its stored hash is not the hash of its content: edited after it was stored.
    HashMismatch,
    /// Its previous hash is none of the station's stored records (and no break was
    /// seen on arrival): a record before it was removed or rewritten.
    Unlinked,
}

impl ChainFault {
    /// The fault in Vietnamese.
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::HashMismatch => "hash không khớp nội dung bản ghi",
            Self::Unlinked => {
                "prev_hash không trỏ tới bản ghi nào của trạm (bản ghi trước đã bị xoá hoặc sửa)"
            }
        }
    }
}

/// One stored record, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordCheck {
    /// Its signature.
    pub signature: SignatureCheck,
    /// Its chain fault, if any.
    pub chain: Option<ChainFault>,
}

impl RecordCheck {
    /// Checks a stored record: `hash` as stored, `linked` whether its previous hash is
    /// the genesis, a stored record of the station or a break seen on arrival.
    pub fn of(
        record: &AiringRecord<'_>,
        hash: &str,
        linked: bool,
        keys: &[StationKey],
        key_id: Option<&str>,
        signature: Option<&str>,
        received_at_ms: i64,
    ) -> Self {
        let canonical = record.canonical_text();
        let chain = if super::airing::hash_of(&canonical) != hash {
            Some(ChainFault::HashMismatch)
        } else if !linked {
            Some(ChainFault::Unlinked)
        } else {
            None
        };
        Self {
            signature: check_signature(keys, &canonical, key_id, signature, received_at_ms),
            chain,
        }
    }

    /// Whether the record failed its check.
    pub fn failed(&self) -> bool {
        self.chain.is_some() || matches!(self.signature, SignatureCheck::Failed(_))
    }

    /// What failed, in Vietnamese: `chữ ký`, `chuỗi băm` or both, with the details.
    pub fn describe_vi(&self) -> String {
        let sig = match &self.signature {
            SignatureCheck::Failed(f) => Some(f.label_vi()),
            _ => None,
        };
        match (sig, self.chain) {
            (Some(s), Some(c)) => format!("chữ ký và chuỗi băm: {s}; {}", c.label_vi()),
            (Some(s), None) => format!("chữ ký: {s}"),
            (None, Some(c)) => format!("chuỗi băm: {}", c.label_vi()),
            (None, None) => "hợp lệ".to_owned(),
        }
    }
}

/// The planned-start span `[first, last]` of some records, ms.
pub type Span = Option<(i64, i64)>;

fn widen(span: &mut Span, at: i64) {
    *span = Some(match *span {
        None => (at, at),
        Some((a, b)) => (a.min(at), b.max(at)),
    });
}

fn overlaps(span: Span, from_ms: i64, until_ms: i64) -> bool {
    span.is_some_and(|(a, b)| a < until_ms && b >= from_ms)
}

/// One station's check over its whole stored log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogCheck {
    /// Records checked.
    pub records: u64,
    /// Of them, accepted unsigned (the station had no key then).
    pub unsigned: u64,
    /// Of them, failed.
    pub failed: u64,
    /// Planned starts of the unsigned records.
    pub unsigned_span: Span,
    /// Planned starts of the records whose signature failed.
    pub signature_span: Span,
    /// Planned starts of the records whose chain failed.
    pub chain_span: Span,
}

impl LogCheck {
    /// Counts one record planned at `planned_start_ms`.
    pub fn add(&mut self, planned_start_ms: i64, check: &RecordCheck) {
        self.records += 1;
        match check.signature {
            SignatureCheck::Unsigned => {
                self.unsigned += 1;
                widen(&mut self.unsigned_span, planned_start_ms);
            }
            SignatureCheck::Failed(_) => widen(&mut self.signature_span, planned_start_ms),
            SignatureCheck::Valid { .. } => {}
        }
        if check.chain.is_some() {
            widen(&mut self.chain_span, planned_start_ms);
        }
        self.failed += u64::from(check.failed());
    }

    /// What a report over records planned in `[from_ms, until_ms)` shows. A span
    /// overlapping the period counts: it may say "chưa ký" or an error for a period
    /// that holds none, never "đã kiểm" for one that does.
    pub fn status_in(&self, from_ms: i64, until_ms: i64) -> LogStatus {
        if overlaps(self.signature_span, from_ms, until_ms) {
            LogStatus::SignatureFailed
        } else if overlaps(self.chain_span, from_ms, until_ms) {
            LogStatus::ChainFailed
        } else if overlaps(self.unsigned_span, from_ms, until_ms) {
            LogStatus::Unsigned
        } else {
            LogStatus::Verified
        }
    }
}

/// Whether a station's log for a period verified, as reports show it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogStatus {
    /// No check has run since the station's records began.
    #[default]
    NotChecked,
    /// Every record signed and chained.
    Verified,
    /// Some records unsigned (sent before the station had a key).
    Unsigned,
    /// Some record's signature failed.
    SignatureFailed,
    /// Some record's hash or link failed (signatures fine).
    ChainFailed,
}

impl LogStatus {
    /// The report cell.
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::NotChecked => "chưa kiểm",
            Self::Verified => "đã kiểm",
            Self::Unsigned => "chưa ký",
            Self::SignatureFailed => "lỗi chữ ký",
            Self::ChainFailed => "lỗi chuỗi",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{GENESIS_HASH, Outcome, StationSecret};

    fn record(uuid: &str) -> AiringRecord<'_> {
        AiringRecord {
            uuid,
            item_id: "i",
            planned_start_ms: 10,
            actual_start_ms: None,
            actual_end_ms: None,
            outcome: Outcome::Missed,
            reason: "agent_down",
            clock_offset_ms: 0,
            prev_hash: GENESIS_HASH,
        }
    }

    #[test]
    fn unsigned_records_pass_only_while_the_station_has_no_current_key() {
        let secret = StationSecret::from_bytes(&[1; 32]);
        let keys = [StationKey {
            public: secret.public(),
            created_at: 100,
            retired_at: Some(200),
        }];
        let text = record("u").canonical_text();
        let at = |t| check_signature(&keys, &text, None, None, t);
        assert_eq!(at(99), SignatureCheck::Unsigned);
        assert_eq!(at(150), SignatureCheck::Failed(SignatureFault::Missing));
        // Retired, and no newer key: the station is unsigned again.
        assert_eq!(at(200), SignatureCheck::Unsigned);
        // A retired key's signature still verifies.
        let sig = secret.sign_text(&text).to_hex();
        let id = secret.public().id().to_owned();
        assert_eq!(
            check_signature(&keys, &text, Some(&id), Some(&sig), 500),
            SignatureCheck::Valid { key_id: id.clone() }
        );
        assert_eq!(
            check_signature(&keys, &text, Some(&id), None, 500),
            SignatureCheck::Failed(SignatureFault::Malformed)
        );
    }

    #[test]
    fn a_record_check_tells_signature_from_chain() {
        let secret = StationSecret::from_bytes(&[1; 32]);
        let keys = [StationKey {
            public: secret.public(),
            created_at: 0,
            retired_at: None,
        }];
        let r = record("u");
        let (hash, sig) = (r.chain_hash(), secret.sign(&r).to_hex());
        let id = secret.public().id().to_owned();
        let check =
            |hash: &str, linked| RecordCheck::of(&r, hash, linked, &keys, Some(&id), Some(&sig), 5);
        assert!(!check(&hash, true).failed());
        let unlinked = check(&hash, false);
        assert_eq!(unlinked.chain, Some(ChainFault::Unlinked));
        assert!(unlinked.describe_vi().starts_with("chuỗi băm:"));
        let edited = check(GENESIS_HASH, true);
        assert_eq!(edited.chain, Some(ChainFault::HashMismatch));
        let forged = RecordCheck::of(&record("v"), &hash, true, &keys, Some(&id), Some(&sig), 5);
        assert!(forged.describe_vi().starts_with("chữ ký và chuỗi băm:"));
    }

    #[test]
    fn a_period_shows_the_worst_status_whose_span_it_overlaps() {
        let mut log = LogCheck::default();
        let ok = RecordCheck {
            signature: SignatureCheck::Valid { key_id: "k".into() },
            chain: None,
        };
        let unsigned = RecordCheck {
            signature: SignatureCheck::Unsigned,
            chain: None,
        };
        let bad = RecordCheck {
            signature: SignatureCheck::Failed(SignatureFault::Missing),
            chain: None,
        };
        log.add(100, &unsigned);
        log.add(200, &ok);
        log.add(300, &bad);
        assert_eq!((log.records, log.unsigned, log.failed), (3, 1, 1));
        assert_eq!(log.status_in(0, 100), LogStatus::Verified);
        assert_eq!(log.status_in(100, 101), LogStatus::Unsigned);
        assert_eq!(log.status_in(150, 250), LogStatus::Verified);
        assert_eq!(log.status_in(0, 1000), LogStatus::SignatureFailed);
        assert_eq!(LogStatus::default().label_vi(), "chưa kiểm");
    }
}
