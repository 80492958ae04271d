//! What a ticket counts from its hits: the summary (by layer, by risk) and the owners to call,
//! each once, most at risk first.

use std::collections::BTreeMap;

use undermap_core::Risk;

use super::hits::HitOut;
use crate::excavation::{OwnerSummary, Summary};

pub(super) fn summary(hits: &[HitOut<'_>]) -> Summary {
    let mut by_layer: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_risk: BTreeMap<String, usize> =
        Risk::ALL.iter().map(|r| (r.to_string(), 0)).collect();
    for h in hits {
        *by_layer.entry(h.feature.layer.as_str()).or_insert(0) += 1;
        *by_risk.entry(h.risk.to_string()).or_insert(0) += 1;
    }
    Summary {
        total: hits.len(),
        by_layer: by_layer
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
        by_risk,
    }
}

pub(super) fn owners(hits: &[HitOut<'_>]) -> Vec<OwnerSummary> {
    let mut map: BTreeMap<&str, OwnerSummary> = BTreeMap::new();
    for h in hits {
        let name = h.owner().unwrap_or("unknown owner");
        let entry = map.entry(name).or_insert_with(|| OwnerSummary {
            name: name.to_owned(),
            contact: h.contact().map(str::to_owned),
            assets: 0,
            highest_risk: h.risk,
        });
        entry.assets += 1;
        if entry.contact.is_none() {
            entry.contact = h.contact().map(str::to_owned);
        }
        if h.risk.severity() < entry.highest_risk.severity() {
            entry.highest_risk = h.risk;
        }
    }
    let mut v: Vec<OwnerSummary> = map.into_values().collect();
    v.sort_by(|a, b| {
        a.highest_risk
            .severity()
            .cmp(&b.highest_risk.severity())
            .then_with(|| a.name.cmp(&b.name))
    });
    v
}
