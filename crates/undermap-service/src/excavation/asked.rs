//! Whom a new ticket asks and what an emergency ticket says at once: the registered owners of
//! the hits (each with its assets, its deadline and its webhook), and for an emergency every
//! owner's emergency phone and whether high-pressure gas or high-voltage assets are present.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use undermap_core::PressureClass;
use undermap_store::TicketOwner;

use super::hits::HitOut;
use crate::owners::registry::Snapshot;

/// Gas at or above this class is "high pressure" on an emergency ticket: 次高压 B and up
/// (above 0.4 MPa, GB 50028), the classes whose strike is an explosion risk beyond a street.
pub(crate) const HIGH_PRESSURE_FROM: PressureClass = PressureClass::SubHighB;

/// Power at or above this voltage is "high voltage" on an emergency ticket (35 kV and up, the
/// transmission and sub-transmission classes; 10 kV distribution is not).
pub(crate) const HIGH_VOLTAGE_KV: f64 = 35.0;

/// The registered owners of the hits, by their name on the ticket.
pub(crate) fn asked_owners(
    hits: &[HitOut<'_>],
    registry: &Snapshot,
    answer_by: DateTime<Utc>,
) -> Vec<TicketOwner> {
    let mut asked: BTreeMap<&str, TicketOwner> = BTreeMap::new();
    for h in hits {
        // The owner as delivered, even on a restricted hit: its owner is asked all the same.
        let Some(name) = h.feature.attrs.owner.as_ref().map(|o| o.name.as_str()) else {
            continue;
        };
        let Some(owner) = registry.by_name(name) else {
            continue;
        };
        asked
            .entry(name)
            .or_insert_with(|| TicketOwner {
                owner: name.to_owned(),
                owner_id: owner.id.clone(),
                assets: 0,
                answer_by,
                webhook_url: owner.webhook_url.clone(),
            })
            .assets += 1;
    }
    asked.into_values().collect()
}

/// One owner to call in an emergency (members in sorted order).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct EmergencyOwner<'a> {
    /// The registry's emergency phone, else the contact delivered with its assets.
    pub emergency_phone: Option<&'a str>,
    pub name: &'a str,
    /// Whether the owner is registered (and so notified and asked to answer).
    pub registered: bool,
}

/// What an emergency ticket says at once (members in sorted order).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct EmergencyFacts<'a> {
    pub high_pressure_gas: bool,
    pub high_voltage: bool,
    /// When the holder's reason is due.
    pub justify_by: DateTime<Utc>,
    pub owners: Vec<EmergencyOwner<'a>>,
}

pub(crate) fn emergency_facts<'a>(
    hits: &'a [HitOut<'a>],
    registry: &'a Snapshot,
    justify_by: DateTime<Utc>,
) -> EmergencyFacts<'a> {
    let mut owners: BTreeMap<&str, EmergencyOwner<'a>> = BTreeMap::new();
    for h in hits {
        let Some(o) = h.feature.attrs.owner.as_ref() else {
            continue;
        };
        let registered = registry.by_name(&o.name);
        let entry = owners.entry(&o.name).or_insert_with(|| EmergencyOwner {
            emergency_phone: registered.and_then(|r| r.emergency_phone.as_deref()),
            name: &o.name,
            registered: registered.is_some(),
        });
        if entry.emergency_phone.is_none() {
            entry.emergency_phone = o.contact.as_deref();
        }
    }
    let attrs = || hits.iter().map(|h| &h.feature.attrs);
    EmergencyFacts {
        high_pressure_gas: attrs()
            .any(|a| a.pressure_class.is_some_and(|p| p >= HIGH_PRESSURE_FROM)),
        high_voltage: attrs().any(|a| a.voltage_kv.is_some_and(|v| v >= HIGH_VOLTAGE_KV)),
        justify_by,
        owners: owners.into_values().collect(),
    }
}
