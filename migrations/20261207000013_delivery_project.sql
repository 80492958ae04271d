-- A delivery may be made for an archive project (its as-built survey, 管线竣工测量成果): the
-- delivery records the project and its features keep the code in their free attributes
-- (`project_code`), so that a project's page lists its deliveries and features
-- (crates/undermap-service/src/archive/).
ALTER TABLE deliveries ADD COLUMN project_code text REFERENCES projects (code);
CREATE INDEX deliveries_project ON deliveries (project_code) WHERE project_code IS NOT NULL;
CREATE INDEX features_current_project ON features ((attributes ->> 'project_code'))
    WHERE valid_to IS NULL AND attributes ? 'project_code';
