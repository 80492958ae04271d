-- Clearance reports (issue 21): a planned route checked against GB 50289's clear distances,
-- kept as a numbered, signed, immutable document like a ticket.
CREATE TABLE clearance_numbers (
    n bigserial PRIMARY KEY,
    taken_at timestamptz NOT NULL
);
CREATE TABLE clearance_reports (
    number text PRIMARY KEY,
    seq bigint NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    issued_to text,
    reference text,
    verdict text NOT NULL CHECK (verdict IN ('pass', 'fail', 'unknown')),
    body text NOT NULL
);
CREATE INDEX clearance_reports_issued ON clearance_reports (issued_to, created_at DESC);
CREATE TRIGGER clearance_reports_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON clearance_reports
    FOR EACH STATEMENT EXECUTE FUNCTION undermap_append_only();
