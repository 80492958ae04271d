//! The audit trail: every request that reads or changes data, appended off the hot path by one
//! writer task in batches, each entry chained to the one before by SHA-256. Tiles served are
//! counted into one entry per caller and minute (`tile_reads.rs`).

use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};
use tokio::sync::{mpsc, oneshot};
use undermap_store::{chain_hash, AccessStore, AuditEvent, AuditQuery, GENESIS};

use crate::AuthError;
use tile_reads::{is_tile_read, TileReads};

mod tile_reads;

/// Entries waiting for the store beyond this are counted, not kept, and the count is written
/// into the chain as a gap entry once the store takes writes again.
pub const MAX_PENDING: usize = 200_000;
/// Entries appended in one transaction at most.
const BATCH: usize = 5_000;

fn micros<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Micros, true))
}

/// One request as the audit trail records it. Serialised in this field order, which is the
/// canonical form the chain hash covers.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AuditEntry {
    /// When the request arrived (microseconds).
    #[serde(serialize_with = "micros")]
    pub at: DateTime<Utc>,
    /// Account, if authenticated.
    pub actor: Option<String>,
    /// Its role.
    pub role: Option<String>,
    /// The key used.
    pub key_id: Option<String>,
    /// The client address.
    pub address: String,
    /// HTTP method.
    pub method: String,
    /// The route (`GET /v1/features/{id}`).
    pub endpoint: String,
    /// The path asked for.
    pub path: String,
    /// The query string (filters, bbox, crs …), cut at 2,000 characters.
    pub query: Option<String>,
    /// Status answered.
    pub status: u16,
    /// Features returned, where the endpoint counts them.
    pub returned: Option<u64>,
    /// The area asked about (an excavation or incident area's envelope in CRS84, and m²).
    pub area: Option<serde_json::Value>,
    /// What came of it: a ticket or delivery number, or the problem type of a refusal.
    pub detail: Option<String>,
    /// Time taken, ms.
    pub duration_ms: u64,
}

impl AuditEntry {
    fn event(&self) -> AuditEvent {
        AuditEvent {
            at: self.at,
            actor: self.actor.clone(),
            endpoint: self.endpoint.clone(),
            status: self.status,
            entry: serde_json::to_string(self).unwrap_or_default(),
        }
    }
}

enum Message {
    Entry(Box<AuditEntry>),
    Flush(oneshot::Sender<()>),
    /// Nothing arrived for a second: time to write the tile reads of ended minutes.
    Tick,
}

/// Where handlers send audit entries. Cheap to clone; recording never waits for the store.
#[derive(Debug, Clone)]
pub struct AuditLog {
    sender: Option<mpsc::UnboundedSender<Message>>,
    pending: Arc<AtomicUsize>,
    lost: Arc<AtomicU64>,
}

impl AuditLog {
    /// Starts the writer task on the current Tokio runtime, appending to the store's chain.
    #[must_use]
    pub fn start(store: Arc<dyn AccessStore>) -> Self {
        Self::start_sink(Sink::Store(store))
    }

    /// Starts the writer task appending to a JSON-lines file, chained the same way: for a
    /// read-only site copy, whose store takes no writes. The file is created if missing and
    /// continued where it ends.
    pub fn start_file(path: &Path) -> Result<Self, AuthError> {
        let (seq, hash) = file_head(path)?;
        Ok(Self::start_sink(Sink::File {
            path: path.to_owned(),
            head: tokio::sync::Mutex::new((seq, hash)),
        }))
    }

    fn start_sink(sink: Sink) -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        let log = Self {
            sender: Some(sender),
            pending: Arc::new(AtomicUsize::new(0)),
            lost: Arc::new(AtomicU64::new(0)),
        };
        tokio::spawn(writer(
            sink,
            receiver,
            log.pending.clone(),
            log.lost.clone(),
        ));
        log
    }

    /// A log that records nothing (`audit = false`, for measuring what auditing costs).
    #[must_use]
    pub fn disabled() -> Self {
        Self {
            sender: None,
            pending: Arc::new(AtomicUsize::new(0)),
            lost: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Whether entries are recorded.
    #[must_use]
    pub fn is_enabled(&self) -> bool {
        self.sender.is_some()
    }

    /// Queues an entry.
    pub fn record(&self, mut entry: AuditEntry) {
        let Some(sender) = &self.sender else { return };
        // What a hostile caller sent is recorded, escaped: a NUL would fail the whole batch.
        let optional = [&mut entry.query, &mut entry.detail, &mut entry.actor];
        for text in [&mut entry.path, &mut entry.endpoint, &mut entry.address]
            .into_iter()
            .chain(optional.into_iter().flatten())
        {
            if let std::borrow::Cow::Owned(clean) = undermap_core::text::escaped(text) {
                *text = clean;
            }
        }
        if self.pending.fetch_add(1, Ordering::AcqRel) >= MAX_PENDING {
            self.pending.fetch_sub(1, Ordering::AcqRel);
            self.lost.fetch_add(1, Ordering::AcqRel);
            return;
        }
        if sender.send(Message::Entry(Box::new(entry))).is_err() {
            self.pending.fetch_sub(1, Ordering::AcqRel);
            self.lost.fetch_add(1, Ordering::AcqRel);
        }
    }

    /// Waits until everything recorded before this call is in the store (or the writer gave
    /// up for now because the store is away: then after it has been tried once more).
    pub async fn flush(&self) {
        let Some(sender) = &self.sender else { return };
        let (tx, rx) = oneshot::channel();
        if sender.send(Message::Flush(tx)).is_ok() {
            let _ = rx.await;
        }
    }

    /// Entries waiting to be written.
    #[must_use]
    pub fn pending(&self) -> usize {
        self.pending.load(Ordering::Acquire)
    }
}

/// Where the writer appends.
enum Sink {
    Store(Arc<dyn AccessStore>),
    File {
        path: std::path::PathBuf,
        head: tokio::sync::Mutex<(i64, String)>,
    },
}

impl Sink {
    async fn append(&self, events: &[AuditEvent]) -> Result<i64, String> {
        match self {
            Self::Store(store) => store.append_audit(events).await.map_err(|e| e.to_string()),
            Self::File { path, head } => {
                use std::io::Write;
                let mut head = head.lock().await;
                let mut text = String::new();
                let (mut seq, mut prev) = head.clone();
                for e in events {
                    seq += 1;
                    let hash = chain_hash(&prev, seq, &e.entry);
                    let line = serde_json::json!({"seq": seq, "entry": e.entry, "prev_hash": prev, "hash": hash});
                    text.push_str(&line.to_string());
                    text.push('\n');
                    prev = hash;
                }
                let mut file = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                file.write_all(text.as_bytes())
                    .and_then(|()| file.sync_data())
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                *head = (seq, prev);
                Ok(seq)
            }
        }
    }
}

/// The last seq and hash of an audit file (0 and [`GENESIS`] when it is new).
fn file_head(path: &Path) -> Result<(i64, String), AuthError> {
    let v = verify_file(path)?;
    match v.problem {
        None => Ok((v.head_seq, v.head_hash)),
        Some(p) => Err(AuthError::Config(format!(
            "audit file {}: {p}; move it aside before starting",
            path.display()
        ))),
    }
}

/// Checks an audit file written by a read-only server (`seq`, `entry`, `prev_hash`, `hash` per
/// line) the way [`verify`] checks the store's chain.
pub fn verify_file(path: &Path) -> Result<Verification, AuthError> {
    let mut v = Verification {
        entries: 0,
        head_seq: 0,
        head_hash: GENESIS.to_owned(),
        problem: None,
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(v),
        Err(e) => return Err(AuthError::Config(format!("{}: {e}", path.display()))),
    };
    for (i, line) in text.lines().enumerate() {
        let row: serde_json::Value = match serde_json::from_str(line) {
            Ok(r) => r,
            Err(e) => {
                v.problem = Some(format!("line {} is not JSON: {e}", i + 1));
                return Ok(v);
            }
        };
        let seq = row["seq"].as_i64().unwrap_or(-1);
        let entry = row["entry"].as_str().unwrap_or_default();
        let problem = if seq != v.head_seq + 1 {
            Some(format!(
                "line {}: entry {seq} follows entry {}",
                i + 1,
                v.head_seq
            ))
        } else if row["prev_hash"].as_str() != Some(v.head_hash.as_str()) {
            Some(format!("entry {seq} does not link to the entry before it"))
        } else if row["hash"].as_str() != Some(chain_hash(&v.head_hash, seq, entry).as_str()) {
            Some(format!("entry {seq} was changed after it was written"))
        } else {
            None
        };
        if problem.is_some() {
            v.problem = problem;
            return Ok(v);
        }
        v.entries += 1;
        v.head_seq = seq;
        row["hash"]
            .as_str()
            .unwrap_or_default()
            .clone_into(&mut v.head_hash);
    }
    Ok(v)
}

async fn writer(
    sink: Sink,
    mut receiver: mpsc::UnboundedReceiver<Message>,
    pending: Arc<AtomicUsize>,
    lost: Arc<AtomicU64>,
) {
    let mut batch: Vec<AuditEvent> = Vec::new();
    let mut waiters: Vec<oneshot::Sender<()>> = Vec::new();
    let mut tiles = TileReads::default();
    let mut backoff = Duration::from_millis(250);
    let mut closing = false;
    loop {
        if batch.is_empty() && waiters.is_empty() && !closing {
            // Tile reads wait for their minute to end: wake up to write them.
            let next = if tiles.is_empty() {
                receiver.recv().await
            } else {
                tokio::time::timeout(Duration::from_secs(1), receiver.recv())
                    .await
                    .unwrap_or(Some(Message::Tick))
            };
            match next {
                Some(m) => take(m, &mut batch, &mut waiters, &mut tiles, &pending),
                None => closing = true,
            }
        }
        while batch.len() < BATCH && !closing {
            match receiver.try_recv() {
                Ok(m) => take(m, &mut batch, &mut waiters, &mut tiles, &pending),
                Err(_) => break,
            }
        }
        // A flush (or the end) writes the minutes still open too.
        let all = closing || !waiters.is_empty();
        for entry in tiles.take(Utc::now(), all) {
            pending.fetch_add(1, Ordering::AcqRel);
            batch.push(entry.event());
        }
        let gone = lost.swap(0, Ordering::AcqRel);
        if gone > 0 {
            batch.push(gap(gone).event());
        }
        if batch.is_empty() {
            for w in waiters.drain(..) {
                let _ = w.send(());
            }
            if closing {
                return;
            }
            continue;
        }
        match sink.append(&batch).await {
            Ok(seq) => {
                pending.fetch_sub(
                    batch.len().min(pending.load(Ordering::Acquire)),
                    Ordering::AcqRel,
                );
                tracing::debug!(entries = batch.len(), head = seq, "audit entries appended");
                batch.clear();
                backoff = Duration::from_millis(250);
                for w in waiters.drain(..) {
                    let _ = w.send(());
                }
                if closing {
                    return;
                }
            }
            Err(e) => {
                // Keep the batch (a gap entry in it stays too) and try again: nothing is lost
                // while the store is briefly away.
                tracing::warn!(error = %e, waiting = pending.load(Ordering::Acquire), "audit log cannot be written; retrying");
                for w in waiters.drain(..) {
                    let _ = w.send(());
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(15));
            }
        }
    }
}

fn take(
    m: Message,
    batch: &mut Vec<AuditEvent>,
    waiters: &mut Vec<oneshot::Sender<()>>,
    tiles: &mut TileReads,
    pending: &AtomicUsize,
) {
    match m {
        Message::Entry(e) if is_tile_read(&e) => {
            // Counted in its minute's entry, written when the minute ends.
            pending.fetch_sub(1, Ordering::AcqRel);
            tiles.add(*e);
        }
        Message::Entry(e) => batch.push(e.event()),
        Message::Flush(w) => waiters.push(w),
        Message::Tick => {}
    }
}

fn gap(lost: u64) -> AuditEntry {
    AuditEntry {
        at: crate::accounts::now(),
        actor: None,
        role: None,
        key_id: None,
        address: String::new(),
        method: String::new(),
        endpoint: "audit gap".into(),
        path: String::new(),
        query: None,
        status: 0,
        returned: Some(lost),
        area: None,
        detail: Some(format!(
            "{lost} audit entries were not kept: more than {MAX_PENDING} waited while the store could not be written"
        )),
        duration_ms: 0,
    }
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// Entries checked.
    pub entries: u64,
    /// The last entry's seq and hash: record them elsewhere to detect a cut-off tail later.
    pub head_seq: i64,
    /// The last entry's hash.
    pub head_hash: String,
    /// The first problem found, if any.
    pub problem: Option<String>,
}

/// Reads the whole chain and checks that every entry follows the one before, that its hash is
/// right and that its columns say what its entry says. A removed, inserted or edited entry shows
/// as a problem at that position.
pub async fn verify(store: &dyn AccessStore) -> Result<Verification, AuthError> {
    let mut v = Verification {
        entries: 0,
        head_seq: 0,
        head_hash: GENESIS.to_owned(),
        problem: None,
    };
    loop {
        let page = store
            .audit(&AuditQuery {
                after: v.head_seq,
                limit: 10_000,
                ..AuditQuery::default()
            })
            .await?;
        if page.is_empty() {
            return Ok(v);
        }
        for r in page {
            let problem = if r.seq != v.head_seq + 1 {
                Some(format!(
                    "entry {} follows entry {}: entries {} to {} are missing",
                    r.seq,
                    v.head_seq,
                    v.head_seq + 1,
                    r.seq - 1
                ))
            } else if r.prev_hash != v.head_hash {
                Some(format!(
                    "entry {} does not link to the entry before it",
                    r.seq
                ))
            } else if chain_hash(&r.prev_hash, r.seq, &r.entry) != r.hash {
                Some(format!("entry {} was changed after it was written", r.seq))
            } else {
                columns_disagree(&r)
            };
            if let Some(p) = problem {
                v.problem = Some(p);
                return Ok(v);
            }
            v.entries += 1;
            v.head_seq = r.seq;
            v.head_hash = r.hash;
        }
    }
}

fn columns_disagree(r: &undermap_store::AuditRecord) -> Option<String> {
    let entry: serde_json::Value = match serde_json::from_str(&r.entry) {
        Ok(v) => v,
        Err(e) => return Some(format!("entry {} is not JSON: {e}", r.seq)),
    };
    let at = entry["at"]
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc));
    let same = at == Some(r.at)
        && entry["actor"].as_str() == r.actor.as_deref()
        && entry["endpoint"].as_str() == Some(r.endpoint.as_str())
        && entry["status"].as_i64() == Some(i64::from(r.status));
    (!same).then(|| {
        format!(
            "entry {}: its columns were changed (they no longer match the entry)",
            r.seq
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: u64) -> AuditEntry {
        AuditEntry {
            at: crate::accounts::now(),
            actor: Some("crew".into()),
            role: Some("emergency".into()),
            key_id: None,
            address: "127.0.0.1".into(),
            method: "GET".into(),
            endpoint: "GET /v1/layers".into(),
            path: "/v1/layers".into(),
            query: None,
            status: 200,
            returned: Some(n),
            area: None,
            detail: None,
            duration_ms: 1,
        }
    }

    #[tokio::test]
    async fn tiles_served_are_written_as_one_entry_a_minute_and_refusals_each() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let log = AuditLog::start_file(&path).unwrap();
        let tile = |status: u16| AuditEntry {
            endpoint: "GET /tiles/{layer}/{z}/{x}/{y}".into(),
            path: "/tiles/all/16/52609/27361.mvt".into(),
            status,
            ..entry(0)
        };
        for _ in 0..5 {
            log.record(tile(200));
        }
        log.record(tile(403));
        log.record(entry(7));
        log.flush().await;
        let text = std::fs::read_to_string(&path).unwrap();
        let entries: Vec<serde_json::Value> = text
            .lines()
            .map(|l| {
                let row: serde_json::Value = serde_json::from_str(l).unwrap();
                serde_json::from_str(row["entry"].as_str().unwrap()).unwrap()
            })
            .collect();
        assert_eq!(entries.len(), 3, "{text}");
        let served: Vec<&serde_json::Value> = entries
            .iter()
            .filter(|e| e["endpoint"] == "GET /tiles/{layer}/{z}/{x}/{y}" && e["status"] == 200)
            .collect();
        assert_eq!(served.len(), 1);
        assert_eq!(served[0]["returned"], 5);
        assert!(entries.iter().any(|e| e["status"] == 403));
        assert_eq!(verify_file(&path).unwrap().problem, None);
        assert_eq!(log.pending(), 0);
    }

    #[tokio::test]
    async fn a_file_chain_continues_across_restarts_and_shows_edits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("copy.gpkg.audit.jsonl");
        for round in 0..2 {
            let log = AuditLog::start_file(&path).unwrap();
            for n in 0..3 {
                log.record(entry(round * 10 + n));
            }
            log.flush().await;
        }
        let v = verify_file(&path).unwrap();
        assert_eq!((v.entries, v.head_seq, v.problem), (6, 6, None));
        let text = std::fs::read_to_string(&path).unwrap();
        let edited = text.replacen("returned\\\":1,", "returned\\\":9,", 1);
        assert_ne!(edited, text, "the test edits an entry");
        std::fs::write(&path, edited).unwrap();
        let v = verify_file(&path).unwrap();
        assert!(v.problem.unwrap().contains("changed"));
        assert!(
            AuditLog::start_file(&path).is_err(),
            "a broken file is not continued"
        );
    }
}
