//! Side by side: the closest the route comes to an existing feature away from where it crosses
//! it, and the stretches of the route that come closer than the row allows.

use geo::{Coord, Intersects, Point};

use crate::geom::{apart, closest_on_first, crossing, lerp, merge, outside, within};
use crate::route::PlannedRoute;
use crate::table::{ClearanceTable, Direction, Requirement, Side};

use super::shape::{Existing, Form};
use super::{judge, Crossing, Horizontal, Verdict};

/// Crossings at a shallower angle than this are running alongside, not across: the stretch
/// left to the vertical judgement around a crossing is at most 1 / sin 20° ≈ 2.9 times the
/// distance required.
const MIN_CROSSING_SIN: f64 = 0.342;

/// Features this much beyond the largest distance that could apply are still listed (as
/// passes), so a planner sees what the route only just clears.
pub(crate) const LISTING_MARGIN_M: f64 = 0.5;

/// A piece of the route: measures from and to, and its two ends.
type Piece = (f64, f64, Coord<f64>, Coord<f64>);

/// The pieces of the route's segments `near` (their indexes) away from the crossings'
/// stretches.
fn pieces(route: &PlannedRoute, near: &[usize], windows: &[(f64, f64)]) -> Vec<Piece> {
    let c = &route.geometry().0;
    let m = route.measures();
    let mut out = Vec::with_capacity(near.len());
    for &i in near {
        let (m0, m1) = (m[i], m[i + 1]);
        if m1 <= m0 {
            continue;
        }
        for (a, b) in outside(m0, m1, windows) {
            let at = |v: f64| lerp(c[i], c[i + 1], (v - m0) / (m1 - m0));
            out.push((a, b, at(a), at(b)));
        }
    }
    out
}

/// The horizontal judgement of `existing`, if it is within the largest distance that could
/// apply to the pair (for a line the route crosses: only when the rest of the route fails or
/// cannot be judged).
pub(crate) fn side_by_side(
    route: &PlannedRoute,
    near: &[usize],
    table: &ClearanceTable,
    existing: &Existing<'_>,
    planned: &Side<'_>,
    theirs: &Side<'_>,
    crossings: &[Crossing],
) -> Option<Horizontal> {
    let req = table.requirement(Direction::Horizontal, planned, theirs);
    let largest = table
        .largest_between(Direction::Horizontal, planned.class, theirs.class)
        .unwrap_or_else(|| table.largest_m());
    let r_planned = route.size().width_m / 2.0;
    let (r_theirs, unknown_width) = existing.half_width();
    let widths = r_planned + r_theirs;
    let need = req.fails_below().unwrap_or(largest);
    // The stretch around a crossing left to the vertical judgement: as wide as the largest row
    // that could apply when a value that picks the row is missing (a narrower one would judge
    // the crossing's own approach side by side; a wider one never hides a real run alongside,
    // which lies beyond it).
    let window_need = match req {
        Requirement::Clearance(rule) => rule.clearance_m,
        _ => largest,
    };
    let windows = merge(
        crossings
            .iter()
            .map(|c| {
                let sin = c.angle_deg.to_radians().sin().max(MIN_CROSSING_SIN);
                let w = (window_need + widths) / sin;
                (c.at_m - w, c.at_m + w)
            })
            .collect(),
    );
    let pieces = pieces(route, near, &windows);
    if pieces.is_empty() {
        return None;
    }
    let reach = largest + LISTING_MARGIN_M + widths;
    let (mut best, mut at) = (f64::INFINITY, 0.0);
    for &(a, b, p0, p1) in &pieces {
        for &(s0, s1) in &existing.segments {
            if apart(p0, p1, s0, s1, reach.max(best)) {
                continue;
            }
            let (d, t) = closest_on_first(p0, p1, s0, s1);
            if d < best {
                best = d;
                at = a + t * (b - a);
            }
        }
    }
    let inside = inside_stretches(existing, &pieces);
    if let Some(&(a, _)) = inside.first() {
        best = 0.0;
        at = a;
    }
    if !best.is_finite() {
        return None;
    }
    let clear = (best - widths).max(0.0);
    if clear > largest + LISTING_MARGIN_M {
        return None;
    }
    // Beside a line it crosses, a route that comes no closer than the crossings' stretches
    // allow (their ends are at exactly that distance from a straight line) is only crossing
    // it — unless the line's width is not known, when the distance is only an upper bound.
    if !crossings.is_empty() && unknown_width.is_none() && clear >= window_need - 1e-6 {
        return None;
    }
    let judgement = judge(Direction::Horizontal, clear, unknown_width, &req);
    // Beside a line it crosses, a pass is the crossing's own approach: left out. Anything else
    // (a fail, or unknown for want of a value) is told.
    if !crossings.is_empty() && judgement.verdict == Verdict::Pass {
        return None;
    }
    let mut spans = Vec::new();
    if judgement.verdict == Verdict::Fail {
        let d = need + widths;
        for &(a, b, p0, p1) in &pieces {
            for &(s0, s1) in &existing.segments {
                if apart(p0, p1, s0, s1, d) {
                    continue;
                }
                if let Some((t0, t1)) = within(p0, p1, s0, s1, d) {
                    spans.push((a + t0 * (b - a), a + t1 * (b - a)));
                }
            }
        }
        spans.extend(inside);
        spans = merge(spans);
    }
    Some(Horizontal {
        distance_m: clear,
        at_m: at,
        judgement,
        spans,
    })
}

/// For an outlined structure, the stretches of the route inside it.
fn inside_stretches(existing: &Existing<'_>, pieces: &[Piece]) -> Vec<(f64, f64)> {
    if existing.form != Form::Area {
        return Vec::new();
    }
    let mut out = Vec::new();
    for &(a, b, p0, p1) in pieces {
        // Where the piece crosses the outline, then which parts between lie inside.
        let mut cuts = vec![0.0, 1.0];
        for &(s0, s1) in &existing.segments {
            if let Some((t, _)) = crossing(p0, p1, s0, s1) {
                cuts.push(t);
            }
        }
        cuts.sort_by(f64::total_cmp);
        for w in cuts.windows(2) {
            if w[1] - w[0] <= 0.0 {
                continue;
            }
            let mid = Point(lerp(p0, p1, f64::midpoint(w[0], w[1])));
            if existing.polygons.iter().any(|p| p.intersects(&mid)) {
                out.push((a + w[0] * (b - a), a + w[1] * (b - a)));
            }
        }
    }
    merge(out)
}
