//! Loading a delivery: one transaction, batched inserts, versioning instead of overwriting.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgPool, Postgres, Transaction};
use undermap_core::Feature;

use crate::plan::{plan, Plan};
use crate::record::RowValues;
use crate::wkb::to_ewkb;
use crate::{Delivery, DeliveryMode, DeliveryReport, Result, StoreError};

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

    let Plan {
        to_write,
        to_close,
        seen,
        mut report,
    } = plan(&delivery.layer, &delivery.features, &current, delivery_id);

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
    report.log("postgis");
    Ok(report)
}

async fn insert_batch(
    tx: &mut Transaction<'_, Postgres>,
    srid: i32,
    delivery_id: i64,
    now: DateTime<Utc>,
    rows: &[(&Feature, String)],
) -> Result<()> {
    let mut c = Columns::with_capacity(rows.len());
    for (f, hash) in rows {
        c.geom.push(
            to_ewkb(&f.geometry, srid).map_err(|reason| StoreError::Corrupt {
                id: f.id.to_string(),
                reason,
            })?,
        );
        c.content_hash.push(hash.clone());
        c.push(RowValues::from(*f));
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

/// The delivery's rows as one array per column, for `UNNEST`.
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

impl Columns {
    fn with_capacity(n: usize) -> Self {
        Self {
            feature_id: Vec::with_capacity(n),
            geom: Vec::with_capacity(n),
            ..Self::default()
        }
    }

    fn push(&mut self, r: RowValues) {
        self.feature_id.push(r.feature_id);
        self.layer_id.push(r.layer_id);
        self.kind.push(r.kind);
        self.owner_name.push(r.owner_name);
        self.owner_contact.push(r.owner_contact);
        self.material.push(r.material);
        self.diameter_mm.push(r.diameter_mm);
        self.section.push(r.section);
        self.pressure_class.push(r.pressure_class);
        self.voltage_kv.push(r.voltage_kv);
        self.depth_top_m.push(r.depth_top_m);
        self.depth_bottom_m.push(r.depth_bottom_m);
        self.depth_method.push(r.depth_method);
        self.accuracy_h_m.push(r.accuracy_h_m);
        self.accuracy_v_m.push(r.accuracy_v_m);
        self.survey_date.push(r.survey_date);
        self.status.push(r.status);
        self.archive_ref.push(r.archive_ref);
        self.attributes.push(r.attributes);
    }
}
