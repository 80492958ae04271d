//! Clipping to the tile's buffered square, in tile pixel coordinates.

use geo::Coord;

/// The buffered square: `min..=max` on both axes.
#[derive(Debug, Clone, Copy)]
pub struct Square {
    /// Lower bound.
    pub min: f64,
    /// Upper bound.
    pub max: f64,
}

impl Square {
    fn contains(self, c: Coord<f64>) -> bool {
        c.x >= self.min && c.x <= self.max && c.y >= self.min && c.y <= self.max
    }
}

/// Clips a polyline: the parts inside the square, each a polyline of its own (Liang–Barsky per
/// segment, consecutive inside segments joined).
#[must_use]
pub fn line(points: &[Coord<f64>], sq: Square) -> Vec<Vec<Coord<f64>>> {
    let mut pieces = Vec::new();
    let mut current: Vec<Coord<f64>> = Vec::new();
    for w in points.windows(2) {
        if let Some((a, b)) = segment(w[0], w[1], sq) {
            if current.last() != Some(&a) {
                if current.len() >= 2 {
                    pieces.push(std::mem::take(&mut current));
                }
                current.clear();
                current.push(a);
            }
            current.push(b);
            if b != w[1] {
                // Left the square.
                if current.len() >= 2 {
                    pieces.push(std::mem::take(&mut current));
                }
                current.clear();
            }
        } else {
            if current.len() >= 2 {
                pieces.push(std::mem::take(&mut current));
            }
            current.clear();
        }
    }
    if current.len() >= 2 {
        pieces.push(current);
    }
    pieces
}

/// The part of segment `a`–`b` inside the square, if any.
fn segment(a: Coord<f64>, b: Coord<f64>, sq: Square) -> Option<(Coord<f64>, Coord<f64>)> {
    if sq.contains(a) && sq.contains(b) {
        return Some((a, b));
    }
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let mut t0: f64 = 0.0;
    let mut t1: f64 = 1.0;
    for (p, q) in [
        (-dx, a.x - sq.min),
        (dx, sq.max - a.x),
        (-dy, a.y - sq.min),
        (dy, sq.max - a.y),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
        if t0 > t1 {
            return None;
        }
    }
    let at = |t: f64| Coord {
        x: a.x + t * dx,
        y: a.y + t * dy,
    };
    Some((
        if t0 > 0.0 { at(t0) } else { a },
        if t1 < 1.0 { at(t1) } else { b },
    ))
}

/// Clips a closed ring (Sutherland–Hodgman against the four edges). The result may run along
/// the square's edges, which the buffer keeps out of sight.
#[must_use]
pub fn ring(points: &[Coord<f64>], sq: Square) -> Vec<Coord<f64>> {
    let mut out: Vec<Coord<f64>> = points.to_vec();
    if out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    type Inside = fn(Coord<f64>, f64) -> bool;
    type Cross = fn(Coord<f64>, Coord<f64>, f64) -> Coord<f64>;
    let cross_x: Cross = |a, b, x| Coord {
        x,
        y: a.y + (b.y - a.y) * (x - a.x) / (b.x - a.x),
    };
    let cross_y: Cross = |a, b, y| Coord {
        x: a.x + (b.x - a.x) * (y - a.y) / (b.y - a.y),
        y,
    };
    let edges: [(Inside, Cross, f64); 4] = [
        (|c, v| c.x >= v, cross_x, sq.min),
        (|c, v| c.x <= v, cross_x, sq.max),
        (|c, v| c.y >= v, cross_y, sq.min),
        (|c, v| c.y <= v, cross_y, sq.max),
    ];
    for (inside, cross, v) in edges {
        if out.is_empty() {
            break;
        }
        let input = std::mem::take(&mut out);
        let mut prev = input[input.len() - 1];
        for &cur in &input {
            match (inside(cur, v), inside(prev, v)) {
                (true, true) => out.push(cur),
                (true, false) => {
                    out.push(cross(prev, cur, v));
                    out.push(cur);
                }
                (false, true) => out.push(cross(prev, cur, v)),
                (false, false) => {}
            }
            prev = cur;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQ: Square = Square {
        min: 0.0,
        max: 10.0,
    };

    fn c(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    #[test]
    fn a_line_through_the_square_keeps_the_inside_part() {
        let pieces = line(&[c(-5.0, 5.0), c(15.0, 5.0)], SQ);
        assert_eq!(pieces, vec![vec![c(0.0, 5.0), c(10.0, 5.0)]]);
    }

    #[test]
    fn a_line_leaving_and_coming_back_is_two_pieces() {
        let pieces = line(&[c(5.0, 5.0), c(5.0, 15.0), c(8.0, 15.0), c(8.0, 5.0)], SQ);
        assert_eq!(pieces.len(), 2);
        assert_eq!(pieces[0], vec![c(5.0, 5.0), c(5.0, 10.0)]);
        assert_eq!(pieces[1], vec![c(8.0, 10.0), c(8.0, 5.0)]);
        assert!(line(&[c(-5.0, -5.0), c(-1.0, 20.0)], SQ).is_empty());
    }

    #[test]
    fn a_ring_is_cut_to_the_square() {
        let r = ring(
            &[
                c(-5.0, -5.0),
                c(5.0, -5.0),
                c(5.0, 5.0),
                c(-5.0, 5.0),
                c(-5.0, -5.0),
            ],
            SQ,
        );
        let mut xs: Vec<(i64, i64)> = r.iter().map(|p| (p.x as i64, p.y as i64)).collect();
        xs.sort_unstable();
        xs.dedup();
        assert_eq!(xs, [(0, 0), (0, 5), (5, 0), (5, 5)]);
        assert!(ring(&[c(20.0, 20.0), c(30.0, 20.0), c(30.0, 30.0)], SQ).is_empty());
    }

    proptest::proptest! {
        #[test]
        fn clipped_lines_stay_inside(pts in proptest::collection::vec((-20.0f64..30.0, -20.0f64..30.0), 2..20)) {
            let pts: Vec<Coord<f64>> = pts.into_iter().map(|(x, y)| c(x, y)).collect();
            for piece in line(&pts, SQ) {
                proptest::prop_assert!(piece.len() >= 2);
                for p in piece {
                    proptest::prop_assert!(p.x >= -1e-9 && p.x <= 10.0 + 1e-9 && p.y >= -1e-9 && p.y <= 10.0 + 1e-9);
                }
            }
            for p in ring(&pts, SQ) {
                proptest::prop_assert!(p.x >= -1e-9 && p.x <= 10.0 + 1e-9 && p.y >= -1e-9 && p.y <= 10.0 + 1e-9);
            }
        }
    }
}
