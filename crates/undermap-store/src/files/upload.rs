//! One upload into the file store, streamed: the bytes go to a staging object as they arrive
//! while their SHA-256 and size are counted, so memory stays constant whatever the file's size.
//! At the end the staging object is renamed to its hash (kept once: the same bytes uploaded
//! again are dropped), or removed when the bytes are too many or not the ones announced.

use std::sync::Arc;

use bytes::Bytes;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart};
use sha2::{Digest, Sha256};

use super::{failed, ContentHash};
use crate::{Result, StoreError};

/// Bytes written to the staging object per part.
const PART_BYTES: usize = 8 << 20;
/// Parts in flight at once (memory: at most this many parts).
const PARTS_IN_FLIGHT: usize = 2;
/// Bytes kept from the start of a file to tell its type.
const HEAD_BYTES: usize = 8 << 10;

/// An upload under way. Finish it with [`Upload::finish`] or drop it with [`Upload::abort`];
/// an upload dropped otherwise leaves only a staging object, which local stores remove.
pub struct Upload {
    objects: Arc<dyn ObjectStore>,
    staging: ObjectPath,
    writer: WriteMultipart,
    hasher: Sha256,
    size: u64,
    limit: u64,
    head: Vec<u8>,
    /// Encrypting the bytes on their way to the store.
    sealed: Option<super::sealing::SealedWriter>,
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upload")
            .field("staging", &self.staging)
            .field("size", &self.size)
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

/// A file kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// The SHA-256 of its bytes.
    pub hash: ContentHash,
    /// Its size in bytes.
    pub size: u64,
    /// Its media type, told from its first bytes (or its name's extension).
    pub media_type: String,
    /// Whether these bytes were new to the store (`false`: kept already, this copy dropped).
    pub new: bool,
}

impl Upload {
    pub(super) async fn start(
        objects: Arc<dyn ObjectStore>,
        limit: u64,
        sealing: Option<&super::Sealing>,
    ) -> Result<Self> {
        let sealed = sealing.map(super::Sealing::writer).transpose()?;
        let staging = ObjectPath::from(format!("incoming/{}", staging_name()));
        let upload = objects
            .put_multipart(&staging)
            .await
            .map_err(failed("starting an upload"))?;
        Ok(Self {
            objects,
            staging,
            writer: WriteMultipart::new_with_chunk_size(upload, PART_BYTES),
            hasher: Sha256::new(),
            size: 0,
            limit,
            head: Vec::new(),
            sealed,
        })
    }

    /// Bytes received so far.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Adds the next bytes. Over the limit, the upload is abandoned and
    /// [`StoreError::TooLarge`] returned: nothing of it is kept.
    pub async fn write(&mut self, chunk: Bytes) -> Result<()> {
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            return Err(StoreError::TooLarge { limit: self.limit });
        }
        if self.head.len() < HEAD_BYTES {
            let take = (HEAD_BYTES - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        self.hasher.update(&chunk);
        let chunk = match &mut self.sealed {
            Some(sealed) => sealed.seal(&chunk)?,
            None => chunk,
        };
        if chunk.is_empty() {
            return Ok(());
        }
        self.writer
            .wait_for_capacity(PARTS_IN_FLIGHT)
            .await
            .map_err(failed("writing an upload"))?;
        self.writer.put(chunk);
        Ok(())
    }

    /// Abandons the upload: nothing of it is kept.
    pub async fn abort(self) {
        if let Err(e) = self.writer.abort().await {
            tracing::warn!(error = %e, "abandoning an upload");
        }
        let _ = self.objects.delete(&self.staging).await;
    }

    /// Keeps the file under its hash. With `expected`, bytes whose hash differs are refused
    /// ([`StoreError::Invalid`]) and nothing is kept. `name` (the uploaded file's name) helps
    /// tell the media type when the bytes do not.
    pub async fn finish(
        self,
        expected: Option<&ContentHash>,
        name: Option<&str>,
    ) -> Result<Stored> {
        let Self {
            objects,
            staging,
            mut writer,
            hasher,
            size,
            head,
            sealed,
            ..
        } = self;
        let hash = ContentHash::from_digest(&hasher.finalize());
        if let Some(expected) = expected.filter(|e| **e != hash) {
            let _ = writer.abort().await;
            let _ = objects.delete(&staging).await;
            return Err(StoreError::Invalid(format!(
                "the bytes received ({size} bytes) have SHA-256 {hash}, not the {expected} given \
                 for them; nothing was kept"
            )));
        }
        if let Some(sealed) = sealed {
            match sealed.finish() {
                Ok(last) => writer.put(last),
                Err(e) => {
                    let _ = writer.abort().await;
                    let _ = objects.delete(&staging).await;
                    return Err(e);
                }
            }
        }
        writer
            .finish()
            .await
            .map_err(failed("finishing an upload"))?;
        let new = match keep(objects.as_ref(), &staging, &hash.path()).await {
            Ok(new) => new,
            Err(e) => {
                let _ = objects.delete(&staging).await;
                return Err(failed("keeping an upload")(e));
            }
        };
        Ok(Stored {
            hash,
            size,
            media_type: media_type(&head, name),
            new,
        })
    }
}

/// Moves the staging object to its hash's name unless the bytes are kept there already; whether
/// they were new. S3 has no atomic "copy unless it exists" (object_store refuses it unless
/// configured with a lock): there the name is looked up first and, if free, the object copied
/// over it. Two uploads of the same bytes at once may then both copy: the same bytes land twice
/// under one name, which content addressing makes harmless.
async fn keep(
    objects: &dyn ObjectStore,
    staging: &ObjectPath,
    to: &ObjectPath,
) -> object_store::Result<bool> {
    let exists = |e: &object_store::Error| matches!(e, object_store::Error::AlreadyExists { .. });
    match objects.rename_if_not_exists(staging, to).await {
        Ok(()) => return Ok(true),
        Err(e) if exists(&e) => {}
        Err(
            object_store::Error::NotSupported { .. } | object_store::Error::NotImplemented { .. },
        ) => match objects.head(to).await {
            Ok(_) => {}
            Err(object_store::Error::NotFound { .. }) => {
                objects.rename(staging, to).await?;
                return Ok(true);
            }
            Err(e) => return Err(e),
        },
        Err(e) => return Err(e),
    }
    objects.delete(staging).await?;
    Ok(false)
}

/// A name no other upload has: time and a random number.
fn staging_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{nanos:x}-{:016x}", rand::random::<u64>())
}

/// What the file is: told from its first bytes (magic numbers), else from the extension of its
/// name for the formats an archive receives that carry none (DXF, CSV, text), else
/// `application/octet-stream`.
pub(crate) fn media_type(head: &[u8], name: Option<&str>) -> String {
    let ext = name
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if let Some(kind) = infer::get(head) {
        // A GeoPackage is an SQLite file that its name tells apart.
        if kind.mime_type() == "application/vnd.sqlite3" && ext == "gpkg" {
            return "application/geopackage+sqlite3".to_owned();
        }
        return kind.mime_type().to_owned();
    }
    match ext.as_str() {
        "dxf" => "image/vnd.dxf",
        "dwg" => "image/vnd.dwg",
        "csv" => "text/csv",
        "txt" => "text/plain",
        "json" => "application/json",
        "geojson" => "application/geo+json",
        "gpkg" => "application/geopackage+sqlite3",
        "xml" => "application/xml",
        // Text, perhaps cut inside a character at the end of the head.
        _ if !head.is_empty()
            && std::str::from_utf8(head).map_or_else(|e| e.error_len().is_none(), |_| true) =>
        {
            "text/plain"
        }
        _ => "application/octet-stream",
    }
    .to_owned()
}
