//! Projects, their events and the credit record on PostgreSQL: the shared statements of
//! [`crate::archive::sql`], with locations as EWKB.

use std::sync::LazyLock;

use async_trait::async_trait;
use undermap_archive::{CreditCode, ProjectCode};

use super::{PgError, PgStore};
use crate::access::sql::conflict;
use crate::archive::file_sql::{self, files_where, insert_file};
use crate::archive::links;
use crate::archive::search_sql::{search_files, FileDialect, FileSearch, FoundFile, TitleIndex};
use crate::archive::sql::{
    self, bind_details, bind_query, event_record, index_name, insert_project, project_record,
    record_event, same_details, Dialect, ProjectRow, TextSearch,
};
use crate::archive::{
    ArchiveStore, CreditRecord, EventRecord, FileRecord, Intake, NewFile, NewProject,
    NewProjectEvent, ProjectQuery, ProjectRecord,
};
use crate::wkb::{from_ewkb, to_ewkb};
use crate::{Result, StoreError};

const DIALECT: Dialect = Dialect {
    location_in: "ST_GeomFromEWKB($6)",
    location_out: "ST_AsEWKB(location)",
    meets_box: "location && ST_MakeEnvelope({a}, {b}, {c}, {d}, (SELECT srid FROM deployment))",
    name_like: "name ILIKE {p} ESCAPE '\\'",
    fts_match: None,
    grams: true,
    project_day: "COALESCE(permit_date, (registered_at AT TIME ZONE 'UTC')::date)",
    files: FileDialect {
        title_like: "f.title ILIKE {p} ESCAPE '\\'",
        title_index: Some(TitleIndex {
            count: "SELECT count(*) FROM (SELECT 1 FROM project_files \
                    WHERE title ILIKE $1 ESCAPE '\\' LIMIT 5000) s",
            // OFFSET 0 keeps the planner from folding the match into an upload-order scan.
            from: "(SELECT * FROM project_files WHERE title ILIKE {p} ESCAPE '\\' OFFSET 0) f",
            phrase: false,
        }),
        file_day: "COALESCE(f.date, (f.uploaded_at AT TIME ZONE 'UTC')::date)",
        project_meets_box:
            "p.location && ST_MakeEnvelope({a}, {b}, {c}, {d}, (SELECT srid FROM deployment))",
    },
};
static INSERT: LazyLock<String> = LazyLock::new(|| DIALECT.insert_project());
static UPDATE: LazyLock<String> = LazyLock::new(|| DIALECT.update_project());
static ONE: LazyLock<String> = LazyLock::new(|| DIALECT.project());

impl PgStore {
    fn location(&self, p: &NewProject) -> Result<Vec<u8>> {
        to_ewkb(&p.location, self.srid()).map_err(|reason| StoreError::Corrupt {
            id: p.code.to_string(),
            reason,
        })
    }
}

#[async_trait]
impl ArchiveStore for PgStore {
    async fn add_project(&self, p: &NewProject) -> Result<()> {
        self.up()?;
        let location = self.location(p)?;
        let db = PgError::db;
        let mut tx = self
            .pool()
            .begin()
            .await
            .map_err(db("registering a project"))?;
        insert_project!(tx, &INSERT, p, location).map_err(conflict(
            format!("a project with code {} is registered already", p.code),
            db("registering a project"),
        ))?;
        index_name!(tx, p.code, db);
        tx.commit().await.map_err(db("registering a project"))?;
        Ok(())
    }

    async fn add_projects(&self, projects: &[NewProject]) -> Result<usize> {
        self.up()?;
        static INSERT_NEW: LazyLock<String> =
            LazyLock::new(|| format!("{} ON CONFLICT (code) DO NOTHING", *INSERT));
        let db = PgError::db;
        let mut tx = self
            .pool()
            .begin()
            .await
            .map_err(db("registering projects"))?;
        let added = crate::archive::sql::insert_projects!(
            tx,
            projects,
            &*INSERT_NEW,
            |p| self.location(p),
            db
        );
        tx.commit().await.map_err(db("registering projects"))?;
        if added >= 1_000 {
            // Fresh statistics for the planner: before autovacuum gets to a bulk load, a name
            // search was planned as a full read (76 ms on 50,000 projects instead of 9).
            sqlx::query("ANALYZE projects")
                .execute(self.pool())
                .await
                .map_err(db("analysing projects"))?;
        }
        Ok(added)
    }

    async fn intake_project(&self, p: &NewProject) -> Result<Intake> {
        self.up()?;
        let location = self.location(p)?;
        let db = PgError::db;
        let mut tx = self
            .pool()
            .begin()
            .await
            .map_err(db("taking in a project"))?;
        let row: Option<ProjectRow> = sqlx::query_as(&format!("{} FOR UPDATE", *ONE))
            .bind(p.code.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db("reading a project"))?;
        let existing = row.map(|r| project_record(r, from_ewkb)).transpose()?;
        let outcome = match existing {
            None => {
                insert_project!(tx, &INSERT, p, location).map_err(db("registering a project"))?;
                index_name!(tx, p.code, db);
                Intake::Created
            }
            Some(known) if same_details(&known.project, p) => Intake::Unchanged,
            Some(_) => {
                bind_details!(sqlx::query(&UPDATE), p, location)
                    .execute(&mut *tx)
                    .await
                    .map_err(db("updating a project"))?;
                index_name!(tx, p.code, db);
                Intake::Updated
            }
        };
        tx.commit().await.map_err(db("taking in a project"))?;
        Ok(outcome)
    }

    async fn project(&self, code: &ProjectCode) -> Result<Option<ProjectRecord>> {
        self.up()?;
        let row: Option<ProjectRow> = sqlx::query_as(&ONE)
            .bind(code.as_str())
            .fetch_optional(self.pool())
            .await
            .map_err(PgError::db("reading a project"))?;
        row.map(|r| project_record(r, from_ewkb)).transpose()
    }

    async fn projects(&self, q: &ProjectQuery) -> Result<Vec<ProjectRecord>> {
        self.up()?;
        let sql = DIALECT.projects(q);
        // A name search the trigram index can serve (three characters or more) is not kept
        // prepared: a statement PostgreSQL has seen five times gets a generic plan, which reads
        // the table in code order (60 ms instead of 7 on 50,000 projects). Every other list
        // keeps the generic plan, which the code order and the limit serve well (a custom plan
        // sorted all 50,000 registered projects to page through them: 33 ms instead of 1.7).
        let trigram = q
            .text
            .as_deref()
            .is_some_and(|t| DIALECT.text_search(t) == TextSearch::Trigram);
        let rows: Vec<ProjectRow> =
            bind_query!(sqlx::query_as(&sql).persistent(!trigram), q, DIALECT)
                .fetch_all(self.pool())
                .await
                .map_err(PgError::db("listing projects"))?;
        rows.into_iter()
            .map(|r| project_record(r, from_ewkb))
            .collect()
    }

    async fn search_files(&self, q: &FileSearch) -> Result<Vec<FoundFile>> {
        self.up()?;
        search_files!(self.pool(), DIALECT, q, PgError::db)
    }

    async fn project_events(&self, code: &ProjectCode) -> Result<Vec<EventRecord>> {
        self.up()?;
        let rows: Vec<sql::EventRow> = sqlx::query_as(sql::EVENTS)
            .bind(code.as_str())
            .fetch_all(self.pool())
            .await
            .map_err(PgError::db("reading a project's events"))?;
        rows.into_iter()
            .map(|r| event_record(code.as_str(), r))
            .collect()
    }

    async fn events_of_status(
        &self,
        status: undermap_archive::Status,
        unit: Option<&CreditCode>,
    ) -> Result<Vec<(String, Vec<EventRecord>)>> {
        self.up()?;
        crate::archive::lifecycles::events_of_status!(self.pool(), status, unit, PgError::db)
    }

    async fn record_project_event(&self, event: &NewProjectEvent) -> Result<Vec<CreditRecord>> {
        self.up()?;
        let db = PgError::db;
        let mut tx = self
            .pool()
            .begin()
            .await
            .map_err(db("recording an event"))?;
        if !event.credit.is_empty() {
            // One chain across every server on this database: appends take turns.
            sqlx::query("SELECT pg_advisory_xact_lock(hashtext('undermap_credit_entries'))")
                .execute(&mut *tx)
                .await
                .map_err(db("locking the credit record"))?;
        }
        let written = record_event!(tx, event, db);
        tx.commit().await.map_err(db("recording an event"))?;
        Ok(written)
    }

    async fn credit_entries(&self, unit: Option<&CreditCode>) -> Result<Vec<CreditRecord>> {
        self.up()?;
        let rows: Vec<sql::CreditRow> = sqlx::query_as(sql::CREDIT)
            .bind(unit.map(|u| u.as_str().to_owned()))
            .fetch_all(self.pool())
            .await
            .map_err(PgError::db("reading the credit record"))?;
        Ok(rows.into_iter().map(sql::credit_record).collect())
    }

    async fn add_file(&self, file: &NewFile) -> Result<(FileRecord, bool)> {
        self.up()?;
        let db = PgError::db;
        let mut tx = self.pool().begin().await.map_err(db("recording a file"))?;
        let done = insert_file!(tx, file, db);
        tx.commit().await.map_err(db("recording a file"))?;
        Ok(done)
    }

    async fn project_files(&self, code: &ProjectCode) -> Result<Vec<FileRecord>> {
        self.up()?;
        files_where!(
            self.pool(),
            &file_sql::OF_PROJECT,
            code.as_str(),
            PgError::db,
            "reading a project's files"
        )
    }

    async fn file_records(&self, hash: &crate::ContentHash) -> Result<Vec<FileRecord>> {
        self.up()?;
        files_where!(
            self.pool(),
            &file_sql::OF_HASH,
            hash.as_str(),
            PgError::db,
            "reading file records"
        )
    }

    async fn project_deliveries(&self, code: &ProjectCode) -> Result<Vec<links::ProjectDelivery>> {
        self.up()?;
        static SQL: std::sync::LazyLock<String> =
            std::sync::LazyLock::new(|| links::deliveries_sql("deliveries"));
        links::linked_where!(
            self.pool(),
            &SQL,
            code.as_str(),
            links::delivery,
            PgError::db,
            "reading a project's deliveries"
        )
    }

    async fn project_features(&self, code: &ProjectCode) -> Result<Vec<links::ProjectFeature>> {
        self.up()?;
        static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
            links::features_sql(
                "attributes ? 'project_code' AND attributes ->> 'project_code' = $1",
            )
        });
        links::linked_where!(
            self.pool(),
            &SQL,
            code.as_str(),
            links::feature,
            PgError::db,
            "reading a project's features"
        )
    }
}

crate::archive::legacy::legacy_store!(PgStore, pool, PgError::db, up, up);
