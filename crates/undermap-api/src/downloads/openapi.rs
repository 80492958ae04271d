//! The OpenAPI paths of downloads by access level.

use serde_json::{json, Value};

use crate::openapi::kit::{ok, op, param, with_body, Common};

fn id() -> Value {
    param(
        "id",
        "path",
        "Request number",
        json!({ "type": "integer", "format": "int64" }),
        true,
    )
}

/// This folder's paths, in the order the document lists them.
pub(crate) fn paths(common: &Common) -> Vec<(String, Value)> {
    let Common { any, .. } = common;
    let mut paths = Vec::new();
    let mut add = |path: &str, item: Value| paths.push((path.to_owned(), item));
    add(
        "/v1/projects/{code}/files/{sha256}/access",
        json!({ "put": with_body(
            "Sets how freely a project's file may be downloaded: open (anyone who reads the map), on_request (others than the archive office, the project's unit and history readers ask), restricted (the office, the unit and emergency staff; history readers ask); the archive office",
            "Archive",
            vec![
                param("code", "path", "Project code", json!({ "type": "string" }), true),
                param("sha256", "path", "The file's SHA-256", json!({ "type": "string" }), true),
            ],
            "AccessInput",
            &[("200", "The level set"), ("404", "No such file in that project"), ("422", "An unknown level or a malformed code")],
        ) }),
    );
    add(
        "/v1/download-requests",
        json!({
            "post": with_body(
                "Asks for a file the caller may only ask for, with a purpose; an archivist decides",
                "Archive",
                vec![],
                "DownloadRequestInput",
                &[("201", "The request, pending"), ("404", "No file the caller may see"), ("409", "The caller may download it already, or has a request for it waiting"), ("422", "A purpose empty or over 500 characters")],
            ),
            "get": op(
                "The caller's download requests, newest first; the archive office sees everyone's (mine=true: its own)",
                "Archive",
                vec![
                    param("status", "query", "pending, approved or refused", json!({ "type": "string", "enum": ["pending", "approved", "refused"] }), false),
                    param("mine", "query", "Only the caller's own", json!({ "type": "boolean" }), false),
                    param("limit", "query", "At most this many (1 to 500, default 100)", json!({ "type": "integer", "minimum": 1, "maximum": 500 }), false),
                ],
                ok("requests", "application/json", any.clone()),
                &[("422", "A limit out of range")],
            )["get"].clone(),
        }),
    );
    add(
        "/v1/download-requests/{id}",
        op(
            "One download request: its status, the decision and the link's expiry and uses",
            "Archive",
            vec![id()],
            ok("The request", "application/json", any.clone()),
            &[("404", "No such request of the caller's")],
        ),
    );
    add(
        "/v1/download-requests/{id}/decision",
        json!({ "post": with_body(
            "Approves (the link then works for the configured hours and downloads) or refuses (with a reason) a pending request; the archive office",
            "Archive",
            vec![id()],
            "DownloadDecisionInput",
            &[("200", "The request as decided"), ("404", "No such request"), ("409", "Decided already"), ("422", "A refusal without a reason")],
        ) }),
    );
    add(
        "/v1/download-requests/{id}/file",
        op(
            "The approved file, to the account that asked, while the link has time and uses left; audited with the purpose",
            "Archive",
            vec![id()],
            ok("The file's bytes", "application/octet-stream", json!({ "type": "string", "format": "binary" })),
            &[("404", "No such request of the caller's"), ("409", "Waiting for a decision"), ("410", "The link expired or was used its number of times"), ("304", "Not modified")],
        ),
    );
    paths
}

/// The request bodies of this folder's routes.
pub(crate) fn schemas() -> Vec<(&'static str, Value)> {
    vec![
        (
            "AccessInput",
            json!({ "type": "object", "required": ["access"], "additionalProperties": false, "properties": {
                "access": { "type": "string", "enum": ["open", "on_request", "restricted"] }
            } }),
        ),
        (
            "DownloadRequestInput",
            json!({ "type": "object", "required": ["sha256", "purpose"], "additionalProperties": false, "properties": {
                "sha256": { "type": "string", "pattern": "^[0-9a-f]{64}$" },
                "project": { "type": "string", "nullable": true, "description": "The project holding it (default: the first the caller may ask of)" },
                "purpose": { "type": "string", "minLength": 1, "maxLength": 500 }
            } }),
        ),
        (
            "DownloadDecisionInput",
            json!({ "type": "object", "required": ["approve"], "additionalProperties": false, "properties": {
                "approve": { "type": "boolean" },
                "reason": { "type": "string", "nullable": true, "maxLength": 500, "description": "Required to refuse" }
            } }),
        ),
    ]
}
