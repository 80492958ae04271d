//! `undermap serve`: the API, on the store opened, with the demo data if asked.

use std::path::PathBuf;

use anyhow::Context;
use undermap::{
    demo_accounts, load_demo, load_demo_projects, security, spawn_change_listener,
    spawn_change_poller, Application, OpenedStore, Settings,
};
use undermap_service::Service;
use undermap_service::ServiceConfig;
use undermap_store::Store;

use super::spec_for_log;

// The arguments of `undermap serve` (the subcommand's help is the variant's doc comment).
#[derive(clap::Args)]
pub(crate) struct ServeArgs {
    /// Load the bundled demo data (data/demo) first; without --store, into undermap-demo.gpkg.
    #[arg(long)]
    pub(crate) demo: bool,
    /// Listen address, overriding the settings.
    #[arg(long)]
    pub(crate) listen: Option<String>,
    /// Serve a GeoPackage site copy without changing it: writes are refused.
    #[arg(long)]
    pub(crate) read_only: bool,
    /// A streaming replica of the PostGIS store (postgres://…) to read the index from at every
    /// reload; writes still go to --store, and the primary is read when the replica is down.
    #[arg(long)]
    pub(crate) read_store: Option<String>,
    /// PEM certificate chain for HTTPS (with --tls-key; also UNDERMAP_TLS_CERT).
    #[arg(long)]
    pub(crate) tls_cert: Option<PathBuf>,
    /// PEM private key for HTTPS (also UNDERMAP_TLS_KEY).
    #[arg(long)]
    pub(crate) tls_key: Option<PathBuf>,
}

/// Tickets are signed with the deployment's key; a site copy that has none can still serve,
/// but issues no tickets anyway (it takes no writes).
pub(crate) fn install_ticket_signer(
    settings: &Settings,
    config: &mut ServiceConfig,
    read_only: bool,
) -> anyhow::Result<()> {
    let path = undermap::ticket_key_path(settings);
    match undermap::ticket_signer(&path, !read_only) {
        Ok(signer) => config.ticket_signer = signer,
        Err(e) if read_only => {
            tracing::warn!(error = %e, "no ticket key: tickets of the centre cannot be verified here");
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

/// Serves until stopped.
pub(crate) async fn run(
    args: ServeArgs,
    mut settings: Settings,
    mut config: ServiceConfig,
    store: std::sync::Arc<dyn Store>,
    opened: &OpenedStore,
    spec: &str,
) -> anyhow::Result<()> {
    let ServeArgs {
        demo,
        listen,
        read_only,
        read_store,
        tls_cert,
        tls_key,
    } = args;
    if let Some(listen) = listen {
        settings.listen = listen;
    }
    if read_only && settings.audit_file.is_none() {
        settings.audit_file = Some(PathBuf::from(format!("{spec}.audit.jsonl")));
    }
    settings.tls_cert = tls_cert.or(settings.tls_cert);
    settings.tls_key = tls_key.or(settings.tls_key);
    if let (OpenedStore::GeoPackage(gpkg), Some(files)) = (opened, config.archive.files.take()) {
        let max = settings.archive.embed_max_bytes;
        config.archive.files = Some(undermap::keep_files_inside(gpkg, files, max, read_only));
    }
    let replica = match (&read_store, opened) {
        (None, _) => None,
        (Some(url), OpenedStore::Postgres(..)) => Some(undermap::open_replica(url, &config)?),
        (Some(_), OpenedStore::GeoPackage(_)) => {
            anyhow::bail!("--read-store is a replica of a PostGIS store; a GeoPackage has none")
        }
    };
    let service = Service::new(store, config);
    if let Some(replica) = &replica {
        service.read_index_from(replica.clone());
    }
    let security = security(&settings, opened.access())?;
    if demo {
        let n = load_demo(&service, &settings.demo_data_dir).await?;
        tracing::info!(features = n, dir = %settings.demo_data_dir.display(), store = %spec_for_log(spec), "demo data loaded");
        let projects = load_demo_projects(&service, &settings.demo_data_dir).await?;
        tracing::info!(projects, "demo projects registered");
        print_demo_keys(&demo_accounts(&security.auth).await?)?;
    }
    let n = service.reload().await?;
    tracing::info!(features = n, store = %spec_for_log(spec), "index ready");
    match &opened {
        OpenedStore::Postgres(_, url) => {
            spawn_change_listener(service.clone(), url.clone());
            if replica.is_some() {
                spawn_change_poller(service.clone(), std::time::Duration::from_secs(1));
            }
        }
        OpenedStore::GeoPackage(_) => {
            spawn_change_poller(service.clone(), std::time::Duration::from_secs(2));
        }
    }
    let app = Application::build(&settings, service, security)?;
    println!(
        "undermap listening on {}://{}",
        if settings.tls_cert.is_some() {
            "https"
        } else {
            "http"
        },
        settings.listen.replace(":0", &format!(":{}", app.port()))
    );
    app.run_until_stopped().await?;
    Ok(())
}

/// Prints the demo accounts' keys, clearly labelled, and writes them to `undermap-demo-keys.env`
/// for scripts (`source undermap-demo-keys.env`).
fn print_demo_keys(keys: &[(String, String)]) -> anyhow::Result<()> {
    use std::io::Write;
    println!(
        "DEMO ACCOUNTS: for trying undermap only, never for real data. New keys at every start:"
    );
    let mut env = {
        use std::os::unix::fs::OpenOptionsExt;
        // Readable by this user only: they are credentials, even if only demo ones.
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open("undermap-demo-keys.env")
            .context("writing undermap-demo-keys.env")?
    };
    for (name, key) in keys {
        println!("  {name:<18} {key}");
        let var = name.trim_start_matches("demo-").to_ascii_uppercase();
        writeln!(env, "UNDERMAP_DEMO_{var}_KEY={key}")?;
    }
    println!("  (also in undermap-demo-keys.env; send as `Authorization: Bearer <key>`)");
    Ok(())
}
