use std::path::Path;

use undermap_ingest::{prepare_geojson, IngestOptions};
use undermap_service::{Service, ServiceError};
use undermap_store::DeliveryMode;

/// Loads every `<layer>.geojson` in `dir` as a full delivery of that layer. Loading is
/// idempotent, so this runs at every demo start and changes nothing the second time.
pub async fn load_demo(service: &Service, dir: &Path) -> Result<usize, DemoError> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| DemoError::Read(dir.display().to_string(), e))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "geojson"))
        .collect();
    files.sort();
    let mut loaded = 0;
    for path in files {
        let Some(layer) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        let bytes =
            std::fs::read(&path).map_err(|e| DemoError::Read(path.display().to_string(), e))?;
        let options = IngestOptions {
            layer: layer
                .parse()
                .map_err(|e: undermap_core::CoreError| DemoError::Layer(e.to_string()))?,
            source_crs: None,
            deployment_crs: service.config().deployment_crs.clone(),
            mode: DeliveryMode::Full,
            loaded_by: "demo".into(),
        };
        let name = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let prepared = prepare_geojson(&bytes, &name, &options).map_err(ServiceError::from)?;
        for r in &prepared.rejections {
            tracing::warn!(file = %r.file, record = r.record, reason = %r.reason, "demo record rejected");
        }
        let report = service.load(prepared).await?;
        loaded += report.inserted + report.updated + report.unchanged;
    }
    service.reload().await?;
    Ok(loaded)
}

/// Why the demo data could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A file or the folder could not be read.
    #[error("reading {0}: {1}")]
    Read(String, std::io::Error),
    /// A file name is not a layer id.
    #[error("demo file name is not a layer: {0}")]
    Layer(String),
    /// Loading failed.
    #[error(transparent)]
    Service(#[from] ServiceError),
}
