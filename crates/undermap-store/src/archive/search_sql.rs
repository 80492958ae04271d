//! The archive search's statement on files, which both backends run with their own text
//! condition: a trigram index on titles (`pg_trgm` on PostGIS, FTS5 `trigram` in the
//! GeoPackage) for three characters or more, LIKE below that, newest first.

use chrono::NaiveDate;

use super::sql::{contains_pattern, Dialect};

/// Which files to find.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileSearch {
    /// Only those whose title (or project code) contains this text.
    pub text: Option<String>,
    /// Only files of projects whose extent meets this box (deployment CRS).
    pub bbox: Option<[f64; 4]>,
    /// Only this file category.
    pub category: Option<String>,
    /// Only those whose document day (else upload day) is in this range, inclusive.
    pub days: Option<(NaiveDate, NaiveDate)>,
    /// Only this construction unit's projects' files.
    pub unit: Option<undermap_archive::CreditCode>,
    /// At most this many, newest first.
    pub limit: i64,
}

/// A file the search found, with what the result list shows of its project.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundFile {
    /// The file.
    pub file: super::FileRecord,
    /// Its project's name.
    pub project_name: String,
    /// Its project's construction unit.
    pub unit_code: String,
    /// Its project's extent (min x, min y, max x, max y, deployment CRS).
    pub extent: [f64; 4],
}

/// What the file search needs of a backend.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FileDialect {
    /// The condition that `f.title` matches the LIKE pattern at `{p}` (ASCII case ignored).
    pub title_like: &'static str,
    /// Where titles have a trigram index: how to read it.
    pub title_index: Option<TitleIndex>,
    /// A file's day for a date filter: its document day, else its upload day.
    pub file_day: &'static str,
    /// The condition that project `p`'s extent meets the box `{a}` … `{d}`.
    pub project_meets_box: &'static str,
}

const COLUMNS: &str = "f.project_code, f.sha256, f.size, f.media_type, f.category, f.title, \
     f.file_name, f.date, f.feature_ids, f.scan, f.uploaded_by, f.uploaded_at, \
     COALESCE(a.access, 'on_request') AS access, p.name AS project_name, p.unit_code, \
     p.min_x, p.min_y, p.max_x, p.max_y";

/// A found file's row: the file's columns, then its project's name, unit and extent.
#[derive(sqlx::FromRow)]
pub(crate) struct FoundRow {
    project_code: String,
    sha256: String,
    size: i64,
    media_type: String,
    category: String,
    title: String,
    file_name: Option<String>,
    date: Option<NaiveDate>,
    feature_ids: String,
    scan: Option<String>,
    uploaded_by: Option<String>,
    uploaded_at: chrono::DateTime<chrono::Utc>,
    access: String,
    project_name: String,
    unit_code: String,
    min_x: f64,
    min_y: f64,
    max_x: f64,
    max_y: f64,
}

/// A backend's trigram index on file titles, read in two steps: how many titles (at most
/// [`INDEX_MOST`]) hold the text; if fewer, the files are read through the index and sorted;
/// else the text is common enough that the newest files, read in upload order, hold 500 of its
/// matches within a few thousand rows. (Either plan alone is slow for the other kind of text:
/// 240 ms for a rare text read in upload order on PostGIS, seconds for a common one joined
/// through the index in a GeoPackage; docs/performance.md.)
#[derive(Debug, Clone, Copy)]
pub(crate) struct TitleIndex {
    /// How many titles hold the text bound at `$1`, counted up to [`INDEX_MOST`].
    pub count: &'static str,
    /// The files (`f`) whose title holds the text at `{p}`, as a FROM clause.
    pub from: &'static str,
    /// Whether the text is bound as an FTS5 phrase (else as a LIKE pattern).
    pub phrase: bool,
}

/// Most title matches read through the index.
pub(crate) const INDEX_MOST: i64 = 5_000;

impl Dialect {
    /// Whether a search for `text` may read the title index (three characters or more).
    pub(crate) fn title_indexed(text: &str) -> bool {
        text.chars().count() >= 3 && !is_code(text)
    }

    /// The statement of `q`, with only the conditions it sets; binds as [`bind_file_search`].
    pub(crate) fn file_search(&self, q: &FileSearch) -> String {
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        let mut conditions = Vec::new();
        let mut from = "project_files f".to_owned();
        if let Some(t) = &q.text {
            let p = next();
            match self.files.title_index {
                _ if is_code(t) => conditions.push(format!("f.project_code LIKE {p} ESCAPE '\\'")),
                Some(index) if Self::title_indexed(t) => from = index.from.replace("{p}", &p),
                _ => conditions.push(self.files.title_like.replace("{p}", &p)),
            }
        }
        if q.category.is_some() {
            conditions.push(format!("f.category = {}", next()));
        }
        if q.days.is_some() {
            let (a, b) = (next(), next());
            conditions.push(format!("{} BETWEEN {a} AND {b}", self.files.file_day));
        }
        if q.unit.is_some() {
            conditions.push(format!("p.unit_code = {}", next()));
        }
        if q.bbox.is_some() {
            let (a, b, c, d) = (next(), next(), next(), next());
            conditions.push(
                self.files
                    .project_meets_box
                    .replace("{a}", &a)
                    .replace("{b}", &b)
                    .replace("{c}", &c)
                    .replace("{d}", &d),
            );
        }
        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let joined = "JOIN projects p ON p.code = f.project_code LEFT JOIN file_access a \
             ON a.project_code = f.project_code AND a.sha256 = f.sha256";
        let order = "ORDER BY f.uploaded_at DESC, f.sha256";
        if q.unit.is_none() && q.bbox.is_none() {
            // Nothing asked of the project: the files are chosen first and only the chosen
            // ones joined to their projects (a join planned for thousands of matches read every
            // project: 20 ms of a rare text's search on PostGIS).
            format!(
                "SELECT {COLUMNS} FROM (SELECT f.* FROM {from} {filter} {order} LIMIT {}) f \
                 {joined} {order}",
                next()
            )
        } else {
            format!(
                "SELECT {COLUMNS} FROM {from} {joined} {filter} {order} LIMIT {}",
                next()
            )
        }
    }

    /// What a file search text is bound as.
    pub(crate) fn file_text_value(&self, text: &str) -> String {
        match self.files.title_index {
            Some(index) if index.phrase && Self::title_indexed(text) => {
                format!("\"{}\"", text.replace('"', "\"\""))
            }
            _ => contains_pattern(text),
        }
    }
}

fn is_code(text: &str) -> bool {
    text.contains('-') && text.chars().all(|c| c.is_ascii_digit() || c == '-')
}

/// Binds a [`FileSearch`] on a statement of [`Dialect::file_search`].
macro_rules! bind_file_search {
    ($query:expr, $q:expr, $dialect:expr) => {{
        let q: &$crate::archive::search_sql::FileSearch = $q;
        let mut query = $query;
        if let Some(t) = &q.text {
            query = query.bind($dialect.file_text_value(t));
        }
        if let Some(c) = &q.category {
            query = query.bind(c.clone());
        }
        if let Some((a, b)) = q.days {
            query = query.bind(a).bind(b);
        }
        if let Some(u) = &q.unit {
            query = query.bind(u.as_str().to_owned());
        }
        if let Some(b) = q.bbox {
            query = query.bind(b[0]).bind(b[1]).bind(b[2]).bind(b[3]);
        }
        query.bind(q.limit)
    }};
}
pub(crate) use bind_file_search;

/// Finds files for `$q` with `$dialect` (a [`Dialect`], changed here) on `$pool`: the two steps
/// of [`TitleIndex`], then the statement of [`Dialect::file_search`].
macro_rules! search_files {
    ($pool:expr, $dialect:expr, $q:expr, $db:expr) => {{
        let q: &$crate::archive::search_sql::FileSearch = $q;
        let mut dialect = $dialect;
        if let (Some(t), Some(index)) = (&q.text, dialect.files.title_index) {
            if $crate::archive::sql::Dialect::title_indexed(t) {
                let n: i64 = sqlx::query_scalar(index.count)
                    .bind(dialect.file_text_value(t))
                    .fetch_one($pool)
                    .await
                    .map_err($db("searching files"))?;
                if n >= $crate::archive::search_sql::INDEX_MOST {
                    dialect.files.title_index = None;
                }
            }
        }
        let sql = dialect.file_search(q);
        // Not kept prepared: a generic plan would not see which text it is.
        let rows: Vec<$crate::archive::search_sql::FoundRow> =
            $crate::archive::search_sql::bind_file_search!(
                sqlx::query_as(&sql).persistent(false),
                q,
                dialect
            )
            .fetch_all($pool)
            .await
            .map_err($db("searching files"))?;
        rows.into_iter()
            .map($crate::archive::search_sql::found_file)
            .collect()
    }};
}
pub(crate) use search_files;

/// A found file from its row.
pub(crate) fn found_file(r: FoundRow) -> crate::Result<FoundFile> {
    let file = (
        r.project_code,
        r.sha256,
        r.size,
        r.media_type,
        r.category,
        r.title,
        r.file_name,
        r.date,
        r.feature_ids,
        r.scan,
        r.uploaded_by,
        r.uploaded_at,
        r.access,
    );
    Ok(FoundFile {
        file: super::file_sql::file_record(file)?,
        project_name: r.project_name,
        unit_code: r.unit_code,
        extent: [r.min_x, r.min_y, r.max_x, r.max_y],
    })
}
