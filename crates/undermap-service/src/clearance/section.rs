//! The cross-section of a cut (横断面): every network line crossing it, in order, with depths,
//! sizes, layer and owner, and the drawing.

use chrono::{DateTime, Utc};
use serde::Serialize;
use undermap_clearance::section::{self, Cut, Drawn};
use undermap_clearance::Size;
use undermap_core::{LayerCategory, View};
use undermap_crs::Transformer;

use super::Clearance;
use crate::shared::geometry_out::{cm, rounded, scale};
use crate::shared::input::request_crs;
use crate::ServiceError;

/// One line crossing the cut.
#[derive(Debug, Clone, Serialize)]
pub struct SectionItem {
    /// Distance from the cut's start, m.
    pub offset_m: f64,
    /// The feature (`null` when restricted).
    pub feature_id: Option<String>,
    /// Its layer.
    pub layer: String,
    /// Its kind (`null` when restricted).
    pub kind: Option<String>,
    /// Its owner.
    pub owner: Option<String>,
    /// Diameter, mm.
    pub diameter_mm: Option<f64>,
    /// Section B×H, mm.
    pub section: Option<String>,
    /// Depth of top, m.
    pub depth_top_m: Option<f64>,
    /// Depth of bottom (recorded, or top plus size), m.
    pub depth_bottom_m: Option<f64>,
    /// How the depth was obtained.
    pub depth_method: Option<String>,
    /// Where it crosses, in the request's CRS.
    pub point: [f64; 2],
    /// Angle to the cut, degrees.
    pub angle_deg: f64,
    /// A line the caller may not see in detail: its offset, layer and owner only.
    pub restricted: bool,
}

/// A cross-section.
#[derive(Debug, Clone, Serialize)]
pub struct CrossSection {
    /// CRS of `line` and the points.
    pub crs: String,
    /// The cut: x1, y1, x2, y2.
    pub line: [f64; 4],
    /// Its length, m.
    pub length_m: f64,
    /// The map as of.
    pub data_as_of: DateTime<Utc>,
    /// Every line crossing it, in order along it.
    pub items: Vec<SectionItem>,
    /// The drawing (SVG).
    pub svg: String,
    /// The ground the answer shows, for roles with a daily area budget.
    #[serde(skip)]
    pub footprint: Option<crate::Footprint>,
}

/// `x1,y1,x2,y2` as four numbers.
fn parse_line(text: &str) -> Result<[f64; 4], ServiceError> {
    let bad = || ServiceError::BadRequest {
        field: "line".into(),
        reason: "give the cut as x1,y1,x2,y2 (four numbers in the crs' axis order)".into(),
    };
    let v: Vec<f64> = text
        .split(',')
        .map(|p| p.trim().parse::<f64>().map_err(|_| bad()))
        .collect::<Result<_, _>>()?;
    match v.as_slice() {
        [a, b, c, d] if v.iter().all(|x| x.is_finite()) => Ok([*a, *b, *c, *d]),
        _ => Err(bad()),
    }
}

impl Clearance<'_> {
    /// The cross-section along `line` (`x1,y1,x2,y2` in `crs`, default CRS84) as `view` may
    /// see it: lines of layers it does not see are left out; lines of its layers it may not see
    /// in full (a higher sensitivity) are listed with offset, layer and owner only; fields its
    /// role hides are not shown nor drawn.
    pub fn cross_section(
        &self,
        line: &str,
        crs: Option<&str>,
        view: &View,
    ) -> Result<CrossSection, ServiceError> {
        let crs = request_crs(crs)?;
        let coords = parse_line(line)?;
        let config = self.app.config();
        let to_metric = Transformer::new(&crs, &config.deployment_crs)?;
        let ends = geo::LineString::from(vec![(coords[0], coords[1]), (coords[2], coords[3])]);
        let geo::Geometry::LineString(metric) =
            to_metric.geometry_checked(&geo::Geometry::LineString(ends))?
        else {
            return Err(ServiceError::internal("reprojecting a cut", "not a line"));
        };
        let cut = Cut::new(metric.0[0], metric.0[1])?;
        let index = self.app.index().snapshot();
        let network = |f: &&undermap_core::Feature| {
            index
                .layer(&f.layer)
                .is_some_and(|l| l.category == LayerCategory::Network)
                && f.kind.is_linear()
                && view.sees_layer(&f.layer)
        };
        let (a, b) = cut.ends();
        let rect = geo::Rect::new(a, b);
        let crossed = section::section(&cut, index.in_envelope(rect).filter(network));
        let out = Transformer::new(&config.deployment_crs, &crs)?;
        let k = scale(out.target().is_geographic());
        let mut items = Vec::with_capacity(crossed.len());
        let mut drawn = Vec::with_capacity(crossed.len());
        for c in &crossed {
            let seen = view.sees(c.feature);
            let f = view.redact(c.feature);
            let a = &f.attrs;
            let p = out.coord(c.point)?;
            let owner = a.owner.as_ref().map(|o| o.name.clone());
            // Depths and size as the caller may read them (a role may hide them on a layer).
            let top = a.depth_top_m.map(f64::from).filter(|_| seen);
            let bottom = Size::bottom_of(a).filter(|_| top.is_some());
            let size = Size::of(a).filter(|_| seen);
            let size_text = Size::label(a.diameter_mm, a.section.as_deref());
            drawn.push(Drawn {
                offset_m: c.offset_m,
                top_m: top,
                size,
                colour: undermap_tiles::style::colour(f.layer.as_str()),
                label: if seen {
                    format!("{} {}", f.id, size_text.clone().unwrap_or_default())
                        .trim()
                        .to_owned()
                } else {
                    format!("{}: {}", f.layer, owner.as_deref().unwrap_or("owner"))
                },
            });
            items.push(SectionItem {
                offset_m: cm(c.offset_m),
                feature_id: seen.then(|| f.id.to_string()),
                layer: f.layer.to_string(),
                kind: seen.then(|| f.kind.to_string()),
                owner,
                diameter_mm: a.diameter_mm.filter(|_| seen),
                section: a.section.clone().filter(|_| seen),
                depth_top_m: top.map(cm),
                depth_bottom_m: bottom.map(cm),
                depth_method: a.depth_method.filter(|_| seen).map(|m| m.to_string()),
                point: [rounded(p.x, k), rounded(p.y, k)],
                angle_deg: (c.angle_deg * 10.0).round() / 10.0,
                restricted: !seen,
            });
        }
        let title = format!(
            "横断面 Cross-section · {:.1} m · {} lines",
            cut.length_m(),
            items.len()
        );
        Ok(CrossSection {
            footprint: crate::shared::footprint::budgeted(view)
                .then(|| crate::shared::footprint::corners(rect)),
            crs: crs.name().to_owned(),
            line: coords,
            length_m: cm(cut.length_m()),
            data_as_of: index.as_of(),
            svg: section::svg(cut.length_m(), &drawn, &title),
            items,
        })
    }
}
