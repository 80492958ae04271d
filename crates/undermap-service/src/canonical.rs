//! A ticket's canonical bytes, written straight from the typed answer: the bytes it is signed
//! over (docs/tickets.md), without building it as a `serde_json::Value` first.
//!
//! Canonical JSON is the ticket without `signature`, object keys sorted by their UTF-8 bytes at
//! every level, no white space, scalars as serde_json writes them. The borrowed views below
//! declare the ticket's members in that sorted order, so serde's derived `Serialize` writes
//! them sorted; only the client's own `area` (any JSON) is sorted as it is written. Stored
//! tickets are still verified from their text ([`crate::canonical`]): both must give the same
//! bytes, which the tests below hold them to.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::Value;
use undermap_core::{Relation, Risk};

use crate::excavation::{CheckResponse, Hit, OwnerSummary, Summary};

/// The canonical bytes of `ticket` (its `signature`, if any, left out).
pub(crate) fn bytes(ticket: &CheckResponse) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 * 1024);
    // Writing typed values into a Vec cannot fail: every map key is a string.
    let _ = serde_json::to_writer(&mut out, &CanonicalTicket::of(ticket));
    out
}

/// Any JSON value with its object keys sorted.
struct Sorted<'a>(&'a Value);

impl Serialize for Sorted<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
                let mut m = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    m.serialize_entry(k, &Sorted(v))?;
                }
                m.end()
            }
            Value::Array(items) => s.collect_seq(items.iter().map(Sorted)),
            scalar => scalar.serialize(s),
        }
    }
}

/// A GeoJSON geometry with its members sorted (`coordinates` or `geometries`, then `type`).
struct SortedGeometry<'a>(&'a geojson::Geometry);

impl Serialize for SortedGeometry<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use geojson::Value as G;
        let g = self.0;
        if g.bbox.is_some() || g.foreign_members.is_some() {
            // Not what hits carry; written the general way.
            let value = serde_json::to_value(g).map_err(serde::ser::Error::custom)?;
            return Sorted(&value).serialize(s);
        }
        let mut m = s.serialize_map(Some(2))?;
        match &g.value {
            G::Point(c) => m.serialize_entry("coordinates", c)?,
            G::MultiPoint(c) | G::LineString(c) => m.serialize_entry("coordinates", c)?,
            G::MultiLineString(c) | G::Polygon(c) => m.serialize_entry("coordinates", c)?,
            G::MultiPolygon(c) => m.serialize_entry("coordinates", c)?,
            G::GeometryCollection(parts) => {
                let parts: Vec<SortedGeometry<'_>> = parts.iter().map(SortedGeometry).collect();
                m.serialize_entry("geometries", &parts)?;
            }
        }
        m.serialize_entry("type", g.value.type_name())?;
        m.end()
    }
}

// The members of each view are declared in sorted order: keep them so.

#[derive(Serialize)]
struct CanonicalTicket<'a> {
    area: Sorted<'a>,
    area_m2: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    at: Option<&'a DateTime<Utc>>,
    buffer_m: f64,
    created_at: &'a DateTime<Utc>,
    crs: &'a str,
    data_as_of: &'a DateTime<Utc>,
    depth_m: Option<f64>,
    hits: Vec<CanonicalHit<'a>>,
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    issued_to: Option<&'a str>,
    layers: &'a [String],
    owners: Vec<CanonicalOwner<'a>>,
    reference: Option<&'a str>,
    stale: bool,
    summary: CanonicalSummary<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    valid_until: Option<&'a NaiveDate>,
}

#[derive(Serialize)]
struct CanonicalHit<'a> {
    accuracy_m: Option<f64>,
    archive_ref: Option<&'a str>,
    contact: Option<&'a str>,
    depth_bottom_m: Option<f64>,
    depth_method: Option<&'a str>,
    depth_top_m: Option<f64>,
    diameter_mm: Option<f64>,
    distance_m: f64,
    feature_id: &'a str,
    geometry: Option<SortedGeometry<'a>>,
    kind: &'a str,
    layer: &'a str,
    material: Option<&'a str>,
    owner: Option<&'a str>,
    pressure_class: Option<&'a str>,
    reason: &'a str,
    relation: &'a Relation,
    #[serde(skip_serializing_if = "is_false")]
    restricted: bool,
    risk: &'a Risk,
    section: Option<&'a str>,
    status: &'a str,
    survey_date: Option<&'a NaiveDate>,
    tolerance_m: f64,
    vertical_accuracy_m: Option<f64>,
    voltage_kv: Option<f64>,
}

#[derive(Serialize)]
struct CanonicalOwner<'a> {
    assets: usize,
    contact: Option<&'a str>,
    highest_risk: &'a Risk,
    name: &'a str,
}

#[derive(Serialize)]
struct CanonicalSummary<'a> {
    by_layer: &'a BTreeMap<String, usize>,
    by_risk: &'a BTreeMap<String, usize>,
    total: usize,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_false(b: &bool) -> bool {
    !*b
}

impl<'a> CanonicalTicket<'a> {
    fn of(t: &'a CheckResponse) -> Self {
        Self {
            area: Sorted(&t.area),
            area_m2: t.area_m2,
            at: t.at.as_ref(),
            buffer_m: t.buffer_m,
            created_at: &t.created_at,
            crs: &t.crs,
            data_as_of: &t.data_as_of,
            depth_m: t.depth_m,
            hits: t.hits.iter().map(CanonicalHit::of).collect(),
            id: &t.id,
            issued_to: t.issued_to.as_deref(),
            layers: &t.layers,
            owners: t.owners.iter().map(CanonicalOwner::of).collect(),
            reference: t.reference.as_deref(),
            stale: t.stale,
            summary: CanonicalSummary::of(&t.summary),
            valid_until: t.valid_until.as_ref(),
        }
    }
}

impl<'a> CanonicalHit<'a> {
    fn of(h: &'a Hit) -> Self {
        Self {
            accuracy_m: h.accuracy_m,
            archive_ref: h.archive_ref.as_deref(),
            contact: h.contact.as_deref(),
            depth_bottom_m: h.depth_bottom_m,
            depth_method: h.depth_method.as_deref(),
            depth_top_m: h.depth_top_m,
            diameter_mm: h.diameter_mm,
            distance_m: h.distance_m,
            feature_id: &h.feature_id,
            geometry: h.geometry.as_ref().map(SortedGeometry),
            kind: &h.kind,
            layer: &h.layer,
            material: h.material.as_deref(),
            owner: h.owner.as_deref(),
            pressure_class: h.pressure_class.as_deref(),
            reason: &h.reason,
            relation: &h.relation,
            restricted: h.restricted,
            risk: &h.risk,
            section: h.section.as_deref(),
            status: &h.status,
            survey_date: h.survey_date.as_ref(),
            tolerance_m: h.tolerance_m,
            vertical_accuracy_m: h.vertical_accuracy_m,
            voltage_kv: h.voltage_kv,
        }
    }
}

impl<'a> CanonicalOwner<'a> {
    fn of(o: &'a OwnerSummary) -> Self {
        Self {
            assets: o.assets,
            contact: o.contact.as_deref(),
            highest_risk: &o.highest_risk,
            name: &o.name,
        }
    }
}

impl<'a> CanonicalSummary<'a> {
    fn of(s: &'a Summary) -> Self {
        Self {
            by_layer: &s.by_layer,
            by_risk: &s.by_risk,
            total: s.total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The canonical bytes as verification makes them: from the ticket's JSON value.
    fn from_value(t: &CheckResponse) -> Vec<u8> {
        let mut value = serde_json::to_value(t).unwrap();
        value.as_object_mut().unwrap().remove("signature");
        let mut out = Vec::new();
        crate::canonical(&value, &mut out);
        out
    }

    fn hit(text: &str, x: f64, restricted: bool) -> Hit {
        Hit {
            feature_id: format!("WS-{text}"),
            layer: "water".into(),
            kind: "pipe".into(),
            status: "in_service".into(),
            owner: Some(text.into()),
            contact: (!restricted).then(|| format!("0{text}")),
            material: Some("DI".into()),
            diameter_mm: Some(x.abs()),
            section: None,
            pressure_class: None,
            voltage_kv: Some(x),
            depth_top_m: Some(1.0),
            depth_bottom_m: None,
            depth_method: Some("measured".into()),
            accuracy_m: Some(x / 7.0),
            vertical_accuracy_m: None,
            survey_date: NaiveDate::from_ymd_opt(2021, 11, 6),
            archive_ref: Some(text.into()),
            distance_m: 0.0,
            tolerance_m: 1.25,
            relation: Relation::Inside,
            risk: Risk::High,
            reason: format!("crosses the area; {text}"),
            geometry: (!restricted).then(|| {
                geojson::Geometry::new(geojson::Value::LineString(vec![
                    vec![x, 3_148_700.125],
                    vec![-0.0, 1e-9],
                    vec![597_000.0, f64::from(u32::MAX)],
                ]))
            }),
            restricted,
        }
    }

    fn ticket(text: &str, x: f64, area: Value) -> CheckResponse {
        let hits = vec![hit(text, x, false), hit(text, -x, true)];
        CheckResponse {
            id: "EC-2026-000042".into(),
            created_at: DateTime::UNIX_EPOCH,
            valid_until: NaiveDate::from_ymd_opt(2026, 12, 30),
            issued_to: Some(text.into()),
            reference: None,
            crs: "EPSG:4545".into(),
            area,
            area_m2: x * x,
            buffer_m: 1.0,
            depth_m: Some(1.5),
            layers: vec!["gas".into(), "water".into()],
            data_as_of: DateTime::UNIX_EPOCH,
            at: Some(DateTime::UNIX_EPOCH),
            stale: false,
            summary: Summary {
                total: 2,
                by_layer: [("water".to_owned(), 2)].into(),
                by_risk: [("high".to_owned(), 2), ("low".to_owned(), 0)].into(),
            },
            owners: vec![OwnerSummary {
                name: text.into(),
                contact: None,
                assets: 2,
                highest_risk: Risk::High,
            }],
            hits,
            signature: None,
        }
    }

    #[test]
    fn the_typed_bytes_are_the_bytes_verification_makes() {
        let area = serde_json::json!({"type": "Polygon", "coordinates": [[[1, 2.5], [3e-7, -4]]],
                                      "crs": {"properties": {"name": "EPSG:4545"}, "type": "name"}});
        let t = ticket("水务集团 \"A\"\n\u{1}", 0.1 + 0.2, area);
        assert_eq!(
            String::from_utf8(bytes(&t)).unwrap(),
            String::from_utf8(from_value(&t)).unwrap()
        );
        // And the body written from the struct is the one written from its value.
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            serde_json::to_string(&serde_json::to_value(&t).unwrap()).unwrap()
        );
    }

    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            ".{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::vec((".{0,6}", inner), 0..4)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn any_ticket_writes_the_same_canonical_bytes_both_ways(
            text in ".{0,12}",
            x in any::<f64>().prop_filter("finite", |f| f.is_finite()),
            area in json(),
        ) {
            let t = ticket(&text, x, area);
            prop_assert_eq!(bytes(&t), from_value(&t));
        }
    }
}
