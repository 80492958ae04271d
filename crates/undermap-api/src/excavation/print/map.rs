//! The printable ticket's map: the checked area and what was found around it, drawn from the
//! ticket itself as inline SVG (no tiles or network needed).

use std::fmt::Write as _;

use serde_json::Value;

use crate::html::{Frame, MAP_BOX};

/// Risk colours, as the web map and the legend use them.
pub(super) fn risk_colour(risk: &str) -> &'static str {
    match risk {
        "high" => "#d7191c",
        "medium" => "#fd8d3c",
        _ => "#1a9641",
    }
}

/// Every position of a GeoJSON geometry.
fn positions(g: &Value, frame: Frame, out: &mut Vec<(f64, f64)>) {
    fn walk(v: &Value, frame: Frame, out: &mut Vec<(f64, f64)>) {
        let Value::Array(items) = v else { return };
        if let [Value::Number(a), Value::Number(b), ..] = items.as_slice() {
            if let (Some(a), Some(b)) = (a.as_f64(), b.as_f64()) {
                out.push(frame.at(&[a, b]));
            }
        } else {
            for i in items {
                walk(i, frame, out);
            }
        }
    }
    walk(&g["coordinates"], frame, out);
}

/// The map: the checked area and what was found around it, in the ticket's CRS, as SVG. It is
/// framed on the area with a margin (a hit such as a planning zone may reach far beyond it; the
/// frame cuts it off).
pub(super) fn map_svg(ticket: &Value) -> String {
    // Positions in the ticket's CRS's own axis order (EPSG:4545 northing first), drawn east-north.
    let frame = Frame::of(ticket["crs"].as_str().unwrap_or("OGC:CRS84"));
    let mut all = Vec::new();
    positions(&ticket["area"], frame, &mut all);
    let hits = ticket["hits"].as_array().cloned().unwrap_or_default();
    if all.is_empty() {
        return String::new();
    }
    // A margin of a third of the area's size, at least 25 m.
    let Some(projection) = frame.projection(&all, 3.0, 25.0, 0.9) else {
        return String::new();
    };
    let at = |p: (f64, f64)| projection.at(p);
    let (geographic, scale) = (frame.geographic, projection.scale);
    let (w, h) = MAP_BOX;
    let path = |g: &Value| -> String {
        let mut d = String::new();
        let rings: Vec<&Value> = match g["type"].as_str() {
            Some("Polygon") => g["coordinates"]
                .as_array()
                .map(|r| r.iter().collect())
                .unwrap_or_default(),
            Some("MultiPolygon") => g["coordinates"]
                .as_array()
                .map(|p| p.iter().filter_map(Value::as_array).flatten().collect())
                .unwrap_or_default(),
            Some("LineString") => vec![&g["coordinates"]],
            Some("MultiLineString") => g["coordinates"]
                .as_array()
                .map(|r| r.iter().collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        for ring in rings {
            let mut pts = Vec::new();
            positions(&serde_json::json!({"coordinates": ring}), frame, &mut pts);
            for (i, p) in pts.into_iter().enumerate() {
                let (x, y) = at(p);
                let _ = write!(d, "{}{x:.2},{y:.2} ", if i == 0 { "M" } else { "L" });
            }
        }
        d
    };
    let mut svg = format!(
        "<svg class=\"map\" viewBox=\"0 0 {w} {h}\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"Map of the checked area\">\
         <defs><clipPath id=\"frame\"><rect width=\"{w}\" height=\"{h}\"/></clipPath></defs>\
         <rect width=\"{w}\" height=\"{h}\" fill=\"#f4f1ea\"/><g clip-path=\"url(#frame)\">\
         <path d=\"{}\" fill=\"#3388ff22\" stroke=\"#3388ff\" stroke-width=\"0.6\" stroke-dasharray=\"2 1\"/>",
        path(&ticket["area"])
    );
    // Low risks underneath, high on top.
    for risk in ["low", "medium", "high"] {
        for h in hits.iter().filter(|h| h["risk"] == risk) {
            let g = &h["geometry"];
            let c = risk_colour(risk);
            match g["type"].as_str() {
                Some("Point") => {
                    let mut p = Vec::new();
                    positions(g, frame, &mut p);
                    if let Some(&pt) = p.first() {
                        let (x, y) = at(pt);
                        let _ = write!(svg, "<circle cx=\"{x:.2}\" cy=\"{y:.2}\" r=\"1.4\" fill=\"#fff\" stroke=\"{c}\" stroke-width=\"0.6\"/>");
                    }
                }
                Some("Polygon" | "MultiPolygon") => {
                    let _ = write!(svg, "<path d=\"{}\" fill=\"none\" stroke=\"{c}\" stroke-width=\"0.3\" stroke-dasharray=\"1 1\"/>", path(g));
                }
                Some(_) => {
                    let _ = write!(svg, "<path d=\"{}\" fill=\"none\" stroke=\"{c}\" stroke-width=\"0.9\" stroke-linecap=\"round\"/>", path(g));
                }
                None => {}
            }
        }
    }
    svg.push_str("</g>");
    // A scale bar: a round length near a fifth of the width.
    let metres_per_unit = if geographic { 111_320.0 } else { 1.0 };
    let target = w / 5.0 / scale * metres_per_unit;
    let bar = [
        1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0,
    ]
    .into_iter()
    .rev()
    .find(|m| *m <= target)
    .unwrap_or(1.0);
    let len = bar / metres_per_unit * scale;
    let _ = write!(
        svg,
        "<g font-size=\"3.5\" font-family=\"sans-serif\"><rect x=\"6\" y=\"{}\" width=\"{len:.2}\" height=\"1.2\" fill=\"#333\"/>\
         <text x=\"6\" y=\"{}\">{bar} m</text><text x=\"{}\" y=\"8\" text-anchor=\"middle\">N ↑</text></g></svg>",
        h - 8.0,
        h - 10.0,
        w - 8.0
    );
    svg
}
