//! The clearance report as it is signed, stored and returned: typed, so the print page and the
//! verification read back exactly what was written.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use undermap_clearance::{Conflict, Crossing, Horizontal, Judgement, PlannedRoute, Verdict};
use undermap_core::View;
use undermap_crs::Transformer;

use crate::shared::geometry_out::{cm, rounded, scale, to_geojson};
use crate::{ServiceError, TicketSignature};

/// What a report says of one existing feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictOut {
    /// The feature (`null` for one the caller may not see in detail).
    pub feature_id: Option<String>,
    /// Its layer.
    pub layer: String,
    /// Its kind (`null` when restricted).
    pub kind: Option<String>,
    /// Its class in the clearance table.
    pub class: String,
    /// Its owner, to call.
    pub owner: Option<String>,
    /// Diameter, mm.
    pub diameter_mm: Option<f64>,
    /// Section B×H, mm.
    pub section: Option<String>,
    /// Gas pressure class.
    pub pressure_class: Option<String>,
    /// Voltage, kV.
    pub voltage_kv: Option<f64>,
    /// Depth of top, m.
    pub depth_top_m: Option<f64>,
    /// Depth of bottom, m.
    pub depth_bottom_m: Option<f64>,
    /// `pass`, `fail` or `unknown`: the worst of its judgements.
    pub verdict: String,
    /// Side by side (`null` when the route only crosses it).
    pub horizontal: Option<HorizontalOut>,
    /// Each crossing.
    pub crossings: Vec<CrossingOut>,
    /// The facts its verdict rests on.
    pub notes: Vec<String>,
    /// Its geometry in the report's CRS (`null` when restricted).
    pub geometry: Option<geojson::Geometry>,
    /// An asset the caller may not see in detail: its distances and verdict are given, its id,
    /// attributes and geometry withheld; call its owner.
    pub restricted: bool,
}

/// A judgement as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JudgementOut {
    /// `pass`, `fail` or `unknown`.
    pub verdict: String,
    /// The distance required, m.
    pub required_m: Option<f64>,
    /// The row: id, distance, source, note.
    pub rule: Option<serde_json::Value>,
    /// What is not recorded that the verdict needs.
    pub missing: Vec<String>,
    /// Why.
    pub reason: String,
}

/// Side by side, as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HorizontalOut {
    /// The clear distance, m (at most this when a width is not recorded).
    pub distance_m: f64,
    /// Where along the route it is closest, m.
    pub at_m: f64,
    /// The judgement.
    #[serde(flatten)]
    pub judgement: JudgementOut,
    /// The stretches of the route closer than required, m from its start.
    pub spans: Vec<[f64; 2]>,
}

/// A crossing, as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrossingOut {
    /// Where along the route, m.
    pub at_m: f64,
    /// Where, in the report's CRS.
    pub point: [f64; 2],
    /// Angle between the lines, degrees.
    pub angle_deg: f64,
    /// The route's top there, m.
    pub planned_top_m: f64,
    /// The route's bottom there, m.
    pub planned_bottom_m: f64,
    /// The existing line's top, m.
    pub existing_top_m: Option<f64>,
    /// The existing line's bottom, m.
    pub existing_bottom_m: Option<f64>,
    /// The vertical clear distance, m (negative: they meet).
    pub clear_m: Option<f64>,
    /// The judgement.
    #[serde(flatten)]
    pub judgement: JudgementOut,
}

/// A stretch of the route that fails, with its line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailingSpan {
    /// From, m along the route.
    pub from_m: f64,
    /// To, m along the route.
    pub to_m: f64,
    /// The stretch, in the report's CRS.
    pub geometry: geojson::Geometry,
}

/// Counts of a report's judgements.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    /// Features listed.
    pub features: usize,
    /// Of them passing, failing, unknown.
    pub pass: usize,
    /// Failing.
    pub fail: usize,
    /// Unknown.
    pub unknown: usize,
    /// Crossings judged.
    pub crossings: usize,
}

/// The planned line as checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedOut {
    /// Its type.
    #[serde(rename = "type")]
    pub planned_type: String,
    /// Diameter, mm.
    pub diameter_mm: Option<f64>,
    /// Section, mm.
    pub section: Option<String>,
    /// Gas pressure class.
    pub pressure_class: Option<String>,
    /// Voltage, kV.
    pub voltage_kv: Option<f64>,
    /// Depth of top at each vertex, m.
    pub depth_top_m: Vec<f64>,
}

/// A clearance report, numbered and signed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClearanceReport {
    /// Its number, `CC-2026-000017`.
    pub number: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// The account it was made for.
    pub issued_to: Option<String>,
    /// The planner's reference.
    pub reference: Option<String>,
    /// CRS of its geometries.
    pub crs: String,
    /// The route, as checked (in `crs`).
    pub route: geojson::Geometry,
    /// What was planned.
    pub planned: PlannedOut,
    /// The route's length, m.
    pub length_m: f64,
    /// The clearance table: its version and title.
    pub table: serde_json::Value,
    /// The map the check read: as of this time.
    pub data_as_of: DateTime<Utc>,
    /// The worst verdict of all.
    pub verdict: String,
    /// Counts.
    pub counts: Counts,
    /// The stretches of the route that fail side by side, merged.
    pub failing_spans: Vec<FailingSpan>,
    /// Every feature within the largest distance that could apply, or crossed, in order
    /// along the route.
    pub conflicts: Vec<ConflictOut>,
    /// The server's signature (absent while it is being signed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<TicketSignature>,
}

fn judgement(j: &Judgement) -> JudgementOut {
    JudgementOut {
        verdict: j.verdict.as_str().to_owned(),
        required_m: j.required_m,
        rule: j.rule.as_ref().and_then(|r| serde_json::to_value(r).ok()),
        missing: j.missing.clone(),
        reason: j.reason.clone(),
    }
}

fn horizontal(h: &Horizontal) -> HorizontalOut {
    HorizontalOut {
        distance_m: cm(h.distance_m),
        at_m: cm(h.at_m),
        judgement: judgement(&h.judgement),
        spans: h.spans.iter().map(|&(a, b)| [cm(a), cm(b)]).collect(),
    }
}

/// A crossing as written; `depths_hidden`: the caller may not read the existing line's depths
/// (its role hides them on that layer), so they and the clear distance that would give them
/// away are left out; the verdict and the distance required stay.
fn crossing(
    c: &Crossing,
    out: &Transformer,
    depths_hidden: bool,
) -> Result<CrossingOut, ServiceError> {
    let p = out.coord(c.point)?;
    let k = scale(out.target().is_geographic());
    let shown = |v: Option<f64>| v.filter(|_| !depths_hidden).map(cm);
    Ok(CrossingOut {
        at_m: cm(c.at_m),
        point: [rounded(p.x, k), rounded(p.y, k)],
        angle_deg: (c.angle_deg * 10.0).round() / 10.0,
        planned_top_m: cm(c.planned_top_m),
        planned_bottom_m: cm(c.planned_bottom_m),
        existing_top_m: shown(c.existing_top_m),
        existing_bottom_m: shown(c.existing_bottom_m),
        clear_m: shown(c.clear_m),
        judgement: judgement(&c.judgement),
    })
}

/// One conflict as written for a caller with `view`.
pub(super) fn conflict(
    c: &Conflict<'_>,
    view: &View,
    out: &Transformer,
) -> Result<ConflictOut, ServiceError> {
    let seen = view.sees(c.feature);
    let f = view.redact(c.feature);
    let a = &f.attrs;
    let depths_hidden = !seen
        || (c.feature.attrs.depth_top_m.is_some() && a.depth_top_m.is_none())
        || (c.feature.attrs.depth_bottom_m.is_some() && a.depth_bottom_m.is_none());
    Ok(ConflictOut {
        feature_id: seen.then(|| f.id.to_string()),
        layer: f.layer.to_string(),
        kind: seen.then(|| f.kind.to_string()),
        class: c.class.as_str().to_owned(),
        owner: a.owner.as_ref().map(|o| o.name.clone()),
        diameter_mm: a.diameter_mm.filter(|_| seen),
        section: a.section.clone().filter(|_| seen),
        pressure_class: a.pressure_class.filter(|_| seen).map(|p| p.to_string()),
        voltage_kv: a.voltage_kv.filter(|_| seen),
        depth_top_m: a.depth_top_m.filter(|_| seen).map(f64::from),
        depth_bottom_m: a.depth_bottom_m.filter(|_| seen).map(f64::from),
        verdict: c.verdict.as_str().to_owned(),
        horizontal: c.horizontal.as_ref().map(horizontal),
        crossings: c
            .crossings
            .iter()
            .map(|x| crossing(x, out, depths_hidden))
            .collect::<Result<_, _>>()?,
        notes: if seen { c.notes.clone() } else { Vec::new() },
        geometry: if seen {
            Some(to_geojson(&f.geometry, out)?)
        } else {
            None
        },
        restricted: !seen,
    })
}

/// The stretches of the route that fail side by side (any feature), merged, as lines.
pub(super) fn failing_spans(
    route: &PlannedRoute,
    conflicts: &[Conflict<'_>],
    out: &Transformer,
) -> Result<Vec<FailingSpan>, ServiceError> {
    let mut spans: Vec<(f64, f64)> = conflicts
        .iter()
        .filter_map(|c| c.horizontal.as_ref())
        .filter(|h| h.judgement.verdict == Verdict::Fail)
        .flat_map(|h| h.spans.iter().copied())
        .collect();
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut merged: Vec<(f64, f64)> = Vec::new();
    for (a, b) in spans {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
        .into_iter()
        .map(|(a, b)| {
            let line = stretch(route, a, b);
            Ok(FailingSpan {
                from_m: cm(a),
                to_m: cm(b),
                geometry: to_geojson(&geo::Geometry::LineString(line), out)?,
            })
        })
        .collect()
}

/// The route from `a` to `b` metres along it.
fn stretch(route: &PlannedRoute, a: f64, b: f64) -> geo::LineString<f64> {
    let mut coords = vec![route.point_at(a)];
    for (c, m) in route.geometry().0.iter().zip(route.measures()) {
        if *m > a && *m < b {
            coords.push(*c);
        }
    }
    coords.push(route.point_at(b));
    geo::LineString(coords)
}
