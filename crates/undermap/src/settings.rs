use std::collections::BTreeMap;
use std::path::PathBuf;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use undermap_auth::RoleConfig;

/// Why settings could not be read.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct SettingsError(#[from] Box<figment::Error>);

/// Everything a deployment configures. Layered: defaults < `undermap.toml` < `UNDERMAP_*`
/// environment variables (e.g. `UNDERMAP_DATABASE_URL`, `UNDERMAP_LISTEN`).
#[derive(Clone, Serialize, Deserialize)]
pub struct Settings {
    /// Address to listen on, `host:port` (port 0 picks a free one).
    pub listen: String,
    /// Where the map is kept: a `postgres://…` URL (a secret: never logged) or the path of a
    /// GeoPackage file. Unset: `undermap.gpkg` in the working folder (`undermap-demo.gpkg` for
    /// `serve --demo`), so nothing but this program is needed.
    pub store: Option<String>,
    /// A file holding the store URL (a mounted secret), read when `store` is unset, so the
    /// password is neither in the environment nor on a command line.
    pub store_file: Option<PathBuf>,
    /// CRS features are stored in.
    pub deployment_crs: String,
    /// Largest excavation area, m².
    pub max_area_m2: f64,
    /// Most vertices in an excavation area.
    pub max_vertices: usize,
    /// Tolerance zone when a request names none, m.
    pub default_buffer_m: f64,
    /// Largest tolerance zone, m.
    pub max_buffer_m: f64,
    /// Vertical margin below the dig, m.
    pub safety_margin_m: f64,
    /// Horizontal accuracy assumed where none is recorded, m.
    pub unknown_accuracy_m: f64,
    /// Folder of the bundled demo data.
    pub demo_data_dir: PathBuf,
    /// Record every request that reads or changes data in the audit trail.
    pub audit: bool,
    /// Write the audit trail to this JSON-lines file (hash-chained) instead of the store.
    /// `serve --read-only` uses `<copy>.audit.jsonl`: a site copy takes no writes.
    pub audit_file: Option<PathBuf>,
    /// Role given to requests without a credential; unset (the default): they are refused,
    /// except `/healthz`, `/readyz` and the OGC landing and conformance pages.
    pub anonymous_role: Option<String>,
    /// Requests per minute from one client address.
    pub address_rate_per_minute: u32,
    /// Roles replacing or adding to the built-in ones (`[roles.NAME]` in undermap.toml).
    pub roles: BTreeMap<String, RoleConfig>,
    /// PEM certificate chain: with `tls_key`, serve HTTPS only.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key (a secret: give a file readable only by the service).
    pub tls_key: Option<PathBuf>,
    /// Browser origins allowed to call the API (CORS); empty: CORS off.
    pub cors_origins: Vec<String>,
    /// The Ed25519 key tickets are signed with (a secret: base64 of 32 bytes, created with mode
    /// 0600 on first start). Unset: `undermap-ticket-key` in the working folder. Servers sharing
    /// a database share this file.
    pub ticket_key_file: Option<PathBuf>,
    /// How long a ticket is valid, in working days after a dig's planned start (an
    /// orientation's day of issue).
    pub ticket_validity_working_days: u32,
    /// The rules of each type of ticket (`[tickets]`): the orientation area, the dig's start
    /// window in working days.
    pub tickets: undermap_core::TicketRules,
    /// China's holidays and make-up working days by year, in the form of
    /// `crates/undermap-core/data/working_days_cn.toml` (to add a year before a release has it);
    /// unset: the shipped calendar.
    pub calendar: Option<PathBuf>,
    /// Seconds a verified key is trusted before its record is read again (revocations made by
    /// other servers take effect within this time). While the database is unreachable, keys
    /// verified before stay trusted until it is back; unseen keys get 503.
    pub key_recheck_s: u64,
    /// `scheme://host[:port]` links in answers are built on (set it behind a proxy); unset:
    /// this server's scheme and the request's `Host` header.
    pub public_base_url: Option<String>,
    /// IP addresses of reverse proxies whose `Forwarded` / `X-Forwarded-*` headers are
    /// believed; from anyone else they are ignored.
    pub trusted_proxies: Vec<String>,
    /// Old datums (Xian 1980, Beijing 1954): the surveying bureau's transformations
    /// (`[[datums.transformations]]`: `name`, `source_crs`, `source`, and a `helmert` table or
    /// a `pipeline`), and `refuse_ballpark` to refuse deliveries only a ballpark converts.
    pub datums: undermap_crs::Datums,
    /// The clearance table planned routes are checked against, in the form of
    /// `data/clearance/gb50289-2016.toml` (the deployment's own rows from the standard it
    /// holds); unset: the shipped one.
    pub clearance_table: Option<PathBuf>,
    /// The construction-project archive (`[archive]`): where files are kept, the largest file,
    /// the code lists, the deadlines and the credit weights.
    pub archive: ArchiveSettings,
}

/// The archive's settings (`[archive]` in undermap.toml; docs/archive.md).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ArchiveSettings {
    /// Folder the files' bytes are kept in (by SHA-256). Unset: `<file>.files` beside a
    /// GeoPackage store, `undermap-files` in the working folder for PostGIS.
    pub files_dir: Option<PathBuf>,
    /// Or an object store for them, by URL: `s3://bucket/prefix` for any S3-compatible store
    /// (credentials from the `AWS_*` environment variables), `file:///dir`. Not with `files_dir`.
    pub files_url: Option<String>,
    /// Options for `files_url`'s store (object_store's keys: `aws_endpoint`, `aws_region`,
    /// `aws_allow_http`, `aws_virtual_hosted_style_request`, …); secrets are better left to
    /// the environment.
    pub files_options: std::collections::BTreeMap<String, String>,
    /// An age identity file (`age-keygen -pq > files.key`, readable by the server only): the
    /// files' bytes are then encrypted at rest with it, so a stolen disk or bucket holds no
    /// drawing anyone can read. Files kept before stay readable as they are. Keep a copy of the
    /// key apart from the backups (docs/operations.md).
    pub files_key: Option<PathBuf>,
    /// Largest file accepted, bytes (default 2 GiB).
    pub max_file_bytes: u64,
    /// A GeoPackage store keeps files up to this size inside itself as they arrive (default
    /// 16 MiB): writing one holds SQLite's write lock, so tickets wait meanwhile (about 0.3 s
    /// for 16 MiB, 1 s for 64 MiB on the test machine). Larger files
    /// stay in the folder beside it and go inside site copies made with `undermap export`.
    pub embed_max_bytes: u64,
    /// The code lists (project and file categories) in the form of
    /// `crates/undermap-archive/data/file_categories.toml`; unset: the shipped ones.
    pub catalogue: Option<PathBuf>,
    /// The deadlines.
    pub rules: undermap_archive::Rules,
    /// The credit score's weights and threshold.
    pub weights: undermap_archive::credit::Weights,
    /// Hours east of UTC of the archive office's calendar.
    pub utc_offset_hours: i32,
    /// The hour of the office's day the deadlines are evaluated and the newly overdue
    /// projects logged (0–23).
    pub evaluate_at_hour: u32,
    /// The service window visitors book, in the form of
    /// `crates/undermap-archive/data/service_window.toml`; unset: the shipped one.
    pub window: Option<PathBuf>,
    /// The questions asked after a service, in the form of
    /// `crates/undermap-archive/data/feedback_questions.toml`; unset: the shipped ones.
    pub questionnaire: Option<PathBuf>,
    /// What an approved download request's link allows (`valid_hours`, `uses`).
    pub download_links: undermap_archive::access::LinkPolicy,
}

impl Default for ArchiveSettings {
    fn default() -> Self {
        Self {
            files_dir: None,
            files_url: None,
            files_options: std::collections::BTreeMap::new(),
            files_key: None,
            max_file_bytes: undermap_service::DEFAULT_MAX_FILE_BYTES,
            embed_max_bytes: 16 << 20,
            catalogue: None,
            rules: undermap_archive::Rules::default(),
            weights: undermap_archive::credit::Weights::default(),
            utc_offset_hours: 8,
            evaluate_at_hour: 1,
            window: None,
            questionnaire: None,
            download_links: undermap_archive::access::LinkPolicy::default(),
        }
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field(
                "store",
                &self.store.as_deref().map(|s| {
                    if s.contains("://") {
                        "<database URL>"
                    } else {
                        s
                    }
                }),
            )
            .field("deployment_crs", &self.deployment_crs)
            .field("max_area_m2", &self.max_area_m2)
            .field("max_vertices", &self.max_vertices)
            .field("audit", &self.audit)
            .field("anonymous_role", &self.anonymous_role)
            .field("roles", &self.roles.keys().collect::<Vec<_>>())
            .field("tls", &self.tls_cert.is_some())
            .field("cors_origins", &self.cors_origins)
            .field("ticket_key_file", &self.ticket_key_file)
            .field(
                "ticket_validity_working_days",
                &self.ticket_validity_working_days,
            )
            .field("public_base_url", &self.public_base_url)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("datums", &self.datums)
            .finish_non_exhaustive()
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            store: None,
            store_file: None,
            deployment_crs: "EPSG:4545".into(),
            max_area_m2: 250_000.0,
            max_vertices: 10_000,
            default_buffer_m: 1.0,
            max_buffer_m: 50.0,
            safety_margin_m: 0.5,
            unknown_accuracy_m: 1.0,
            demo_data_dir: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/demo")),
            audit: true,
            audit_file: None,
            anonymous_role: None,
            address_rate_per_minute: 60_000,
            roles: BTreeMap::new(),
            tls_cert: None,
            tls_key: None,
            cors_origins: Vec::new(),
            ticket_key_file: None,
            ticket_validity_working_days: 20,
            tickets: undermap_core::TicketRules::default(),
            calendar: None,
            key_recheck_s: 30,
            public_base_url: None,
            trusted_proxies: Vec::new(),
            datums: undermap_crs::Datums::default(),
            clearance_table: None,
            archive: ArchiveSettings::default(),
        }
    }
}

impl Settings {
    /// Reads the layers: defaults, then `undermap.toml` in the working folder if present, then
    /// the environment.
    pub fn load() -> Result<Self, SettingsError> {
        let mut settings: Self = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file("undermap.toml"))
            .merge(Env::prefixed("UNDERMAP_"))
            .extract()
            .map_err(|e| SettingsError(Box::new(e)))?;
        if settings.store.is_none() {
            if let Some(path) = &settings.store_file {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    SettingsError(Box::new(figment::Error::from(format!(
                        "store_file {}: {e}",
                        path.display()
                    ))))
                })?;
                settings.store = Some(text.trim().to_owned());
            }
        }
        Ok(settings)
    }
}
