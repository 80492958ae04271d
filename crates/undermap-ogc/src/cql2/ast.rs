//! The parsed filter: fields, literals, operators and expressions.

use chrono::{DateTime, NaiveDate, Utc};
use geo::Geometry;
use undermap_core::Feature;

use crate::queryables::{Property, Type, Value};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CmpOp {
    pub(super) fn flipped(self) -> Self {
        match self {
            Self::Lt => Self::Gt,
            Self::Le => Self::Ge,
            Self::Gt => Self::Lt,
            Self::Ge => Self::Le,
            other => other,
        }
    }

    pub(super) fn holds(self, ord: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::{Equal, Greater, Less};
        match self {
            Self::Eq => ord == Equal,
            Self::Ne => ord != Equal,
            Self::Lt => ord == Less,
            Self::Le => ord != Greater,
            Self::Gt => ord == Greater,
            Self::Ge => ord != Less,
        }
    }
}

/// A spatial relation (CQL2 spatial functions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpatialOp {
    /// `S_INTERSECTS`
    Intersects,
    /// `S_DISJOINT`
    Disjoint,
    /// `S_WITHIN`: the feature lies within the literal.
    Within,
    /// `S_CONTAINS`: the feature contains the literal.
    Contains,
    /// `S_EQUALS`
    Equals,
    /// `S_TOUCHES`
    Touches,
    /// `S_OVERLAPS`
    Overlaps,
    /// `S_CROSSES`
    Crosses,
}

impl SpatialOp {
    pub(super) fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "S_INTERSECTS" => Self::Intersects,
            "S_DISJOINT" => Self::Disjoint,
            "S_WITHIN" => Self::Within,
            "S_CONTAINS" => Self::Contains,
            "S_EQUALS" => Self::Equals,
            "S_TOUCHES" => Self::Touches,
            "S_OVERLAPS" => Self::Overlaps,
            "S_CROSSES" => Self::Crosses,
            _ => return None,
        })
    }
}

/// What a predicate looks at: the feature id or a property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The feature id.
    Id,
    /// A property.
    Property(Property),
}

impl Field {
    pub(super) fn ty(self) -> Type {
        match self {
            Self::Id => Type::String,
            Self::Property(p) => p.ty(),
        }
    }

    pub(super) fn get(self, f: &Feature) -> Value<'_> {
        match self {
            Self::Id => Value::Str(f.id.as_str()),
            Self::Property(p) => p.get(f),
        }
    }
}

/// A literal, already of the type of the property it is compared with.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// Text.
    Str(String),
    /// A number.
    Num(f64),
    /// A date.
    Date(NaiveDate),
    /// An instant.
    Time(DateTime<Utc>),
}

/// A parsed filter expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// All must hold.
    And(Vec<Expr>),
    /// One must hold.
    Or(Vec<Expr>),
    /// Must not hold.
    Not(Box<Expr>),
    /// `TRUE` or `FALSE`.
    Const(bool),
    /// `field op literal`
    Compare(Field, CmpOp, Literal),
    /// `field BETWEEN low AND high`
    Between(Field, Literal, Literal),
    /// `field IN (…)`
    In(Field, Vec<Literal>),
    /// `field IS NULL`
    IsNull(Field),
    /// `field LIKE 'pattern'` (`%` any run, `_` one character)
    Like(Field, String),
    /// A spatial function of the feature's geometry and a literal in the deployment CRS.
    Spatial(SpatialOp, Geometry<f64>),
}
