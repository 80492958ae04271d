//! The bytes of the archive's files, content-addressed: a file is kept once, under the SHA-256 of
//! its bytes, however often and under whatever names it is handed over. Kept through
//! `object_store` (a local directory by default), so that a deployment can put them on any
//! object store it supports without touching the code that reads and writes them. What a file is
//! (its project, category, title) is kept by the [`crate::ArchiveStore`] beside the projects.

use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt};

use crate::{Result, StoreError};

mod embedded;
mod location;
mod sealing;
mod upload;

pub use embedded::{Embedded, Synced};
pub use sealing::Sealing;
pub use upload::{Stored, Upload};

/// The SHA-256 of a file's bytes, as 64 lowercase hexadecimal digits: the name it is kept and
/// fetched under.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct ContentHash(String);

impl ContentHash {
    /// The hash as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn from_digest(digest: &[u8]) -> Self {
        Self(hex::encode(digest))
    }

    /// Where the bytes are kept: `sha256/ab/cd/abcd…` (two levels keep directories small).
    fn path(&self) -> ObjectPath {
        ObjectPath::from(format!(
            "sha256/{}/{}/{}",
            &self.0[..2],
            &self.0[2..4],
            self.0
        ))
    }
}

impl std::str::FromStr for ContentHash {
    type Err = StoreError;

    /// Accepts 64 hexadecimal digits in either case.
    fn from_str(s: &str) -> Result<Self> {
        let s = s.trim();
        if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Self(s.to_ascii_lowercase()))
        } else {
            Err(StoreError::Invalid(format!(
                "{:?} is not a SHA-256 (64 hexadecimal digits)",
                s.chars().take(80).collect::<String>()
            )))
        }
    }
}

impl fmt::Display for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where the archive's file bytes are kept.
#[derive(Clone)]
pub struct FileStore {
    pub(crate) objects: Arc<dyn ObjectStore>,
    describe: String,
    /// The GeoPackage the files are also kept in (a GeoPackage store's own).
    inside: Option<embedded::Inside>,
    /// Whether the bytes are in a local folder.
    local: bool,
    /// The deployment's key the bytes are encrypted with at rest.
    sealing: Option<Sealing>,
}

impl fmt::Debug for FileStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileStore")
            .field("at", &self.describe)
            .field("inside", &self.inside.is_some())
            .finish_non_exhaustive()
    }
}

/// Part of a file: its bytes as a stream, which range of the whole they are, and the whole's size.
pub struct FileBytes {
    /// The bytes.
    pub stream: BoxStream<'static, Result<Bytes>>,
    /// Which bytes of the file.
    pub range: Range<u64>,
    /// The file's size.
    pub size: u64,
}

impl fmt::Debug for FileBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileBytes")
            .field("range", &self.range)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

/// Bytes read from a local file at a time.
const READ_CHUNK: u64 = 1 << 20;

/// The bytes of `range` of a local file, a MiB at a time, each read on a blocking thread.
fn file_chunks(file: std::fs::File, range: Range<u64>) -> BoxStream<'static, Result<Bytes>> {
    let read_error =
        |e: std::io::Error| StoreError::Write(format!("file store: reading a file: {e}"));
    futures_util::stream::try_unfold((Some(file), range.start), move |(file, at)| async move {
        let Some(mut file) = file.filter(|_| at < range.end) else {
            return Ok(None);
        };
        let len = (range.end - at).min(READ_CHUNK);
        let (file, chunk) = tokio::task::spawn_blocking(move || {
            use std::io::{Read, Seek, SeekFrom};
            file.seek(SeekFrom::Start(at))?;
            let mut buf = vec![0; usize::try_from(len).unwrap_or(0)];
            file.read_exact(&mut buf)?;
            Ok::<_, std::io::Error>((file, Bytes::from(buf)))
        })
        .await
        .map_err(|e| StoreError::Write(format!("file store: reading a file: {e}")))?
        .map_err(read_error)?;
        Ok(Some((chunk, (Some(file), at + len))))
    })
    .boxed()
}

fn failed(what: &'static str) -> impl Fn(object_store::Error) -> StoreError {
    move |e| StoreError::Write(format!("file store: {what}: {e}"))
}

impl FileStore {
    /// Files kept in a local directory (created if missing).
    pub fn local(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::Write(format!("file store: creating {}: {e}", dir.display()))
        })?;
        let objects = LocalFileSystem::new_with_prefix(dir)
            .map_err(failed("opening the directory"))?
            .with_automatic_cleanup(true);
        Ok(Self {
            objects: Arc::new(objects),
            describe: dir.display().to_string(),
            inside: None,
            local: true,
            sealing: None,
        })
    }

    /// Files kept in any object store (e.g. one a test or a deployment made).
    #[must_use]
    pub fn new(objects: Arc<dyn ObjectStore>) -> Self {
        let describe = objects.to_string();
        Self {
            objects,
            describe,
            inside: None,
            local: false,
            sealing: None,
        }
    }

    /// The same store, encrypting what it keeps from now on with `key` (objects kept before
    /// stay readable as they are).
    #[must_use]
    pub fn sealed_with(mut self, key: Sealing) -> Self {
        self.sealing = Some(key);
        self
    }

    /// The same store, encrypting with `other`'s key if it has one (a backup's copy of the
    /// files stays as sealed as the originals).
    #[must_use]
    pub fn sealed_like(self, other: &Self) -> Self {
        match &other.sealing {
            Some(key) => self.sealed_with(key.clone()),
            None => self,
        }
    }

    /// Starts an upload of at most `limit` bytes.
    pub async fn upload(&self, limit: u64) -> Result<Upload> {
        Upload::start(self.objects.clone(), limit, self.sealing.as_ref()).await
    }

    /// Whether the bytes with this hash are kept.
    pub async fn contains(&self, hash: &ContentHash) -> Result<bool> {
        match self.objects.head(&hash.path()).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(failed("looking for a file")(e)),
        }
    }

    /// The bytes with this hash, or those of `range` (clamped to the file; an empty or
    /// unsatisfiable range is [`StoreError::Invalid`]); [`StoreError::NotFound`] if they are not
    /// kept.
    pub async fn get(&self, hash: &ContentHash, range: Option<Range<u64>>) -> Result<FileBytes> {
        if let Some(sealing) = &self.sealing {
            if let Some(bytes) =
                sealing::get(&self.objects, &hash.path(), sealing, range.clone()).await?
            {
                return Ok(bytes);
            }
        }
        let options = GetOptions {
            range: range.map(GetRange::Bounded),
            ..GetOptions::default()
        };
        let got = self
            .objects
            .get_opts(&hash.path(), options)
            .await
            .map_err(|e| match e {
                object_store::Error::NotFound { .. } => {
                    StoreError::NotFound(format!("the bytes of file {hash}"))
                }
                object_store::Error::Generic { source, .. }
                    if source.to_string().contains("range") =>
                {
                    StoreError::Invalid(format!("range not satisfiable: {source}"))
                }
                other => failed("reading a file")(other),
            })?;
        let size = got.meta.size;
        let range = got.range.clone();
        let stream = match got.payload {
            // object_store reads a local file 8 KiB at a time, one blocking task each: 130 MiB/s
            // for a 500 MiB download. A MiB at a time reaches the disk's speed.
            object_store::GetResultPayload::File(file, _) => file_chunks(file, range.clone()),
            object_store::GetResultPayload::Stream(s) => s
                .map(|chunk| chunk.map_err(failed("reading a file")))
                .boxed(),
        };
        Ok(FileBytes {
            stream,
            range,
            size,
        })
    }

    /// Removes the bytes with this hash (a file whose record could not be written).
    pub async fn remove(&self, hash: &ContentHash) -> Result<()> {
        match self.objects.delete(&hash.path()).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(failed("removing a file")(e)),
        }
    }
}

#[cfg(test)]
mod tests;
