-- Field reports: what crews find on site, fed back to the map (issue 19;
-- crates/undermap-store/src/field_reports/). The GeoPackage store has the same tables
-- (crates/undermap-store/src/gpkg/field_reports.rs). Both append-only: a report's state
-- (open, orphan, claimed, corrected) is derived from its claim, its deadlines and whether its
-- asset has changed since.
CREATE TABLE field_reports (
    id bigserial PRIMARY KEY,
    report_type text NOT NULL CHECK (report_type IN ('found_elsewhere', 'not_found',
        'unknown_asset', 'strike')),
    ticket_id text REFERENCES excavation_checks (id),
    feature_id text,
    layer text,
    owner text,
    x double precision,
    y double precision,
    offset_m double precision,
    direction text,
    damage text,
    cause text CHECK (cause IS NULL OR cause IN ('no_ticket', 'mismarked', 'records_wrong',
        'excavation_practice', 'other')),
    had_ticket boolean,
    note text,
    photos text NOT NULL DEFAULT '[]',
    reported_by text,
    reported_at timestamptz NOT NULL,
    claim_by timestamptz NOT NULL,
    correct_by timestamptz NOT NULL,
    CHECK ((x IS NULL) = (y IS NULL))
);
CREATE INDEX field_reports_time ON field_reports (reported_at DESC);
CREATE INDEX field_reports_feature ON field_reports (feature_id, reported_at);
CREATE TRIGGER field_reports_append_only BEFORE UPDATE OR DELETE ON field_reports
    FOR EACH ROW EXECUTE FUNCTION undermap_append_only();
CREATE TABLE field_report_claims (
    report_id bigint PRIMARY KEY REFERENCES field_reports (id),
    owner_id text NOT NULL,
    claimed_by text,
    claimed_at timestamptz NOT NULL,
    note text
);
CREATE TRIGGER field_report_claims_append_only BEFORE UPDATE OR DELETE ON field_report_claims
    FOR EACH ROW EXECUTE FUNCTION undermap_append_only();
