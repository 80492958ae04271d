//! The OpenAPI paths of this folder's routes: owners, their inbox and answers, a ticket's state,
//! notification attempts and emergency reasons.

use serde_json::{json, Value};

use crate::openapi::kit::{ok, op, param, with_body, Common};

fn id(description: &str) -> Value {
    param("id", "path", description, json!({ "type": "string" }), true)
}

fn write(method_summary: &str, id_text: &str, schema: &str, responses: &[(&str, &str)]) -> Value {
    with_body(
        method_summary,
        "Owners",
        vec![id(id_text)],
        schema,
        responses,
    )
}

/// This folder's paths, in the order the document lists them.
pub(crate) fn paths(common: &Common) -> Vec<(String, Value)> {
    let Common { any, .. } = common;
    let mut paths = Vec::new();
    let mut add = |path: &str, item: Value| paths.push((path.to_owned(), item));
    add(
        "/v1/owners",
        op("Every registered network owner: the names its assets are delivered under, contacts, emergency phone", "Owners", vec![], ok("owners", "application/json", any.clone()), &[]),
    );
    let get = op(
        "One registered owner",
        "Owners",
        vec![id("Owner id")],
        ok("The owner", "application/json", any.clone()),
        &[("404", "No such owner")],
    );
    let put = write(
        "Registers an owner or replaces its entry (administrators)",
        "Owner id: 1 to 64 of a-z, 0-9, _ and -",
        "OwnerInput",
        &[
            ("200", "The owner as registered"),
            ("409", "One of its names belongs to another owner"),
            ("422", "A bad id, name, phone, account or webhook address"),
        ],
    );
    add("/v1/owners/{id}", json!({ "get": get["get"], "put": put }));
    add(
        "/v1/owners/{id}/tickets",
        op(
            "An owner's inbox: the tickets that asked it, newest first, with the deadline and whether it has answered (accounts answering for it)",
            "Owners",
            vec![
                id("Owner id"),
                param("status", "query", "open (not answered; default), answered or all", json!({ "type": "string", "enum": ["open", "answered", "all"] }), false),
                param("limit", "query", "1 to 500; default 50", json!({ "type": "integer", "minimum": 1, "maximum": 500 }), false),
            ],
            ok("owner, tickets", "application/json", any.clone()),
            &[("403", "The account does not answer for this owner"), ("404", "No such owner"), ("422", "limit out of range")],
        ),
    );
    let mut answer = write(
            "An owner's answer to a ticket: clear, marked, records_provided, site_meeting_required, standby_required or conflict, with a note; each answer appends a version of the ticket's state",
            "Ticket id",
            "ResponseInput",
            &[("201", "The answer as stored, numbered"), ("403", "The account does not answer for that owner"), ("404", "No such ticket, or not one the account may see"), ("409", "The ticket has expired"), ("422", "An unknown code, or an owner the ticket did not ask")],
        );
    answer["requestBody"]["content"]["multipart/form-data"] = json!({ "schema": { "type": "object", "required": ["response"], "properties": {
        "response": { "type": "string", "description": "The answer as JSON (ResponseInput)" },
        "file": { "type": "array", "maxItems": 5, "items": { "type": "string", "format": "binary" } }
    } } });
    add(
        "/v1/excavation-checks/{id}/responses",
        json!({ "post": answer }),
    );
    add(
        "/v1/excavation-checks/{id}/responses/files/{sha256}",
        op(
            "A file attached to an answer (a marked-up drawing, a photo), to those who may see the ticket",
            "Owners",
            vec![id("Ticket id"), param("sha256", "path", "The file's SHA-256", json!({ "type": "string" }), true)],
            ok("The file", "application/octet-stream", json!({ "type": "string", "format": "binary" })),
            &[("404", "No such file on the ticket's answers, or not a ticket the account may see")],
        ),
    );
    add(
        "/v1/excavation-checks/{id}/status",
        op(
            "A ticket's state with its owners (waiting, partial naming the silent owners, complete), every version of it, and every answer; the signed ticket never changes",
            "Owners",
            vec![id("Ticket id")],
            ok("id, state, answer_by, owners, versions, responses", "application/json", any.clone()),
            &[("404", "No such ticket, or not one the account may see")],
        ),
    );
    add(
        "/v1/excavation-checks/{id}/notifications",
        op(
            "Every attempt to deliver a ticket to owners' webhooks: when, the status answered, why it failed",
            "Owners",
            vec![id("Ticket id")],
            ok("ticket, attempts", "application/json", any.clone()),
            &[("403", "Administrators and roles that read every ticket only"), ("404", "No such ticket")],
        ),
    );
    add(
        "/v1/excavation-checks/{id}/justification",
        json!({ "post": write(
            "The reason for an emergency ticket, given once by its holder by the end of the next working day (later: flagged late)",
            "Ticket id",
            "JustificationInput",
            &[("201", "The ticket on its holder's record, with its flag"), ("404", "No such emergency ticket of the caller's"), ("409", "It has its reason already"), ("422", "No reason, or too long")],
        ) }),
    );
    add(
        "/v1/emergency-tickets",
        op(
            "Emergency tickets, newest first, flagged due, justified, late or unjustified: one's own, or any holder's for administrators",
            "Owners",
            vec![
                param("holder", "query", "Account (administrators)", json!({ "type": "string" }), false),
                param("limit", "query", "1 to 500; default 100", json!({ "type": "integer", "minimum": 1, "maximum": 500 }), false),
            ],
            ok("emergency_tickets", "application/json", any.clone()),
            &[("403", "Another holder's, without being an administrator"), ("422", "limit out of range")],
        ),
    );
    paths
}

/// The request bodies of this folder's routes.
pub(crate) fn schemas() -> Vec<(&'static str, Value)> {
    let text = |max: u32| json!({ "type": "string", "minLength": 1, "maxLength": max });
    vec![
        (
            "OwnerInput",
            json!({ "type": "object", "required": ["name"], "additionalProperties": false, "properties": {
                "name": text(200),
                "aliases": { "type": "array", "items": text(200), "description": "Other names its assets are delivered under (the layers' owner)" },
                "contacts": { "type": "array", "items": text(200) },
                "emergency_phone": { "type": "string", "nullable": true, "minLength": 1, "maxLength": 200, "description": "The phone answered day and night; null or left out: none given" },
                "webhook_url": { "type": "string", "nullable": true, "format": "uri", "description": "http(s) address tickets are POSTed to, signed (docs/owners.md); null or left out: the owner reads its inbox instead" },
                "accounts": { "type": "array", "items": { "type": "string" }, "description": "Accounts that answer tickets for it" }
            } }),
        ),
        (
            "ResponseInput",
            json!({ "type": "object", "required": ["code"], "additionalProperties": false, "properties": {
                "owner": { "type": "string", "description": "The owner answering; may be left out by an account answering for one owner on the ticket" },
                "code": { "type": "string", "enum": ["clear", "marked", "records_provided", "site_meeting_required", "standby_required", "conflict"] },
                "note": { "type": "string", "maxLength": 4000 }
            } }),
        ),
        (
            "JustificationInput",
            json!({ "type": "object", "required": ["reason"], "additionalProperties": false, "properties": { "reason": text(2000) } }),
        ),
    ]
}
