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
    let mut p = Plan {
        to_write: Vec::new(),
        to_close: Vec::new(),
        seen: HashSet::new(),
        report: DeliveryReport {
            delivery_id,
            ..DeliveryReport::default()
        },
    };
    for feature in features {
        let id = feature.id.to_string();
        if !p.seen.insert(id.clone()) {
            p.report.rejected.push(StoreRejection {
                id: feature.id.clone(),
                reason: "the id appears more than once in this delivery; the first one was loaded"
                    .into(),
            });
            continue;
        }
        let hash = feature.content_hash();
        match current.get(&id) {
            Some((owner, _)) if owner != layer.as_str() => {
                p.report.rejected.push(StoreRejection {
                    id: feature.id.clone(),
                    reason: format!("the id belongs to a feature of layer {owner:?}"),
                });
            }
            Some((_, old)) if *old == hash => p.report.unchanged += 1,
            Some(_) => {
                p.report.updated += 1;
                p.to_close.push(id);
                p.to_write.push((feature, hash));
            }
            None => {
                p.report.inserted += 1;
                p.to_write.push((feature, hash));
            }
        }
    }
    p
}
