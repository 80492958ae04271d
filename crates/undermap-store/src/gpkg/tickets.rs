//! Tickets in the GeoPackage: numbered by an AUTOINCREMENT table, immutable by trigger, written
//! by one thread in group commits. The audit trail is appended by the same thread, so the file
//! has one writer.
//!
//! Every SQLite commit in WAL mode with `synchronous = FULL` waits for one fsync. One thread owns
//! a write connection; it takes every request waiting in its queue (numbers to reserve, tickets to
//! store), does them in one transaction and answers each caller after the commit. Under load the
//! fsync is shared by dozens of checks; a lone check still gets its own commit at once. A caller
//! hears "stored" only after the commit that holds its ticket. Numbers are reserved in blocks,
//! as the PostGIS store reserves them, so a check waits for one commit (its ticket's), not two.
//!
//! Bodies are stored LZ4-compressed, as a BLOB (a little-endian `u32` of the text's length,
//! then the LZ4 block), where PostgreSQL compresses them for TOAST: a 15 KB ticket is written
//! to the WAL and again to the file at checkpoint, and was most of what the writer did. Bodies
//! stored as TEXT (files written before) are read as they are.

use std::path::Path;
use std::sync::{mpsc, Arc};

use chrono::{DateTime, Utc};
use geo_types::Geometry;
use rusqlite::{params, Connection, TransactionBehavior};
use sqlx::SqlitePool;
use tokio::sync::oneshot;
use undermap_core::TicketId;

use super::native::{connect, stamp};
use super::to_gpkg;
use super::GpkgError;
use crate::access::link;
use crate::access::sql::{AUDIT_COLUMNS, AUDIT_END};
use crate::ticket_numbers::{Reserved, BLOCK};
use crate::{AuditEvent, NewTicket, Result, StoreError, GENESIS};

/// Most requests done in one commit.
const MAX_BATCH: usize = 256;

enum Job {
    Numbers {
        now: DateTime<Utc>,
        reply: oneshot::Sender<Result<Vec<i64>>>,
    },
    Save {
        ticket: NewTicket,
        area: Vec<u8>,
        /// The body, compressed ([`pack`]).
        body: Vec<u8>,
        reply: oneshot::Sender<Result<()>>,
    },
    /// Audit entries to chain onto the trail. They go through this thread too: with two
    /// writers on one file, the one that found it locked slept in SQLite's busy handler
    /// (1, 2, 5, 10 … ms), which under load was most of a check's p99 with audit on.
    Audit {
        events: Vec<AuditEvent>,
        reply: oneshot::Sender<Result<i64>>,
    },
}

/// Handle on the ticket-writing thread; the thread ends when the last handle is dropped.
#[derive(Debug, Clone)]
pub(crate) struct TicketWriter {
    jobs: mpsc::Sender<Job>,
    /// Numbers reserved and not yet handed out.
    reserved: Arc<Reserved>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Numbers { .. } => f.write_str("Numbers"),
            Self::Save { ticket, .. } => write!(f, "Save({})", ticket.id),
            Self::Audit { events, .. } => write!(f, "Audit({})", events.len()),
        }
    }
}

impl TicketWriter {
    /// Opens the write connection and starts the thread.
    pub(crate) fn start(path: &Path) -> Result<Self> {
        let conn = connect(path, false)?;
        let (jobs, queue) = mpsc::channel();
        std::thread::Builder::new()
            .name("gpkg-tickets".into())
            .spawn(move || run(&conn, &queue))
            .map_err(|e| StoreError::Write(format!("could not start the ticket writer: {e}")))?;
        Ok(Self {
            jobs,
            reserved: Arc::default(),
        })
    }

    pub(crate) async fn next_id(&self, now: DateTime<Utc>) -> Result<TicketId> {
        self.reserved
            .next(now, || async {
                let (reply, answer) = oneshot::channel();
                self.send(Job::Numbers { now, reply })?;
                answer.await.map_err(|_| gone())?
            })
            .await
    }

    pub(crate) async fn save(&self, srid: i32, ticket: NewTicket) -> Result<()> {
        let area =
            to_gpkg(&Geometry::MultiPolygon(ticket.area.clone()), srid).map_err(|reason| {
                StoreError::Corrupt {
                    id: ticket.id.to_string(),
                    reason,
                }
            })?;
        // A body must be readable back (see `unpack`); a check's limits keep it far smaller.
        if ticket.body.len() > MAX_BODY_BYTES {
            return Err(StoreError::Write(format!(
                "ticket {} is {} bytes, more than the {MAX_BODY_BYTES} a stored ticket may have",
                ticket.id,
                ticket.body.len()
            )));
        }
        // Compressed here, on the caller's thread, so the writer only writes.
        let body = pack(&ticket.body);
        let (reply, answer) = oneshot::channel();
        self.send(Job::Save {
            ticket,
            area,
            body,
            reply,
        })?;
        answer.await.map_err(|_| gone())?
    }

    /// Appends `events` to the audit trail, chained onto its last entry inside the writer's
    /// transaction; the `seq` of the last one appended.
    pub(crate) async fn append_audit(&self, events: Vec<AuditEvent>) -> Result<i64> {
        let (reply, answer) = oneshot::channel();
        self.send(Job::Audit { events, reply })?;
        answer.await.map_err(|_| gone())?
    }

    fn send(&self, job: Job) -> Result<()> {
        self.jobs.send(job).map_err(|_| gone())
    }
}

fn gone() -> StoreError {
    StoreError::Write("the ticket writer has stopped".into())
}

fn run(conn: &Connection, queue: &mpsc::Receiver<Job>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        commit_batch(conn, batch);
    }
    tracing::debug!("ticket writer stopped");
}

/// What each job will answer, decided inside the transaction.
enum Outcome {
    Numbers(Vec<i64>),
    Saved,
    Appended(i64),
    Failed(StoreError),
}

fn commit_batch(conn: &Connection, batch: Vec<Job>) {
    let size = batch.len();
    let outcomes = write_batch(conn, &batch);
    tracing::trace!(size, "ticket batch committed");
    match outcomes {
        Ok(outcomes) => {
            for (job, outcome) in batch.into_iter().zip(outcomes) {
                answer(job, outcome);
            }
        }
        // One bad ticket must not fail the others that shared its transaction: each is tried
        // again on its own, so only the one at fault fails.
        Err(e) if size > 1 => {
            tracing::warn!(error = %e, size, "ticket batch failed; writing its tickets one by one");
            for job in batch {
                commit_batch(conn, vec![job]);
            }
        }
        Err(e) => {
            let reason = e.to_string();
            for job in batch {
                answer(job, Outcome::Failed(StoreError::Write(reason.clone())));
            }
        }
    }
}

fn answer(job: Job, outcome: Outcome) {
    // A caller that gave up (request cancelled) no longer listens; nothing to do then.
    match (job, outcome) {
        (Job::Numbers { reply, .. }, Outcome::Numbers(block)) => drop(reply.send(Ok(block))),
        (Job::Numbers { reply, .. }, Outcome::Failed(e)) => drop(reply.send(Err(e))),
        (Job::Save { reply, .. }, Outcome::Saved) => drop(reply.send(Ok(()))),
        (Job::Save { reply, .. }, Outcome::Failed(e)) => drop(reply.send(Err(e))),
        (Job::Audit { reply, .. }, Outcome::Appended(end)) => drop(reply.send(Ok(end))),
        (Job::Audit { reply, .. }, Outcome::Failed(e)) => drop(reply.send(Err(e))),
        // An outcome of another kind cannot happen (each job makes its own).
        (Job::Numbers { reply, .. }, _) => drop(reply.send(Err(gone()))),
        (Job::Save { reply, .. }, _) => drop(reply.send(Err(gone()))),
        (Job::Audit { reply, .. }, _) => drop(reply.send(Err(gone()))),
    }
}

fn write_batch(conn: &Connection, batch: &[Job]) -> Result<Vec<Outcome>> {
    let lite = GpkgError::sqlite;
    let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)
        .map_err(lite("starting a ticket batch"))?;
    let mut outcomes = Vec::with_capacity(batch.len());
    {
        let mut number = tx
            .prepare_cached(
                "INSERT INTO undermap_ticket_numbers (taken_at) VALUES (?1) RETURNING n",
            )
            .map_err(lite("numbering a ticket"))?;
        let mut save = tx
            .prepare_cached(
                "INSERT INTO undermap_excavation_checks \
                     (id, created_at, reference, area, body, issued_to) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (id) DO NOTHING",
            )
            .map_err(lite("storing a ticket"))?;
        let mut ask = tx
            .prepare_cached(
                "INSERT INTO ticket_owners (ticket_id, owner, owner_id, assets, issued_to, \
                 issued_at, answer_by, webhook_url, next_attempt_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, CASE WHEN ?8 IS NULL THEN NULL ELSE ?6 END)",
            )
            .map_err(lite("storing the owners a ticket asks"))?;
        let mut emergency = tx
            .prepare_cached(
                "INSERT INTO emergency_tickets (ticket_id, issued_to, issued_at, justify_by) \
                 VALUES (?1, ?2, ?3, ?4)",
            )
            .map_err(lite("storing an emergency ticket"))?;
        for job in batch {
            outcomes.push(match job {
                Job::Numbers { now, .. } => {
                    let taken_at = stamp(*now);
                    let block = (0..BLOCK)
                        .map(|_| number.query_row([&taken_at], |r| r.get(0)))
                        .collect::<rusqlite::Result<Vec<i64>>>()
                        .map_err(lite("numbering a ticket"))?;
                    Outcome::Numbers(block)
                }
                Job::Save {
                    ticket, area, body, ..
                } => {
                    let inserted = save
                        .execute(params![
                            ticket.id.to_string(),
                            stamp(ticket.created_at),
                            ticket.reference,
                            area,
                            body,
                            ticket.issued_to
                        ])
                        .map_err(lite("storing a ticket"))?;
                    if inserted == 0 {
                        Outcome::Failed(StoreError::TicketExists(ticket.id.to_string()))
                    } else {
                        let id = ticket.id.to_string();
                        let issued_at = stamp(ticket.created_at);
                        for o in &ticket.owners {
                            ask.execute(params![
                                id,
                                o.owner,
                                o.owner_id,
                                o.assets,
                                ticket.issued_to,
                                issued_at,
                                stamp(o.answer_by),
                                o.webhook_url,
                            ])
                            .map_err(lite("storing the owners a ticket asks"))?;
                        }
                        if let Some(due) = ticket.justify_by {
                            emergency
                                .execute(params![id, ticket.issued_to, issued_at, stamp(due)])
                                .map_err(lite("storing an emergency ticket"))?;
                        }
                        Outcome::Saved
                    }
                }
                Job::Audit { events, .. } => Outcome::Appended(append_audit(&tx, events)?),
            });
        }
    }
    tx.commit().map_err(lite("committing tickets"))?;
    Ok(outcomes)
}

/// Chains `events` onto the trail's last entry, inside the writer's transaction (so the end read
/// is the end written to: no other writer holds the file meanwhile).
fn append_audit(tx: &rusqlite::Transaction<'_>, events: &[AuditEvent]) -> Result<i64> {
    let lite = GpkgError::sqlite;
    let last: Option<(i64, String)> = tx
        .prepare_cached(AUDIT_END)
        .and_then(|mut s| {
            let mut rows = s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.next().transpose()
        })
        .map_err(lite("reading the end of the audit log"))?;
    let (last_seq, last_hash) = last.unwrap_or((0, GENESIS.to_owned()));
    let mut insert = tx
        .prepare_cached(&format!(
            "INSERT INTO audit_log ({AUDIT_COLUMNS}) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
        ))
        .map_err(lite("appending to the audit log"))?;
    let mut end = last_seq;
    for (e, (seq, prev, hash)) in events.iter().zip(link(last_seq, &last_hash, events)) {
        insert
            .execute(params![
                seq,
                stamp(e.at),
                e.actor,
                e.endpoint,
                i32::from(e.status),
                e.entry,
                prev,
                hash
            ])
            .map_err(lite("appending to the audit log"))?;
        end = seq;
    }
    Ok(end)
}

/// A ticket's body as stored: LZ4 with the text's length prepended.
fn pack(body: &str) -> Vec<u8> {
    lz4_flex::block::compress_prepend_size(body.as_bytes())
}

/// Longest body a stored length may announce (a ticket is tens of KB; a corrupt length must not
/// make us allocate gigabytes).
const MAX_BODY_BYTES: usize = 64 << 20;

/// A stored body back as its text: a BLOB is [`pack`]ed, a TEXT (files written before
/// compression) is the text itself.
fn unpack(id: &str, text: Option<String>, packed: Option<Vec<u8>>) -> Result<String> {
    let corrupt = |reason: String| StoreError::Corrupt {
        id: format!("excavation check {id}"),
        reason,
    };
    match (text, packed) {
        (Some(text), _) => Ok(text),
        (None, Some(packed)) => {
            let announced = packed
                .get(..4)
                .and_then(|b| b.try_into().ok())
                .map(u32::from_le_bytes)
                .ok_or_else(|| corrupt("the body is shorter than its length".into()))?;
            if usize::try_from(announced).map_or(true, |n| n > MAX_BODY_BYTES) {
                return Err(corrupt(format!("the body announces {announced} bytes")));
            }
            let bytes = lz4_flex::block::decompress_size_prepended(&packed)
                .map_err(|e| corrupt(format!("the body does not decompress: {e}")))?;
            // A block cut at a sequence boundary decompresses to less than was announced.
            if u32::try_from(bytes.len()).ok() != Some(announced) {
                return Err(corrupt(format!(
                    "the body decompresses to {} bytes, not the {announced} announced",
                    bytes.len()
                )));
            }
            String::from_utf8(bytes).map_err(|e| corrupt(format!("the body is not UTF-8: {e}")))
        }
        (None, None) => Err(corrupt("the body is neither text nor compressed".into())),
    }
}

/// The body as either column, by its storage class.
const BODY: &str = "id, CASE typeof(body) WHEN 'text' THEN body END, \
                    CASE typeof(body) WHEN 'blob' THEN body END";

type Row = (String, Option<String>, Option<Vec<u8>>);

pub(crate) async fn get(pool: &SqlitePool, id: &TicketId) -> Result<Option<String>> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {BODY} FROM undermap_excavation_checks WHERE id = ?"
    ))
    .bind(id.to_string())
    .fetch_optional(pool)
    .await
    .map_err(GpkgError::db("reading a ticket"))?;
    row.map(|(id, text, packed)| unpack(&id, text, packed))
        .transpose()
}

/// The tickets issued to `account`, newest first.
pub(crate) async fn issued_to(
    pool: &SqlitePool,
    account: &str,
    limit: usize,
) -> Result<Vec<String>> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {BODY} FROM undermap_excavation_checks WHERE issued_to = ? \
         ORDER BY created_at DESC, id DESC LIMIT ?"
    ))
    .bind(account)
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(pool)
    .await
    .map_err(GpkgError::db("listing tickets"))?;
    rows.into_iter()
        .map(|(id, text, packed)| unpack(&id, text, packed))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_come_back_as_they_went_in() {
        for body in [
            "",
            "{}",
            r#"{"reference":"水务 \"A\""}"#,
            &"x".repeat(70_000),
        ] {
            assert_eq!(unpack("t", None, Some(pack(body))).unwrap(), body);
            assert_eq!(unpack("t", Some(body.to_owned()), None).unwrap(), body);
        }
        // JSON of a ticket compresses: repeated member names.
        let ticket =
            r#"{"accuracy_m":0.3,"archive_ref":null,"contact":"023-1","kind":"pipe"}"#.repeat(40);
        assert!(pack(&ticket).len() * 4 < ticket.len());
    }

    #[test]
    fn a_damaged_body_is_refused_not_trusted() {
        let mut packed = pack("{\"id\":\"EC-2026-000001\"}");
        packed.truncate(packed.len() - 3);
        assert!(matches!(
            unpack("t", None, Some(packed)),
            Err(StoreError::Corrupt { .. })
        ));
        // Cut after its first complete sequence: shorter than announced.
        let whole = pack(&"abcdefgh".repeat(100));
        let mut cut = whole[..4].to_vec();
        cut.extend_from_slice(&lz4_flex::block::compress(b"abc"));
        assert!(matches!(
            unpack("t", None, Some(cut)),
            Err(StoreError::Corrupt { .. })
        ));
        assert!(unpack("t", None, Some(whole)).is_ok());
        let huge = [0xff, 0xff, 0xff, 0x7f, 0, 0];
        assert!(matches!(
            unpack("t", None, Some(huge.to_vec())),
            Err(StoreError::Corrupt { .. })
        ));
        assert!(matches!(
            unpack("t", None, Some(vec![1])),
            Err(StoreError::Corrupt { .. })
        ));
        assert!(matches!(
            unpack("t", None, None),
            Err(StoreError::Corrupt { .. })
        ));
    }
}
