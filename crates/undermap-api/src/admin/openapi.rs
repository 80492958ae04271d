//! The OpenAPI paths of this folder's routes. Administration: accounts, keys and the audit trail.

use serde_json::{json, Value};

use crate::openapi::kit::{ok, op, param, problem_responses, Common};

/// This folder's paths, in the order the document lists them.
#[allow(clippy::too_many_lines)]
pub(crate) fn paths(common: &Common) -> Vec<(String, Value)> {
    let Common { any, .. } = common;
    let mut paths = Vec::new();
    let mut add = |path: &str, item: Value| paths.push((path.to_owned(), item));
    let name = param(
        "name",
        "path",
        "Account name",
        json!({ "type": "string" }),
        true,
    );
    let post = |summary: &str, params: Vec<Value>, body: Option<&str>, codes: &[(&str, &str)]| {
        let mut item = json!({ "summary": summary, "tags": ["Administration"], "parameters": params,
            "responses": problem_responses(codes) });
        if let Some(schema) = body {
            item["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } });
        }
        json!({ "post": item })
    };
    let mut accounts = op(
        "Every account (admin role)",
        "Administration",
        vec![],
        ok("Accounts", "application/json", any.clone()),
        &[("403", "Not an administrator")],
    );
    accounts["post"] = post(
        "Create an account (admin role)",
        vec![],
        Some("NewAccount"),
        &[
            ("201", "The account"),
            ("409", "The name is taken"),
            ("422", "Bad name, role or layer"),
        ],
    )["post"]
        .clone();
    add("/v1/admin/accounts", accounts);
    add(
        "/v1/admin/accounts/{name}/disable",
        post(
            "Disable an account: its keys stop working",
            vec![name.clone()],
            None,
            &[("200", "The account"), ("404", "No such account")],
        ),
    );
    add(
        "/v1/admin/accounts/{name}/enable",
        post(
            "Enable a disabled account",
            vec![name.clone()],
            None,
            &[("200", "The account"), ("404", "No such account")],
        ),
    );
    add(
        "/v1/admin/accounts/{name}/keys",
        post(
            "Issue an API key; the response shows it once",
            vec![name],
            Some("KeyRequest"),
            &[("201", "The key"), ("404", "No such account")],
        ),
    );
    add(
        "/v1/admin/keys",
        op(
            "Keys (never their secrets or hashes)",
            "Administration",
            vec![param(
                "account",
                "query",
                "Only this account's",
                json!({ "type": "string" }),
                false,
            )],
            ok("Keys", "application/json", any.clone()),
            &[("403", "Not an administrator")],
        ),
    );
    add(
        "/v1/admin/keys/{id}/revoke",
        post(
            "Revoke a key",
            vec![param(
                "id",
                "path",
                "Key id (after um_)",
                json!({ "type": "string" }),
                true,
            )],
            None,
            &[("200", "The key"), ("404", "No such key")],
        ),
    );
    let text = |n: &str, d: &str| param(n, "query", d, json!({ "type": "string" }), false);
    let int = |n: &str, d: &str| param(n, "query", d, json!({ "type": "integer" }), false);
    add(
        "/v1/admin/audit",
        op(
            "The audit trail in order, filtered; f=jsonl for JSON lines",
            "Administration",
            vec![
                int("after", "Entries after this seq"),
                int("limit", "At most this many (1 to 10000, default 100)"),
                text("actor", "Only this account's"),
                text(
                    "endpoint",
                    "Only endpoints starting with this, e.g. `POST /v1/excavation-checks`",
                ),
                text("since", "From this time"),
                text("until", "Before this time"),
                int("min_status", "Only this status or higher (400: refusals)"),
                text("f", "json or jsonl"),
            ],
            ok(
                "Entries with their chain hashes",
                "application/json",
                any.clone(),
            ),
            &[("403", "Not an administrator")],
        ),
    );
    add(
        "/v1/me",
        op(
            "The caller: account, role, capabilities and the construction unit it acts for",
            "Administration",
            vec![],
            ok("The caller", "application/json", any.clone()),
            &[],
        ),
    );
    add(
        "/v1/admin/audit/verify",
        op(
            "Check the audit chain: every entry follows the one before and is unchanged",
            "Administration",
            vec![],
            ok(
                "Entries checked, the head hash, and the first problem if any",
                "application/json",
                any.clone(),
            ),
            &[("403", "Not an administrator")],
        ),
    );
    paths
}

/// The request bodies of account and key administration.
pub(crate) fn schemas() -> Vec<(&'static str, Value)> {
    vec![
        (
            "NewAccount",
            json!({ "type": "object", "required": ["name", "role"], "additionalProperties": false, "properties": {
                    "name": { "type": "string", "pattern": "^[a-z0-9][a-z0-9._@-]{0,63}$" },
                    "role": { "type": "string", "description": "admin, archivist, planner, contractor, emergency, public, or a configured role" },
                    "layers": { "type": "array", "items": { "type": "string" } }, "service": { "type": "boolean" }, "full_name": { "type": "string" }
                } }),
        ),
        (
            "KeyRequest",
            json!({ "type": "object", "additionalProperties": false, "properties": {
                    "label": { "type": "string" }, "days": { "type": "integer", "minimum": 1, "maximum": 3650 }
                } }),
        ),
    ]
}
