//! The precaution zones a check touches: each owner's requirement for digging there (its staff
//! present, hand digging, no machines) and whom to call, listed in the signed ticket.

use geo::{BoundingRect, Distance, Euclidean, Geometry, Intersects};
use serde::Serialize;
use undermap_core::{ExcavationArea, FeatureKind, PrecautionRecord};
use undermap_index::MapIndex;

/// A requirement in both languages (members in sorted order).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Says {
    pub en: String,
    pub zh: String,
}

/// A precaution zone as the ticket lists it (members in sorted order).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PrecautionOut<'a> {
    pub contact: Option<&'a str>,
    pub feature_id: &'a str,
    pub layer: &'a str,
    pub note: Option<String>,
    pub owner: Option<&'a str>,
    pub requirement: undermap_core::Requirement,
    pub says: Says,
    pub within_m: Option<f64>,
}

/// Every precaution zone within `buffer_m` of the area, by layer and id. A zone whose
/// requirement cannot be read (a delivery from before the check refused them) is listed with
/// the owner's note as `other`, never dropped: a requirement is never lost.
pub(crate) fn touching<'a>(
    index: &'a MapIndex,
    area: &ExcavationArea,
    buffer_m: f64,
) -> Vec<PrecautionOut<'a>> {
    let b = area.bounds();
    let reach = geo::Rect::new(
        geo::coord! { x: b.min().x - buffer_m, y: b.min().y - buffer_m },
        geo::coord! { x: b.max().x + buffer_m, y: b.max().y + buffer_m },
    );
    let site = Geometry::MultiPolygon(area.geometry().clone());
    let mut found: Vec<PrecautionOut<'a>> = index
        .in_envelope(reach)
        .filter(|f| f.kind == FeatureKind::PrecautionZone)
        .filter(|f| {
            f.geometry.bounding_rect().is_some()
                && (f.geometry.intersects(&site) || Euclidean::distance(&f.geometry, &site) <= buffer_m)
        })
        .map(|f| {
            let record = PrecautionRecord::read(f).unwrap_or_else(|e| {
                tracing::warn!(feature = %f.id, error = %e, "a precaution zone's requirement is unreadable");
                PrecautionRecord {
                    requirement: undermap_core::Requirement::Other,
                    within_m: None,
                    note: Some(format!("unreadable requirement ({e}): call the owner")),
                }
            });
            let (en, zh) = record.requirement.words(record.within_m);
            PrecautionOut {
                contact: f.attrs.owner.as_ref().and_then(|o| o.contact.as_deref()),
                feature_id: f.id.as_str(),
                layer: f.layer.as_str(),
                note: record.note,
                owner: f.attrs.owner.as_ref().map(|o| o.name.as_str()),
                requirement: record.requirement,
                says: Says { en, zh },
                within_m: record.within_m,
            }
        })
        .collect();
    found.sort_by(|a, b| a.layer.cmp(b.layer).then(a.feature_id.cmp(b.feature_id)));
    found
}
