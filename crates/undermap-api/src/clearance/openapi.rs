//! The OpenAPI paths of this folder's routes: clearance checks, their reports, the clearance
//! table and cross-sections.

use serde_json::{json, Value};

use crate::openapi::kit::{ok, op, param, problem_responses, Common};

/// This folder's paths, in the order the document lists them.
pub(crate) fn paths(common: &Common) -> Vec<(String, Value)> {
    let Common { any, .. } = common;
    let number = || {
        param(
            "number",
            "path",
            "Report number, CC-YYYY-NNNNNN",
            json!({ "type": "string" }),
            true,
        )
    };
    let mut paths = Vec::new();
    let mut add = |path: &str, item: Value| paths.push((path.to_owned(), item));
    add(
        "/v1/clearance-checks",
        json!({ "get": op(
            "The caller's clearance reports (every report for roles that read every ticket), newest first: number, date, reference, verdict",
            "Clearance",
            vec![param("limit", "query", "1 to 500; default 50", json!({ "type": "integer", "minimum": 1, "maximum": 500, "default": 50 }), false)],
            ok("reports", "application/json", any.clone()),
            &[("422", "limit out of range")],
        )["get"], "post": {
            "summary": "Checks a planned route against the clearance table (GB 50289 净距): for every existing line and facility within the largest distance that could apply, the horizontal clear distance and the one required, and at every crossing the vertical clear distance from both depths; pass, fail or unknown (a needed value not recorded, or no row for the pair: never pass). Kept as a numbered, signed report",
            "tags": ["Clearance"],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ClearanceRequest" } } } },
            "responses": problem_responses(&[("201", "The report"), ("403", "The role may not check planned routes"), ("413", "Body too large"), ("415", "Not JSON"), ("422", "A route that crosses itself, longer than 20 km or of more than 5,000 vertices, meeting more than 5,000 features, a depth not above 30 m, an unknown type, a gas route without its pressure class, a power route without its voltage, no size, an unknown CRS or a route outside its area of use")]),
        }}),
    );
    add(
        "/v1/clearance-checks/{number}",
        op(
            "A clearance report, exactly as issued, to its holder (or roles that read every ticket)",
            "Clearance",
            vec![number()],
            ok("The report", "application/json", any.clone()),
            &[("404", "No such report, or another's")],
        ),
    );
    add(
        "/v1/clearance-checks/{number}/verify",
        op(
            "Whether a report is this server's and unchanged since it was issued (Ed25519 over the SHA-256 of its canonical JSON, the tickets' key). Without a credential, give the signature the printout's QR code carries",
            "Clearance",
            vec![
                number(),
                param("signature", "query", "The report's signature (base64), as printed", json!({ "type": "string" }), false),
            ],
            ok("valid, reason, and for a valid report its date, verdict, table version and reference", "application/json", any.clone()),
            &[("400", "No signature and no credential"), ("404", "No such report")],
        ),
    );
    add(
        "/clearance/{number}",
        op(
            "The printable clearance report (HTML, A4): map of the route with failing stretches in red, a table per conflict citing its rule, QR code of its verification link",
            "Clearance",
            vec![number()],
            ok("The page", "text/html", json!({ "type": "string" })),
            &[("404", "No such report, or another's")],
        ),
    );
    add(
        "/v1/clearance-table",
        op(
            "The clearance table checks use: its version, which layer holds which class, and every horizontal and vertical row with its distance and source",
            "Clearance",
            vec![],
            ok("The table", "application/json", any.clone()),
            &[],
        ),
    );
    add(
        "/v1/cross-section",
        op(
            "A cross-section (横断面) along a straight cut of at most 1 km: every network line crossing it, in order, with its offset from the start, depth of top and bottom, size, layer and owner, and an SVG drawing (lines the caller may not see in detail: offset, layer and owner only)",
            "Clearance",
            vec![
                param("line", "query", "The cut: x1,y1,x2,y2 in crs", json!({ "type": "string", "pattern": "^[-+0-9.eE]+(,[-+0-9.eE]+){3}$" }), true),
                param("crs", "query", "CRS of line and of the answer's points; default OGC:CRS84", json!({ "type": "string" }), false),
                param("f", "query", "json (default) or svg (the drawing alone; also with Accept: image/svg+xml)", json!({ "type": "string", "enum": ["json", "svg"] }), false),
            ],
            json!({ "description": "The section", "content": { "application/json": { "schema": any }, "image/svg+xml": { "schema": { "type": "string" } } } }),
            &[("400", "line is not four numbers, or an unknown f"), ("422", "A cut of no length or longer than 1 km, an unknown CRS, outside its area of use")],
        ),
    );
    paths
}

/// The request body of a clearance check.
pub(crate) fn schemas() -> Vec<(&'static str, Value)> {
    vec![(
        "ClearanceRequest",
        json!({ "type": "object", "required": ["route", "type", "depth_top_m"], "additionalProperties": false, "properties": {
            "route": { "type": "object", "description": "GeoJSON LineString: the planned route (a simple line)", "required": ["type", "coordinates"], "properties": { "type": { "type": "string", "enum": ["LineString"] }, "coordinates": { "type": "array", "minItems": 2, "maxItems": 5000, "items": { "type": "array", "items": { "type": "number" }, "minItems": 2, "maxItems": 3 } } } },
            "crs": { "type": "string", "description": "CRS of route and of the report's geometries; default OGC:CRS84" },
            "type": { "type": "string", "enum": ["water", "sewer", "storm", "gas", "power", "telecom", "heat"] },
            "diameter_mm": { "type": "number", "minimum": 10, "maximum": 4000 },
            "section": { "type": "string", "description": "B×H in mm for a box conduit or duct bank, e.g. 1200x800" },
            "pressure_class": { "type": "string", "enum": ["low", "medium_b", "medium_a", "sub_high_b", "sub_high_a", "high_b", "high_a"], "description": "required for gas" },
            "voltage_kv": { "type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 1000, "description": "required for power" },
            "depth_top_m": { "description": "Depth of the route's top below ground, m: one value, or one per vertex", "oneOf": [ { "type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 30 }, { "type": "array", "items": { "type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 30 }, "minItems": 1 } ] },
            "reference": { "type": "string", "maxLength": 200 }
        } }),
    )]
}
