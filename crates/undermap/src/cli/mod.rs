//! The command line: the subcommands and their arguments, one file per subcommand.

pub(crate) mod accounts;
pub(crate) mod audit;
pub(crate) mod backup;
pub(crate) mod demo_data;
pub(crate) mod export;
pub(crate) mod ingest;
pub(crate) mod serve;
pub(crate) mod verify;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "undermap",
    version,
    about = "The one map of what lies under a city"
)]
pub(crate) struct Cli {
    /// Where the map is kept: postgres://… or a GeoPackage file (default undermap.gpkg;
    /// also UNDERMAP_STORE).
    #[arg(long, global = true)]
    pub(crate) store: Option<String>,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Create the store if needed and bring its schema up to date.
    Migrate,
    /// Load a department's delivery: GeoJSON (.geojson, .geojsonl), Shapefile (.shp with .dbf,
    /// .prj, .cpg), GeoPackage (.gpkg), CJJ 61 survey tables (points .csv + segments .csv) or
    /// DXF (with --dxf-layers).
    Ingest(ingest::IngestArgs),
    /// Serve the API.
    Serve(serve::ServeArgs),
    /// Accounts: people and services that may use the API.
    Users {
        #[command(subcommand)]
        command: accounts::UsersCommand,
    },
    /// API keys: shown once when created, stored as Argon2id hashes.
    Keys {
        #[command(subcommand)]
        command: accounts::KeysCommand,
    },
    /// The audit trail of every request that read or changed data.
    Audit {
        #[command(subcommand)]
        command: audit::AuditCommand,
    },
    /// Check a saved ticket (the JSON an excavation check returned) offline: signed by this
    /// deployment's key and unchanged since. Exit status 0 when valid, 1 when not.
    VerifyTicket {
        /// The ticket file.
        file: PathBuf,
        /// The server's public key (base64, from `GET /v1/tickets/public-key` or
        /// `undermap ticket-key`); default: the key in the ticket key file.
        #[arg(long)]
        public_key: Option<String>,
    },
    /// Print the public key tickets are signed with (creating the key if there is none).
    TicketKey,
    /// Generate a plausible network around Xiushan (deterministic for a seed) into a store
    /// (`.gpkg` file or postgres:// URL) or a GeoJSON sequence (`.geojsonl`, CRS84, one feature a line).
    DemoData {
        /// Random seed.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// `county` (about 200,000 features) or `city` (about 5,000,000).
        #[arg(long, default_value = "county")]
        scale: undermap_synth::Scale,
        /// Where to write.
        #[arg(long)]
        out: String,
        /// Also register this many generated archive projects (a store only; for benchmarks).
        #[arg(long, default_value_t = 0)]
        projects: usize,
    },
    /// Write the current map, or part of it, and the archive to a GeoPackage (a site copy for
    /// offline use).
    Export(export::ExportArgs),
    /// Back up the store and the archive's file bytes into a folder (PostGIS: pgBackRest, with
    /// WAL archiving for point-in-time recovery; GeoPackage: an online copy), optionally sealed
    /// with age for offline keeping.
    Backup(backup::BackupArgs),
    /// Restore a backup folder or a sealed copy into a new store (--store), checking it.
    Restore(backup::RestoreArgs),
}

/// The store for logs: a database URL may hold a password.
pub(crate) fn spec_for_log(spec: &str) -> String {
    if spec.contains("://") {
        "PostgreSQL".into()
    } else {
        spec.to_owned()
    }
}
