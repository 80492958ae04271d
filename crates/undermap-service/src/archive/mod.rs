//! The construction-project archive (城建档案): projects and their lifecycle, the files they
//! hand over, the deadlines they owe and the construction units' credit record, over the
//! store's [`undermap_store::ArchiveStore`] and [`undermap_store::FileStore`]. What may happen
//! when is decided by `undermap-archive`; this folder reads and writes, and says who may see what
//! ([`Scope`]).

mod bundle;
mod evaluation;
mod events;
mod files;
mod legacy;
mod overdue;
mod page;
mod projects;
mod touching;
mod units;

use chrono::NaiveDate;
use undermap_archive::credit::Weights;
use undermap_archive::{Catalogue, CreditCode, Lifecycle, ProjectCode, Rules};
use undermap_store::{FileStore, ProjectRecord};

pub use bundle::{Bundle, BundleItem};
pub use evaluation::Evaluation;
pub(crate) use evaluation::LastEvaluation;
pub use events::{EventOut, RecordedEvent};
pub use files::{FileMeta, KeptFile};
pub use legacy::{
    DigitisationStats, LegacyListQuery, LegacyPage, LegacyRecordPage, LegacyRequest, Rate,
};
pub use overdue::OverdueProject;
pub use page::ProjectPage;
pub use projects::{ProjectOut, ProjectRequest, ProjectsPage, ProjectsQuery};
pub(crate) use touching::ProjectAreas;
pub use touching::TouchingProject;
pub use units::{UnitRecord, UnitSummary};

use crate::{Service, ServiceError};

/// Largest file accepted by default: 2 GiB.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 2 << 30;

/// The archive's rules and where its files are kept.
#[derive(Debug, Clone)]
pub struct ArchiveConfig {
    /// The code lists: project and file categories, and what each project category owes.
    pub catalogue: Catalogue,
    /// The deadlines.
    pub rules: Rules,
    /// The credit score's weights.
    pub weights: Weights,
    /// Where file bytes are kept; without one, uploads and downloads answer 503.
    pub files: Option<FileStore>,
    /// Largest file accepted, bytes.
    pub max_file_bytes: u64,
    /// Hours east of UTC of the archive office's calendar (China: 8): what "today" is.
    pub utc_offset_hours: i32,
    /// The hour of the archive office's day the deadlines are evaluated (0–23, default 1).
    pub evaluate_at_hour: u32,
    /// The service window visitors book (default: the shipped `service_window.toml`).
    pub window: undermap_archive::Schedule,
    /// The questions asked after a service (default: the shipped `feedback_questions.toml`).
    pub questionnaire: undermap_archive::feedback::Questionnaire,
    /// What an approved download request's link allows.
    pub download_links: undermap_archive::access::LinkPolicy,
}

impl Default for ArchiveConfig {
    fn default() -> Self {
        Self {
            catalogue: Catalogue::builtin(),
            rules: Rules::default(),
            weights: Weights::default(),
            files: None,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            utc_offset_hours: 8,
            evaluate_at_hour: 1,
            window: undermap_archive::Schedule::builtin(),
            questionnaire: undermap_archive::feedback::Questionnaire::builtin(),
            download_links: undermap_archive::access::LinkPolicy::default(),
        }
    }
}

/// Whose projects a caller may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every project (the archive office, planners, emergency staff).
    All,
    /// Only this construction unit's.
    Unit(CreditCode),
}

impl Scope {
    /// Whether a project of `unit` is in this scope.
    #[must_use]
    pub fn admits(&self, unit: &CreditCode) -> bool {
        match self {
            Self::All => true,
            Self::Unit(own) => own == unit,
        }
    }
}

/// Who reads the archive's files, and how far: the projects whose entries they see, and where
/// they stand toward a project's files (`undermap_archive::access`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reader {
    /// Whose projects they see: every one, one unit's, or none (a contractor, the public: they
    /// find files, not project entries).
    pub scope: Option<Scope>,
    /// The archive office or emergency staff: every file.
    pub keeper: bool,
    /// A role that reads history (planners, network owners).
    pub history: bool,
}

impl Reader {
    /// Where this reader stands toward the files of a project of construction unit `unit`.
    #[must_use]
    pub fn standing(&self, unit: &str) -> undermap_archive::access::Standing {
        use undermap_archive::access::Standing;
        let own = matches!(&self.scope, Some(Scope::Unit(u)) if u.as_str() == unit);
        if self.keeper || own {
            Standing::Keeper
        } else if self.history {
            Standing::History
        } else {
            Standing::Other
        }
    }

    /// What this reader may do with a file at `access` of a project of `unit`.
    #[must_use]
    pub fn decide(
        &self,
        access: undermap_archive::Access,
        unit: &str,
    ) -> undermap_archive::access::Decision {
        access.decide(self.standing(unit))
    }
}

/// A location's box (min x, min y, max x, max y).
pub(crate) fn extent(g: &geo::Geometry<f64>) -> Option<[f64; 4]> {
    use geo::BoundingRect;
    g.bounding_rect()
        .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
}

/// The archive: `service.archive()`.
#[derive(Debug, Clone, Copy)]
pub struct Archive<'a> {
    app: &'a Service,
}

impl Service {
    /// Projects, their events and files, deadlines and the credit record.
    #[must_use]
    pub fn archive(&self) -> Archive<'_> {
        Archive { app: self }
    }
}

impl Archive<'_> {
    fn config(&self) -> &ArchiveConfig {
        &self.app.config().archive
    }

    /// The archive office's today.
    #[must_use]
    pub fn today(&self) -> NaiveDate {
        self.app.config().local_date(chrono::Utc::now())
    }

    /// The project with this code, if `scope` admits it (else not found: a construction unit
    /// does not learn which codes other units' projects have).
    async fn project_in(&self, code: &str, scope: &Scope) -> Result<ProjectRecord, ServiceError> {
        let code: ProjectCode = code.parse()?;
        match self.app.store().project(&code).await? {
            Some(p) if scope.admits(&p.project.unit_code) => Ok(p),
            _ => Err(ServiceError::NotFound {
                what: format!("project {code}"),
            }),
        }
    }

    /// Every project `query` selects (its `after` and `limit` are ignored), read a page at a time.
    async fn all_projects(
        &self,
        query: undermap_store::ProjectQuery,
    ) -> Result<Vec<ProjectRecord>, ServiceError> {
        const PAGE: i64 = 1_000;
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .app
                .store()
                .projects(&undermap_store::ProjectQuery {
                    after: after.take(),
                    limit: PAGE,
                    ..query.clone()
                })
                .await?;
            let full = page.len() as i64 == PAGE;
            after = page.last().map(|p| p.project.code.to_string());
            out.extend(page);
            if !full {
                return Ok(out);
            }
        }
    }

    /// A project's events, replayed.
    async fn lifecycle(&self, code: &ProjectCode) -> Result<Lifecycle, ServiceError> {
        let events = self.app.store().project_events(code).await?;
        replayed(code.as_str(), &events)
    }
}

/// Project `code`'s lifecycle from its recorded events; events that do not replay are our
/// failure (they were checked when recorded).
fn replayed(code: &str, events: &[undermap_store::EventRecord]) -> Result<Lifecycle, ServiceError> {
    Lifecycle::replay(events.iter().map(|e| e.body.clone()))
        .map_err(|e| ServiceError::internal("replaying a project's events", format!("{code}: {e}")))
}
