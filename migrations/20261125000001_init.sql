-- undermap schema: a layer registry, every version of every feature, the deliveries they came
-- from, and immutable excavation-check tickets. Geometry is stored in the deployment's projected
-- metric CRS, recorded once in `deployment` (default EPSG:4545, CGCS2000 3-degree GK CM 108E).

CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE deployment (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    srid integer NOT NULL CHECK (srid > 0),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Layers are data: a new department (telecom, heat) is a new row, not a code change.
CREATE TABLE layers (
    id text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9_]{0,31}$'),
    title text NOT NULL,
    category text NOT NULL CHECK (category IN ('network', 'planning')),
    created_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO layers (id, title, category) VALUES
    ('water', 'Water supply (给水)', 'network'),
    ('power', 'Power (电力)', 'network'),
    ('gas', 'Gas (燃气)', 'network'),
    ('drainage', 'Drainage and sewer (排水)', 'network'),
    ('planning', 'Planning red lines and zones (规划)', 'planning');

CREATE TABLE deliveries (
    id bigserial PRIMARY KEY,
    layer_id text NOT NULL REFERENCES layers (id),
    source_name text NOT NULL,
    sha256 text NOT NULL,
    source_crs text NOT NULL,
    mode text NOT NULL CHECK (mode IN ('full', 'incremental')),
    loaded_by text NOT NULL,
    loaded_at timestamptz NOT NULL DEFAULT now(),
    inserted integer NOT NULL DEFAULT 0,
    updated integer NOT NULL DEFAULT 0,
    unchanged integer NOT NULL DEFAULT 0,
    retired integer NOT NULL DEFAULT 0,
    rejected integer NOT NULL DEFAULT 0
);

-- One row per version. An update closes the current row (valid_to) and inserts a new one;
-- nothing is overwritten, so the map can be asked what it showed on any date.
CREATE TABLE features (
    version_id bigserial PRIMARY KEY,
    feature_id text NOT NULL CHECK (feature_id ~ '^[A-Za-z0-9_:-][A-Za-z0-9._:-]{0,127}$'),
    layer_id text NOT NULL REFERENCES layers (id),
    kind text NOT NULL,
    geom geometry NOT NULL CHECK (ST_SRID(geom) > 0),
    owner_name text,
    owner_contact text,
    material text,
    diameter_mm double precision,
    section text,
    pressure_class text,
    voltage_kv double precision,
    depth_top_m double precision CHECK (depth_top_m BETWEEN 0 AND 30),
    depth_bottom_m double precision CHECK (depth_bottom_m BETWEEN 0 AND 30),
    depth_method text,
    accuracy_h_m double precision CHECK (accuracy_h_m >= 0),
    accuracy_v_m double precision CHECK (accuracy_v_m >= 0),
    survey_date date,
    status text NOT NULL,
    archive_ref text,
    attributes jsonb NOT NULL DEFAULT '{}'::jsonb,
    content_hash text NOT NULL,
    delivery_id bigint REFERENCES deliveries (id),
    valid_from timestamptz NOT NULL,
    valid_to timestamptz,
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);

CREATE UNIQUE INDEX features_one_current_version ON features (feature_id) WHERE valid_to IS NULL;
CREATE INDEX features_geom ON features USING gist (geom);
CREATE INDEX features_current_layer ON features (layer_id) WHERE valid_to IS NULL;
CREATE INDEX features_history ON features (feature_id, valid_from);

-- Excavation-check tickets: the body is stored as the exact text returned, and never changes.
CREATE SEQUENCE ticket_number;

CREATE TABLE excavation_checks (
    id text PRIMARY KEY,
    created_at timestamptz NOT NULL,
    reference text,
    area geometry NOT NULL,
    body text NOT NULL
);

CREATE INDEX excavation_checks_area ON excavation_checks USING gist (area);

CREATE FUNCTION undermap_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'excavation-check tickets are immutable (table %)', TG_TABLE_NAME;
END
$$;

CREATE TRIGGER excavation_checks_immutable
    BEFORE UPDATE OR DELETE ON excavation_checks
    FOR EACH ROW EXECUTE FUNCTION undermap_forbid_change();
