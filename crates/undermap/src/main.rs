//! `undermap`: serve the map, load deliveries, export site copies.

mod cli;
mod progress;

use clap::Parser;
use cli::{accounts, audit, backup, demo_data, export, ingest, serve, verify, Cli, Command};
use undermap::{
    archive_config, authenticator, init_tracing, install_file_store, open_store, service_config,
    Settings,
};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    init_tracing();
    let cli = Cli::parse();
    let mut settings = Settings::load()?;
    if cli.store.is_some() {
        settings.store = cli.store;
    }
    let mut config = service_config(&settings)?;
    config.archive = archive_config(&settings)?;
    let (demo, read_only) = match &cli.command {
        Command::Serve(args) => (args.demo, args.read_only),
        _ => (false, false),
    };
    let spec = settings.store.clone().unwrap_or_else(|| {
        if demo {
            "undermap-demo.gpkg"
        } else {
            "undermap.gpkg"
        }
        .to_owned()
    });
    match &cli.command {
        Command::DemoData {
            seed,
            scale,
            out,
            projects,
        } => {
            return demo_data::run(*seed, *scale, out, *projects, &config).await;
        }
        Command::VerifyTicket { file, public_key } => {
            return verify::verify_ticket(&settings, file, public_key.as_deref());
        }
        Command::TicketKey => return verify::ticket_key(&settings),
        Command::Restore(args) => return backup::run_restore(args.clone(), &settings, &spec).await,
        Command::Backup(_) if !spec.contains("://") && !std::path::Path::new(&spec).exists() => {
            anyhow::bail!("{spec}: no GeoPackage to back up");
        }
        Command::Serve(_) => {
            serve::install_ticket_signer(&settings, &mut config, read_only)?;
            install_file_store(&settings, &mut config, &spec).await?;
        }
        _ => {}
    }
    let opened = open_store(&spec, &config, read_only).await?;
    let store = opened.shared();
    match cli.command {
        // Handled before a store is opened: they write to their own `--out` or read a file.
        Command::DemoData { .. }
        | Command::VerifyTicket { .. }
        | Command::TicketKey
        | Command::Restore(_) => {}
        Command::Backup(args) => backup::run_backup(args, &settings, &opened, &spec).await?,
        Command::Migrate => println!("store is up to date"),
        Command::Ingest(args) => ingest::run(args, &config, store.as_ref()).await?,
        Command::Serve(args) => serve::run(args, settings, config, store, &opened, &spec).await?,
        Command::Users { command } => {
            accounts::users(&authenticator(&settings, opened.access())?, command).await?;
        }
        Command::Keys { command } => {
            accounts::keys(&authenticator(&settings, opened.access())?, command).await?;
        }
        Command::Audit { command } => {
            audit::run(opened.access().as_ref(), store.as_ref(), command).await?;
        }
        Command::Export(args) => {
            // A local folder that is not there holds nothing to embed: none is made for it.
            let files = if settings.archive.files_url.is_some()
                || undermap::files_dir(&settings, &spec).is_dir()
            {
                Some(undermap::file_store(&settings, &spec)?)
            } else {
                None
            };
            let signer =
                backup::copy_signer(&settings, !args.encrypt_to.is_empty(), args.unsigned)?;
            export::run(
                args,
                &config,
                store.as_ref(),
                &opened,
                &spec,
                files.as_ref(),
                signer,
            )
            .await?;
        }
    }
    Ok(())
}
