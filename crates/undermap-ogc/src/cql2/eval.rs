//! A filter evaluated against one feature, in SQL's three-valued logic.

use geo::Relate;
use undermap_core::Feature;

use crate::queryables::Value;

use super::ast::{Expr, Literal, SpatialOp};

/// Three-valued logic: `None` is SQL's unknown (a comparison with a missing value).
pub(super) fn eval(e: &Expr, f: &Feature) -> Option<bool> {
    match e {
        Expr::Const(b) => Some(*b),
        Expr::And(parts) => {
            let mut unknown = false;
            for p in parts {
                match eval(p, f) {
                    Some(false) => return Some(false),
                    None => unknown = true,
                    Some(true) => {}
                }
            }
            if unknown {
                None
            } else {
                Some(true)
            }
        }
        Expr::Or(parts) => {
            let mut unknown = false;
            for p in parts {
                match eval(p, f) {
                    Some(true) => return Some(true),
                    None => unknown = true,
                    Some(false) => {}
                }
            }
            if unknown {
                None
            } else {
                Some(false)
            }
        }
        Expr::Not(inner) => eval(inner, f).map(|b| !b),
        Expr::Compare(field, op, lit) => compare(&field.get(f), lit).map(|o| op.holds(o)),
        Expr::Between(field, low, high) => {
            let v = field.get(f);
            let lo = compare(&v, low)?;
            let hi = compare(&v, high)?;
            Some(lo.is_ge() && hi.is_le())
        }
        Expr::In(field, list) => {
            let v = field.get(f);
            if v == Value::Null {
                return None;
            }
            Some(
                list.iter()
                    .any(|l| compare(&v, l) == Some(std::cmp::Ordering::Equal)),
            )
        }
        Expr::IsNull(field) => Some(field.get(f) == Value::Null),
        Expr::Like(field, pattern) => match field.get(f) {
            Value::Str(s) => Some(like(s, pattern)),
            _ => None,
        },
        Expr::Spatial(op, g) => {
            let m = f.geometry.relate(g);
            Some(match op {
                SpatialOp::Intersects => m.is_intersects(),
                SpatialOp::Disjoint => m.is_disjoint(),
                SpatialOp::Within => m.is_within(),
                SpatialOp::Contains => m.is_contains(),
                SpatialOp::Equals => m.is_equal_topo(),
                SpatialOp::Touches => m.is_touches(),
                SpatialOp::Overlaps => m.is_overlaps(),
                SpatialOp::Crosses => m.is_crosses(),
            })
        }
    }
}

fn compare(v: &Value<'_>, lit: &Literal) -> Option<std::cmp::Ordering> {
    match (v, lit) {
        (Value::Str(a), Literal::Str(b)) => Some((*a).cmp(b.as_str())),
        (Value::Num(a), Literal::Num(b)) => a.partial_cmp(b),
        (Value::Date(a), Literal::Date(b)) => Some(a.cmp(b)),
        (Value::Time(a), Literal::Time(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

/// SQL `LIKE`: `%` matches any run of characters, `_` exactly one, `\` escapes either.
pub(super) fn like(text: &str, pattern: &str) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum P {
        Any,
        One,
        Lit(char),
    }
    let mut parts = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        parts.push(match c {
            '%' => P::Any,
            '_' => P::One,
            '\\' => P::Lit(chars.next().unwrap_or('\\')),
            c => P::Lit(c),
        });
    }
    let text: Vec<char> = text.chars().collect();
    // Classic wildcard matching with backtracking to the last `%`.
    let (mut t, mut p) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match parts.get(p) {
            Some(P::Any) => {
                star = Some((p, t));
                p += 1;
            }
            Some(P::One) => {
                t += 1;
                p += 1;
            }
            Some(P::Lit(c)) if *c == text[t] => {
                t += 1;
                p += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    parts[p..].iter().all(|x| *x == P::Any)
}
