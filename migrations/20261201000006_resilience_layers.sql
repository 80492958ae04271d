-- The resilience thematic database (issue 8): historical incidents, emergency resources and the
-- street centrelines crews drive along. They are thematic layers: queried, shown and served as
-- OGC collections, but never reported by an excavation check as something to dig around.
ALTER TABLE layers DROP CONSTRAINT IF EXISTS layers_category_check;
ALTER TABLE layers ADD CONSTRAINT layers_category_check
    CHECK (category IN ('network', 'planning', 'thematic'));

INSERT INTO layers (id, title, category) VALUES
    ('incidents', 'Historical incidents (历史灾害事件)', 'thematic'),
    ('resources', 'Emergency resources (应急资源)', 'thematic'),
    ('streets', 'Street centrelines (道路中心线)', 'thematic')
ON CONFLICT (id) DO NOTHING;
