-- Searching projects by one or two characters of their name (GET /v1/projects?q=中和), which
-- no trigram serves: every one- and two-character piece of each name (lower case) with its
-- project, read in code order for the list's page. Kept by the store as projects are
-- registered or renamed (crates/undermap-store/src/archive/sql.rs, NAME_GRAMS).
CREATE TABLE project_name_grams (
    gram text NOT NULL,
    -- No foreign key: derived rows, written with their project in one transaction; a key
    -- checked for each of 1.3 million pieces made a bulk load of 50,000 projects 4 times slower.
    project text NOT NULL,
    PRIMARY KEY (gram, project)
);
CREATE INDEX project_name_grams_project ON project_name_grams (project);
INSERT INTO project_name_grams (gram, project)
SELECT DISTINCT lower(substr(p.name, n.i, l.len)), p.code
FROM projects p
CROSS JOIN LATERAL generate_series(1, char_length(p.name)) AS n(i)
CROSS JOIN (VALUES (1), (2)) AS l(len)
WHERE n.i + l.len - 1 <= char_length(p.name);
