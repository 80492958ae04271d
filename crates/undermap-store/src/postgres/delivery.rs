//! Loading a delivery: one transaction, batched inserts, versioning instead of overwriting.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};
use undermap_core::Feature;

use crate::plan::{plan, Plan};
use crate::record::RowValues;
use crate::wkb::to_ewkb;
use crate::{Delivery, DeliveryMode, DeliveryReport, Result, StoreError};

/// Rows formatted per `COPY` batch sent to the server.
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
    if !to_write.is_empty() {
        copy_versions(&mut tx, srid, delivery_id, now, &to_write).await?;
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

/// Writes new versions with one `COPY … FROM STDIN` (text format) inside the delivery's
/// transaction, so a failure leaves nothing behind. Rows go out in batches: the next batch is
/// formatted while the server is still taking in the last one.
async fn copy_versions(
    tx: &mut Transaction<'_, Postgres>,
    srid: i32,
    delivery_id: i64,
    now: DateTime<Utc>,
    rows: &[(&Feature, String)],
) -> Result<()> {
    let mut copy = tx
        .copy_in_raw(
            "COPY features (feature_id, layer_id, kind, geom, owner_name, owner_contact, material, \
                diameter_mm, section, pressure_class, voltage_kv, depth_top_m, depth_bottom_m, depth_method, \
                accuracy_h_m, accuracy_v_m, survey_date, status, archive_ref, attributes, content_hash, \
                delivery_id, valid_from) FROM STDIN",
        )
        .await
        .map_err(StoreError::db("starting to copy feature versions"))?;
    let delivery = delivery_id.to_string();
    let now = now.to_rfc3339();
    for batch in rows.chunks(BATCH) {
        let sent = match copy_text(batch, srid, &delivery, &now) {
            Ok(text) => copy
                .send(text.into_bytes())
                .await
                .map_err(StoreError::db("copying feature versions")),
            Err(e) => Err(e),
        };
        if let Err(e) = sent {
            let _ = copy.abort("a batch could not be written").await;
            return Err(e);
        }
    }
    copy.finish()
        .await
        .map_err(StoreError::db("copying feature versions"))?;
    Ok(())
}

/// One batch of rows in `COPY` text format.
fn copy_text(rows: &[(&Feature, String)], srid: i32, delivery: &str, now: &str) -> Result<String> {
    let mut buffer = String::with_capacity(rows.len() * 600);
    for (f, hash) in rows {
        let ewkb = to_ewkb(&f.geometry, srid).map_err(|reason| StoreError::Corrupt {
            id: f.id.to_string(),
            reason,
        })?;
        let r = RowValues::from(*f);
        let mut row = CopyRow(&mut buffer);
        row.text(Some(&r.feature_id));
        row.text(Some(&r.layer_id));
        row.text(Some(&r.kind));
        row.raw(&hex::encode(ewkb));
        row.text(r.owner_name.as_deref());
        row.text(r.owner_contact.as_deref());
        row.text(r.material.as_deref());
        row.number(r.diameter_mm);
        row.text(r.section.as_deref());
        row.text(r.pressure_class.as_deref());
        row.number(r.voltage_kv);
        row.number(r.depth_top_m);
        row.number(r.depth_bottom_m);
        row.text(r.depth_method.as_deref());
        row.number(r.accuracy_h_m);
        row.number(r.accuracy_v_m);
        row.text(r.survey_date.map(|d| d.format("%F").to_string()).as_deref());
        row.text(Some(&r.status));
        row.text(r.archive_ref.as_deref());
        row.text(Some(&r.attributes.to_string()));
        row.text(Some(hash));
        row.raw(delivery);
        row.raw(now);
        row.end();
    }
    Ok(buffer)
}

/// One row of `COPY` text format: tab-separated, `\N` for NULL, backslash escapes.
struct CopyRow<'a>(&'a mut String);

impl CopyRow<'_> {
    fn sep(&mut self) {
        if !self.0.is_empty() && !self.0.ends_with('\n') {
            self.0.push('\t');
        }
    }

    fn raw(&mut self, value: &str) {
        self.sep();
        self.0.push_str(value);
    }

    fn text(&mut self, value: Option<&str>) {
        self.sep();
        match value {
            None => self.0.push_str("\\N"),
            Some(v) => {
                for c in v.chars() {
                    match c {
                        '\\' => self.0.push_str("\\\\"),
                        '\t' => self.0.push_str("\\t"),
                        '\n' => self.0.push_str("\\n"),
                        '\r' => self.0.push_str("\\r"),
                        c => self.0.push(c),
                    }
                }
            }
        }
    }

    fn number(&mut self, value: Option<f64>) {
        self.sep();
        match value {
            None => self.0.push_str("\\N"),
            Some(v) => {
                use std::fmt::Write;
                let _ = write!(self.0, "{v:?}");
            }
        }
    }

    fn end(self) {
        self.0.push('\n');
    }
}
