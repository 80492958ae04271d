//! The OpenAPI 3.0 definition of the whole service, served at `/ogc/api`. Written out rather
//! than generated: a test checks that every route the server mounts is described here.

use serde_json::{json, Value};

pub(crate) mod kit;

use kit::Common;

/// The document, with `root` (`scheme://host`) as its server; `crs_offered` are the CRS URIs
/// the OGC API answers in (the `crs`, `bbox-crs` and `filter-crs` values it takes). Each
/// folder describes its own routes; this puts them together in the order of the document.
#[must_use]
#[allow(clippy::too_many_lines)]
pub fn document(root: &str, crs_offered: &[String]) -> Value {
    let common = Common::new();
    let mut paths = serde_json::Map::new();
    for (path, item) in [
        crate::ops::openapi::paths(&common),
        crate::map::openapi::paths(&common),
        crate::excavation::openapi::paths(&common),
        crate::owners::openapi::paths(&common),
        crate::field_reports::openapi::paths(&common),
        crate::web::openapi::paths(&common),
        crate::deliveries::openapi::paths(&common),
        crate::ogc::openapi::paths(&common),
        crate::tiles::openapi::paths(&common),
        crate::emergency::openapi::paths(&common),
        crate::admin::openapi::paths(&common),
        crate::archive::openapi::paths(&common),
        crate::search::openapi::paths(&common),
        crate::downloads::openapi::paths(&common),
        crate::subscriptions::openapi::paths(&common),
        crate::appointments::openapi::paths(&common),
        crate::feedback::openapi::paths(&common),
        crate::clearance::openapi::paths(&common),
    ]
    .into_iter()
    .flatten()
    {
        paths.insert(path, item);
    }
    // Anyone may read these; everything else needs a credential (the document's `security`).
    for &public in crate::security::PUBLIC_PATHS {
        if let Some(get) = paths.get_mut(public).and_then(|p| p.get_mut("get")) {
            get["security"] = json!([]);
        }
    }
    let mut paths = Value::Object(paths);
    exact(&mut paths, crs_offered);
    let mut document = json!({
        "openapi": "3.0.3",
        "info": {
            "title": "undermap",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The one map of what lies under the city: excavation checks, deliveries, OGC API - Features and vector tiles. Every error is application/problem+json (RFC 9457).",
            "license": { "name": "Apache-2.0" }
        },
        "servers": [{ "url": root }],
        "security": [{ "apiKey": [] }, { "basic": [] }],
        "paths": paths,
        "components": {
            "schemas": {
                "Problem": { "type": "object", "required": ["type", "title", "status", "detail"], "properties": {
                    "type": { "type": "string" }, "title": { "type": "string" }, "status": { "type": "integer" }, "detail": { "type": "string" },
                    "position": { "type": "integer", "description": "For filter errors: the character where the filter went wrong" }
                } },
            },
            "securitySchemes": {
                "apiKey": { "type": "http", "scheme": "bearer", "description": "An API key `um_<id>_<secret>` from `undermap keys create` or POST /v1/admin/accounts/{name}/keys" },
                "basic": { "type": "http", "scheme": "basic", "description": "The account name and its API key as password (what QGIS and GDAL send)" }
            },
            "responses": {
                "BadRequest": { "description": "Malformed request", "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } },
                "ServerError": { "description": "Server error", "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } }
            }
        }
    });
    if let Some(schemas) = document
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, mut schema) in crate::emergency::openapi::schemas()
            .into_iter()
            .chain(crate::admin::openapi::schemas())
            .chain(crate::excavation::openapi::schemas())
            .chain(crate::owners::openapi::schemas())
            .chain(crate::field_reports::openapi::schemas())
            .chain(crate::archive::openapi::schemas())
            .chain(crate::downloads::openapi::schemas())
            .chain(crate::subscriptions::openapi::schemas())
            .chain(crate::appointments::openapi::schemas())
            .chain(crate::feedback::openapi::schemas())
            .chain(crate::clearance::openapi::schemas())
        {
            plain_strings(&mut schema, PLAIN);
            schemas.insert(name.to_owned(), schema);
        }
    }
    document
}

/// Text without control characters (path segments, names, references): what the server takes.
const PLAIN: &str = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$";
/// Query values may also hold tab and line breaks (a filter typed on several lines).
const MULTILINE: &str = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$";

/// Makes the document as strict as the server: text parameters refuse control characters
/// (422, docs/security.md), every operation lists the 422 that text gets, and every operation
/// with a body the 415 for a body that is not JSON.
fn exact(paths: &mut Value, crs_offered: &[String]) {
    let problem = |text: &str| json!({ "description": text, "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } });
    let Some(paths) = paths.as_object_mut() else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for op in item.values_mut() {
            if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
                for p in params.iter_mut() {
                    narrow(p, crs_offered);
                }
                for p in params {
                    let pattern = if p["in"] == "path" { PLAIN } else { MULTILINE };
                    if let Some(schema) = p.get_mut("schema") {
                        plain_strings(schema, pattern);
                    }
                }
            }
            let has_body = op.get("requestBody").is_some();
            if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
                responses.entry("422").or_insert_with(|| {
                    problem(
                        "A value is not acceptable (out of range, control characters in text, …)",
                    )
                });
                if has_body {
                    responses.entry("415").or_insert_with(|| {
                        problem("The body is not of the media type this operation takes")
                    });
                }
            }
        }
    }
}

/// What the server checks of a parameter by its name, said in its schema: the offered CRSs,
/// non-empty instants, a point of two numbers, the audit page size.
fn narrow(param: &mut Value, crs_offered: &[String]) {
    let name = param["name"].as_str().unwrap_or_default().to_owned();
    let schema = &mut param["schema"];
    match name.as_str() {
        "crs" | "bbox-crs" | "filter-crs" if schema.get("format").is_some() => {
            *schema = json!({ "type": "string", "enum": crs_offered });
        }
        "crs" | "at" | "datetime" | "since" => {
            schema["minLength"] = json!(1);
        }
        "point" => {
            schema["pattern"] =
                json!("^-?[0-9]{1,9}(\\.[0-9]{1,9})?,-?[0-9]{1,9}(\\.[0-9]{1,9})?$");
        }
        "limit" if schema.get("maximum").is_none() => {
            schema["minimum"] = json!(1);
            schema["maximum"] = json!(10_000);
        }
        _ => {}
    }
}

/// Adds `pattern` to every string schema in `schema` that has neither a pattern nor a list of
/// values.
fn plain_strings(schema: &mut Value, pattern: &str) {
    match schema {
        Value::Object(map) => {
            if map.get("type").and_then(Value::as_str) == Some("string")
                && !map.contains_key("pattern")
                && !map.contains_key("enum")
            {
                map.insert("pattern".into(), Value::String(pattern.into()));
            }
            for (key, value) in map.iter_mut() {
                if key != "pattern" && key != "enum" {
                    plain_strings(value, pattern);
                }
            }
        }
        Value::Array(items) => {
            for v in items {
                plain_strings(v, pattern);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    /// The whole document, as a reviewer reads a change of contract.
    #[test]
    fn the_document_is_the_contract() {
        let crs = ["http://www.opengis.net/def/crs/OGC/1.3/CRS84".to_owned()];
        let text = serde_json::to_string_pretty(&super::document("http://127.0.0.1:8080", &crs))
            .expect("the document serialises");
        insta::assert_snapshot!(text);
    }
}
