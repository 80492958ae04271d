//! The OpenAPI paths of this folder's routes: the service window's slots, appointments, their
//! calendar events and the day list.

use serde_json::{json, Value};

use crate::openapi::kit::{ok, op, param, problem_responses, with_body, Common};

fn number() -> Value {
    param(
        "number",
        "path",
        "Appointment number (YY-20261208-003)",
        json!({ "type": "string" }),
        true,
    )
}

fn day() -> Value {
    param(
        "date",
        "path",
        "A day, YYYY-MM-DD",
        json!({ "type": "string", "format": "date" }),
        true,
    )
}

fn post(summary: &str, params: Vec<Value>, schema: &str, responses: &[(&str, &str)]) -> Value {
    with_body(summary, "Appointments", params, schema, responses)
}

/// This folder's paths, in the order the document lists them.
pub(crate) fn paths(common: &Common) -> Vec<(String, Value)> {
    let Common { any, .. } = common;
    let mut paths = Vec::new();
    let mut add = |path: &str, item: Value| paths.push((path.to_owned(), item));
    add(
        "/v1/appointments/slots",
        op(
            "The archive's service window: each day from `from` to `to` (two weeks from today by default, at most 62 days), open or closed with the reason, each slot with its places left and whether it may be booked now",
            "Appointments",
            vec![
                param("from", "query", "First day, YYYY-MM-DD (default today)", json!({ "type": "string", "format": "date" }), false),
                param("to", "query", "Last day, YYYY-MM-DD (default 13 days after from)", json!({ "type": "string", "format": "date" }), false),
            ],
            ok("name, address, slot_minutes, book_ahead_days, min_notice_minutes, days", "application/json", any.clone()),
            &[("422", "A range backwards or longer than 62 days")],
        ),
    );
    let list = op(
        "The caller's appointments from today on, booked and cancelled, by slot",
        "Appointments",
        vec![],
        ok("appointments", "application/json", any.clone()),
        &[],
    );
    let book = post(
        "Books a place in a slot, with what to have ready; the answer links the appointment's iCalendar event",
        vec![],
        "BookingInput",
        &[
            ("201", "The appointment, numbered"),
            ("409", "The slot is full (the answer names the slots still free that day), or the account holds a place in it already"),
            ("422", "Not a slot the window offers (closed, not a working day, not a slot start), too soon or too far ahead, a bad name, phone or purpose, or something wanted that is not in the archive"),
        ],
    );
    add(
        "/v1/appointments",
        json!({ "get": list["get"], "post": book }),
    );
    add(
        "/v1/appointments/day/{date}",
        op(
            "The window's list for a day: every visitor not cancelled, by slot, with whether they came once marked (the archive's staff)",
            "Appointments",
            vec![day()],
            ok("date, appointments", "application/json", any.clone()),
            &[],
        ),
    );
    add(
        "/v1/appointments/day/{date}/print",
        op(
            "The window's list for a day as a page to print, with a column to sign (the archive's staff)",
            "Appointments",
            vec![day()],
            ok("The page", "text/html", json!({ "type": "string" })),
            &[],
        ),
    );
    add(
        "/v1/appointments/{number}",
        op(
            "One appointment, to its booker and the archive's staff",
            "Appointments",
            vec![number()],
            ok(
                "The appointment with its links",
                "application/json",
                any.clone(),
            ),
            &[("404", "No such appointment of the caller's")],
        ),
    );
    add(
        "/v1/appointments/{number}/calendar.ics",
        op(
            "The appointment as an iCalendar (RFC 5545) event; moved or cancelled, it updates the event a calendar imported (same UID, higher SEQUENCE)",
            "Appointments",
            vec![number()],
            ok("The calendar", "text/calendar", json!({ "type": "string" })),
            &[("404", "No such appointment of the caller's")],
        ),
    );
    add(
        "/v1/appointments/{number}/cancel",
        json!({ "post": {
            "summary": "Cancels an appointment before its slot begins, freeing the place",
            "tags": ["Appointments"],
            "parameters": [number()],
            "responses": problem_responses(&[("200", "The appointment, cancelled"), ("404", "No such appointment of the caller's"), ("409", "Cancelled already, or its slot has begun")]),
        } }),
    );
    add(
        "/v1/appointments/{number}/reschedule",
        json!({ "post": post(
            "Moves an appointment to another slot with a place, before its slot begins",
            vec![number()],
            "RescheduleInput",
            &[("200", "The appointment, moved"), ("404", "No such appointment of the caller's"), ("409", "The new slot is full, the appointment is cancelled or under way, or it is in that slot already"), ("422", "Not a slot the window offers, too soon or too far ahead")],
        ) }),
    );
    add(
        "/v1/appointments/{number}/attendance",
        json!({ "post": post(
            "The window's staff mark whether the visitor came (attended or no_show), from the appointment's day on",
            vec![number()],
            "AttendanceInput",
            &[("200", "The appointment, marked"), ("404", "No such appointment"), ("409", "Its day is still to come, or it is cancelled or marked already")],
        ) }),
    );
    paths
}

/// The request bodies of this folder's routes.
pub(crate) fn schemas() -> Vec<(&'static str, Value)> {
    let slot = json!({ "type": "string", "pattern": "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}$", "description": "A slot the window offers, 2026-12-08T09:00 (GET /v1/appointments/slots)" });
    let reference = |key: &str, description: &str| json!({ "type": "object", "required": [key], "additionalProperties": false, "properties": { key: { "type": "string", "minLength": 1, "description": description } } });
    vec![
        (
            "BookingInput",
            json!({ "type": "object", "required": ["slot", "name", "purpose"], "additionalProperties": false, "properties": {
                "slot": slot,
                "name": { "type": "string", "minLength": 1, "maxLength": 100 },
                "phone": { "type": "string", "nullable": true, "maxLength": 30 },
                "purpose": { "type": "string", "minLength": 1, "maxLength": 500, "description": "Why one comes: consult, copy, a certificate …" },
                "wanted": { "type": "array", "maxItems": 50, "items": { "oneOf": [
                    reference("project", "A project code"),
                    reference("record", "A paper record's archive number"),
                    reference("file", "A file's SHA-256")
                ] } }
            } }),
        ),
        (
            "AttendanceInput",
            json!({ "type": "object", "required": ["attended"], "additionalProperties": false, "properties": { "attended": { "type": "boolean" } } }),
        ),
        (
            "RescheduleInput",
            json!({ "type": "object", "required": ["slot"], "additionalProperties": false, "properties": { "slot": slot } }),
        ),
    ]
}
