//! The excavation check: "what lies under this polygon", answered from the index and kept as an
//! immutable, numbered ticket.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use geo::Geometry;
use serde::{Deserialize, Serialize};
use undermap_core::geometry::polygonal_from_geojson;
use undermap_core::{Depth, ExcavationArea, LayerId, Relation, Risk, TicketId, View};
use undermap_crs::{Crs, Transformer};
use undermap_index::{CheckQuery, Match};
use undermap_store::NewTicket;

use crate::geometry_out::cm;
use crate::ticket_text::{HitOut, RESTRICTED_REASON};
use crate::{Service, ServiceError, TicketSignature};

/// Longest contractor reference accepted.
const MAX_REFERENCE_CHARS: usize = 200;

/// An excavation check as a client sends it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    /// GeoJSON Polygon or MultiPolygon.
    pub area: serde_json::Value,
    /// CRS of `area` and of the answer's geometries; default `OGC:CRS84`.
    #[serde(default)]
    pub crs: Option<String>,
    /// Planned maximum dig depth in metres.
    #[serde(default)]
    pub depth_m: Option<f64>,
    /// Tolerance zone around the area in metres.
    #[serde(default)]
    pub buffer_m: Option<f64>,
    /// Only these layers.
    #[serde(default)]
    pub layers: Option<Vec<String>>,
    /// The contractor's job or permit number.
    #[serde(default)]
    pub reference: Option<String>,
    /// Answer from the map as it stood then (a date or an RFC 3339 time), e.g. to see what a
    /// contractor would have been told before a delivery changed the map.
    #[serde(default)]
    pub at: Option<String>,
}

/// One feature found by a check.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Hit {
    /// Stable feature id.
    pub feature_id: String,
    /// Layer.
    pub layer: String,
    /// Kind.
    pub kind: String,
    /// Service status.
    pub status: String,
    /// Owner organisation.
    pub owner: Option<String>,
    /// Owner contact.
    pub contact: Option<String>,
    /// Material.
    pub material: Option<String>,
    /// Diameter, mm.
    pub diameter_mm: Option<f64>,
    /// Duct section B×H, mm.
    pub section: Option<String>,
    /// Gas pressure class.
    pub pressure_class: Option<String>,
    /// Power voltage, kV.
    pub voltage_kv: Option<f64>,
    /// Depth of top, m.
    pub depth_top_m: Option<f64>,
    /// Depth of bottom, m.
    pub depth_bottom_m: Option<f64>,
    /// How the depth was obtained.
    pub depth_method: Option<String>,
    /// Horizontal accuracy of the position, m (null = unknown).
    pub accuracy_m: Option<f64>,
    /// Vertical accuracy of the depth, m (null = unknown).
    pub vertical_accuracy_m: Option<f64>,
    /// When the position was surveyed.
    pub survey_date: Option<NaiveDate>,
    /// The archive record the position comes from.
    pub archive_ref: Option<String>,
    /// Distance to the area, m (0 = crosses it).
    pub distance_m: f64,
    /// Tolerance that applied, m.
    pub tolerance_m: f64,
    /// `inside` or `within_tolerance`.
    pub relation: Relation,
    /// `high`, `medium`, `low` or `unknown`.
    pub risk: Risk,
    /// Why, in one sentence.
    pub reason: String,
    /// The feature's geometry in the request CRS; `null` for a restricted asset.
    pub geometry: Option<geojson::Geometry>,
    /// A restricted asset the caller may not see in detail: only that it is there, how close,
    /// and whom to call. Its id, attributes and geometry are withheld.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub restricted: bool,
}

/// Counts of a check's hits.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    // Declared in sorted order: a ticket's canonical JSON writes them as declared.
    /// Hits per layer.
    pub by_layer: BTreeMap<String, usize>,
    /// Hits per risk; every risk is listed, with 0 where none.
    pub by_risk: BTreeMap<String, usize>,
    /// All hits.
    pub total: usize,
}

/// An owner to call, once, with how many of its assets are involved.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OwnerSummary {
    // Declared in sorted order: a ticket's canonical JSON writes them as declared.
    /// Assets of this owner among the hits.
    pub assets: usize,
    /// Contact.
    pub contact: Option<String>,
    /// The highest risk among them.
    pub highest_risk: Risk,
    /// Organisation, or `unknown owner`.
    pub name: String,
}

/// The answer to an excavation check, stored verbatim as its ticket.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CheckResponse {
    /// Ticket number.
    pub id: String,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
    /// The last day it may be relied on: the configured number of working days (Monday to
    /// Friday, default 20) after the day it was issued (UTC). Absent on tickets issued before
    /// tickets had a validity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<NaiveDate>,
    /// The account it was issued to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_to: Option<String>,
    /// The contractor's reference.
    pub reference: Option<String>,
    /// CRS of `area` and every geometry in this answer.
    pub crs: String,
    /// The area as given.
    pub area: serde_json::Value,
    /// Its size, m².
    pub area_m2: f64,
    /// Tolerance zone used, m.
    pub buffer_m: f64,
    /// Dig depth given, m.
    pub depth_m: Option<f64>,
    /// Layers searched.
    pub layers: Vec<String>,
    /// When the data answered from was read from the store.
    pub data_as_of: DateTime<Utc>,
    /// The past moment asked for with `at`: the answer is the map as it stood then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<Utc>>,
    /// True when the server knows its data may be behind the store (a reload failed or it lost
    /// touch with other processes' deliveries): check with the owners before relying on it.
    pub stale: bool,
    /// Counts.
    pub summary: Summary,
    /// Every feature found, most severe first.
    pub hits: Vec<Hit>,
    /// Owners to call.
    pub owners: Vec<OwnerSummary>,
    /// The server's Ed25519 signature over the ticket's canonical JSON (docs/tickets.md).
    /// Absent on tickets issued before tickets were signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<TicketSignature>,
}

/// What checking a ticket's signature found (`GET /v1/excavation-checks/{id}/verify`).
#[derive(Debug, Clone, Serialize)]
pub struct TicketCheck {
    /// Ticket number.
    pub id: String,
    /// Whether the stored ticket is signed by this server's key and unchanged since, and (when
    /// a signature was given, as from a printout's QR code) the signature is the ticket's.
    pub valid: bool,
    /// Why not, when it is not.
    pub reason: Option<String>,
    /// The key that signed it.
    pub key_id: Option<String>,
    /// When it was issued (only for a valid ticket).
    pub created_at: Option<DateTime<Utc>>,
    /// Its last valid day (only for a valid ticket).
    pub valid_until: Option<NaiveDate>,
    /// Whether that day has passed.
    pub expired: Option<bool>,
    /// The contractor's reference (only for a valid ticket).
    pub reference: Option<String>,
    /// Hits and the highest risk (only for a valid ticket).
    pub hits: Option<usize>,
    /// The highest risk among them.
    pub highest_risk: Option<String>,
    /// When its data was read from the store.
    pub data_as_of: Option<DateTime<Utc>>,
}

/// `from` plus `days` working days (Monday to Friday).
#[must_use]
pub fn add_working_days(from: NaiveDate, days: u32) -> NaiveDate {
    use chrono::Datelike;
    let mut d = from;
    let mut left = days;
    while left > 0 {
        let Some(next) = d.succ_opt() else { break };
        d = next;
        if d.weekday().num_days_from_monday() < 5 {
            left -= 1;
        }
    }
    d
}

/// A stored ticket: its number and its exact body.
#[derive(Debug, Clone)]
pub struct Ticket {
    /// Number.
    pub id: TicketId,
    /// The JSON body, byte for byte as stored.
    pub body: String,
    /// How many hits it reports (known when it was just issued).
    pub hits: Option<usize>,
}

/// A request after parsing: every value checked, the area in the deployment CRS.
struct ParsedCheck {
    crs: Crs,
    area: ExcavationArea,
    buffer_m: f64,
    depth_m: Option<f64>,
    layers: Option<HashSet<LayerId>>,
    reference: Option<String>,
}

impl Service {
    fn parse_check(&self, req: &CheckRequest) -> Result<ParsedCheck, ServiceError> {
        let config = self.config();
        let crs = match req.crs.as_deref() {
            None => Crs::crs84(),
            Some(text) => Crs::parse(text)?,
        };
        let geometry = geojson::Geometry::from_json_value(req.area.clone()).map_err(|e| {
            ServiceError::unprocessable("area", format!("not a GeoJSON geometry: {e}"))
        })?;
        let polygons = polygonal_from_geojson(&geometry, config.limits.max_vertices)?;
        let to_metric = Transformer::new(&crs, &config.deployment_crs)?;
        let metric = match to_metric.geometry_checked(&Geometry::MultiPolygon(polygons))? {
            Geometry::MultiPolygon(mp) => mp,
            other => {
                return Err(ServiceError::unprocessable(
                    "area",
                    format!(
                        "reprojection produced a {}",
                        undermap_core::geometry::geometry_kind_name(&other)
                    ),
                ))
            }
        };
        let area = ExcavationArea::new(metric, &config.limits)?;
        let buffer_m = req.buffer_m.unwrap_or(config.default_buffer_m);
        if !(buffer_m.is_finite() && (0.0..=config.max_buffer_m).contains(&buffer_m)) {
            return Err(ServiceError::unprocessable(
                "buffer_m",
                format!("{buffer_m} m is outside 0 to {} m", config.max_buffer_m),
            ));
        }
        let depth_m = req
            .depth_m
            .map(|d| {
                Depth::new(d)
                    .ok()
                    .filter(|d| d.metres() > 0.0)
                    .map(f64::from)
                    .ok_or_else(|| {
                        ServiceError::unprocessable(
                            "depth_m",
                            format!(
                                "{d} m is not a dig depth; give more than 0 and at most {} m",
                                Depth::MAX_M
                            ),
                        )
                    })
            })
            .transpose()?;
        let layers = req
            .layers
            .as_ref()
            .map(|names| self.known_layers(names))
            .transpose()?;
        let reference = req
            .reference
            .as_ref()
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty());
        if let Some(r) = &reference {
            undermap_core::text::plain("reference", r)?;
        }
        if reference
            .as_ref()
            .is_some_and(|r| r.chars().count() > MAX_REFERENCE_CHARS)
        {
            return Err(ServiceError::unprocessable(
                "reference",
                format!("at most {MAX_REFERENCE_CHARS} characters"),
            ));
        }
        Ok(ParsedCheck {
            crs,
            area,
            buffer_m,
            depth_m,
            layers,
            reference,
        })
    }

    /// Parses layer names, refusing any that is not in the registry.
    pub(crate) fn known_layers(&self, names: &[String]) -> Result<HashSet<LayerId>, ServiceError> {
        let index = self.index().snapshot();
        names
            .iter()
            .map(|name| {
                let id: LayerId = name.parse().map_err(|e: undermap_core::CoreError| {
                    ServiceError::unprocessable("layers", e.to_string())
                })?;
                if index.layer(&id).is_none() {
                    let known: Vec<String> = index
                        .layer_stats()
                        .iter()
                        .map(|s| s.info.id.to_string())
                        .collect();
                    return Err(ServiceError::unprocessable(
                        "layers",
                        format!("unknown layer {name:?}; known layers: {}", known.join(", ")),
                    ));
                }
                Ok(id)
            })
            .collect()
    }

    /// Runs an excavation check for `issued_to` and stores its answer as a new ticket. Nothing
    /// is stored if any part of the request is invalid. Every asset in the area is reported,
    /// whatever the caller may see: what `view` does not see in full (another layer, a higher
    /// sensitivity) appears as a restricted hit with its owner to call.
    #[tracing::instrument(skip(self, req, view), fields(ticket))]
    pub async fn check_excavation(
        &self,
        req: CheckRequest,
        view: &View,
        issued_to: Option<&str>,
    ) -> Result<Ticket, ServiceError> {
        let parsed = self.parse_check(&req)?;
        let at = req.at.as_deref().map(crate::parse_at).transpose()?;
        let index = self.index_at(at).await?;
        let config = self.config();
        let query = CheckQuery {
            area: &parsed.area,
            buffer_m: parsed.buffer_m,
            layers: parsed.layers.clone(),
            dig_depth_m: parsed.depth_m,
            policy: config.policy,
            unknown_accuracy_m: config.unknown_accuracy_m,
        };
        let matches = index.check(&query);
        let out = Transformer::new(&config.deployment_crs, &parsed.crs)?;
        let scale = crate::geometry_out::scale(out.target().is_geographic());
        let hits = matches
            .iter()
            .map(|m| hit(m, &out, view, scale))
            .collect::<Result<Vec<_>, _>>()?;

        // The server's clock: one database round trip less per check.
        let now = chrono::Utc::now();
        let id = self.store().next_ticket_id(now).await?;
        tracing::Span::current().record("ticket", tracing::field::display(id));
        // The layers searched: thematic ones (incidents, resources, streets) never are.
        let searched = |id: &LayerId| {
            index
                .layer(id)
                .is_some_and(|i| i.category != undermap_core::LayerCategory::Thematic)
        };
        let mut layers: Vec<String> = match &parsed.layers {
            Some(set) => set
                .iter()
                .filter(|id| searched(id))
                .map(ToString::to_string)
                .collect(),
            None => index
                .layer_stats()
                .iter()
                .filter(|s| searched(&s.info.id))
                .map(|s| s.info.id.to_string())
                .collect(),
        };
        layers.sort();
        let number = id.to_string();
        let issued_to = issued_to.map(str::to_owned);
        // Written once, in canonical form, and signed over those bytes; the text stored and
        // returned is the same bytes with the signature in its place (ticket_text.rs).
        let written = crate::ticket_text::Answer {
            id: &number,
            created_at: now,
            valid_until: Some(add_working_days(
                now.date_naive(),
                config.ticket_validity_working_days,
            )),
            issued_to: issued_to.as_deref(),
            reference: parsed.reference.as_deref(),
            crs: parsed.crs.name(),
            area: &req.area,
            area_m2: cm(parsed.area.area_m2()),
            buffer_m: parsed.buffer_m,
            depth_m: parsed.depth_m,
            layers: &layers,
            data_as_of: index.as_of(),
            at,
            stale: at.is_none() && self.is_behind(),
            hits: &hits,
        }
        .write();
        let signature = config.ticket_signer.sign_canonical(written.canonical());
        let body = written.signed(&signature)?;
        self.store()
            .save_ticket(NewTicket {
                id,
                created_at: now,
                reference: parsed.reference,
                issued_to,
                area: parsed.area.geometry().clone(),
                body: body.clone(),
            })
            .await?;
        tracing::info!(ticket = %id, hits = hits.len(), "excavation check issued");
        Ok(Ticket {
            id,
            body,
            hits: Some(hits.len()),
        })
    }

    /// A stored ticket's exact body, for its holder (`viewer`), or for anyone when `viewer` is
    /// `None` (roles that may read every ticket). Someone else's ticket is not found.
    pub async fn ticket(&self, id: &str, viewer: Option<&str>) -> Result<Ticket, ServiceError> {
        let not_found = || ServiceError::NotFound {
            what: format!(
                "excavation check {:?}",
                id.chars().take(40).collect::<String>()
            ),
        };
        let id: TicketId = id.parse().map_err(|_| not_found())?;
        let body = self.store().ticket(&id).await?.ok_or_else(not_found)?;
        if let Some(viewer) = viewer {
            #[derive(Deserialize)]
            struct Holder {
                issued_to: Option<String>,
            }
            let holder: Holder = serde_json::from_str(&body)
                .map_err(|e| ServiceError::internal("reading a stored ticket", e))?;
            if holder.issued_to.as_deref() != Some(viewer) {
                return Err(not_found());
            }
        }
        Ok(Ticket {
            id,
            body,
            hits: None,
        })
    }
}

/// One of an account's tickets, as its list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct TicketSummary {
    /// Ticket number.
    pub id: String,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
    /// Its last valid day.
    pub valid_until: Option<NaiveDate>,
    /// The contractor's reference.
    pub reference: Option<String>,
    /// The area's size, m².
    pub area_m2: f64,
    /// How many hits.
    pub hits: usize,
    /// The highest risk among them (`null` when none).
    pub highest_risk: Option<String>,
}

impl Service {
    /// The tickets issued to `account`, newest first, at most `limit` (1 to 500).
    pub async fn tickets_of(
        &self,
        account: &str,
        limit: usize,
    ) -> Result<Vec<TicketSummary>, ServiceError> {
        if !(1..=500).contains(&limit) {
            return Err(ServiceError::unprocessable(
                "limit",
                format!("{limit} is outside 1 to 500"),
            ));
        }
        self.store()
            .tickets_issued_to(account, limit)
            .await?
            .iter()
            .map(|body| {
                let t: CheckResponse = serde_json::from_str(body)
                    .map_err(|e| ServiceError::internal("reading a stored ticket", e))?;
                Ok(TicketSummary {
                    highest_risk: t.hits.first().map(|h| h.risk.to_string()),
                    hits: t.hits.len(),
                    id: t.id,
                    created_at: t.created_at,
                    valid_until: t.valid_until,
                    reference: t.reference,
                    area_m2: t.area_m2,
                })
            })
            .collect()
    }

    /// A stored ticket, parsed (for the printable view), for its holder as [`Self::ticket`].
    pub async fn ticket_json(
        &self,
        id: &str,
        viewer: Option<&str>,
    ) -> Result<(TicketId, serde_json::Value), ServiceError> {
        let ticket = self.ticket(id, viewer).await?;
        let value: serde_json::Value = serde_json::from_str(&ticket.body)
            .map_err(|e| ServiceError::internal("reading a stored ticket", e))?;
        // A page drawn from a ticket missing its parts would show blanks as if nothing were there.
        CheckResponse::deserialize(&value)
            .map_err(|e| ServiceError::internal("reading a stored ticket", e))?;
        Ok((ticket.id, value))
    }

    /// Checks a stored ticket's signature against this server's key and, when `given` (the
    /// signature printed in a ticket's QR code), that it is the ticket's own. Reveals the
    /// ticket's dates, reference and counts only when it is valid.
    pub async fn verify_ticket(
        &self,
        id: &str,
        given: Option<&str>,
    ) -> Result<TicketCheck, ServiceError> {
        let ticket = self.ticket(id, None).await?;
        let verifier = self.config().ticket_signer.verifier();
        let outcome = verifier
            .verify(&ticket.body)
            .and_then(|signature| match given {
                Some(g) if g.trim() != signature.value => Err(crate::SignatureError::Mismatch),
                _ => Ok(signature),
            });
        let mut check = TicketCheck {
            id: ticket.id.to_string(),
            valid: outcome.is_ok(),
            reason: outcome.as_ref().err().map(ToString::to_string),
            key_id: outcome.as_ref().ok().map(|s| s.key_id.clone()),
            created_at: None,
            valid_until: None,
            expired: None,
            reference: None,
            hits: None,
            highest_risk: None,
            data_as_of: None,
        };
        if check.valid {
            let t: CheckResponse = serde_json::from_str(&ticket.body)
                .map_err(|e| ServiceError::internal("reading a stored ticket", e))?;
            check.created_at = Some(t.created_at);
            check.valid_until = t.valid_until;
            check.expired = t.valid_until.map(|d| d < Utc::now().date_naive());
            check.reference = t.reference;
            check.hits = Some(t.hits.len());
            check.highest_risk = t.hits.first().map(|h| h.risk.to_string());
            check.data_as_of = Some(t.data_as_of);
        }
        tracing::info!(ticket = %check.id, valid = check.valid, "ticket verified");
        Ok(check)
    }
}

/// A match as the ticket writes it: in full when `view` sees the feature (with the fields it
/// hides left out), else as a restricted hit, "present, contact the owner" (as the UK's NUAR
/// shows sensitive assets): layer, kind, owner, how close and how risky, nothing that locates
/// or describes the asset further.
fn hit<'a>(
    m: &'a Match<'a>,
    out: &Transformer,
    view: &View,
    scale: f64,
) -> Result<HitOut<'a>, ServiceError> {
    let seen = view.sees(m.feature).then(|| view.redact(m.feature));
    let geometry = match &seen {
        Some(f) => Some(out.geometry(&f.geometry)?),
        None => None,
    };
    Ok(HitOut {
        reason: if seen.is_some() {
            &m.assessment.reason
        } else {
            RESTRICTED_REASON
        },
        seen,
        feature: m.feature,
        geometry,
        distance_m: cm(m.distance_m),
        tolerance_m: cm(m.tolerance_m),
        relation: m.relation,
        risk: m.assessment.risk,
        scale,
    })
}
