//! Where the route crosses an existing line: one over the other, the clear distance between
//! them at that point from both depths.

use crate::geom::{apart, crossing, direction, point_segment, sin_between};
use crate::route::{PlannedRoute, PlannedType};
use crate::table::{ClearanceTable, Direction, Side};

use super::shape::{Existing, Form};
use super::{judge, Crossing, Judgement, Verdict};

/// Crossings closer than this along the route are one (a crossing at a vertex of either line).
const SAME_CROSSING_M: f64 = 0.001;

/// Where the lines of one network meet this close to an end of either, at the same depth, the
/// route joins the existing line (a new branch tapped into a main, a main continued): a
/// connection. A route's end this close to a line touches it even without crossing it.
const CONNECTION_M: f64 = 0.05;

/// What a drainage line carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum System {
    Sewer,
    Storm,
    Combined,
}

/// A drainage line's system as delivered (`system`: 排水类型/管类, or the demo's `network`), if
/// recorded and readable.
fn drainage_system(f: &undermap_core::Feature) -> Option<System> {
    let v = ["system", "network"]
        .iter()
        .find_map(|k| f.attrs.extra.get(*k).and_then(|v| v.as_str()))?
        .to_lowercase();
    if v.contains('合') || v.contains("combined") {
        Some(System::Combined)
    } else if v.contains('污') || v.contains("sewer") || v == "ws" {
        Some(System::Sewer)
    } else if v.contains('雨') || v.contains("storm") || v == "ys" {
        Some(System::Storm)
    } else {
        None
    }
}

/// Whether the route and `existing` are one network, as far as the map tells: the same class,
/// and for drainage the same system (a sewer joined to a storm drain is a cross-connection),
/// for gas the same pressure class, for power the same voltage.
fn same_network(route: &PlannedRoute, existing: &Existing<'_>) -> bool {
    let line = route.line();
    let a = &existing.feature.attrs;
    if line.planned_type.class() != existing.class {
        return false;
    }
    match line.planned_type {
        PlannedType::Sewer | PlannedType::Storm => match drainage_system(existing.feature) {
            Some(System::Combined) => true,
            Some(System::Sewer) => line.planned_type == PlannedType::Sewer,
            Some(System::Storm) => line.planned_type == PlannedType::Storm,
            None => false,
        },
        PlannedType::Gas => a.pressure_class.is_some() && a.pressure_class == line.pressure,
        PlannedType::Power => {
            matches!((a.voltage_kv, line.voltage_kv), (Some(x), Some(y)) if (x - y).abs() < 1e-9)
        }
        PlannedType::Water | PlannedType::Telecom | PlannedType::Heat => true,
    }
}

/// Every crossing of the route's segments `near` (their indexes) with `existing` (a line),
/// judged against the vertical row.
pub(crate) fn crossings(
    route: &PlannedRoute,
    near: &[usize],
    table: &ClearanceTable,
    existing: &Existing<'_>,
    planned: &Side<'_>,
    theirs: &Side<'_>,
) -> Vec<Crossing> {
    if existing.form != Form::Line {
        return Vec::new();
    }
    let c = &route.geometry().0;
    let m = route.measures();
    let mut found: Vec<(f64, geo::Coord<f64>, f64)> = Vec::new();
    for &i in near {
        let (r0, r1) = (c[i], c[i + 1]);
        for &(s0, s1) in &existing.segments {
            if apart(r0, r1, s0, s1, 0.0) {
                continue;
            }
            if let Some((t, p)) = crossing(r0, r1, s0, s1) {
                let sin = sin_between(direction(r0, r1), direction(s0, s1));
                found.push((m[i] + t * (m[i + 1] - m[i]), p, sin));
            }
        }
    }
    // A route's end on the line (or within 5 cm of it, or running on along it) touches it.
    let length = route.length_m();
    for (at_m, end, next) in [(0.0, c[0], c[1]), (length, c[c.len() - 1], c[c.len() - 2])] {
        if found.iter().any(|f| (f.0 - at_m).abs() < CONNECTION_M) {
            continue;
        }
        let nearest = existing
            .segments
            .iter()
            .map(|&(s0, s1)| (point_segment(end, s0, s1), s0, s1))
            .min_by(|x, y| x.0.total_cmp(&y.0));
        if let Some((_, s0, s1)) = nearest.filter(|n| n.0 <= CONNECTION_M) {
            found.push((
                at_m,
                end,
                sin_between(direction(next, end), direction(s0, s1)),
            ));
        }
    }
    found.sort_by(|a, b| a.0.total_cmp(&b.0));
    found.dedup_by(|b, a| (b.0 - a.0).abs() < SAME_CROSSING_M);
    if found.is_empty() {
        return Vec::new();
    }
    let req = table.requirement(Direction::Vertical, planned, theirs);
    let size = route.size();
    let attrs = &existing.feature.attrs;
    let top = attrs.depth_top_m.map(f64::from);
    let bottom = crate::route::Size::bottom_of(attrs);
    let id = existing.feature.id.as_str();
    let network = same_network(route, existing);
    // One network, at an end of either line, and the two at the same depth (both recorded):
    // joined on purpose. Anything else is judged as a crossing.
    let connects = |at_m: f64, p: geo::Coord<f64>, planned_top: f64, planned_bottom: f64| {
        network
            && (at_m <= CONNECTION_M
                || at_m >= length - CONNECTION_M
                || existing
                    .ends
                    .iter()
                    .any(|e| (e.x - p.x).hypot(e.y - p.y) <= CONNECTION_M))
            && matches!((top, bottom), (Some(t), Some(b)) if planned_top <= b && t <= planned_bottom)
    };
    found
        .into_iter()
        .map(|(at_m, point, sin)| {
            let planned_top = route.depth_at(at_m);
            let planned_bottom = planned_top + size.height_m;
            let connection = connects(at_m, point, planned_top, planned_bottom);
            let (clear, judgement) = match (top, bottom) {
                _ if connection => (
                    None,
                    Judgement {
                        verdict: Verdict::Pass,
                        required_m: None,
                        rule: None,
                        missing: Vec::new(),
                        reason: format!(
                            "the route joins {id} here (one network, at an end of a line, at its depth): a connection, not a crossing"
                        ),
                    },
                ),
                (None, _) => (
                    None,
                    Judgement {
                        verdict: Verdict::Unknown,
                        required_m: req.fails_below(),
                        rule: req.rule().map(Into::into),
                        missing: vec![format!("depth_top_m of {id}")],
                        reason: format!(
                            "{id}'s depth is not recorded: the crossing cannot be judged"
                        ),
                    },
                ),
                (Some(top), bottom) => {
                    // Above it: its top less the route's bottom; below it: the route's top less
                    // its bottom. The larger is the gap between them (negative: they meet).
                    let above = top - planned_bottom;
                    match bottom {
                        Some(bottom) => {
                            let clear = above.max(planned_top - bottom);
                            (Some(clear), judge(Direction::Vertical, clear, None, &req))
                        }
                        // Its bottom unknown: the route over it can still be judged; under it,
                        // only a route whose top is above its top is known to run into it.
                        None if above >= 0.0 || planned_top <= top => {
                            (Some(above), judge(Direction::Vertical, above, None, &req))
                        }
                        None => (
                            None,
                            Judgement {
                                verdict: Verdict::Unknown,
                                required_m: req.fails_below(),
                                rule: req.rule().map(Into::into),
                                missing: vec![format!("depth_bottom_m or diameter_mm of {id}")],
                                reason: format!(
                                    "the route passes under {id}, whose bottom is not recorded"
                                ),
                            },
                        ),
                    }
                }
            };
            Crossing {
                at_m,
                point,
                angle_deg: sin.clamp(0.0, 1.0).asin().to_degrees(),
                planned_top_m: planned_top,
                planned_bottom_m: planned_bottom,
                existing_top_m: top,
                existing_bottom_m: bottom,
                clear_m: clear,
                judgement,
                connection,
            }
        })
        .collect()
}
