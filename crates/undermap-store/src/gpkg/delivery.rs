//! Loading a delivery into the GeoPackage: one write transaction, versions never overwritten, the
//! R-tree and the `gpkg_contents` extents kept current.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use geo::BoundingRect;
use sqlx::{SqliteConnection, SqlitePool};

use super::to_gpkg;
use crate::plan::{plan, Plan};
use crate::record::RowValues;
use crate::{Delivery, DeliveryMode, DeliveryReport, Result, StoreError};

pub(crate) async fn apply(
    pool: &SqlitePool,
    srid: i32,
    delivery: Delivery,
) -> Result<DeliveryReport> {
    let db = |what| StoreError::db(what);
    let mut conn = pool.acquire().await.map_err(db("opening a connection"))?;
    // IMMEDIATE takes the write lock now, so two deliveries never interleave.
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut *conn)
        .await
        .map_err(db("starting a delivery"))?;
    let result = apply_in(&mut conn, srid, &delivery).await;
    let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
    let ended = sqlx::query(end).execute(&mut *conn).await;
    let report = result?;
    ended.map_err(db("committing the delivery"))?;
    report.log("geopackage");
    Ok(report)
}

async fn apply_in(
    conn: &mut SqliteConnection,
    srid: i32,
    delivery: &Delivery,
) -> Result<DeliveryReport> {
    let db = |what| StoreError::db(what);
    let layer_known: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM undermap_layers WHERE id = ?)")
            .bind(delivery.layer.as_str())
            .fetch_one(&mut *conn)
            .await
            .map_err(db("checking the layer"))?;
    if !layer_known {
        return Err(StoreError::UnknownLayer(delivery.layer.to_string()));
    }
    let now = Utc::now();
    let delivery_id: i64 = sqlx::query_scalar(
        "INSERT INTO undermap_deliveries (layer_id, source_name, sha256, source_crs, mode, loaded_by, loaded_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(delivery.layer.as_str())
    .bind(&delivery.source_name)
    .bind(&delivery.sha256)
    .bind(&delivery.source_crs)
    .bind(delivery.mode.as_str())
    .bind(&delivery.loaded_by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(db("recording the delivery"))?;

    let current: HashMap<String, (String, String)> = sqlx::query_as::<_, (String, String, String)>(
        "SELECT feature_id, layer_id, content_hash FROM features WHERE valid_to IS NULL",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(db("reading current versions"))?
    .into_iter()
    .map(|(id, layer, hash)| (id, (layer, hash)))
    .collect();
    let Plan {
        to_write,
        to_close,
        seen,
        mut report,
    } = plan(&delivery.layer, &delivery.features, &current, delivery_id);

    for id in &to_close {
        sqlx::query("UPDATE features SET valid_to = ? WHERE valid_to IS NULL AND feature_id = ?")
            .bind(now)
            .bind(id)
            .execute(&mut *conn)
            .await
            .map_err(db("closing replaced versions"))?;
    }
    for (feature, hash) in &to_write {
        let geom = to_gpkg(&feature.geometry, srid).map_err(|reason| StoreError::Corrupt {
            id: feature.id.to_string(),
            reason,
        })?;
        let r = RowValues::from(*feature);
        let fid: i64 = sqlx::query_scalar(
            "INSERT INTO features (geom, feature_id, layer_id, kind, owner_name, owner_contact, material, \
                diameter_mm, section, pressure_class, voltage_kv, depth_top_m, depth_bottom_m, depth_method, \
                accuracy_h_m, accuracy_v_m, survey_date, status, archive_ref, attributes, content_hash, \
                delivery_id, valid_from) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING fid",
        )
        .bind(geom)
        .bind(r.feature_id)
        .bind(r.layer_id)
        .bind(r.kind)
        .bind(r.owner_name)
        .bind(r.owner_contact)
        .bind(r.material)
        .bind(r.diameter_mm)
        .bind(r.section)
        .bind(r.pressure_class)
        .bind(r.voltage_kv)
        .bind(r.depth_top_m)
        .bind(r.depth_bottom_m)
        .bind(r.depth_method)
        .bind(r.accuracy_h_m)
        .bind(r.accuracy_v_m)
        .bind(r.survey_date)
        .bind(r.status)
        .bind(r.archive_ref)
        .bind(sqlx::types::Json(r.attributes))
        .bind(hash)
        .bind(delivery_id)
        .bind(now)
        .fetch_one(&mut *conn)
        .await
        .map_err(db("inserting a feature version"))?;
        if let Some(b) = feature.geometry.bounding_rect() {
            sqlx::query("INSERT INTO rtree_features_geom VALUES (?, ?, ?, ?, ?)")
                .bind(fid)
                .bind(b.min().x)
                .bind(b.max().x)
                .bind(b.min().y)
                .bind(b.max().y)
                .execute(&mut *conn)
                .await
                .map_err(db("indexing a feature version"))?;
        }
    }
    if delivery.mode == DeliveryMode::Full {
        let in_layer: Vec<String> = current
            .iter()
            .filter(|(_, (layer, _))| layer == delivery.layer.as_str())
            .map(|(id, _)| id.clone())
            .collect();
        let seen: &HashSet<String> = &seen;
        for id in in_layer.iter().filter(|id| !seen.contains(*id)) {
            sqlx::query(
                "UPDATE features SET valid_to = ? WHERE valid_to IS NULL AND feature_id = ?",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *conn)
            .await
            .map_err(db("retiring features missing from a full delivery"))?;
            report.retired += 1;
        }
    }
    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    sqlx::query(
        "UPDATE undermap_deliveries SET inserted = ?, updated = ?, unchanged = ?, retired = ?, rejected = ? \
         WHERE id = ?",
    )
    .bind(count(report.inserted))
    .bind(count(report.updated))
    .bind(count(report.unchanged))
    .bind(count(report.retired))
    .bind(count(report.rejected.len() + delivery.rejected_before_load))
    .bind(delivery_id)
    .execute(&mut *conn)
    .await
    .map_err(db("recording the delivery's counts"))?;
    if report.changed_anything() {
        refresh_extents(conn, delivery.layer.as_str()).await?;
    }
    Ok(report)
}

/// Sets `gpkg_contents` extents and `last_change` of the versions table and of the layer's view.
async fn refresh_extents(conn: &mut SqliteConnection, layer: &str) -> Result<()> {
    let db = |what| StoreError::db(what);
    let stamp = Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    for (table, filter) in [
        ("features", "1 = 1"),
        (layer, "f.layer_id = ? AND f.valid_to IS NULL"),
    ] {
        let sql = format!(
            "UPDATE gpkg_contents SET last_change = ?, \
               (min_x, max_x, min_y, max_y) = (SELECT min(r.minx), max(r.maxx), min(r.miny), max(r.maxy) \
                FROM rtree_features_geom r JOIN features f ON f.fid = r.id WHERE {filter}) \
             WHERE table_name = ?"
        );
        let mut q = sqlx::query(&sql).bind(&stamp);
        if table == layer {
            q = q.bind(layer);
        }
        q.bind(table)
            .execute(&mut *conn)
            .await
            .map_err(db("updating layer extents"))?;
    }
    Ok(())
}
