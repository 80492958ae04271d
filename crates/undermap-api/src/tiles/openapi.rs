//! The OpenAPI paths of this folder's routes. Vector tiles, TileJSON and the style.

use serde_json::{json, Value};

use crate::openapi::kit::{ok, op, param, Common};

/// This folder's paths, in the order the document lists them.
#[allow(clippy::too_many_lines)]
pub(crate) fn paths(common: &Common) -> Vec<(String, Value)> {
    let Common { any, .. } = common;
    let mut paths = Vec::new();
    let mut add = |path: &str, item: Value| paths.push((path.to_owned(), item));
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
    paths
}
