use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use undermap_archive::feedback::Service as Kind;
use undermap_auth::Capability;
use undermap_service::{FeedbackInput, Service};

use crate::http::day_opt;
use crate::security::{noted, Caller};
use crate::ApiError;

fn bad(reason: impl Into<String>) -> ApiError {
    ApiError::BadParameter(reason.into())
}

/// Query of `GET /v1/feedback/questions`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct QuestionsQuery {
    service: Option<String>,
}

/// `GET /v1/feedback/questions[?service=]`: the questionnaire, or the questions one service
/// asks.
pub(crate) async fn questions(
    service: web::Data<Service>,
    caller: Caller,
    query: web::Query<QuestionsQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Read)?;
    let questionnaire = service.feedback().questionnaire();
    let questions: Vec<_> = match query.service.as_deref() {
        None => questionnaire.questions.iter().collect(),
        Some(s) => {
            let kind: Kind = s.parse().map_err(undermap_service::ServiceError::from)?;
            questionnaire.for_service(kind).collect()
        }
    };
    Ok(HttpResponse::Ok().json(serde_json::json!({ "questions": questions })))
}

/// `POST /v1/feedback`: a rating (1 to 5), a comment and answers on a download, a ticket or a
/// visit of the caller's; once per subject.
#[tracing::instrument(skip(service, caller, body), fields(account = %caller.account))]
pub(crate) async fn give(
    service: web::Data<Service>,
    caller: Caller,
    body: web::Json<FeedbackInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Read)?;
    let record = service
        .feedback()
        .give(body.into_inner(), &caller.account)
        .await?;
    let detail = format!(
        "feedback {} on {} {}: {}",
        record.id,
        record.feedback.service.as_str(),
        record.subject,
        record.feedback.rating
    );
    Ok(noted(HttpResponse::Created().json(&record), detail))
}

/// Query of `GET /v1/feedback/summary`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SummaryQuery {
    from: Option<String>,
    to: Option<String>,
    format: Option<String>,
}

/// `GET /v1/feedback/summary?from=&to=[&format=csv]`: satisfaction by service and month, the
/// questions' answers, the words comments share and the low ratings to act on (the archive's
/// staff and administrators); as CSV, a row per service and month.
pub(crate) async fn summary(
    service: web::Data<Service>,
    caller: Caller,
    query: web::Query<SummaryQuery>,
) -> Result<HttpResponse, ApiError> {
    if !caller.can(Capability::Archive) {
        caller.require(Capability::Admin)?;
    }
    let (from, to) = (
        day_opt("from", query.from.as_deref())?,
        day_opt("to", query.to.as_deref())?,
    );
    let desk = service.feedback();
    match query.format.as_deref() {
        None | Some("json") => {
            let (from, to, report) = desk.report(from, to).await?;
            let mut body = serde_json::to_value(&report).unwrap_or_default();
            body["from"] = serde_json::json!(from);
            body["to"] = serde_json::json!(to);
            Ok(HttpResponse::Ok().json(body))
        }
        Some("csv") => Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"feedback.csv\"",
            ))
            .body(desk.report_csv(from, to).await?)),
        Some(other) => Err(bad(format!("format: {other:?}; give json or csv"))),
    }
}
