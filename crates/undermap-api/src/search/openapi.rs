//! The OpenAPI path of the archive search.

use serde_json::{json, Value};

use crate::openapi::kit::{ok, op, param, Common};

/// This folder's paths.
pub(crate) fn paths(common: &Common) -> Vec<(String, Value)> {
    let Common { any, .. } = common;
    let text = |d: &str| json!({ "type": "string", "description": d });
    vec![(
        "/v1/archive/search".to_owned(),
        op(
            "Projects, files and map features in one ranked list: a Chinese or Latin substring of a name, title, project code or feature id (trigram index: pg_trgm on PostGIS, FTS5 trigram in a GeoPackage), the matches marked in `highlight`, counts by kind, category and year in `facets`. Files are listed to those who may download them (`download: read`) or ask for them (`ask`); give at least `q`, `bbox` or `category`",
            "Archive",
            vec![
                param("q", "query", "Text to find, 1 to 100 characters", json!({ "type": "string", "minLength": 1, "maxLength": 100 }), false),
                param("bbox", "query", "min x, min y, max x, max y in bbox-crs", text("four numbers"), false),
                param("bbox-crs", "query", "CRS of bbox (default OGC:CRS84)", json!({ "type": "string" }), false),
                param("category", "query", "A project or file category code, or a layer id", json!({ "type": "string" }), false),
                param("from", "query", "Only what dates from this day", json!({ "type": "string", "format": "date" }), false),
                param("to", "query", "Only what dates up to this day", json!({ "type": "string", "format": "date" }), false),
                param("kind", "query", "Only these kinds, comma-separated: project, file, feature", json!({ "type": "string" }), false),
                param("limit", "query", "Hits (1 to 100, default 20)", json!({ "type": "integer", "minimum": 1, "maximum": 100 }), false),
            ],
            ok("The hits, best first, with total and facets", "application/json", any.clone()),
            &[("422", "A search text over 100 characters, `from` after `to`, a limit out of range"), ("404", "An unknown CRS")],
        ),
    )]
}
