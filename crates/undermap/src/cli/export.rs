//! `undermap export`: the current map, or part of it, to a GeoPackage site copy.

use std::collections::HashSet;
use std::path::PathBuf;

use anyhow::{bail, Context};
use undermap::{export, export_accounts, open_store, OpenedStore};
use undermap_core::geometry::polygonal_from_geojson;
use undermap_crs::{Crs, Transformer};
use undermap_service::ServiceConfig;
use undermap_store::Store;

use super::spec_for_log;

// The arguments of `undermap export`.
#[derive(clap::Args)]
pub(crate) struct ExportArgs {
    /// The GeoPackage to write (created, or brought up to date).
    #[arg(long)]
    pub(crate) to: PathBuf,
    /// Only these layers, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub(crate) layers: Option<Vec<String>>,
    /// Only features intersecting this GeoJSON (Multi)Polygon, in CRS84.
    #[arg(long)]
    pub(crate) area: Option<PathBuf>,
    /// Seal the copy with age for this recipient (`age1pq1…`, `age1…`, or a file listing
    /// them; repeatable) for transport: `--to` is then the sealed file, which `undermap
    /// restore --identity KEY --from FILE --store site.gpkg` opens. Nothing readable is left.
    #[arg(long)]
    pub(crate) encrypt_to: Vec<String>,
    /// Leave the sealed copy unsigned (it is signed with the deployment's key when that is on
    /// this machine).
    #[arg(long)]
    pub(crate) unsigned: bool,
}

/// Writes the layers asked for (all by default) within the area (everywhere by default), the
/// archive (its projects, records and files, the bytes inside the GeoPackage) and the accounts
/// (key hashes only) to the GeoPackage `to`.
pub(crate) async fn run(
    args: ExportArgs,
    config: &ServiceConfig,
    store: &dyn Store,
    opened: &OpenedStore,
    spec: &str,
    files: Option<&undermap_store::FileStore>,
    signer: Option<undermap_service::TicketSigner>,
) -> anyhow::Result<()> {
    let ExportArgs {
        to,
        layers,
        area,
        encrypt_to,
        ..
    } = args;
    // Sealed: the copy is written in a private folder of the machine's temporary space, sealed
    // into `to`, and removed: nothing readable reaches the medium `to` is on.
    let recipients = if encrypt_to.is_empty() {
        None
    } else {
        if to.exists() {
            bail!(
                "{} exists; a sealed copy is never written over a file",
                to.display()
            );
        }
        Some(undermap::backup::sealed::recipients(&encrypt_to)?)
    };
    let staging = match &recipients {
        Some(_) => Some(undermap::backup::private_folder()?),
        None => None,
    };
    let sealed_to = to;
    let to = staging
        .as_ref()
        .map_or_else(|| sealed_to.clone(), |s| s.path().join("site.gpkg"));
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
    let target = match open_store(&to.to_string_lossy(), config, false).await? {
        OpenedStore::GeoPackage(g) => g,
        OpenedStore::Postgres(..) => bail!("--to must be a GeoPackage file"),
    };
    let report = export(
        store,
        &target,
        layers.as_ref(),
        area.as_ref(),
        &spec_for_log(spec),
    )
    .await?;
    for (layer, n) in &report.per_layer {
        println!("{layer}: {n} features");
    }
    let archive = undermap::export_archive(store, &target, files).await?;
    println!(
        "{} archive projects ({} new events), {} paper records, {} files ({:.1} MiB of bytes embedded now{})",
        archive.projects,
        archive.events,
        archive.records,
        archive.files,
        archive.bytes as f64 / 1_048_576.0,
        if archive.missing > 0 {
            format!("; {} files have no bytes in the file store", archive.missing)
        } else {
            String::new()
        }
    );
    let (accounts, keys) = export_accounts(opened.access().as_ref(), &target).await?;
    println!("{accounts} accounts and {keys} keys (hashes only) copied, revocations included");
    drop(target);
    match recipients {
        Some(recipients) => {
            let size =
                undermap::backup::seal_site_copy(&to, &recipients, &sealed_to, signer.as_ref())
                    .await?;
            println!(
                "wrote {} sealed for {} recipient(s) ({:.1} MiB); open it with `undermap restore --identity KEY --from {} --store site.gpkg`",
                sealed_to.display(),
                recipients.len(),
                size as f64 / 1_048_576.0,
                sealed_to.display()
            );
        }
        None => println!("wrote {}", to.display()),
    }
    Ok(())
}
