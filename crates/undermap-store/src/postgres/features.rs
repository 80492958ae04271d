//! Reading feature versions.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};
use undermap_core::{Accuracy, CoreError, Depth, Feature, FeatureAttributes, FeatureId, Owner};

use crate::wkb::from_ewkb;
use crate::{Result, StoreError};

pub(crate) const COLUMNS: &str = "feature_id, layer_id, kind, ST_AsEWKB(geom) AS geom, \
    owner_name, owner_contact, material, diameter_mm, section, pressure_class, voltage_kv, \
    depth_top_m, depth_bottom_m, depth_method, accuracy_h_m, accuracy_v_m, survey_date, status, \
    archive_ref, attributes, valid_from, valid_to";

pub(crate) async fn current(pool: &PgPool) -> Result<Vec<Feature>> {
    let sql = format!("SELECT {COLUMNS} FROM features WHERE valid_to IS NULL ORDER BY feature_id");
    let rows = sqlx::query(&sql)
        .fetch_all(pool)
        .await
        .map_err(StoreError::db("reading current features"))?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        match from_row(&row) {
            Ok(f) => out.push(f),
            // One bad row must not keep the service from starting: it is reported and skipped.
            Err(e) => tracing::error!(error = %e, "stored feature left out of the index"),
        }
    }
    Ok(out)
}

pub(crate) async fn history(pool: &PgPool, id: &FeatureId) -> Result<Vec<Feature>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM features WHERE feature_id = $1 ORDER BY valid_from, version_id"
    );
    let rows = sqlx::query(&sql)
        .bind(id.as_str())
        .fetch_all(pool)
        .await
        .map_err(StoreError::db("reading feature history"))?;
    rows.iter().map(from_row).collect()
}

fn from_row(row: &PgRow) -> Result<Feature> {
    let id: String = row
        .try_get("feature_id")
        .map_err(StoreError::db("decoding a feature"))?;
    let corrupt = |reason: String| StoreError::Corrupt {
        id: id.clone(),
        reason,
    };
    let get = |e: sqlx::Error| corrupt(e.to_string());
    let core = |e: CoreError| corrupt(e.to_string());
    let opt = |name: &str| -> Result<Option<String>> { row.try_get(name).map_err(get) };
    let num = |name: &str| -> Result<Option<f64>> { row.try_get(name).map_err(get) };

    let geometry = from_ewkb(row.try_get("geom").map_err(get)?).map_err(corrupt)?;
    let owner = opt("owner_name")?.map(|name| -> Result<Owner> {
        Ok(Owner {
            name,
            contact: opt("owner_contact")?,
        })
    });
    let extra = match row
        .try_get::<serde_json::Value, _>("attributes")
        .map_err(get)?
    {
        serde_json::Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    let attrs = FeatureAttributes {
        owner: owner.transpose()?,
        material: opt("material")?,
        diameter_mm: num("diameter_mm")?,
        section: opt("section")?,
        pressure_class: opt("pressure_class")?
            .map(|s| s.parse())
            .transpose()
            .map_err(core)?,
        voltage_kv: num("voltage_kv")?,
        depth_top_m: num("depth_top_m")?
            .map(Depth::new)
            .transpose()
            .map_err(core)?,
        depth_bottom_m: num("depth_bottom_m")?
            .map(Depth::new)
            .transpose()
            .map_err(core)?,
        depth_method: opt("depth_method")?
            .map(|s| s.parse())
            .transpose()
            .map_err(core)?,
        accuracy_h_m: num("accuracy_h_m")?
            .map(Accuracy::new)
            .transpose()
            .map_err(core)?,
        accuracy_v_m: num("accuracy_v_m")?
            .map(Accuracy::new)
            .transpose()
            .map_err(core)?,
        survey_date: row
            .try_get::<Option<NaiveDate>, _>("survey_date")
            .map_err(get)?,
        status: row
            .try_get::<String, _>("status")
            .map_err(get)?
            .parse()
            .map_err(core)?,
        archive_ref: opt("archive_ref")?,
        extra,
    };
    let mut feature = Feature::new(
        id.parse().map_err(core)?,
        row.try_get::<String, _>("layer_id")
            .map_err(get)?
            .parse()
            .map_err(core)?,
        row.try_get::<String, _>("kind")
            .map_err(get)?
            .parse()
            .map_err(core)?,
        geometry,
        attrs,
        row.try_get::<DateTime<Utc>, _>("valid_from").map_err(get)?,
    )
    .map_err(core)?;
    feature.valid_to = row.try_get("valid_to").map_err(get)?;
    Ok(feature)
}
