use std::path::PathBuf;

/// Why a backup or a restore did not complete. Nothing is left half-written: a snapshot or a
/// sealed copy appears under its final name only once complete, and a restore never writes
/// over an existing store.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The store or the file store failed.
    #[error(transparent)]
    Store(#[from] undermap_store::StoreError),
    /// A file or folder could not be read or written.
    #[error("{what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// Where.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// pgBackRest or a PostgreSQL tool failed (its own message included).
    #[error("{command} failed: {message}")]
    Tool {
        /// The command line, without secrets.
        command: String,
        /// What it said.
        message: String,
    },
    /// The database is not set up for backups (archiving off, another archive command).
    #[error("{0}")]
    NotSetUp(String),
    /// The request cannot be carried out as asked.
    #[error("{0}")]
    Invalid(String),
    /// An age recipient or identity could not be read, or decryption failed.
    #[error("encryption: {0}")]
    Crypto(String),
    /// The restored store differs from what the backup recorded.
    #[error("the restored store differs from the backup: {0}")]
    Mismatch(String),
}

impl BackupError {
    pub(crate) fn io(
        what: &'static str,
        path: &std::path::Path,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.to_owned();
        move |source| Self::Io { what, path, source }
    }
}
