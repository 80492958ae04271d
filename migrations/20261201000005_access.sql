-- Who may use the service and what they did: accounts, API keys (Argon2id hashes only) and an
-- append-only audit log chained by SHA-256 (crates/undermap-store/src/access.rs).

CREATE TABLE accounts (
    name text PRIMARY KEY CHECK (length(name) <= 64 AND name ~ '^[a-z0-9][a-z0-9._@-]*$'),
    role text NOT NULL CHECK (role ~ '^[a-z][a-z0-9_]{0,31}$'),
    layers text,
    service boolean NOT NULL DEFAULT false,
    full_name text,
    created_at timestamptz NOT NULL,
    disabled_at timestamptz
);

CREATE TABLE api_keys (
    key_id text PRIMARY KEY CHECK (key_id ~ '^[a-z0-9]{12}$'),
    account text NOT NULL REFERENCES accounts (name),
    hash text NOT NULL CHECK (hash LIKE '$argon2id$%'),
    label text,
    created_at timestamptz NOT NULL,
    expires_at timestamptz,
    revoked_at timestamptz
);

CREATE INDEX api_keys_account ON api_keys (account);

CREATE TABLE audit_log (
    seq bigint PRIMARY KEY CHECK (seq > 0),
    at timestamptz NOT NULL,
    actor text,
    endpoint text NOT NULL,
    status integer NOT NULL,
    entry text NOT NULL,
    prev_hash text NOT NULL,
    hash text NOT NULL UNIQUE
);

CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);

CREATE FUNCTION undermap_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'table % is append-only', TG_TABLE_NAME;
END
$$;

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION undermap_append_only();
