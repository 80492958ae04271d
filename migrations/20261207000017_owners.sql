-- Network owners and the dig workflow between them and contractors (issue 19;
-- crates/undermap-store/src/owners/). The GeoPackage store has the same tables
-- (crates/undermap-store/src/gpkg/owners.rs).

-- The registry: an organisation, the names its assets are delivered under (the layers'
-- `owner`), whom to call, where tickets are POSTed and the accounts that answer for it.
CREATE TABLE owners (
    id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    contacts text NOT NULL DEFAULT '[]',
    emergency_phone text,
    webhook_url text,
    accounts text NOT NULL DEFAULT '[]',
    updated_at timestamptz NOT NULL
);
-- A name belongs to one owner: a ticket's owner is never two organisations.
CREATE TABLE owner_names (
    name text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 200),
    owner_id text NOT NULL REFERENCES owners (id)
);

-- The owners each ticket asks, written with the ticket in its transaction (an outbox: a ticket
-- stored is a notification owed), with the notification's delivery state.
CREATE TABLE ticket_owners (
    ticket_id text NOT NULL REFERENCES excavation_checks (id),
    owner text NOT NULL,
    owner_id text NOT NULL,
    assets integer NOT NULL CHECK (assets >= 0),
    issued_to text,
    issued_at timestamptz NOT NULL,
    answer_by timestamptz NOT NULL,
    webhook_url text,
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    delivered_at timestamptz,
    PRIMARY KEY (ticket_id, owner)
);
CREATE INDEX ticket_owners_inbox ON ticket_owners (owner_id, issued_at DESC);
CREATE INDEX ticket_owners_due ON ticket_owners (next_attempt_at)
    WHERE next_attempt_at IS NOT NULL;

-- Every attempt to deliver a notification, kept.
CREATE TABLE notification_attempts (
    ticket_id text NOT NULL,
    owner text NOT NULL,
    attempt integer NOT NULL CHECK (attempt >= 1),
    at timestamptz NOT NULL,
    status integer,
    error text,
    duration_ms integer NOT NULL,
    PRIMARY KEY (ticket_id, owner, attempt),
    FOREIGN KEY (ticket_id, owner) REFERENCES ticket_owners (ticket_id, owner)
);
CREATE TRIGGER notification_attempts_append_only BEFORE UPDATE OR DELETE ON notification_attempts
    FOR EACH ROW EXECUTE FUNCTION undermap_append_only();

-- Owners' answers, numbered per ticket; never changed (a new answer is a new row).
CREATE TABLE ticket_responses (
    ticket_id text NOT NULL,
    seq integer NOT NULL CHECK (seq >= 1),
    owner text NOT NULL,
    code text NOT NULL CHECK (code IN ('clear', 'marked', 'records_provided',
        'site_meeting_required', 'standby_required', 'conflict')),
    note text,
    files text NOT NULL DEFAULT '[]',
    answered_by text,
    answered_at timestamptz NOT NULL,
    PRIMARY KEY (ticket_id, seq),
    FOREIGN KEY (ticket_id, owner) REFERENCES ticket_owners (ticket_id, owner)
);
CREATE TRIGGER ticket_responses_append_only BEFORE UPDATE OR DELETE ON ticket_responses
    FOR EACH ROW EXECUTE FUNCTION undermap_append_only();

-- Emergency tickets and when their reason is due, written with the ticket; the reasons given.
CREATE TABLE emergency_tickets (
    ticket_id text PRIMARY KEY REFERENCES excavation_checks (id),
    issued_to text,
    issued_at timestamptz NOT NULL,
    justify_by timestamptz NOT NULL
);
CREATE INDEX emergency_tickets_holder ON emergency_tickets (issued_to, issued_at DESC);
CREATE TABLE ticket_justifications (
    ticket_id text PRIMARY KEY REFERENCES emergency_tickets (ticket_id),
    reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    given_by text,
    given_at timestamptz NOT NULL
);
CREATE TRIGGER ticket_justifications_append_only BEFORE UPDATE OR DELETE ON ticket_justifications
    FOR EACH ROW EXECUTE FUNCTION undermap_append_only();
