-- The same rule for feature ids (1 to 128 characters, letters, digits and `_:-`, dots after the
-- first), written so PostgreSQL's regex engine does not expand the bounded repetition {0,127}
-- for every row: checking it was 15 % of loading a county's deliveries side by side
-- (4.77–4.97 s → 4.05–4.24 s, docs/performance.md).
ALTER TABLE features
    DROP CONSTRAINT features_feature_id_check,
    ADD CONSTRAINT features_feature_id_check
        CHECK (length(feature_id) <= 128 AND feature_id ~ '^[A-Za-z0-9_:-][A-Za-z0-9._:-]*$');
