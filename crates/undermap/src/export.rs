use std::collections::{BTreeMap, HashSet};

use geo::{Geometry, Intersects, MultiPolygon};
use undermap_core::{Feature, LayerId};
use undermap_store::{AccessStore, Delivery, DeliveryMode, GpkgStore, Store, StoreError};

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportReport {
    /// Features written per layer.
    pub per_layer: BTreeMap<String, usize>,
}

/// Copies the current map (optionally some layers, optionally only what intersects an area in
/// the deployment CRS) from any store into a GeoPackage, one full delivery per layer. Exporting
/// again into the same file brings it up to date and keeps what it showed before as history.
#[allow(clippy::implicit_hasher)] // the command line's set, never another hasher
pub async fn export(
    source: &dyn Store,
    target: &GpkgStore,
    layers: Option<&HashSet<LayerId>>,
    area: Option<&MultiPolygon<f64>>,
    source_name: &str,
) -> Result<ExportReport, StoreError> {
    let area = area.map(|a| Geometry::MultiPolygon(a.clone()));
    let mut by_layer: BTreeMap<LayerId, Vec<Feature>> = BTreeMap::new();
    for layer in source.layers().await? {
        if layers.is_none_or(|l| l.contains(&layer.id)) {
            by_layer.entry(layer.id).or_default();
        }
    }
    for f in source.current_features().await? {
        if area.as_ref().is_some_and(|a| !a.intersects(&f.geometry)) {
            continue;
        }
        if let Some(list) = by_layer.get_mut(&f.layer) {
            list.push(f);
        }
    }
    let mut per_layer = BTreeMap::new();
    for (layer, features) in by_layer {
        let n = features.len();
        let report = target
            .apply_delivery(Delivery {
                layer: layer.clone(),
                source_name: source_name.to_owned(),
                sha256: String::new(),
                source_crs: "deployment".into(),
                operation: "copied in the deployment CRS".into(),
                mode: DeliveryMode::Full,
                loaded_by: "export".into(),
                project_code: None,
                features,
                rejected_before_load: 0,
            })
            .await?;
        tracing::info!(layer = %layer, features = n, inserted = report.inserted, updated = report.updated, retired = report.retired, "exported");
        per_layer.insert(layer.to_string(), n);
    }
    Ok(ExportReport { per_layer })
}

/// Copies accounts and keys (their hashes) into a site copy, so that crews log in to it with
/// their usual keys, and carries revocations and disabled accounts over to keys and accounts
/// copied before. Returns (accounts, keys) in the copy.
pub async fn export_accounts(
    source: &dyn AccessStore,
    target: &GpkgStore,
) -> Result<(usize, usize), StoreError> {
    let accounts = source.accounts().await?;
    for a in &accounts {
        match target.account(&a.name).await? {
            None => target.add_account(a).await?,
            Some(copied) if copied.disabled_at != a.disabled_at => {
                target.set_disabled(&a.name, a.disabled_at).await?;
            }
            Some(_) => {}
        }
    }
    let keys = source.keys(None).await?;
    for k in &keys {
        match target.key(&k.key_id).await? {
            None => target.add_key(k).await?,
            Some(copied) if copied.revoked_at.is_none() => {
                if let Some(at) = k.revoked_at {
                    target.revoke_key(&k.key_id, at).await?;
                }
            }
            Some(_) => {}
        }
    }
    tracing::info!(
        accounts = accounts.len(),
        keys = keys.len(),
        "accounts exported"
    );
    Ok((accounts.len(), keys.len()))
}
