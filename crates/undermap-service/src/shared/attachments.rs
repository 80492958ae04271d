//! Files attached to owners' answers and field reports (marked-up drawings, photos from site):
//! received as they stream in and kept by their SHA-256 in the archive's file store.

use undermap_store::{AnswerFile, ContentHash, FileBytes, Upload};

use crate::{Service, ServiceError};

/// Largest attachment accepted (a phone's photo or a scanned drawing is a few MB).
pub const MAX_ATTACHMENT_BYTES: u64 = 25 << 20;

impl Service {
    fn attachments(&self) -> Result<&undermap_store::FileStore, ServiceError> {
        self.config().archive.files.as_ref().ok_or_else(|| {
            ServiceError::Unavailable("no file store is configured for attachments".into())
        })
    }

    /// Starts receiving an attachment.
    pub async fn attachment_upload(&self) -> Result<Upload, ServiceError> {
        Ok(self.attachments()?.upload(MAX_ATTACHMENT_BYTES).await?)
    }

    /// An attachment's bytes (the caller has checked who may read it).
    pub(crate) async fn attachment_bytes(
        &self,
        file: &AnswerFile,
    ) -> Result<FileBytes, ServiceError> {
        let hash: ContentHash = file.sha256.parse()?;
        Ok(self.attachments()?.get(&hash, None).await?)
    }
}
