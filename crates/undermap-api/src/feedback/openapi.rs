//! The OpenAPI paths of this folder's routes: the questionnaire, feedback and its report.

use serde_json::{json, Value};

use crate::openapi::kit::{ok, op, param, problem_responses, Common};

/// This folder's paths, in the order the document lists them.
pub(crate) fn paths(common: &Common) -> Vec<(String, Value)> {
    let Common { any, .. } = common;
    let service = json!({ "type": "string", "enum": ["download", "ticket", "appointment"] });
    let mut paths = Vec::new();
    let mut add = |path: &str, item: Value| paths.push((path.to_owned(), item));
    add(
        "/v1/feedback/questions",
        op(
            "The questionnaire asked after a service: each question's id, the services it follows, its kind (rating, yes_no, choice with options) and text",
            "Feedback",
            vec![param("service", "query", "Only the questions this service asks", service.clone(), false)],
            ok("questions", "application/json", any.clone()),
            &[("422", "An unknown service")],
        ),
    );
    add(
        "/v1/feedback",
        json!({ "post": {
            "summary": "Feedback on a download, a ticket or a visit of the caller's: a rating (1 to 5), a comment and answers to the questionnaire; once per subject",
            "tags": ["Feedback"],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/FeedbackInput" } } } },
            "responses": problem_responses(&[
                ("201", "The feedback as stored"),
                ("409", "The account gave feedback on that subject already"),
                ("422", "A rating outside 1 to 5, a comment too long, an answer the service does not ask or of the wrong kind, or a subject not the caller's"),
            ]),
        } }),
    );
    add(
        "/v1/feedback/summary",
        op(
            "The feedback report for a period (default: this year to today): satisfaction (ratings 4–5) and mean rating by service and month, the questions' answers, the words comments share, the low ratings to act on; the archive's staff and administrators",
            "Feedback",
            vec![
                param("from", "query", "First day, YYYY-MM-DD (default 1 January)", json!({ "type": "string", "format": "date" }), false),
                param("to", "query", "Last day, YYYY-MM-DD (default today)", json!({ "type": "string", "format": "date" }), false),
                param("format", "query", "json (default) or csv (a row per service and month)", json!({ "type": "string", "enum": ["json", "csv"] }), false),
            ],
            json!({ "description": "The report", "content": { "application/json": { "schema": any.clone() }, "text/csv": { "schema": { "type": "string" } } } }),
            &[("422", "A range backwards or longer than three years")],
        ),
    );
    paths
}

/// The request bodies of this folder's routes.
pub(crate) fn schemas() -> Vec<(&'static str, Value)> {
    vec![(
        "FeedbackInput",
        json!({ "type": "object", "required": ["service", "subject", "rating"], "additionalProperties": false, "properties": {
            "service": { "type": "string", "enum": ["download", "ticket", "appointment"] },
            "subject": { "type": "string", "minLength": 1, "description": "A file's SHA-256, a ticket's id or an appointment's number: the caller's own" },
            "rating": { "type": "integer", "minimum": 1, "maximum": 5 },
            "comment": { "type": "string", "nullable": true, "maxLength": 2000 },
            "answers": { "type": "object", "description": "Answers by question id (GET /v1/feedback/questions): true/false, a rating 1 to 5, or one of a choice's options", "additionalProperties": { "oneOf": [{ "type": "boolean" }, { "type": "integer", "minimum": 1, "maximum": 5 }, { "type": "string" }] } }
        } }),
    )]
}
