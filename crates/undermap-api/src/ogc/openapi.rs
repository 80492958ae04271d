//! The OpenAPI paths of this folder's routes. OGC API – Features.

use serde_json::{json, Value};
use undermap_departments::registry;

use crate::openapi::kit::{ok, op, param, Common};

/// This folder's paths, in the order the document lists them.
#[allow(clippy::too_many_lines)]
pub(crate) fn paths(common: &Common) -> Vec<(String, Value)> {
    let Common { any, crs, .. } = common;
    let collection_id = param(
        "collectionId",
        "path",
        &format!(
            "A layer id: {}",
            registry::LAYERS
                .iter()
                .map(undermap_departments::registry::Layer::id)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        json!({ "type": "string" }),
        true,
    );
    let mut paths = Vec::new();
    let mut add = |path: &str, item: Value| paths.push((path.to_owned(), item));
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
    paths
}
