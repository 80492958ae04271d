//! The clearance check: a planned route against the existing lines and facilities near it.
//! Side by side, the clear distance (outer wall to outer wall) against the table's horizontal
//! row; where they cross, the clear distance between the two at that point (from both depths)
//! against the vertical row. A needed value that is not recorded gives `unknown`, never `pass`.

mod horizontal;
mod shape;
mod vertical;

use geo::Coord;
use serde::Serialize;
use undermap_core::{text_enum, Feature};

use crate::route::PlannedRoute;
use crate::table::{ClearanceTable, Direction, Requirement, Rule, Side, UtilityClass};

pub use shape::Existing;

text_enum! {
    /// What a check says of one pair, or of a whole route (its worst pair).
    pub enum Verdict ("verdict") {
        /// Every required distance is kept.
        Pass => "pass",
        /// A required distance is not kept.
        Fail => "fail",
        /// A value needed to decide is not recorded, or the table has no row for the pair.
        Unknown => "unknown",
    }
}

impl Verdict {
    /// How bad: pass < unknown < fail.
    #[must_use]
    pub fn severity(self) -> u8 {
        match self {
            Self::Pass => 0,
            Self::Unknown => 1,
            Self::Fail => 2,
        }
    }

    /// The worse of two.
    #[must_use]
    pub fn worst(self, other: Self) -> Self {
        if other.severity() > self.severity() {
            other
        } else {
            self
        }
    }
}

/// The row a judgement used, as a report cites it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cited {
    /// The row's id.
    pub id: String,
    /// Its distance, m.
    pub clearance_m: f64,
    /// Standard, table and row.
    pub source: String,
    /// What to know about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl From<&Rule> for Cited {
    fn from(r: &Rule) -> Self {
        Self {
            id: r.id.clone(),
            clearance_m: r.clearance_m,
            source: r.source.clone(),
            note: r.note.clone(),
        }
    }
}

/// A verdict with its grounds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Judgement {
    /// Pass, fail or unknown.
    pub verdict: Verdict,
    /// The distance required, m (`null` when no row applies).
    pub required_m: Option<f64>,
    /// The row that applied.
    pub rule: Option<Cited>,
    /// What could not be decided for want of it (`diameter_mm of w-17`).
    pub missing: Vec<String>,
    /// Why, in one sentence.
    pub reason: String,
}

/// Judges a clear distance against a requirement. `clear` is the most the distance can be
/// (unknown sizes counted as nothing); `unknown_size` names what would make it smaller.
pub(crate) fn judge(
    direction: Direction,
    clear: f64,
    unknown_size: Option<String>,
    req: &Requirement<'_>,
) -> Judgement {
    let what = direction.as_str();
    let keeps = |need: f64| clear + 1e-9 >= need;
    match req {
        Requirement::NoRule(why) => Judgement {
            verdict: Verdict::Unknown,
            required_m: None,
            rule: None,
            missing: Vec::new(),
            reason: format!("{why}: add the row from the standard to decide"),
        },
        Requirement::Missing {
            attribute,
            smallest,
        } => {
            if keeps(*smallest) {
                let mut missing = vec![attribute.clone()];
                missing.extend(unknown_size);
                Judgement {
                    verdict: Verdict::Unknown,
                    required_m: None,
                    rule: None,
                    reason: format!(
                        "the {what} clear distance is {clear:.2} m; which row applies depends on {attribute}, which is not recorded"
                    ),
                    missing,
                }
            } else {
                Judgement {
                    verdict: Verdict::Fail,
                    required_m: Some(*smallest),
                    rule: None,
                    missing: vec![attribute.clone()],
                    reason: format!(
                        "the {what} clear distance is {clear:.2} m, less than the {smallest} m every candidate row asks (whatever {attribute} is)"
                    ),
                }
            }
        }
        Requirement::Clearance(rule) => {
            let need = rule.clearance_m;
            let (verdict, reason, missing) = if !keeps(need) {
                (
                    Verdict::Fail,
                    format!("the {what} clear distance is {clear:.2} m, less than the {need} m required"),
                    Vec::new(),
                )
            } else if let Some(size) = unknown_size {
                (
                    Verdict::Unknown,
                    format!(
                        "the {what} distance is {clear:.2} m before the existing line's own width, which is not recorded ({need} m required)"
                    ),
                    vec![size],
                )
            } else {
                (
                    Verdict::Pass,
                    format!("the {what} clear distance is {clear:.2} m; {need} m required"),
                    Vec::new(),
                )
            };
            Judgement {
                verdict,
                required_m: Some(need),
                rule: Some(Cited::from(*rule)),
                missing,
                reason,
            }
        }
    }
}

/// Side by side: the closest the route comes to the feature away from their crossings.
#[derive(Debug, Clone, PartialEq)]
pub struct Horizontal {
    /// The clear distance, m (unknown widths counted as nothing: at most this).
    pub distance_m: f64,
    /// Where along the route it is closest, m from its start.
    pub at_m: f64,
    /// The verdict.
    pub judgement: Judgement,
    /// The stretches of the route (m from its start) closer than required, when it fails.
    pub spans: Vec<(f64, f64)>,
}

/// One crossing of the route over or under the feature.
#[derive(Debug, Clone, PartialEq)]
pub struct Crossing {
    /// Where along the route, m from its start.
    pub at_m: f64,
    /// Where, in the deployment CRS.
    pub point: Coord<f64>,
    /// The angle between the two lines, degrees (0 to 90).
    pub angle_deg: f64,
    /// The route's top and bottom there, m below ground.
    pub planned_top_m: f64,
    /// The route's bottom.
    pub planned_bottom_m: f64,
    /// The existing line's top, if recorded.
    pub existing_top_m: Option<f64>,
    /// The existing line's bottom, if recorded or known from its size.
    pub existing_bottom_m: Option<f64>,
    /// The vertical clear distance, m (negative: they run into each other), if it can be told.
    pub clear_m: Option<f64>,
    /// The verdict.
    pub judgement: Judgement,
    /// The route joins the line here (both of one network, at an end of either): a connection
    /// planned on purpose, not a crossing to keep clear of.
    pub connection: bool,
}

/// What the check says of one existing feature.
#[derive(Debug, Clone)]
pub struct Conflict<'f> {
    /// The feature.
    pub feature: &'f Feature,
    /// Its class in the table.
    pub class: UtilityClass,
    /// The worst of its judgements.
    pub verdict: Verdict,
    /// Side by side (absent when the route only crosses it).
    pub horizontal: Option<Horizontal>,
    /// Its crossings, in order along the route.
    pub crossings: Vec<Crossing>,
    /// Facts the verdict rests on (a facility's footprint not recorded, …).
    pub notes: Vec<String>,
    /// Where along the route it is first met, m.
    pub first_m: f64,
}

/// The half-width of the widest conduit a feature may record (a 20 m box section).
const WIDEST_HALF_M: f64 = 10.0;

/// How far around a route the check looks: the table's largest row (pairs without a row are
/// listed within it as unknown), the margin near passes are listed in, the route's half-width
/// and the widest conduit a feature may record.
#[must_use]
pub fn search_radius_m(route: &PlannedRoute, table: &ClearanceTable) -> f64 {
    table.largest_m() + horizontal::LISTING_MARGIN_M + route.size().width_m / 2.0 + WIDEST_HALF_M
}

/// The route's segments by their boxes, to find those near a feature.
type Segments =
    rstar::RTree<rstar::primitives::GeomWithData<rstar::primitives::Rectangle<[f64; 2]>, usize>>;

fn segments(route: &PlannedRoute) -> Segments {
    let c = &route.geometry().0;
    rstar::RTree::bulk_load(
        (0..c.len() - 1)
            .map(|i| {
                rstar::primitives::GeomWithData::new(
                    rstar::primitives::Rectangle::from_corners(
                        [c[i].x, c[i].y],
                        [c[i + 1].x, c[i + 1].y],
                    ),
                    i,
                )
            })
            .collect(),
    )
}

/// The stretches of the route that fail side by side (any feature), merged, m along it.
#[must_use]
pub fn failing_spans(conflicts: &[Conflict<'_>]) -> Vec<(f64, f64)> {
    crate::geom::merge(
        conflicts
            .iter()
            .filter_map(|c| c.horizontal.as_ref())
            .filter(|h| h.judgement.verdict == Verdict::Fail)
            .flat_map(|h| h.spans.iter().copied())
            .collect(),
    )
}

/// Checks `route` against `candidates` (every feature near it; those of layers the table does
/// not class are skipped). The answer lists every feature within the largest distance that could
/// apply to its pair (and half a metre more, so near passes show), or that the route crosses,
/// in order along the route.
#[must_use]
pub fn check<'f>(
    route: &PlannedRoute,
    table: &ClearanceTable,
    candidates: impl IntoIterator<Item = &'f Feature>,
) -> Vec<Conflict<'f>> {
    let tree = segments(route);
    let radius = search_radius_m(route, table);
    let mut out: Vec<Conflict<'f>> = candidates
        .into_iter()
        .filter_map(|f| {
            let class = table.class_of(&f.layer)?;
            let existing = Existing::of(f, class)?;
            let mut near: Vec<usize> = tree
                .locate_in_envelope_intersecting(&existing.envelope(radius))
                .map(|s| s.data)
                .collect();
            if near.is_empty() {
                return None;
            }
            near.sort_unstable();
            one(route, &near, table, &existing)
        })
        .collect();
    out.sort_by(|a, b| {
        a.first_m
            .total_cmp(&b.first_m)
            .then_with(|| a.feature.id.as_str().cmp(b.feature.id.as_str()))
    });
    out
}

fn one<'f>(
    route: &PlannedRoute,
    near: &[usize],
    table: &ClearanceTable,
    existing: &Existing<'f>,
) -> Option<Conflict<'f>> {
    let planned = route.side();
    let theirs: Side<'_> = existing.side();
    let crossings = vertical::crossings(route, near, table, existing, &planned, &theirs);
    let horizontal =
        horizontal::side_by_side(route, near, table, existing, &planned, &theirs, &crossings);
    if crossings.is_empty() && horizontal.is_none() {
        return None;
    }
    let verdict = crossings
        .iter()
        .map(|c| c.judgement.verdict)
        .chain(horizontal.iter().map(|h| h.judgement.verdict))
        .fold(Verdict::Pass, Verdict::worst);
    let first_m = crossings
        .iter()
        .map(|c| c.at_m)
        .chain(
            horizontal
                .iter()
                .map(|h| h.spans.first().map_or(h.at_m, |s| s.0)),
        )
        .fold(f64::INFINITY, f64::min);
    Some(Conflict {
        feature: existing.feature,
        class: existing.class,
        verdict,
        horizontal,
        crossings,
        notes: existing.notes(),
        first_m,
    })
}

#[cfg(test)]
mod tests;
