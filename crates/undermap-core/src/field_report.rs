//! Field reports: what crews find on site, fed back to the map (KLIC's *afwijkingsmelding*, the
//! US DIRT report). A report is filed against an asset (or a place, for an asset the map does
//! not have); the owner must claim it within some working days and correct the map within more;
//! an unclaimed report makes its asset an orphan, and open reports lower the asset's quality in
//! every check until a correcting delivery closes them.

use chrono::{DateTime, Utc};

crate::text_enum! {
    /// What a crew found.
    pub enum ReportType ("type") {
        /// The asset is there, but more than 1 m from where the map has it.
        FoundElsewhere => "found_elsewhere",
        /// The asset is not where the map has it, nor found near.
        NotFound => "not_found",
        /// An asset the map does not have.
        UnknownAsset => "unknown_asset",
        /// An asset was struck.
        Strike => "strike",
    }
}

crate::text_enum! {
    /// Why a strike happened (the root-cause groups of the CGA's DIRT report).
    pub enum StrikeCause ("cause") {
        /// No ticket was asked for.
        NoTicket => "no_ticket",
        /// The asset was mismarked or not marked by its owner.
        Mismarked => "mismarked",
        /// The records (the map) were wrong.
        RecordsWrong => "records_wrong",
        /// The excavator did not dig with care (marks ignored, no hand digging).
        ExcavationPractice => "excavation_practice",
        /// Anything else.
        Other => "other",
    }
}

crate::text_enum! {
    /// Where a report stands.
    pub enum ReportStatus ("status") {
        /// Waiting for the owner to claim it, in time.
        Open => "open",
        /// The claim deadline passed unclaimed: the asset is an orphan on the map.
        Orphan => "orphan",
        /// Claimed; the owner has until its correction deadline.
        Claimed => "claimed",
        /// Claimed, and the correction deadline passed with the map unchanged.
        CorrectionOverdue => "correction_overdue",
        /// A delivery changed the asset after the report: the map is corrected.
        Corrected => "corrected",
    }
}

/// Where a report stands at `now`: `corrected` once its asset has a version newer than the
/// report; else by the claim and its deadlines.
#[must_use]
pub fn status(
    claimed_at: Option<DateTime<Utc>>,
    claim_by: DateTime<Utc>,
    correct_by: DateTime<Utc>,
    corrected: bool,
    now: DateTime<Utc>,
) -> ReportStatus {
    match (corrected, claimed_at) {
        (true, _) => ReportStatus::Corrected,
        (false, Some(_)) if now > correct_by => ReportStatus::CorrectionOverdue,
        (false, Some(_)) => ReportStatus::Claimed,
        (false, None) if now > claim_by => ReportStatus::Orphan,
        (false, None) => ReportStatus::Open,
    }
}

impl ReportStatus {
    /// Whether the report still lowers its asset's quality in checks.
    #[must_use]
    pub fn is_open(self) -> bool {
        self != Self::Corrected
    }
}

/// The compass direction of a displacement (`dx` east, `dy` north), in eight points.
#[must_use]
pub fn direction(dx: f64, dy: f64) -> &'static str {
    const NAMES: [&str; 8] = [
        "east",
        "north-east",
        "north",
        "north-west",
        "west",
        "south-west",
        "south",
        "south-east",
    ];
    let angle = dy.atan2(dx).to_degrees().rem_euclid(360.0);
    // Eight sectors of 45°, centred on the points.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let sector = (((angle + 22.5) / 45.0).floor() as usize) % 8;
    NAMES[sector]
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use proptest::prelude::*;

    #[test]
    fn directions_name_the_eight_points() {
        assert_eq!(direction(1.8, 0.0), "east");
        assert_eq!(direction(0.0, -2.0), "south");
        assert_eq!(direction(-1.0, 1.0), "north-west");
        assert_eq!(direction(1.0, -0.41), "east");
    }

    proptest! {
        /// A report moves open → orphan, or open → claimed → correction overdue, and any of
        /// them → corrected; never back.
        #[test]
        fn a_report_only_moves_forward(claim in proptest::option::of(0i64..100), a in 0i64..100, b in 0i64..100, fix in proptest::option::of(0i64..100)) {
            let t0 = DateTime::UNIX_EPOCH;
            let at = |m: i64| t0 + Duration::days(m);
            let rank = |s: ReportStatus| match s {
                ReportStatus::Open => 0,
                ReportStatus::Orphan | ReportStatus::Claimed => 1,
                ReportStatus::CorrectionOverdue => 2,
                ReportStatus::Corrected => 3,
            };
            let (early, late) = (a.min(b), a.max(b));
            let state = |now: i64| status(claim.filter(|c| *c <= now).map(at), at(10), at(30), fix.is_some_and(|f| f <= now), at(now));
            let (s1, s2) = (state(early), state(late));
            prop_assert!(rank(s1) <= rank(s2) || (s1 == ReportStatus::Orphan && s2 == ReportStatus::Claimed), "{s1:?} then {s2:?}");
        }
    }
}
