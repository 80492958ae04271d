//! CQL2 text (OGC 21-065): comparisons, `AND`/`OR`/`NOT`, `BETWEEN`, `IN`, `LIKE`, `IS NULL`
//! and the spatial functions (`S_INTERSECTS` …) with WKT or `BBOX(…)` literals.
//!
//! Parsing checks every property name against the queryables and every literal against the
//! property's type, so a filter that parses can be evaluated on any feature without failing.
//! Errors carry the character position where the text went wrong.
//!
//! ```
//! use undermap_ogc::cql2::Filter;
//! use undermap_crs::{Crs, Transformer};
//! let crs84 = Crs::crs84();
//! let to_map = Transformer::new(&crs84, &crs84).unwrap();
//! let f = Filter::parse("material = 'PE' AND diameter_mm BETWEEN 100 AND 300", &to_map).unwrap();
//! assert!(f.spatial_envelope().is_none());
//! let err = Filter::parse("material = ", &to_map).unwrap_err();
//! assert_eq!(err.position, 11);
//! ```

mod ast;
mod eval;
mod lex;
mod parse;
#[cfg(test)]
mod tests;

pub use ast::{CmpOp, Expr, Field, Literal, SpatialOp};

use eval::eval;
use lex::lex;
use parse::{date, instant, Parser};

use std::fmt;

use geo::{BoundingRect, Rect};
use undermap_core::Feature;
use undermap_crs::Transformer;

use crate::queryables::{Property, Type};

/// Deepest nesting of parentheses and `NOT`s a filter may have. The parser is recursive; a
/// bound keeps a hostile filter (thousands of `(`) from overflowing the stack. Real filters
/// nest a handful of levels.
pub const MAX_DEPTH: usize = 32;

/// Most tokens a filter may have (an `IN` list of a few thousand values still fits).
pub const MAX_TOKENS: usize = 10_000;

/// Deepest parenthesis nesting of a WKT literal: `GEOMETRYCOLLECTION(MULTIPOLYGON(((…))))` is 4.
pub const MAX_WKT_DEPTH: usize = 6;

/// A filter that could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("filter error at character {position}: {message}")]
pub struct Cql2Error {
    /// 0-based character offset into the filter text.
    pub position: usize,
    /// What is wrong there.
    pub message: String,
}

/// A parsed, type-checked CQL2 text filter.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    expr: Expr,
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.expr)
    }
}

impl Filter {
    /// Parses `text`; geometry literals are in `to_map`'s source CRS (the `filter-crs`) and
    /// are moved into the deployment CRS.
    pub fn parse(text: &str, to_map: &Transformer) -> Result<Self, Cql2Error> {
        let tokens = lex(text)?;
        if let Some(t) = tokens.get(MAX_TOKENS) {
            return Err(Cql2Error {
                position: t.at,
                message: format!(
                    "the filter has more than {MAX_TOKENS} tokens; split it into smaller requests"
                ),
            });
        }
        let mut p = Parser {
            tokens,
            pos: 0,
            depth: 0,
            end: text.chars().count(),
            to_map,
        };
        let expr = p.or()?;
        if let Some(t) = p.peek() {
            return Err(p.error_at(
                t.at,
                format!("unexpected {} after the end of the filter", t.kind),
            ));
        }
        Ok(Self { expr })
    }

    /// A filter from already built parts (simple `?property=value` query parameters).
    #[must_use]
    pub fn from_expr(expr: Expr) -> Self {
        Self { expr }
    }

    /// The expression.
    #[must_use]
    pub fn expr(&self) -> &Expr {
        &self.expr
    }

    /// Both filters must hold.
    #[must_use]
    pub fn and(self, other: Self) -> Self {
        Self {
            expr: Expr::And(vec![self.expr, other.expr]),
        }
    }

    /// Whether `feature` passes.
    #[must_use]
    pub fn matches(&self, feature: &Feature) -> bool {
        eval(&self.expr, feature) == Some(true)
    }

    /// If every match must meet one geometry (a top-level `S_INTERSECTS`, `S_WITHIN`, …), its
    /// envelope: candidates can come from the R-tree instead of a scan.
    #[must_use]
    pub fn spatial_envelope(&self) -> Option<Rect<f64>> {
        fn walk(e: &Expr) -> Option<Rect<f64>> {
            match e {
                Expr::Spatial(
                    SpatialOp::Intersects
                    | SpatialOp::Within
                    | SpatialOp::Contains
                    | SpatialOp::Equals
                    | SpatialOp::Touches
                    | SpatialOp::Overlaps
                    | SpatialOp::Crosses,
                    g,
                ) => g.bounding_rect(),
                Expr::And(parts) => parts.iter().find_map(walk),
                _ => None,
            }
        }
        walk(&self.expr)
    }
}

/// `?material=PE`: one property equal to one value, typed like a filter literal.
pub fn property_equals(property: Property, text: &str) -> Result<Expr, String> {
    let lit = match property.ty() {
        Type::String => Literal::Str(text.to_owned()),
        Type::Number => Literal::Num(
            text.parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .ok_or_else(|| format!("`{text}` is not a number"))?,
        ),
        Type::Date => {
            Literal::Date(date(text).ok_or_else(|| format!("`{text}` is not a date (YYYY-MM-DD)"))?)
        }
        Type::Timestamp => Literal::Time(
            instant(text).ok_or_else(|| format!("`{text}` is not an RFC 3339 timestamp"))?,
        ),
    };
    Ok(Expr::Compare(Field::Property(property), CmpOp::Eq, lit))
}
