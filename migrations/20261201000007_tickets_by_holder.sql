-- "My tickets" in the web map: the tickets issued to one account, newest first.
CREATE INDEX excavation_checks_issued_to
    ON excavation_checks ((body::jsonb ->> 'issued_to'), created_at DESC);
