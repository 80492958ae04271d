//! The OpenAPI paths of this folder's routes: projects, their events and files, deadlines, the
//! code lists and the credit record.

use serde_json::{json, Value};

use crate::openapi::kit::{ok, op, param, problem_responses, Common};

fn path_param(name: &str, description: &str) -> Value {
    param(name, "path", description, json!({ "type": "string" }), true)
}

fn on_param() -> Value {
    param(
        "on",
        "query",
        "The day to evaluate deadlines on (YYYY-MM-DD); default today",
        json!({ "type": "string", "format": "date" }),
        false,
    )
}

fn post(summary: &str, body: Value, responses: &[(&str, &str)]) -> Value {
    json!({
        "summary": summary,
        "tags": ["Archive"],
        "requestBody": { "required": true, "content": body },
        "responses": problem_responses(responses),
    })
}

fn json_body(schema: &str) -> Value {
    json!({ "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } })
}

/// This folder's paths, in the order the document lists them.
#[allow(clippy::too_many_lines)]
pub(crate) fn paths(common: &Common) -> Vec<(String, Value)> {
    let Common { any, crs, .. } = common;
    let mut paths = Vec::new();
    let mut add = |path: &str, item: Value| paths.push((path.to_owned(), item));
    add(
        "/v1/archive/categories",
        op(
            "The archive's code lists: project categories, file categories (GB/T 50328) and what each project category must hand over",
            "Archive",
            vec![],
            ok("The code lists", "application/json", any.clone()),
            &[],
        ),
    );
    let list = op(
        "Projects by code, filtered; a construction unit's account sees only its own",
        "Archive",
        vec![
            param(
                "bbox",
                "query",
                "min x, min y, max x, max y in bbox-crs",
                json!({ "type": "string" }),
                false,
            ),
            param(
                "bbox-crs",
                "query",
                "CRS of bbox; default CRS84",
                json!({ "type": "string" }),
                false,
            ),
            param(
                "status",
                "query",
                "Only this status",
                json!({ "type": "string", "enum": ["registered", "notice_issued", "under_construction", "accepted", "handed_over", "filed"] }),
                false,
            ),
            param(
                "unit",
                "query",
                "Only this construction unit's (unified social credit code)",
                json!({ "type": "string" }),
                false,
            ),
            param(
                "q",
                "query",
                "Name or code contains this",
                json!({ "type": "string" }),
                false,
            ),
            param(
                "after",
                "query",
                "The previous page's `next`",
                json!({ "type": "string" }),
                false,
            ),
            param(
                "limit",
                "query",
                "1 to 1,000; default 100",
                json!({ "type": "integer", "minimum": 1, "maximum": 1000 }),
                false,
            ),
            crs.clone(),
        ],
        ok("projects and next", "application/json", any.clone()),
        &[(
            "422",
            "A value out of range, an unknown status or CRS, a malformed credit code",
        )],
    );
    add(
        "/v1/projects",
        json!({
            "get": list["get"],
            "post": post(
                "Register a construction project (the archive office)",
                json_body("ProjectRequest"),
                &[("201", "The project"), ("409", "A project with this code exists"), ("413", "Body too large"), ("415", "Not JSON"), ("422", "An invalid code, credit code, category, location or date")],
            ),
        }),
    );
    add(
        "/v1/projects/intake",
        json!({ "post": post(
            "The project-approval system pushes a project: created (201), or updated or unchanged (200); never its status or events",
            json_body("ProjectRequest"),
            &[("200", "outcome (updated or unchanged) and the project"), ("201", "outcome created and the project"), ("413", "Body too large"), ("415", "Not JSON"), ("422", "An invalid code, credit code, category, location or date")],
        ) }),
    );
    add(
        "/v1/projects/overdue",
        op(
            "Projects past a deadline (filing notice, quarterly guidance visit, hand-over), most overdue first",
            "Archive",
            vec![on_param()],
            ok("on and overdue", "application/json", any.clone()),
            &[],
        ),
    );
    add(
        "/v1/projects/{code}",
        op(
            "A project with its timeline, open findings, deadlines, files, checklist, and the map deliveries and features made for it",
            "Archive",
            vec![path_param("code", "Project code"), crs.clone()],
            ok("The project", "application/json", any.clone()),
            &[
                ("404", "No such project (or another unit's)"),
                ("422", "Not a project code, or an unknown CRS"),
            ],
        ),
    );
    add(
        "/v1/projects/{code}/events",
        json!({ "post": {
            "summary": "Record an event of a project's lifecycle: notice_issued, construction_started, guidance_visit, acceptance, handover, filed",
            "tags": ["Archive"],
            "parameters": [path_param("code", "Project code")],
            "requestBody": { "required": true, "content": json_body("ProjectEvent") },
            "responses": problem_responses(&[("201", "The event, the status it led to and the credit entries it made"), ("404", "No such project"), ("409", "The event cannot come now: the detail says what must come first"), ("413", "Body too large"), ("415", "Not JSON"), ("422", "Not a project code, or a value the archive cannot accept")]),
        } }),
    );
    add(
        "/v1/projects/{code}/checklist",
        op(
            "The files a project's category must hand over, against those received",
            "Archive",
            vec![path_param("code", "Project code")],
            ok("items, received, missing", "application/json", any.clone()),
            &[
                ("404", "No such project (or another unit's)"),
                ("422", "Not a project code"),
            ],
        ),
    );
    let mut notice = op(
        "The printable filing notice (归档告知书, HTML, A4): scope, file categories, formats and deadlines, from the recorded notice_issued event",
        "Archive",
        vec![path_param("code", "Project code")],
        ok("The page", "text/html", json!({ "type": "string" })),
        &[
            ("404", "No such project (or another unit's), or no notice issued yet"),
            ("422", "Not a project code"),
        ],
    );
    notice["get"]["tags"] = json!(["Archive"]);
    add("/v1/projects/{code}/notice", notice);
    add(
        "/v1/projects/{code}/files",
        json!({ "post": {
            "summary": "Hand over a file of a project (multipart, streamed; kept once by SHA-256)",
            "tags": ["Archive"],
            "parameters": [path_param("code", "Project code")],
            "requestBody": { "required": true, "content": { "multipart/form-data": { "schema": { "type": "object", "required": ["category", "file"], "properties": {
                "category": { "type": "string", "description": "File category code (GET /v1/archive/categories)" },
                "title": { "type": "string" },
                "date": { "type": "string", "format": "date" },
                "sha256": { "type": "string", "description": "The SHA-256 the bytes must have" },
                "feature_ids": { "type": "string", "description": "Comma-separated map feature ids" },
                "scan": { "type": "string", "description": "JSON: scanned_on, dpi, pages, original, operator" },
                "access": { "type": "string", "enum": ["open", "on_request", "restricted"], "description": "How freely it may be downloaded (default on_request)" },
                "file": { "type": "string", "format": "binary" }
            } } } } },
            "responses": problem_responses(&[("200", "These bytes were already filed under this category"), ("201", "The file's record"), ("404", "No such project (or another unit's)"), ("409", "The project is filed"), ("413", "The file exceeds the limit"), ("422", "A wrong category, title or date, or bytes that do not match sha256"), ("503", "No file store configured")]),
        } }),
    );
    let mut download = op(
        "A file's bytes, for callers its access level lets download it (ETag, If-None-Match, single byte ranges); audited with the purpose given. A file the caller may only ask for answers 403 with the way to ask (POST /v1/download-requests)",
        "Archive",
        vec![
            path_param("sha256", "The SHA-256 of the file's bytes"),
            param("purpose", "query", "Why it is downloaded (audited)", json!({ "type": "string", "maxLength": 200 }), false),
            param("Range", "header", "bytes=first-last", json!({ "type": "string" }), false),
            param("If-None-Match", "header", "A previous ETag", json!({ "type": "string" }), false),
        ],
        ok("The bytes", "*/*", json!({ "type": "string", "format": "binary" })),
        &[("206", "Part of the bytes"), ("304", "Not modified"), ("404", "No such file (or not one the caller may see)"), ("416", "The range is outside the file"), ("422", "Not a SHA-256"), ("503", "No file store configured")],
    );
    download["get"]["responses"]["206"] = json!({ "description": "Part of the bytes", "content": { "*/*": { "schema": { "type": "string", "format": "binary" } } } });
    download["get"]["responses"]["304"] = json!({ "description": "Not modified" });
    add("/v1/files/{sha256}", download);
    let zip = || json!({ "description": "The ZIP, streamed as it is written: the files, then manifest.json and SHA256SUMS", "content": { "application/zip": { "schema": { "type": "string", "format": "binary" } } } });
    add(
        "/v1/projects/{code}/bundle.zip",
        op(
            "A project's whole hand-over as one ZIP (a folder per category, manifest.json, SHA256SUMS), streamed; audited with every SHA-256",
            "Archive",
            vec![path_param("code", "Project code")],
            zip(),
            &[("404", "No such project (or another unit's)"), ("422", "The project holds no file, or more than a bundle holds"), ("503", "No file store configured")],
        ),
    );
    let mut bundle = json!({ "post": {
        "summary": "Files picked by their SHA-256 as one ZIP (manifest.json, SHA256SUMS), streamed; refused whole when any is not one the caller may read; audited with every SHA-256",
        "tags": ["Archive"],
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/BundleInput" } } } },
        "responses": problem_responses(&[("404", "A file that is not there or not one the caller may read: nothing is sent"), ("422", "No file, more than 500, or more than 4 GB together, or not a SHA-256"), ("503", "No file store configured")]),
    } });
    bundle["post"]["responses"]["200"] = zip();
    add("/v1/bundles", bundle);
    add(
        "/v1/construction-units",
        op(
            "Every construction unit's credit score; with restricted=true the units below the threshold (the list a tender office asks for). The archive office only",
            "Archive",
            vec![
                param("restricted", "query", "Only the restricted units", json!({ "type": "boolean" }), false),
                on_param(),
            ],
            ok("threshold and units", "application/json", any.clone()),
            &[],
        ),
    );
    add(
        "/v1/construction-units/{credit_code}",
        op(
            "A construction unit's credit record: entries (hash-chained), open overdue items, score; a unit sees only its own",
            "Archive",
            vec![path_param("credit_code", "Unified social credit code"), on_param()],
            ok("The record", "application/json", any.clone()),
            &[("404", "No such unit (or another unit's)"), ("422", "Not a valid unified social credit code")],
        ),
    );
    paths.extend(record_paths(common));
    paths
}

/// The paper records' paths.
fn record_paths(common: &Common) -> Vec<(String, Value)> {
    let any = &common.any;
    let record_param = || path_param("number", "Archive number (档号)");
    let list = op(
        "Paper records by archive number, filtered: registered paper files (案卷), with or without a project, and how many scans each has",
        "Archive",
        vec![
            param("category", "query", "File category code", json!({ "type": "string" }), false),
            param("year", "query", "Year of the record", json!({ "type": "integer" }), false),
            param("digitised", "query", "Only digitised (true) or paper-only (false) records", json!({ "type": "boolean" }), false),
            param("project", "query", "Only this project's", json!({ "type": "string" }), false),
            param("after", "query", "The previous page's `next`", json!({ "type": "string" }), false),
            param("limit", "query", "1 to 1000 (default 100)", json!({ "type": "integer", "minimum": 1, "maximum": 1000 }), false),
        ],
        ok("records and next", "application/json", any.clone()),
        &[("422", "A limit out of range")],
    );
    let mut records = list;
    records["post"] = post(
        "Register a paper record (the archive office): archive number, title, file category, year, optional project, shelf mark and pages",
        json_body("LegacyRecord"),
        &[("201", "The record"), ("404", "No such project"), ("409", "The archive number is taken"), ("413", "Body too large"), ("415", "Not JSON"), ("422", "A category, year or text the archive cannot accept")],
    );
    let mut evaluation = op(
        "The last daily evaluation of every project's deadlines (run now if none has run since the server started): counts by deadline and the projects newly overdue since the evaluation before",
        "Archive",
        vec![],
        ok("evaluated_at, on, previous_on, overdue, by_deadline, newly_overdue", "application/json", any.clone()),
        &[],
    );
    evaluation["post"] = json!({
        "summary": "Evaluate every project's deadlines now, as the daily job does (the archive office)",
        "tags": ["Archive"],
        "responses": problem_responses(&[("200", "The evaluation")]),
    });
    vec![
        ("/v1/archive/evaluation".to_owned(), evaluation),
        (
            "/v1/archive/stats".to_owned(),
            op(
                "The digitisation rate of the paper records: in all, by file category, by year, and by both (the goal is 100 %)",
                "Archive",
                vec![],
                ok("total, by_category, by_year, by_category_year", "application/json", any.clone()),
                &[],
            ),
        ),
        ("/v1/archive/records".to_owned(), records),
        (
            "/v1/archive/records/{number}".to_owned(),
            op(
                "A paper record with its scans",
                "Archive",
                vec![record_param()],
                ok("The record and scan_files", "application/json", any.clone()),
                &[("404", "No such record")],
            ),
        ),
        (
            "/v1/archive/records/{number}/scans".to_owned(),
            json!({ "post": {
                "summary": "Add a scan of a paper record with its digitisation metadata (multipart, streamed; kept once by SHA-256)",
                "tags": ["Archive"],
                "parameters": [record_param()],
                "requestBody": { "required": true, "content": { "multipart/form-data": { "schema": { "type": "object", "required": ["scan", "file"], "properties": {
                    "scan": { "type": "string", "description": "JSON: scanned_on (required), dpi, pages, original, operator" },
                    "sha256": { "type": "string", "description": "The SHA-256 the bytes must have" },
                    "file": { "type": "string", "format": "binary" }
                } } } } },
                "responses": problem_responses(&[("200", "The record has these bytes already"), ("201", "The scan"), ("404", "No such record"), ("413", "The file exceeds the limit"), ("422", "Missing or invalid scan metadata, or bytes that do not match sha256"), ("503", "No file store configured")]),
            } }),
        ),
    ]
}

/// The request bodies' schemas.
pub(crate) fn schemas() -> Vec<(&'static str, Value)> {
    vec![
        (
            "BundleInput",
            json!({ "type": "object", "required": ["files"], "additionalProperties": false, "properties": {
                "files": { "type": "array", "minItems": 1, "maxItems": 500, "items": { "type": "string", "pattern": "^[0-9a-fA-F]{64}$" }, "description": "The files' SHA-256s" }
            } }),
        ),
        (
            "LegacyRecord",
            json!({ "type": "object", "required": ["number", "title", "category", "year"], "additionalProperties": false, "properties": {
                "number": { "type": "string", "description": "档号, unique, no spaces" },
                "title": { "type": "string" },
                "category": { "type": "string", "description": "File category code (GET /v1/archive/categories)" },
                "year": { "type": "integer" },
                "project": { "type": "string", "description": "项目代码 of the project it belongs to, when known" },
                "original": { "type": "string", "description": "Where the paper original is kept" },
                "pages": { "type": "integer", "minimum": 1 }
            } }),
        ),
        (
            "ProjectRequest",
            json!({ "type": "object", "required": ["code", "name", "category", "unit", "location"], "additionalProperties": false, "properties": {
                "code": { "type": "string", "description": "项目代码, YYYY-DDDDDD-II-TT-NNNNNN" },
                "name": { "type": "string" },
                "category": { "type": "string" },
                "unit": { "type": "object", "required": ["name", "credit_code"], "additionalProperties": false, "properties": {
                    "name": { "type": "string" }, "credit_code": { "type": "string", "description": "统一社会信用代码 (18 characters, GB 32100 check character)" } } },
                "location": { "type": "object", "description": "GeoJSON Polygon, MultiPolygon, LineString or MultiLineString", "required": ["type", "coordinates"], "properties": { "type": { "type": "string", "enum": ["Polygon", "MultiPolygon", "LineString", "MultiLineString"] }, "coordinates": { "type": "array", "minItems": 1 } } },
                "crs": { "type": "string" },
                "permit_date": { "type": "string", "format": "date" },
                "planned_start": { "type": "string", "format": "date" },
                "planned_end": { "type": "string", "format": "date" }
            } }),
        ),
        (
            "ProjectEvent",
            json!({ "type": "object", "required": ["type", "date"], "properties": {
                "type": { "type": "string", "enum": ["notice_issued", "construction_started", "guidance_visit", "acceptance", "handover", "filed"] },
                "date": { "type": "string", "format": "date" },
                "scope": { "type": "string" }, "formats": { "type": "array", "items": { "type": "string" } }, "deadline": { "type": "string", "format": "date" },
                "inspector": { "type": "string" }, "findings": { "type": "array", "items": { "type": "object", "required": ["text"], "properties": { "text": { "type": "string" } } } },
                "fixed": { "type": "array", "items": { "type": "string" } },
                "passed": { "type": "boolean" }, "reasons": { "type": "array", "items": { "type": "string" } },
                "note": { "type": "string" }, "filing_number": { "type": "string" }
            } }),
        ),
    ]
}
