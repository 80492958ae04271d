//! The file store's bytes encrypted at rest with the deployment's age key: each object is a
//! standard age file (`age -d -i key` opens it), so a stolen disk or a leaked bucket holds no
//! drawing anyone can read. Names stay the SHA-256 of the plaintext, so content addressing,
//! deduplication and the archive's records are unchanged; only the server holding the key (the
//! identity file in `[archive] files_key`) reads them. Objects kept before the key was set stay
//! readable as they are.

use std::io::{Read, Seek, Write};
use std::ops::Range;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::StreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt};

use super::{failed, FileBytes, READ_CHUNK};
use crate::{Result, StoreError};

/// The first line of every age file.
const MAGIC: &[u8] = b"age-encryption.org/v1\n";
/// age's payload: 64 KiB chunks, each with a 16-byte tag; a 16-byte nonce before them.
const CHUNK: u64 = 64 << 10;
const TAG: u64 = 16;
const NONCE: u64 = 16;
/// An age header is far shorter than this (post-quantum stanzas are about 1.6 KiB).
const HEADER_MAX: u64 = 16 << 10;

/// The deployment's key: who objects are sealed for, and the identity that opens them.
#[derive(Clone)]
pub struct Sealing {
    /// New objects are sealed for the first key's recipient.
    recipient: Arc<dyn age::Recipient + Send + Sync>,
    /// Every key in the file opens objects: a new key first, the old ones after it, while
    /// objects sealed with them remain.
    identities: Arc<Vec<Box<dyn age::Identity + Send + Sync>>>,
}

impl std::fmt::Debug for Sealing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealing(age)")
    }
}

impl Sealing {
    /// The keys in an age identity file: `AGE-SECRET-KEY-PQ-1…` (post-quantum hybrid,
    /// `age-keygen -pq`) or `AGE-SECRET-KEY-1…` (X25519) lines, `#` comments skipped. New objects
    /// are sealed for the first; all of them open objects (to rotate, put a new key first).
    pub fn from_file(path: &std::path::Path) -> Result<Self> {
        let invalid = |why: &dyn std::fmt::Display| {
            StoreError::Invalid(format!("file store key {}: {why}", path.display()))
        };
        let text = std::fs::read_to_string(path).map_err(|e| invalid(&e))?;
        let mut recipient = None;
        let mut identities: Vec<Box<dyn age::Identity + Send + Sync>> = Vec::new();
        for (n, line) in text.lines().map(str::trim).enumerate() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (r, i) =
                Self::parse(line).map_err(|why| invalid(&format!("line {}: {why}", n + 1)))?;
            recipient.get_or_insert(r);
            identities.push(i);
        }
        let recipient = recipient.ok_or_else(|| invalid(&"no key in it"))?;
        Ok(Self {
            recipient,
            identities: Arc::new(identities),
        })
    }

    #[allow(clippy::type_complexity)]
    fn parse(
        secret: &str,
    ) -> std::result::Result<
        (
            Arc<dyn age::Recipient + Send + Sync>,
            Box<dyn age::Identity + Send + Sync>,
        ),
        String,
    > {
        if let Ok(id) = secret.parse::<age::pq::Identity>() {
            return Ok((Arc::new(id.to_public()), Box::new(id)));
        }
        // Classic keys stay accepted: a deployment may have one already.
        #[allow(deprecated)]
        let classic = secret.parse::<age::x25519::Identity>();
        classic
            .map(|id| {
                (
                    Arc::new(id.to_public()) as Arc<dyn age::Recipient + Send + Sync>,
                    Box::new(id) as Box<dyn age::Identity + Send + Sync>,
                )
            })
            .map_err(|_| "not an age secret key (AGE-SECRET-KEY-PQ-1… or AGE-SECRET-KEY-1…)".into())
    }

    /// A writer sealing what is written into a buffer the caller drains.
    pub(super) fn writer(&self) -> Result<SealedWriter> {
        let buffer = Shared::default();
        let encryptor = age::Encryptor::with_recipients(std::iter::once(
            self.recipient.as_ref() as &dyn age::Recipient
        ))
        .map_err(|e| StoreError::Write(format!("file store: sealing: {e}")))?;
        let stream = encryptor
            .wrap_output(buffer.clone())
            .map_err(|e| StoreError::Write(format!("file store: sealing: {e}")))?;
        Ok(SealedWriter { stream, buffer })
    }
}

/// A buffer an age stream writes into while the upload drains it.
#[derive(Clone, Default)]
pub(super) struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn take(&self) -> Bytes {
        Bytes::from(std::mem::take(
            &mut *self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        ))
    }
}

/// Plaintext in, ciphertext out (drained after each write).
pub(super) struct SealedWriter {
    stream: age::stream::StreamWriter<Shared>,
    buffer: Shared,
}

impl SealedWriter {
    /// Seals `chunk`; the ciphertext ready so far.
    pub(super) fn seal(&mut self, chunk: &[u8]) -> Result<Bytes> {
        self.stream
            .write_all(chunk)
            .map_err(|e| StoreError::Write(format!("file store: sealing: {e}")))?;
        Ok(self.buffer.take())
    }

    /// The last of the ciphertext.
    pub(super) fn finish(self) -> Result<Bytes> {
        let buffer = self
            .stream
            .finish()
            .map_err(|e| StoreError::Write(format!("file store: sealing: {e}")))?;
        Ok(buffer.take())
    }
}

/// The plaintext's size from an age file's size and its header's length.
fn plain_size(object: u64, header: u64) -> Option<u64> {
    let payload = object.checked_sub(header + NONCE)?;
    let chunks = payload.div_ceil(CHUNK + TAG);
    payload.checked_sub(chunks * TAG).filter(|_| chunks > 0)
}

/// The length of the age header at the start of `head` (through the `---` MAC line).
fn header_length(head: &[u8]) -> Option<u64> {
    let at = head.windows(5).position(|w| w == b"\n--- ")?;
    let end = head[at + 1..].iter().position(|&b| b == b'\n')?;
    u64::try_from(at + 1 + end + 1).ok()
}

/// Bytes fetched from the object store at a time.
const BLOCK: u64 = 1 << 20;

/// An object read and sought in place, a block at a time, from a blocking thread.
struct Ranged {
    objects: Arc<dyn ObjectStore>,
    path: ObjectPath,
    size: u64,
    pos: u64,
    block: Bytes,
    block_start: u64,
    runtime: tokio::runtime::Handle,
}

impl Read for Ranged {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.pos >= self.size || out.is_empty() {
            return Ok(0);
        }
        let held = self.block_start..self.block_start + self.block.len() as u64;
        if !held.contains(&self.pos) {
            let range = self.pos..(self.pos + BLOCK).min(self.size);
            self.block = self
                .runtime
                .block_on(self.objects.get_range(&self.path, range))
                .map_err(std::io::Error::other)?;
            self.block_start = self.pos;
            if self.block.is_empty() {
                return Ok(0);
            }
        }
        let at = usize::try_from(self.pos - self.block_start).unwrap_or(usize::MAX);
        let n = out.len().min(self.block.len().saturating_sub(at));
        out[..n].copy_from_slice(&self.block[at..at + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for Ranged {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        let target = match to {
            std::io::SeekFrom::Start(n) => Some(n),
            std::io::SeekFrom::End(d) => self.size.checked_add_signed(d),
            std::io::SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = target.ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "seek before the start")
        })?;
        Ok(self.pos)
    }
}

/// `range` of the sealed object at `path` (`None`: not an age file, kept before the key was
/// set: read it as it is).
pub(super) async fn get(
    objects: &Arc<dyn ObjectStore>,
    path: &ObjectPath,
    sealing: &Sealing,
    range: Option<Range<u64>>,
) -> Result<Option<FileBytes>> {
    let meta = objects.head(path).await.map_err(|e| match e {
        object_store::Error::NotFound { .. } => StoreError::NotFound(format!(
            "the bytes of file {}",
            path.filename().unwrap_or("?")
        )),
        other => failed("reading a file")(other),
    })?;
    if meta.size == 0 {
        // An empty file kept before the key was set (an age file is never empty).
        return Ok(None);
    }
    let head = objects
        .get_range(path, 0..meta.size.min(HEADER_MAX))
        .await
        .map_err(failed("reading a file"))?;
    if !head.starts_with(MAGIC) {
        return Ok(None);
    }
    let corrupt = || StoreError::Corrupt {
        id: path.to_string(),
        reason: "a sealed object whose age header cannot be read".into(),
    };
    let header = header_length(&head).ok_or_else(corrupt)?;
    let size = plain_size(meta.size, header).ok_or_else(corrupt)?;
    let range = match range {
        None => 0..size,
        Some(r) if r.start < size && r.start < r.end => r.start..r.end.min(size),
        Some(r) => {
            return Err(StoreError::Invalid(format!(
                "range not satisfiable: {}-{} of {size} bytes",
                r.start, r.end
            )))
        }
    };
    // age seeks by 64 KiB chunk: a range is read from the chunk it starts in, fetched from the
    // object store in ranges as the reader moves, not decrypted from the start of the object.
    let reader = Ranged {
        objects: Arc::clone(objects),
        path: path.clone(),
        size: meta.size,
        pos: 0,
        // The header was fetched already to size the plaintext: the decryptor starts from it.
        block: head,
        block_start: 0,
        runtime: tokio::runtime::Handle::current(),
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes>>(2);
    // Whether the file opens is known before anything is answered: a wrong key or a damaged
    // header is an error, not a 200 cut short.
    let (opened_tx, opened_rx) = tokio::sync::oneshot::channel::<std::result::Result<(), String>>();
    let (identities, want) = (Arc::clone(&sealing.identities), range.clone());
    tokio::task::spawn_blocking(move || {
        let opened = (|| {
            let decryptor = age::Decryptor::new(reader).map_err(|e| e.to_string())?;
            decryptor
                .decrypt(identities.iter().map(|i| i.as_ref() as &dyn age::Identity))
                .map_err(|e| e.to_string())
        })();
        let mut plain = match opened {
            Ok(p) => {
                let _ = opened_tx.send(Ok(()));
                p
            }
            Err(why) => {
                let _ = opened_tx.send(Err(why));
                return;
            }
        };
        let read = |plain: &mut dyn Read, n: u64| -> std::io::Result<Vec<u8>> {
            let mut buf = Vec::with_capacity(usize::try_from(n).unwrap_or(0));
            plain.take(n).read_to_end(&mut buf)?;
            Ok(buf)
        };
        if let Err(e) = plain.seek(std::io::SeekFrom::Start(want.start)) {
            let _ = tx.blocking_send(Err(StoreError::Write(format!(
                "file store: reading a sealed file: {e}"
            ))));
            return;
        }
        let mut at = want.start;
        while at < want.end {
            let n = (want.end - at).min(READ_CHUNK);
            let chunk = read(&mut plain, n)
                .map_err(|e| StoreError::Write(format!("file store: reading a sealed file: {e}")));
            let stop = chunk.as_ref().map_or(true, Vec::is_empty);
            at += n;
            if tx.blocking_send(chunk.map(Bytes::from)).is_err() || stop {
                return;
            }
        }
    });
    match opened_rx.await {
        Ok(Ok(())) => {}
        Ok(Err(why)) => {
            return Err(StoreError::Corrupt {
                id: path.to_string(),
                reason: format!("the sealed file does not open with the deployment's key: {why}"),
            })
        }
        Err(_) => {
            return Err(StoreError::Write(
                "file store: opening a sealed file: the reader stopped".into(),
            ))
        }
    }
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    })
    .boxed();
    Ok(Some(FileBytes {
        stream,
        range,
        size,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::TryStreamExt;

    #[test]
    fn the_plaintext_size_follows_from_the_object_size() {
        for plain in [0_u64, 1, 65_535, 65_536, 65_537, 200_000, 3 * 65_536] {
            let chunks = plain.div_ceil(CHUNK).max(1);
            let object = 123 + NONCE + plain + chunks * TAG;
            assert_eq!(plain_size(object, 123), Some(plain), "{plain}");
        }
        assert_eq!(plain_size(10, 123), None);
    }

    fn key(dir: &std::path::Path) -> Sealing {
        use age::secrecy::ExposeSecret;
        let path = dir.join("files.key");
        let id = age::pq::Identity::generate();
        std::fs::write(
            &path,
            format!("# the archive's key\n{}\n", id.to_string().expose_secret()),
        )
        .unwrap();
        Sealing::from_file(&path).unwrap()
    }

    async fn bytes_of(
        files: &super::super::FileStore,
        hash: &super::super::ContentHash,
        range: Option<Range<u64>>,
    ) -> (Vec<u8>, Range<u64>, u64) {
        let got = files.get(hash, range).await.unwrap();
        let (range, size) = (got.range.clone(), got.size);
        let all: Vec<Bytes> = got.stream.try_collect().await.unwrap();
        (all.concat(), range, size)
    }

    #[tokio::test]
    async fn sealed_files_are_age_files_on_disk_and_whole_and_ranges_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let sealing = key(dir.path());
        let store_dir = dir.path().join("files");
        let files = super::super::FileStore::local(&store_dir)
            .unwrap()
            .sealed_with(sealing.clone());
        // Three and a bit age chunks, sent in odd pieces.
        let plain: Vec<u8> = (0..200_003_u32)
            .map(|i| u8::try_from(i % 251).unwrap())
            .collect();
        let mut up = files.upload(1 << 30).await.unwrap();
        for part in plain.chunks(7_777) {
            up.write(Bytes::copy_from_slice(part)).await.unwrap();
        }
        let stored = up.finish(None, Some("drawing.dwg")).await.unwrap();
        assert_eq!(stored.size, 200_003);

        let on_disk = std::fs::read(store_dir.join(stored.hash.path().to_string())).unwrap();
        assert!(on_disk.starts_with(MAGIC));
        assert!(
            !on_disk
                .windows(64)
                .any(|w| plain.windows(64).next() == Some(w)),
            "plaintext on disk"
        );

        let (whole, range, size) = bytes_of(&files, &stored.hash, None).await;
        assert_eq!((whole.len(), range, size), (200_003, 0..200_003, 200_003));
        assert_eq!(whole, plain);
        // Across a chunk boundary; beyond the end is clamped; past it is refused.
        let (part, range, _) = bytes_of(&files, &stored.hash, Some(65_000..131_500)).await;
        assert_eq!(
            (part.as_slice(), range),
            (&plain[65_000..131_500], 65_000..131_500)
        );
        let (tail, _, _) = bytes_of(&files, &stored.hash, Some(199_000..999_999)).await;
        assert_eq!(tail, &plain[199_000..]);
        assert!(matches!(
            files.get(&stored.hash, Some(300_000..300_001)).await,
            Err(StoreError::Invalid(_))
        ));
        // Every start and length around the chunk and block boundaries, against the plaintext.
        for start in [
            0_u64, 1, 65_535, 65_536, 65_537, 131_071, 131_072, 199_999, 200_002,
        ] {
            for len in [1_u64, 16, 65_536, 70_000] {
                let end = (start + len).min(200_003);
                let (got, range, _) =
                    bytes_of(&files, &stored.hash, Some(start..start + len)).await;
                assert_eq!(range, start..end);
                assert_eq!(
                    got.as_slice(),
                    &plain[usize::try_from(start).unwrap()..usize::try_from(end).unwrap()],
                    "{start}+{len}"
                );
            }
        }

        // Without the key the store holds nothing readable; another key cannot open it.
        let elsewhere = tempfile::tempdir().unwrap();
        let other = super::super::FileStore::local(&store_dir)
            .unwrap()
            .sealed_with(key(elsewhere.path()));
        assert!(matches!(
            other.get(&stored.hash, None).await,
            Err(StoreError::Corrupt { .. })
        ));
        // A new key put first: new objects are sealed for it, the old ones still open.
        let (old_key, new_key) = (
            dir.path().join("files.key"),
            elsewhere.path().join("files.key"),
        );
        let both = dir.path().join("rotated.key");
        std::fs::write(
            &both,
            format!(
                "{}{}",
                std::fs::read_to_string(&new_key).unwrap(),
                std::fs::read_to_string(&old_key).unwrap()
            ),
        )
        .unwrap();
        let rotated = super::super::FileStore::local(&store_dir)
            .unwrap()
            .sealed_with(Sealing::from_file(&both).unwrap());
        assert_eq!(bytes_of(&rotated, &stored.hash, None).await.0, plain);
    }

    #[tokio::test]
    async fn files_kept_before_the_key_was_set_stay_readable_and_an_empty_file_seals() {
        let dir = tempfile::tempdir().unwrap();
        let plain_store = super::super::FileStore::local(dir.path()).unwrap();
        let old_empty = plain_store
            .upload(1)
            .await
            .unwrap()
            .finish(None, None)
            .await
            .unwrap();
        let mut up = plain_store.upload(1 << 20).await.unwrap();
        up.write(Bytes::from_static(b"an old scan")).await.unwrap();
        let old = up.finish(None, None).await.unwrap();
        let sealed = plain_store.sealed_with(key(dir.path()));
        assert_eq!(bytes_of(&sealed, &old.hash, None).await.0, b"an old scan");
        assert_eq!(bytes_of(&sealed, &old_empty.hash, None).await.0, b"");
        let empty = sealed
            .upload(1 << 20)
            .await
            .unwrap()
            .finish(None, None)
            .await
            .unwrap();
        assert_eq!(
            bytes_of(&sealed, &empty.hash, None).await,
            (Vec::new(), 0..0, 0)
        );
    }
}
