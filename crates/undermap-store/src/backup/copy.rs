//! The file store's bytes copied to another file store by hash: each file's bytes are hashed
//! again on the way, so a copy never carries bytes that are not the ones their name promises, and
//! files the target keeps already are not copied twice (a backup folder grows by the new files
//! only).

use futures_util::{StreamExt, TryStreamExt};

use crate::{ContentHash, FileStore, Result, StoreError};

/// Files copied at once.
const IN_FLIGHT: usize = 4;

/// What a copy did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FilesCopied {
    /// Files whose bytes were copied.
    pub copied: u64,
    /// Files the target kept already.
    pub present: u64,
    /// Bytes copied.
    pub bytes: u64,
}

impl FileStore {
    /// Every file kept, by hash (in no particular order).
    pub async fn hashes(&self) -> Result<Vec<ContentHash>> {
        let prefix = object_store::path::Path::from("sha256");
        self.objects
            .list(Some(&prefix))
            .map_err(|e| StoreError::Write(format!("file store: listing the files: {e}")))
            .try_filter_map(|meta| async move {
                Ok(meta
                    .location
                    .filename()
                    .and_then(|name| name.parse::<ContentHash>().ok()))
            })
            .try_collect()
            .await
    }

    /// Copies the bytes of `hash` into `target`, checking them against their hash.
    pub async fn copy_file(&self, hash: &ContentHash, target: &Self) -> Result<u64> {
        let got = self.get(hash, None).await?;
        let mut upload = target.upload(u64::MAX).await?;
        let mut stream = got.stream;
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(chunk) => {
                    if let Err(e) = upload.write(chunk).await {
                        upload.abort().await;
                        return Err(e);
                    }
                }
                Err(e) => {
                    upload.abort().await;
                    return Err(e);
                }
            }
        }
        let stored = upload.finish(Some(hash), None).await.map_err(|e| match e {
            StoreError::Invalid(why) => StoreError::Corrupt {
                id: format!("file {hash}"),
                reason: why,
            },
            other => other,
        })?;
        Ok(stored.size)
    }

    /// Copies `hashes` (every file kept, when `None`) that `target` does not keep yet.
    pub async fn copy_to(
        &self,
        target: &Self,
        hashes: Option<Vec<ContentHash>>,
    ) -> Result<FilesCopied> {
        let hashes = match hashes {
            Some(h) => h,
            None => self.hashes().await?,
        };
        futures_util::stream::iter(hashes)
            .map(|hash| async move {
                if target.contains(&hash).await? {
                    return Ok(FilesCopied {
                        present: 1,
                        ..FilesCopied::default()
                    });
                }
                let bytes = self.copy_file(&hash, target).await?;
                Ok(FilesCopied {
                    copied: 1,
                    bytes,
                    ..FilesCopied::default()
                })
            })
            .buffer_unordered(IN_FLIGHT)
            .try_fold(FilesCopied::default(), |sum, one| async move {
                Ok(FilesCopied {
                    copied: sum.copied + one.copied,
                    present: sum.present + one.present,
                    bytes: sum.bytes + one.bytes,
                })
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    async fn keep(store: &FileStore, bytes: &'static [u8]) -> ContentHash {
        let mut up = store.upload(1 << 20).await.unwrap();
        up.write(Bytes::from_static(bytes)).await.unwrap();
        up.finish(None, None).await.unwrap().hash
    }

    #[tokio::test]
    async fn copies_each_file_once_and_refuses_bytes_that_are_not_their_hash() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (from, to) = (
            FileStore::local(a.path()).unwrap(),
            FileStore::local(b.path()).unwrap(),
        );
        let one = keep(&from, b"one").await;
        keep(&from, b"two").await;
        let first = from.copy_to(&to, None).await.unwrap();
        assert_eq!((first.copied, first.present, first.bytes), (2, 0, 6));
        let again = from.copy_to(&to, None).await.unwrap();
        assert_eq!((again.copied, again.present), (0, 2));
        let mut kept = to.hashes().await.unwrap();
        kept.sort();
        let mut want = from.hashes().await.unwrap();
        want.sort();
        assert_eq!(kept, want);

        // A file whose bytes rotted on the disk is not copied as if it were sound.
        let p = one.as_str();
        let path = a
            .path()
            .join(format!("sha256/{}/{}/{p}", &p[..2], &p[2..4]));
        std::fs::write(&path, b"rot").unwrap();
        let c = tempfile::tempdir().unwrap();
        let fresh = FileStore::local(c.path()).unwrap();
        let err = from
            .copy_to(&fresh, Some(vec![one.clone()]))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
        assert!(!fresh.contains(&one).await.unwrap());
    }
}
