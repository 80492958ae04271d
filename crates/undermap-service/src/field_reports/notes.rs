//! The open reports by asset, kept in memory so that a check reads them without a round trip:
//! each one lowers its asset's quality in the hit's reason until a delivery corrects the map.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use undermap_core::{Feature, ReportType};
use undermap_store::FieldReportRow;

/// One open report, as a check mentions it.
#[derive(Debug, Clone)]
struct Open {
    number: i64,
    kind: ReportType,
    offset_m: Option<f64>,
    direction: Option<String>,
    reported_at: DateTime<Utc>,
    claimed: bool,
    claim_by: DateTime<Utc>,
}

/// The open reports of each asset.
#[derive(Debug, Clone, Default)]
pub struct OpenReports(HashMap<String, Vec<Open>>);

impl OpenReports {
    pub(super) fn new(rows: impl Iterator<Item = FieldReportRow>) -> Self {
        let mut by_asset: HashMap<String, Vec<Open>> = HashMap::new();
        for r in rows {
            let (Some(feature), Ok(kind)) =
                (r.report.feature_id.clone(), r.report.report_type.parse())
            else {
                continue;
            };
            by_asset.entry(feature).or_default().push(Open {
                number: r.id,
                kind,
                offset_m: r.report.offset_m,
                direction: r.report.direction.clone(),
                reported_at: r.report.reported_at,
                claimed: r.claim.is_some(),
                claim_by: r.report.claim_by,
            });
        }
        Self(by_asset)
    }

    /// Whether no asset has an open report.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// What a check says of `feature`'s open reports (filed before its current version was
    /// delivered they are closed), or nothing.
    #[must_use]
    pub fn note_for(&self, feature: &Feature, now: DateTime<Utc>) -> Option<String> {
        let open: Vec<&Open> = self
            .0
            .get(feature.id.as_str())?
            .iter()
            .filter(|o| o.reported_at >= feature.valid_from)
            .collect();
        if open.is_empty() {
            return None;
        }
        let mut words: Vec<String> = open
            .iter()
            .map(|o| {
                let day = o.reported_at.format("%Y-%m-%d");
                let what = match (o.kind, o.offset_m, &o.direction) {
                    (ReportType::FoundElsewhere, Some(m), Some(d)) => {
                        format!("reported {m:.1} m {d} on {day}")
                    }
                    (ReportType::NotFound, ..) => format!("reported not found on {day}"),
                    (ReportType::Strike, ..) => format!("struck on {day}"),
                    _ => format!("reported on {day}"),
                };
                let orphan = if !o.claimed && now > o.claim_by {
                    ", unclaimed by its owner: an orphan"
                } else {
                    ""
                };
                format!("{what} (FR-{}{orphan})", o.number)
            })
            .collect();
        words.sort();
        Some(format!(
            "Field reports: {}; its position is in doubt until its owner corrects the map: locate it on site before digging.",
            words.join("; ")
        ))
    }
}
