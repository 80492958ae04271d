//! The OpenAPI paths of this folder's routes. Deliveries.

use serde_json::{json, Value};
use undermap_departments::registry;

use crate::openapi::kit::{problem_responses, Common};

/// This folder's paths, in the order the document lists them.
#[allow(clippy::too_many_lines)]
pub(crate) fn paths(_common: &Common) -> Vec<(String, Value)> {
    let departments: Vec<&str> = registry::departments().map(|d| d.name).collect();
    let mut paths = Vec::new();
    let mut add = |path: &str, item: Value| paths.push((path.to_owned(), item));
    add(
        "/v1/deliveries",
        json!({ "post": {
            "summary": "Load a department's delivery (multipart upload), as `undermap ingest` does; returns the delivery report",
            "tags": ["Deliveries"],
            "requestBody": { "required": true, "content": { "multipart/form-data": { "schema": { "type": "object", "required": ["department", "file"], "properties": {
                "department": { "type": "string", "enum": departments },
                "file": { "type": "string", "format": "binary", "description": "One or more files (a Shapefile with its .shx/.dbf/.prj/.cpg)" },
                "mode": { "type": "string", "enum": ["full", "incremental"] },
                "crs": { "type": "string" }, "encoding": { "type": "string" }, "table": { "type": "string" },
                "strict": { "type": "boolean" }, "strict_fields": { "type": "boolean" }, "dxf_layers": { "type": "string" }, "loaded_by": { "type": "string" }, "project": { "type": "string", "pattern": "^[0-9]{4}-[0-9]{6}-[0-9]{2}-[0-9]{2}-[0-9]{6}$", "description": "The archive project (项目代码) this delivery is the as-built survey of; it must be registered." }
            } } } } },
            "responses": problem_responses(&[("201", "The delivery report"), ("413", "Upload too large"), ("422", "Refused: no CRS, unreadable file, or rejections under strict")]),
        }}),
    );
    paths
}
