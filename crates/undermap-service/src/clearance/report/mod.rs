//! The clearance report as it is signed, stored and returned: typed (`types.rs`), so the print
//! page and the verification read back exactly what was written, and written here for what the
//! caller may see.

mod types;

use undermap_clearance::{Conflict, Crossing, Horizontal, Judgement, PlannedRoute, Verdict};
use undermap_core::View;
use undermap_crs::Transformer;

pub use types::{
    ClearanceReport, ConflictOut, Counts, CrossingOut, FailingSpan, HorizontalOut, PlannedOut,
    RuleOut, SortedGeometry, TableOut,
};

use crate::shared::geometry_out::{cm, rounded, scale, to_geojson};
use crate::ServiceError;

/// A judgement as the caller is told it.
struct Said {
    verdict: String,
    required_m: Option<f64>,
    rule: Option<RuleOut>,
    missing: Vec<String>,
    reason: String,
}

fn rule_out(j: &Judgement) -> Option<RuleOut> {
    j.rule.as_ref().map(|r| RuleOut {
        clearance_m: r.clearance_m,
        id: r.id.clone(),
        note: r.note.clone(),
        source: r.source.clone(),
    })
}

/// A geometry reprojected, rounded and written sorted.
fn geometry(g: &geo::Geometry<f64>, out: &Transformer) -> Result<SortedGeometry, ServiceError> {
    Ok(SortedGeometry(to_geojson(g, out)?))
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

fn judgement(j: &Judgement, told: Told) -> Said {
    let verdict = j.verdict.as_str().to_owned();
    match told {
        Told::All => Said {
            verdict,
            required_m: j.required_m,
            rule: rule_out(j),
            missing: j.missing.clone(),
            reason: j.reason.clone(),
        },
        Told::NoDepths => Said {
            verdict,
            required_m: j.required_m,
            rule: rule_out(j),
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
        Told::VerdictOnly => Said {
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
    let j = judgement(&h.judgement, told);
    HorizontalOut {
        at_m: cm(h.at_m),
        distance_m: cm(h.distance_m),
        missing: j.missing,
        reason: j.reason,
        required_m: j.required_m,
        rule: j.rule,
        spans: h.spans.iter().map(|&(a, b)| [cm(a), cm(b)]).collect(),
        verdict: j.verdict,
    }
}

/// A crossing as written for what the caller is `told`: without the existing line's depths, the
/// clear distance and the reason that would give them away when the caller may not read them.
fn crossing(c: &Crossing, out: &Transformer, told: Told) -> Result<CrossingOut, ServiceError> {
    let p = out.coord(c.point)?;
    let k = scale(out.target().is_geographic());
    let shown = |v: Option<f64>| v.filter(|_| told == Told::All).map(cm);
    let mut j = judgement(&c.judgement, told);
    if c.connection && told == Told::NoDepths {
        j.reason = "the route joins it here: a connection".into();
    }
    Ok(CrossingOut {
        angle_deg: (c.angle_deg * 10.0).round() / 10.0,
        at_m: cm(c.at_m),
        clear_m: shown(c.clear_m),
        // Where a restricted line's ends are is not told.
        connection: c.connection && told != Told::VerdictOnly,
        existing_bottom_m: shown(c.existing_bottom_m),
        existing_top_m: shown(c.existing_top_m),
        missing: j.missing,
        planned_bottom_m: cm(c.planned_bottom_m),
        planned_top_m: cm(c.planned_top_m),
        point: [rounded(p.x, k), rounded(p.y, k)],
        reason: j.reason,
        required_m: j.required_m,
        rule: j.rule,
        verdict: j.verdict,
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
            Some(geometry(&f.geometry, out)?)
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
                geometry: geometry(&geo::Geometry::LineString(route.stretch(a, b)), out)?,
            })
        })
        .collect()
}
