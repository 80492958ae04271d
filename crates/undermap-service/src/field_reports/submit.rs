//! Filing a report (every value checked against the map and the ticket it relates to) and an
//! owner's claim of it.

use chrono::Utc;
use geo::{Closest, ClosestPoint, Distance, Euclidean, Geometry, Point};
use serde::Deserialize;
use undermap_core::answers::end_of_working_days;
use undermap_core::field_report::direction;
use undermap_core::{ReportType, StrikeCause, TicketId};
use undermap_crs::Transformer;
use undermap_store::{AnswerFile, NewFieldReport, ReportClaim};

use super::{parse_number, FieldReport, FieldReports};
use crate::excavation::CheckResponse;
use crate::shared::input::request_crs;
use crate::{Asker, ServiceError};

/// An asset found closer than this to where the map has it is where the map says.
const FOUND_ELSEWHERE_MIN_M: f64 = 1.0;
/// Longest text accepted in a report.
const MAX_TEXT_CHARS: usize = 2000;

/// A field report as a crew sends it (`POST /v1/field-reports`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    /// `found_elsewhere`, `not_found`, `unknown_asset` or `strike`.
    #[serde(rename = "type")]
    pub report_type: String,
    /// The ticket the work was done on (required for `found_elsewhere` and `not_found`).
    #[serde(default)]
    pub ticket: Option<String>,
    /// The asset (required for `found_elsewhere` and `not_found`).
    #[serde(default)]
    pub feature_id: Option<String>,
    /// The measured position, in `crs` axis order (required but for `not_found`).
    #[serde(default)]
    pub position: Option<[f64; 2]>,
    /// CRS of `position`; default `OGC:CRS84` (a phone's GPS).
    #[serde(default)]
    pub crs: Option<String>,
    /// The network an unknown asset belongs to (`water`, `gas` …).
    #[serde(default)]
    pub layer: Option<String>,
    /// What a strike damaged (required for `strike`).
    #[serde(default)]
    pub damage: Option<String>,
    /// Why a strike happened (required for `strike`): `no_ticket`, `mismarked`,
    /// `records_wrong`, `excavation_practice`, `other`.
    #[serde(default)]
    pub cause: Option<String>,
    /// The crew's words.
    #[serde(default)]
    pub note: Option<String>,
}

/// An owner's claim (`POST /v1/field-reports/{id}/claim`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimInput {
    /// The owner claiming (registry id); may be left out when the report's asset names it.
    #[serde(default)]
    pub owner: Option<String>,
    /// What the owner will do.
    #[serde(default)]
    pub note: Option<String>,
}

fn text(field: &str, value: Option<&String>) -> Result<Option<String>, ServiceError> {
    let Some(v) = value.map(|v| v.trim()).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if v.chars().count() > MAX_TEXT_CHARS {
        return Err(ServiceError::unprocessable(
            field,
            format!("at most {MAX_TEXT_CHARS} characters"),
        ));
    }
    undermap_core::text::plain(field, v)?;
    Ok(Some(v.to_owned()))
}

fn required<T>(field: &str, value: Option<T>, what: &str) -> Result<T, ServiceError> {
    value.ok_or_else(|| ServiceError::unprocessable(field, format!("a report of {what}")))
}

impl FieldReports<'_> {
    /// The position given, in the deployment CRS.
    fn position(&self, input: &ReportInput) -> Result<Option<Point<f64>>, ServiceError> {
        let Some([a, b]) = input.position else {
            return Ok(None);
        };
        if !(a.is_finite() && b.is_finite()) {
            return Err(ServiceError::unprocessable(
                "position",
                "give two finite numbers",
            ));
        }
        let crs = request_crs(input.crs.as_deref())?;
        let native = &self.app.config().deployment_crs;
        match Transformer::new(&crs, native)?.geometry_checked(&Point::new(a, b).into())? {
            Geometry::Point(p) => Ok(Some(p)),
            _ => Err(ServiceError::unprocessable("position", "not a point")),
        }
    }

    /// The ticket a report relates to, if the reporter may report on it, and its area.
    async fn ticket(
        &self,
        id: &str,
        asker: Asker<'_>,
    ) -> Result<(TicketId, CheckResponse, Geometry<f64>), ServiceError> {
        let bad = || ServiceError::unprocessable("ticket", format!("{id:?} is no ticket of yours"));
        let ticket: TicketId = id.parse().map_err(|_| bad())?;
        let body = self.app.store().ticket(&ticket).await?.ok_or_else(bad)?;
        let parsed: CheckResponse = serde_json::from_str(&body)
            .map_err(|e| ServiceError::internal("reading a stored ticket", e))?;
        if !asker.all && parsed.issued_to.as_deref() != Some(asker.account) {
            return Err(bad());
        }
        let crs = request_crs(Some(&parsed.crs))?;
        let area: Geometry<f64> = geojson::Geometry::from_json_value(parsed.area.clone())
            .ok()
            .and_then(|g| g.try_into().ok())
            .ok_or_else(|| {
                ServiceError::internal("reading a stored ticket's area", "not GeoJSON")
            })?;
        let area = Transformer::new(&crs, &self.app.config().deployment_crs)?.geometry(&area)?;
        Ok((ticket, parsed, area))
    }

    /// Files a report for `asker`; nothing is stored if any part of it is refused.
    pub async fn submit(
        &self,
        input: ReportInput,
        photos: Vec<AnswerFile>,
        asker: Asker<'_>,
    ) -> Result<FieldReport, ServiceError> {
        let report_type: ReportType = input.report_type.trim().parse()?;
        let position = self.position(&input)?;
        let note = text("note", input.note.as_ref())?;
        let index = self.app.index().snapshot();
        let feature =
            match &input.feature_id {
                Some(id) => Some(id.parse().ok().and_then(|fid| index.get(&fid)).ok_or_else(
                    || {
                        ServiceError::unprocessable(
                            "feature_id",
                            format!("{id:?} is no asset on the map now"),
                        )
                    },
                )?),
                None => None,
            };
        let ticket = match &input.ticket {
            Some(t) => Some(self.ticket(t, asker).await?),
            None => None,
        };
        let rules = self.app.config().ticket_rules;
        // A report on a ticket is made where the work is.
        if let (Some((id, _, area)), Some(p)) = (&ticket, position) {
            let off = Euclidean::distance(&Geometry::Point(p), area);
            if off > rules.report_max_distance_m {
                return Err(ServiceError::unprocessable(
                    "position",
                    format!(
                        "{off:.0} m from the area of ticket {id}; a report on it is made within {} m of its area",
                        rules.report_max_distance_m
                    ),
                ));
            }
        }
        let (mut offset_m, mut heading) = (None, None);
        let (mut damage, mut cause, mut had_ticket) = (None, None, None);
        match report_type {
            ReportType::FoundElsewhere => {
                let f = required("feature_id", feature, "an asset found elsewhere names it")?;
                required(
                    "ticket",
                    ticket.as_ref(),
                    "an asset found elsewhere names its ticket",
                )?;
                let p = required("position", position, "an asset found elsewhere gives where")?;
                let nearest = match f.geometry.closest_point(&p) {
                    Closest::Intersection(q) | Closest::SinglePoint(q) => q,
                    Closest::Indeterminate => p,
                };
                let off = Euclidean::distance(nearest, p);
                if off <= FOUND_ELSEWHERE_MIN_M {
                    return Err(ServiceError::unprocessable(
                        "position",
                        format!(
                            "{off:.2} m from where the map has {}: within {FOUND_ELSEWHERE_MIN_M} m the map is right",
                            f.id
                        ),
                    ));
                }
                offset_m = Some((off * 100.0).round() / 100.0);
                heading = Some(direction(p.x() - nearest.x(), p.y() - nearest.y()).to_owned());
            }
            ReportType::NotFound => {
                required("feature_id", feature, "an asset not found names it")?;
                required(
                    "ticket",
                    ticket.as_ref(),
                    "an asset not found names its ticket",
                )?;
            }
            ReportType::UnknownAsset => {
                required("position", position, "an unknown asset gives where")?;
            }
            ReportType::Strike => {
                required("position", position, "a strike gives where")?;
                damage = Some(required(
                    "damage",
                    text("damage", input.damage.as_ref())?,
                    "a strike says what was damaged",
                )?);
                let c: StrikeCause =
                    required("cause", input.cause.as_deref(), "a strike gives its cause")?
                        .trim()
                        .parse()?;
                cause = Some(c.as_str().to_owned());
                let today = self.app.config().local_date(Utc::now());
                had_ticket = Some(ticket.as_ref().is_some_and(|(_, t, _)| {
                    t.ticket_type != Some(undermap_core::TicketType::Orientation)
                        && t.valid_until.is_none_or(|d| today <= d)
                }));
            }
        }
        let layer = match (&feature, &input.layer) {
            (Some(f), _) => Some(f.layer.to_string()),
            (None, Some(l)) => Some(
                self.app
                    .known_layers(std::slice::from_ref(l))?
                    .into_iter()
                    .next()
                    .map(|l| l.to_string())
                    .unwrap_or_default(),
            ),
            (None, None) => None,
        };
        let now = Utc::now();
        let config = self.app.config();
        let due = |days| {
            end_of_working_days(now, days, &config.calendar, config.archive.utc_offset_hours)
        };
        let report = NewFieldReport {
            report_type: report_type.as_str().to_owned(),
            ticket_id: ticket.as_ref().map(|(id, _, _)| id.to_string()),
            feature_id: feature.map(|f| f.id.to_string()),
            layer,
            owner: feature
                .and_then(|f| f.attrs.owner.as_ref())
                .map(|o| o.name.clone()),
            position: position.map(|p| (p.x(), p.y())),
            offset_m,
            direction: heading,
            damage,
            cause,
            had_ticket,
            note,
            photos,
            reported_by: Some(asker.account.to_owned()),
            reported_at: now,
            claim_by: due(rules.report_claim_working_days),
            correct_by: due(rules.report_correct_working_days),
        };
        let id = self.app.store().add_report(&report).await?;
        tracing::info!(report = id, kind = %report_type, feature = ?report.feature_id, "field report filed");
        self.app
            .subscriptions()
            .publish(undermap_store::NewFeedEvent {
                kind: "field_report".into(),
                layer: report.layer.clone(),
                category: Some(report.report_type.clone()),
                unit: None,
                access: None,
                extent: report.position.map(|(x, y)| [x, y, x, y]),
                title: format!(
                    "{} {}",
                    report.report_type,
                    report.feature_id.as_deref().unwrap_or("")
                ),
                summary: format!(
                    "field report {id}: {}",
                    report.note.as_deref().unwrap_or(&report.report_type)
                ),
                link: format!("/v1/field-reports/{id}"),
                at: report.reported_at,
            })
            .await;
        if let Err(e) = self.refresh().await {
            tracing::warn!(error = %e, "open field reports not re-read; checks see the report after the next reload");
        }
        self.get(&id.to_string()).await
    }

    /// An owner's claim of a report on its asset (or, for an unknown asset, one it says is its).
    pub async fn claim(
        &self,
        number: &str,
        input: ClaimInput,
        asker: Asker<'_>,
    ) -> Result<FieldReport, ServiceError> {
        let report = self.get(number).await?;
        let registry = self.app.owner_registry().get();
        let of_asset = report
            .row
            .report
            .owner
            .as_deref()
            .and_then(|n| registry.by_name(n));
        let owner = match (&input.owner, of_asset) {
            (Some(given), Some(o)) if *given != o.id => {
                return Err(ServiceError::unprocessable(
                    "owner",
                    format!("the report's asset is {}'s, not {given}'s", o.id),
                ))
            }
            (_, Some(o)) => o.clone(),
            (Some(given), None) => registry.by_id(given).cloned().ok_or_else(|| {
                ServiceError::unprocessable("owner", format!("{given:?} is no registered owner"))
            })?,
            (None, None) => {
                return Err(ServiceError::unprocessable(
                    "owner",
                    "the report names no registered owner: say which owner claims it",
                ))
            }
        };
        if !asker.all && !owner.accounts.iter().any(|a| a == asker.account) {
            return Err(ServiceError::Forbidden(format!(
                "account {} does not answer for owner {}",
                asker.account, owner.id
            )));
        }
        let claim = ReportClaim {
            owner_id: owner.id.clone(),
            by: Some(asker.account.to_owned()),
            at: Utc::now(),
            note: text("note", input.note.as_ref())?,
        };
        self.app
            .store()
            .claim_report(parse_number(number)?, &claim)
            .await?;
        if let Err(e) = self.refresh().await {
            tracing::warn!(error = %e, "open field reports not re-read");
        }
        self.get(number).await
    }
}

impl FieldReports<'_> {
    /// A report's photo, to its reporter, the accounts of the owner of its asset, and roles
    /// that read every report.
    pub async fn photo(
        &self,
        number: &str,
        sha256: &str,
        asker: Asker<'_>,
    ) -> Result<(AnswerFile, undermap_store::FileBytes), ServiceError> {
        let report = self.get(number).await?;
        let registry = self.app.owner_registry().get();
        let owner_account = report
            .row
            .report
            .owner
            .as_deref()
            .and_then(|n| registry.by_name(n))
            .is_some_and(|o| o.accounts.iter().any(|a| a == asker.account));
        let may = asker.all
            || owner_account
            || report.row.report.reported_by.as_deref() == Some(asker.account);
        let photo = report
            .row
            .report
            .photos
            .iter()
            .find(|p| p.sha256 == sha256)
            .filter(|_| may)
            .cloned()
            .ok_or_else(|| ServiceError::NotFound {
                what: format!("photo {sha256:.16} of {number:.20}"),
            })?;
        let bytes = self.app.attachment_bytes(&photo).await?;
        Ok((photo, bytes))
    }
}
