//! The JSON documents of OGC API – Features: landing page, conformance, collections.

use geo::Rect;
use serde_json::{json, Value};
use undermap_crs::{Crs, Transformer};
use undermap_index::{LayerStats, MapIndex};

use crate::params::offered_crs;
use crate::queryables::{schema, timestamp};

/// Conformance classes this implementation meets.
pub const CONFORMANCE: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
];

fn link(rel: &str, media_type: &str, href: String, title: &str) -> Value {
    json!({ "rel": rel, "type": media_type, "title": title, "href": href })
}

/// `GET /ogc`.
#[must_use]
pub fn landing(base: &str) -> Value {
    json!({
        "title": "undermap",
        "description": "The one map of what lies under the city: water, drainage, gas, power, \
                        telecom networks and planning red lines, as OGC API - Features and vector tiles.",
        "links": [
            link("self", "application/json", base.to_owned(), "This document"),
            link("service-desc", "application/vnd.oai.openapi+json;version=3.0", format!("{base}/api"), "The API definition (OpenAPI 3.0)"),
            link("conformance", "application/json", format!("{base}/conformance"), "Conformance classes"),
            link("data", "application/json", format!("{base}/collections"), "Collections, one per layer"),
        ]
    })
}

/// `GET /ogc/conformance`.
#[must_use]
pub fn conformance() -> Value {
    json!({ "conformsTo": CONFORMANCE })
}

/// The layer's extent in CRS84 (west, south, east, north), reprojected with densified edges.
#[must_use]
pub fn lon_lat_extent(extent: Rect<f64>, map: &Crs) -> Option<[f64; 4]> {
    let to_lonlat = Transformer::new(&map.gis_order(), &Crs::crs84()).ok()?;
    to_lonlat.lon_lat_box(extent, 8).ok()
}

/// One entry of `/collections`, or `/collections/{id}` itself.
#[must_use]
pub fn collection(base: &str, stats: &LayerStats, map: &Crs) -> Value {
    let id = stats.info.id.as_str();
    let href = format!("{base}/collections/{id}");
    let bbox = stats
        .extent
        .and_then(|e| lon_lat_extent(e, map))
        .map_or_else(|| json!([[-180.0, -90.0, 180.0, 90.0]]), |b| json!([b]));
    let storage = Crs::parse(map.name()).unwrap_or_else(|_| map.clone());
    json!({
        "id": id,
        "title": stats.info.title,
        "description": format!("{} ({} layer), {} current features", stats.info.title, stats.info.category.as_str(), stats.count),
        "itemType": "feature",
        "extent": {
            "spatial": { "bbox": bbox, "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84" },
            "temporal": {
                "interval": [[stats.since.map(timestamp), null]],
                "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
            }
        },
        "crs": offered_crs(map).iter().map(Crs::uri).collect::<Vec<_>>(),
        "storageCrs": storage.uri(),
        "links": [
            link("self", "application/json", href.clone(), "This collection"),
            link("items", "application/geo+json", format!("{href}/items"), "Its features"),
            link("http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json", format!("{href}/queryables"), "Properties usable in filters"),
            // Relation types compare case-insensitively (RFC 8288); GDAL 3.6 looks for this
            // spelling exactly, and then types columns from the schema instead of guessing.
            link("describedBy", "application/schema+json", format!("{href}/schema"), "The schema of its features"),
        ]
    })
}

/// `GET /ogc/collections`.
#[must_use]
pub fn collections(base: &str, index: &MapIndex, map: &Crs) -> Value {
    let list: Vec<Value> = index
        .layer_stats()
        .into_iter()
        .map(|s| collection(base, s, map))
        .collect();
    json!({
        "links": [link("self", "application/json", format!("{base}/collections"), "Collections")],
        "collections": list,
        "crs": offered_crs(map).iter().map(Crs::uri).collect::<Vec<_>>(),
    })
}

/// `GET /ogc/collections/{id}/schema`: the schema of one feature.
#[must_use]
pub fn feature_schema(base: &str, stats: &LayerStats) -> Value {
    let id = stats.info.id.as_str();
    crate::queryables::feature_schema(
        &format!("{base}/collections/{id}/schema"),
        &stats.info.title,
    )
}

/// `GET /ogc/collections/{id}/queryables`.
#[must_use]
pub fn queryables(base: &str, stats: &LayerStats) -> Value {
    let id = stats.info.id.as_str();
    schema(
        &format!("{base}/collections/{id}/queryables"),
        &stats.info.title,
        "geometry-any",
    )
}
