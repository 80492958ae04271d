//! The statements both backends run on the archive tables, and the steps both take to record an
//! event. The tables have the same names and columns in PostGIS and in the GeoPackage; only the
//! geometry differs (EWKB through `ST_GeomFromEWKB` there, GeoPackage binary as it is here), so
//! the statements that carry a location take the backend's expression for it.

use chrono::{DateTime, NaiveDate, Utc};
use geo::BoundingRect;
use geo_types::Geometry;
use undermap_archive::{EventBody, Status};

use super::{CreditRecord, EventRecord, NewCreditEntry, NewProject, ProjectRecord};
use crate::{Result, StoreError};

const COLUMNS: &str = "code, name, category, unit_name, unit_code, {location}, permit_date, \
     planned_start, planned_end, status, events, source, registered_by, registered_at";

/// How a backend writes and reads a location.
pub(crate) struct Dialect {
    /// The expression of `$6` as a stored location.
    pub location_in: &'static str,
    /// The expression that reads `location` back as bytes.
    pub location_out: &'static str,
    /// The condition that a project's extent meets the box `{a}`, `{b}`, `{c}`, `{d}` (min x,
    /// min y, max x, max y placeholders), through the backend's spatial index.
    pub meets_box: &'static str,
    /// The condition that a project's name matches the LIKE pattern bound at `{p}`, ignoring
    /// the case of ASCII letters as SQLite's LIKE does.
    pub name_like: &'static str,
    /// Where names have an FTS5 trigram index: the condition that a name holds the phrase bound
    /// at `{p}` (texts of three characters or more; [`Dialect::text_value`] makes the phrase).
    pub fts_match: Option<&'static str>,
    /// Whether names' one- and two-character pieces are indexed (`project_name_grams`; a site
    /// copy made before they were, opened read-only, has none).
    pub grams: bool,
    /// A project's day for a date filter: its permit day, else the day it was registered.
    pub project_day: &'static str,
    /// What the archive search of files needs of the backend.
    pub files: super::search_sql::FileDialect,
}

impl Dialect {
    fn columns(&self) -> String {
        COLUMNS.replace("{location}", self.location_out)
    }

    pub(crate) fn insert_project(&self) -> String {
        format!(
            "INSERT INTO projects (code, name, category, unit_name, unit_code, location, \
             min_x, min_y, max_x, max_y, permit_date, planned_start, planned_end, source, \
             registered_by, registered_at) VALUES ($1, $2, $3, $4, $5, {}, $7, $8, $9, $10, \
             $11, $12, $13, $14, $15, $16)",
            self.location_in
        )
    }

    /// Brings a project's details up to date (binds as [`bind_details!`]).
    pub(crate) fn update_project(&self) -> String {
        format!(
            "UPDATE projects SET name = $2, category = $3, unit_name = $4, unit_code = $5, \
             location = {}, min_x = $7, min_y = $8, max_x = $9, max_y = $10, permit_date = $11, \
             planned_start = $12, planned_end = $13 WHERE code = $1",
            self.location_in
        )
    }

    pub(crate) fn project(&self) -> String {
        format!("SELECT {} FROM projects WHERE code = $1", self.columns())
    }

    /// The projects `q` asks for, with only the conditions it sets (so that each can use its
    /// index); binds as [`bind_query!`], in the same order.
    pub(crate) fn projects(&self, q: &super::ProjectQuery) -> String {
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        let mut conditions = Vec::new();
        // One or two characters of a name: read from the pieces' index, in code order.
        let grams = q
            .text
            .as_deref()
            .is_some_and(|t| self.text_search(t) == TextSearch::Grams);
        let (from, order) = if grams {
            (
                "project_name_grams g JOIN projects ON code = g.project",
                "g.project",
            )
        } else {
            ("projects", "code")
        };
        if q.status.is_some() {
            conditions.push(format!("status = {}", next()));
        }
        if q.unit.is_some() {
            conditions.push(format!("unit_code = {}", next()));
        }
        if q.category.is_some() {
            conditions.push(format!("category = {}", next()));
        }
        if q.days.is_some() {
            let (a, b) = (next(), next());
            conditions.push(format!("{} BETWEEN {a} AND {b}", self.project_day));
        }
        if let Some(t) = &q.text {
            let p = next();
            conditions.push(match self.text_search(t) {
                TextSearch::Code => format!("code LIKE {p} ESCAPE '\\'"),
                TextSearch::Phrase(fts) => fts.replace("{p}", &p),
                TextSearch::Trigram | TextSearch::Like => self.name_like.replace("{p}", &p),
                TextSearch::Grams => format!("g.gram = lower({p})"),
            });
        }
        if q.bbox.is_some() {
            let (a, b, c, d) = (next(), next(), next(), next());
            conditions.push(
                self.meets_box
                    .replace("{a}", &a)
                    .replace("{b}", &b)
                    .replace("{c}", &c)
                    .replace("{d}", &d),
            );
        }
        if q.after.is_some() {
            conditions.push(format!("{order} > {}", next()));
        }
        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        format!(
            "SELECT {} FROM {from} {filter} ORDER BY {order} LIMIT {}",
            self.columns(),
            next()
        )
    }
}

/// Indexes the one- and two-character pieces of names (lower case), which no trigram serves:
/// `{which}` chooses the projects (`p.code = $1`, or [`NAMES_NOT_INDEXED`]), `{longest}` bounds
/// the positions to read. The same statement in both backends (a recursive series: PostGIS's
/// `generate_series` is not SQLite's).
const NAME_GRAMS: &str = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n \
     WHERE i < {longest}) \
     INSERT INTO project_name_grams (gram, project) \
     SELECT DISTINCT lower(substr(p.name, n.i, l.len)), p.code \
     FROM projects p, n, (SELECT 1 AS len UNION ALL SELECT 2) l \
     WHERE {which} AND n.i + l.len - 1 <= length(p.name) \
     ON CONFLICT DO NOTHING";
/// The projects whose name pieces are not indexed.
const NAMES_NOT_INDEXED: &str =
    "NOT EXISTS (SELECT 1 FROM project_name_grams g WHERE g.project = p.code)";

/// Indexes the name pieces of project `$1` (after its insert, or its update with
/// [`FORGET_NAME_GRAMS`] first).
pub(crate) static INDEX_NAME: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    NAME_GRAMS.replace("{which}", "p.code = $1").replace(
        "{longest}",
        "(SELECT length(name) FROM projects WHERE code = $1)",
    )
});
/// Indexes the name pieces of every project without them (after a bulk load; at open).
pub(crate) static INDEX_NAMES: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    NAME_GRAMS.replace("{which}", NAMES_NOT_INDEXED).replace(
        "{longest}",
        &format!(
            "(SELECT coalesce(max(length(p.name)), 0) FROM projects p WHERE {NAMES_NOT_INDEXED})"
        ),
    )
});
/// Drops the name pieces of project `$1` (its name is about to change).
pub(crate) const FORGET_NAME_GRAMS: &str = "DELETE FROM project_name_grams WHERE project = $1";

pub(crate) const EVENTS: &str = "SELECT seq, body, recorded_by, recorded_at FROM project_events \
     WHERE project_code = $1 ORDER BY seq";
pub(crate) const INSERT_EVENT: &str = "INSERT INTO project_events \
     (project_code, seq, type, date, body, recorded_by, recorded_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";
/// Moves the status only if no other event came first.
pub(crate) const MOVE_STATUS: &str =
    "UPDATE projects SET status = $2, events = $3 WHERE code = $1 AND events = $3 - 1";
pub(crate) const CREDIT_END: &str =
    "SELECT seq, hash FROM credit_entries ORDER BY seq DESC LIMIT 1";
pub(crate) const INSERT_CREDIT: &str = "INSERT INTO credit_entries \
     (seq, unit_code, project_code, event_seq, kind, date, entry, prev_hash, hash) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
pub(crate) const CREDIT: &str = "SELECT seq, unit_code, project_code, event_seq, kind, date, \
     entry, prev_hash, hash FROM credit_entries WHERE $1 IS NULL OR unit_code = $1 ORDER BY seq";

/// Binds a project's code and details, `$1` to `$13`, on a query of
/// [`Dialect::update_project`] or the start of [`Dialect::insert_project`].
macro_rules! bind_details {
    ($query:expr, $p:expr, $location:expr) => {{
        let e = $crate::archive::sql::extent(&$p.location);
        $query
            .bind($p.code.as_str())
            .bind(&$p.name)
            .bind(&$p.category)
            .bind(&$p.unit_name)
            .bind($p.unit_code.as_str())
            .bind($location)
            .bind(e[0])
            .bind(e[1])
            .bind(e[2])
            .bind(e[3])
            .bind($p.permit_date)
            .bind($p.planned_start)
            .bind($p.planned_end)
    }};
}
pub(crate) use bind_details;

/// (Re)indexes the name pieces of project `$code` in an open transaction `$tx`.
macro_rules! index_name {
    ($tx:expr, $code:expr, $db:expr) => {{
        for sql in [
            $crate::archive::sql::FORGET_NAME_GRAMS,
            &*$crate::archive::sql::INDEX_NAME,
        ] {
            sqlx::query(sql)
                .bind($code.as_str())
                .execute(&mut *$tx)
                .await
                .map_err($db("indexing a project's name"))?;
        }
    }};
}
pub(crate) use index_name;

/// Inserts project `$p` (its location encoded as `$location`) with `$sql`, an insert of
/// [`Dialect::insert_project`], in an open transaction `$tx`; evaluates to the rows inserted,
/// or the database's error for the caller to name.
macro_rules! insert_project {
    ($tx:expr, $sql:expr, $p:expr, $location:expr) => {
        $crate::archive::sql::bind_details!(sqlx::query($sql), $p, $location)
            .bind(&$p.source)
            .bind(&$p.registered_by)
            .bind($p.registered_at)
            .execute(&mut *$tx)
            .await
            .map(|done| done.rows_affected())
    };
}
pub(crate) use insert_project;

/// Registers `$projects` in an open transaction `$tx` with `$sql` (an insert of
/// [`Dialect::insert_project`] that skips taken codes), each location encoded by `$location`;
/// evaluates to how many were new.
macro_rules! insert_projects {
    ($tx:expr, $projects:expr, $sql:expr, $location:expr, $db:expr) => {{
        let mut added = 0_usize;
        for p in $projects {
            let location = $location(p)?;
            let done = $crate::archive::sql::insert_project!($tx, $sql, p, location)
                .map_err($db("registering projects"))?;
            added += usize::try_from(done).unwrap_or(0);
        }
        sqlx::query(&$crate::archive::sql::INDEX_NAMES)
            .execute(&mut *$tx)
            .await
            .map_err($db("indexing project names"))?;
        added
    }};
}
pub(crate) use insert_projects;

/// Binds a [`ProjectQuery`] on a query of [`Dialect::projects`]: the conditions it sets, in
/// order, then the limit.
macro_rules! bind_query {
    ($query:expr, $q:expr, $dialect:expr) => {{
        let q: &$crate::archive::ProjectQuery = $q;
        let mut query = $query;
        if let Some(s) = q.status {
            query = query.bind(s.as_str());
        }
        if let Some(u) = &q.unit {
            query = query.bind(u.as_str().to_owned());
        }
        if let Some(c) = &q.category {
            query = query.bind(c.clone());
        }
        if let Some((a, b)) = q.days {
            query = query.bind(a).bind(b);
        }
        if let Some(t) = &q.text {
            query = query.bind($dialect.text_value(t));
        }
        if let Some(b) = q.bbox {
            query = query.bind(b[0]).bind(b[1]).bind(b[2]).bind(b[3]);
        }
        if let Some(a) = &q.after {
            query = query.bind(a.clone());
        }
        query.bind(q.limit)
    }};
}
pub(crate) use bind_query;

/// Records an event in an open transaction `$tx`: moves the status (or refuses: another event
/// came first), inserts the event, chains the credit entries after the chain's end. The
/// backend commits; dropping the transaction on an error leaves nothing.
macro_rules! record_event {
    ($tx:expr, $event:expr, $db:expr) => {{
        let event: &$crate::archive::NewProjectEvent = $event;
        let seq = i32::try_from(event.seq).unwrap_or(i32::MAX);
        let moved = sqlx::query($crate::archive::sql::MOVE_STATUS)
            .bind(event.code.as_str())
            .bind(event.status.as_str())
            .bind(seq)
            .execute(&mut *$tx)
            .await
            .map_err($db("moving a project's status"))?;
        if moved.rows_affected() != 1 {
            return Err($crate::StoreError::Conflict(format!(
                "project {} has had another event recorded meanwhile; read it and try again",
                event.code
            )));
        }
        sqlx::query($crate::archive::sql::INSERT_EVENT)
            .bind(event.code.as_str())
            .bind(seq)
            .bind(event.body.name())
            .bind(event.body.date())
            .bind($crate::archive::sql::body_text(&event.body)?)
            .bind(&event.recorded_by)
            .bind(event.recorded_at)
            .execute(&mut *$tx)
            .await
            .map_err($db("recording a project event"))?;
        let mut written = Vec::new();
        if !event.credit.is_empty() {
            let end: Option<(i64, String)> = sqlx::query_as($crate::archive::sql::CREDIT_END)
                .fetch_optional(&mut *$tx)
                .await
                .map_err($db("reading the end of the credit record"))?;
            let (seq0, hash0) = end.unwrap_or((0, $crate::GENESIS.to_owned()));
            for r in $crate::archive::sql::link(seq0, &hash0, event) {
                sqlx::query($crate::archive::sql::INSERT_CREDIT)
                    .bind(r.seq)
                    .bind(&r.unit_code)
                    .bind(&r.project_code)
                    .bind(r.event_seq)
                    .bind(&r.kind)
                    .bind(r.date)
                    .bind(&r.entry)
                    .bind(&r.prev_hash)
                    .bind(&r.hash)
                    .execute(&mut *$tx)
                    .await
                    .map_err($db("appending to the credit record"))?;
                written.push(r);
            }
        }
        written
    }};
}
pub(crate) use record_event;

/// A location's extent: min x, min y, max x, max y.
pub(crate) fn extent(g: &Geometry<f64>) -> [f64; 4] {
    g.bounding_rect()
        .map_or([0.0; 4], |r| [r.min().x, r.min().y, r.max().x, r.max().y])
}

/// A LIKE pattern matching text that contains `text` (its `%`, `_` and `\` taken literally).
/// How a backend searches for a text: the one rule the condition, the bound value and the
/// statement's preparation follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextSearch {
    /// Digits and dashes: part of a project code, searched with LIKE on codes.
    Code,
    /// Three characters or more where names have an FTS5 index: this condition, with a phrase.
    Phrase(&'static str),
    /// Three characters or more elsewhere: LIKE on names, which a trigram index serves.
    Trigram,
    /// One or two characters, which no trigram serves: the index of names' pieces
    /// (`project_name_grams`).
    Grams,
    /// One or two characters where no pieces are indexed: LIKE on names.
    Like,
}

impl Dialect {
    /// How `text` is searched.
    pub(crate) fn text_search(&self, text: &str) -> TextSearch {
        if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit() || c == '-') {
            TextSearch::Code
        } else if text.chars().count() < 3 {
            if self.grams {
                TextSearch::Grams
            } else {
                TextSearch::Like
            }
        } else if let Some(fts) = self.fts_match {
            TextSearch::Phrase(fts)
        } else {
            TextSearch::Trigram
        }
    }

    /// What a search text is bound as: an FTS5 phrase, or a LIKE pattern.
    pub(crate) fn text_value(&self, text: &str) -> String {
        match self.text_search(text) {
            TextSearch::Phrase(_) => format!("\"{}\"", text.replace('"', "\"\"")),
            TextSearch::Grams => text.to_owned(),
            TextSearch::Code | TextSearch::Trigram | TextSearch::Like => contains_pattern(text),
        }
    }
}

pub(crate) fn contains_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

pub(crate) fn body_text(body: &EventBody) -> Result<String> {
    serde_json::to_string(body).map_err(|e| StoreError::Write(format!("an event body: {e}")))
}

/// The credit entries of `event`, numbered and chained after (`seq`, `hash`).
pub(crate) fn link(seq: i64, hash: &str, event: &super::NewProjectEvent) -> Vec<CreditRecord> {
    let mut prev = hash.to_owned();
    let mut seq = seq;
    event
        .credit
        .iter()
        .map(|e: &NewCreditEntry| {
            seq += 1;
            // Canonical: members in sorted order, as written here.
            let entry = serde_json::json!({
                "date": e.date,
                "detail": e.detail,
                "event_seq": event.seq,
                "kind": e.kind,
                "project": event.code.as_str(),
                "unit": event.unit.as_str(),
            })
            .to_string();
            let hash = crate::chain_hash(&prev, seq, &entry);
            CreditRecord {
                seq,
                unit_code: event.unit.as_str().to_owned(),
                project_code: event.code.as_str().to_owned(),
                event_seq: i32::try_from(event.seq).unwrap_or(i32::MAX),
                kind: e.kind.as_str().to_owned(),
                date: e.date,
                entry,
                prev_hash: std::mem::replace(&mut prev, hash.clone()),
                hash,
            }
        })
        .collect()
}

/// A project row as both backends read it.
pub(crate) type ProjectRow = (
    String,
    String,
    String,
    String,
    String,
    Vec<u8>,
    Option<NaiveDate>,
    Option<NaiveDate>,
    Option<NaiveDate>,
    String,
    i32,
    String,
    Option<String>,
    DateTime<Utc>,
);

/// A project from its row, its location decoded by the backend's `decode`.
pub(crate) fn project_record(
    row: ProjectRow,
    decode: impl Fn(Vec<u8>) -> std::result::Result<Geometry<f64>, String>,
) -> Result<ProjectRecord> {
    let corrupt = |reason: String| StoreError::Corrupt {
        id: row.0.clone(),
        reason,
    };
    let project = NewProject {
        code: row
            .0
            .parse()
            .map_err(|e: undermap_archive::ArchiveError| corrupt(e.to_string()))?,
        name: row.1.clone(),
        category: row.2.clone(),
        unit_name: row.3.clone(),
        unit_code: row
            .4
            .parse()
            .map_err(|e: undermap_archive::ArchiveError| corrupt(e.to_string()))?,
        location: decode(row.5.clone()).map_err(corrupt)?,
        permit_date: row.6,
        planned_start: row.7,
        planned_end: row.8,
        source: row.11.clone(),
        registered_by: row.12.clone(),
        registered_at: row.13,
    };
    let status: Status = row
        .9
        .parse()
        .map_err(|e: undermap_core::CoreError| corrupt(e.to_string()))?;
    Ok(ProjectRecord {
        project,
        status,
        events: u32::try_from(row.10).unwrap_or_default(),
    })
}

pub(crate) type EventRow = (i32, String, Option<String>, DateTime<Utc>);

pub(crate) fn event_record(code: &str, row: EventRow) -> Result<EventRecord> {
    let body = serde_json::from_str(&row.1).map_err(|e| StoreError::Corrupt {
        id: format!("{code} event {}", row.0),
        reason: e.to_string(),
    })?;
    Ok(EventRecord {
        seq: u32::try_from(row.0).unwrap_or_default(),
        body,
        recorded_by: row.2,
        recorded_at: row.3,
    })
}

pub(crate) type CreditRow = (
    i64,
    String,
    String,
    i32,
    String,
    NaiveDate,
    String,
    String,
    String,
);

pub(crate) fn credit_record(r: CreditRow) -> CreditRecord {
    CreditRecord {
        seq: r.0,
        unit_code: r.1,
        project_code: r.2,
        event_seq: r.3,
        kind: r.4,
        date: r.5,
        entry: r.6,
        prev_hash: r.7,
        hash: r.8,
    }
}

/// Whether two registrations say the same of a project (the intake's "unchanged").
pub(crate) fn same_details(a: &NewProject, b: &NewProject) -> bool {
    a.name == b.name
        && a.category == b.category
        && a.unit_name == b.unit_name
        && a.unit_code == b.unit_code
        && a.location == b.location
        && a.permit_date == b.permit_date
        && a.planned_start == b.planned_start
        && a.planned_end == b.planned_end
}
