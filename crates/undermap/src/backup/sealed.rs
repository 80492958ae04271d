//! Offline copies sealed for their keepers: a backup folder packed with tar and encrypted with
//! age, so a copy on a disk in a cupboard tells nothing but its size. Recipients are age's
//! post-quantum hybrid keys (`age1pq1…`, ML-KEM-768 with X25519: `age-keygen -pq`), which a copy
//! kept for decades needs against "record now, decrypt later", or classic X25519 keys (`age1…`)
//! that custodians have already. Opening one needs an identity file holding a matching secret
//! key. The file appears under its name only once complete.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::BackupError;

/// Whom a copy is sealed for.
pub type Recipients = Vec<Box<dyn age::Recipient + Send + Sync>>;

/// One recipient: post-quantum hybrid (`age1pq1…`) or X25519 (`age1…`).
fn parse(text: &str, from: &str) -> Result<Box<dyn age::Recipient + Send + Sync>, BackupError> {
    let text = text.trim();
    if is_secret(text) {
        return Err(secret_given(from));
    }
    let refused = |e: &dyn std::fmt::Display| {
        BackupError::Crypto(format!(
            "{from}: {text:?} is not an age recipient (age1pq1… or age1…): {e}"
        ))
    };
    if text.starts_with("age1pq1") {
        return text
            .parse::<age::pq::Recipient>()
            .map(|r| Box::new(r) as _)
            .map_err(|e| refused(&e));
    }
    // Classic keys stay accepted: custodians hold them, and age keeps reading them.
    #[allow(deprecated)]
    let classic = text.parse::<age::x25519::Recipient>();
    classic.map(|r| Box::new(r) as _).map_err(|e| refused(&e))
}

/// Whether `text` is a secret key (never to be echoed).
fn is_secret(text: &str) -> bool {
    text.trim_start()
        .to_ascii_uppercase()
        .starts_with("AGE-SECRET-KEY-")
}

fn secret_given(from: &str) -> BackupError {
    BackupError::Crypto(format!(
        "{from}: a secret key (AGE-SECRET-KEY-…) was given where a recipient (age1pq1… or age1…, \
         its public key) belongs; the secret stays with its keeper"
    ))
}

/// The recipients named: each an `age1pq1…` or `age1…` public key, or a file of them (one a
/// line; `#` comments and blank lines skipped, as age's own recipients files).
pub fn recipients(names: &[String]) -> Result<Recipients, BackupError> {
    let mut out = Vec::new();
    for name in names {
        if is_secret(name) {
            return Err(secret_given("--encrypt-to"));
        }
        if name.trim_start().starts_with("age1") {
            out.push(parse(name, "--encrypt-to")?);
            continue;
        }
        let path = Path::new(name);
        let text = std::fs::read_to_string(path).map_err(BackupError::io("reading", path))?;
        let before = out.len();
        for line in text.lines().map(str::trim) {
            if !line.is_empty() && !line.starts_with('#') {
                out.push(parse(line, name)?);
            }
        }
        if out.len() == before {
            return Err(BackupError::Crypto(format!("{name} names no recipient")));
        }
    }
    if out.is_empty() {
        return Err(BackupError::Crypto("no recipient to encrypt to".into()));
    }
    Ok(out)
}

/// Packs `entries` (files or folders, relative to `base`) into the age file `out`, readable only
/// by `recipients`' keepers; the file's SHA-256 and size, counted as it was written.
pub fn seal(
    base: &Path,
    entries: &[&str],
    recipients: &[Box<dyn age::Recipient + Send + Sync>],
    out: &Path,
) -> Result<Digest, BackupError> {
    let partial = out.with_extension("partial");
    let result = seal_into(base, entries, recipients, &partial);
    match result {
        Ok(digest) => {
            // Never over an earlier copy: a link fails where a rename would replace.
            let linked = std::fs::hard_link(&partial, out);
            let _ = std::fs::remove_file(&partial);
            linked.map_err(BackupError::io("keeping the sealed copy as", out))?;
            Ok(digest)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

fn seal_into(
    base: &Path,
    entries: &[&str],
    recipients: &[Box<dyn age::Recipient + Send + Sync>],
    partial: &Path,
) -> Result<Digest, BackupError> {
    let crypto = |e: &dyn std::fmt::Display| BackupError::Crypto(e.to_string());
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(partial)
        .map_err(BackupError::io("creating", partial))?;
    let encryptor = age::Encryptor::with_recipients(
        recipients.iter().map(|r| r.as_ref() as &dyn age::Recipient),
    )
    .map_err(|e| crypto(&e))?;
    let sealed = encryptor
        .wrap_output(Counting::new(BufWriter::with_capacity(1 << 20, file)))
        .map_err(BackupError::io("writing", partial))?;
    let mut tar = tar::Builder::new(sealed);
    tar.follow_symlinks(false);
    for entry in entries {
        append_tree(&mut tar, base, Path::new(entry))
            .map_err(BackupError::io("packing", &base.join(entry)))?;
    }
    let sealed = tar
        .into_inner()
        .map_err(BackupError::io("packing", partial))?;
    let mut file = sealed
        .finish()
        .map_err(BackupError::io("writing", partial))?;
    file.flush().map_err(BackupError::io("writing", partial))?;
    let digest = file.digest();
    file.inner
        .into_inner()
        .map_err(|e| BackupError::io("writing", partial)(e.into_error()))?
        .sync_all()
        .map_err(BackupError::io("writing", partial))?;
    Ok(digest)
}

/// A file's SHA-256 (hex) and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// How many bytes.
    pub size: u64,
}

/// A writer that hashes and counts what passes through it.
struct Counting<W> {
    inner: W,
    hasher: sha2::Sha256,
    size: u64,
}

impl<W> Counting<W> {
    fn new(inner: W) -> Self {
        Self {
            inner,
            hasher: sha2::Digest::new(),
            size: 0,
        }
    }

    fn digest(&self) -> Digest {
        Digest {
            sha256: hex::encode(sha2::Digest::finalize(self.hasher.clone())),
            size: self.size,
        }
    }
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        sha2::Digest::update(&mut self.hasher, &buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Packs `base/rel` (a file, or a folder and all below it) under the name `rel`. Files that
/// vanish while the folder is walked are skipped, and so are files still being written under a
/// temporary name (`*.tmp`: pgBackRest's archive-push writes WAL segments so, then renames them,
/// while a copy of its repository is being sealed).
fn append_tree<W: std::io::Write>(
    tar: &mut tar::Builder<W>,
    base: &Path,
    rel: &Path,
) -> std::io::Result<()> {
    let gone = |e: &std::io::Error| e.kind() == std::io::ErrorKind::NotFound;
    let path = base.join(rel);
    let meta = match std::fs::symlink_metadata(&path) {
        Ok(m) => m,
        Err(e) if gone(&e) => return Ok(()),
        Err(e) => return Err(e),
    };
    if meta.is_dir() {
        tar.append_dir(rel, &path)?;
        let mut names: Vec<_> = std::fs::read_dir(&path)?
            .filter_map(|e| e.ok().map(|e| e.file_name()))
            .collect();
        names.sort();
        for name in names {
            append_tree(tar, base, &rel.join(name))?;
        }
    } else if meta.is_file() && !rel.to_string_lossy().ends_with(".tmp") {
        match File::open(&path) {
            Ok(mut file) => tar.append_file(rel, &mut file)?,
            Err(e) if gone(&e) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Decrypts the age file `file` with the identities in `identity` and unpacks it into the
/// folder `into` (which must be empty). Paths leaving the folder are refused by tar.
pub fn unseal(file: &Path, identity: &Path, into: &Path) -> Result<(), BackupError> {
    let identities = age::IdentityFile::from_file(identity.to_string_lossy().into_owned())
        .map_err(BackupError::io("reading the identity file", identity))?
        .into_identities()
        .map_err(|e| BackupError::Crypto(format!("{}: {e}", identity.display())))?;
    let input = File::open(file).map_err(BackupError::io("opening", file))?;
    let decryptor = age::Decryptor::new_buffered(BufReader::with_capacity(1 << 20, input))
        .map_err(|e| BackupError::Crypto(format!("{} is not an age file: {e}", file.display())))?;
    let plain = decryptor
        .decrypt(identities.iter().map(|i| i.as_ref() as &dyn age::Identity))
        .map_err(|e| {
            BackupError::Crypto(format!(
                "{} cannot be opened with {}: {e}",
                file.display(),
                identity.display()
            ))
        })?;
    let mut tar = tar::Archive::new(plain);
    tar.set_preserve_permissions(true);
    tar.unpack(into)
        .map_err(BackupError::io("unpacking into", into))
}

#[cfg(test)]
mod tests {
    use super::*;
    use age::secrecy::ExposeSecret;

    #[test]
    #[allow(deprecated)] // the classic X25519 keys are tested too
    fn only_the_keeper_of_the_identity_opens_a_sealed_copy() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("backup");
        std::fs::create_dir_all(base.join("snapshots/one")).unwrap();
        std::fs::write(
            base.join("snapshots/one/store.gpkg"),
            b"secret drawing bytes",
        )
        .unwrap();
        let keeper = age::pq::Identity::generate();
        let classic = age::x25519::Identity::generate();
        let stranger = age::pq::Identity::generate();
        let out = dir.path().join("copy.tar.age");
        // age will not mix them: a classic key beside a post-quantum one would undo its safety.
        let both = recipients(&[
            keeper.to_public().to_string(),
            classic.to_public().to_string(),
        ])
        .unwrap();
        let err = seal(&base, &["snapshots"], &both, &out).unwrap_err();
        assert!(err.to_string().contains("postquantum"), "{err}");
        assert!(!out.exists() && !out.with_extension("partial").exists());
        let sealed_for = |id: String, out: &Path| {
            seal(
                &base,
                &["snapshots", "missing"],
                &recipients(&[id]).unwrap(),
                out,
            )
            .unwrap();
        };
        sealed_for(keeper.to_public().to_string(), &out);
        let classic_out = dir.path().join("classic.tar.age");
        sealed_for(classic.to_public().to_string(), &classic_out);
        let sealed = std::fs::read(&out).unwrap();
        assert!(
            !sealed.windows(6).any(|w| w == b"secret"),
            "plaintext in the sealed copy"
        );

        let write_identity = |secret: &str, name: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, secret).unwrap();
            path
        };
        let theirs = write_identity(stranger.to_string().expose_secret(), "stranger.key");
        let into = dir.path().join("wrong");
        std::fs::create_dir(&into).unwrap();
        assert!(matches!(
            unseal(&out, &theirs, &into),
            Err(BackupError::Crypto(_))
        ));

        // Each keeper opens theirs: the post-quantum one and the classic one.
        for (n, (secret, file)) in [
            (keeper.to_string().expose_secret().to_owned(), &out),
            (classic.to_string().expose_secret().to_owned(), &classic_out),
        ]
        .iter()
        .enumerate()
        {
            let ours = write_identity(secret, &format!("keeper{n}.key"));
            let into = dir.path().join(format!("open{n}"));
            std::fs::create_dir(&into).unwrap();
            unseal(file, &ours, &into).unwrap();
            assert_eq!(
                std::fs::read(into.join("snapshots/one/store.gpkg")).unwrap(),
                b"secret drawing bytes"
            );
        }
    }

    #[test]
    fn a_recipient_that_is_not_one_is_refused_by_name() {
        let Err(err) = recipients(&["age1notakey".into()]) else {
            panic!("a recipient that is none was taken");
        };
        assert!(err.to_string().contains("age1notakey"), "{err}");
        // A secret key given by mistake is refused without being repeated.
        let secret = "AGE-SECRET-KEY-PQ-1QQQQQQQQQQQQQQQQQQQQQQQQ";
        let Err(err) = recipients(&[secret.into()]) else {
            panic!("a secret key was taken as a recipient");
        };
        assert!(!err.to_string().contains("QQQQ"), "{err}");
        assert!(recipients(&[]).is_err());
    }
}
