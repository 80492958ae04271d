//! The OpenAPI paths of this folder's routes. The map: layers, features, their history, nearest.

use serde_json::{json, Value};

use crate::openapi::kit::{ok, op, param, Common};

/// This folder's paths, in the order the document lists them.
#[allow(clippy::too_many_lines)]
pub(crate) fn paths(common: &Common) -> Vec<(String, Value)> {
    let Common { any, crs, at } = common;
    let mut paths = Vec::new();
    let mut add = |path: &str, item: Value| paths.push((path.to_owned(), item));
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
    paths
}
