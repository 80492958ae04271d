//! The OpenAPI paths of subscriptions and their feeds.

use serde_json::{json, Value};

use crate::openapi::kit::{ok, op, param, problem_responses, with_body, Common};

/// This folder's paths, in the order the document lists them.
pub(crate) fn paths(common: &Common) -> Vec<(String, Value)> {
    let Common { any, .. } = common;
    let mut paths = Vec::new();
    let mut add = |path: &str, item: Value| paths.push((path.to_owned(), item));
    add(
        "/v1/subscriptions",
        json!({
            "post": with_body(
                "Subscribes to what is new — deliveries, projects, files, field reports — of some layers or categories in a box: 201 with the subscription, its Atom feed's key (shown once) and path; with webhook_url, new events are also POSTed signed (undermap-signature, as owners' notifications)",
                "Subscriptions",
                vec![],
                "SubscriptionInput",
                &[("201", "The subscription with feed_key and feed"), ("409", "The account has 50 subscriptions"), ("422", "An unknown kind, layer or category, a bad box or webhook address"), ("404", "An unknown CRS")],
            ),
            "get": op(
                "The caller's subscriptions (without their keys), with the last webhook outcome",
                "Subscriptions",
                vec![],
                ok("subscriptions", "application/json", any.clone()),
                &[],
            )["get"].clone(),
        }),
    );
    let mut responses = problem_responses(&[("404", "No such subscription of the caller's")]);
    responses["204"] = json!({ "description": "Deleted (no body)" });
    add(
        "/v1/subscriptions/{id}",
        json!({ "delete": {
            "summary": "Deletes one of the caller's subscriptions: its feed key stops working",
            "tags": ["Subscriptions"],
            "parameters": [param("id", "path", "Subscription number", json!({ "type": "integer", "format": "int64" }), true)],
            "responses": responses,
        } }),
    );
    let feed = op(
        "A subscription's Atom feed (RFC 4287): its newest 100 events, newest first; read with the feed key alone",
        "Subscriptions",
        vec![param("key", "path", "The feed key given when the subscription was made", json!({ "type": "string" }), true)],
        ok("The feed", "application/atom+xml", json!({ "type": "string" })),
        &[("404", "No subscription with this key")],
    );
    add("/v1/feeds/{key}", feed);
    paths
}

/// The request bodies of this folder's routes.
pub(crate) fn schemas() -> Vec<(&'static str, Value)> {
    let list =
        |d: &str| json!({ "type": "array", "items": { "type": "string" }, "description": d });
    vec![(
        "SubscriptionInput",
        json!({ "type": "object", "required": ["title"], "additionalProperties": false, "properties": {
            "title": { "type": "string", "minLength": 1, "maxLength": 200 },
            "kinds": { "type": "array", "items": { "type": "string", "enum": ["delivery", "project", "file", "field_report"] }, "description": "Default: every kind" },
            "layers": list("Layers, for deliveries and field reports (default: any)"),
            "categories": list("Project or file categories, for projects and files (default: any)"),
            "bbox": { "type": "array", "items": { "type": "number" }, "minItems": 4, "maxItems": 4, "nullable": true, "description": "min x, min y, max x, max y in bbox_crs (default: everywhere)" },
            "bbox_crs": { "type": "string", "nullable": true },
            "webhook_url": { "type": "string", "nullable": true, "description": "http(s) address where new events are POSTed, signed" }
        } }),
    )]
}
