//! Feedback on the archive's services: a user rates a download, a ticket or a visit of theirs
//! (1 to 5), comments, answers the short questionnaire; the archive's report counts it by
//! service and month, as JSON and CSV.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Deserialize;
use undermap_archive::feedback::summary::{self, Entry, Report};
use undermap_archive::feedback::{Answer, Questionnaire, Service as Kind};
use undermap_store::{ContentHash, FeedbackRecord, NewFeedback};

use crate::{Service, ServiceError, Visitor};

/// Feedback: `service.feedback()`.
#[derive(Debug, Clone, Copy)]
pub struct FeedbackDesk<'a> {
    app: &'a Service,
}

impl Service {
    /// Users' feedback and its report.
    #[must_use]
    pub fn feedback(&self) -> FeedbackDesk<'_> {
        FeedbackDesk { app: self }
    }
}

/// Feedback as sent.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedbackInput {
    /// `download`, `ticket` or `appointment`.
    pub service: String,
    /// A file's SHA-256, a ticket's id, an appointment's number: one's own.
    pub subject: String,
    /// 1 to 5.
    pub rating: u8,
    /// What one wants to say.
    #[serde(default)]
    pub comment: Option<String>,
    /// Answers to the questionnaire, by question id.
    #[serde(default)]
    pub answers: BTreeMap<String, Answer>,
}

/// Most days one report covers.
const MAX_REPORT_DAYS: i64 = 3 * 366;

impl<'a> FeedbackDesk<'a> {
    /// The questionnaire.
    #[must_use]
    pub fn questionnaire(&self) -> &'a Questionnaire {
        &self.app.config().archive.questionnaire
    }

    /// Whether `subject` is the caller's: a ticket issued to them, an appointment they booked, a
    /// file or scan the archive holds.
    async fn check_subject(
        &self,
        kind: Kind,
        subject: &str,
        account: &str,
    ) -> Result<String, ServiceError> {
        let not_yours = |what: &str| {
            ServiceError::unprocessable(
                "subject",
                format!("{what} {subject:?} is not one of yours"),
            )
        };
        match kind {
            Kind::Ticket => {
                let t = self.app.excavation().ticket(subject, Some(account)).await;
                t.map(|t| t.id.to_string()).map_err(|_| not_yours("ticket"))
            }
            Kind::Appointment => {
                let visitor = Visitor {
                    account,
                    staff: false,
                };
                let a = self.app.appointments().get(subject, visitor).await;
                a.map(|a| a.number).map_err(|_| not_yours("appointment"))
            }
            Kind::Download => {
                let hash: ContentHash = subject.parse()?;
                let store = self.app.store();
                if store.file_records(&hash).await?.is_empty()
                    && store.legacy_scans(None, Some(&hash)).await?.is_empty()
                {
                    return Err(ServiceError::unprocessable(
                        "subject",
                        format!("file {subject:?} is not in the archive"),
                    ));
                }
                Ok(hash.as_str().to_owned())
            }
        }
    }

    /// Stores feedback; 409 when the account rated that subject already.
    pub async fn give(
        &self,
        input: FeedbackInput,
        account: &str,
    ) -> Result<FeedbackRecord, ServiceError> {
        let kind: Kind = input.service.parse()?;
        let feedback = self.questionnaire().feedback(
            kind,
            input.rating,
            input.comment.as_deref(),
            input.answers,
        )?;
        let subject = self
            .check_subject(kind, input.subject.trim(), account)
            .await?;
        Ok(self
            .app
            .store()
            .add_feedback(&NewFeedback {
                account: account.to_owned(),
                subject,
                feedback,
                given_at: Utc::now(),
            })
            .await?)
    }

    /// The start of `day` on the archive office's calendar, in UTC.
    fn start_of(&self, day: NaiveDate) -> DateTime<Utc> {
        let offset = Duration::hours(i64::from(self.app.config().archive.utc_offset_hours));
        day.and_time(chrono::NaiveTime::MIN).and_utc() - offset
    }

    /// The report of the feedback given from `from` to `to` (days on the office's calendar,
    /// both included; by default the current year to today).
    pub async fn report(
        &self,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<(NaiveDate, NaiveDate, Report), ServiceError> {
        let today = self.app.config().local_date(Utc::now());
        let to = to.unwrap_or(today);
        let from = from.unwrap_or_else(|| {
            NaiveDate::from_ymd_opt(chrono::Datelike::year(&to), 1, 1).unwrap_or(to)
        });
        if to < from || (to - from).num_days() > MAX_REPORT_DAYS {
            return Err(ServiceError::unprocessable(
                "to",
                format!("from {from} to {to}: a range forward over at most {MAX_REPORT_DAYS} days"),
            ));
        }
        let rows = self
            .app
            .store()
            .feedback_between(self.start_of(from), self.start_of(to + Duration::days(1)))
            .await?;
        let config = self.app.config();
        let entries: Vec<Entry> = rows
            .into_iter()
            .map(|r| Entry {
                month: config.local_date(r.given_at).format("%Y-%m").to_string(),
                service: r.feedback.service,
                subject: r.subject,
                rating: r.feedback.rating,
                comment: r.feedback.comment,
                answers: r.feedback.answers,
                given_at: r.given_at,
            })
            .collect();
        Ok((from, to, summary::report(&entries, self.questionnaire())))
    }

    /// The report as CSV: one row per service and month.
    pub async fn report_csv(
        &self,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<String, ServiceError> {
        let (_, _, report) = self.report(from, to).await?;
        let mut out = csv::Writer::from_writer(Vec::new());
        let failed = |e: csv::Error| ServiceError::internal("writing the feedback CSV", e);
        out.write_record(summary::CSV_HEADER).map_err(failed)?;
        for row in summary::csv_rows(&report) {
            out.write_record(row).map_err(failed)?;
        }
        let bytes = out
            .into_inner()
            .map_err(|e| ServiceError::internal("writing the feedback CSV", e))?;
        String::from_utf8(bytes).map_err(|e| ServiceError::internal("writing the feedback CSV", e))
    }
}
