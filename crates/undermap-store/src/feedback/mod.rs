//! Users' feedback on the archive's services, append-only, one per account and subject, in
//! both stores; the statements are the same for both backends ([`feedback_store!`]).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use undermap_archive::feedback::Feedback;

use crate::{Result, StoreError};

/// Feedback to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFeedback {
    /// Who gave it.
    pub account: String,
    /// What it was about: a ticket id, an appointment number, a file's SHA-256.
    pub subject: String,
    /// The rating, comment and answers, checked.
    pub feedback: Feedback,
    /// When.
    pub given_at: DateTime<Utc>,
}

/// Stored feedback.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedbackRecord {
    /// Its number.
    pub id: i64,
    /// Who gave it.
    pub account: String,
    /// What it was about.
    pub subject: String,
    /// The rating, comment and answers.
    #[serde(flatten)]
    pub feedback: Feedback,
    /// When.
    pub given_at: DateTime<Utc>,
}

/// Users' feedback.
#[async_trait]
pub trait FeedbackStore: Send + Sync {
    /// Stores feedback; [`StoreError::Conflict`] when the account gave feedback on that
    /// subject already.
    async fn add_feedback(&self, f: &NewFeedback) -> Result<FeedbackRecord>;

    /// The feedback given from `from` to before `to`, oldest first.
    async fn feedback_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<FeedbackRecord>>;
}

pub(crate) const ADD: &str = "INSERT INTO feedback (account, service, subject, rating, comment, \
     answers, given_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
pub(crate) const BETWEEN: &str = "SELECT id, account, service, subject, rating, comment, answers, \
     given_at FROM feedback WHERE given_at >= $1 AND given_at < $2 ORDER BY given_at, id";

/// A feedback row.
#[derive(sqlx::FromRow)]
pub(crate) struct Row {
    id: i64,
    account: String,
    service: String,
    subject: String,
    rating: i32,
    comment: Option<String>,
    answers: String,
    given_at: DateTime<Utc>,
}

pub(crate) fn record(r: Row) -> Result<FeedbackRecord> {
    let corrupt = |reason: String| StoreError::Corrupt {
        id: format!("feedback {}", r.id),
        reason,
    };
    Ok(FeedbackRecord {
        id: r.id,
        feedback: Feedback {
            service: r.service.parse().map_err(|e| corrupt(format!("{e}")))?,
            rating: u8::try_from(r.rating).map_err(|e| corrupt(e.to_string()))?,
            comment: r.comment,
            answers: serde_json::from_str(&r.answers).map_err(|e| corrupt(e.to_string()))?,
        },
        account: r.account,
        subject: r.subject,
        given_at: r.given_at,
    })
}

/// [`FeedbackStore`] for one backend: `feedback_store!(PgStore, pool, PgError::db, up, up)`.
macro_rules! feedback_store {
    ($store:ty, $pool:ident, $db:path, $before_write:ident, $before_read:ident) => {
        #[async_trait::async_trait]
        impl $crate::feedback::FeedbackStore for $store {
            async fn add_feedback(
                &self,
                f: &$crate::feedback::NewFeedback,
            ) -> $crate::Result<$crate::feedback::FeedbackRecord> {
                use $crate::feedback as q;
                self.$before_write()?;
                let id: i64 = sqlx::query_scalar(q::ADD)
                    .bind(&f.account)
                    .bind(f.feedback.service.as_str())
                    .bind(&f.subject)
                    .bind(i32::from(f.feedback.rating))
                    .bind(&f.feedback.comment)
                    .bind(
                        serde_json::to_string(&f.feedback.answers).unwrap_or_else(|_| "{}".into()),
                    )
                    .bind(f.given_at)
                    .fetch_one(self.$pool())
                    .await
                    .map_err($crate::access::sql::conflict(
                        format!(
                            "{} gave feedback on {} {} already",
                            f.account,
                            f.feedback.service.as_str(),
                            f.subject
                        ),
                        $db("storing feedback"),
                    ))?;
                Ok(q::FeedbackRecord {
                    id,
                    account: f.account.clone(),
                    subject: f.subject.clone(),
                    feedback: f.feedback.clone(),
                    given_at: f.given_at,
                })
            }

            async fn feedback_between(
                &self,
                from: chrono::DateTime<chrono::Utc>,
                to: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<Vec<$crate::feedback::FeedbackRecord>> {
                use $crate::feedback as q;
                self.$before_read()?;
                let rows: Vec<q::Row> = sqlx::query_as(q::BETWEEN)
                    .bind(from)
                    .bind(to)
                    .fetch_all(self.$pool())
                    .await
                    .map_err($db("reading feedback"))?;
                rows.into_iter().map(q::record).collect()
            }
        }
    };
}
pub(crate) use feedback_store;
