//! The statements both backends run on the access tables, word for word: the tables have the
//! same names and columns in PostGIS and in the GeoPackage, and these statements keep to what the
//! two dialects share (`$n` parameters, `substr`, `length`, no casts). What only one dialect can
//! say (PostgreSQL's `UNNEST` batch insert, SQLite's writer thread) stays in its backend.

macro_rules! account_columns {
    () => {
        "name, role, layers, service, full_name, created_at, disabled_at, unit_code"
    };
}
macro_rules! key_columns {
    () => {
        "key_id, account, hash, label, created_at, expires_at, revoked_at"
    };
}
macro_rules! audit_columns {
    () => {
        "seq, at, actor, endpoint, status, entry, prev_hash, hash"
    };
}

/// The columns of an audit row, in [`super::AuditRow`] order.
pub(crate) const AUDIT_COLUMNS: &str = audit_columns!();

pub(crate) const INSERT_ACCOUNT: &str = concat!(
    "INSERT INTO accounts (",
    account_columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
);
pub(crate) const ACCOUNTS: &str = concat!(
    "SELECT ",
    account_columns!(),
    " FROM accounts ORDER BY name"
);
pub(crate) const ACCOUNT: &str = concat!(
    "SELECT ",
    account_columns!(),
    " FROM accounts WHERE name = $1"
);
pub(crate) const SET_DISABLED: &str = "UPDATE accounts SET disabled_at = $2 WHERE name = $1";

pub(crate) const INSERT_KEY: &str = concat!(
    "INSERT INTO api_keys (",
    key_columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7)"
);
pub(crate) const KEY: &str = concat!(
    "SELECT ",
    key_columns!(),
    " FROM api_keys WHERE key_id = $1"
);
pub(crate) const KEYS: &str = concat!(
    "SELECT ",
    key_columns!(),
    " FROM api_keys WHERE $1 IS NULL OR account = $1 ORDER BY created_at DESC, key_id"
);
pub(crate) const REVOKE_KEY: &str =
    "UPDATE api_keys SET revoked_at = $2 WHERE key_id = $1 AND revoked_at IS NULL";

/// The end of the chain, which the next append links to.
pub(crate) const AUDIT_END: &str = "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1";
pub(crate) const AUDIT: &str = concat!(
    "SELECT ",
    audit_columns!(),
    " FROM audit_log WHERE seq > $1 AND ($3 IS NULL OR actor = $3) \
     AND ($4 IS NULL OR substr(endpoint, 1, length($4)) = $4) \
     AND ($5 IS NULL OR at >= $5) AND ($6 IS NULL OR at < $6) \
     AND ($7 IS NULL OR status >= $7) \
     ORDER BY seq LIMIT $2"
);

/// What a unique violation on an account or key means to the caller; any other failure is the
/// backend's (`other`).
pub(crate) fn conflict(
    what: String,
    other: impl FnOnce(sqlx::Error) -> crate::StoreError,
) -> impl FnOnce(sqlx::Error) -> crate::StoreError {
    move |e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => crate::StoreError::Conflict(what),
        _ => other(e),
    }
}
