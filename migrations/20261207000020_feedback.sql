-- What users say about a download, a ticket or a visit (issue 20): one answer per account and
-- subject, append-only, read by period for the archive's yearly report.
CREATE TABLE feedback (
    id bigserial PRIMARY KEY,
    account text NOT NULL,
    service text NOT NULL CHECK (service IN ('download', 'ticket', 'appointment')),
    subject text NOT NULL,
    rating integer NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment text,
    answers text NOT NULL DEFAULT '{}',
    given_at timestamptz NOT NULL,
    UNIQUE (account, service, subject)
);
CREATE INDEX feedback_given ON feedback (given_at);
CREATE TRIGGER feedback_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON feedback
    FOR EACH STATEMENT EXECUTE FUNCTION undermap_append_only();
