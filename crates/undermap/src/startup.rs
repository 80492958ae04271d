use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};
use tracing_actix_web::TracingLogger;
use undermap_api::Security;
use undermap_auth::{AuditLog, AuthError, AuthSettings, Authenticator};
use undermap_core::{AreaLimits, RiskPolicy};
use undermap_crs::Crs;
use undermap_service::{Service, ServiceConfig};
use undermap_store::AccessStore;

use crate::Settings;

/// Why the settings' service rules cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The deployment CRS or a datum transformation.
    #[error(transparent)]
    Crs(#[from] undermap_crs::CrsError),
    /// The working-day calendar file.
    #[error("calendar {0}: {1}")]
    Calendar(String, String),
    /// The clearance table file.
    #[error("clearance_table {0}: {1}")]
    Clearance(String, String),
    /// The ticket rules contradict each other.
    #[error("tickets: {0}")]
    Tickets(String),
}

/// A deployment's data file (`path`) parsed, else what undermap ships; a failure gives the
/// file's name and why.
fn data_file<T, E: std::fmt::Display>(
    path: Option<&std::path::Path>,
    builtin: impl FnOnce() -> T,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, (String, String)> {
    let Some(path) = path else {
        return Ok(builtin());
    };
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| (name.clone(), e.to_string()))?;
    parse(&text).map_err(|e| (name, e.to_string()))
}

/// The working-day calendar: the settings' file, else the shipped one.
fn calendar(settings: &Settings) -> Result<undermap_core::WorkingCalendar, ConfigError> {
    data_file(
        settings.calendar.as_deref(),
        undermap_core::WorkingCalendar::builtin,
        undermap_core::WorkingCalendar::parse,
    )
    .map_err(|(name, e)| ConfigError::Calendar(name, e))
}

/// The service rules from the settings.
pub fn service_config(settings: &Settings) -> Result<ServiceConfig, ConfigError> {
    let mut config = ServiceConfig::new(Crs::parse(&settings.deployment_crs)?);
    config.limits = AreaLimits {
        max_area_m2: settings.max_area_m2,
        max_vertices: settings.max_vertices,
    };
    config.default_buffer_m = settings.default_buffer_m;
    config.max_buffer_m = settings.max_buffer_m;
    config.policy = RiskPolicy {
        safety_margin_m: settings.safety_margin_m,
    };
    config.unknown_accuracy_m = settings.unknown_accuracy_m;
    config.ticket_validity_working_days = settings.ticket_validity_working_days;
    let rules = settings.tickets;
    if rules.dig_start_min_working_days > rules.dig_start_max_working_days
        || rules.orientation_max_area_m2 < settings.max_area_m2
    {
        return Err(ConfigError::Tickets(format!(
            "a dig's start window runs from {} to {} working days and an orientation covers {} m² \
             against a dig's {} m²: the window must run forward and an orientation cover at least \
             what a dig covers",
            rules.dig_start_min_working_days,
            rules.dig_start_max_working_days,
            rules.orientation_max_area_m2,
            settings.max_area_m2
        )));
    }
    config.ticket_rules = rules;
    config.calendar = calendar(settings)?;
    let this_year = chrono::Datelike::year(&chrono::Utc::now());
    for year in [this_year, this_year + 1] {
        if !config.calendar.covers(year) {
            tracing::warn!(year, "the calendar has no holidays for this year: its working days are counted Monday to Friday; add the State Council's notice (settings: calendar)");
        }
    }
    settings
        .datums
        .check()
        .map_err(|reason| undermap_crs::CrsError::Transform {
            from: "datums.transformations".into(),
            to: settings.deployment_crs.clone(),
            reason,
        })?;
    config.datums = settings.datums.clone();
    config.clearance = std::sync::Arc::new(
        data_file(
            settings.clearance_table.as_deref(),
            undermap_clearance::ClearanceTable::builtin,
            undermap_clearance::ClearanceTable::parse,
        )
        .map_err(|(name, e)| ConfigError::Clearance(name, e))?,
    );
    Ok(config)
}

/// Why the archive's settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveSetupError {
    /// The code lists could not be read.
    #[error("archive.catalogue {0}: {1}")]
    Catalogue(String, String),
    /// The file store could not be opened.
    #[error("archive's file store: {0}")]
    Files(#[from] undermap_store::StoreError),
    /// The service window's schedule or the questionnaire could not be read.
    #[error("archive: {0}: {1}")]
    DataFile(String, String),
    /// Both a folder and a URL are configured for the files.
    #[error("archive.files_dir and archive.files_url are both set: keep one")]
    TwoFileStores,
}

/// The archive's rules from the settings (the file store comes with [`install_file_store`]).
pub fn archive_config(
    settings: &Settings,
) -> Result<undermap_service::ArchiveConfig, ArchiveSetupError> {
    let a = &settings.archive;
    let catalogue = data_file(
        a.catalogue.as_deref(),
        undermap_archive::Catalogue::builtin,
        undermap_archive::Catalogue::parse,
    )
    .map_err(|(name, e)| ArchiveSetupError::Catalogue(name, e))?;
    let window = data_file(
        a.window.as_deref(),
        undermap_archive::Schedule::builtin,
        undermap_archive::Schedule::parse,
    )
    .map_err(|(name, e)| ArchiveSetupError::DataFile(name, e))?;
    let questionnaire = data_file(
        a.questionnaire.as_deref(),
        undermap_archive::feedback::Questionnaire::builtin,
        undermap_archive::feedback::Questionnaire::parse,
    )
    .map_err(|(name, e)| ArchiveSetupError::DataFile(name, e))?;
    Ok(undermap_service::ArchiveConfig {
        window,
        questionnaire,
        catalogue,
        rules: a.rules.clone(),
        weights: a.weights.clone(),
        files: None,
        max_file_bytes: a.max_file_bytes,
        utc_offset_hours: a.utc_offset_hours,
        evaluate_at_hour: a.evaluate_at_hour,
        download_links: a.download_links.check().map_err(|e| {
            ArchiveSetupError::DataFile("archive.download_links".into(), e.to_string())
        })?,
    })
}

/// Where the archive's files are kept for the store `spec`: the configured folder, else
/// `<file>.files` beside a GeoPackage (the two belong together), else `undermap-files`.
#[must_use]
pub fn files_dir(settings: &Settings, spec: &str) -> std::path::PathBuf {
    settings.archive.files_dir.clone().unwrap_or_else(|| {
        if spec.contains("://") {
            "undermap-files".into()
        } else {
            format!("{spec}.files").into()
        }
    })
}

/// The archive's file store: `archive.files_url` when set, else the folder [`files_dir`] names.
pub fn file_store(
    settings: &Settings,
    spec: &str,
) -> Result<undermap_store::FileStore, ArchiveSetupError> {
    let a = &settings.archive;
    let files = match (&a.files_url, &a.files_dir) {
        (Some(_), Some(_)) => return Err(ArchiveSetupError::TwoFileStores),
        (Some(url), None) => undermap_store::FileStore::from_url(url, &a.files_options)?,
        (None, _) => undermap_store::FileStore::local(&files_dir(settings, spec))?,
    };
    sealed_as_set(settings, files)
}

/// `files`, encrypting at rest with the deployment's key when `[archive] files_key` names one.
pub fn sealed_as_set(
    settings: &Settings,
    files: undermap_store::FileStore,
) -> Result<undermap_store::FileStore, ArchiveSetupError> {
    Ok(match &settings.archive.files_key {
        Some(key) => files.sealed_with(undermap_store::Sealing::from_file(key)?),
        None => files,
    })
}

/// Opens the archive's file store for a server and checks that it answers.
pub async fn install_file_store(
    settings: &Settings,
    config: &mut ServiceConfig,
    spec: &str,
) -> Result<(), ArchiveSetupError> {
    let files = file_store(settings, spec)?;
    files.check().await?;
    tracing::info!(files = ?files, "archive file store");
    config.archive.files = Some(files);
    Ok(())
}

/// Why the ticket-signing key could not be had.
#[derive(Debug, thiserror::Error)]
pub enum TicketKeyError {
    /// The file could not be read or written.
    #[error("ticket key file {0}: {1}")]
    Io(String, std::io::Error),
    /// The file does not hold a key.
    #[error("ticket key file {0}: {1}")]
    Key(String, undermap_service::SignatureError),
}

/// Where the ticket-signing key is kept.
#[must_use]
pub fn ticket_key_path(settings: &Settings) -> std::path::PathBuf {
    settings
        .ticket_key_file
        .clone()
        .unwrap_or_else(|| "undermap-ticket-key".into())
}

/// The ticket-signing key from its file; with `create`, a new one is written there (readable by
/// this user only) when the file does not exist.
pub fn ticket_signer(
    path: &std::path::Path,
    create: bool,
) -> Result<undermap_service::TicketSigner, TicketKeyError> {
    let name = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => undermap_service::TicketSigner::from_secret_base64(&text)
            .map_err(|e| TicketKeyError::Key(name, e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
            let signer = undermap_service::TicketSigner::generate();
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options
                .open(path)
                .map_err(|e| TicketKeyError::Io(name.clone(), e))?;
            std::io::Write::write_all(
                &mut file,
                format!("{}\n", signer.secret_base64()).as_bytes(),
            )
            .map_err(|e| TicketKeyError::Io(name.clone(), e))?;
            tracing::info!(file = %name, key_id = %signer.verifier().key_id(), "ticket-signing key created");
            Ok(signer)
        }
        Err(e) => Err(TicketKeyError::Io(name, e)),
    }
}

/// The authenticator over `access` with the settings' roles and limits.
pub fn authenticator(
    settings: &Settings,
    access: Arc<dyn AccessStore>,
) -> Result<Authenticator, AuthError> {
    Authenticator::new(
        access,
        AuthSettings {
            roles: settings.roles.clone(),
            anonymous_role: settings.anonymous_role.clone(),
            address_rate_per_minute: settings.address_rate_per_minute,
            recheck_after: std::time::Duration::from_secs(settings.key_recheck_s),
            ..AuthSettings::default()
        },
    )
}

/// The request gate's settings: authenticator, audit writer (started on the current runtime
/// unless `audit = false`), TLS and CORS.
pub fn security(settings: &Settings, access: Arc<dyn AccessStore>) -> Result<Security, AuthError> {
    let audit = if let (true, Some(file)) = (settings.audit, &settings.audit_file) {
        tracing::info!(file = %file.display(), "audit trail written to a file");
        AuditLog::start_file(file)?
    } else if settings.audit {
        AuditLog::start(Arc::clone(&access))
    } else {
        tracing::warn!("the audit trail is off (audit = false)");
        AuditLog::disabled()
    };
    Ok(Security {
        auth: Arc::new(authenticator(settings, access)?),
        audit,
        tls: settings.tls_cert.is_some(),
        cors_origins: settings.cors_origins.clone(),
        public_base_url: match settings.public_base_url.as_deref() {
            Some(url) if !(url.starts_with("https://") || url.starts_with("http://")) => {
                return Err(AuthError::Config(format!(
                    "public_base_url {url:?}: give scheme and host, e.g. https://maps.example.gov.cn"
                )))
            }
            other => other.map(str::to_owned),
        },
        trusted_proxies: settings
            .trusted_proxies
            .iter()
            .map(|a| {
                a.trim().parse().map_err(|_| {
                    AuthError::Config(format!("trusted_proxies: {a:?} is not an IP address"))
                })
            })
            .collect::<Result<_, _>>()?,
    })
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The address could not be bound.
    #[error("binding {0}: {1}")]
    Bind(String, std::io::Error),
    /// The certificate or key could not be used.
    #[error("TLS: {0}")]
    Tls(String),
}

/// A bound, not yet running, HTTP server. Binding happens in [`Application::build`] so that the
/// real port is known before `run` (tests bind port 0).
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Binds `settings.listen` and prepares the server over `service`, guarded by `security`
    /// (HTTPS when the settings name a certificate and key).
    pub fn build(
        settings: &Settings,
        service: Service,
        security: Security,
    ) -> Result<Self, StartError> {
        let bind = |e| StartError::Bind(settings.listen.clone(), e);
        let listener = TcpListener::bind(&settings.listen).map_err(bind)?;
        let port = listener.local_addr().map_err(bind)?.port();
        service.watch_store();
        service.watch_archive_deadlines();
        service.watch_notifications();
        service.watch_subscriptions();
        let data = web::Data::new(service);
        let security = web::Data::new(security);
        let server = HttpServer::new(move || {
            App::new()
                .wrap(actix_web::middleware::from_fn(undermap_api::data_as_of))
                .wrap(actix_web::middleware::from_fn(undermap_api::gate))
                .wrap(undermap_api::method_not_allowed())
                .wrap(TracingLogger::default())
                .app_data(data.clone())
                .app_data(security.clone())
                .app_data(actix_web::web::Data::new(crate::DEPARTMENTS))
                .configure(undermap_api::configure)
        });
        let server = match (&settings.tls_cert, &settings.tls_key) {
            (Some(cert), Some(key)) => server
                .listen_rustls_0_23(listener, tls_config(cert, key)?)
                .map_err(bind)?,
            (None, None) => server.listen(listener).map_err(bind)?,
            _ => {
                return Err(StartError::Tls(
                    "give both tls_cert and tls_key (or neither)".into(),
                ))
            }
        }
        .run();
        tracing::info!(port, tls = settings.tls_cert.is_some(), "listening");
        Ok(Self { port, server })
    }

    /// The port actually bound.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until stopped.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// A rustls server configuration from PEM files (TLS 1.2 and 1.3, ring's cipher suites).
fn tls_config(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<rustls::ServerConfig, StartError> {
    let read = |p: &std::path::Path| {
        std::fs::read(p).map_err(|e| StartError::Tls(format!("reading {}: {e}", p.display())))
    };
    let certs = rustls_pemfile::certs(&mut read(cert)?.as_slice())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| StartError::Tls(format!("{}: {e}", cert.display())))?;
    if certs.is_empty() {
        return Err(StartError::Tls(format!(
            "{} holds no PEM certificate",
            cert.display()
        )));
    }
    let key = rustls_pemfile::private_key(&mut read(key)?.as_slice())
        .map_err(|e| StartError::Tls(format!("{}: {e}", key.display())))?
        .ok_or_else(|| StartError::Tls(format!("{} holds no PEM private key", key.display())))?;
    rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| StartError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| StartError::Tls(e.to_string()))
}
