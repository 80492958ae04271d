//! The OpenAPI paths of this folder's routes. Excavation checks, tickets, their verification and print page.

use serde_json::{json, Value};

use crate::openapi::kit::{ok, op, param, problem_responses, Common};

/// This folder's paths, in the order the document lists them.
#[allow(clippy::too_many_lines)]
pub(crate) fn paths(common: &Common) -> Vec<(String, Value)> {
    let Common { any, .. } = common;
    let mut paths = Vec::new();
    let mut add = |path: &str, item: Value| paths.push((path.to_owned(), item));
    add(
        "/v1/excavation-checks",
        json!({ "get": op(
            "The caller's own tickets, newest first (number, dates, reference, hits, highest risk)",
            "Excavation",
            vec![param("limit", "query", "1 to 500; default 50", json!({ "type": "integer", "minimum": 1, "maximum": 500, "default": 50 }), false)],
            ok("tickets", "application/json", any.clone()),
            &[("422", "limit out of range")],
        )["get"], "post": {
            "summary": "What lies under an excavation area: every feature within the buffer, rated by risk, with owners to call; recorded as a ticket",
            "tags": ["Excavation"],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/CheckRequest" } } } },
            "responses": problem_responses(&[("201", "The ticket"), ("413", "Too many vertices or body too large"), ("415", "Not JSON"), ("422", "Invalid or oversize area, unknown CRS, outside the area of use")]),
        }}),
    );
    add(
        "/v1/excavation-checks/{id}",
        op(
            "A ticket issued earlier, exactly as issued",
            "Excavation",
            vec![param(
                "id",
                "path",
                "Ticket id",
                json!({ "type": "string" }),
                true,
            )],
            ok("The ticket", "application/json", any.clone()),
            &[("404", "No such ticket")],
        ),
    );
    let verify = op(
        "Whether a ticket is this server's, unchanged since it was issued, and still valid (Ed25519 over the SHA-256 of its canonical JSON). Without a credential, give the signature a printout's QR code carries",
        "Excavation",
        vec![
            param("id", "path", "Ticket id", json!({ "type": "string" }), true),
            param("signature", "query", "The ticket's signature (base64), as printed", json!({ "type": "string" }), false),
        ],
        ok("valid, reason, and for a valid ticket its dates, reference and counts", "application/json", any.clone()),
        &[("400", "No signature and no credential"), ("404", "No such ticket")],
    );
    add("/v1/excavation-checks/{id}/verify", verify);
    let key = op(
        "The Ed25519 public key tickets are signed with, for offline checks",
        "Excavation",
        vec![],
        ok(
            "alg, key_id, public_key (base64)",
            "application/json",
            any.clone(),
        ),
        &[],
    );
    add("/v1/tickets/public-key", key);

    add(
        "/tickets/{id}",
        op(
            "The printable ticket (HTML, A4): map of the area, hits, owners, validity, QR code of its verification link. Its holder, or roles that read every ticket",
            "Excavation",
            vec![param("id", "path", "Ticket id", json!({ "type": "string" }), true)],
            ok("The page", "text/html", json!({ "type": "string" })),
            &[("404", "No such ticket, or another's")],
        ),
    );
    paths
}

/// The request body of an excavation check.
pub(crate) fn schemas() -> Vec<(&'static str, Value)> {
    vec![(
        "CheckRequest",
        json!({ "type": "object", "required": ["area"], "additionalProperties": false, "properties": {
                    "area": { "type": "object", "description": "GeoJSON Polygon or MultiPolygon", "required": ["type", "coordinates"], "properties": { "type": { "type": "string", "enum": ["Polygon", "MultiPolygon"] }, "coordinates": { "type": "array", "minItems": 1 } } },
                    "crs": { "type": "string" }, "depth_m": { "type": "number" }, "buffer_m": { "type": "number" },
                    "layers": { "type": "array", "items": { "type": "string" } }, "reference": { "type": "string" }, "at": { "type": "string" },
                    "type": { "type": "string", "enum": ["dig", "orientation", "emergency"], "default": "dig", "description": "orientation: planning and design, a larger area, no dig may rely on it; dig: a planned start in the start window; emergency: immediate, every owner's emergency phone at once, its reason owed by the end of the next working day" },
                    "planned_start": { "type": "string", "format": "date", "description": "A dig's first day, within the start window (by default 3 to 20 working days ahead; the holiday calendar counts); default the window's first day" }
                } }),
    )]
}
