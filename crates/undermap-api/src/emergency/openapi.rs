//! The OpenAPI paths of this folder's routes. Emergency: incidents, quality, the resilience records.

use serde_json::{json, Value};
use undermap_core::LayerCategory;
use undermap_departments::registry;

use crate::openapi::kit::{ok, op, param, problem_responses, Common};

/// This folder's paths, in the order the document lists them.
#[allow(clippy::too_many_lines)]
pub(crate) fn paths(common: &Common) -> Vec<(String, Value)> {
    let Common { any, crs, .. } = common;
    let networks = registry::ids_of(LayerCategory::Network)
        .collect::<Vec<_>>()
        .join(", ");
    let mut paths = Vec::new();
    let mut add = |path: &str, item: Value| paths.push((path.to_owned(), item));
    add(
        "/v1/quality",
        op(
            "Data-quality findings of a network layer: disconnected pieces, dangling ends, facilities off the network",
            "Emergency",
            vec![param("layer", "query", &format!("A network layer: {networks}"), json!({ "type": "string" }), true)],
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
    paths
}

/// The request bodies of the incident queries.
pub(crate) fn schemas() -> Vec<(&'static str, Value)> {
    vec![
        (
            "ImpactRequest",
            json!({ "type": "object", "required": ["geometry"], "additionalProperties": false, "properties": {
                    "geometry": { "type": "object", "description": "GeoJSON geometry of the incident", "required": ["type", "coordinates"], "properties": { "type": { "type": "string", "enum": ["Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon"] }, "coordinates": { "type": "array", "minItems": 1 } } },
                    "crs": { "type": "string" }, "radius_m": { "type": "number", "minimum": 0, "maximum": 2000 },
                    "layers": { "type": "array", "items": { "type": "string" } }
                } }),
        ),
        (
            "IsolationRequest",
            json!({ "type": "object", "required": ["point"], "additionalProperties": false, "properties": {
                    "point": { "type": "array", "items": { "type": "number" }, "minItems": 2, "maxItems": 2 },
                    "crs": { "type": "string" }, "layer": { "type": "string" }
                } }),
        ),
        (
            "DownstreamRequest",
            json!({ "type": "object", "required": ["point"], "additionalProperties": false, "properties": {
                    "point": { "type": "array", "items": { "type": "number" }, "minItems": 2, "maxItems": 2 },
                    "crs": { "type": "string" }
                } }),
        ),
    ]
}
