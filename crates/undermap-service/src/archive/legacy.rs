//! Paper records being digitised (存量纸质档案数字化): the archive registers its paper files
//! (案卷) — with their project when one is known, or as legacy records without one — receives
//! their scans with how they were digitised, and reports the digitisation rate by category and
//! year (`GET /v1/archive/stats`; the goal is 100 %).

use std::collections::BTreeMap;

use chrono::{Datelike, Utc};
use serde::{Deserialize, Serialize};
use undermap_store::{
    ContentHash, DigitisationCount, LegacyQuery, LegacyRecord, LegacyScan, NewLegacyRecord,
    ScanMetadata, Upload,
};

use super::Archive;
use crate::ServiceError;

/// Longest archive number.
const MAX_NUMBER_CHARS: usize = 64;
/// Most records a list page holds.
pub const MAX_RECORDS_PAGE: i64 = 1_000;

/// A paper record as an archivist registers it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegacyRequest {
    /// Archive number (档号), unique.
    pub number: String,
    /// Title (案卷题名).
    pub title: String,
    /// File category code (`GET /v1/archive/categories`).
    pub category: String,
    /// Year of the record.
    pub year: i32,
    /// The project it belongs to, when known.
    #[serde(default)]
    pub project: Option<String>,
    /// Where the paper original is kept (shelf mark).
    #[serde(default)]
    pub original: Option<String>,
    /// Its pages.
    #[serde(default)]
    pub pages: Option<u32>,
}

/// Filters of the record list, as a client sends them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegacyListQuery {
    /// Only this file category.
    #[serde(default)]
    pub category: Option<String>,
    /// Only this year.
    #[serde(default)]
    pub year: Option<i32>,
    /// Only digitised records (`true`) or those still on paper only (`false`).
    #[serde(default)]
    pub digitised: Option<bool>,
    /// Only this project's.
    #[serde(default)]
    pub project: Option<String>,
    /// Only numbers after this one (the previous page's `next`).
    #[serde(default)]
    pub after: Option<String>,
    /// At most this many (1–1000, default 100).
    #[serde(default)]
    pub limit: Option<i64>,
}

/// A page of paper records.
#[derive(Debug, Clone, Serialize)]
pub struct LegacyPage {
    /// The records, by number.
    pub records: Vec<LegacyRecord>,
    /// `after` for the next page, if there may be one.
    pub next: Option<String>,
}

/// A paper record with its scans.
#[derive(Debug, Clone, Serialize)]
pub struct LegacyRecordPage {
    /// The record.
    #[serde(flatten)]
    pub record: LegacyRecord,
    /// Its scans, oldest first.
    pub scan_files: Vec<LegacyScan>,
}

/// Records and digitised ones in one group.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Rate {
    /// Paper records registered.
    pub records: u64,
    /// Of them, scanned.
    pub digitised: u64,
    /// `digitised / records` in percent, one decimal; 100 when there are none.
    pub rate_percent: f64,
}

impl Rate {
    fn of(records: u64, digitised: u64) -> Self {
        #[allow(clippy::cast_precision_loss)]
        let rate_percent = if records == 0 {
            100.0
        } else {
            (digitised as f64 * 1000.0 / records as f64).round() / 10.0
        };
        Self {
            records,
            digitised,
            rate_percent,
        }
    }
}

/// The digitisation rate (`GET /v1/archive/stats`).
#[derive(Debug, Clone, Serialize)]
pub struct DigitisationStats {
    /// Every paper record.
    pub total: Rate,
    /// By file category, with the category's name.
    pub by_category: Vec<serde_json::Value>,
    /// By year.
    pub by_year: BTreeMap<i32, Rate>,
    /// By category and year.
    pub by_category_year: Vec<serde_json::Value>,
}

/// The rates of counts per category and year.
#[must_use]
pub fn digitisation_stats(
    counts: &[DigitisationCount],
    name: impl Fn(&str) -> Option<(String, String)>,
) -> DigitisationStats {
    let (mut all, mut cats, mut years) = ((0, 0), BTreeMap::new(), BTreeMap::new());
    let add = |acc: &mut (u64, u64), c: &DigitisationCount| {
        acc.0 += c.records;
        acc.1 += c.digitised;
    };
    for c in counts {
        add(&mut all, c);
        add(cats.entry(c.category.as_str()).or_default(), c);
        add(years.entry(c.year).or_default(), c);
    }
    let named = |category: &str, rate: Rate, year: Option<i32>| {
        let (zh, en) = name(category).unwrap_or_default();
        let mut v = serde_json::json!({ "category": category, "name": zh, "name_en": en });
        if let Some(y) = year {
            v["year"] = y.into();
        }
        if let (Some(m), Ok(serde_json::Value::Object(r))) =
            (v.as_object_mut(), serde_json::to_value(rate))
        {
            m.extend(r);
        }
        v
    };
    DigitisationStats {
        total: Rate::of(all.0, all.1),
        by_category: cats
            .into_iter()
            .map(|(c, (r, d))| named(c, Rate::of(r, d), None))
            .collect(),
        by_year: years
            .into_iter()
            .map(|(y, (r, d))| (y, Rate::of(r, d)))
            .collect(),
        by_category_year: counts
            .iter()
            .map(|c| named(&c.category, Rate::of(c.records, c.digitised), Some(c.year)))
            .collect(),
    }
}

impl Archive<'_> {
    /// Registers a paper record.
    pub async fn register_record(
        &self,
        req: LegacyRequest,
        by: Option<&str>,
    ) -> Result<LegacyRecord, ServiceError> {
        let number = req.number.trim().to_owned();
        if number.is_empty()
            || number.chars().count() > MAX_NUMBER_CHARS
            || number.chars().any(char::is_whitespace)
        {
            return Err(ServiceError::unprocessable(
                "number",
                format!("give 1 to {MAX_NUMBER_CHARS} characters without spaces"),
            ));
        }
        undermap_core::text::plain("number", &number)?;
        let title = req.title.trim().to_owned();
        if title.is_empty() || title.chars().count() > 300 {
            return Err(ServiceError::unprocessable(
                "title",
                "give 1 to 300 characters",
            ));
        }
        undermap_core::text::plain("title", &title)?;
        let catalogue = &self.config().catalogue;
        if !catalogue
            .file_categories
            .iter()
            .any(|c| c.code == req.category)
        {
            return Err(ServiceError::unprocessable(
                "category",
                format!(
                    "{:?} is no file category of the archive (GET /v1/archive/categories)",
                    req.category
                ),
            ));
        }
        let this_year = self.today().year();
        if !(1900..=this_year).contains(&req.year) {
            return Err(ServiceError::unprocessable(
                "year",
                format!("give a year from 1900 to {this_year}"),
            ));
        }
        let project = match &req.project {
            Some(code) => Some(
                self.project_in(code, &super::Scope::All)
                    .await?
                    .project
                    .code
                    .to_string(),
            ),
            None => None,
        };
        if let Some(o) = &req.original {
            undermap_core::text::plain("original", o)?;
        }
        if req.pages == Some(0) {
            return Err(ServiceError::unprocessable("pages", "give at least 1"));
        }
        let record = NewLegacyRecord {
            number,
            title,
            category: req.category,
            year: req.year,
            project,
            original: req.original,
            pages: req.pages,
            registered_by: by.map(str::to_owned),
            registered_at: Utc::now(),
        };
        self.app.store().add_legacy_record(&record).await?;
        Ok(LegacyRecord { record, scans: 0 })
    }

    async fn record_of(&self, number: &str) -> Result<LegacyRecord, ServiceError> {
        self.app
            .store()
            .legacy_record(number)
            .await?
            .ok_or_else(|| ServiceError::NotFound {
                what: format!("paper record {number:?}"),
            })
    }

    /// A paper record with its scans.
    pub async fn legacy_record(&self, number: &str) -> Result<LegacyRecordPage, ServiceError> {
        let record = self.record_of(number).await?;
        let scan_files = self.app.store().legacy_scans(Some(number), None).await?;
        Ok(LegacyRecordPage { record, scan_files })
    }

    /// Paper records, filtered, a page at a time.
    pub async fn legacy_records(&self, q: LegacyListQuery) -> Result<LegacyPage, ServiceError> {
        let limit = q.limit.unwrap_or(100);
        if !(1..=MAX_RECORDS_PAGE).contains(&limit) {
            return Err(ServiceError::unprocessable(
                "limit",
                format!("give 1 to {MAX_RECORDS_PAGE}"),
            ));
        }
        let records = self
            .app
            .store()
            .legacy_records(&LegacyQuery {
                category: q.category,
                year: q.year,
                digitised: q.digitised,
                project: q.project,
                after: q.after,
                limit,
            })
            .await?;
        let next = (records.len() as i64 == limit)
            .then(|| records.last().map(|r| r.record.number.clone()))
            .flatten();
        Ok(LegacyPage { records, next })
    }

    /// Starts receiving a scan of a paper record.
    pub async fn begin_scan(&self, number: &str) -> Result<Upload, ServiceError> {
        self.record_of(number).await?;
        Ok(self.files()?.upload(self.config().max_file_bytes).await?)
    }

    /// Keeps a received scan and records it with how it was digitised; on any refusal nothing
    /// of it is kept. `false` when the record has these bytes already.
    pub async fn finish_scan(
        &self,
        number: &str,
        upload: Upload,
        scan: Option<ScanMetadata>,
        sha256: Option<&str>,
        file_name: Option<String>,
        by: Option<&str>,
    ) -> Result<(LegacyScan, bool), ServiceError> {
        let checked = async {
            let record = self.record_of(number).await?;
            let scan = scan.ok_or_else(|| {
                ServiceError::unprocessable(
                    "scan",
                    "a scan needs its digitisation metadata (scanned_on, dpi, pages, operator)",
                )
            })?;
            if let Some(name) = &file_name {
                undermap_core::text::plain("file name", name)?;
            }
            let expected = sha256.map(str::parse::<ContentHash>).transpose()?;
            Ok::<_, ServiceError>((record, scan, expected))
        }
        .await;
        let (record, scan, expected) = match checked {
            Ok(ok) => ok,
            Err(e) => {
                upload.abort().await;
                return Err(e);
            }
        };
        let stored = upload
            .finish(expected.as_ref(), file_name.as_deref())
            .await?;
        let new = LegacyScan {
            record: record.record.number.clone(),
            sha256: stored.hash.to_string(),
            size: stored.size,
            media_type: stored.media_type.clone(),
            file_name,
            scan,
            uploaded_by: by.map(str::to_owned),
            uploaded_at: Utc::now(),
        };
        match self.app.store().add_legacy_scan(&new).await {
            Ok(added) => {
                if let Ok(file) = undermap_store::EmbeddedFile::of_scan(&new, &record.record) {
                    self.files()?.embed_later(file);
                }
                Ok((new, added))
            }
            Err(e) => {
                self.drop_unnamed(&stored).await;
                Err(e.into())
            }
        }
    }

    /// The digitisation rate of the paper records, by category and year.
    pub async fn digitisation(&self) -> Result<DigitisationStats, ServiceError> {
        let counts = self.app.store().digitisation().await?;
        let catalogue = &self.config().catalogue;
        Ok(digitisation_stats(&counts, |code| {
            catalogue
                .file_categories
                .iter()
                .find(|c| c.code == code)
                .map(|c| (c.name.clone(), c.name_en.clone()))
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(category: &str, year: i32, records: u64, digitised: u64) -> DigitisationCount {
        DigitisationCount {
            category: category.into(),
            year,
            records,
            digitised,
        }
    }

    #[test]
    fn the_rate_is_counted_by_category_and_year() {
        let stats = digitisation_stats(
            &[
                count("as_built_drawings", 1998, 3, 1),
                count("as_built_drawings", 2005, 1, 1),
                count("test_reports", 1998, 4, 0),
            ],
            |c| Some((format!("{c}-zh"), c.to_owned())),
        );
        assert_eq!(stats.total, Rate::of(8, 2));
        assert!((stats.total.rate_percent - 25.0).abs() < f64::EPSILON);
        assert_eq!(stats.by_year[&1998], Rate::of(7, 1));
        assert!((stats.by_year[&1998].rate_percent - 14.3).abs() < 1e-9);
        assert_eq!(stats.by_category[0]["category"], "as_built_drawings");
        assert_eq!(stats.by_category[0]["rate_percent"], 50.0);
        assert_eq!(stats.by_category[1]["digitised"], 0);
        assert_eq!(stats.by_category_year.len(), 3);
        assert_eq!(stats.by_category_year[1]["year"], 2005);
        assert_eq!(stats.by_category_year[1]["rate_percent"], 100.0);
    }

    #[test]
    fn nothing_to_digitise_is_all_digitised() {
        let stats = digitisation_stats(&[], |_| None);
        assert_eq!(stats.total, Rate::of(0, 0));
        assert!((stats.total.rate_percent - 100.0).abs() < f64::EPSILON);
    }
}
