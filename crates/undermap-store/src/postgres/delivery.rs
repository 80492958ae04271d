//! Loading a delivery: one transaction, batched inserts, versioning instead of overwriting.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};
use undermap_core::Feature;

use super::PgError;
use crate::plan::plan_chunk;
use crate::record::RowValues;
use crate::wkb::to_ewkb;
use crate::{Delivery, DeliveryMode, DeliveryReport, Result, StoreError};

/// Rows formatted per `COPY` batch sent to the server.
const BATCH: usize = 5_000;

/// Channel on which a finished delivery is announced, so every server rebuilds its index.
pub const CHANGES_CHANNEL: &str = "undermap_changes";

pub(crate) async fn apply(pool: &PgPool, srid: i32, delivery: Delivery) -> Result<DeliveryReport> {
    let mut delivery = delivery;
    let features = std::mem::take(&mut delivery.features);
    let rejected = delivery.rejected_before_load;
    let (chunks, arriving) = tokio::sync::mpsc::channel(1);
    let (tail, tail_arriving) = tokio::sync::oneshot::channel();
    // Capacity 1 holds the one chunk; the receiver sees the end once the sender is dropped.
    let _ = chunks.send(features).await;
    drop(chunks);
    let _ = tail.send(rejected);
    apply_streamed(pool, srid, delivery, arriving, tail_arriving).await
}

/// Loads a delivery whose features arrive in chunks while the files are still being read: each
/// chunk is planned against the current versions (ids seen in earlier chunks count as
/// duplicates) and copied at once, all in one transaction that commits only after `tail` says
/// how many records validation rejected. If the chunks stop without a tail (the reader failed),
/// the transaction is rolled back and nothing is left behind.
pub(crate) async fn apply_streamed(
    pool: &PgPool,
    srid: i32,
    header: Delivery,
    mut chunks: tokio::sync::mpsc::Receiver<Vec<Feature>>,
    tail: tokio::sync::oneshot::Receiver<usize>,
) -> Result<DeliveryReport> {
    let mut tx = pool
        .begin()
        .await
        .map_err(PgError::db("starting a delivery"))?;
    // Deliveries of one layer are serialised: two loads of the same layer must not interleave
    // their versions. Different layers load side by side (a county's first loads run in parallel);
    // a feature id claimed by two layers at once is caught by the unique index on current ids.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('undermap-delivery:' || $1))")
        .bind(header.layer.as_str())
        .execute(&mut *tx)
        .await
        .map_err(PgError::db("waiting for other deliveries"))?;
    let layer_known: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM layers WHERE id = $1)")
            .bind(header.layer.as_str())
            .fetch_one(&mut *tx)
            .await
            .map_err(PgError::db("checking the layer"))?;
    if !layer_known {
        return Err(StoreError::UnknownLayer(header.layer.to_string()));
    }
    let now: DateTime<Utc> = sqlx::query_scalar("SELECT now()")
        .fetch_one(&mut *tx)
        .await
        .map_err(PgError::db("reading the clock"))?;
    let delivery_id: i64 = sqlx::query_scalar(
        "INSERT INTO deliveries (layer_id, source_name, sha256, source_crs, mode, loaded_by, loaded_at, operation, project_code) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(header.layer.as_str())
    .bind(&header.source_name)
    .bind(&header.sha256)
    .bind(&header.source_crs)
    .bind(header.mode.as_str())
    .bind(&header.loaded_by)
    .bind(now)
    .bind(&header.operation)
    .bind(&header.project_code)
    .fetch_one(&mut *tx)
    .await
    .map_err(PgError::db("recording the delivery"))?;

    let mut seen = HashSet::new();
    let mut report = DeliveryReport {
        delivery_id,
        ..DeliveryReport::default()
    };
    while let Some(chunk) = chunks.recv().await {
        for part in chunk.chunks(BATCH) {
            load_chunk(
                &mut tx,
                srid,
                &header,
                delivery_id,
                now,
                part,
                &mut seen,
                &mut report,
            )
            .await?;
        }
    }
    let rejected_before_load = tail
        .await
        .map_err(|_| StoreError::Write("reading the delivery failed; nothing was loaded".into()))?;
    if header.mode == DeliveryMode::Full {
        let all: Vec<String> = seen.into_iter().collect();
        let retired = sqlx::query(
            "UPDATE features SET valid_to = $3 \
             WHERE valid_to IS NULL AND layer_id = $1 AND NOT (feature_id = ANY($2))",
        )
        .bind(header.layer.as_str())
        .bind(&all)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(PgError::db(
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
    .bind(count(report.rejected.len() + rejected_before_load))
    .execute(&mut *tx)
    .await
    .map_err(PgError::db("recording the delivery's counts"))?;
    if report.changed_anything() {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANGES_CHANNEL)
            .bind(delivery_id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(PgError::db("announcing the change"))?;
    }
    tx.commit()
        .await
        .map_err(PgError::db("committing the delivery"))?;
    report.log("postgis");
    Ok(report)
}

/// Plans and writes one chunk: reads the current versions of its ids, closes the replaced ones
/// and copies the new versions.
#[allow(clippy::too_many_arguments)]
async fn load_chunk(
    tx: &mut Transaction<'_, Postgres>,
    srid: i32,
    header: &Delivery,
    delivery_id: i64,
    now: DateTime<Utc>,
    features: &[Feature],
    seen: &mut HashSet<String>,
    report: &mut DeliveryReport,
) -> Result<()> {
    let ids: Vec<String> = features.iter().map(|f| f.id.to_string()).collect();
    let current: HashMap<String, (String, String)> = sqlx::query_as::<_, (String, String, String)>(
        "SELECT feature_id, layer_id, content_hash FROM features \
         WHERE valid_to IS NULL AND feature_id = ANY($1)",
    )
    .bind(&ids)
    .fetch_all(&mut **tx)
    .await
    .map_err(PgError::db("reading current versions"))?
    .into_iter()
    .map(|(id, layer, hash)| (id, (layer, hash)))
    .collect();
    let (to_write, to_close) = plan_chunk(&header.layer, features, &current, seen, report);
    if !to_close.is_empty() {
        sqlx::query(
            "UPDATE features SET valid_to = $2 WHERE valid_to IS NULL AND feature_id = ANY($1)",
        )
        .bind(&to_close)
        .bind(now)
        .execute(&mut **tx)
        .await
        .map_err(PgError::db("closing replaced versions"))?;
    }
    if !to_write.is_empty() {
        copy_versions(tx, srid, delivery_id, now, &to_write).await?;
    }
    Ok(())
}

/// Writes new versions with one binary `COPY … FROM STDIN` inside the delivery's transaction, so
/// a failure leaves nothing behind. Binary: geometry goes as EWKB and numbers as numbers, so the
/// server parses no text. Rows go out in batches: the next batch is encoded while the server is
/// still taking in the last one.
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
                delivery_id, valid_from) FROM STDIN (FORMAT binary)",
        )
        .await
        .map_err(PgError::db("starting to copy feature versions"))?;
    let mut first = true;
    for batch in rows.chunks(BATCH) {
        let mut buffer = Vec::with_capacity(batch.len() * 500 + 32);
        if first {
            // Signature, flags, header extension length.
            buffer.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
            buffer.extend_from_slice(&0_i32.to_be_bytes());
            buffer.extend_from_slice(&0_i32.to_be_bytes());
            first = false;
        }
        let sent = match copy_binary(&mut buffer, batch, srid, delivery_id, now) {
            Ok(()) => copy
                .send(buffer)
                .await
                .map_err(PgError::db("copying feature versions")),
            Err(e) => Err(e),
        };
        if let Err(e) = sent {
            let _ = copy.abort("a batch could not be written").await;
            return Err(e);
        }
    }
    copy.send((-1_i16).to_be_bytes().as_slice())
        .await
        .map_err(PgError::db("copying feature versions"))?;
    copy.finish()
        .await
        .map_err(PgError::db("copying feature versions"))?;
    Ok(())
}

/// Microseconds and days are counted from 2000-01-01 in PostgreSQL's binary format.
const PG_EPOCH_DAYS_FROM_CE: i32 = 730_120;
const PG_EPOCH_UNIX_MICROS: i64 = 946_684_800_000_000;

/// One batch of rows in `COPY` binary format.
fn copy_binary(
    out: &mut Vec<u8>,
    rows: &[(&Feature, String)],
    srid: i32,
    delivery_id: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    use chrono::Datelike;
    let valid_from = now.timestamp_micros() - PG_EPOCH_UNIX_MICROS;
    for (f, hash) in rows {
        let ewkb = to_ewkb(&f.geometry, srid).map_err(|reason| StoreError::Corrupt {
            id: f.id.to_string(),
            reason,
        })?;
        let r = RowValues::from(*f);
        let mut row = BinaryRow::start(out, 23);
        row.text(Some(&r.feature_id));
        row.text(Some(&r.layer_id));
        row.text(Some(&r.kind));
        row.bytes(&ewkb);
        row.text(r.owner_name.as_deref());
        row.text(r.owner_contact.as_deref());
        row.text(r.material.as_deref());
        row.float(r.diameter_mm);
        row.text(r.section.as_deref());
        row.text(r.pressure_class.as_deref());
        row.float(r.voltage_kv);
        row.float(r.depth_top_m);
        row.float(r.depth_bottom_m);
        row.text(r.depth_method.as_deref());
        row.float(r.accuracy_h_m);
        row.float(r.accuracy_v_m);
        match r.survey_date {
            Some(d) => row.bytes(&(d.num_days_from_ce() - PG_EPOCH_DAYS_FROM_CE).to_be_bytes()),
            None => row.null(),
        }
        row.text(Some(&r.status));
        row.text(r.archive_ref.as_deref());
        // jsonb: a version byte, then the JSON text.
        let json = r.attributes.to_string();
        row.0.extend_from_slice(&len(json.len() + 1).to_be_bytes());
        row.0.push(1);
        row.0.extend_from_slice(json.as_bytes());
        row.text(Some(hash));
        row.bytes(&delivery_id.to_be_bytes());
        row.bytes(&valid_from.to_be_bytes());
    }
    Ok(())
}

fn len(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// One tuple of `COPY` binary format: a field count, then each field as length and bytes.
struct BinaryRow<'a>(&'a mut Vec<u8>);

impl<'a> BinaryRow<'a> {
    fn start(out: &'a mut Vec<u8>, fields: i16) -> Self {
        out.extend_from_slice(&fields.to_be_bytes());
        Self(out)
    }

    fn null(&mut self) {
        self.0.extend_from_slice(&(-1_i32).to_be_bytes());
    }

    fn bytes(&mut self, value: &[u8]) {
        self.0.extend_from_slice(&len(value.len()).to_be_bytes());
        self.0.extend_from_slice(value);
    }

    fn text(&mut self, value: Option<&str>) {
        match value {
            Some(v) => self.bytes(v.as_bytes()),
            None => self.null(),
        }
    }

    fn float(&mut self, value: Option<f64>) {
        match value {
            Some(v) => self.bytes(&v.to_be_bytes()),
            None => self.null(),
        }
    }
}
