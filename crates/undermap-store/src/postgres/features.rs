//! Reading feature versions.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use undermap_core::{Feature, FeatureId};

use super::PgError;
use crate::record::{delivery_ids, keep_valid, versions, FeatureRecord, ATTRIBUTE_COLUMNS};
use crate::wkb::from_ewkb;
use crate::{DeliveryRef, FeatureVersion};
use crate::{Result, StoreError};

fn select(filter: &str) -> String {
    format!(
        "SELECT ST_AsEWKB(geom) AS geom, {} FROM features WHERE {filter}",
        *ATTRIBUTE_COLUMNS
    )
}

/// Every current feature, read by one thread per core over its own range of versions. The
/// threads share one snapshot (`pg_export_snapshot`), so the parts come from one state of the
/// database even while a delivery commits; each runs its own connection on its own small
/// runtime and turns rows into features as they arrive, off the server's async workers.
pub(crate) async fn current(pool: &PgPool) -> Result<Vec<Feature>> {
    let db = |what| PgError::db(what);
    // Twice the cores: the database server works on the same machine's cores for each part, so
    // while one part waits for rows another converts.
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .saturating_mul(2)
        .clamp(2, 8);
    let mut tx = pool.begin().await.map_err(db("starting to read"))?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut *tx)
        .await
        .map_err(db("starting to read"))?;
    let (snapshot, max_version): (String, i64) = sqlx::query_as(
        "SELECT pg_export_snapshot(), (SELECT coalesce(max(version_id), 0) FROM features)",
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(db("starting to read"))?;
    let options = pool.connect_options().as_ref().clone();
    let step = max_version / i64::try_from(threads).unwrap_or(1) + 1;
    let parts: Vec<_> = (0..threads)
        .map(|i| {
            let lo = step * i64::try_from(i).unwrap_or(0);
            let (options, snapshot) = (options.clone(), snapshot.clone());
            tokio::task::spawn_blocking(move || read_part(&options, &snapshot, lo, lo + step))
        })
        .collect();
    let mut out = Vec::new();
    for part in parts {
        let part = part
            .await
            .map_err(|e| StoreError::Write(format!("reading features stopped: {e}")))?;
        out.extend(part?);
    }
    // The exporting transaction must outlive the readers that imported its snapshot.
    tx.rollback().await.map_err(db("finishing the read"))?;
    Ok(out)
}

fn read_part(
    options: &sqlx::postgres::PgConnectOptions,
    snapshot: &str,
    lo: i64,
    hi: i64,
) -> Result<Vec<Feature>> {
    use futures_util::TryStreamExt;
    use sqlx::Connection;
    let db = |what| PgError::db(what);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| StoreError::Write(format!("reading features: {e}")))?;
    runtime.block_on(async {
        let mut conn = sqlx::PgConnection::connect_with(options)
            .await
            .map_err(db("connecting to read"))?;
        sqlx::query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .execute(&mut conn)
            .await
            .map_err(db("starting to read"))?;
        sqlx::query(&format!(
            "SET TRANSACTION SNAPSHOT '{}'",
            snapshot.replace('\'', "")
        ))
        .execute(&mut conn)
        .await
        .map_err(db("sharing the read snapshot"))?;
        let sql = select("valid_to IS NULL AND version_id > $1 AND version_id <= $2");
        let mut rows = sqlx::query_as::<_, FeatureRecord>(&sql)
            .bind(lo)
            .bind(hi)
            .fetch(&mut conn);
        let mut out = Vec::new();
        while let Some(row) = rows
            .try_next()
            .await
            .map_err(db("reading current features"))?
        {
            match row.into_feature(from_ewkb) {
                Ok(f) => out.push(f),
                Err(e) => tracing::error!(error = %e, "stored feature left out of the index"),
            }
        }
        drop(rows);
        let _ = conn.close().await;
        Ok(out)
    })
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
    .map_err(PgError::db("reading features at a date"))?;
    convert(rows).await
}

pub(crate) async fn history(pool: &PgPool, id: &FeatureId) -> Result<Vec<FeatureVersion>> {
    let rows: Vec<FeatureRecord> =
        sqlx::query_as(&select("feature_id = $1 ORDER BY valid_from, version_id"))
            .bind(id.as_str())
            .fetch_all(pool)
            .await
            .map_err(PgError::db("reading feature history"))?;
    let deliveries: Vec<DeliveryRef> = sqlx::query_as(
        "SELECT id, source_name, sha256, source_crs, mode, loaded_by, loaded_at, operation \
         FROM deliveries WHERE id = ANY($1)",
    )
    .bind(delivery_ids(&rows))
    .fetch_all(pool)
    .await
    .map_err(PgError::db("reading the deliveries of a feature"))?;
    versions(rows, &deliveries, from_ewkb)
}
