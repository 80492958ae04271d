//! `undermap ingest`: load a department's delivery from files.

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::ValueEnum;
use undermap::DEPARTMENTS;
use undermap_crs::Crs;
use undermap_ingest::{DxfMapping, IngestOptions};
use undermap_service::{deliver, DeliveryRequest};
use undermap_store::DeliveryMode;

// The arguments of `undermap ingest` (the subcommand's help is the variant's doc comment).
#[derive(clap::Args)]
pub(crate) struct IngestArgs {
    /// Whose delivery: water, gas, power, drainage, planning, telecom.
    #[arg(long, alias = "layer")]
    pub(crate) department: String,
    /// The CRS of files that do not declare one (survey tables, Shapefiles without .prj,
    /// GeoJSON in a projected CRS without a `crs` member): EPSG:4490, EPSG:4545, EPSG:2383
    /// (Xian 80), EPSG:2431 (Beijing 54), a WKT, or a PROJ string for a local city grid.
    #[arg(long)]
    pub(crate) crs: Option<String>,
    /// Text encoding of attribute files that do not say (GBK, UTF-8).
    #[arg(long)]
    pub(crate) encoding: Option<String>,
    /// TOML file mapping CAD layer names to departments and kinds (DXF deliveries).
    #[arg(long)]
    pub(crate) dxf_layers: Option<PathBuf>,
    /// The GeoPackage table to read (default: the one named like the layer, else all).
    #[arg(long)]
    pub(crate) table: Option<String>,
    /// `full` retires current features missing from the file; `incremental` does not.
    #[arg(long, value_enum, default_value = "incremental")]
    pub(crate) mode: Mode,
    /// Load nothing if any record is rejected, or if the files convert only by a ballpark
    /// datum shift.
    #[arg(long)]
    pub(crate) strict: bool,
    /// Load nothing if any source field maps to no model field (a misspelt `accuracy_m`).
    #[arg(long)]
    pub(crate) strict_fields: bool,
    /// The archive project (项目代码) this delivery is the as-built survey of: the delivery
    /// records it and every feature keeps it (`project_code`). The project must be registered.
    #[arg(long)]
    pub(crate) project: Option<String>,
    /// Write rejected records as JSON lines here (default: standard error).
    #[arg(long)]
    pub(crate) rejects: Option<PathBuf>,
    /// The delivery's files.
    #[arg(required = true)]
    pub(crate) files: Vec<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Mode {
    Full,
    Incremental,
}

/// Reads, checks and loads the files; prints the summary and where the rejections went.
pub(crate) async fn run(
    args: IngestArgs,
    config: &undermap_service::ServiceConfig,
    store: &dyn undermap_store::Store,
) -> anyhow::Result<()> {
    let IngestArgs {
        department,
        crs,
        encoding,
        dxf_layers,
        table,
        mode,
        strict,
        strict_fields,
        project,
        rejects,
        files,
    } = args;
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
    options.project = project;
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
    let bar = crate::progress::Progress::start();
    let reporter = bar.reporter();
    let summary = deliver(store, request, reporter).await;
    bar.finish();
    let summary = summary?;
    let mut out: Box<dyn std::io::Write> = match &rejects {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("writing {}", path.display()))?,
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
    Ok(())
}
