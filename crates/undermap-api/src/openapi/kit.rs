//! The pieces every folder's OpenAPI paths are made of.

use serde_json::{json, Value};

/// A parameter of an operation.
pub(crate) fn param(
    name: &str,
    location: &str,
    description: &str,
    schema: Value,
    required: bool,
) -> Value {
    json!({ "name": name, "in": location, "description": description, "required": required, "schema": schema, "style": "form", "explode": false })
}

/// The answers of an operation: `extra` — a success (2xx) as JSON, a redirect or 304 without a
/// body, anything else as a problem —, then 401, 403, 429, 400 and 500.
pub(crate) fn problem_responses(extra: &[(&str, &str)]) -> Value {
    let mut r = serde_json::Map::new();
    for (code, text) in extra {
        let answer = match code.as_bytes().first() {
            Some(b'2') => {
                json!({ "description": text, "content": { "application/json": { "schema": {} } } })
            }
            Some(b'3') => json!({ "description": text }),
            _ => {
                json!({ "description": text, "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } })
            }
        };
        r.insert((*code).into(), answer);
    }
    for (code, text) in [
        ("401", "No valid credential"),
        ("403", "The role does not allow it"),
        ("429", "Rate limit or lockout; see Retry-After"),
    ] {
        r.entry(code).or_insert_with(|| json!({ "description": text, "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } }));
    }
    r.insert(
        "400".into(),
        json!({ "$ref": "#/components/responses/BadRequest" }),
    );
    r.insert(
        "500".into(),
        json!({ "$ref": "#/components/responses/ServerError" }),
    );
    Value::Object(r)
}

/// A success answer of one media type.
pub(crate) fn ok(description: &str, media_type: &str, schema: Value) -> Value {
    json!({ "description": description, "content": { media_type: { "schema": schema } } })
}

/// An operation with a JSON body of `schema` (a name in `components/schemas`).
pub(crate) fn with_body(
    summary: &str,
    tag: &str,
    params: Vec<Value>,
    schema: &str,
    responses: &[(&str, &str)],
) -> Value {
    json!({
        "summary": summary,
        "tags": [tag],
        "parameters": params,
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } },
        "responses": problem_responses(responses),
    })
}

/// A GET operation.
pub(crate) fn op(
    summary: &str,
    tag: &str,
    params: Vec<Value>,
    success: Value,
    errors: &[(&str, &str)],
) -> Value {
    let mut responses = problem_responses(errors);
    if let Value::Object(r) = &mut responses {
        r.insert("200".into(), success);
    }
    json!({ "get": { "summary": summary, "tags": [tag], "parameters": params, "responses": responses } })
}

/// Values several folders' paths use.
pub(crate) struct Common {
    /// Any JSON object.
    pub(crate) any: Value,
    /// The `crs` query parameter.
    pub(crate) crs: Value,
    /// The `at` query parameter.
    pub(crate) at: Value,
}

impl Common {
    pub(crate) fn new() -> Self {
        Self {
            any: json!({ "type": "object" }),
            crs: param(
            "crs",
            "query",
            "CRS of the response geometries (see the collection's `crs` list); default CRS84",
            json!({ "type": "string", "format": "uri" }),
            false,
        ),
            at: param(
            "at",
            "query",
            "Answer from the map as it stood then: a date (end of that day, UTC) or an RFC 3339 time",
            json!({ "type": "string" }),
            false,
        ),
        }
    }
}
