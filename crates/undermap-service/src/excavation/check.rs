//! The check itself: the area against the index, the hits rated, the answer written once,
//! signed and stored as a new ticket.

use undermap_core::{LayerId, View};
use undermap_crs::Transformer;
use undermap_index::CheckQuery;
use undermap_store::NewTicket;

use super::hits::hit;
use super::Excavation;
use super::{CheckRequest, Ticket};
use crate::shared::geometry_out::cm;
use crate::ServiceError;

impl Excavation<'_> {
    /// Runs an excavation check for `issued_to` and stores its answer as a new ticket. Nothing
    /// is stored if any part of the request is invalid. Every asset in the area is reported,
    /// whatever the caller may see: what `view` does not see in full (another layer, a higher
    /// sensitivity) appears as a restricted hit with its owner to call.
    #[tracing::instrument(name = "check_excavation", skip(self, req, view), fields(ticket))]
    pub async fn check(
        &self,
        req: CheckRequest,
        view: &View,
        issued_to: Option<&str>,
    ) -> Result<Ticket, ServiceError> {
        // The server's clock: one database round trip less per check. Days are counted on the
        // deployment's local calendar.
        let now = chrono::Utc::now();
        let parsed = self.parse_check(&req, self.app.config().local_date(now))?;
        let at = req.at.as_deref().map(crate::parse_at).transpose()?;
        let index = self.app.index_at(at).await?;
        let config = self.app.config();
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
        let scale = crate::shared::geometry_out::scale(out.target().is_geographic());
        // Open field reports lower an asset's quality: its reason says so (for those the
        // caller sees; a restricted hit says only "call the owner").
        let reports = self.app.open_reports();
        let reported: Vec<Option<String>> = if reports.is_empty() {
            Vec::new()
        } else {
            matches
                .iter()
                .map(|m| {
                    reports
                        .note_for(m.feature, now)
                        .map(|n| format!("{} {n}", m.assessment.reason))
                })
                .collect()
        };
        let hits = matches
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let mut h = hit(m, &out, view, scale)?;
                if let (Some(Some(reason)), true) = (reported.get(i), h.seen.is_some()) {
                    h.reason = reason;
                }
                Ok(h)
            })
            .collect::<Result<Vec<_>, ServiceError>>()?;
        // The archive's projects inform; they never stop a check (a site copy made before the
        // archive had them, an archive table that cannot be read): the ticket then lists none.
        let projects = match self
            .app
            .archive()
            .touching(parsed.area.geometry(), parsed.buffer_m, at)
            .await
        {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "archive projects not listed on the ticket");
                Vec::new()
            }
        };

        let id = self.app.store().next_ticket_id(now).await?;
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
        // The registered owners whose assets are hit: asked to answer by the deadline, their
        // notifications stored with the ticket and sent after its commit.
        let registry = self.app.owner_registry().get();
        let answer_by = undermap_core::answers::answer_by(
            parsed.ticket_type,
            now,
            &config.ticket_rules,
            &config.calendar,
            config.archive.utc_offset_hours,
        );
        let asked = super::asked::asked_owners(&hits, &registry, answer_by);
        let justify_by = (parsed.ticket_type == undermap_core::TicketType::Emergency).then(|| {
            undermap_core::answers::end_of_working_days(
                now,
                config.ticket_rules.emergency_justify_working_days,
                &config.calendar,
                config.archive.utc_offset_hours,
            )
        });
        let notify = asked.iter().any(|o| o.webhook_url.is_some());
        let emergency = justify_by.map(|by| super::asked::emergency_facts(&hits, &registry, by));
        let precautions = super::precautions::touching(&index, &parsed.area, parsed.buffer_m);
        let number = id.to_string();
        let issued_to = issued_to.map(str::to_owned);
        // Written once, in canonical form, and signed over those bytes; the text stored and
        // returned is the same bytes with the signature in its place (ticket_text.rs).
        let written = crate::excavation::ticket_text::Answer {
            id: &number,
            created_at: now,
            valid_until: Some(parsed.valid_until),
            ticket_type: parsed.ticket_type,
            planned_start: parsed.planned_start,
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
            stale: at.is_none() && self.app.is_behind(),
            hits: &hits,
            archive_projects: &projects,
            reply_by: (!asked.is_empty()).then_some(answer_by),
            emergency: emergency.as_ref(),
            precautions: &precautions,
        }
        .write();
        let signature = config.ticket_signer.sign_canonical(written.canonical());
        let body = written.signed(&signature)?;
        self.app
            .store()
            .save_ticket(NewTicket {
                id,
                created_at: now,
                reference: parsed.reference,
                issued_to,
                area: parsed.area.geometry().clone(),
                body: body.clone(),
                owners: asked,
                justify_by,
            })
            .await?;
        if notify {
            self.app.notifications_owed().notify_one();
        }
        tracing::info!(ticket = %id, hits = hits.len(), "excavation check issued");
        Ok(Ticket {
            id,
            body,
            hits: Some(hits.len()),
        })
    }
}
