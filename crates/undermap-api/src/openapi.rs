//! The OpenAPI 3.0 definition of the whole service, served at `/ogc/api`. Written out rather
//! than generated: a test checks that every route the server mounts is described here.

use serde_json::{json, Value};

fn param(name: &str, location: &str, description: &str, schema: Value, required: bool) -> Value {
    json!({ "name": name, "in": location, "description": description, "required": required, "schema": schema, "style": "form", "explode": false })
}

fn problem_responses(extra: &[(&str, &str)]) -> Value {
    let mut r = serde_json::Map::new();
    for (code, text) in extra {
        r.insert((*code).into(), json!({ "description": text, "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } }));
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

fn ok(description: &str, media_type: &str, schema: Value) -> Value {
    json!({ "description": description, "content": { media_type: { "schema": schema } } })
}

fn op(
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

/// The document, with `root` (`scheme://host`) as its server; `crs_offered` are the CRS URIs
/// the OGC API answers in (the `crs`, `bbox-crs` and `filter-crs` values it takes).
#[must_use]
#[allow(clippy::too_many_lines)]
pub fn document(root: &str, crs_offered: &[String]) -> Value {
    let any = json!({ "type": "object" });
    let crs = param(
        "crs",
        "query",
        "CRS of the response geometries (see the collection's `crs` list); default CRS84",
        json!({ "type": "string", "format": "uri" }),
        false,
    );
    let collection_id = param(
        "collectionId",
        "path",
        "A layer id: water, drainage, gas, power, telecom, planning",
        json!({ "type": "string" }),
        true,
    );
    let at = param(
        "at",
        "query",
        "Answer from the map as it stood then: a date (end of that day, UTC) or an RFC 3339 time",
        json!({ "type": "string" }),
        false,
    );
    let mut paths = serde_json::Map::new();
    let mut add = |path: &str, item: Value| {
        paths.insert(path.into(), item);
    };
    add(
        "/healthz",
        op(
            "Liveness: the process answers",
            "Operations",
            vec![],
            ok("Alive", "application/json", any.clone()),
            &[],
        ),
    );
    add(
        "/readyz",
        op(
            "Readiness: the index is loaded and the store reachable",
            "Operations",
            vec![],
            ok("Ready", "application/json", any.clone()),
            &[("503", "Not ready (store unreachable or index not loaded)")],
        ),
    );
    add(
        "/v1/layers",
        op(
            "Every layer with its feature count and extent",
            "Map",
            vec![],
            ok("Layers", "application/json", any.clone()),
            &[],
        ),
    );
    add(
        "/v1/features/{id}",
        op(
            "One feature as GeoJSON",
            "Map",
            vec![
                param(
                    "id",
                    "path",
                    "Feature id",
                    json!({ "type": "string" }),
                    true,
                ),
                crs.clone(),
                at.clone(),
            ],
            ok("The feature", "application/geo+json", any.clone()),
            &[("404", "No such feature")],
        ),
    );
    add(
        "/v1/features/{id}/history",
        op(
            "Every version of a feature, oldest first, with the delivery each came from",
            "Map",
            vec![
                param(
                    "id",
                    "path",
                    "Feature id",
                    json!({ "type": "string" }),
                    true,
                ),
                crs.clone(),
            ],
            ok("Versions", "application/geo+json", any.clone()),
            &[("404", "No such feature")],
        ),
    );
    add(
        "/v1/nearest",
        op(
            "The k nearest features to a point",
            "Map",
            vec![
                param(
                    "point",
                    "query",
                    "x,y in the axis order of `crs`",
                    json!({ "type": "string" }),
                    true,
                ),
                param(
                    "k",
                    "query",
                    "How many (default 10, at most 100)",
                    json!({ "type": "integer", "minimum": 1 }),
                    false,
                ),
                param(
                    "layers",
                    "query",
                    "Comma-separated layer ids",
                    json!({ "type": "string" }),
                    false,
                ),
                crs.clone(),
                at.clone(),
            ],
            ok("Nearest features", "application/json", any.clone()),
            &[("422", "Point outside the area of use")],
        ),
    );
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
    let page = op(
        "The web map (docs/web.md); without the bundle, a page saying how to build it",
        "Web map",
        vec![],
        ok("The page", "text/html", json!({ "type": "string" })),
        &[],
    );
    add("/", page);
    let file = op(
        "A file of the web map (script, stylesheet)",
        "Web map",
        vec![param(
            "file",
            "path",
            "File name",
            json!({ "type": "string" }),
            true,
        )],
        ok("The file", "text/javascript", json!({ "type": "string" })),
        &[("404", "No such file")],
    );
    add("/web/{file}", file);
    add(
        "/v1/deliveries",
        json!({ "post": {
            "summary": "Load a department's delivery (multipart upload), as `undermap ingest` does; returns the delivery report",
            "tags": ["Deliveries"],
            "requestBody": { "required": true, "content": { "multipart/form-data": { "schema": { "type": "object", "required": ["department", "file"], "properties": {
                "department": { "type": "string", "enum": ["water", "gas", "power", "drainage", "planning", "telecom", "incidents", "resources", "streets"] },
                "file": { "type": "string", "format": "binary", "description": "One or more files (a Shapefile with its .shx/.dbf/.prj/.cpg)" },
                "mode": { "type": "string", "enum": ["full", "incremental"] },
                "crs": { "type": "string" }, "encoding": { "type": "string" }, "table": { "type": "string" },
                "strict": { "type": "boolean" }, "strict_fields": { "type": "boolean" }, "dxf_layers": { "type": "string" }, "loaded_by": { "type": "string" }
            } } } } },
            "responses": problem_responses(&[("201", "The delivery report"), ("413", "Upload too large"), ("422", "Refused: no CRS, unreadable file, or rejections under strict")]),
        }}),
    );
    add(
        "/ogc",
        op(
            "OGC API landing page",
            "OGC API - Features",
            vec![],
            ok("Landing page", "application/json", any.clone()),
            &[],
        ),
    );
    add(
        "/ogc/conformance",
        op(
            "Conformance classes",
            "OGC API - Features",
            vec![],
            ok("Conformance declaration", "application/json", any.clone()),
            &[],
        ),
    );
    add(
        "/ogc/api",
        op(
            "This document",
            "OGC API - Features",
            vec![],
            ok(
                "OpenAPI 3.0",
                "application/vnd.oai.openapi+json;version=3.0",
                any.clone(),
            ),
            &[],
        ),
    );
    add(
        "/ogc/collections",
        op(
            "Collections, one per layer",
            "OGC API - Features",
            vec![],
            ok("Collections", "application/json", any.clone()),
            &[],
        ),
    );
    add(
        "/ogc/collections/{collectionId}",
        op(
            "One collection",
            "OGC API - Features",
            vec![collection_id.clone()],
            ok("Collection", "application/json", any.clone()),
            &[("404", "No such collection")],
        ),
    );
    add(
        "/ogc/collections/{collectionId}/queryables",
        op(
            "Properties usable in filters (JSON Schema)",
            "OGC API - Features",
            vec![collection_id.clone()],
            ok("Queryables", "application/schema+json", any.clone()),
            &[("404", "No such collection")],
        ),
    );
    add(
        "/ogc/collections/{collectionId}/schema",
        op(
            "Schema of the features (JSON Schema)",
            "OGC API - Features",
            vec![collection_id.clone()],
            ok("Schema", "application/schema+json", any.clone()),
            &[("404", "No such collection")],
        ),
    );
    add("/ogc/collections/{collectionId}/items", op("Features of a collection, one page at a time (keyset paging: follow the next/prev links)", "OGC API - Features", vec![
        collection_id.clone(),
        param("limit", "query", "Page size, 1 to 10000 (larger values are lowered to 10000); default 100", json!({ "type": "integer", "minimum": 1, "maximum": 10000, "default": 100 }), false),
        param("bbox", "query", "minx,miny,maxx,maxy (or 6 numbers) in bbox-crs axis order", json!({ "type": "array", "minItems": 4, "maxItems": 6, "items": { "type": "number" } }), false),
        param("bbox-crs", "query", "CRS of bbox; default CRS84", json!({ "type": "string", "format": "uri" }), false),
        crs.clone(),
        param("datetime", "query", "An instant: the map as it stood then. Open intervals (`..`) mean now; bounded intervals are refused", json!({ "type": "string" }), false),
        param("filter", "query", "CQL2 text filter over the queryables", json!({ "type": "string" }), false),
        param("filter-lang", "query", "cql2-text", json!({ "type": "string", "enum": ["cql2-text"] }), false),
        param("filter-crs", "query", "CRS of geometry literals in filter; default CRS84", json!({ "type": "string", "format": "uri" }), false),
        param("cursor", "query", "Where the page starts; take it from a next or prev link", json!({ "type": "string" }), false),
        param("f", "query", "json", json!({ "type": "string", "enum": ["json", "geojson"] }), false),
    ], ok("A FeatureCollection page; Content-Crs names the CRS", "application/geo+json", any.clone()), &[("404", "No such collection")]));
    add(
        "/ogc/collections/{collectionId}/items/{featureId}",
        op(
            "One feature",
            "OGC API - Features",
            vec![
                collection_id.clone(),
                param(
                    "featureId",
                    "path",
                    "Feature id",
                    json!({ "type": "string" }),
                    true,
                ),
                crs.clone(),
                param(
                    "datetime",
                    "query",
                    "An instant: the feature as it stood then",
                    json!({ "type": "string" }),
                    false,
                ),
            ],
            ok("The feature", "application/geo+json", any.clone()),
            &[("404", "No such collection or feature")],
        ),
    );
    add(
        "/tiles/{tileset}.json",
        op(
            "TileJSON 3.0 of a tile set: a layer id or `all`",
            "Vector tiles",
            vec![param(
                "tileset",
                "path",
                "Layer id or `all`",
                json!({ "type": "string" }),
                true,
            )],
            ok("TileJSON", "application/json", any.clone()),
            &[("404", "No such layer")],
        ),
    );
    add("/tiles/{tileset}/{z}/{x}/{y}.mvt", op("A Mapbox Vector Tile (Web Mercator, XYZ); ETag and If-None-Match give 304 for unchanged tiles", "Vector tiles", vec![
        param("tileset", "path", "Layer id or `all`", json!({ "type": "string" }), true),
        param("z", "path", "Zoom, 0 to 24", json!({ "type": "integer", "minimum": 0, "maximum": 24 }), true),
        param("x", "path", "Column", json!({ "type": "integer", "minimum": 0 }), true),
        param("y", "path", "Row", json!({ "type": "integer", "minimum": 0 }), true),
    ], ok("The tile (empty when nothing is there)", "application/vnd.mapbox-vector-tile", json!({ "type": "string", "format": "binary" })), &[("304", "Not modified"), ("404", "No such layer")]));
    add(
        "/styles/default.json",
        op(
            "The default MapLibre style (CJJ 61 colours)",
            "Vector tiles",
            vec![],
            ok("Style", "application/json", any.clone()),
            &[],
        ),
    );
    add(
        "/v1/quality",
        op(
            "Data-quality findings of a network layer: disconnected pieces, dangling ends, facilities off the network",
            "Emergency",
            vec![param("layer", "query", "A network layer: water, gas, power, drainage, telecom", json!({ "type": "string" }), true)],
            ok("Counts and findings", "application/json", any.clone()),
            &[("404", "No such network layer")],
        ),
    );
    let point = param(
        "point",
        "query",
        "x,y in `crs` axis order (lon,lat for CRS84)",
        json!({ "type": "string" }),
        true,
    );
    let incident_types: Vec<&str> = undermap_core::IncidentType::ALL
        .iter()
        .map(|t| t.as_str())
        .collect();
    let resource_types: Vec<&str> = undermap_core::ResourceType::ALL
        .iter()
        .map(|t| t.as_str())
        .collect();
    add("/v1/incidents/nearby-history", op(
        "Past incidents (floods, landslides, bursts, outages…) within a radius of a place, most recent first, with totals by type",
        "Emergency",
        vec![
            point.clone(),
            crs.clone(),
            param("radius_m", "query", "Metres, 0 to 5000; default 500", json!({ "type": "number", "minimum": 0, "maximum": 5000, "default": 500 }), false),
            param("since", "query", "Only incidents on or after this date", json!({ "type": "string", "format": "date" }), false),
            param("until", "query", "Only incidents on or before this date", json!({ "type": "string", "format": "date" }), false),
            param("type", "query", "Comma-separated incident types", json!({ "type": "string", "enum": incident_types }), false),
            param("limit", "query", "Records listed, 1 to 1000; default 100 (totals count all)", json!({ "type": "integer", "minimum": 1, "maximum": 1000 }), false),
        ],
        ok("Totals and records", "application/json", any.clone()),
        &[("400", "Bad point, date or type"), ("422", "Radius or limit out of range")],
    ));
    add("/v1/resources/nearest", op(
        "The k nearest emergency resources (depots, repair teams, pumps, generators, shelters), in a straight line and along the street centrelines",
        "Emergency",
        vec![
            point.clone(),
            crs.clone(),
            param("type", "query", "Resource type; default every type", json!({ "type": "string", "enum": resource_types }), false),
            param("k", "query", "How many, 1 to 50; default 5", json!({ "type": "integer", "minimum": 1, "maximum": 50, "default": 5 }), false),
        ],
        ok("straight_line and by_street lists (by_street null with street_note when no street network is loaded or the point is far from any street)", "application/json", any.clone()),
        &[("400", "Bad point or type"), ("422", "k out of range")],
    ));
    add("/v1/risk/hotspots", op(
        "Network assets with repeated incidents or in poor condition, scored for the yearly plan (docs/emergency.md)",
        "Emergency",
        vec![
            param("radius_m", "query", "An incident recorded without its asset counts against assets this close, metres; default 30", json!({ "type": "number", "minimum": 0, "maximum": 5000, "default": 30 }), false),
            param("min_incidents", "query", "Incidents that make a hotspot; default 2", json!({ "type": "integer", "minimum": 1, "default": 2 }), false),
            param("since", "query", "Only incidents on or after this date", json!({ "type": "string", "format": "date" }), false),
            param("layer", "query", "Only this network layer", json!({ "type": "string" }), false),
            param("old_age_years", "query", "Assets at least this old score a point; default 40", json!({ "type": "integer", "default": 40 }), false),
            crs.clone(),
            param("limit", "query", "1 to 1000; default 100", json!({ "type": "integer", "minimum": 1, "maximum": 1000 }), false),
        ],
        ok("Hotspots, highest score first", "application/json", any.clone()),
        &[("404", "No such network layer"), ("422", "Radius or limit out of range")],
    ));
    for (path, summary, schema) in [
        ("/v1/incidents/impact", "Everything within a radius of an incident (point, line or area) in every layer, most critical first, with owners to call", "ImpactRequest"),
        ("/v1/incidents/isolation", "For a break on a pipe or cable: the valves (switches) to close, isolated and unfed lines as GeoJSON, consumers losing supply", "IsolationRequest"),
        ("/v1/incidents/downstream", "For a point in the drainage network: every drain downstream to the outfalls (flow by digitised direction or recorded inverts)", "DownstreamRequest"),
    ] {
        add(path, json!({ "post": {
            "summary": summary, "tags": ["Emergency"],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } },
            "responses": problem_responses(&[("200", "The answer"), ("422", "Invalid geometry, radius or point, or no line near it")]),
        }}));
    }
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
                "ImpactRequest": { "type": "object", "required": ["geometry"], "additionalProperties": false, "properties": {
                    "geometry": { "type": "object", "description": "GeoJSON geometry of the incident", "required": ["type", "coordinates"], "properties": { "type": { "type": "string", "enum": ["Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon"] }, "coordinates": { "type": "array", "minItems": 1 } } },
                    "crs": { "type": "string" }, "radius_m": { "type": "number", "minimum": 0, "maximum": 2000 },
                    "layers": { "type": "array", "items": { "type": "string" } }
                } },
                "IsolationRequest": { "type": "object", "required": ["point"], "additionalProperties": false, "properties": {
                    "point": { "type": "array", "items": { "type": "number" }, "minItems": 2, "maxItems": 2 },
                    "crs": { "type": "string" }, "layer": { "type": "string" }
                } },
                "DownstreamRequest": { "type": "object", "required": ["point"], "additionalProperties": false, "properties": {
                    "point": { "type": "array", "items": { "type": "number" }, "minItems": 2, "maxItems": 2 },
                    "crs": { "type": "string" }
                } },
                "NewAccount": { "type": "object", "required": ["name", "role"], "additionalProperties": false, "properties": {
                    "name": { "type": "string", "pattern": "^[a-z0-9][a-z0-9._@-]{0,63}$" },
                    "role": { "type": "string", "description": "admin, archivist, planner, contractor, emergency, public, or a configured role" },
                    "layers": { "type": "array", "items": { "type": "string" } }, "service": { "type": "boolean" }, "full_name": { "type": "string" }
                } },
                "KeyRequest": { "type": "object", "additionalProperties": false, "properties": {
                    "label": { "type": "string" }, "days": { "type": "integer", "minimum": 1, "maximum": 3650 }
                } },
                "CheckRequest": { "type": "object", "required": ["area"], "additionalProperties": false, "properties": {
                    "area": { "type": "object", "description": "GeoJSON Polygon or MultiPolygon", "required": ["type", "coordinates"], "properties": { "type": { "type": "string", "enum": ["Polygon", "MultiPolygon"] }, "coordinates": { "type": "array", "minItems": 1 } } },
                    "crs": { "type": "string" }, "depth_m": { "type": "number" }, "buffer_m": { "type": "number" },
                    "layers": { "type": "array", "items": { "type": "string" } }, "reference": { "type": "string" }, "at": { "type": "string" }
                } }
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
    if let Some(schemas) = document.pointer_mut("/components/schemas") {
        for name in [
            "ImpactRequest",
            "IsolationRequest",
            "DownstreamRequest",
            "NewAccount",
            "KeyRequest",
            "CheckRequest",
        ] {
            if let Some(schema) = schemas.get_mut(name) {
                plain_strings(schema, PLAIN);
            }
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
