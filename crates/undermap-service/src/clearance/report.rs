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
    /// The route joins the line here (one network, at an end of either): a connection.
    #[serde(default)]
    pub connection: bool,
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

/// What of a judgement a caller is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Told {
    /// Everything.
    All,
    /// Not the existing line's depths (its role hides them): nor the clear distance or a reason
    /// that would give them away.
    NoDepths,
    /// An asset the caller may not see in full: the verdict only (its row, the distance it asks
    /// and the values missing would tell its class, pressure or size).
    VerdictOnly,
}

fn judgement(j: &Judgement, told: Told) -> JudgementOut {
    let verdict = j.verdict.as_str().to_owned();
    match told {
        Told::All => JudgementOut {
            verdict,
            required_m: j.required_m,
            rule: j.rule.as_ref().and_then(|r| serde_json::to_value(r).ok()),
            missing: j.missing.clone(),
            reason: j.reason.clone(),
        },
        Told::NoDepths => JudgementOut {
            verdict,
            required_m: j.required_m,
            rule: j.rule.as_ref().and_then(|r| serde_json::to_value(r).ok()),
            missing: j.missing.clone(),
            reason: format!(
                "{}: the depths are not shown to this role",
                match j.verdict {
                    Verdict::Pass => "the vertical clearance is kept",
                    Verdict::Fail => "the vertical clearance is not kept",
                    Verdict::Unknown => "the vertical clearance cannot be judged",
                }
            ),
        },
        Told::VerdictOnly => JudgementOut {
            verdict,
            required_m: None,
            rule: None,
            missing: Vec::new(),
            reason: match j.verdict {
                Verdict::Pass => "kept".into(),
                Verdict::Fail => "not kept: call the owner before going on".into(),
                Verdict::Unknown => "cannot be judged from the map: call the owner".into(),
            },
        },
    }
}

fn horizontal(h: &Horizontal, told: Told) -> HorizontalOut {
    HorizontalOut {
        distance_m: cm(h.distance_m),
        at_m: cm(h.at_m),
        judgement: judgement(&h.judgement, told),
        spans: h.spans.iter().map(|&(a, b)| [cm(a), cm(b)]).collect(),
    }
}

/// A crossing as written for what the caller is `told`: without the existing line's depths, the
/// clear distance and the reason that would give them away when the caller may not read them.
fn crossing(c: &Crossing, out: &Transformer, told: Told) -> Result<CrossingOut, ServiceError> {
    let p = out.coord(c.point)?;
    let k = scale(out.target().is_geographic());
    let shown = |v: Option<f64>| v.filter(|_| told == Told::All).map(cm);
    Ok(CrossingOut {
        at_m: cm(c.at_m),
        point: [rounded(p.x, k), rounded(p.y, k)],
        angle_deg: (c.angle_deg * 10.0).round() / 10.0,
        planned_top_m: cm(c.planned_top_m),
        planned_bottom_m: cm(c.planned_bottom_m),
        existing_top_m: shown(c.existing_top_m),
        existing_bottom_m: shown(c.existing_bottom_m),
        clear_m: shown(c.clear_m),
        connection: c.connection,
        judgement: judgement(&c.judgement, told),
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
    let told = if !seen {
        Told::VerdictOnly
    } else if (c.feature.attrs.depth_top_m.is_some() && a.depth_top_m.is_none())
        || (c.feature.attrs.depth_bottom_m.is_some() && a.depth_bottom_m.is_none())
    {
        Told::NoDepths
    } else {
        Told::All
    };
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
        horizontal: c.horizontal.as_ref().map(|h| {
            horizontal(
                h,
                if told == Told::VerdictOnly {
                    told
                } else {
                    Told::All
                },
            )
        }),
        crossings: c
            .crossings
            .iter()
            .map(|x| crossing(x, out, told))
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
    undermap_clearance::failing_spans(conflicts)
        .into_iter()
        .map(|(a, b)| {
            Ok(FailingSpan {
                from_m: cm(a),
                to_m: cm(b),
                geometry: to_geojson(&geo::Geometry::LineString(route.stretch(a, b)), out)?,
            })
        })
        .collect()
}
