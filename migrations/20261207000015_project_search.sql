-- Searching 50,000 projects by any part of their name (GET /v1/projects?q=, ILIKE) through
-- a trigram index rather than a scan; pg_trgm ships with PostgreSQL (contrib). A text of digits
-- and dashes searches codes instead, in code order.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX projects_name_trgm ON projects USING gin (name gin_trgm_ops);
-- A status or a unit with the code order the list pages in: the first page of one status (or
-- one unit) after a code is read straight from the index, without sorting.
DROP INDEX projects_status;
DROP INDEX projects_unit;
CREATE INDEX projects_status_code ON projects (status, code);
CREATE INDEX projects_unit_code ON projects (unit_code, code);
