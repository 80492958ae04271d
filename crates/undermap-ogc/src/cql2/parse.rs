//! The recursive-descent parser: tokens into a type-checked expression.

use chrono::{DateTime, NaiveDate, Utc};
use geo::{Geometry, Rect};
use undermap_crs::Transformer;
use wkt::TryFromWkt;

use crate::queryables::{Property, Type};

use super::ast::{CmpOp, Expr, Field, Literal, SpatialOp};
use super::lex::{Kind, Token};
use super::{Cql2Error, MAX_DEPTH, MAX_WKT_DEPTH};

pub(super) struct Parser<'a> {
    pub(super) tokens: Vec<Token>,
    pub(super) pos: usize,
    /// Parentheses and `NOT`s open at this point (bounded by [`MAX_DEPTH`]).
    pub(super) depth: usize,
    pub(super) end: usize,
    pub(super) to_map: &'a Transformer,
}

const RESERVED: &[&str] = &[
    "AND", "OR", "NOT", "BETWEEN", "IN", "IS", "NULL", "LIKE", "TRUE", "FALSE",
];

impl Parser<'_> {
    pub(super) fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    pub(super) fn here(&self) -> usize {
        self.peek().map_or(self.end, |t| t.at)
    }

    #[allow(clippy::unused_self)] // the parser's errors are made through it, like `error`
    pub(super) fn error_at(&self, position: usize, message: String) -> Cql2Error {
        Cql2Error { position, message }
    }

    pub(super) fn error(&self, expected: &str) -> Cql2Error {
        match self.peek() {
            Some(t) => self.error_at(t.at, format!("expected {expected}, found {}", t.kind)),
            None => self.error_at(
                self.end,
                format!("expected {expected}, found the end of the filter"),
            ),
        }
    }

    pub(super) fn keyword(&mut self, word: &str) -> bool {
        if let Some(Token {
            kind: Kind::Word(w),
            ..
        }) = self.peek()
        {
            if w.eq_ignore_ascii_case(word) {
                self.pos += 1;
                return true;
            }
        }
        false
    }

    pub(super) fn expect(&mut self, kind: &Kind, what: &str) -> Result<Token, Cql2Error> {
        match self.peek() {
            Some(t) if t.kind == *kind => {
                let t = t.clone();
                self.pos += 1;
                Ok(t)
            }
            _ => Err(self.error(what)),
        }
    }

    pub(super) fn or(&mut self) -> Result<Expr, Cql2Error> {
        let mut parts = vec![self.and()?];
        while self.keyword("OR") {
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::Or(parts)
        })
    }

    pub(super) fn and(&mut self) -> Result<Expr, Cql2Error> {
        let mut parts = vec![self.not()?];
        while self.keyword("AND") {
            parts.push(self.not()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::And(parts)
        })
    }

    /// One level deeper; refused past [`MAX_DEPTH`].
    pub(super) fn enter(&mut self) -> Result<(), Cql2Error> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error_at(
                self.here(),
                format!("the filter nests deeper than {MAX_DEPTH} levels of parentheses and NOT"),
            ));
        }
        self.depth += 1;
        Ok(())
    }

    pub(super) fn not(&mut self) -> Result<Expr, Cql2Error> {
        if self.keyword("NOT") {
            self.enter()?;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.primary()
    }

    pub(super) fn primary(&mut self) -> Result<Expr, Cql2Error> {
        let Some(t) = self.peek().cloned() else {
            return Err(self.error("a condition"));
        };
        match &t.kind {
            Kind::Open => {
                self.enter()?;
                self.pos += 1;
                let e = self.or()?;
                self.expect(&Kind::Close, "`)`")?;
                self.depth -= 1;
                Ok(e)
            }
            Kind::Word(w) if w.eq_ignore_ascii_case("TRUE") => {
                self.pos += 1;
                Ok(Expr::Const(true))
            }
            Kind::Word(w) if w.eq_ignore_ascii_case("FALSE") => {
                self.pos += 1;
                Ok(Expr::Const(false))
            }
            Kind::Word(w) if SpatialOp::parse(&w.to_ascii_uppercase()).is_some() => {
                let op = SpatialOp::parse(&w.to_ascii_uppercase()).unwrap_or(SpatialOp::Intersects);
                self.pos += 1;
                self.spatial(op)
            }
            Kind::Word(w) if w.to_ascii_uppercase().starts_with("S_") => Err(self.error_at(
                t.at,
                format!(
                    "unknown spatial function `{w}`; known: S_INTERSECTS, S_DISJOINT, S_WITHIN, \
                     S_CONTAINS, S_EQUALS, S_TOUCHES, S_OVERLAPS, S_CROSSES"
                ),
            )),
            Kind::Word(_) | Kind::Quoted(_) => self.predicate(),
            Kind::Str(_) | Kind::Num(_) => self.reversed_comparison(),
            _ => Err(self.error("a condition")),
        }
    }

    /// A property name, checked against the queryables.
    pub(super) fn field(&mut self) -> Result<(Field, usize), Cql2Error> {
        let Some(t) = self.peek().cloned() else {
            return Err(self.error("a property name"));
        };
        let name = match &t.kind {
            Kind::Word(w) if !RESERVED.iter().any(|r| w.eq_ignore_ascii_case(r)) => w.clone(),
            Kind::Quoted(w) => w.clone(),
            _ => return Err(self.error("a property name")),
        };
        self.pos += 1;
        if name == "id" {
            return Ok((Field::Id, t.at));
        }
        match Property::parse(&name) {
            Some(p) => Ok((Field::Property(p), t.at)),
            None if name == "geometry" => Err(self.error_at(
                t.at,
                "the geometry can only be used in a spatial function such as S_INTERSECTS".into(),
            )),
            None => Err(self.error_at(
                t.at,
                format!(
                    "unknown property `{name}`; the queryables are: id, {}",
                    Property::ALL
                        .iter()
                        .map(|p| p.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }

    pub(super) fn predicate(&mut self) -> Result<Expr, Cql2Error> {
        let (field, _) = self.field()?;
        let negated = self.keyword("NOT");
        let e = if self.keyword("BETWEEN") {
            let low = self.literal(field)?;
            if !self.keyword("AND") {
                return Err(self.error("`AND` in BETWEEN"));
            }
            let high = self.literal(field)?;
            Expr::Between(field, low, high)
        } else if self.keyword("IN") {
            self.expect(&Kind::Open, "`(` after IN")?;
            let mut list = vec![self.literal(field)?];
            while self.peek().is_some_and(|t| t.kind == Kind::Comma) {
                self.pos += 1;
                list.push(self.literal(field)?);
            }
            self.expect(&Kind::Close, "`,` or `)` in the IN list")?;
            Expr::In(field, list)
        } else if self.keyword("LIKE") {
            if field.ty() != Type::String {
                return Err(self.error_at(self.here(), "LIKE needs a text property".into()));
            }
            match self.peek().cloned() {
                Some(Token {
                    kind: Kind::Str(s), ..
                }) => {
                    self.pos += 1;
                    Expr::Like(field, s)
                }
                _ => return Err(self.error("a text pattern after LIKE")),
            }
        } else if !negated && self.keyword("IS") {
            let not_null = self.keyword("NOT");
            if !self.keyword("NULL") {
                return Err(self.error("NULL"));
            }
            let e = Expr::IsNull(field);
            return Ok(if not_null { Expr::Not(Box::new(e)) } else { e });
        } else if negated {
            return Err(self.error("BETWEEN, IN or LIKE after NOT"));
        } else {
            let op = self.op()?;
            let lit = self.literal(field)?;
            Expr::Compare(field, op, lit)
        };
        Ok(if negated { Expr::Not(Box::new(e)) } else { e })
    }

    /// `'PE' = material`: a literal first.
    pub(super) fn reversed_comparison(&mut self) -> Result<Expr, Cql2Error> {
        let start = self.pos;
        self.pos += 1;
        let op = self.op()?;
        let (field, _) = self.field()?;
        let after = self.pos;
        self.pos = start;
        let lit = self.literal(field)?;
        self.pos = after;
        Ok(Expr::Compare(field, op.flipped(), lit))
    }

    pub(super) fn op(&mut self) -> Result<CmpOp, Cql2Error> {
        match self.peek().map(|t| t.kind.clone()) {
            Some(Kind::Op(o)) => {
                self.pos += 1;
                Ok(match o {
                    "=" => CmpOp::Eq,
                    "<>" => CmpOp::Ne,
                    "<" => CmpOp::Lt,
                    "<=" => CmpOp::Le,
                    ">" => CmpOp::Gt,
                    _ => CmpOp::Ge,
                })
            }
            _ => {
                Err(self.error("a comparison (=, <>, <, <=, >, >=), BETWEEN, IN, LIKE or IS NULL"))
            }
        }
    }

    /// A literal of `field`'s type.
    pub(super) fn literal(&mut self, field: Field) -> Result<Literal, Cql2Error> {
        let Some(t) = self.peek().cloned() else {
            return Err(self.error(field.ty().name()));
        };
        let mismatch = |p: &Self| {
            p.error_at(
                t.at,
                format!(
                    "expected {} for this property, found {}",
                    field.ty().name(),
                    t.kind
                ),
            )
        };
        let lit = match (field.ty(), &t.kind) {
            (Type::String, Kind::Str(s)) => Literal::Str(s.clone()),
            (Type::Number, Kind::Num(n)) => Literal::Num(*n),
            (Type::Date, Kind::Str(s)) => Literal::Date(date(s).ok_or_else(|| mismatch(self))?),
            (Type::Timestamp, Kind::Str(s)) => {
                Literal::Time(instant(s).ok_or_else(|| mismatch(self))?)
            }
            (ty @ (Type::Date | Type::Timestamp), Kind::Word(w))
                if w.eq_ignore_ascii_case("DATE") || w.eq_ignore_ascii_case("TIMESTAMP") =>
            {
                self.pos += 1;
                self.expect(&Kind::Open, "`(`")?;
                let inner = self.peek().cloned();
                let Some(Token {
                    kind: Kind::Str(s),
                    at,
                    ..
                }) = inner
                else {
                    return Err(self.error("a quoted date or timestamp"));
                };
                let lit = if ty == Type::Date {
                    date(&s).map(Literal::Date)
                } else {
                    instant(&s).map(Literal::Time)
                }
                .ok_or_else(|| self.error_at(at, format!("'{s}' is not {}", ty.name())))?;
                self.pos += 1;
                self.expect(&Kind::Close, "`)`")?;
                return Ok(lit);
            }
            _ => return Err(mismatch(self)),
        };
        self.pos += 1;
        Ok(lit)
    }

    pub(super) fn spatial(&mut self, op: SpatialOp) -> Result<Expr, Cql2Error> {
        self.expect(&Kind::Open, "`(` after the spatial function")?;
        // Either order: S_INTERSECTS(geometry, POINT(…)) or S_INTERSECTS(POINT(…), geometry).
        let first_is_property = self.geometry_property();
        let literal = self.geometry_literal()?;
        if first_is_property {
            self.expect(&Kind::Close, "`)`")?;
        } else {
            self.expect(&Kind::Comma, "`,`")?;
            if !self.geometry_property() {
                return Err(self.error("the property `geometry`"));
            }
            self.expect(&Kind::Close, "`)`")?;
        }
        // A literal first means the relation reads the other way round.
        let op = match (first_is_property, op) {
            (false, SpatialOp::Within) => SpatialOp::Contains,
            (false, SpatialOp::Contains) => SpatialOp::Within,
            (_, op) => op,
        };
        Ok(Expr::Spatial(op, literal))
    }

    /// Consumes `geometry ,` if that is what comes next.
    pub(super) fn geometry_property(&mut self) -> bool {
        let is_geometry = matches!(
            self.peek().map(|t| &t.kind),
            Some(Kind::Word(w) | Kind::Quoted(w)) if w == "geometry" || w == "geom"
        );
        if !is_geometry {
            return false;
        }
        self.pos += 1;
        if self.peek().is_some_and(|t| t.kind == Kind::Comma) {
            self.pos += 1;
        }
        true
    }

    pub(super) fn geometry_literal(&mut self) -> Result<Geometry<f64>, Cql2Error> {
        let Some(t) = self.peek().cloned() else {
            return Err(self.error("a geometry (WKT or BBOX)"));
        };
        let Kind::Word(word) = &t.kind else {
            return Err(self.error("a geometry (WKT or BBOX)"));
        };
        let upper = word.to_ascii_uppercase();
        self.pos += 1;
        let geometry = if upper == "BBOX" || upper == "ENVELOPE" {
            self.expect(&Kind::Open, "`(`")?;
            let mut n = Vec::new();
            loop {
                match self.peek().map(|t| t.kind.clone()) {
                    Some(Kind::Num(v)) => {
                        n.push(v);
                        self.pos += 1;
                    }
                    _ => return Err(self.error("a number")),
                }
                if self.peek().is_some_and(|t| t.kind == Kind::Comma) {
                    self.pos += 1;
                } else {
                    break;
                }
            }
            self.expect(&Kind::Close, "`)`")?;
            let (w, s, e, nn) = match (upper.as_str(), n.as_slice()) {
                // ENVELOPE(minx, maxx, maxy, miny) as in CQL 1 / ECQL.
                ("BBOX", [w, s, e, n] | [w, s, _, e, n, _]) | ("ENVELOPE", [w, e, n, s]) => {
                    (*w, *s, *e, *n)
                }
                _ => {
                    return Err(self.error_at(
                        t.at,
                        format!("{upper} takes 4 numbers (or 6 for BBOX), found {}", n.len()),
                    ))
                }
            };
            if w > e || s > nn {
                return Err(self.error_at(t.at, format!("{upper} corners are the wrong way round")));
            }
            Geometry::Polygon(Rect::new((w, s), (e, nn)).to_polygon())
        } else if matches!(
            upper.as_str(),
            "POINT"
                | "LINESTRING"
                | "POLYGON"
                | "MULTIPOINT"
                | "MULTILINESTRING"
                | "MULTIPOLYGON"
                | "GEOMETRYCOLLECTION"
        ) {
            // The WKT runs to the matching parenthesis; the wkt crate reads it.
            let mut depth = 0_i32;
            let mut end = t.end;
            while let Some(tok) = self.peek() {
                match tok.kind {
                    Kind::Open => depth += 1,
                    Kind::Close => depth -= 1,
                    _ => {}
                }
                // The wkt crate reads nested collections recursively: bound them first.
                if usize::try_from(depth).unwrap_or(0) > MAX_WKT_DEPTH {
                    return Err(self.error_at(
                        tok.at,
                        format!("{upper} nests deeper than {MAX_WKT_DEPTH} levels of parentheses"),
                    ));
                }
                end = tok.end;
                self.pos += 1;
                if depth == 0 {
                    break;
                }
            }
            if depth != 0 {
                return Err(self.error_at(t.at, format!("{upper} is never closed")));
            }
            let text: String = self.source_between(t.at, end);
            Geometry::try_from_wkt_str(&text)
                .map_err(|e| self.error_at(t.at, format!("invalid {upper}: {e}")))?
        } else {
            return Err(self.error_at(
                t.at,
                format!("expected a geometry (WKT or BBOX), found `{word}`"),
            ));
        };
        let valid =
            geo::CoordsIter::coords_iter(&geometry).all(|c| c.x.is_finite() && c.y.is_finite());
        if !valid || geo::CoordsIter::coords_count(&geometry) == 0 {
            return Err(self.error_at(t.at, "the geometry is empty".into()));
        }
        self.to_map
            .geometry_checked(&geometry)
            .map_err(|e| self.error_at(t.at, format!("the geometry cannot be used here: {e}")))
    }

    /// Rebuilds the literal text from its tokens (the lexer dropped the original string).
    pub(super) fn source_between(&self, from: usize, to: usize) -> String {
        let mut out = String::new();
        for tok in self.tokens.iter().filter(|t| t.at >= from && t.end <= to) {
            match &tok.kind {
                Kind::Word(w) => {
                    out.push_str(w);
                    out.push(' ');
                }
                Kind::Num(n) => {
                    out.push_str(&n.to_string());
                    out.push(' ');
                }
                Kind::Open => out.push('('),
                Kind::Close => out.push(')'),
                Kind::Comma => out.push(','),
                _ => {}
            }
        }
        out
    }
}

pub(super) fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

pub(super) fn instant(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
        .or_else(|| {
            date(s)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc())
        })
}
