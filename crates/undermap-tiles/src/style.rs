//! TileJSON 3.0 documents and the default MapLibre style.
//!
//! Colours follow the pipeline colour code of CJJ 61 (城市地下管线探测技术规程), which Chinese
//! pipeline maps use: water supply sky blue (给水 天蓝), drainage brown (排水 褐), gas pink
//! (燃气 粉红), power red (电力 红), telecom green (通信 绿), heat orange (热力 橘黄), anything
//! else grey. Planning red lines are drawn dark red and dashed so they do not read as power
//! cables. Abandoned assets are drawn faded and dashed; planned ones dotted.

use serde_json::{json, Value};

use crate::render::TILE_FIELDS;
use crate::tile::MAX_ZOOM;

/// Lowest zoom advertised: below it a county's tiles grow past a few megabytes.
pub const MIN_ZOOM: u8 = 10;

/// The colour for a layer id.
#[must_use]
pub fn colour(layer: &str) -> &'static str {
    match layer {
        "water" => "#00a0e9",
        "drainage" => "#8b4513",
        "gas" => "#ff4fb4",
        "power" => "#e60000",
        "telecom" => "#00a650",
        "heat" => "#ff9900",
        "planning" => "#b00000",
        // The resilience thematic layers: streets as a quiet base, incidents and resources bold.
        "streets" => "#c8bfae",
        "incidents" => "#ff8c00",
        "resources" => "#1b7f3a",
        // Precaution zones: amber, whatever the network.
        l if l.ends_with("_precautions") => "#ffb300",
        _ => "#808080",
    }
}

/// A layer as tiles describe it: id, title.
#[derive(Debug, Clone)]
pub struct TileLayer {
    /// Layer id (MVT layer name).
    pub id: String,
    /// Title.
    pub title: String,
    /// Whether it is a planning layer (drawn as red lines and zones).
    pub planning: bool,
}

/// TileJSON 3.0.0 for `/tiles/{name}/{z}/{x}/{y}.mvt`.
#[must_use]
pub fn tilejson(base: &str, name: &str, layers: &[TileLayer], bounds: Option<[f64; 4]>) -> Value {
    let fields: serde_json::Map<String, Value> = TILE_FIELDS
        .iter()
        .map(|(k, d)| ((*k).to_owned(), Value::from(*d)))
        .collect();
    let bounds = bounds.unwrap_or([-180.0, -85.051_129, 180.0, 85.051_129]);
    let center = [
        f64::midpoint(bounds[0], bounds[2]),
        f64::midpoint(bounds[1], bounds[3]),
        15.0,
    ];
    json!({
        "tilejson": "3.0.0",
        "name": format!("undermap {name}"),
        "description": "Underground networks and planning lines, cut from the live map",
        "scheme": "xyz",
        "tiles": [format!("{base}/tiles/{name}/{{z}}/{{x}}/{{y}}.mvt")],
        "minzoom": MIN_ZOOM,
        "maxzoom": MAX_ZOOM,
        "bounds": bounds,
        "center": center,
        "vector_layers": layers.iter().map(|l| json!({
            "id": l.id,
            "description": l.title,
            "minzoom": MIN_ZOOM,
            "maxzoom": MAX_ZOOM,
            "fields": fields,
        })).collect::<Vec<_>>(),
    })
}

/// The default MapLibre style over `/tiles/all.json`.
#[must_use]
pub fn style(base: &str, layers: &[TileLayer]) -> Value {
    let mut style_layers = vec![json!({
        "id": "background",
        "type": "background",
        "paint": { "background-color": "#f4f1ea" }
    })];
    // Street centrelines first (the city's own base map), planning over them, then networks;
    // points on top.
    let mut ordered: Vec<&TileLayer> = layers.iter().filter(|l| l.id == "streets").collect();
    ordered.extend(layers.iter().filter(|l| l.planning));
    ordered.extend(layers.iter().filter(|l| !l.planning && l.id != "streets"));
    for l in &ordered {
        let c = colour(&l.id);
        if l.planning {
            style_layers.push(json!({
                "id": format!("{}-zones", l.id),
                "type": "fill",
                "source": "undermap",
                "source-layer": l.id,
                "filter": ["==", ["geometry-type"], "Polygon"],
                "paint": { "fill-color": c, "fill-opacity": 0.06 }
            }));
            style_layers.push(json!({
                "id": format!("{}-lines", l.id),
                "type": "line",
                "source": "undermap",
                "source-layer": l.id,
                "filter": ["in", ["geometry-type"], ["literal", ["LineString", "Polygon"]]],
                "paint": { "line-color": c, "line-width": 1.5, "line-dasharray": [6, 3] }
            }));
            continue;
        }
        // Wider for bigger pipes and higher voltages.
        let width = json!([
            "interpolate",
            ["linear"],
            ["zoom"],
            12,
            [
                "case",
                [">=", ["coalesce", ["get", "diameter_mm"], 0], 500],
                2,
                [">=", ["coalesce", ["get", "voltage_kv"], 0], 35],
                2,
                1
            ],
            18,
            [
                "case",
                [">=", ["coalesce", ["get", "diameter_mm"], 0], 500],
                6,
                [">=", ["coalesce", ["get", "voltage_kv"], 0], 35],
                6,
                3
            ]
        ]);
        // In service solid; abandoned dashed and faint; planned dotted. One layer each: a dash
        // pattern cannot depend on a feature's properties in every client.
        for (suffix, status_filter, dash, opacity) in [
            (
                "lines",
                json!([
                    "!",
                    [
                        "in",
                        ["get", "status"],
                        ["literal", ["abandoned", "planned"]]
                    ]
                ]),
                None,
                1.0,
            ),
            (
                "abandoned",
                json!(["==", ["get", "status"], "abandoned"]),
                Some(json!([2, 2])),
                0.4,
            ),
            (
                "planned",
                json!(["==", ["get", "status"], "planned"]),
                Some(json!([0.5, 1.5])),
                1.0,
            ),
        ] {
            let mut paint =
                json!({ "line-color": c, "line-width": width, "line-opacity": opacity });
            if let Some(d) = dash {
                paint["line-dasharray"] = d;
            }
            style_layers.push(json!({
                "id": format!("{}-{suffix}", l.id),
                "type": "line",
                "source": "undermap",
                "source-layer": l.id,
                "filter": ["all", ["==", ["geometry-type"], "LineString"], status_filter],
                "layout": { "line-cap": "round", "line-join": "round" },
                "paint": paint
            }));
        }
        style_layers.push(json!({
            "id": format!("{}-points", l.id),
            "type": "circle",
            "source": "undermap",
            "source-layer": l.id,
            "filter": ["==", ["geometry-type"], "Point"],
            "minzoom": crate::render::POINT_ZOOM,
            "paint": {
                "circle-color": "#ffffff",
                "circle-stroke-color": c,
                "circle-stroke-width": 1.5,
                "circle-radius": ["interpolate", ["linear"], ["zoom"], 15, 2, 19, 6]
            }
        }));
    }
    json!({
        "version": 8,
        "name": "undermap default",
        "metadata": {
            "undermap:colours": "CJJ 61 pipeline colour code: water sky blue, drainage brown, gas pink, power red, telecom green, heat orange; planning red lines dark red, dashed"
        },
        "sources": {
            "undermap": { "type": "vector", "url": format!("{base}/tiles/all.json") }
        },
        "layers": style_layers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_layer_gets_drawn_and_pointed_at_the_tiles() {
        let layers = vec![
            TileLayer {
                id: "water".into(),
                title: "Water".into(),
                planning: false,
            },
            TileLayer {
                id: "planning".into(),
                title: "Planning".into(),
                planning: true,
            },
        ];
        let s = style("http://h/x", &layers);
        assert_eq!(s["sources"]["undermap"]["url"], "http://h/x/tiles/all.json");
        let ids: Vec<&str> = s["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            [
                "background",
                "planning-zones",
                "planning-lines",
                "water-lines",
                "water-abandoned",
                "water-planned",
                "water-points"
            ]
        );
        let tj = tilejson(
            "http://h/x",
            "water",
            &layers[..1],
            Some([108.0, 28.0, 109.0, 29.0]),
        );
        assert_eq!(tj["tiles"][0], "http://h/x/tiles/water/{z}/{x}/{y}.mvt");
        assert_eq!(tj["vector_layers"][0]["id"], "water");
    }
}
