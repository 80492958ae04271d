//! The OpenAPI paths of this folder's routes: field reports, claims, photos and the strike
//! statistics.

use serde_json::{json, Value};

use crate::openapi::kit::{ok, op, param, problem_responses, Common};

fn id() -> Value {
    param(
        "id",
        "path",
        "Report number (FR-12 or 12)",
        json!({ "type": "string" }),
        true,
    )
}

fn when(name: &str, required: bool) -> Value {
    param(
        name,
        "query",
        "A day (YYYY-MM-DD, from its start in UTC) or an RFC 3339 time",
        json!({ "type": "string" }),
        required,
    )
}

/// This folder's paths, in the order the document lists them.
pub(crate) fn paths(common: &Common) -> Vec<(String, Value)> {
    let Common { any, .. } = common;
    let mut paths = Vec::new();
    let mut add = |path: &str, item: Value| paths.push((path.to_owned(), item));
    let list = op(
        "Field reports, newest first, each with its status now (open, orphan, claimed, correction_overdue, corrected)",
        "Field reports",
        vec![
            when("from", false),
            when("to", false),
            param("feature_id", "query", "About this asset", json!({ "type": "string" }), false),
            param("type", "query", "found_elsewhere, not_found, unknown_asset or strike", json!({ "type": "string" }), false),
            param("status", "query", "Only those in this status", json!({ "type": "string", "enum": ["open", "orphan", "claimed", "correction_overdue", "corrected"] }), false),
            param("limit", "query", "1 to 1000; default 100", json!({ "type": "integer", "minimum": 1, "maximum": 1000 }), false),
        ],
        ok("field_reports", "application/json", any.clone()),
        &[("422", "A bad filter")],
    );
    let create = json!({
        "summary": "A report from site: an asset found more than 1 m from the map, not found, unknown, or struck; as JSON, or a form with the report as JSON then up to five photos",
        "tags": ["Field reports"],
        "requestBody": { "required": true, "content": {
            "application/json": { "schema": { "$ref": "#/components/schemas/ReportInput" } },
            "multipart/form-data": { "schema": { "type": "object", "required": ["report"], "properties": {
                "report": { "type": "string", "description": "The report as JSON (ReportInput)" },
                "photo": { "type": "array", "maxItems": 5, "items": { "type": "string", "format": "binary" } }
            } } }
        } },
        "responses": problem_responses(&[("201", "The report, numbered, with its deadlines"), ("422", "A missing or bad value: an unknown asset, a position within 1 m of the map, far from the ticket's area, another's ticket")]),
    });
    add(
        "/v1/field-reports",
        json!({ "get": list["get"], "post": create }),
    );
    add(
        "/v1/field-reports/stats",
        op(
            "Strikes per 1,000 tickets in a period, by cause and by owner, with and without a ticket; reports by type; orphans. format=csv: the strikes, one a line",
            "Field reports",
            vec![
                when("from", true),
                when("to", true),
                param("format", "query", "json (default) or csv", json!({ "type": "string", "enum": ["json", "csv"] }), false),
            ],
            ok("The figures", "application/json", any.clone()),
            &[("403", "Administrators, emergency staff and roles that read every ticket"), ("422", "from not before to")],
        ),
    );
    add(
        "/v1/field-reports/{id}",
        op(
            "One report with its status now",
            "Field reports",
            vec![id()],
            ok("The report", "application/json", any.clone()),
            &[("404", "No such report")],
        ),
    );
    add(
        "/v1/field-reports/{id}/claim",
        json!({ "post": {
            "summary": "The owner of the report's asset takes it on (within 10 working days, or the asset is an orphan); for an unknown asset, an owner says it is its",
            "tags": ["Field reports"],
            "parameters": [id()],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ClaimInput" } } } },
            "responses": problem_responses(&[("200", "The report, claimed"), ("403", "The account does not answer for the owner"), ("404", "No such report"), ("409", "Claimed already"), ("422", "No owner named, or another's")]),
        } }),
    );
    add(
        "/v1/field-reports/{id}/photos/{sha256}",
        op(
            "A report's photo, to its reporter, its asset's owner and roles that read every report",
            "Field reports",
            vec![
                id(),
                param(
                    "sha256",
                    "path",
                    "The photo's SHA-256",
                    json!({ "type": "string" }),
                    true,
                ),
            ],
            ok(
                "The photo",
                "image/jpeg",
                json!({ "type": "string", "format": "binary" }),
            ),
            &[("404", "No such photo, or not one the account may see")],
        ),
    );
    paths
}

/// The request bodies of this folder's routes.
pub(crate) fn schemas() -> Vec<(&'static str, Value)> {
    vec![
        (
            "ReportInput",
            json!({ "type": "object", "required": ["type"], "additionalProperties": false, "properties": {
                "type": { "type": "string", "enum": ["found_elsewhere", "not_found", "unknown_asset", "strike"] },
                "ticket": { "type": "string", "description": "The ticket the work was done on (required for found_elsewhere, not_found)" },
                "feature_id": { "type": "string", "description": "The asset (required for found_elsewhere, not_found)" },
                "position": { "type": "array", "items": { "type": "number" }, "minItems": 2, "maxItems": 2, "description": "The measured position in crs axis order (required but for not_found)" },
                "crs": { "type": "string", "description": "Default OGC:CRS84 (a phone's GPS)" },
                "layer": { "type": "string", "description": "The network an unknown asset belongs to" },
                "damage": { "type": "string", "maxLength": 2000, "description": "What a strike damaged (required for strike)" },
                "cause": { "type": "string", "enum": ["no_ticket", "mismarked", "records_wrong", "excavation_practice", "other"], "description": "Why a strike happened (required for strike)" },
                "note": { "type": "string", "maxLength": 2000 }
            } }),
        ),
        (
            "ClaimInput",
            json!({ "type": "object", "additionalProperties": false, "properties": {
                "owner": { "type": "string", "description": "The owner claiming (registry id), if the report's asset does not name it" },
                "note": { "type": "string", "maxLength": 2000 }
            } }),
        ),
    ]
}
