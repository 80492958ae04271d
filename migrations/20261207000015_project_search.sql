-- Searching 50,000 projects by any part of their name or code (GET /v1/projects?q=) through
-- trigram indexes rather than a scan; pg_trgm ships with PostgreSQL (contrib).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX projects_name_trgm ON projects USING gin (name gin_trgm_ops);
CREATE INDEX projects_code_trgm ON projects USING gin (code gin_trgm_ops);
