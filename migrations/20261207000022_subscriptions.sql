-- Subscriptions (issue 20): what is new — deliveries, projects, files, field reports — is
-- appended to feed_events; a subscription says which kinds, layers, categories and box it
-- wants, is read as an Atom feed by its key (kept as its SHA-256) and, with a webhook, pushed
-- the events after its cursor. `unit_code` and `access` say who may see a file or project event;
-- `reach` is what the subscriber may see (kept when it subscribed), which its feed never exceeds.
CREATE TABLE feed_events (
    id bigserial PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('delivery', 'project', 'file', 'field_report')),
    layer text,
    category text,
    min_x double precision,
    min_y double precision,
    max_x double precision,
    max_y double precision,
    title text NOT NULL,
    summary text NOT NULL,
    unit_code text,
    access text,
    link text NOT NULL,
    at timestamptz NOT NULL
);
CREATE TRIGGER feed_events_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON feed_events
    FOR EACH STATEMENT EXECUTE FUNCTION undermap_append_only();

CREATE TABLE subscriptions (
    id bigserial PRIMARY KEY,
    account text NOT NULL,
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    kinds text NOT NULL DEFAULT '[]',
    layers text NOT NULL DEFAULT '[]',
    categories text NOT NULL DEFAULT '[]',
    min_x double precision,
    min_y double precision,
    max_x double precision,
    max_y double precision,
    key_hash text NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
    webhook_url text,
    created_at timestamptz NOT NULL,
    cursor bigint NOT NULL DEFAULT 0,
    last_push text,
    reach text NOT NULL DEFAULT '{}'
);
CREATE INDEX subscriptions_account ON subscriptions (account, id);
