//! API keys: `um_<key id>_<secret>`. The key id (12 lowercase letters and digits) is public and
//! finds the record; the secret (32 letters and digits, about 190 bits) is shown once and stored
//! only as an Argon2id hash. The `um_` prefix makes a leaked key easy to recognise (secret
//! scanners, log filters).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::distributions::{Alphanumeric, DistString};
use rand::rngs::OsRng;
use rand::Rng;
use sha2::{Digest, Sha256};

use crate::AuthError;

/// What every key starts with.
pub const PREFIX: &str = "um_";
const ID_LEN: usize = 12;
const SECRET_LEN: usize = 32;

/// A key as presented: its id and the whole text.
#[derive(Clone, PartialEq, Eq)]
pub struct PresentedKey {
    id: String,
    text: String,
}

impl std::fmt::Debug for PresentedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret.
        write!(f, "PresentedKey({PREFIX}{}_…)", self.id)
    }
}

impl PresentedKey {
    /// Reads a key; anything not shaped like one is refused before any lookup.
    pub fn parse(text: &str) -> Result<Self, AuthError> {
        let malformed =
            || AuthError::Malformed("the API key is not of the form um_<id>_<secret>".into());
        let rest = text.strip_prefix(PREFIX).ok_or_else(malformed)?;
        let (id, secret) = rest.split_once('_').ok_or_else(malformed)?;
        let id_ok = id.len() == ID_LEN
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        let secret_ok =
            secret.len() == SECRET_LEN && secret.bytes().all(|b| b.is_ascii_alphanumeric());
        if !(id_ok && secret_ok) {
            return Err(malformed());
        }
        Ok(Self {
            id: id.to_owned(),
            text: text.to_owned(),
        })
    }

    /// The public key id.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// SHA-256 of the whole key: what the verified-key cache compares (the slow Argon2id check
    /// runs once per key per cache period, not per request).
    #[must_use]
    pub fn digest(&self) -> [u8; 32] {
        Sha256::digest(self.text.as_bytes()).into()
    }

    /// Whether `hash` (Argon2id, PHC format) is this key's. CPU work of tens of milliseconds:
    /// run it on a blocking thread.
    #[must_use]
    pub fn matches(&self, hash: &str) -> bool {
        PasswordHash::new(hash).is_ok_and(|h| {
            Argon2::default()
                .verify_password(self.text.as_bytes(), &h)
                .is_ok()
        })
    }
}

/// A new key: the text to hand out once, and what to store.
pub struct NewKey {
    /// The whole key, shown once.
    pub text: String,
    /// Its public id.
    pub id: String,
    /// Argon2id hash to store.
    pub hash: String,
}

impl std::fmt::Debug for NewKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NewKey({PREFIX}{}_…)", self.id)
    }
}

/// Makes a key from the operating system's random source.
pub fn generate() -> Result<NewKey, AuthError> {
    let mut rng = OsRng;
    let id: String = (0..ID_LEN)
        .map(|_| {
            let i = rng.gen_range(0..36u8);
            char::from(if i < 10 { b'0' + i } else { b'a' + i - 10 })
        })
        .collect();
    let secret = Alphanumeric.sample_string(&mut rng, SECRET_LEN);
    let text = format!("{PREFIX}{id}_{secret}");
    let salt = SaltString::generate(&mut rng);
    // Argon2 defaults: Argon2id v19, 19 MiB, 2 passes, 1 lane (the OWASP minimum).
    let hash = Argon2::default()
        .hash_password(text.as_bytes(), &salt)
        .map_err(|e| AuthError::Config(format!("hashing the key failed: {e}")))?
        .to_string();
    Ok(NewKey { text, id, hash })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_parses_and_matches_only_its_hash() {
        let k = generate().unwrap();
        assert!(k.hash.starts_with("$argon2id$"));
        let p = PresentedKey::parse(&k.text).unwrap();
        assert_eq!(p.id(), k.id);
        assert!(p.matches(&k.hash));
        let other = generate().unwrap();
        assert!(!p.matches(&other.hash));
        assert!(
            !format!("{p:?}").contains(&k.text[16..]),
            "debug output shows the secret"
        );
        let mut tampered = k.text.clone();
        tampered.replace_range(20..21, if &k.text[20..21] == "A" { "B" } else { "A" });
        assert!(!PresentedKey::parse(&tampered).unwrap().matches(&k.hash));
    }

    #[test]
    fn garbled_keys_are_refused_before_lookup() {
        for bad in [
            "",
            "um_",
            "um_short_x",
            "xx_abcdefghijkl_0123456789abcdef0123456789ABCDEF",
            "um_ABCDEFGHIJKL_0123456789abcdef0123456789ABCDEF",
            "um_abcdefghijkl_0123456789abcdef0123456789ABCDE'",
            "um_abcdefghijkl_' OR 1=1 --",
        ] {
            assert!(PresentedKey::parse(bad).is_err(), "{bad}");
        }
    }
}
