//! `undermap backup` and `undermap restore`: backups that restore, and offline copies sealed
//! with age.
//!
//! A backup folder holds `snapshots/<time>/manifest.json` per backup, `files/` (the archive's
//! file bytes by SHA-256, each kept once across backups) and, for PostGIS, pgBackRest's
//! `pgbackrest.conf` and `repo/`. With recipients, the backup is also (GeoPackage: only) written
//! as one sealed file, `undermap-<time>.tar.age`. A restore takes either and never writes over
//! an existing store. docs/operations.md says how they fit a deployment.

mod error;
mod geopackage;
mod manifest;
mod pgbackrest;
mod postgis;
pub mod sealed;
pub mod signed;

use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::{DateTime, Utc};
use undermap_store::backup::FilesCopied;
use undermap_store::FileStore;

pub use error::BackupError;
pub use manifest::{Manifest, StoreKind};

use crate::OpenedStore;

/// Which backup pgBackRest takes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum BackupType {
    /// Changes since the last backup of any type (a full one when there is none).
    #[default]
    Incr,
    /// Changes since the last full backup.
    Diff,
    /// Everything.
    Full,
}

impl BackupType {
    fn as_str(self) -> &'static str {
        match self {
            Self::Incr => "incr",
            Self::Diff => "diff",
            Self::Full => "full",
        }
    }
}

/// One backup asked for.
pub struct BackupRequest {
    /// The backup folder.
    pub to: PathBuf,
    /// pgBackRest's backup type (PostGIS).
    pub kind: BackupType,
    /// Seal a copy for these recipients.
    pub encrypt_to: sealed::Recipients,
    /// Sign the sealed copy with the deployment's key (`None`: unsigned, asked for).
    pub signer: Option<undermap_service::TicketSigner>,
}

/// What a backup did.
#[derive(Debug)]
pub struct BackupReport {
    /// The snapshot's folder (inside the sealed copy when only that was kept).
    pub snapshot: String,
    /// Its manifest.
    pub manifest: Manifest,
    /// The file bytes copied.
    pub files: FilesCopied,
    /// The sealed copy and its size.
    pub sealed: Option<(PathBuf, u64)>,
}

/// Sets up `dir` to back up the PostGIS store (pgBackRest's configuration, the server's WAL
/// archiving); whether PostgreSQL must be restarted first.
pub async fn init(opened: &OpenedStore, dir: &Path) -> Result<bool, BackupError> {
    match opened {
        OpenedStore::Postgres(store, _) => postgis::init(store, &absolute(dir)?).await,
        OpenedStore::GeoPackage(_) => Err(BackupError::Invalid(
            "a GeoPackage store needs no setup: `undermap backup --to DIR` copies it".into(),
        )),
    }
}

/// Backs up the store and the file store (`files`) into `req.to`.
pub async fn backup(
    opened: &OpenedStore,
    files: Option<&FileStore>,
    req: &BackupRequest,
) -> Result<BackupReport, BackupError> {
    let at = Utc::now();
    let to = absolute(&req.to)?;
    let sealing = !req.encrypt_to.is_empty();
    // A sealed GeoPackage backup leaves nothing readable on the backup medium: it is made in a
    // private folder of the machine's own temporary space (TMPDIR), removed once sealed.
    let staging = match (opened, sealing) {
        (OpenedStore::GeoPackage(_), true) => Some(private_folder()?),
        _ => None,
    };
    let work = staging.as_ref().map_or(to.as_path(), |s| s.path());
    let (partial, done) = manifest::reserve(work, at)?;
    let mut m = match opened {
        OpenedStore::GeoPackage(store) => geopackage::snapshot(store, &partial).await?,
        OpenedStore::Postgres(store, _) => {
            let label = postgis::backup(store, work, req.kind).await?;
            let mut m = Manifest::new(StoreKind::PostGis, at);
            m.pgbackrest_label = Some(label);
            m
        }
    };
    let copied = copy_files(files, work, &mut m).await?;
    m.write(&partial.join("manifest.json"))?;
    std::fs::rename(&partial, &done).map_err(BackupError::io("renaming", &partial))?;
    let sealed = if sealing {
        if matches!(opened, OpenedStore::Postgres(..)) && !work.join("repo").is_dir() {
            return Err(BackupError::Invalid(format!(
                "{} holds no pgBackRest repository (repo/): a repository kept elsewhere \
                 (repo1-type=s3…) is not sealed into an offline copy",
                work.display()
            )));
        }
        let entries: &[&str] = match opened {
            OpenedStore::GeoPackage(_) => &["snapshots", "files"],
            OpenedStore::Postgres(..) => &["pgbackrest.conf", "repo", "files", "snapshots"],
        };
        let mut out = to.join(format!("undermap-{}.tar.age", manifest::stamp(at)));
        let mut n = 1;
        while out.exists() {
            n += 1;
            out = to.join(format!("undermap-{}-{n}.tar.age", manifest::stamp(at)));
        }
        let digest = sealed::seal(work, entries, &req.encrypt_to, &out)?;
        if let Some(signer) = &req.signer {
            signed::sign(&out, &digest, signer)?;
        }
        let size = digest.size;
        Some((out, size))
    } else {
        None
    };
    Ok(BackupReport {
        snapshot: done
            .strip_prefix(work)
            .unwrap_or(&done)
            .display()
            .to_string(),
        manifest: m,
        files: copied,
        sealed,
    })
}

/// A folder only this user reads (mode 0700), in the machine's temporary space (TMPDIR), removed
/// when dropped: where plain copies are made before they are sealed.
pub fn private_folder() -> Result<tempfile::TempDir, BackupError> {
    tempfile::Builder::new()
        .prefix("undermap-sealing-")
        .tempdir()
        .map_err(BackupError::io(
            "creating a folder in",
            &std::env::temp_dir(),
        ))
}

/// `dir`, created if missing, as an absolute path (pgBackRest takes no other).
fn absolute(dir: &Path) -> Result<PathBuf, BackupError> {
    std::fs::create_dir_all(dir).map_err(BackupError::io("creating", dir))?;
    std::fs::canonicalize(dir).map_err(BackupError::io("finding", dir))
}

/// Seals the GeoPackage `gpkg` (a site copy just written) into `out` for `recipients`, as a
/// one-snapshot backup that `undermap restore --identity` opens; the sealed file's size.
pub async fn seal_site_copy(
    gpkg: &Path,
    recipients: &sealed::Recipients,
    out: &Path,
    signer: Option<&undermap_service::TicketSigner>,
) -> Result<u64, BackupError> {
    if out.exists() {
        return Err(BackupError::Invalid(format!(
            "{} exists already; a sealed copy is never written over a file",
            out.display()
        )));
    }
    let staging = private_folder()?;
    let at = Utc::now();
    let (partial, done) = manifest::reserve(staging.path(), at)?;
    let (from, copy) = (gpkg.to_owned(), partial.join(geopackage::STORE_FILE));
    let m = tokio::task::spawn_blocking(move || {
        undermap_store::backup::copy_geopackage(&from, &copy)?;
        let mut m = Manifest::new(StoreKind::GeoPackage, at);
        m.tables = undermap_store::backup::fingerprint_file(&copy)?;
        Ok::<_, BackupError>(m)
    })
    .await
    .map_err(|e| BackupError::Invalid(format!("sealing the copy: {e}")))??;
    m.write(&partial.join("manifest.json"))?;
    std::fs::rename(&partial, &done).map_err(BackupError::io("renaming", &partial))?;
    let digest = sealed::seal(staging.path(), &["snapshots"], recipients, out)?;
    if let Some(signer) = signer {
        signed::sign(out, &digest, signer)?;
    }
    Ok(digest.size)
}

/// Copies the file store's files into `dir/files` and lists them in the manifest.
async fn copy_files(
    files: Option<&FileStore>,
    dir: &Path,
    m: &mut Manifest,
) -> Result<FilesCopied, BackupError> {
    let Some(files) = files else {
        return Ok(FilesCopied::default());
    };
    let mut hashes = files.hashes().await?;
    hashes.sort();
    let target = FileStore::local(&dir.join("files"))?.sealed_like(files);
    let copied = files.copy_to(&target, Some(hashes.clone())).await?;
    m.files = hashes.iter().map(|h| h.as_str().to_owned()).collect();
    Ok(copied)
}

/// One restore asked for.
#[derive(Debug)]
pub struct RestoreRequest {
    /// A backup folder or a sealed copy (`.tar.age`).
    pub from: PathBuf,
    /// The identity file that opens a sealed copy.
    pub identity: Option<PathBuf>,
    /// The deployment's public key a sealed copy's signature must verify with; `None`: the
    /// copy is opened unsigned (asked for).
    pub verifier: Option<undermap_service::TicketVerifier>,
    /// Restore the store as it was at this moment: PostGIS replays the WAL up to it; a
    /// GeoPackage takes the latest snapshot made at or before it. The latest without it.
    pub target_time: Option<DateTime<Utc>>,
    /// The store to restore into: a GeoPackage path (a new file), or the `postgres://` URL the
    /// restored cluster will answer at (its port is set from it).
    pub store: String,
    /// The new data directory a PostGIS cluster is restored into.
    pub pg_data: Option<PathBuf>,
    /// Where the file bytes go.
    pub files_to: Option<FileStore>,
}

/// What a restore did.
#[derive(Debug)]
pub struct RestoreReport {
    /// Which kind of store.
    pub kind: StoreKind,
    /// The snapshot restored (GeoPackage), when it was made.
    pub made_at: Option<DateTime<Utc>>,
    /// Tables checked against the manifest (GeoPackage).
    pub tables: usize,
    /// The file bytes copied.
    pub files: FilesCopied,
}

/// Restores a backup into a new store (and its file bytes), checking what it restores.
pub async fn restore(req: RestoreRequest) -> Result<RestoreReport, BackupError> {
    let postgres = req.store.starts_with("postgres://") || req.store.starts_with("postgresql://");
    let beside = match (&req.pg_data, postgres) {
        (Some(data), true) => data.parent().map(Path::to_owned),
        (None, true) => {
            return Err(BackupError::Invalid(
                "restoring PostgreSQL needs --pg-data: the new, empty data directory of the \
                 restored cluster"
                    .into(),
            ))
        }
        (_, false) => Path::new(&req.store).parent().map(Path::to_owned),
    }
    .filter(|p| !p.as_os_str().is_empty())
    .unwrap_or_else(|| PathBuf::from("."));
    let unsealed = if req.from.is_file() {
        let identity = req.identity.as_deref().ok_or_else(|| {
            BackupError::Crypto(format!(
                "{} is sealed: --identity names the file holding its key",
                req.from.display()
            ))
        })?;
        if let Some(verifier) = &req.verifier {
            signed::verify(&req.from, verifier)?;
        }
        std::fs::create_dir_all(&beside).map_err(BackupError::io("creating", &beside))?;
        let into = tempfile::Builder::new()
            .prefix(".undermap-unsealed-")
            .tempdir_in(&beside)
            .map_err(BackupError::io("creating a folder in", &beside))?;
        sealed::unseal(&req.from, identity, into.path())?;
        Some(into)
    } else {
        None
    };
    let from = if unsealed.is_some() {
        PathBuf::new()
    } else {
        std::fs::canonicalize(&req.from).map_err(BackupError::io("finding", &req.from))?
    };
    let dir = unsealed.as_ref().map_or(from.as_path(), |u| u.path());
    let is_postgis = dir.join("pgbackrest.conf").is_file();
    if is_postgis != postgres {
        return Err(BackupError::Invalid(format!(
            "{} is a backup of a {} store; restore it into a {}",
            req.from.display(),
            if is_postgis { "PostGIS" } else { "GeoPackage" },
            if is_postgis {
                "postgres:// URL with --pg-data"
            } else {
                "GeoPackage file"
            }
        )));
    }
    if is_postgis {
        let pg_data = std::path::absolute(req.pg_data.as_deref().unwrap_or(Path::new(".")))
            .map_err(BackupError::io("finding", &beside))?;
        let options = sqlx::postgres::PgConnectOptions::from_str(&req.store)
            .map_err(|e| BackupError::Invalid(format!("--store: {e}")))?;
        if unsealed.is_some() {
            pgbackrest::give_to(dir, pgbackrest::run_as(&beside)?.as_deref())?;
        }
        postgis::restore(postgis::ClusterRestore {
            from: dir,
            pg_data: &pg_data,
            port: options.get_port(),
            target_time: req.target_time,
            url: &req.store,
        })
        .await?;
        // Every file the backups kept: bytes a row of the restored moment names are among them
        // (extra ones are never named, and harmless).
        let files = restore_files(dir, None, req.files_to.as_ref()).await?;
        if let Some(to) = &req.files_to {
            postgis::files_named_are_kept(&req.store, to).await?;
        }
        return Ok(RestoreReport {
            kind: StoreKind::PostGis,
            made_at: None,
            tables: 0,
            files,
        });
    }
    let target = Path::new(&req.store);
    let (snapshot, m) = manifest::choose(dir, req.target_time)?;
    geopackage::restore(&snapshot, &m, target).await?;
    let hashes = m.file_hashes();
    let restored = match hashes {
        Ok(hashes) => restore_files(dir, Some(hashes), req.files_to.as_ref()).await,
        Err(e) => Err(e),
    };
    let files = match restored {
        Ok(f) => f,
        Err(e) => {
            // Not half a restore: without its files the store is not what was backed up.
            let _ = std::fs::remove_file(target);
            return Err(e);
        }
    };
    Ok(RestoreReport {
        kind: StoreKind::GeoPackage,
        made_at: Some(m.made_at),
        tables: m.tables.len(),
        files,
    })
}

async fn restore_files(
    dir: &Path,
    hashes: Option<Vec<undermap_store::ContentHash>>,
    to: Option<&FileStore>,
) -> Result<FilesCopied, BackupError> {
    let Some(to) = to else {
        return Ok(FilesCopied::default());
    };
    if !dir.join("files").is_dir() {
        return match hashes {
            Some(h) if !h.is_empty() => Err(BackupError::Mismatch(format!(
                "the manifest lists {} files but {} holds no files/ folder",
                h.len(),
                dir.display()
            ))),
            _ => Ok(FilesCopied::default()),
        };
    }
    let from = FileStore::local(&dir.join("files"))?.sealed_like(to);
    Ok(from.copy_to(to, hashes).await?)
}
