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

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use geo::{BoundingRect, Geometry, Rect, Relate};
use undermap_core::Feature;
use undermap_crs::Transformer;
use wkt::TryFromWkt;

use crate::queryables::{Property, Type, Value};

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
    fn flipped(self) -> Self {
        match self {
            Self::Lt => Self::Gt,
            Self::Le => Self::Ge,
            Self::Gt => Self::Lt,
            Self::Ge => Self::Le,
            other => other,
        }
    }

    fn holds(self, ord: std::cmp::Ordering) -> bool {
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
    fn parse(name: &str) -> Option<Self> {
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
    fn ty(self) -> Type {
        match self {
            Self::Id => Type::String,
            Self::Property(p) => p.ty(),
        }
    }

    fn get(self, f: &Feature) -> Value<'_> {
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

/// Three-valued logic: `None` is SQL's unknown (a comparison with a missing value).
fn eval(e: &Expr, f: &Feature) -> Option<bool> {
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
fn like(text: &str, pattern: &str) -> bool {
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

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Word(String),
    Quoted(String),
    Str(String),
    Num(f64),
    Op(&'static str),
    Open,
    Close,
    Comma,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Word(w) => write!(f, "`{w}`"),
            Self::Quoted(w) => write!(f, "\"{w}\""),
            Self::Str(s) => write!(f, "'{s}'"),
            Self::Num(n) => write!(f, "{n}"),
            Self::Op(o) => write!(f, "`{o}`"),
            Self::Open => f.write_str("`(`"),
            Self::Close => f.write_str("`)`"),
            Self::Comma => f.write_str("`,`"),
        }
    }
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    /// Character offset of its first character.
    at: usize,
    /// Character offset just past it.
    end: usize,
}

fn lex(text: &str) -> Result<Vec<Token>, Cql2Error> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |position: usize, message: String| Cql2Error { position, message };
    while i < chars.len() {
        let c = chars[i];
        let at = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let kind = match c {
            '(' => {
                i += 1;
                Kind::Open
            }
            ')' => {
                i += 1;
                Kind::Close
            }
            ',' => {
                i += 1;
                Kind::Comma
            }
            '=' => {
                i += 1;
                Kind::Op("=")
            }
            '<' | '>' => {
                let next = chars.get(i + 1).copied();
                let (op, len) = match (c, next) {
                    ('<', Some('>')) => ("<>", 2),
                    ('<', Some('=')) => ("<=", 2),
                    ('>', Some('=')) => (">=", 2),
                    ('<', _) => ("<", 1),
                    _ => (">", 1),
                };
                i += len;
                Kind::Op(op)
            }
            '\'' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(err(at, "text literal is never closed".into())),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            s.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(&ch) => {
                            s.push(ch);
                            i += 1;
                        }
                    }
                }
                Kind::Str(s)
            }
            '"' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(err(at, "quoted property name is never closed".into())),
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some(&ch) => {
                            s.push(ch);
                            i += 1;
                        }
                    }
                }
                Kind::Quoted(s)
            }
            c if c.is_ascii_digit() || c == '-' || c == '+' || c == '.' => {
                let start = i;
                i += 1;
                while i < chars.len()
                    && (chars[i].is_ascii_digit()
                        || chars[i] == '.'
                        || chars[i] == 'e'
                        || chars[i] == 'E'
                        || ((chars[i] == '-' || chars[i] == '+')
                            && matches!(chars[i - 1], 'e' | 'E')))
                {
                    i += 1;
                }
                let s: String = chars[start..i].iter().collect();
                let n: f64 = s
                    .parse()
                    .map_err(|_| err(at, format!("`{s}` is not a number")))?;
                if !n.is_finite() {
                    return Err(err(at, format!("`{s}` is not a finite number")));
                }
                Kind::Num(n)
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '.' | ':'))
                {
                    i += 1;
                }
                Kind::Word(chars[start..i].iter().collect())
            }
            other => return Err(err(at, format!("unexpected character `{other}`"))),
        };
        out.push(Token { kind, at, end: i });
    }
    Ok(out)
}

struct Parser<'a> {
    tokens: Vec<Token>,
    pos: usize,
    /// Parentheses and `NOT`s open at this point (bounded by [`MAX_DEPTH`]).
    depth: usize,
    end: usize,
    to_map: &'a Transformer,
}

const RESERVED: &[&str] = &[
    "AND", "OR", "NOT", "BETWEEN", "IN", "IS", "NULL", "LIKE", "TRUE", "FALSE",
];

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn here(&self) -> usize {
        self.peek().map_or(self.end, |t| t.at)
    }

    fn error_at(&self, position: usize, message: String) -> Cql2Error {
        Cql2Error { position, message }
    }

    fn error(&self, expected: &str) -> Cql2Error {
        match self.peek() {
            Some(t) => self.error_at(t.at, format!("expected {expected}, found {}", t.kind)),
            None => self.error_at(
                self.end,
                format!("expected {expected}, found the end of the filter"),
            ),
        }
    }

    fn keyword(&mut self, word: &str) -> bool {
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

    fn expect(&mut self, kind: &Kind, what: &str) -> Result<Token, Cql2Error> {
        match self.peek() {
            Some(t) if t.kind == *kind => {
                let t = t.clone();
                self.pos += 1;
                Ok(t)
            }
            _ => Err(self.error(what)),
        }
    }

    fn or(&mut self) -> Result<Expr, Cql2Error> {
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

    fn and(&mut self) -> Result<Expr, Cql2Error> {
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
    fn enter(&mut self) -> Result<(), Cql2Error> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error_at(
                self.here(),
                format!("the filter nests deeper than {MAX_DEPTH} levels of parentheses and NOT"),
            ));
        }
        self.depth += 1;
        Ok(())
    }

    fn not(&mut self) -> Result<Expr, Cql2Error> {
        if self.keyword("NOT") {
            self.enter()?;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, Cql2Error> {
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
    fn field(&mut self) -> Result<(Field, usize), Cql2Error> {
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

    fn predicate(&mut self) -> Result<Expr, Cql2Error> {
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
    fn reversed_comparison(&mut self) -> Result<Expr, Cql2Error> {
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

    fn op(&mut self) -> Result<CmpOp, Cql2Error> {
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
    fn literal(&mut self, field: Field) -> Result<Literal, Cql2Error> {
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

    fn spatial(&mut self, op: SpatialOp) -> Result<Expr, Cql2Error> {
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
    fn geometry_property(&mut self) -> bool {
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

    fn geometry_literal(&mut self) -> Result<Geometry<f64>, Cql2Error> {
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
                ("BBOX", [w, s, e, n]) => (*w, *s, *e, *n),
                ("BBOX", [w, s, _, e, n, _]) => (*w, *s, *e, *n),
                // ENVELOPE(minx, maxx, maxy, miny) as in CQL 1 / ECQL.
                ("ENVELOPE", [w, e, n, s]) => (*w, *s, *e, *n),
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
    fn source_between(&self, from: usize, to: usize) -> String {
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

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

fn instant(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
        .or_else(|| {
            date(s)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc())
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use geo::line_string;
    use undermap_core::{FeatureAttributes, FeatureKind, Owner};
    use undermap_crs::Crs;

    fn identity() -> Transformer {
        Transformer::new(&Crs::crs84(), &Crs::crs84()).unwrap()
    }

    fn parse(text: &str) -> Result<Filter, Cql2Error> {
        Filter::parse(text, &identity())
    }

    fn pipe() -> Feature {
        let attrs = FeatureAttributes {
            material: Some("PE".into()),
            diameter_mm: Some(200.0),
            survey_date: NaiveDate::from_ymd_opt(2021, 5, 1),
            owner: Some(Owner {
                name: "秀山燃气".into(),
                contact: None,
            }),
            ..FeatureAttributes::default()
        };
        Feature::new(
            "GAS-1".parse().unwrap(),
            "gas".parse().unwrap(),
            FeatureKind::Pipe,
            line_string![(x: 108.0, y: 28.0), (x: 108.001, y: 28.001)].into(),
            attrs,
            Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        )
        .unwrap()
    }

    fn holds(text: &str) -> bool {
        parse(text)
            .unwrap_or_else(|e| panic!("{text}: {e}"))
            .matches(&pipe())
    }

    #[test]
    fn comparisons_and_logic() {
        assert!(holds("material = 'PE'"));
        assert!(holds("'PE' = material"));
        assert!(holds("diameter_mm >= 200 AND diameter_mm < 201"));
        assert!(holds("200 <= diameter_mm"));
        assert!(!holds("diameter_mm > 200"));
        assert!(holds(
            "material = 'DI' OR (kind = 'pipe' AND NOT status <> 'in_service')"
        ));
        assert!(holds("diameter_mm BETWEEN 100 AND 300"));
        assert!(holds("diameter_mm NOT BETWEEN 300 AND 400"));
        assert!(holds("material IN ('PE', 'DI')"));
        assert!(holds("material NOT IN ('DI')"));
        assert!(holds("owner_name LIKE '秀山%'"));
        assert!(holds("id LIKE 'GAS-_'"));
        assert!(holds("voltage_kv IS NULL"));
        assert!(holds("material IS NOT NULL"));
        assert!(holds("survey_date > DATE('2021-01-01')"));
        assert!(holds("survey_date = '2021-05-01'"));
        assert!(holds("valid_from < TIMESTAMP('2026-06-01T00:00:00Z')"));
        assert!(holds("\"material\" = 'PE' and true"));
    }

    #[test]
    fn missing_values_are_unknown_not_false() {
        // voltage_kv is missing: neither the comparison nor its negation holds.
        assert!(!holds("voltage_kv > 10"));
        assert!(!holds("NOT voltage_kv > 10"));
        assert!(holds("voltage_kv > 10 OR material = 'PE'"));
    }

    #[test]
    fn spatial_functions() {
        assert!(holds(
            "S_INTERSECTS(geometry, BBOX(107.9, 27.9, 108.0005, 28.0005))"
        ));
        assert!(!holds("S_INTERSECTS(geometry, POINT(109 29))"));
        assert!(holds("S_DISJOINT(geometry, POINT(109 29))"));
        assert!(holds(
            "S_WITHIN(geometry, POLYGON((107 27, 109 27, 109 29, 107 29, 107 27)))"
        ));
        assert!(holds(
            "S_CONTAINS(POLYGON((107 27, 109 27, 109 29, 107 29, 107 27)), geometry)"
        ));
        assert!(holds(
            "S_CROSSES(geometry, LINESTRING(108 28.001, 108.001 28))"
        ));
        let f = parse("material = 'PE' AND S_INTERSECTS(geometry, BBOX(1, 2, 3, 4))").unwrap();
        assert_eq!(
            f.spatial_envelope(),
            Some(Rect::new((1.0, 2.0), (3.0, 4.0)))
        );
    }

    #[test]
    fn errors_say_where() {
        let at = |text: &str| parse(text).unwrap_err().position;
        assert_eq!(at("colour = 'red'"), 0);
        assert_eq!(at("material = 12"), 11);
        assert_eq!(at("diameter_mm > 'big'"), 14);
        assert_eq!(at("material = 'PE' AND"), 19);
        assert_eq!(at("material = 'PE' diameter_mm"), 16);
        assert_eq!(at("material = 'PE"), 11);
        assert_eq!(at("S_INTERSECTS(geometry, POINT(1))"), 23);
        assert_eq!(at("S_NEAR(geometry, POINT(1 2))"), 0);
        assert_eq!(at("survey_date > DATE('yesterday')"), 19);
        assert_eq!(at("material LIKE 5"), 14);
        assert_eq!(at("(material = 'PE'"), 16);
        assert!(parse("material = 'PE'; DROP TABLE features").is_err());
    }

    #[test]
    fn simple_equality_parameters_are_typed() {
        assert!(property_equals(Property::DiameterMm, "abc").is_err());
        let e = property_equals(Property::DiameterMm, "200").unwrap();
        assert!(Filter::from_expr(e).matches(&pipe()));
    }

    #[test]
    fn like_backtracks() {
        assert!(like("abcabd", "%abd"));
        assert!(like("", "%"));
        assert!(!like("abc", "a_"));
        assert!(like("a%c", "a\\%c"));
        assert!(!like("abc", "a\\%c"));
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        // Each of these aborted the process before the bound (12 KB URLs from any key).
        let parens = format!("{}material = 'x'{}", "(".repeat(2_000), ")".repeat(2_000));
        let nots = format!("{}material = 'x'", "NOT ".repeat(5_000));
        let collections = format!(
            "S_INTERSECTS(geometry, {}POINT(1 2){})",
            "GEOMETRYCOLLECTION(".repeat(2_000),
            ")".repeat(2_000)
        );
        for text in [&parens, &nots, &collections] {
            let e = parse(text).unwrap_err();
            assert!(e.message.contains("deeper than"), "{e}");
        }
        let many = vec!["material = 'x'"; 3_000].join(" OR ");
        assert!(parse(&many).unwrap_err().message.contains("tokens"));
        // Right at the bound still parses.
        let ok = format!(
            "{}material = 'x'{}",
            "(".repeat(MAX_DEPTH),
            ")".repeat(MAX_DEPTH)
        );
        assert!(parse(&ok).is_ok());
        let over = format!(
            "{}material = 'x'{}",
            "(".repeat(MAX_DEPTH + 1),
            ")".repeat(MAX_DEPTH + 1)
        );
        assert!(parse(&over).is_err());
        let gc = "S_INTERSECTS(geometry, GEOMETRYCOLLECTION(MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)))))";
        assert!(parse(gc).is_ok(), "{:?}", parse(gc));
    }

    proptest::proptest! {
        #[test]
        fn nesting_of_any_depth_answers_with_a_filter_or_an_error(
            depth in 0usize..400,
            open in proptest::sample::select(vec!["(", "NOT (", "NOT "]),
        ) {
            let close = if open.ends_with('(') { ")" } else { "" };
            let text = format!("{}material = 'x'{}", open.repeat(depth), close.repeat(depth));
            let nested = depth * usize::from(open.starts_with("NOT")) + depth * usize::from(open.ends_with('('));
            proptest::prop_assert_eq!(parse(&text).is_ok(), nested <= MAX_DEPTH);
        }

        #[test]
        fn any_text_parses_or_fails_cleanly(text in "\\PC{0,60}") {
            let _ = parse(&text);
        }

        #[test]
        fn equality_with_any_text_value_round_trips(value in "[^']{0,20}") {
            let f = parse(&format!("material = '{value}'")).unwrap();
            let mut p = pipe();
            p.attrs.material = Some(value.clone());
            proptest::prop_assert!(f.matches(&p));
        }

        #[test]
        fn intersects_a_point_on_the_pipe(t in 0.0f64..1.0) {
            let (x, y) = (108.0 + 0.001 * t, 28.0 + 0.001 * t);
            let f = parse(&format!("S_INTERSECTS(geometry, BBOX({}, {}, {}, {}))", x - 1e-9, y - 1e-9, x + 1e-9, y + 1e-9)).unwrap();
            proptest::prop_assert!(f.matches(&pipe()));
            // The same box a degree further east misses it.
            let far = parse(&format!("S_INTERSECTS(geometry, BBOX({}, {}, {}, {}))", x + 1.0, y - 1e-9, x + 1.0 + 2e-9, y + 1e-9)).unwrap();
            proptest::prop_assert!(!far.matches(&pipe()));
        }
    }
}
