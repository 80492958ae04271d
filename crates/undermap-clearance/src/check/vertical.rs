//! Where the route crosses an existing line: one over the other, the clear distance between
//! them at that point from both depths.

use crate::geom::{apart, crossing, direction, sin_between};
use crate::route::PlannedRoute;
use crate::table::{ClearanceTable, Direction, Side};

use super::shape::{Existing, Form};
use super::{judge, Crossing, Judgement, Verdict};

/// Crossings closer than this along the route are one (a crossing at a vertex of either line).
const SAME_CROSSING_M: f64 = 0.001;

/// Where the lines of one network meet this close to an end of either, the route joins the
/// existing line (a new branch tapped into a main, a main continued): a connection.
const CONNECTION_M: f64 = 0.05;

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
    let length = route.length_m();
    let connects = |at_m: f64, p: geo::Coord<f64>| {
        planned.class == theirs.class
            && (at_m <= CONNECTION_M
                || at_m >= length - CONNECTION_M
                || existing
                    .ends
                    .iter()
                    .any(|e| (e.x - p.x).hypot(e.y - p.y) <= CONNECTION_M))
    };
    found
        .into_iter()
        .map(|(at_m, point, sin)| {
            let planned_top = route.depth_at(at_m);
            let planned_bottom = planned_top + size.height_m;
            let connection = connects(at_m, point);
            let (clear, judgement) = match (top, bottom) {
                _ if connection => (
                    None,
                    Judgement {
                        verdict: Verdict::Pass,
                        required_m: None,
                        rule: None,
                        missing: Vec::new(),
                        reason: format!(
                            "the route joins {id} here (one network, at an end of a line): a connection, not a crossing"
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
