//! `undermap backup` and `undermap restore`: the arguments, and what they print.

use std::path::PathBuf;

use anyhow::bail;
use chrono::{DateTime, Utc};
use undermap::backup::{self, BackupRequest, BackupType, RestoreRequest, StoreKind};
use undermap::{OpenedStore, Settings};

// The arguments of `undermap backup`.
#[derive(clap::Args)]
pub(crate) struct BackupArgs {
    /// The backup folder (created if missing). PostGIS: on the database's host, set up once with
    /// --init.
    #[arg(long)]
    pub(crate) to: PathBuf,
    /// PostGIS: set the folder up for this cluster (pgBackRest's configuration, WAL archiving
    /// into it) instead of backing up; says when PostgreSQL must be restarted.
    #[arg(long)]
    pub(crate) init: bool,
    /// pgBackRest's backup type (PostGIS): incr (the first one is full), diff or full.
    #[arg(long = "type", value_enum, default_value_t)]
    pub(crate) kind: BackupType,
    /// Also write the backup as one file sealed with age for this recipient (`age1pq1…`, `age1…`, or a
    /// file listing them); repeatable. A GeoPackage backup is then kept sealed only.
    #[arg(long)]
    pub(crate) encrypt_to: Vec<String>,
    /// Leave the sealed copy unsigned (it is signed with the deployment's key, the tickets'
    /// `ticket_key_file`, when that is on this machine).
    #[arg(long)]
    pub(crate) unsigned: bool,
}

// The arguments of `undermap restore`.
#[derive(clap::Args, Clone)]
pub(crate) struct RestoreArgs {
    /// A backup folder, or a sealed copy (`undermap-….tar.age`).
    #[arg(long)]
    pub(crate) from: PathBuf,
    /// The age identity file that opens a sealed copy.
    #[arg(long)]
    pub(crate) identity: Option<PathBuf>,
    /// The deployment's public key (base64, from `undermap ticket-key` or `GET
    /// /v1/tickets/public-key`) a sealed copy's signature must verify with; default: the
    /// ticket key file's.
    #[arg(long)]
    pub(crate) public_key: Option<String>,
    /// Open a sealed copy that has no valid signature (of unknown origin: it is trusted whole).
    #[arg(long)]
    pub(crate) unsigned: bool,
    /// Restore the store as it was at this moment (RFC 3339, e.g. 2026-12-07T10:30:00+08:00):
    /// PostGIS replays the WAL up to it, a GeoPackage takes the last snapshot before it.
    #[arg(long)]
    pub(crate) target_time: Option<DateTime<Utc>>,
    /// PostGIS: the new, empty data directory the cluster is restored into and started from,
    /// at the port of --store's URL.
    #[arg(long)]
    pub(crate) pg_data: Option<PathBuf>,
    /// Where the archive's file bytes go (default: the file store the settings give the
    /// restored store).
    #[arg(long)]
    pub(crate) files_to: Option<PathBuf>,
}

/// The key sealed copies are signed with: the deployment's (the tickets'), which must be on this
/// machine unless `unsigned`; `None` when nothing is sealed or an unsigned copy is asked for.
pub(crate) fn copy_signer(
    settings: &Settings,
    sealing: bool,
    unsigned: bool,
) -> anyhow::Result<Option<undermap_service::TicketSigner>> {
    if !sealing || unsigned {
        return Ok(None);
    }
    let path = undermap::ticket_key_path(settings);
    undermap::ticket_signer(&path, false)
        .map(Some)
        .map_err(|e| {
            anyhow::anyhow!(
            "sealed copies are signed with the deployment's key (the tickets' key, {}): {e}; copy \
             it to this machine (settings: ticket_key_file), or pass --unsigned",
            path.display()
        )
        })
}

/// `undermap backup`.
pub(crate) async fn run_backup(
    args: BackupArgs,
    settings: &Settings,
    opened: &OpenedStore,
    spec: &str,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    if args.init {
        if backup::init(opened, &args.to).await? {
            println!(
                "{} is set up; restart PostgreSQL now (archive_mode takes effect at start, e.g. \
                 `pg_ctlcluster 15 main restart`), then run `undermap backup --to {}`",
                args.to.display(),
                args.to.display()
            );
        } else {
            println!("{} is set up and WAL archiving works", args.to.display());
        }
        return Ok(());
    }
    let encrypt_to = if args.encrypt_to.is_empty() {
        Vec::new()
    } else {
        backup::sealed::recipients(&args.encrypt_to)?
    };
    // A local folder that is not there holds no files.
    let files =
        if settings.archive.files_url.is_some() || undermap::files_dir(settings, spec).is_dir() {
            Some(undermap::file_store(settings, spec)?)
        } else {
            None
        };
    let report = backup::backup(
        opened,
        files.as_ref(),
        &BackupRequest {
            to: args.to.clone(),
            kind: args.kind,
            signer: copy_signer(settings, !encrypt_to.is_empty(), args.unsigned)?,
            encrypt_to,
        },
    )
    .await?;
    let m = &report.manifest;
    match m.store {
        StoreKind::GeoPackage => println!(
            "GeoPackage copied as of {}: {} tables, {} rows, fingerprinted",
            m.made_at,
            m.tables.len(),
            m.tables.values().map(|t| t.rows).sum::<u64>()
        ),
        StoreKind::PostGis => println!(
            "pgBackRest backup {} of the cluster taken",
            m.pgbackrest_label.as_deref().unwrap_or("?")
        ),
    }
    println!(
        "{} files kept ({} new, {:.1} MiB copied)",
        m.files.len(),
        report.files.copied,
        report.files.bytes as f64 / 1_048_576.0
    );
    match &report.sealed {
        Some((path, size)) => println!(
            "sealed copy {} ({:.1} MiB) for {} recipient(s)",
            path.display(),
            *size as f64 / 1_048_576.0,
            args.encrypt_to.len()
        ),
        None => println!("snapshot {}", args.to.join(&report.snapshot).display()),
    }
    println!("took {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// `undermap restore`: into `spec`, which must not hold a store yet.
pub(crate) async fn run_restore(
    args: RestoreArgs,
    settings: &Settings,
    spec: &str,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let postgres = spec.contains("://");
    if !postgres && std::path::Path::new(spec).exists() {
        bail!("{spec} exists: a restore goes into a new store, never over one");
    }
    let files_to = match &args.files_to {
        // Sealed with the deployment's key, as the backup's copies of the files are.
        Some(dir) => Some(undermap::sealed_as_set(
            settings,
            undermap_store::FileStore::local(dir)?,
        )?),
        None => Some(undermap::file_store(settings, spec)?),
    };
    let verifier = if args.from.is_file() && !args.unsigned {
        Some(match &args.public_key {
            Some(key) => undermap_service::TicketVerifier::from_base64(key)?,
            None => undermap::ticket_signer(&undermap::ticket_key_path(settings), false)
                .map_err(|e| {
                    anyhow::anyhow!(
                        "{} is sealed: its signature is checked with the deployment's public key; \
                         give --public-key (from `undermap ticket-key`), or --unsigned ({e})",
                        args.from.display()
                    )
                })?
                .verifier(),
        })
    } else {
        None
    };
    let report = backup::restore(RestoreRequest {
        from: args.from,
        identity: args.identity,
        verifier,
        target_time: args.target_time,
        store: spec.to_owned(),
        pg_data: args.pg_data.clone(),
        files_to,
    })
    .await?;
    match report.kind {
        StoreKind::GeoPackage => println!(
            "restored {spec} from the snapshot of {}: {} tables equal to the backup's",
            report
                .made_at
                .map_or_else(|| "?".to_owned(), |t| t.to_rfc3339()),
            report.tables
        ),
        StoreKind::PostGis => println!(
            "restored the cluster into {}{} and started it; it answers at the --store URL",
            args.pg_data.unwrap_or_default().display(),
            args.target_time
                .map_or_else(String::new, |t| format!(" as of {}", t.to_rfc3339()))
        ),
    }
    println!(
        "{} files restored ({:.1} MiB), each checked against its SHA-256",
        report.files.copied + report.files.present,
        report.files.bytes as f64 / 1_048_576.0
    );
    println!(
        "took {:.1} s; check the audit trail with `undermap --store … audit verify`",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
