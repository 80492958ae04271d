//! Running a clearance check: the features near the route from the index, judged by
//! `undermap-clearance`, written once as a report, signed and stored under a new number.

use std::collections::HashSet;

use std::sync::Arc;

use chrono::{Datelike, Utc};
use geo::{Coord, Rect};
use undermap_clearance::{ClearanceNumber, ClearanceTable, PlannedRoute, Verdict};
use undermap_core::{Feature, View};
use undermap_crs::Transformer;
use undermap_index::MapIndex;
use undermap_store::NewClearanceReport;

use super::report::{self, ClearanceReport, Counts, PlannedOut};
use super::{Clearance, ClearanceRequest, Issued};
use crate::shared::geometry_out::{cm, to_geojson};
use crate::ServiceError;

/// The features whose boxes come within `radius` of any segment of `line`, each once.
pub(super) fn near<'i>(
    index: &'i MapIndex,
    line: &geo::LineString<f64>,
    radius: f64,
) -> Vec<&'i Feature> {
    let mut seen: HashSet<*const Feature> = HashSet::new();
    let mut out = Vec::new();
    for w in line.0.windows(2) {
        let rect = Rect::new(
            Coord {
                x: w[0].x.min(w[1].x) - radius,
                y: w[0].y.min(w[1].y) - radius,
            },
            Coord {
                x: w[0].x.max(w[1].x) + radius,
                y: w[0].y.max(w[1].y) + radius,
            },
        );
        for f in index.in_envelope(rect) {
            if seen.insert(std::ptr::from_ref(f)) {
                out.push(f);
            }
        }
    }
    out
}

/// Most features a report lists: a route meeting more is checked in parts.
const MAX_LISTED: usize = 5_000;

/// What the judging gives, written for the caller.
struct Judged {
    route: report::SortedGeometry,
    conflicts: Vec<report::ConflictOut>,
    counts: Counts,
    verdict: Verdict,
    failing_spans: Vec<report::FailingSpan>,
}

/// Judges `route` against the features near it in `index` and writes the result for `view` in
/// `crs` (CPU work, off the async workers).
fn judge(
    index: &MapIndex,
    table: &ClearanceTable,
    route: &PlannedRoute,
    view: &View,
    out: &Transformer,
) -> Result<Judged, ServiceError> {
    let radius = undermap_clearance::search_radius_m(route, table);
    let candidates = near(index, route.geometry(), radius);
    let conflicts = undermap_clearance::check(route, table, candidates);
    if conflicts.len() > MAX_LISTED {
        return Err(undermap_clearance::ClearanceError::TooLarge {
            field: "route",
            reason: format!(
                "the route meets {} features; a report lists at most {MAX_LISTED}: check it in parts",
                conflicts.len()
            ),
        }
        .into());
    }
    let count = |v: Verdict| conflicts.iter().filter(|c| c.verdict == v).count();
    Ok(Judged {
        route: report::SortedGeometry(to_geojson(
            &geo::Geometry::LineString(route.geometry().clone()),
            out,
        )?),
        conflicts: conflicts
            .iter()
            .map(|c| report::conflict(c, view, out))
            .collect::<Result<_, _>>()?,
        counts: Counts {
            crossings: conflicts.iter().map(|c| c.crossings.len()).sum(),
            fail: count(Verdict::Fail),
            features: conflicts.len(),
            pass: count(Verdict::Pass),
            unknown: count(Verdict::Unknown),
        },
        verdict: conflicts
            .iter()
            .map(|c| c.verdict)
            .fold(Verdict::Pass, Verdict::worst),
        failing_spans: report::failing_spans(route, &conflicts, out)?,
    })
}

impl Clearance<'_> {
    /// Checks a planned route for `issued_to` and stores the report. Every asset near the route
    /// is judged, whatever the caller may see; what `view` does not see in full is listed with
    /// its distances, verdict and owner only. Nothing is stored if the request is invalid.
    #[tracing::instrument(name = "clearance_check", skip(self, req, view), fields(report))]
    pub async fn check(
        &self,
        req: ClearanceRequest,
        view: &View,
        issued_to: Option<&str>,
    ) -> Result<Issued, ServiceError> {
        let parsed = self.app.parse_clearance(&req)?;
        let config = self.app.config();
        let table = Arc::clone(&config.clearance);
        let index = self.app.index().snapshot();
        let data_as_of = index.as_of();
        let route = parsed.route.clone();
        let (map, crs, seen_by) = (
            config.deployment_crs.clone(),
            parsed.crs.clone(),
            view.clone(),
        );
        let judged = tokio::task::spawn_blocking(move || {
            let out = Transformer::new(&map, &crs)?;
            judge(&index, &table, &route, &seen_by, &out)
        })
        .await
        .map_err(|e| ServiceError::internal("judging a planned route", e))??;
        let table = &config.clearance;
        let route = &parsed.route;
        let now = Utc::now();
        let seq = self.app.store().next_clearance_number(now).await?;
        let number = ClearanceNumber::new(
            u16::try_from(now.year()).unwrap_or(9999),
            u64::try_from(seq).unwrap_or_default(),
        );
        tracing::Span::current().record("report", tracing::field::display(number));
        let line = route.line();
        let mut body = ClearanceReport {
            number: number.to_string(),
            created_at: now,
            issued_to: issued_to.map(str::to_owned),
            reference: parsed.reference.clone(),
            crs: parsed.crs.name().to_owned(),
            route: judged.route,
            planned: PlannedOut {
                planned_type: line.planned_type.as_str().to_owned(),
                diameter_mm: line.diameter_mm,
                section: line.section.clone(),
                pressure_class: line.pressure.map(|p| p.to_string()),
                voltage_kv: line.voltage_kv,
                depth_top_m: parsed.depths.iter().copied().map(cm).collect(),
            },
            length_m: cm(route.length_m()),
            table: report::TableOut {
                title: table.title.clone(),
                version: table.version.clone(),
            },
            data_as_of,
            verdict: judged.verdict.as_str().to_owned(),
            counts: judged.counts,
            failing_spans: judged.failing_spans,
            conflicts: judged.conflicts,
            signature: None,
        };
        let features = body.counts.features;
        let verdict = judged.verdict;
        // Its fields are declared in sorted order: these bytes are its canonical JSON.
        let canonical = serde_json::to_vec(&body)
            .map_err(|e| ServiceError::internal("writing a clearance report", e))?;
        body.signature = Some(config.ticket_signer.sign_canonical(&canonical));
        let text = serde_json::to_string(&body)
            .map_err(|e| ServiceError::internal("writing a clearance report", e))?;
        self.app
            .store()
            .save_clearance_report(&NewClearanceReport {
                number: body.number.clone(),
                seq,
                created_at: now,
                issued_to: body.issued_to.clone(),
                reference: body.reference.clone(),
                verdict: body.verdict.clone(),
                body: text.clone(),
            })
            .await?;
        tracing::info!(report = %number, features, verdict = %verdict, "clearance report issued");
        Ok(Issued {
            number,
            verdict,
            features,
            body: text,
        })
    }
}
