-- An account may act for a construction unit (its unified social credit code): such accounts
-- (role construction_unit) see and upload only that unit's projects and see only its own credit
-- record (crates/undermap-api/src/archive/).
ALTER TABLE accounts ADD COLUMN unit_code text CHECK (unit_code IS NULL OR length(unit_code) = 18);
