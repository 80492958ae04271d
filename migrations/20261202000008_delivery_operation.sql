-- Which coordinate operation converted a delivery (PROJ's choice, or a deployment's local datum
-- transformation), so that a feature's history says how its position was obtained.
ALTER TABLE deliveries ADD COLUMN operation text;
