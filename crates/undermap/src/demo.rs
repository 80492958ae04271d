use std::path::Path;

use undermap_ingest::IngestOptions;
use undermap_service::{deliver, DeliveryRequest, Service, ServiceError};
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
        let department = crate::departments::for_layer(layer)
            .ok_or_else(|| DemoError::Layer(layer.to_owned()))?;
        let request = DeliveryRequest {
            files: vec![path.clone()],
            department,
            options: IngestOptions::new(
                service.config().deployment_crs.clone(),
                DeliveryMode::Full,
                "demo",
            ),
            strict: undermap_ingest::Strictness::default(),
        };
        let summary = deliver(service.store(), request, Box::new(|_| {})).await?;
        for r in &summary.rejections {
            tracing::warn!(file = %r.file, record = r.record, reason = %r.reason, "demo record rejected");
        }
        loaded += summary.inserted + summary.updated + summary.unchanged;
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
    /// A file name is not the layer of a known department.
    #[error("demo file name is not the layer of a known department: {0}")]
    Layer(String),
    /// Loading failed.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// The demo's accounts: one per built-in role, named `demo-<role>`, each with a fresh key at
/// every start (the previous demo keys are revoked). For trying undermap only.
pub async fn demo_accounts(
    auth: &undermap_auth::Authenticator,
) -> Result<Vec<(String, String)>, undermap_auth::AuthError> {
    let mut keys = Vec::new();
    let roles: Vec<String> = undermap_auth::Roles::builtin().into_keys().collect();
    for role in roles {
        let name = format!("demo-{role}");
        if auth.store().account(&name).await?.is_none() {
            auth.add_account(undermap_auth::NewAccount {
                name: name.clone(),
                role: role.clone(),
                layers: None,
                service: false,
                full_name: Some(format!("Demo {role} (not for production)")),
                unit_code: None,
            })
            .await?;
        }
        for old in auth.keys(Some(&name)).await? {
            if old.revoked_at.is_none() {
                auth.revoke_key(&old.key_id).await?;
            }
        }
        let issued = auth
            .create_key(&name, Some("demo".into()), Some(30))
            .await?;
        keys.push((name, issued.key));
    }
    Ok(keys)
}
