//! The GeoPackage 1.3 tables and undermap's own tables inside the same file.

/// `PRAGMA application_id` of a GeoPackage: "GPKG".
pub(crate) const APPLICATION_ID: i32 = 0x4750_4B47;
/// `PRAGMA user_version` of GeoPackage 1.3.0.
pub(crate) const USER_VERSION: i32 = 10300;

/// Core GeoPackage tables (spec §1.1) and undermap's tables. `{srid}` is the deployment SRID.
pub(crate) const CREATE: &str = r"
CREATE TABLE gpkg_spatial_ref_sys (
    srs_name TEXT NOT NULL,
    srs_id INTEGER PRIMARY KEY,
    organization TEXT NOT NULL,
    organization_coordsys_id INTEGER NOT NULL,
    definition TEXT NOT NULL,
    description TEXT
);
CREATE TABLE gpkg_contents (
    table_name TEXT NOT NULL PRIMARY KEY,
    data_type TEXT NOT NULL,
    identifier TEXT UNIQUE,
    description TEXT DEFAULT '',
    last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
    srs_id INTEGER,
    CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id)
);
CREATE TABLE gpkg_geometry_columns (
    table_name TEXT NOT NULL,
    column_name TEXT NOT NULL,
    geometry_type_name TEXT NOT NULL,
    srs_id INTEGER NOT NULL,
    z TINYINT NOT NULL,
    m TINYINT NOT NULL,
    CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
    CONSTRAINT uk_gc_table_name UNIQUE (table_name),
    CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
    CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id)
);
CREATE TABLE gpkg_extensions (
    table_name TEXT,
    column_name TEXT,
    extension_name TEXT NOT NULL,
    definition TEXT NOT NULL,
    scope TEXT NOT NULL,
    CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name)
);

CREATE TABLE undermap_deployment (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    srid INTEGER NOT NULL
);
CREATE TABLE undermap_layers (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('network', 'planning', 'thematic'))
);
CREATE TABLE undermap_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    layer_id TEXT NOT NULL REFERENCES undermap_layers (id),
    source_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    source_crs TEXT NOT NULL,
    mode TEXT NOT NULL,
    loaded_by TEXT NOT NULL,
    loaded_at TEXT NOT NULL,
    inserted INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    retired INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0,
    operation TEXT,
    project_code TEXT
);
-- Every version of every feature; the per-layer views below show the current ones.
CREATE TABLE features (
    fid INTEGER PRIMARY KEY AUTOINCREMENT,
    geom BLOB NOT NULL,
    feature_id TEXT NOT NULL,
    layer_id TEXT NOT NULL REFERENCES undermap_layers (id),
    kind TEXT NOT NULL,
    owner_name TEXT,
    owner_contact TEXT,
    material TEXT,
    diameter_mm REAL,
    section TEXT,
    pressure_class TEXT,
    voltage_kv REAL,
    depth_top_m REAL,
    depth_bottom_m REAL,
    depth_method TEXT,
    accuracy_h_m REAL,
    accuracy_v_m REAL,
    survey_date DATE,
    status TEXT NOT NULL,
    archive_ref TEXT,
    attributes TEXT NOT NULL DEFAULT '{}',
    content_hash TEXT NOT NULL,
    delivery_id INTEGER REFERENCES undermap_deliveries (id),
    valid_from DATETIME NOT NULL,
    valid_to DATETIME
);
CREATE UNIQUE INDEX features_one_current_version ON features (feature_id) WHERE valid_to IS NULL;
CREATE INDEX features_current_layer ON features (layer_id) WHERE valid_to IS NULL;
CREATE INDEX features_history ON features (feature_id, valid_from);
-- GeoPackage R-tree extension (spec F.3). It is kept up to date by the store on every write:
-- the spec's triggers call ST_* functions that only GDAL's own connections define.
CREATE VIRTUAL TABLE rtree_features_geom USING rtree(id, minx, maxx, miny, maxy);

CREATE TABLE undermap_ticket_numbers (n INTEGER PRIMARY KEY AUTOINCREMENT, taken_at TEXT NOT NULL);
CREATE TABLE undermap_excavation_checks (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    reference TEXT,
    area BLOB NOT NULL,
    body TEXT NOT NULL,
    issued_to TEXT
);
CREATE INDEX undermap_excavation_checks_issued_to
    ON undermap_excavation_checks (issued_to, created_at DESC);
CREATE TRIGGER undermap_excavation_checks_no_update BEFORE UPDATE ON undermap_excavation_checks
BEGIN SELECT RAISE(ABORT, 'excavation-check tickets are immutable'); END;
CREATE TRIGGER undermap_excavation_checks_no_delete BEFORE DELETE ON undermap_excavation_checks
BEGIN SELECT RAISE(ABORT, 'excavation-check tickets are immutable'); END;
";

/// The category constraint of files written before thematic layers existed, and its successor.
/// A file made before tickets kept their holder beside the body: the column, filled from the
/// bodies with the update trigger lifted, and the index "my tickets" reads.
pub(crate) const TICKET_HOLDER_UPGRADE: &[&str] = &[
    "ALTER TABLE undermap_excavation_checks ADD COLUMN issued_to TEXT",
    "DROP TRIGGER undermap_excavation_checks_no_update",
    "UPDATE undermap_excavation_checks SET issued_to = json_extract(body, '$.issued_to')",
    "CREATE TRIGGER undermap_excavation_checks_no_update BEFORE UPDATE ON undermap_excavation_checks \
     BEGIN SELECT RAISE(ABORT, 'excavation-check tickets are immutable'); END",
    "CREATE INDEX undermap_excavation_checks_issued_to \
     ON undermap_excavation_checks (issued_to, created_at DESC)",
];

pub(crate) const OLD_CATEGORY_CHECK: &str = "CHECK (category IN ('network', 'planning'))";
pub(crate) const CATEGORY_CHECK: &str = "CHECK (category IN ('network', 'planning', 'thematic'))";

/// Columns shown in each layer's view, in the order GIS clients list them.
pub(crate) static VIEW_COLUMNS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "fid, geom, feature_id, kind, {}, attributes, valid_from",
        undermap_core::attribute::column_list()
    )
});
