//! `undermap`: migrate the database, ingest deliveries, serve the API.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand, ValueEnum};
use undermap::{
    init_tracing, load_demo, service_config, spawn_change_listener, Application, Settings,
};
use undermap_crs::Crs;
use undermap_ingest::{prepare_geojson, IngestOptions};
use undermap_service::Service;
use undermap_store::{DeliveryMode, PgStore};

#[derive(Parser)]
#[command(
    name = "undermap",
    version,
    about = "The one map of what lies under a city"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the database if needed and apply the schema migrations.
    Migrate,
    /// Load a department's delivery (GeoJSON) into a layer.
    Ingest {
        /// The layer (water, power, gas, drainage, planning…).
        #[arg(long)]
        layer: String,
        /// The file's CRS if it does not declare one (EPSG:4490, EPSG:4545, OGC:CRS84…).
        #[arg(long)]
        crs: Option<String>,
        /// `full` retires current features missing from the file; `incremental` does not.
        #[arg(long, value_enum, default_value = "incremental")]
        mode: Mode,
        /// Load nothing if any record is rejected.
        #[arg(long)]
        strict: bool,
        /// Write rejected records as JSON lines here (default: standard error).
        #[arg(long)]
        rejects: Option<PathBuf>,
        /// The delivery file.
        file: PathBuf,
    },
    /// Serve the API.
    Serve {
        /// Load the bundled demo data (data/demo) into the database first.
        #[arg(long)]
        demo: bool,
        /// Listen address, overriding the settings.
        #[arg(long)]
        listen: Option<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    Full,
    Incremental,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    init_tracing();
    let cli = Cli::parse();
    let mut settings = Settings::load()?;
    let config = service_config(&settings)?;
    let srid = config
        .deployment_crs
        .epsg_code()
        .and_then(|c| i32::try_from(c).ok())
        .context("the deployment CRS must be an EPSG code (PostGIS needs an SRID)")?;
    let connect = || async {
        PgStore::connect(&settings.database_url, srid)
            .await
            .context("connecting to PostgreSQL (set UNDERMAP_DATABASE_URL)")
    };
    match cli.command {
        Command::Migrate => {
            connect().await?;
            println!("database is up to date");
        }
        Command::Ingest {
            layer,
            crs,
            mode,
            strict,
            rejects,
            file,
        } => {
            let service = Service::new(Arc::new(connect().await?), config.clone());
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let options = IngestOptions {
                layer: layer.parse()?,
                source_crs: crs.as_deref().map(Crs::parse).transpose()?,
                deployment_crs: config.deployment_crs.clone(),
                mode: match mode {
                    Mode::Full => DeliveryMode::Full,
                    Mode::Incremental => DeliveryMode::Incremental,
                },
                loaded_by: std::env::var("USER").unwrap_or_else(|_| "cli".into()),
            };
            let name = file
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            let prepared = prepare_geojson(&bytes, &name, &options)?;
            let lines: Vec<String> = prepared
                .rejections
                .iter()
                .map(serde_json::to_string)
                .collect::<Result<_, _>>()?;
            match &rejects {
                Some(path) => std::fs::write(path, lines.join("\n") + "\n")?,
                None => lines.iter().for_each(|l| eprintln!("{l}")),
            }
            let (records, rejected) = (prepared.records, prepared.rejections.len());
            if strict && rejected > 0 {
                bail!("{name}: {rejected} of {records} record(s) rejected and --strict was given; nothing was loaded");
            }
            let report = service.store().apply_delivery(prepared.delivery).await?;
            for r in &report.rejected {
                eprintln!(
                    "{}",
                    serde_json::json!({"file": name, "id": r.id.as_str(), "reason": r.reason})
                );
            }
            println!(
                "{name}: {records} records: {} inserted, {} updated, {} unchanged, {} retired, {} rejected (delivery {})",
                report.inserted,
                report.updated,
                report.unchanged,
                report.retired,
                rejected + report.rejected.len(),
                report.delivery_id
            );
        }
        Command::Serve { demo, listen } => {
            if let Some(listen) = listen {
                settings.listen = listen;
            }
            let service = Service::new(Arc::new(connect().await?), config);
            if demo {
                let n = load_demo(&service, &settings.demo_data_dir).await?;
                tracing::info!(features = n, dir = %settings.demo_data_dir.display(), "demo data loaded");
            }
            let n = service.reload().await?;
            tracing::info!(features = n, "index ready");
            spawn_change_listener(service.clone(), settings.database_url.clone());
            let app = Application::build(&settings, service)?;
            println!(
                "undermap listening on http://{}",
                settings.listen.replace(":0", &format!(":{}", app.port()))
            );
            app.run_until_stopped().await?;
        }
    }
    Ok(())
}
