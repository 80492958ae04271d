//! `undermap`: serve the map, load deliveries, export site copies.

mod progress;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::{Parser, Subcommand, ValueEnum};
use undermap::{
    authenticator, demo_accounts, export, export_accounts, init_tracing, load_demo, open_store,
    security, service_config, spawn_change_listener, spawn_change_poller, Application, OpenedStore,
    Settings, DEPARTMENTS,
};
use undermap_core::geometry::polygonal_from_geojson;
use undermap_crs::{Crs, Transformer};
use undermap_ingest::{DxfMapping, IngestOptions};
use undermap_service::{deliver, DeliveryRequest, Service};
use undermap_store::DeliveryMode;

#[derive(Parser)]
#[command(
    name = "undermap",
    version,
    about = "The one map of what lies under a city"
)]
struct Cli {
    /// Where the map is kept: postgres://… or a GeoPackage file (default undermap.gpkg;
    /// also UNDERMAP_STORE).
    #[arg(long, global = true)]
    store: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the store if needed and bring its schema up to date.
    Migrate,
    /// Load a department's delivery: GeoJSON (.geojson, .geojsonl), Shapefile (.shp with .dbf,
    /// .prj, .cpg), GeoPackage (.gpkg), CJJ 61 survey tables (points .csv + segments .csv) or
    /// DXF (with --dxf-layers).
    Ingest {
        /// Whose delivery: water, gas, power, drainage, planning, telecom.
        #[arg(long, alias = "layer")]
        department: String,
        /// The CRS of files that do not declare one (survey tables, Shapefiles without .prj,
        /// GeoJSON in a projected CRS without a `crs` member): EPSG:4490, EPSG:4545, EPSG:2383
        /// (Xian 80), EPSG:2431 (Beijing 54), a WKT, or a PROJ string for a local city grid.
        #[arg(long)]
        crs: Option<String>,
        /// Text encoding of attribute files that do not say (GBK, UTF-8).
        #[arg(long)]
        encoding: Option<String>,
        /// TOML file mapping CAD layer names to departments and kinds (DXF deliveries).
        #[arg(long)]
        dxf_layers: Option<PathBuf>,
        /// The GeoPackage table to read (default: the one named like the layer, else all).
        #[arg(long)]
        table: Option<String>,
        /// `full` retires current features missing from the file; `incremental` does not.
        #[arg(long, value_enum, default_value = "incremental")]
        mode: Mode,
        /// Load nothing if any record is rejected, or if the files convert only by a ballpark
        /// datum shift.
        #[arg(long)]
        strict: bool,
        /// Load nothing if any source field maps to no model field (a misspelt `accuracy_m`).
        #[arg(long)]
        strict_fields: bool,
        /// Write rejected records as JSON lines here (default: standard error).
        #[arg(long)]
        rejects: Option<PathBuf>,
        /// The delivery's files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Serve the API.
    Serve {
        /// Load the bundled demo data (data/demo) first; without --store, into undermap-demo.gpkg.
        #[arg(long)]
        demo: bool,
        /// Listen address, overriding the settings.
        #[arg(long)]
        listen: Option<String>,
        /// Serve a GeoPackage site copy without changing it: writes are refused.
        #[arg(long)]
        read_only: bool,
        /// PEM certificate chain for HTTPS (with --tls-key; also UNDERMAP_TLS_CERT).
        #[arg(long)]
        tls_cert: Option<PathBuf>,
        /// PEM private key for HTTPS (also UNDERMAP_TLS_KEY).
        #[arg(long)]
        tls_key: Option<PathBuf>,
    },
    /// Accounts: people and services that may use the API.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// API keys: shown once when created, stored as Argon2id hashes.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// The audit trail of every request that read or changed data.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
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
    },
    /// Write the current map, or part of it, to a GeoPackage (a site copy for offline use).
    Export {
        /// The GeoPackage to write (created, or brought up to date).
        #[arg(long)]
        to: PathBuf,
        /// Only these layers, comma-separated.
        #[arg(long, value_delimiter = ',')]
        layers: Option<Vec<String>>,
        /// Only features intersecting this GeoJSON (Multi)Polygon, in CRS84.
        #[arg(long)]
        area: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum UsersCommand {
    /// Create an account.
    Add {
        /// Login name (lowercase letters, digits, . _ @ -).
        name: String,
        /// admin, archivist, planner, contractor, emergency, public, or a role from the settings.
        #[arg(long)]
        role: String,
        /// Only these layers (comma-separated), on top of the role's.
        #[arg(long, value_delimiter = ',')]
        layers: Option<Vec<String>>,
        /// A service account (an integration), not a person.
        #[arg(long)]
        service: bool,
        /// Full name or description.
        #[arg(long)]
        full_name: Option<String>,
    },
    /// List accounts.
    List,
    /// Disable an account: its keys stop working.
    Disable {
        /// The account.
        name: String,
    },
    /// Enable a disabled account again.
    Enable {
        /// The account.
        name: String,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Issue a key for an account; it is printed once.
    Create {
        /// The account.
        account: String,
        /// What the key is for.
        #[arg(long)]
        label: Option<String>,
        /// Valid for this many days (default: until revoked).
        #[arg(long)]
        days: Option<u32>,
    },
    /// List keys (never their secrets).
    List {
        /// Only this account's.
        #[arg(long)]
        account: Option<String>,
    },
    /// Revoke a key by its id (the part after `um_`).
    Revoke {
        /// The key id.
        key_id: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the whole chain: exit 1 and say where if an entry was removed, inserted or changed.
    Verify {
        /// Check this JSON-lines audit file (of a read-only site copy) instead of the store.
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Write entries as JSON lines.
    Export {
        /// File to write (default: standard output).
        #[arg(long)]
        to: Option<PathBuf>,
        /// Only entries after this seq.
        #[arg(long, default_value_t = 0)]
        after: i64,
        /// Only this account's.
        #[arg(long)]
        actor: Option<String>,
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
    if cli.store.is_some() {
        settings.store = cli.store;
    }
    let mut config = service_config(&settings)?;
    let demo = matches!(cli.command, Command::Serve { demo: true, .. });
    let spec = settings.store.clone().unwrap_or_else(|| {
        if demo {
            "undermap-demo.gpkg"
        } else {
            "undermap.gpkg"
        }
        .to_owned()
    });
    if let Command::DemoData { seed, scale, out } = &cli.command {
        return demo_data(*seed, *scale, out, &config).await;
    }
    if let Command::VerifyTicket { file, public_key } = &cli.command {
        return verify_ticket(&settings, file, public_key.as_deref());
    }
    if matches!(cli.command, Command::TicketKey) {
        let verifier =
            undermap::ticket_signer(&undermap::ticket_key_path(&settings), true)?.verifier();
        println!(
            "{}",
            serde_json::json!({"alg": undermap_service::KEY_ALGORITHM, "key_id": verifier.key_id(), "public_key": verifier.to_base64()})
        );
        return Ok(());
    }
    let read_only = matches!(
        cli.command,
        Command::Serve {
            read_only: true,
            ..
        }
    );
    if matches!(cli.command, Command::Serve { .. }) {
        // Tickets are signed with the deployment's key; a site copy that has none can still
        // serve, but issues no tickets anyway (it takes no writes).
        let path = undermap::ticket_key_path(&settings);
        match undermap::ticket_signer(&path, !read_only) {
            Ok(signer) => config.ticket_signer = signer,
            Err(e) if read_only => {
                tracing::warn!(error = %e, "no ticket key: tickets of the centre cannot be verified here");
            }
            Err(e) => return Err(e.into()),
        }
    }
    let opened = open_store(&spec, &config, read_only).await?;
    let store = opened.shared();
    match cli.command {
        // Handled before a store is opened: it writes to its own `--out`.
        Command::DemoData { .. } | Command::VerifyTicket { .. } | Command::TicketKey => {}
        Command::Migrate => println!("store is up to date"),
        Command::Ingest {
            department,
            crs,
            encoding,
            dxf_layers,
            table,
            mode,
            strict,
            strict_fields,
            rejects,
            files,
        } => {
            let department = DEPARTMENTS.get(&department)?;
            let mut options = IngestOptions::new(
                config.deployment_crs.clone(),
                match mode {
                    Mode::Full => DeliveryMode::Full,
                    Mode::Incremental => DeliveryMode::Incremental,
                },
                std::env::var("USER").unwrap_or_else(|_| "cli".into()),
            );
            options.source_crs = crs.as_deref().map(Crs::parse).transpose()?;
            options.datums = config.datums.clone();
            options.encoding = encoding;
            options.table = table;
            options.dxf_layers = dxf_layers.as_deref().map(DxfMapping::load).transpose()?;
            let request = DeliveryRequest {
                files,
                department,
                options,
                strict: undermap_ingest::Strictness {
                    records: strict,
                    fields: strict_fields,
                },
            };
            let bar = progress::Progress::start();
            let reporter = bar.reporter();
            let summary = deliver(store.as_ref(), request, reporter).await;
            bar.finish();
            let summary = summary?;
            let mut out: Box<dyn std::io::Write> = match &rejects {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("writing {}", path.display()))?,
                )),
                None => Box::new(std::io::stderr().lock()),
            };
            summary.write_rejections(&mut *out)?;
            for note in &summary.notes {
                eprintln!("note: {note}");
            }
            for warning in &summary.warnings {
                eprintln!("WARNING: {warning}");
            }
            for u in &summary.unmapped_fields {
                let hint = u
                    .did_you_mean
                    .as_deref()
                    .map(|h| format!("; did you mean {h}?"))
                    .unwrap_or_default();
                eprintln!(
                    "unmapped field: {:?} in {} record(s) maps to no model field and is kept as a free attribute{hint}",
                    u.field, u.records
                );
            }
            if let Some(refused) = &summary.refused {
                bail!("{refused}");
            }
            println!("{}", summary.line());
            if let Some(path) = &rejects {
                if summary.rejected > 0 {
                    println!(
                        "{} rejected record(s) written to {}",
                        summary.rejected,
                        path.display()
                    );
                }
            }
        }
        Command::Serve {
            demo,
            listen,
            tls_cert,
            tls_key,
            ..
        } => {
            if let Some(listen) = listen {
                settings.listen = listen;
            }
            if read_only && settings.audit_file.is_none() {
                settings.audit_file = Some(PathBuf::from(format!("{spec}.audit.jsonl")));
            }
            settings.tls_cert = tls_cert.or(settings.tls_cert);
            settings.tls_key = tls_key.or(settings.tls_key);
            let service = Service::new(store, config);
            let security = security(&settings, opened.access())?;
            if demo {
                let n = load_demo(&service, &settings.demo_data_dir).await?;
                tracing::info!(features = n, dir = %settings.demo_data_dir.display(), store = %spec_for_log(&spec), "demo data loaded");
                print_demo_keys(&demo_accounts(&security.auth).await?)?;
            }
            let n = service.reload().await?;
            tracing::info!(features = n, store = %spec_for_log(&spec), "index ready");
            match &opened {
                OpenedStore::Postgres(_, url) => {
                    spawn_change_listener(service.clone(), url.clone());
                }
                _ => spawn_change_poller(service.clone(), std::time::Duration::from_secs(2)),
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
        }
        Command::Users { command } => {
            let auth = authenticator(&settings, opened.access())?;
            users(&auth, command).await?;
        }
        Command::Keys { command } => {
            let auth = authenticator(&settings, opened.access())?;
            keys(&auth, command).await?;
        }
        Command::Audit { command } => audit(opened.access().as_ref(), command).await?,
        Command::Export { to, layers, area } => {
            let layers: Option<HashSet<_>> = layers
                .map(|l| l.iter().map(|s| s.trim().parse()).collect::<Result<_, _>>())
                .transpose()?;
            let area = match area {
                None => None,
                Some(path) => {
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("reading {}", path.display()))?;
                    let geometry: geojson::Geometry = match text.parse::<geojson::GeoJson>()? {
                        geojson::GeoJson::Geometry(g) => g,
                        geojson::GeoJson::Feature(f) => {
                            f.geometry.context("the area feature has no geometry")?
                        }
                        geojson::GeoJson::FeatureCollection(_) => {
                            bail!("--area takes one Polygon or MultiPolygon, not a collection")
                        }
                    };
                    let polygons = polygonal_from_geojson(&geometry, config.limits.max_vertices)?;
                    let metric = Transformer::new(&Crs::crs84(), &config.deployment_crs)?
                        .geometry_checked(&geo::Geometry::MultiPolygon(polygons))?;
                    match metric {
                        geo::Geometry::MultiPolygon(mp) => Some(mp),
                        _ => bail!("--area did not stay a polygon after reprojection"),
                    }
                }
            };
            let target = match open_store(&to.to_string_lossy(), &config, false).await? {
                OpenedStore::GeoPackage(g) => g,
                OpenedStore::Postgres(..) => bail!("--to must be a GeoPackage file"),
            };
            let report = export(
                store.as_ref(),
                &target,
                layers.as_ref(),
                area.as_ref(),
                &spec_for_log(&spec),
            )
            .await?;
            for (layer, n) in &report.per_layer {
                println!("{layer}: {n} features");
            }
            let (accounts, keys) = export_accounts(opened.access().as_ref(), &target).await?;
            println!(
                "{accounts} accounts and {keys} keys (hashes only) copied, revocations included"
            );
            println!("wrote {}", to.display());
        }
    }
    Ok(())
}

/// `undermap verify-ticket FILE`: the ticket's signature against the deployment's key (or the
/// public key given), offline.
fn verify_ticket(settings: &Settings, file: &Path, public_key: Option<&str>) -> anyhow::Result<()> {
    let verifier = match public_key {
        Some(k) => undermap_service::TicketVerifier::from_base64(k)?,
        None => undermap::ticket_signer(&undermap::ticket_key_path(settings), false)?.verifier(),
    };
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    match verifier.verify(&text) {
        Ok(signature) => {
            let ticket: serde_json::Value = serde_json::from_str(&text)?;
            println!(
                "valid: ticket {} issued {} valid until {}, signed by key {}",
                ticket["id"].as_str().unwrap_or("?"),
                ticket["created_at"].as_str().unwrap_or("?"),
                ticket["valid_until"]
                    .as_str()
                    .unwrap_or("(no validity recorded)"),
                signature.key_id
            );
            Ok(())
        }
        Err(e) => {
            println!("NOT VALID: {e}");
            std::process::exit(1);
        }
    }
}

/// Generates every layer and writes it to `out`, one layer at a time to bound memory.
async fn demo_data(
    seed: u64,
    scale: undermap_synth::Scale,
    out: &str,
    config: &undermap_service::ServiceConfig,
) -> anyhow::Result<()> {
    use std::io::Write;
    let started = std::time::Instant::now();
    let seq =
        out.ends_with(".geojsonl") || out.ends_with(".geojsons") || out.ends_with(".geojsonseq");
    let mut writer = if seq {
        Some(std::io::BufWriter::new(
            std::fs::File::create(out).with_context(|| format!("creating {out}"))?,
        ))
    } else {
        None
    };
    let store = if seq {
        None
    } else {
        Some(open_store(out, config, false).await?.shared())
    };
    let to_crs84 = Transformer::new(&config.deployment_crs, &Crs::crs84())?;
    let mut total = 0;
    for layer in undermap_synth::LAYERS {
        let features = undermap_synth::layer(seed, scale, layer)?;
        total += features.len();
        println!("{layer}: {} features", features.len());
        if let Some(w) = writer.as_mut() {
            for f in &features {
                let g = to_crs84.geometry(&f.geometry)?;
                let mut props = match serde_json::to_value(&f.attrs)? {
                    serde_json::Value::Object(m) => m,
                    _ => serde_json::Map::new(),
                };
                props.insert("layer".into(), layer.into());
                props.insert("kind".into(), f.kind.as_str().into());
                let feature = serde_json::json!({
                    "type": "Feature",
                    "id": f.id.as_str(),
                    "properties": props,
                    "geometry": geojson::Geometry::new(geojson::Value::from(&g)),
                });
                writeln!(w, "{feature}")?;
            }
        }
        if let Some(store) = &store {
            store
                .apply_delivery(undermap_store::Delivery {
                    layer: layer.parse()?,
                    source_name: format!("demo-data --seed {seed}"),
                    sha256: String::new(),
                    source_crs: config.deployment_crs.name().to_owned(),
                    operation: "generated in the deployment CRS".into(),
                    mode: DeliveryMode::Full,
                    loaded_by: "demo-data".into(),
                    features,
                    rejected_before_load: 0,
                })
                .await?;
        }
    }
    if let Some(mut w) = writer {
        w.flush()?;
    }
    println!(
        "{total} features written to {} in {:.1} s",
        spec_for_log(out),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn users(auth: &undermap_auth::Authenticator, command: UsersCommand) -> anyhow::Result<()> {
    match command {
        UsersCommand::Add {
            name,
            role,
            layers,
            service,
            full_name,
        } => {
            let a = auth
                .add_account(undermap_auth::NewAccount {
                    name,
                    role,
                    layers,
                    service,
                    full_name,
                })
                .await?;
            println!("account {} created with role {}", a.name, a.role);
        }
        UsersCommand::List => {
            println!(
                "{:<32} {:<12} {:<8} {:<24} layers",
                "name", "role", "kind", "disabled"
            );
            for a in auth.accounts().await? {
                println!(
                    "{:<32} {:<12} {:<8} {:<24} {}",
                    a.name,
                    a.role,
                    if a.service { "service" } else { "person" },
                    a.disabled_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
                    a.layers
                        .map(|l| l.join(","))
                        .unwrap_or_else(|| "(role's)".into())
                );
            }
        }
        UsersCommand::Disable { name } => {
            auth.set_disabled(&name, true).await?;
            println!("account {name} disabled; its keys no longer work");
        }
        UsersCommand::Enable { name } => {
            auth.set_disabled(&name, false).await?;
            println!("account {name} enabled");
        }
    }
    Ok(())
}

async fn keys(auth: &undermap_auth::Authenticator, command: KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::Create {
            account,
            label,
            days,
        } => {
            let k = auth.create_key(&account, label, days).await?;
            eprintln!(
                "key {} for {}{}; it is shown once, keep it secret:",
                k.record.key_id,
                k.record.account,
                k.record
                    .expires_at
                    .map(|t| format!(", valid until {}", t.to_rfc3339()))
                    .unwrap_or_default()
            );
            println!("{}", k.key);
        }
        KeysCommand::List { account } => {
            println!(
                "{:<14} {:<32} {:<26} {:<26} label",
                "key id", "account", "created", "revoked/expires"
            );
            for k in auth.keys(account.as_deref()).await? {
                let state = match (k.revoked_at, k.expires_at) {
                    (Some(t), _) => format!("revoked {}", t.format("%Y-%m-%d %H:%M")),
                    (None, Some(t)) => format!("expires {}", t.format("%Y-%m-%d %H:%M")),
                    (None, None) => String::new(),
                };
                println!(
                    "{:<14} {:<32} {:<26} {:<26} {}",
                    k.key_id,
                    k.account,
                    k.created_at.format("%Y-%m-%d %H:%M:%S"),
                    state,
                    k.label.unwrap_or_default()
                );
            }
        }
        KeysCommand::Revoke { key_id } => {
            auth.revoke_key(&key_id).await?;
            println!("key {key_id} revoked");
        }
    }
    Ok(())
}

async fn audit(
    store: &dyn undermap_store::AccessStore,
    command: AuditCommand,
) -> anyhow::Result<()> {
    match command {
        AuditCommand::Verify { file } => {
            let v = match &file {
                Some(path) => undermap_auth::verify_file(path)?,
                None => undermap_auth::verify(store).await?,
            };
            match &v.problem {
                None => {
                    println!(
                        "audit trail intact: {} entries; head seq {} hash {}",
                        v.entries, v.head_seq, v.head_hash
                    );
                    println!("record the head hash elsewhere: a later verify that ends before it shows a cut-off tail");
                }
                Some(p) => bail!("audit trail broken after {} good entries: {p}", v.entries),
            }
        }
        AuditCommand::Export { to, after, actor } => {
            use std::io::Write;
            let mut out: Box<dyn Write> = match &to {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("writing {}", path.display()))?,
                )),
                None => Box::new(std::io::stdout().lock()),
            };
            let mut after = after;
            let mut n = 0_u64;
            loop {
                let page = store
                    .audit(&undermap_store::AuditQuery {
                        after,
                        limit: 10_000,
                        actor: actor.clone(),
                        ..undermap_store::AuditQuery::default()
                    })
                    .await?;
                let Some(last) = page.last() else { break };
                after = last.seq;
                for r in &page {
                    let entry: serde_json::Value = serde_json::from_str(&r.entry)?;
                    let line = serde_json::json!({"seq": r.seq, "entry": entry, "prev_hash": r.prev_hash, "hash": r.hash});
                    writeln!(out, "{line}")?;
                    n += 1;
                }
            }
            out.flush()?;
            if let Some(path) = to {
                eprintln!("{n} entries written to {}", path.display());
            }
        }
    }
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

/// The store for logs: a database URL may hold a password.
fn spec_for_log(spec: &str) -> String {
    if spec.contains("://") {
        "PostgreSQL".into()
    } else {
        spec.to_owned()
    }
}
