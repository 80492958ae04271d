//! Tickets that hold up on site: each excavation-check ticket is signed by the server with
//! Ed25519 over the SHA-256 digest of its canonical JSON, so a printout, a saved file or a QR
//! code can be checked against the server's public key, online
//! (`GET /v1/excavation-checks/{id}/verify`) or offline (`undermap verify-ticket`).
//!
//! Canonical JSON here: the ticket without its `signature` member, object keys sorted by their
//! UTF-8 bytes at every level, no white space, strings and numbers as serde_json writes them
//! (the ticket holds no numbers where that differs from RFC 8785).

use std::fmt;
use std::io::Write as _;

use base64::Engine as _;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The algorithm tickets are signed with: Ed25519 over the 32-byte SHA-256 digest of the
/// canonical JSON. Hashing 15 KB once with SHA-256 (in hardware on most servers) costs a tenth of
/// Ed25519's own two SHA-512 passes over the whole text, which were the largest single cost of a
/// check under load.
pub const ALGORITHM: &str = "Ed25519-SHA256";

/// Tickets issued before 2026-12-02: Ed25519 over the canonical JSON itself. They still verify.
pub const LEGACY_ALGORITHM: &str = "Ed25519";

/// The kind of key tickets are signed with (what `GET /v1/tickets/public-key` names).
pub const KEY_ALGORITHM: &str = "Ed25519";

/// A ticket's signature, as it is carried in the ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketSignature {
    /// `Ed25519-SHA256` ([`ALGORITHM`]), or `Ed25519` on tickets signed before it.
    pub alg: String,
    /// Which key signed: the first 16 hex digits of the SHA-256 of its public key.
    pub key_id: String,
    /// The signature over the canonical JSON, base64 (standard alphabet, padded).
    pub value: String,
}

/// Why a ticket does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The text is not a JSON object.
    #[error("not a ticket: {0}")]
    NotATicket(String),
    /// The ticket carries no signature.
    #[error("the ticket is not signed")]
    Unsigned,
    /// The signature is for another algorithm or key, or is not readable.
    #[error("{0}")]
    Malformed(String),
    /// Another key signed it.
    #[error("signed with key {found}, not with this server's key {expected}")]
    OtherKey {
        /// The key id in the ticket.
        found: String,
        /// The key id checked against.
        expected: String,
    },
    /// The contents were changed after signing (or the signature was copied from another).
    #[error("the signature does not match the ticket's contents: it was changed after signing")]
    Mismatch,
}

/// A public key that checks tickets.
#[derive(Clone, PartialEq, Eq)]
pub struct TicketVerifier {
    key: VerifyingKey,
}

impl fmt::Debug for TicketVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TicketVerifier")
            .field("key_id", &self.key_id())
            .finish()
    }
}

/// The server's signing key. Its `Debug` shows only the key id.
#[derive(Clone)]
pub struct TicketSigner {
    key: SigningKey,
    /// Its public key's id, made once (a SHA-256 per ticket otherwise).
    key_id: String,
}

impl fmt::Debug for TicketSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TicketSigner")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

impl TicketSigner {
    /// A new random key.
    #[must_use]
    pub fn generate() -> Self {
        Self::from_key(SigningKey::from_bytes(&rand::random::<[u8; 32]>()))
    }

    fn from_key(key: SigningKey) -> Self {
        let key_id = TicketVerifier {
            key: key.verifying_key(),
        }
        .key_id();
        Self { key, key_id }
    }

    /// The key from its 32-byte secret, base64 (as [`Self::secret_base64`] writes it).
    pub fn from_secret_base64(text: &str) -> Result<Self, SignatureError> {
        let bytes = b64()
            .decode(text.trim())
            .map_err(|e| SignatureError::Malformed(format!("signing key: {e}")))?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| SignatureError::Malformed("signing key: not 32 bytes".into()))?;
        Ok(Self::from_key(SigningKey::from_bytes(&bytes)))
    }

    /// The secret, base64: what a key file holds.
    #[must_use]
    pub fn secret_base64(&self) -> String {
        b64().encode(self.key.to_bytes())
    }

    /// Its public half.
    #[must_use]
    pub fn verifier(&self) -> TicketVerifier {
        TicketVerifier {
            key: self.key.verifying_key(),
        }
    }

    /// Signs a ticket: its canonical JSON, without any `signature` member.
    pub fn sign(&self, ticket: &Value) -> Result<TicketSignature, SignatureError> {
        Ok(self.sign_canonical(&canonical_without_signature(ticket)?))
    }

    /// Signs a ticket's canonical bytes, made by the caller.
    #[must_use]
    pub fn sign_canonical(&self, canonical: &[u8]) -> TicketSignature {
        TicketSignature {
            alg: ALGORITHM.into(),
            key_id: self.key_id.clone(),
            value: b64().encode(self.key.sign(&Sha256::digest(canonical)).to_bytes()),
        }
    }
}

impl TicketVerifier {
    /// The key from its 32 bytes, base64 (as `GET /v1/tickets/public-key` gives it).
    pub fn from_base64(text: &str) -> Result<Self, SignatureError> {
        let bytes = b64()
            .decode(text.trim())
            .map_err(|e| SignatureError::Malformed(format!("public key: {e}")))?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| SignatureError::Malformed("public key: not 32 bytes".into()))?;
        VerifyingKey::from_bytes(&bytes)
            .map(|key| Self { key })
            .map_err(|e| SignatureError::Malformed(format!("public key: {e}")))
    }

    /// The key, base64.
    #[must_use]
    pub fn to_base64(&self) -> String {
        b64().encode(self.key.to_bytes())
    }

    /// The key's id: the first 16 hex digits of the SHA-256 of its bytes.
    #[must_use]
    pub fn key_id(&self) -> String {
        hex::encode(&Sha256::digest(self.key.to_bytes())[..8])
    }

    /// Checks a ticket's text: it is signed by this key and unchanged since.
    pub fn verify(&self, ticket: &str) -> Result<TicketSignature, SignatureError> {
        let value: Value =
            serde_json::from_str(ticket).map_err(|e| SignatureError::NotATicket(e.to_string()))?;
        self.verify_value(&value)
    }

    /// [`Self::verify`] for a parsed ticket.
    pub fn verify_value(&self, ticket: &Value) -> Result<TicketSignature, SignatureError> {
        let signature = ticket
            .get("signature")
            .filter(|s| !s.is_null())
            .ok_or(SignatureError::Unsigned)?;
        let signature: TicketSignature = serde_json::from_value(signature.clone())
            .map_err(|e| SignatureError::Malformed(format!("signature: {e}")))?;
        let digest = match signature.alg.as_str() {
            ALGORITHM => true,
            LEGACY_ALGORITHM => false,
            other => {
                return Err(SignatureError::Malformed(format!(
                    "signature algorithm {other:?}; tickets are signed with {ALGORITHM} \
                     (or {LEGACY_ALGORITHM} before 2026-12-02)"
                )))
            }
        };
        if signature.key_id != self.key_id() {
            return Err(SignatureError::OtherKey {
                found: signature.key_id,
                expected: self.key_id(),
            });
        }
        let bytes: [u8; 64] = b64()
            .decode(&signature.value)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| SignatureError::Malformed("signature: not 64 bytes of base64".into()))?;
        let canonical = canonical_without_signature(ticket)?;
        let signature_bytes = Signature::from_bytes(&bytes);
        let checked = if digest {
            self.key
                .verify(&Sha256::digest(&canonical), &signature_bytes)
        } else {
            self.key.verify(&canonical, &signature_bytes)
        };
        checked.map_err(|_| SignatureError::Mismatch)?;
        Ok(signature)
    }
}

/// The canonical bytes of a ticket without its `signature` member.
fn canonical_without_signature(ticket: &Value) -> Result<Vec<u8>, SignatureError> {
    let Value::Object(map) = ticket else {
        return Err(SignatureError::NotATicket("not a JSON object".into()));
    };
    let mut unsigned = map.clone();
    unsigned.remove("signature");
    let mut out = Vec::with_capacity(4096);
    canonical(&Value::Object(unsigned), &mut out);
    Ok(out)
}

/// Canonical JSON: keys sorted at every level, no white space.
pub fn canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            out.push(b'{');
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                canonical(&Value::String(k.clone()), out);
                out.push(b':');
                canonical(&map[k], out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                canonical(v, out);
            }
            out.push(b']');
        }
        // Scalars as serde_json writes them (a Vec cannot fail to take them).
        scalar => {
            let _ = write!(out, "{scalar}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ticket() -> Value {
        json!({"id": "EC-2026-000001", "hits": [{"feature_id": "WS-E10", "risk": "high", "distance_m": 0.0}],
               "summary": {"total": 1}, "valid_until": "2026-12-29", "issued_to": "wang.li"})
    }

    fn signed(signer: &TicketSigner) -> Value {
        let mut t = ticket();
        let s = signer.sign(&t).unwrap();
        t["signature"] = serde_json::to_value(s).unwrap();
        t
    }

    #[test]
    fn a_signed_ticket_verifies_and_any_change_is_caught() {
        let signer = TicketSigner::generate();
        let verifier = signer.verifier();
        let t = signed(&signer);
        let text = serde_json::to_string(&t).unwrap();
        assert_eq!(verifier.verify(&text).unwrap().alg, "Ed25519-SHA256");
        // Key order and white space do not matter: the same contents verify.
        let pretty = serde_json::to_string_pretty(&t).unwrap();
        assert!(verifier.verify(&pretty).is_ok());
        // A changed hit does.
        let mut changed = t.clone();
        changed["hits"][0]["risk"] = json!("low");
        assert_eq!(
            verifier.verify_value(&changed),
            Err(SignatureError::Mismatch)
        );
        let mut extended = t.clone();
        extended["valid_until"] = json!("2027-12-29");
        assert_eq!(
            verifier.verify_value(&extended),
            Err(SignatureError::Mismatch)
        );
        // Another server's key, no signature, garbage.
        let other = TicketSigner::generate().verifier();
        assert!(matches!(
            other.verify_value(&t),
            Err(SignatureError::OtherKey { .. })
        ));
        assert_eq!(
            verifier.verify_value(&ticket()),
            Err(SignatureError::Unsigned)
        );
        assert!(matches!(
            verifier.verify("{not json"),
            Err(SignatureError::NotATicket(_))
        ));
    }

    #[test]
    fn the_signature_is_ed25519_over_the_sha256_of_the_canonical_json_and_old_ones_still_verify() {
        let signer = TicketSigner::generate();
        let verifier = signer.verifier();
        let t = signed(&signer);
        // What a third party checks, with nothing of ours: the digest of the canonical bytes.
        let mut bytes = Vec::new();
        canonical(&ticket(), &mut bytes);
        let value: [u8; 64] = b64()
            .decode(t["signature"]["value"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        assert!(verifier
            .key
            .verify(&Sha256::digest(&bytes), &Signature::from_bytes(&value))
            .is_ok());
        // A ticket signed before, over the bytes themselves, verifies as such.
        let mut old = ticket();
        old["signature"] = json!({"alg": "Ed25519", "key_id": verifier.key_id(),
                                  "value": b64().encode(signer.key.sign(&bytes).to_bytes())});
        assert_eq!(verifier.verify_value(&old).unwrap().alg, "Ed25519");
        // Either signature under the other's name does not.
        let mut swapped = t.clone();
        swapped["signature"]["alg"] = json!("Ed25519");
        assert_eq!(
            verifier.verify_value(&swapped),
            Err(SignatureError::Mismatch)
        );
        old["signature"]["alg"] = json!("Ed25519-SHA256");
        assert_eq!(verifier.verify_value(&old), Err(SignatureError::Mismatch));
        let mut unknown = t;
        unknown["signature"]["alg"] = json!("RS256");
        assert!(matches!(
            verifier.verify_value(&unknown),
            Err(SignatureError::Malformed(_))
        ));
    }

    #[test]
    fn keys_round_trip_as_base64() {
        let signer = TicketSigner::generate();
        let again = TicketSigner::from_secret_base64(&signer.secret_base64()).unwrap();
        assert_eq!(again.verifier(), signer.verifier());
        let public = TicketVerifier::from_base64(&signer.verifier().to_base64()).unwrap();
        assert!(public.verify_value(&signed(&again)).is_ok());
        assert!(TicketVerifier::from_base64("AAAA").is_err());
        assert!(!format!("{signer:?}").contains(&signer.secret_base64()));
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_level() {
        let mut out = Vec::new();
        canonical(
            &json!({"b": 1, "a": {"d": [true, null], "c": "x\"y"}}),
            &mut out,
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"a":{"c":"x\"y","d":[true,null]},"b":1}"#
        );
    }
}
