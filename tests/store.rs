//! The PostGIS store: versioning, idempotent deliveries, full-delivery retirement, atomicity.

mod common;

use sqlx::PgPool;
use undermap_crs::Crs;
use undermap_ingest::{prepare_geojson, IngestOptions};
use undermap_store::{DeliveryMode, PgStore, Store, StoreError};

fn options(mode: DeliveryMode) -> IngestOptions {
    IngestOptions {
        layer: "water".parse().unwrap(),
        source_crs: None,
        deployment_crs: Crs::epsg(4545).unwrap(),
        mode,
        loaded_by: "test".into(),
    }
}

fn water() -> Vec<u8> {
    std::fs::read(common::demo_dir().join("water.geojson")).unwrap()
}

async fn versions(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM features")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrations = "../../migrations")]
async fn loading_twice_changes_nothing(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone(), 4545).await.unwrap();
    let first = store
        .apply_delivery(
            prepare_geojson(&water(), "water.geojson", &options(DeliveryMode::Full))
                .unwrap()
                .delivery,
        )
        .await
        .unwrap();
    assert_eq!(first.inserted, 48);
    let before = versions(&pool).await;
    let second = store
        .apply_delivery(
            prepare_geojson(&water(), "water.geojson", &options(DeliveryMode::Full))
                .unwrap()
                .delivery,
        )
        .await
        .unwrap();
    assert_eq!(
        (
            second.inserted,
            second.updated,
            second.unchanged,
            second.retired
        ),
        (0, 0, 48, 0)
    );
    assert_eq!(versions(&pool).await, before);
    assert_eq!(store.current_features().await.unwrap().len(), 48);
}

#[sqlx::test(migrations = "../../migrations")]
async fn a_change_closes_the_old_version_and_full_retires_the_missing(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone(), 4545).await.unwrap();
    store
        .apply_delivery(
            prepare_geojson(&water(), "water.geojson", &options(DeliveryMode::Full))
                .unwrap()
                .delivery,
        )
        .await
        .unwrap();
    let mut doc: serde_json::Value = serde_json::from_slice(&water()).unwrap();
    let features = doc["features"].as_array_mut().unwrap();
    features[0]["properties"]["material"] = "PE".into();
    let changed_id = features[0]["id"].as_str().unwrap().to_owned();
    let removed_id = features.pop().unwrap()["id"].as_str().unwrap().to_owned();
    let bytes = serde_json::to_vec(&doc).unwrap();
    let report = store
        .apply_delivery(
            prepare_geojson(&bytes, "water-v2.geojson", &options(DeliveryMode::Full))
                .unwrap()
                .delivery,
        )
        .await
        .unwrap();
    assert_eq!(
        (
            report.inserted,
            report.updated,
            report.unchanged,
            report.retired
        ),
        (0, 1, 46, 1)
    );

    let history = store
        .feature_history(&changed_id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(history.len(), 2);
    assert!(
        history[0].valid_to.is_some(),
        "old version closed, not overwritten"
    );
    assert_eq!(history[1].attrs.material.as_deref(), Some("PE"));
    assert!(history[1].valid_to.is_none());
    let retired = store
        .feature_history(&removed_id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(retired.len(), 1);
    assert!(retired[0].valid_to.is_some(), "retired, not deleted");
    assert_eq!(store.current_features().await.unwrap().len(), 47);
}

#[sqlx::test(migrations = "../../migrations")]
async fn a_failed_delivery_leaves_nothing(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone(), 4545).await.unwrap();
    let mut delivery = prepare_geojson(&water(), "water.geojson", &options(DeliveryMode::Full))
        .unwrap()
        .delivery;
    delivery.layer = "telecom".parse().unwrap();
    let err = store.apply_delivery(delivery).await.unwrap_err();
    assert!(matches!(err, StoreError::UnknownLayer(_)), "{err}");
    assert_eq!(versions(&pool).await, 0);
    let deliveries: i64 = sqlx::query_scalar("SELECT count(*) FROM deliveries")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(deliveries, 0);
}

#[sqlx::test(migrations = "../../migrations")]
async fn ids_are_not_shared_across_layers_and_a_wrong_srid_is_refused(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone(), 4545).await.unwrap();
    store
        .apply_delivery(
            prepare_geojson(&water(), "water.geojson", &options(DeliveryMode::Full))
                .unwrap()
                .delivery,
        )
        .await
        .unwrap();
    let mut gas = options(DeliveryMode::Incremental);
    gas.layer = "gas".parse().unwrap();
    let report = store
        .apply_delivery(
            prepare_geojson(&water(), "water-as-gas.geojson", &gas)
                .unwrap()
                .delivery,
        )
        .await
        .unwrap();
    assert_eq!(report.rejected.len(), 48);
    assert!(report.rejected[0].reason.contains("\"water\""));
    assert!(matches!(
        PgStore::from_pool(pool, 4490).await,
        Err(StoreError::SridMismatch {
            database: 4545,
            configured: 4490
        })
    ));
}
