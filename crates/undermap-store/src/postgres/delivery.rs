//! Loading a delivery: one transaction, batched inserts, versioning instead of overwriting.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgPool, Postgres, Transaction};
use undermap_core::Feature;

use crate::wkb::to_ewkb;
use crate::{Delivery, DeliveryMode, DeliveryReport, Result, StoreError, StoreRejection};

/// Rows per INSERT … SELECT FROM UNNEST: one round trip with 23 array parameters.
const BATCH: usize = 5_000;

/// Channel on which a finished delivery is announced, so every server rebuilds its index.
pub const CHANGES_CHANNEL: &str = "undermap_changes";

pub(crate) async fn apply(pool: &PgPool, srid: i32, delivery: Delivery) -> Result<DeliveryReport> {
    let mut tx = pool
        .begin()
        .await
        .map_err(StoreError::db("starting a delivery"))?;
    // Deliveries are serialised: two loads of the same layer must not interleave their versions.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('undermap-delivery'))")
        .execute(&mut *tx)
        .await
        .map_err(StoreError::db("waiting for other deliveries"))?;
    let layer_known: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM layers WHERE id = $1)")
            .bind(delivery.layer.as_str())
            .fetch_one(&mut *tx)
            .await
            .map_err(StoreError::db("checking the layer"))?;
    if !layer_known {
        return Err(StoreError::UnknownLayer(delivery.layer.to_string()));
    }
    let now: DateTime<Utc> = sqlx::query_scalar("SELECT now()")
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::db("reading the clock"))?;
    let delivery_id: i64 = sqlx::query_scalar(
        "INSERT INTO deliveries (layer_id, source_name, sha256, source_crs, mode, loaded_by, loaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(delivery.layer.as_str())
    .bind(&delivery.source_name)
    .bind(&delivery.sha256)
    .bind(&delivery.source_crs)
    .bind(delivery.mode.as_str())
    .bind(&delivery.loaded_by)
    .bind(now)
    .fetch_one(&mut *tx)
    .await
    .map_err(StoreError::db("recording the delivery"))?;

    let ids: Vec<String> = delivery.features.iter().map(|f| f.id.to_string()).collect();
    let current: HashMap<String, (String, String)> = sqlx::query_as::<_, (String, String, String)>(
        "SELECT feature_id, layer_id, content_hash FROM features \
         WHERE valid_to IS NULL AND feature_id = ANY($1)",
    )
    .bind(&ids)
    .fetch_all(&mut *tx)
    .await
    .map_err(StoreError::db("reading current versions"))?
    .into_iter()
    .map(|(id, layer, hash)| (id, (layer, hash)))
    .collect();

    let mut report = DeliveryReport {
        delivery_id,
        ..DeliveryReport::default()
    };
    let mut seen = HashSet::new();
    let mut to_write: Vec<(&Feature, String)> = Vec::new();
    let mut to_close: Vec<String> = Vec::new();
    for feature in &delivery.features {
        let id = feature.id.to_string();
        if !seen.insert(id.clone()) {
            report.rejected.push(StoreRejection {
                id: feature.id.clone(),
                reason: "the id appears more than once in this delivery; the first one was loaded"
                    .into(),
            });
            continue;
        }
        let hash = feature.content_hash();
        match current.get(&id) {
            Some((layer, _)) if layer != delivery.layer.as_str() => {
                report.rejected.push(StoreRejection {
                    id: feature.id.clone(),
                    reason: format!("the id belongs to a feature of layer {layer:?}"),
                });
            }
            Some((_, old)) if *old == hash => report.unchanged += 1,
            Some(_) => {
                report.updated += 1;
                to_close.push(id);
                to_write.push((feature, hash));
            }
            None => {
                report.inserted += 1;
                to_write.push((feature, hash));
            }
        }
    }

    sqlx::query(
        "UPDATE features SET valid_to = $2 WHERE valid_to IS NULL AND feature_id = ANY($1)",
    )
    .bind(&to_close)
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(StoreError::db("closing replaced versions"))?;
    for chunk in to_write.chunks(BATCH) {
        insert_batch(&mut tx, srid, delivery_id, now, chunk).await?;
    }
    if delivery.mode == DeliveryMode::Full {
        let all: Vec<String> = seen.into_iter().collect();
        let retired = sqlx::query(
            "UPDATE features SET valid_to = $3 \
             WHERE valid_to IS NULL AND layer_id = $1 AND NOT (feature_id = ANY($2))",
        )
        .bind(delivery.layer.as_str())
        .bind(&all)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::db(
            "retiring features missing from a full delivery",
        ))?;
        report.retired = usize::try_from(retired.rows_affected()).unwrap_or(usize::MAX);
    }
    let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    sqlx::query(
        "UPDATE deliveries SET inserted = $2, updated = $3, unchanged = $4, retired = $5, rejected = $6 \
         WHERE id = $1",
    )
    .bind(delivery_id)
    .bind(count(report.inserted))
    .bind(count(report.updated))
    .bind(count(report.unchanged))
    .bind(count(report.retired))
    .bind(count(report.rejected.len() + delivery.rejected_before_load))
    .execute(&mut *tx)
    .await
    .map_err(StoreError::db("recording the delivery's counts"))?;
    if report.changed_anything() {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANGES_CHANNEL)
            .bind(delivery_id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(StoreError::db("announcing the change"))?;
    }
    tx.commit()
        .await
        .map_err(StoreError::db("committing the delivery"))?;
    tracing::info!(
        delivery_id,
        inserted = report.inserted,
        updated = report.updated,
        unchanged = report.unchanged,
        retired = report.retired,
        rejected = report.rejected.len(),
        "delivery loaded"
    );
    Ok(report)
}

#[derive(Default)]
struct Columns {
    feature_id: Vec<String>,
    layer_id: Vec<String>,
    kind: Vec<String>,
    geom: Vec<Vec<u8>>,
    owner_name: Vec<Option<String>>,
    owner_contact: Vec<Option<String>>,
    material: Vec<Option<String>>,
    diameter_mm: Vec<Option<f64>>,
    section: Vec<Option<String>>,
    pressure_class: Vec<Option<String>>,
    voltage_kv: Vec<Option<f64>>,
    depth_top_m: Vec<Option<f64>>,
    depth_bottom_m: Vec<Option<f64>>,
    depth_method: Vec<Option<String>>,
    accuracy_h_m: Vec<Option<f64>>,
    accuracy_v_m: Vec<Option<f64>>,
    survey_date: Vec<Option<NaiveDate>>,
    status: Vec<String>,
    archive_ref: Vec<Option<String>>,
    attributes: Vec<serde_json::Value>,
    content_hash: Vec<String>,
}

async fn insert_batch(
    tx: &mut Transaction<'_, Postgres>,
    srid: i32,
    delivery_id: i64,
    now: DateTime<Utc>,
    rows: &[(&Feature, String)],
) -> Result<()> {
    let mut c = Columns::default();
    for (f, hash) in rows {
        let a = &f.attrs;
        c.feature_id.push(f.id.to_string());
        c.layer_id.push(f.layer.to_string());
        c.kind.push(f.kind.as_str().to_owned());
        c.geom.push(
            to_ewkb(&f.geometry, srid).map_err(|reason| StoreError::Corrupt {
                id: f.id.to_string(),
                reason,
            })?,
        );
        c.owner_name.push(a.owner.as_ref().map(|o| o.name.clone()));
        c.owner_contact
            .push(a.owner.as_ref().and_then(|o| o.contact.clone()));
        c.material.push(a.material.clone());
        c.diameter_mm.push(a.diameter_mm);
        c.section.push(a.section.clone());
        c.pressure_class
            .push(a.pressure_class.map(|p| p.as_str().to_owned()));
        c.voltage_kv.push(a.voltage_kv);
        c.depth_top_m.push(a.depth_top_m.map(f64::from));
        c.depth_bottom_m.push(a.depth_bottom_m.map(f64::from));
        c.depth_method
            .push(a.depth_method.map(|m| m.as_str().to_owned()));
        c.accuracy_h_m.push(a.accuracy_h_m.map(f64::from));
        c.accuracy_v_m.push(a.accuracy_v_m.map(f64::from));
        c.survey_date.push(a.survey_date);
        c.status.push(a.status.as_str().to_owned());
        c.archive_ref.push(a.archive_ref.clone());
        c.attributes
            .push(serde_json::Value::Object(a.extra.clone()));
        c.content_hash.push(hash.clone());
    }
    sqlx::query(
        "INSERT INTO features (feature_id, layer_id, kind, geom, owner_name, owner_contact, material, \
            diameter_mm, section, pressure_class, voltage_kv, depth_top_m, depth_bottom_m, depth_method, \
            accuracy_h_m, accuracy_v_m, survey_date, status, archive_ref, attributes, content_hash, \
            delivery_id, valid_from) \
         SELECT u.feature_id, u.layer_id, u.kind, ST_GeomFromEWKB(u.geom), u.owner_name, u.owner_contact, \
            u.material, u.diameter_mm, u.section, u.pressure_class, u.voltage_kv, u.depth_top_m, \
            u.depth_bottom_m, u.depth_method, u.accuracy_h_m, u.accuracy_v_m, u.survey_date, u.status, \
            u.archive_ref, u.attributes, u.content_hash, $22, $23 \
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::bytea[], $5::text[], $6::text[], $7::text[], \
            $8::float8[], $9::text[], $10::text[], $11::float8[], $12::float8[], $13::float8[], $14::text[], \
            $15::float8[], $16::float8[], $17::date[], $18::text[], $19::text[], $20::jsonb[], $21::text[]) \
            AS u(feature_id, layer_id, kind, geom, owner_name, owner_contact, material, diameter_mm, section, \
            pressure_class, voltage_kv, depth_top_m, depth_bottom_m, depth_method, accuracy_h_m, \
            accuracy_v_m, survey_date, status, archive_ref, attributes, content_hash)",
    )
    .bind(&c.feature_id)
    .bind(&c.layer_id)
    .bind(&c.kind)
    .bind(&c.geom)
    .bind(&c.owner_name)
    .bind(&c.owner_contact)
    .bind(&c.material)
    .bind(&c.diameter_mm)
    .bind(&c.section)
    .bind(&c.pressure_class)
    .bind(&c.voltage_kv)
    .bind(&c.depth_top_m)
    .bind(&c.depth_bottom_m)
    .bind(&c.depth_method)
    .bind(&c.accuracy_h_m)
    .bind(&c.accuracy_v_m)
    .bind(&c.survey_date)
    .bind(&c.status)
    .bind(&c.archive_ref)
    .bind(&c.attributes)
    .bind(&c.content_hash)
    .bind(delivery_id)
    .bind(now)
    .execute(&mut **tx)
    .await
    .map_err(StoreError::db("inserting feature versions"))?;
    Ok(())
}
