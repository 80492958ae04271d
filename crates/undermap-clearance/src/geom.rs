//! The plane geometry the check needs, exact rather than sampled: where along a segment it
//! comes within a distance of another segment, segment distances, crossings, and measures along
//! a polyline.

use geo::{Coord, LineString};

/// `a − b`.
fn sub(a: Coord<f64>, b: Coord<f64>) -> Coord<f64> {
    Coord {
        x: a.x - b.x,
        y: a.y - b.y,
    }
}

fn dot(a: Coord<f64>, b: Coord<f64>) -> f64 {
    a.x * b.x + a.y * b.y
}

fn cross(a: Coord<f64>, b: Coord<f64>) -> f64 {
    a.x * b.y - a.y * b.x
}

/// Length of `a`.
pub(crate) fn norm(a: Coord<f64>) -> f64 {
    a.x.hypot(a.y)
}

/// The point at `t` (0 to 1) from `p0` to `p1`.
pub(crate) fn lerp(p0: Coord<f64>, p1: Coord<f64>, t: f64) -> Coord<f64> {
    Coord {
        x: p0.x + (p1.x - p0.x) * t,
        y: p0.y + (p1.y - p0.y) * t,
    }
}

/// Distance from `p` to the segment `s0`–`s1`.
pub(crate) fn point_segment(p: Coord<f64>, s0: Coord<f64>, s1: Coord<f64>) -> f64 {
    let d = sub(s1, s0);
    let len2 = dot(d, d);
    if len2 == 0.0 {
        return norm(sub(p, s0));
    }
    let t = (dot(sub(p, s0), d) / len2).clamp(0.0, 1.0);
    norm(sub(p, lerp(s0, s1, t)))
}

/// Where two segments meet: the parameter along the first (0 to 1) and the point. Collinear
/// overlaps are not crossings (`None`); they are at distance 0 and judged side by side.
pub(crate) fn crossing(
    a0: Coord<f64>,
    a1: Coord<f64>,
    b0: Coord<f64>,
    b1: Coord<f64>,
) -> Option<(f64, Coord<f64>)> {
    let r = sub(a1, a0);
    let s = sub(b1, b0);
    let denom = cross(r, s);
    if denom.abs() <= f64::EPSILON * norm(r) * norm(s) {
        return None;
    }
    let q = sub(b0, a0);
    let t = cross(q, s) / denom;
    let u = cross(q, r) / denom;
    let eps = 1e-12;
    ((-eps..=1.0 + eps).contains(&t) && (-eps..=1.0 + eps).contains(&u)).then(|| {
        let t = t.clamp(0.0, 1.0);
        (t, lerp(a0, a1, t))
    })
}

/// Distance between two segments.
pub(crate) fn segment_segment(
    a0: Coord<f64>,
    a1: Coord<f64>,
    b0: Coord<f64>,
    b1: Coord<f64>,
) -> f64 {
    if crossing(a0, a1, b0, b1).is_some() {
        return 0.0;
    }
    point_segment(a0, b0, b1)
        .min(point_segment(a1, b0, b1))
        .min(point_segment(b0, a0, a1))
        .min(point_segment(b1, a0, a1))
}

/// Distance between two segments and the parameter (0 to 1) of the closest point on the first.
pub(crate) fn closest_on_first(
    a0: Coord<f64>,
    a1: Coord<f64>,
    b0: Coord<f64>,
    b1: Coord<f64>,
) -> (f64, f64) {
    if let Some((t, _)) = crossing(a0, a1, b0, b1) {
        return (0.0, t);
    }
    let along = |p: Coord<f64>| {
        let d = sub(a1, a0);
        let len2 = dot(d, d);
        if len2 == 0.0 {
            0.0
        } else {
            (dot(sub(p, a0), d) / len2).clamp(0.0, 1.0)
        }
    };
    [
        (point_segment(a0, b0, b1), 0.0),
        (point_segment(a1, b0, b1), 1.0),
        (point_segment(b0, a0, a1), along(b0)),
        (point_segment(b1, a0, a1), along(b1)),
    ]
    .into_iter()
    .fold(
        (f64::INFINITY, 0.0),
        |best, c| if c.0 < best.0 { c } else { best },
    )
}

/// The sine of the angle between two directions (0 when parallel).
pub(crate) fn sin_between(a: Coord<f64>, b: Coord<f64>) -> f64 {
    let n = norm(a) * norm(b);
    if n == 0.0 {
        0.0
    } else {
        (cross(a, b) / n).abs()
    }
}

/// Direction of a segment.
pub(crate) fn direction(p0: Coord<f64>, p1: Coord<f64>) -> Coord<f64> {
    sub(p1, p0)
}

/// The parameters `t` in [0, 1] where the point `p0 + t (p1 − p0)` lies closer than `d` to the
/// segment `s0`–`s1`: one interval (the segment's `d`-neighbourhood is convex), if any. Exact:
/// the line against the two end discs and the band between them.
pub(crate) fn within(
    p0: Coord<f64>,
    p1: Coord<f64>,
    s0: Coord<f64>,
    s1: Coord<f64>,
    d: f64,
) -> Option<(f64, f64)> {
    let v = sub(p1, p0);
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    let mut take = |a: f64, b: f64| {
        let (a, b) = (a.max(0.0), b.min(1.0));
        if a < b {
            lo = lo.min(a);
            hi = hi.max(b);
        }
    };
    // The discs around both ends: |p0 + t v − c|² < d².
    for c in [s0, s1] {
        let w = sub(p0, c);
        let (qa, qb, qc) = (dot(v, v), 2.0 * dot(v, w), dot(w, w) - d * d);
        if qa == 0.0 {
            if qc < 0.0 {
                take(0.0, 1.0);
            }
            continue;
        }
        let disc = qb * qb - 4.0 * qa * qc;
        if disc > 0.0 {
            let r = disc.sqrt();
            take((-qb - r) / (2.0 * qa), (-qb + r) / (2.0 * qa));
        }
    }
    // The band: 0 ≤ u ≤ L along the segment, |n| < d across it.
    let e = sub(s1, s0);
    let len = norm(e);
    if len > 0.0 {
        let ex = Coord {
            x: e.x / len,
            y: e.y / len,
        };
        let w = sub(p0, s0);
        // u(t) = (w + t v)·ex, n(t) = cross(ex, w + t v)
        let (u0, u1) = (dot(w, ex), dot(v, ex));
        let (n0, n1) = (cross(ex, w), cross(ex, v));
        let mut a = 0.0_f64;
        let mut b = 1.0_f64;
        let mut clip = |c0: f64, c1: f64, lo_bound: f64, hi_bound: f64| {
            // lo_bound < c0 + t c1 < hi_bound
            if c1 == 0.0 {
                if !(lo_bound < c0 && c0 < hi_bound) {
                    a = 1.0;
                    b = 0.0;
                }
            } else {
                let (t0, t1) = ((lo_bound - c0) / c1, (hi_bound - c0) / c1);
                a = a.max(t0.min(t1));
                b = b.min(t0.max(t1));
            }
        };
        clip(u0, u1, 0.0, len);
        clip(n0, n1, -d, d);
        take(a, b);
    }
    (lo < hi).then_some((lo, hi))
}

/// Whether two segments' boxes are more than `d` apart.
pub(crate) fn apart(
    p0: Coord<f64>,
    p1: Coord<f64>,
    s0: Coord<f64>,
    s1: Coord<f64>,
    d: f64,
) -> bool {
    p0.x.min(p1.x) - d > s0.x.max(s1.x)
        || s0.x.min(s1.x) - d > p0.x.max(p1.x)
        || p0.y.min(p1.y) - d > s0.y.max(s1.y)
        || s0.y.min(s1.y) - d > p0.y.max(p1.y)
}

/// The cumulative length at each vertex of `line`, starting at 0.
pub(crate) fn measures(line: &LineString<f64>) -> Vec<f64> {
    let mut out = Vec::with_capacity(line.0.len());
    let mut m = 0.0;
    for (i, c) in line.0.iter().enumerate() {
        if i > 0 {
            m += norm(sub(*c, line.0[i - 1]));
        }
        out.push(m);
    }
    out
}

/// Measure ranges, sorted and merged where they touch or overlap.
pub(crate) fn merge(mut ranges: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    ranges.retain(|(a, b)| b > a);
    ranges.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(ranges.len());
    for (a, b) in ranges {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// The parts of `[a, b]` outside every range of `cut` (sorted, merged).
pub(crate) fn outside(a: f64, b: f64, cut: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    let mut from = a;
    for &(c0, c1) in cut {
        if c1 <= from {
            continue;
        }
        if c0 >= b {
            break;
        }
        if c0 > from {
            out.push((from, c0));
        }
        from = from.max(c1);
    }
    if from < b {
        out.push((from, b));
    }
    out
}

/// Two segments that are not neighbours and touch, or neighbours that fold back on each other.
pub(crate) fn self_crossing(line: &LineString<f64>) -> Option<(usize, usize)> {
    let c = &line.0;
    let n = c.len() - 1;
    let boxes: Vec<[f64; 4]> = (0..n)
        .map(|i| {
            [
                c[i].x.min(c[i + 1].x),
                c[i].y.min(c[i + 1].y),
                c[i].x.max(c[i + 1].x),
                c[i].y.max(c[i + 1].y),
            ]
        })
        .collect();
    // Sorted by their left edge: a segment meets only those whose box starts before it ends.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| boxes[a][0].total_cmp(&boxes[b][0]));
    for (k, &i) in order.iter().enumerate() {
        for &j in &order[k + 1..] {
            if boxes[j][0] > boxes[i][2] {
                break;
            }
            if boxes[j][1] > boxes[i][3] || boxes[j][3] < boxes[i][1] {
                continue;
            }
            let (a, b) = (i.min(j), i.max(j));
            if b == a + 1 {
                // Neighbours share a vertex; they fold back if they run over each other.
                let (d0, d1) = (direction(c[a], c[a + 1]), direction(c[b], c[b + 1]));
                let dot = d0.x * d1.x + d0.y * d1.y;
                if sin_between(d0, d1) < 1e-9 && dot < 0.0 {
                    return Some((a, b));
                }
                continue;
            }
            let closed = a == 0 && b == n - 1 && c[0] == c[n];
            if closed {
                continue;
            }
            if crossing(c[a], c[a + 1], c[b], c[b + 1]).is_some()
                || segment_segment(c[a], c[a + 1], c[b], c[b + 1]) == 0.0
            {
                return Some((a, b));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn c(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    #[test]
    fn within_a_parallel_segment() {
        // A route along y = 1 from x = -5 to 5, a pipe from (0, 0) to (2, 0), 1.5 m.
        let (a, b) = within(c(-5.0, 1.0), c(5.0, 1.0), c(0.0, 0.0), c(2.0, 0.0), 1.5).unwrap();
        let half = (1.5f64 * 1.5 - 1.0).sqrt();
        assert!((a - (5.0 - half) / 10.0).abs() < 1e-12, "{a}");
        assert!((b - (7.0 + half) / 10.0).abs() < 1e-12, "{b}");
        assert!(within(c(-5.0, 2.0), c(5.0, 2.0), c(0.0, 0.0), c(2.0, 0.0), 1.5).is_none());
    }

    #[test]
    fn crossings_and_collinear_overlaps() {
        let (t, p) = crossing(c(0.0, -1.0), c(0.0, 1.0), c(-1.0, 0.0), c(1.0, 0.0)).unwrap();
        assert!((t - 0.5).abs() < 1e-12 && p.x.abs() < 1e-12);
        assert!(crossing(c(0.0, 0.0), c(2.0, 0.0), c(1.0, 0.0), c(3.0, 0.0)).is_none());
        assert!(segment_segment(c(0.0, 0.0), c(2.0, 0.0), c(1.0, 0.0), c(3.0, 0.0)) == 0.0);
    }

    #[test]
    fn ranges_merge_and_cut() {
        assert_eq!(
            merge(vec![(3.0, 4.0), (0.0, 1.0), (0.5, 2.0)]),
            vec![(0.0, 2.0), (3.0, 4.0)]
        );
        assert_eq!(
            outside(0.0, 10.0, &[(2.0, 3.0), (5.0, 12.0)]),
            vec![(0.0, 2.0), (3.0, 5.0)]
        );
        assert_eq!(outside(0.0, 10.0, &[]), vec![(0.0, 10.0)]);
    }

    proptest! {
        /// The interval `within` gives is where dense sampling finds the distance below `d`.
        #[test]
        fn within_matches_sampling(
            p in prop::array::uniform4(-10.0f64..10.0),
            s in prop::array::uniform4(-10.0f64..10.0),
            d in 0.01f64..5.0,
        ) {
            let (p0, p1, s0, s1) = (c(p[0], p[1]), c(p[2], p[3]), c(s[0], s[1]), c(s[2], s[3]));
            let got = within(p0, p1, s0, s1, d);
            let len = norm(sub(p1, p0));
            for i in 0..=400 {
                let t = f64::from(i) / 400.0;
                let dist = point_segment(lerp(p0, p1, t), s0, s1);
                // Points well inside or well outside must agree; the edges are exact to 1e-6 m.
                let inside = got.is_some_and(|(a, b)| t > a && t < b);
                let slack = 1e-6 / len.max(1e-9);
                let near_edge = got.is_some_and(|(a, b)| (t - a).abs() < slack || (t - b).abs() < slack);
                if dist < d - 1e-6 && !near_edge {
                    prop_assert!(inside, "t {} at {} < {} not in {:?}", t, dist, d, got);
                }
                if dist > d + 1e-6 {
                    prop_assert!(!inside, "t {} at {} > {} in {:?}", t, dist, d, got);
                }
            }
        }
    }
}
