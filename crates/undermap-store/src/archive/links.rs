//! What links a project to the map: the deliveries made for it and the current features that
//! keep its code (`project_code`, [`undermap_core::PROJECT_CODE`]). The two backends differ only
//! in the deliveries table's name and in how a JSON attribute is read.

use chrono::{DateTime, Utc};

/// A delivery made for a project.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ProjectDelivery {
    /// The delivery's number.
    pub id: i64,
    /// The layer it loaded.
    pub layer: String,
    /// Its files, as delivered.
    pub source_name: String,
    /// The SHA-256 of its files.
    pub sha256: String,
    /// Who loaded it.
    pub loaded_by: String,
    /// When.
    pub loaded_at: DateTime<Utc>,
    /// New features.
    pub inserted: i64,
    /// Features that got a new version.
    pub updated: i64,
    /// Features left as they were.
    pub unchanged: i64,
    /// Features retired (full deliveries).
    pub retired: i64,
    /// Records rejected.
    pub rejected: i64,
}

/// A current map feature delivered for a project.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProjectFeature {
    /// Its id.
    pub id: String,
    /// Its layer.
    pub layer: String,
    /// Its kind.
    pub kind: String,
}

/// Most features listed for one project; a project's page links to the map for the rest.
pub const MAX_FEATURES: i64 = 5_000;

pub(crate) type DeliveryRow = (
    i64,
    String,
    String,
    String,
    String,
    DateTime<Utc>,
    i64,
    i64,
    i64,
    i64,
    i64,
);

pub(crate) fn delivery(r: DeliveryRow) -> ProjectDelivery {
    ProjectDelivery {
        id: r.0,
        layer: r.1,
        source_name: r.2,
        sha256: r.3,
        loaded_by: r.4,
        loaded_at: r.5,
        inserted: r.6,
        updated: r.7,
        unchanged: r.8,
        retired: r.9,
        rejected: r.10,
    }
}

/// A project's deliveries, oldest first, from the backend's deliveries table.
pub(crate) fn deliveries_sql(table: &str) -> String {
    format!(
        "SELECT id, layer_id, source_name, sha256, loaded_by, loaded_at, \
         CAST(inserted AS BIGINT), CAST(updated AS BIGINT), CAST(unchanged AS BIGINT), \
         CAST(retired AS BIGINT), CAST(rejected AS BIGINT) \
         FROM {table} WHERE project_code = $1 ORDER BY id"
    )
}

/// A project's current features, by layer and id: `condition` says that the features' free
/// attribute `project_code` is `$1`, in the backend's words (and so that its index serves it).
pub(crate) fn features_sql(condition: &str) -> String {
    format!(
        "SELECT feature_id, layer_id, kind FROM features WHERE valid_to IS NULL \
         AND {condition} ORDER BY layer_id, feature_id LIMIT {MAX_FEATURES}"
    )
}

/// Binds a project code on a statement and reads its rows, mapped by `$map`.
macro_rules! linked_where {
    ($pool:expr, $sql:expr, $code:expr, $map:expr, $db:expr, $what:expr) => {{
        let rows = sqlx::query_as($sql)
            .bind($code)
            .fetch_all($pool)
            .await
            .map_err($db($what))?;
        Ok(rows.into_iter().map($map).collect())
    }};
}
pub(crate) use linked_where;

pub(crate) fn feature(r: (String, String, String)) -> ProjectFeature {
    ProjectFeature {
        id: r.0,
        layer: r.1,
        kind: r.2,
    }
}
