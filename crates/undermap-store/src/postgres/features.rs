//! Reading feature versions.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use undermap_core::{Feature, FeatureId};

use crate::record::{delivery_ids, keep_valid, versions, FeatureRecord, ATTRIBUTE_COLUMNS};
use crate::wkb::from_ewkb;
use crate::{DeliveryRef, FeatureVersion};
use crate::{Result, StoreError};

fn select(filter: &str) -> String {
    format!("SELECT ST_AsEWKB(geom) AS geom, {ATTRIBUTE_COLUMNS} FROM features WHERE {filter}")
}

pub(crate) async fn current(pool: &PgPool) -> Result<Vec<Feature>> {
    let rows: Vec<FeatureRecord> = sqlx::query_as(&select("valid_to IS NULL"))
        .fetch_all(pool)
        .await
        .map_err(StoreError::db("reading current features"))?;
    convert(rows).await
}

/// Rows to features on blocking threads (seconds of CPU at city scale).
async fn convert(rows: Vec<FeatureRecord>) -> Result<Vec<Feature>> {
    tokio::task::spawn_blocking(move || keep_valid(rows, from_ewkb))
        .await
        .map_err(|e| StoreError::Write(format!("converting rows stopped: {e}")))
}

pub(crate) async fn at(pool: &PgPool, at: DateTime<Utc>) -> Result<Vec<Feature>> {
    let rows: Vec<FeatureRecord> = sqlx::query_as(&select(
        "valid_from <= $1 AND (valid_to IS NULL OR valid_to > $1) ORDER BY feature_id",
    ))
    .bind(at)
    .fetch_all(pool)
    .await
    .map_err(StoreError::db("reading features at a date"))?;
    convert(rows).await
}

pub(crate) async fn history(pool: &PgPool, id: &FeatureId) -> Result<Vec<FeatureVersion>> {
    let rows: Vec<FeatureRecord> =
        sqlx::query_as(&select("feature_id = $1 ORDER BY valid_from, version_id"))
            .bind(id.as_str())
            .fetch_all(pool)
            .await
            .map_err(StoreError::db("reading feature history"))?;
    let deliveries: Vec<DeliveryRef> = sqlx::query_as(
        "SELECT id, source_name, sha256, source_crs, mode, loaded_by, loaded_at \
         FROM deliveries WHERE id = ANY($1)",
    )
    .bind(delivery_ids(&rows))
    .fetch_all(pool)
    .await
    .map_err(StoreError::db("reading the deliveries of a feature"))?;
    versions(rows, &deliveries, from_ewkb)
}
