//! Files inside a GeoPackage: a GeoPackage store keeps the archive's files in itself too (OGC
//! Related Tables Extension, see `gpkg/media.rs`), so that the one file carries the drawings
//! wherever it is copied. The file store beside it (`<file>.files`) stays the place bytes are
//! received into and served from; a file is put inside once its record is written, off the
//! request path, and what is missing on either side is brought over when the server starts.
//!
//! SQLite writes a file into the GeoPackage in one transaction, holding the one write lock
//! meanwhile: every ticket and audit write waits. So only files up to a size (`max_bytes`,
//! `archive.embed_max_bytes`) go in while the server runs; larger ones go into site copies made
//! with `undermap export`, where nothing waits. SQLite keeps no value over 10⁹ bytes at all.

use std::sync::Arc;

use futures_util::StreamExt;
use tokio::sync::{mpsc, Mutex};

use super::FileStore;
use crate::gpkg::{GpkgStore, MAX_EMBEDDED_BYTES};
use crate::{ContentHash, EmbeddedFile, Result, StoreError};

/// The GeoPackage a file store also keeps its files in.
#[derive(Clone)]
pub(super) struct Inside {
    gpkg: GpkgStore,
    max_bytes: u64,
    /// One file written at a time: each holds SQLite's write lock.
    writing: Arc<Mutex<()>>,
}

/// What putting a file inside a GeoPackage did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Embedded {
    /// Its bytes were there already; the file is related to them.
    Held,
    /// Its bytes were written in.
    Written,
    /// The file store does not have its bytes: nothing was written.
    Missing,
    /// Over the size put inside: nothing was written.
    TooLarge,
}

/// What [`FileStore::sync_inside`] brought over.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Synced {
    /// Files brought out of the GeoPackage into the file store.
    pub unpacked: usize,
    /// Files put into the GeoPackage.
    pub embedded: usize,
    /// Files left outside it: too large, or their bytes are nowhere.
    pub left_out: usize,
}

impl GpkgStore {
    /// Relates `file` to its bytes inside the GeoPackage, streaming them from `files` unless the
    /// GeoPackage holds them already. Files over `max_bytes` are left out.
    pub async fn embed_from(
        &self,
        files: Option<&FileStore>,
        file: EmbeddedFile,
        max_bytes: u64,
    ) -> Result<Embedded> {
        let (tx, rx) = mpsc::channel(4);
        if self.holds_media(&file.sha256).await? {
            drop(tx);
            self.embed(file, rx).await?;
            return Ok(Embedded::Held);
        }
        if file.size > max_bytes.min(MAX_EMBEDDED_BYTES) {
            return Ok(Embedded::TooLarge);
        }
        let Some(files) = files else {
            return Ok(Embedded::Missing);
        };
        if !files.contains(&file.sha256).await? {
            return Ok(Embedded::Missing);
        }
        let mut bytes = files.get(&file.sha256, None).await?;
        let send = async move {
            while let Some(chunk) = bytes.stream.next().await {
                if tx.send(chunk?).await.is_err() {
                    break;
                }
            }
            Ok::<_, StoreError>(())
        };
        let (sent, written) = tokio::join!(send, self.embed(file, rx));
        sent?;
        written?;
        Ok(Embedded::Written)
    }
}

impl FileStore {
    /// Keeps files inside `gpkg` too, those up to `max_bytes` (see the module's documentation).
    /// Only from a local folder: bytes fetched over a network while SQLite's write lock is held
    /// would keep every ticket waiting on the network.
    #[must_use]
    pub fn keeping_inside(mut self, gpkg: GpkgStore, max_bytes: u64) -> Self {
        if !self.local {
            tracing::warn!(files = %self.describe, "archive files are not kept inside the GeoPackage: they are in an object store, not a local folder");
            return self;
        }
        self.inside = Some(Inside {
            gpkg,
            // Bytes encrypted at rest are never copied into the GeoPackage in plain.
            max_bytes: if self.sealing.is_some() { 0 } else { max_bytes },
            writing: Arc::new(Mutex::new(())),
        });
        self
    }

    /// Puts a file whose record was just written inside the GeoPackage, in the background;
    /// nothing when the files are not kept in one. A failure is logged: the bytes stay in the
    /// file store, and the next start puts them in.
    pub fn embed_later(&self, file: EmbeddedFile) {
        let Some(inside) = self.inside.clone() else {
            return;
        };
        let files = self.clone();
        tokio::spawn(async move {
            let _one = inside.writing.lock().await;
            let (hash, holder) = (file.sha256.clone(), file.holder.clone());
            match inside
                .gpkg
                .embed_from(Some(&files), file, inside.max_bytes)
                .await
            {
                Ok(Embedded::Held | Embedded::Written) => {
                    tracing::debug!(file = %hash, %holder, "file kept inside the GeoPackage");
                }
                Ok(left) => {
                    tracing::info!(file = %hash, %holder, why = ?left, "file kept beside the GeoPackage only");
                }
                Err(e) => {
                    tracing::warn!(file = %hash, %holder, error = %e, "file not put inside the GeoPackage; the next start tries again");
                }
            }
        });
    }

    /// Brings the files held inside the GeoPackage into this store and puts those recorded but
    /// not inside into it (up to its size). Nothing when the files are not kept in one.
    pub async fn sync_inside(&self) -> Result<Synced> {
        let Some(inside) = &self.inside else {
            return Ok(Synced::default());
        };
        let _one = inside.writing.lock().await;
        let mut synced = Synced {
            unpacked: self.unpack(&inside.gpkg).await?,
            ..Synced::default()
        };
        // One file that cannot go in (its bytes damaged, the disk full) leaves the others to go.
        for file in inside.gpkg.not_embedded().await? {
            let (hash, holder) = (file.sha256.clone(), file.holder.clone());
            match inside
                .gpkg
                .embed_from(Some(self), file, inside.max_bytes)
                .await
            {
                Ok(Embedded::Held | Embedded::Written) => synced.embedded += 1,
                Ok(Embedded::Missing | Embedded::TooLarge) => synced.left_out += 1,
                Err(e) => {
                    synced.left_out += 1;
                    tracing::warn!(file = %hash, %holder, error = %e, "file not put inside the GeoPackage");
                }
            }
        }
        Ok(synced)
    }

    /// Brings the files held inside `gpkg` (a site copy, or this store's own GeoPackage) that
    /// this store does not have into it. Returns how many it brought.
    pub async fn unpack(&self, gpkg: &GpkgStore) -> Result<usize> {
        let mut unpacked = 0;
        for (hash, _, size) in gpkg.embedded().await? {
            if self.contains(&hash).await? {
                continue;
            }
            match self.unpack_one(gpkg, &hash, size).await {
                Ok(()) => unpacked += 1,
                Err(e) => {
                    tracing::warn!(file = %hash, error = %e, "file not brought out of the GeoPackage");
                }
            }
        }
        Ok(unpacked)
    }

    async fn unpack_one(&self, gpkg: &GpkgStore, hash: &ContentHash, size: u64) -> Result<()> {
        let mut upload = self.upload(size.max(1)).await?;
        let (tx, rx) = mpsc::channel(4);
        let read = gpkg.read_media(hash, tx);
        let write = async {
            // Owned here: if a write fails, the receiver goes with the block and the reader's
            // next send fails instead of waiting for ever.
            let mut rx = rx;
            while let Some(chunk) = rx.recv().await {
                upload.write(chunk).await?;
            }
            Ok::<_, StoreError>(())
        };
        let (read, write) = tokio::join!(read, write);
        if let Err(e) = read.and(write) {
            upload.abort().await;
            return Err(e);
        }
        upload.finish(Some(hash), None).await?;
        Ok(())
    }
}
