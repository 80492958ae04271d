//! What the benchmarks share: a fresh PostGIS database of their own, the generated county.

// Each bench uses some of these.
#![allow(dead_code)]

use undermap_store::PgStore;

/// A fresh database `name` on the server `url` names (dropped first if it is there), as a store
/// in EPSG:4545, with its URL; `None` when the server cannot be reached.
pub async fn fresh_postgis(url: &str, name: &str) -> Option<(PgStore, String)> {
    use sqlx::Connection;
    let mut admin = sqlx::PgConnection::connect(url).await.ok()?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(&mut admin)
        .await
        .ok()?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .ok()?;
    let base = url.rsplit_once('/').map_or(url, |(b, _)| b);
    let db = format!("{base}/{name}");
    let store = PgStore::connect(&db, 4545).await.ok()?;
    Some((store, db))
}

/// Delivers the generated county (seed 42, 216,508 features) into `store` layer by layer in
/// the deployment CRS, showing `each` every layer's features before they are loaded.
pub async fn deliver_county(
    store: &dyn undermap_store::Store,
    source: &str,
    mut each: impl FnMut(&str, &[undermap_core::Feature]),
) {
    for layer in undermap_synth::LAYERS {
        let features = undermap_synth::layer(42, undermap_synth::Scale::County, layer)
            .expect("generated county");
        each(layer, &features);
        store
            .apply_delivery(undermap_store::Delivery {
                layer: layer.parse().expect("layer"),
                source_name: source.into(),
                sha256: String::new(),
                source_crs: "EPSG:4545".into(),
                operation: "generated in the deployment CRS".into(),
                mode: undermap_store::DeliveryMode::Full,
                loaded_by: "bench".into(),
                project_code: None,
                features,
                rejected_before_load: 0,
            })
            .await
            .expect("county delivery");
    }
}
