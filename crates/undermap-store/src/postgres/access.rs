//! Accounts, keys and the audit chain on PostgreSQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{PgError, PgStore};
use crate::access::sql::{self, conflict};
use crate::access::{
    account, audit_record, key, layers_text, link, AccountRow, AuditRow, KeyRow, GENESIS,
};
use crate::{AccessStore, Account, ApiKeyRecord, AuditEvent, AuditQuery, AuditRecord, Result};

fn taken(what: String) -> impl FnOnce(sqlx::Error) -> crate::StoreError {
    conflict(what, PgError::db("writing an account or key"))
}

#[async_trait]
impl AccessStore for PgStore {
    fn health(&self) -> Option<std::sync::Arc<crate::StoreHealth>> {
        Some(std::sync::Arc::clone(&self.health))
    }

    async fn add_account(&self, a: &Account) -> Result<()> {
        self.up()?;
        sqlx::query(sql::INSERT_ACCOUNT)
            .bind(&a.name)
            .bind(&a.role)
            .bind(layers_text(a.layers.as_ref()))
            .bind(a.service)
            .bind(&a.full_name)
            .bind(a.created_at)
            .bind(a.disabled_at)
            .bind(&a.unit_code)
            .execute(self.pool())
            .await
            .map_err(taken(format!(
                "an account named {:?} exists already",
                a.name
            )))?;
        Ok(())
    }

    async fn accounts(&self) -> Result<Vec<Account>> {
        self.up()?;
        let rows: Vec<AccountRow> = sqlx::query_as(sql::ACCOUNTS)
            .fetch_all(self.pool())
            .await
            .map_err(PgError::db("reading accounts"))?;
        Ok(rows.into_iter().map(account).collect())
    }

    async fn account(&self, name: &str) -> Result<Option<Account>> {
        self.up()?;
        let row: Option<AccountRow> = sqlx::query_as(sql::ACCOUNT)
            .bind(name)
            .fetch_optional(self.pool())
            .await
            .map_err(PgError::db("reading an account"))?;
        Ok(row.map(account))
    }

    async fn set_disabled(&self, name: &str, at: Option<DateTime<Utc>>) -> Result<bool> {
        self.up()?;
        let done = sqlx::query(sql::SET_DISABLED)
            .bind(name)
            .bind(at)
            .execute(self.pool())
            .await
            .map_err(PgError::db("disabling an account"))?;
        Ok(done.rows_affected() == 1)
    }

    async fn add_key(&self, k: &ApiKeyRecord) -> Result<()> {
        self.up()?;
        sqlx::query(sql::INSERT_KEY)
            .bind(&k.key_id)
            .bind(&k.account)
            .bind(&k.hash)
            .bind(&k.label)
            .bind(k.created_at)
            .bind(k.expires_at)
            .bind(k.revoked_at)
            .execute(self.pool())
            .await
            .map_err(taken(format!("key {} exists already", k.key_id)))?;
        Ok(())
    }

    async fn key(&self, key_id: &str) -> Result<Option<ApiKeyRecord>> {
        self.up()?;
        let row: Option<KeyRow> = sqlx::query_as(sql::KEY)
            .bind(key_id)
            .fetch_optional(self.pool())
            .await
            .map_err(PgError::db("reading a key"))?;
        Ok(row.map(key))
    }

    async fn keys(&self, account: Option<&str>) -> Result<Vec<ApiKeyRecord>> {
        self.up()?;
        let rows: Vec<KeyRow> = sqlx::query_as(sql::KEYS)
            .bind(account)
            .fetch_all(self.pool())
            .await
            .map_err(PgError::db("reading keys"))?;
        Ok(rows.into_iter().map(key).collect())
    }

    async fn revoke_key(&self, key_id: &str, at: DateTime<Utc>) -> Result<bool> {
        self.up()?;
        let done = sqlx::query(sql::REVOKE_KEY)
            .bind(key_id)
            .bind(at)
            .execute(self.pool())
            .await
            .map_err(PgError::db("revoking a key"))?;
        Ok(done.rows_affected() == 1)
    }

    async fn append_audit(&self, events: &[AuditEvent]) -> Result<i64> {
        self.up()?;
        let db = PgError::db;
        let mut tx = self
            .pool()
            .begin()
            .await
            .map_err(db("appending to the audit log"))?;
        // One chain across every server on this database: appends take turns.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('undermap_audit_log'))")
            .execute(&mut *tx)
            .await
            .map_err(db("locking the audit log"))?;
        let last: Option<(i64, String)> = sqlx::query_as(sql::AUDIT_END)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db("reading the end of the audit log"))?;
        let (last_seq, last_hash) = last.unwrap_or((0, GENESIS.to_owned()));
        let links = link(last_seq, &last_hash, events);
        let mut seqs = Vec::with_capacity(events.len());
        let (mut ats, mut actors, mut endpoints, mut statuses, mut entries) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut prevs, mut hashes) = (Vec::new(), Vec::new());
        for (e, (seq, prev, hash)) in events.iter().zip(links) {
            seqs.push(seq);
            ats.push(e.at);
            actors.push(e.actor.clone());
            endpoints.push(e.endpoint.clone());
            statuses.push(i32::from(e.status));
            entries.push(e.entry.clone());
            prevs.push(prev);
            hashes.push(hash);
        }
        let end = seqs.last().copied().unwrap_or(last_seq);
        sqlx::query(
            "INSERT INTO audit_log (seq, at, actor, endpoint, status, entry, prev_hash, hash) \
             SELECT * FROM UNNEST($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], \
             $5::integer[], $6::text[], $7::text[], $8::text[])",
        )
        .bind(&seqs)
        .bind(&ats)
        .bind(&actors)
        .bind(&endpoints)
        .bind(&statuses)
        .bind(&entries)
        .bind(&prevs)
        .bind(&hashes)
        .execute(&mut *tx)
        .await
        .map_err(db("appending to the audit log"))?;
        tx.commit()
            .await
            .map_err(db("committing to the audit log"))?;
        Ok(end)
    }

    async fn audit(&self, q: &AuditQuery) -> Result<Vec<AuditRecord>> {
        self.up()?;
        let rows: Vec<AuditRow> = sqlx::query_as(sql::AUDIT)
            .bind(q.after)
            .bind(q.limit)
            .bind(&q.actor)
            .bind(&q.endpoint)
            .bind(q.since)
            .bind(q.until)
            .bind(q.min_status)
            .fetch_all(self.pool())
            .await
            .map_err(PgError::db("reading the audit log"))?;
        Ok(rows.into_iter().map(audit_record).collect())
    }
}
