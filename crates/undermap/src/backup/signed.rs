//! A sealed copy's proof of origin. age encrypts but does not sign: anyone holding a keeper's
//! public key could make a copy, and a restore starts a PostgreSQL cluster from what it holds.
//! So each sealed copy gets `<copy>.sig.json` beside it, naming its SHA-256 and size, signed
//! with the deployment's Ed25519 key (the one tickets are signed with), and a restore checks it
//! before it opens anything.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};
use undermap_service::{TicketSigner, TicketVerifier};

use super::sealed::Digest;
use super::BackupError;

/// What the signature file says it is.
const TYPE: &str = "undermap-sealed-copy";

/// Where a copy's signature is kept.
#[must_use]
pub fn signature_path(copy: &Path) -> PathBuf {
    let mut name = copy.file_name().unwrap_or_default().to_os_string();
    name.push(".sig.json");
    copy.with_file_name(name)
}

/// The SHA-256 (hex) and size of a file, read once.
pub fn digest(path: &Path) -> Result<Digest, BackupError> {
    let mut file = std::fs::File::open(path).map_err(BackupError::io("reading", path))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0; 1 << 20];
    let mut size = 0_u64;
    loop {
        let n = file
            .read(&mut buf)
            .map_err(BackupError::io("reading", path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok(Digest {
        sha256: hex::encode(hasher.finalize()),
        size,
    })
}

/// Signs the sealed copy at `copy`, whose bytes are `digest` (as [`super::sealed::seal`]
/// counted them); the signature file's path.
pub fn sign(copy: &Path, digest: &Digest, signer: &TicketSigner) -> Result<PathBuf, BackupError> {
    let file = copy.file_name().unwrap_or_default().to_string_lossy();
    let mut doc = json!({"type": TYPE, "file": file, "sha256": digest.sha256, "size": digest.size});
    let signature = signer
        .sign(&doc)
        .map_err(|e| BackupError::Crypto(format!("signing {}: {e}", copy.display())))?;
    doc["signature"] = json!(signature);
    let path = signature_path(copy);
    let text = serde_json::to_vec_pretty(&doc)
        .map_err(|e| BackupError::Crypto(format!("writing a signature: {e}")))?;
    super::manifest::write_atomically(&path, &text)?;
    Ok(path)
}

/// Checks that `copy` is the one the deployment's key signed: its signature file verifies with
/// `verifier` and names this file's SHA-256 and size.
pub fn verify(copy: &Path, verifier: &TicketVerifier) -> Result<(), BackupError> {
    let path = signature_path(copy);
    let text = std::fs::read(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            BackupError::Crypto(format!(
                "{} has no signature beside it ({}): a copy of unknown origin is not opened \
                 (--unsigned to restore it all the same)",
                copy.display(),
                path.display()
            ))
        } else {
            BackupError::io("reading", &path)(e)
        }
    })?;
    let doc: Value = serde_json::from_slice(&text).map_err(|e| {
        BackupError::Crypto(format!("{}: not a signature file: {e}", path.display()))
    })?;
    if doc["type"] != TYPE {
        return Err(BackupError::Crypto(format!(
            "{} is not the signature of a sealed copy",
            path.display()
        )));
    }
    verifier.verify_value(&doc).map_err(|e| {
        BackupError::Crypto(format!(
            "{} does not verify with the deployment's key {}: {e}",
            path.display(),
            verifier.key_id()
        ))
    })?;
    let Digest { sha256, size } = digest(copy)?;
    if doc["sha256"] != sha256.as_str() || doc["size"] != size {
        return Err(BackupError::Crypto(format!(
            "{} is not the file its signature names (SHA-256 {sha256}, {size} bytes)",
            copy.display()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_copy_verifies_and_a_changed_one_or_another_key_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("undermap-1.tar.age");
        std::fs::write(&copy, b"age-encryption.org/v1\nsealed bytes").unwrap();
        let signer = TicketSigner::generate();
        let sig = sign(&copy, &digest(&copy).unwrap(), &signer).unwrap();
        assert!(sig.ends_with("undermap-1.tar.age.sig.json"));
        verify(&copy, &signer.verifier()).unwrap();

        let other = TicketSigner::generate().verifier();
        assert!(matches!(verify(&copy, &other), Err(BackupError::Crypto(_))));
        std::fs::write(&copy, b"age-encryption.org/v1\nforged bytes").unwrap();
        let err = verify(&copy, &signer.verifier()).unwrap_err();
        assert!(
            err.to_string()
                .contains("is not the file its signature names"),
            "{err}"
        );
        std::fs::remove_file(&sig).unwrap();
        let err = verify(&copy, &signer.verifier()).unwrap_err();
        assert!(err.to_string().contains("no signature"), "{err}");
    }
}
