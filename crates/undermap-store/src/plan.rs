//! Deciding what a delivery does, given the current versions: the same rules for every backend.

use std::collections::{HashMap, HashSet};

use undermap_core::{Feature, LayerId};

use crate::{DeliveryReport, StoreRejection};

/// What to write for a delivery.
pub(crate) struct Plan<'a> {
    /// New versions to insert, with their content hashes.
    pub to_write: Vec<(&'a Feature, String)>,
    /// Ids whose current version is to be closed (replaced by one in `to_write`).
    pub to_close: Vec<String>,
    /// Every id in the delivery (for retiring the missing ones in a full delivery).
    pub seen: HashSet<String>,
    /// Counts and rejections so far (`retired` is filled in by the backend).
    pub report: DeliveryReport,
}

/// `current` maps the delivery's ids that have a current version to (layer, content hash).
pub(crate) fn plan<'a>(
    layer: &LayerId,
    features: &'a [Feature],
    current: &HashMap<String, (String, String)>,
    delivery_id: i64,
) -> Plan<'a> {
    let mut seen = HashSet::new();
    let mut report = DeliveryReport {
        delivery_id,
        ..DeliveryReport::default()
    };
    let (to_write, to_close) = plan_chunk(layer, features, current, &mut seen, &mut report);
    Plan {
        to_write,
        to_close,
        seen,
        report,
    }
}

/// Plans one chunk of a delivery that arrives in chunks: `seen` and `report` carry over from
/// the chunks before. Returns the versions to write and the ids whose current version closes.
pub(crate) fn plan_chunk<'a>(
    layer: &LayerId,
    features: &'a [Feature],
    current: &HashMap<String, (String, String)>,
    seen: &mut HashSet<String>,
    report: &mut DeliveryReport,
) -> (Vec<(&'a Feature, String)>, Vec<String>) {
    let mut to_write = Vec::new();
    let mut to_close = Vec::new();
    for feature in features {
        let id = feature.id.to_string();
        if !seen.insert(id.clone()) {
            report.rejected.push(StoreRejection {
                id: feature.id.clone(),
                reason: "the id appears more than once in this delivery; the first one was loaded"
                    .into(),
            });
            continue;
        }
        let hash = feature.content_hash();
        match current.get(&id) {
            Some((owner, _)) if owner != layer.as_str() => {
                report.rejected.push(StoreRejection {
                    id: feature.id.clone(),
                    reason: format!("the id belongs to a feature of layer {owner:?}"),
                });
            }
            Some((_, old)) if *old == hash => report.unchanged += 1,
            Some(_) => {
                report.updated += 1;
                to_close.push(id);
                to_write.push((feature, hash));
            }
            None => {
                report.inserted += 1;
                to_write.push((feature, hash));
            }
        }
    }
    (to_write, to_close)
}
