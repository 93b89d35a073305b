//! Station signatures over airing records (Ed25519): a station's public key and a
//! record's signature read from their hex text, the key id, and signing and checking
//! what a record's signature covers. One rule for the agent (which signs), the
//! server's ingest and `loa verify` (which check).
//!
//! Pure computation: making a key (randomness) and keeping it on disk belong to the
//! agent; storing keys belongs to the store.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use super::AiringRecord;

/// Put before a record's canonical text in what is signed: it names the purpose and
/// its version, so a signature made over an airing can never pass for anything else.
const CONTEXT: &[u8] = b"loa airing v1\n";

/// A key or signature that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// Not the right number of hex digits.
    #[error("{field} phải là {digits} chữ số hex ({what}); nhận được {got} ký tự")]
    Shape {
        /// The field's name.
        field: &'static str,
        /// How many hex digits it needs.
        digits: usize,
        /// What it holds.
        what: &'static str,
        /// How many characters it had.
        got: usize,
    },
    /// Hex digits, but not a usable Ed25519 public key.
    #[error(
        "public_key không phải khóa công khai Ed25519 dùng được (điểm không nằm trên đường cong hoặc khóa yếu); hãy để loa agent tự tạo khóa"
    )]
    BadKey,
}

/// `n` bytes from `text` in hex (either case).
fn from_hex<const N: usize>(
    text: &str,
    field: &'static str,
    what: &'static str,
) -> Result<[u8; N], SignatureError> {
    let shape = || SignatureError::Shape {
        field,
        digits: N * 2,
        what,
        got: text.chars().count(),
    };
    if text.len() != N * 2 || !text.is_ascii() {
        return Err(shape());
    }
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[i * 2..i * 2 + 2], 16).map_err(|_| shape())?;
    }
    Ok(out)
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes a record's signature covers: [`CONTEXT`], then its canonical text.
fn message(canonical: &str) -> Vec<u8> {
    let mut m = Vec::with_capacity(CONTEXT.len() + canonical.len());
    m.extend_from_slice(CONTEXT);
    m.extend_from_slice(canonical.as_bytes());
    m
}

/// A station's public key, with its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    key: VerifyingKey,
    id: String,
}

impl PublicKey {
    /// Reads a key written as 64 hex digits; refuses points off the curve and weak keys.
    pub fn parse(text: &str) -> Result<Self, SignatureError> {
        let bytes = from_hex::<32>(text.trim(), "public_key", "khóa công khai Ed25519, 32 byte")?;
        let key = VerifyingKey::from_bytes(&bytes).map_err(|_| SignatureError::BadKey)?;
        if key.is_weak() {
            return Err(SignatureError::BadKey);
        }
        Ok(Self::from_key(key))
    }

    fn from_key(key: VerifyingKey) -> Self {
        let digest = Sha256::digest(key.as_bytes());
        Self {
            id: to_hex(&digest[..8]),
            key,
        }
    }

    /// The key id: the first 16 hex digits of the SHA-256 of the key's 32 bytes.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The key as 64 lowercase hex digits (as stored and sent).
    pub fn to_hex(&self) -> String {
        to_hex(self.key.as_bytes())
    }

    /// Whether `signature` was made with this key's secret over the record whose
    /// canonical text ([`AiringRecord::canonical_text`]) is `canonical`.
    pub fn verifies(&self, canonical: &str, signature: &RecordSignature) -> bool {
        self.key
            .verify_strict(&message(canonical), &signature.0)
            .is_ok()
    }
}

/// A record's signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordSignature(Signature);

impl RecordSignature {
    /// Reads a signature written as 128 hex digits.
    pub fn parse(text: &str) -> Result<Self, SignatureError> {
        let bytes = from_hex::<64>(text, "signature", "chữ ký Ed25519, 64 byte")?;
        Ok(Self(Signature::from_bytes(&bytes)))
    }

    /// The signature as 128 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        to_hex(&self.0.to_bytes())
    }
}

/// A station's secret key: it signs the station's records.
pub struct StationSecret(SigningKey);

impl StationSecret {
    /// The key made from 32 secret bytes (from the operating system's random source).
    pub fn from_bytes(secret: &[u8; 32]) -> Self {
        Self(SigningKey::from_bytes(secret))
    }

    /// Reads a secret written as 64 hex digits (the agent's `signing.key`).
    pub fn parse(text: &str) -> Result<Self, SignatureError> {
        let bytes = from_hex::<32>(text.trim(), "signing.key", "khóa bí mật Ed25519, 32 byte")?;
        Ok(Self::from_bytes(&bytes))
    }

    /// The secret as 64 hex digits, for the key file.
    pub fn to_hex(&self) -> String {
        to_hex(self.0.as_bytes())
    }

    /// Its public key.
    pub fn public(&self) -> PublicKey {
        PublicKey::from_key(self.0.verifying_key())
    }

    /// Signs the record whose canonical text is `canonical`.
    pub fn sign_text(&self, canonical: &str) -> RecordSignature {
        RecordSignature(self.0.sign(&message(canonical)))
    }

    /// Signs `record`.
    pub fn sign(&self, record: &AiringRecord<'_>) -> RecordSignature {
        self.sign_text(&record.canonical_text())
    }
}

impl std::fmt::Debug for StationSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StationSecret({})", self.public().id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{GENESIS_HASH, Outcome};

    fn record(outcome: Outcome) -> AiringRecord<'static> {
        AiringRecord {
            uuid: "u",
            item_id: "i",
            planned_start_ms: 1,
            actual_start_ms: None,
            actual_end_ms: None,
            outcome,
            reason: "",
            clock_offset_ms: 0,
            prev_hash: GENESIS_HASH,
        }
    }

    #[test]
    fn a_signature_verifies_only_its_own_record_under_its_own_key() {
        let secret = StationSecret::from_bytes(&[7; 32]);
        let public = PublicKey::parse(&secret.public().to_hex()).expect("own key parses");
        assert_eq!(public, secret.public());
        assert_eq!(public.id().len(), 16);
        let missed = record(Outcome::Missed);
        let sig = secret.sign(&missed);
        let sig = RecordSignature::parse(&sig.to_hex()).expect("own signature parses");
        assert!(public.verifies(&missed.canonical_text(), &sig));
        // The record edited after signing: `missed` made `aired`.
        assert!(!public.verifies(&record(Outcome::Aired).canonical_text(), &sig));
        let other = StationSecret::from_bytes(&[8; 32]).public();
        assert!(!other.verifies(&missed.canonical_text(), &sig));
        // Signing is deterministic (RFC 8032): the same record, the same signature.
        assert_eq!(secret.sign(&missed), sig);
    }

    #[test]
    fn malformed_keys_and_signatures_are_refused_by_field() {
        let err = PublicKey::parse("abc").expect_err("short");
        assert!(
            err.to_string()
                .starts_with("public_key phải là 64 chữ số hex")
        );
        let err = RecordSignature::parse(&"zz".repeat(64)).expect_err("not hex");
        assert!(
            err.to_string()
                .starts_with("signature phải là 128 chữ số hex")
        );
        // The identity point is a weak key.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            PublicKey::parse(&to_hex(&identity)),
            Err(SignatureError::BadKey)
        );
    }
}
