//! The GeoPackage's bulk paths on blocking SQLite connections (rusqlite, linked to the same
//! `libsqlite3` as sqlx): reading every current feature at startup, loading deliveries, and
//! writing tickets in group commits.
//!
//! sqlx's SQLite driver hands every row and every statement across a worker thread; that costs
//! about 10–30 µs each, which is seconds when a county's 200,000 features are read or written.
//! These functions run on blocking threads (`spawn_blocking` or the ticket writer's own thread).

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use geo::BoundingRect;
use rusqlite::{params, Connection, OpenFlags, TransactionBehavior};

use super::to_gpkg;
use super::GpkgError;
use crate::plan::{plan, Plan};
use crate::record::{FeatureRecord, RowValues, ATTRIBUTE_COLUMNS};
use crate::{Delivery, DeliveryMode, DeliveryReport, Result, StoreError};
use undermap_core::Feature;

/// A timestamp as sqlx's SQLite driver writes it, so that both drivers' values compare as text.
pub(crate) fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

/// Opens a blocking connection to the file.
pub(crate) fn connect(path: &Path, read_only: bool) -> Result<Connection> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags)
        .map_err(GpkgError::sqlite("opening the GeoPackage"))?;
    conn.busy_timeout(Duration::from_secs(10))
        .map_err(GpkgError::sqlite("opening the GeoPackage"))?;
    if !read_only {
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(GpkgError::sqlite("opening the GeoPackage"))?;
    }
    Ok(conn)
}

/// Feature rows matching `filter` (SQL over the `features` table; `?1` is `at` if given), read
/// in one statement, so from one snapshot even while a delivery commits. Rows that cannot be
/// read are logged and left out, as in [`crate::record::keep_valid`].
pub(crate) fn read_records(
    path: &Path,
    read_only: bool,
    filter: &str,
    at: Option<DateTime<Utc>>,
) -> Result<Vec<FeatureRecord>> {
    let conn = connect(path, read_only)?;
    match at.map(stamp) {
        Some(at) => query_records(&conn, filter, params![at]),
        None => query_records(&conn, filter, []),
    }
}

/// Every current feature, read and converted by one thread per core, each over its own range of
/// `fid`s on its own connection. Each connection holds a read transaction; they are used only if
/// all of them see the same last delivery (features change only in deliveries), so the parts
/// come from one state of the file. Otherwise (a delivery committed while they opened) it tries
/// again, and after three tries reads on one connection.
pub(crate) fn read_current(path: &Path, read_only: bool) -> Result<Vec<Feature>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .clamp(1, 4);
    for _ in 0..3 {
        let mut conns = Vec::with_capacity(threads);
        let mut marks = Vec::with_capacity(threads);
        for _ in 0..threads {
            let conn = connect(path, read_only)?;
            conn.execute_batch("BEGIN")
                .map_err(GpkgError::sqlite("reading current features"))?;
            let mark: (i64, i64) = conn
                .query_row(
                    "SELECT (SELECT coalesce(max(id), 0) FROM undermap_deliveries), \
                            (SELECT coalesce(max(fid), 0) FROM features)",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .map_err(GpkgError::sqlite("reading current features"))?;
            conns.push(conn);
            marks.push(mark);
        }
        if marks.windows(2).any(|w| w[0] != w[1]) {
            continue;
        }
        let max_fid = marks[0].1;
        let step = max_fid / i64::try_from(threads).unwrap_or(1) + 1;
        let parts: Vec<Result<Vec<Feature>>> = std::thread::scope(|scope| {
            let handles: Vec<_> = conns
                .into_iter()
                .enumerate()
                .map(|(i, conn)| {
                    let lo = step * i64::try_from(i).unwrap_or(0);
                    scope.spawn(move || {
                        query_features(
                            &conn,
                            "valid_to IS NULL AND fid > ?1 AND fid <= ?2",
                            params![lo, lo + step],
                        )
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        });
        let mut out = Vec::new();
        for part in parts {
            out.extend(part?);
        }
        return Ok(out);
    }
    tracing::debug!("deliveries kept committing; reading current features on one connection");
    let conn = connect(path, read_only)?;
    let rows = query_records(&conn, "valid_to IS NULL", [])?;
    Ok(crate::record::keep_valid(rows, super::from_gpkg))
}

/// Current features as they are read (no row buffer: at city scale the buffer alone is
/// gigabytes of copying).
fn query_features(
    conn: &Connection,
    filter: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Feature>> {
    query_rows(conn, filter, params, |r| r.into_feature(super::from_gpkg))
}

fn query_records(
    conn: &Connection,
    filter: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<FeatureRecord>> {
    query_rows(conn, filter, params, Ok)
}

/// Runs `SELECT geom, ATTRIBUTE_COLUMNS … WHERE filter` and turns each row into a `T`; a row
/// that cannot be read or turned is logged and left out.
fn query_rows<T>(
    conn: &Connection,
    filter: &str,
    params: impl rusqlite::Params,
    mut turn: impl FnMut(FeatureRecord) -> Result<T>,
) -> Result<Vec<T>> {
    let sql = format!(
        "SELECT geom, {} FROM features WHERE {filter}",
        *ATTRIBUTE_COLUMNS
    );
    let mut stmt = conn
        .prepare(&sql)
        .map_err(GpkgError::sqlite("reading features"))?;
    let mut rows = stmt
        .query(params)
        .map_err(GpkgError::sqlite("reading features"))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(GpkgError::sqlite("reading features"))? {
        match record(row).and_then(&mut turn) {
            Ok(t) => out.push(t),
            Err(e) => tracing::error!(error = %e, "stored feature left out of the index"),
        }
    }
    Ok(out)
}

/// One row of `SELECT geom, ATTRIBUTE_COLUMNS`, by column position.
fn record(row: &rusqlite::Row<'_>) -> Result<FeatureRecord> {
    fn lite(source: rusqlite::Error) -> StoreError {
        GpkgError::sqlite("reading a feature row")(source)
    }
    let feature_id: String = row.get(1).map_err(lite)?;
    let corrupt = |reason: String| StoreError::Corrupt {
        id: feature_id.clone(),
        reason,
    };
    let time = |s: &str| {
        s.parse::<DateTime<Utc>>()
            .map_err(|e| corrupt(format!("timestamp {s:?}: {e}")))
    };
    let valid_from = time(&row.get::<_, String>(20).map_err(lite)?)?;
    let valid_to = row
        .get::<_, Option<String>>(21)
        .map_err(lite)?
        .as_deref()
        .map(time)
        .transpose()?;
    let survey_date = row
        .get::<_, Option<String>>(16)
        .map_err(lite)?
        .as_deref()
        .map(|s| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|e| corrupt(format!("survey date {s:?}: {e}")))
        })
        .transpose()?;
    let attributes = serde_json::from_str(&row.get::<_, String>(19).map_err(lite)?)
        .map_err(|e| corrupt(format!("attributes are not JSON: {e}")))?;
    Ok(FeatureRecord {
        geom: row.get(0).map_err(lite)?,
        layer_id: row.get(2).map_err(lite)?,
        kind: row.get(3).map_err(lite)?,
        owner_name: row.get(4).map_err(lite)?,
        owner_contact: row.get(5).map_err(lite)?,
        material: row.get(6).map_err(lite)?,
        diameter_mm: row.get(7).map_err(lite)?,
        section: row.get(8).map_err(lite)?,
        pressure_class: row.get(9).map_err(lite)?,
        voltage_kv: row.get(10).map_err(lite)?,
        depth_top_m: row.get(11).map_err(lite)?,
        depth_bottom_m: row.get(12).map_err(lite)?,
        depth_method: row.get(13).map_err(lite)?,
        accuracy_h_m: row.get(14).map_err(lite)?,
        accuracy_v_m: row.get(15).map_err(lite)?,
        survey_date,
        status: row.get(17).map_err(lite)?,
        archive_ref: row.get(18).map_err(lite)?,
        attributes: sqlx::types::Json(attributes),
        valid_from,
        valid_to,
        delivery_id: row.get(22).map_err(lite)?,
        feature_id,
    })
}

/// Loads a delivery in one `BEGIN IMMEDIATE` transaction (two deliveries never interleave);
/// dropping the transaction on any error rolls everything back.
pub(crate) fn apply_delivery(
    path: &Path,
    srid: i32,
    delivery: &Delivery,
) -> Result<DeliveryReport> {
    let lite = GpkgError::sqlite;
    let mut conn = connect(path, false)?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(lite("starting a delivery"))?;
    let layer_known: bool = tx
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM undermap_layers WHERE id = ?1)",
            [delivery.layer.as_str()],
            |r| r.get(0),
        )
        .map_err(lite("checking the layer"))?;
    if !layer_known {
        return Err(StoreError::UnknownLayer(delivery.layer.to_string()));
    }
    let now = stamp(Utc::now());
    let delivery_id: i64 = tx
        .query_row(
            "INSERT INTO undermap_deliveries (layer_id, source_name, sha256, source_crs, mode, loaded_by, loaded_at, operation, project_code) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
            params![
                delivery.layer.as_str(),
                delivery.source_name,
                delivery.sha256,
                delivery.source_crs,
                delivery.mode.as_str(),
                delivery.loaded_by,
                now,
                delivery.operation,
                delivery.project_code
            ],
            |r| r.get(0),
        )
        .map_err(lite("recording the delivery"))?;

    let mut current: HashMap<String, (String, String)> = HashMap::new();
    {
        let mut stmt = tx
            .prepare(
                "SELECT feature_id, layer_id, content_hash FROM features WHERE valid_to IS NULL",
            )
            .map_err(lite("reading current versions"))?;
        let mut rows = stmt.query([]).map_err(lite("reading current versions"))?;
        while let Some(row) = rows.next().map_err(lite("reading current versions"))? {
            let id: String = row.get(0).map_err(lite("reading current versions"))?;
            let layer: String = row.get(1).map_err(lite("reading current versions"))?;
            let hash: String = row.get(2).map_err(lite("reading current versions"))?;
            current.insert(id, (layer, hash));
        }
    }
    let Plan {
        to_write,
        to_close,
        seen,
        mut report,
    } = plan(&delivery.layer, &delivery.features, &current, delivery_id);

    {
        let mut close = tx
            .prepare("UPDATE features SET valid_to = ?1 WHERE valid_to IS NULL AND feature_id = ?2")
            .map_err(lite("closing replaced versions"))?;
        for id in &to_close {
            close
                .execute(params![now, id])
                .map_err(lite("closing replaced versions"))?;
        }
        let mut insert = tx
            .prepare(
                "INSERT INTO features (geom, feature_id, layer_id, kind, owner_name, owner_contact, material, \
                    diameter_mm, section, pressure_class, voltage_kv, depth_top_m, depth_bottom_m, depth_method, \
                    accuracy_h_m, accuracy_v_m, survey_date, status, archive_ref, attributes, content_hash, \
                    delivery_id, valid_from) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, \
                    ?20, ?21, ?22, ?23)",
            )
            .map_err(lite("inserting a feature version"))?;
        let mut index = tx
            .prepare("INSERT INTO rtree_features_geom VALUES (?1, ?2, ?3, ?4, ?5)")
            .map_err(lite("indexing a feature version"))?;
        for (feature, hash) in &to_write {
            let geom = to_gpkg(&feature.geometry, srid).map_err(|reason| StoreError::Corrupt {
                id: feature.id.to_string(),
                reason,
            })?;
            let r = RowValues::from(*feature);
            insert
                .execute(params![
                    geom,
                    r.feature_id,
                    r.layer_id,
                    r.kind,
                    r.owner_name,
                    r.owner_contact,
                    r.material,
                    r.diameter_mm,
                    r.section,
                    r.pressure_class,
                    r.voltage_kv,
                    r.depth_top_m,
                    r.depth_bottom_m,
                    r.depth_method,
                    r.accuracy_h_m,
                    r.accuracy_v_m,
                    r.survey_date.map(|d| d.format("%F").to_string()),
                    r.status,
                    r.archive_ref,
                    r.attributes.to_string(),
                    hash,
                    delivery_id,
                    now
                ])
                .map_err(lite("inserting a feature version"))?;
            let fid = tx.last_insert_rowid();
            if let Some(b) = feature.geometry.bounding_rect() {
                index
                    .execute(params![fid, b.min().x, b.max().x, b.min().y, b.max().y])
                    .map_err(lite("indexing a feature version"))?;
            }
        }
        if delivery.mode == DeliveryMode::Full {
            let seen: &HashSet<String> = &seen;
            for (id, _) in current
                .iter()
                .filter(|(id, (layer, _))| layer == delivery.layer.as_str() && !seen.contains(*id))
            {
                close
                    .execute(params![now, id])
                    .map_err(lite("retiring features missing from a full delivery"))?;
                report.retired += 1;
            }
        }
    }
    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    tx.execute(
        "UPDATE undermap_deliveries SET inserted = ?1, updated = ?2, unchanged = ?3, retired = ?4, \
            rejected = ?5 WHERE id = ?6",
        params![
            count(report.inserted),
            count(report.updated),
            count(report.unchanged),
            count(report.retired),
            count(report.rejected.len() + delivery.rejected_before_load),
            delivery_id
        ],
    )
    .map_err(lite("recording the delivery's counts"))?;
    if report.changed_anything() {
        refresh_extents(&tx, delivery.layer.as_str())?;
    }
    tx.commit().map_err(lite("committing the delivery"))?;
    Ok(report)
}

/// Sets `gpkg_contents` extents and `last_change` of the versions table and of the layer's view.
fn refresh_extents(conn: &Connection, layer: &str) -> Result<()> {
    let stamp = Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    let extent = |filter: &str| {
        format!(
            "UPDATE gpkg_contents SET last_change = ?1, \
               (min_x, max_x, min_y, max_y) = (SELECT min(r.minx), max(r.maxx), min(r.miny), max(r.maxy) \
                FROM rtree_features_geom r JOIN features f ON f.fid = r.id WHERE {filter}) \
             WHERE table_name = ?2"
        )
    };
    let lite = GpkgError::sqlite("updating layer extents");
    conn.execute(&extent("1 = 1"), params![stamp, "features"])
        .map_err(lite)?;
    conn.execute(
        &extent("f.layer_id = ?2 AND f.valid_to IS NULL"),
        params![stamp, layer],
    )
    .map_err(GpkgError::sqlite("updating layer extents"))?;
    Ok(())
}
