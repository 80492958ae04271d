//! A new ticket's text, written once, straight from the check's matches.
//!
//! The ticket is written in its canonical form (docs/tickets.md): object keys sorted by their
//! UTF-8 bytes at every level, no white space. Those bytes are what is signed; the stored and
//! returned text is the same bytes with the `signature` member put in its sorted place. So a
//! ticket costs one JSON write and a copy, not a canonical pass and a second write.
//!
//! A hit borrows the feature's own strings and carries its geometry reprojected once; the
//! coordinates are rounded as they are written. Stored tickets are still verified from their
//! text ([`crate::canonical`]), which gives back these bytes: the tests below hold it to that.

use chrono::{DateTime, NaiveDate, Utc};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::Value;
use undermap_core::TicketType;

use super::counts::{owners, summary};
use super::hits::HitOut;
use crate::{ServiceError, TicketSignature};

/// Any JSON value with its object keys sorted (the client's own `area`).
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

/// A ticket's words in both languages (members in sorted order).
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct Bilingual {
    pub en: &'static str,
    pub zh: &'static str,
}

/// What an orientation ticket says of itself.
pub(crate) const ORIENTATION_NOTICE: Bilingual = Bilingual {
    en: "Orientation ticket, for planning and design only: no excavation may rely on it. Ask for a dig ticket before digging.",
    zh: "规划设计查询单，仅供规划设计使用，不得据此开挖；开挖前须另行申请开挖查询。",
};

/// A new ticket's parts, borrowed; [`Answer::write`] writes it.
pub(crate) struct Answer<'a> {
    pub id: &'a str,
    pub created_at: DateTime<Utc>,
    pub valid_until: Option<NaiveDate>,
    pub ticket_type: TicketType,
    /// A dig's first day.
    pub planned_start: Option<NaiveDate>,
    pub issued_to: Option<&'a str>,
    pub reference: Option<&'a str>,
    pub crs: &'a str,
    /// The area as the client gave it.
    pub area: &'a Value,
    pub area_m2: f64,
    pub buffer_m: f64,
    pub depth_m: Option<f64>,
    pub layers: &'a [String],
    pub data_as_of: DateTime<Utc>,
    pub at: Option<DateTime<Utc>>,
    pub stale: bool,
    /// Most severe first; the summary and the owners to call are counted from them.
    pub hits: &'a [HitOut<'a>],
    /// The archive projects the area touches, nearest first.
    pub archive_projects: &'a [crate::archive::TouchingProject],
}

/// A ticket's canonical bytes and where its signature goes in them.
pub(crate) struct Written {
    canonical: Vec<u8>,
    /// Byte offset of the `,"stale"` member, which `signature` sorts just before.
    signature_at: usize,
}

impl Answer<'_> {
    /// The ticket's canonical bytes.
    pub(crate) fn write(&self) -> Written {
        let mut w = Members {
            out: Vec::with_capacity(1024 + self.hits.len() * 1024),
            first: true,
        };
        // Members in sorted order: keep them so. `signature` would sort between `reference`
        // and `stale`.
        w.member("archive_projects", self.archive_projects);
        w.member("area", &Sorted(self.area));
        w.member("area_m2", &self.area_m2);
        if let Some(at) = &self.at {
            w.member("at", at);
        }
        w.member("buffer_m", &self.buffer_m);
        w.member("created_at", &self.created_at);
        w.member("crs", self.crs);
        w.member("data_as_of", &self.data_as_of);
        w.member("depth_m", &self.depth_m);
        w.member("dig_allowed", &(self.ticket_type == TicketType::Dig));
        w.member("hits", self.hits);
        w.member("id", self.id);
        if let Some(holder) = self.issued_to {
            w.member("issued_to", holder);
        }
        w.member("layers", self.layers);
        if self.ticket_type == TicketType::Orientation {
            w.member("notice", &ORIENTATION_NOTICE);
        }
        w.member("owners", &owners(self.hits));
        if let Some(day) = &self.planned_start {
            w.member("planned_start", day);
        }
        w.member("reference", &self.reference);
        let signature_at = w.out.len();
        w.member("stale", &self.stale);
        w.member("summary", &summary(self.hits));
        w.member("type", &self.ticket_type);
        if let Some(day) = &self.valid_until {
            w.member("valid_until", day);
        }
        w.out.push(b'}');
        Written {
            canonical: w.out,
            signature_at,
        }
    }
}

impl Written {
    /// The bytes the ticket is signed over.
    pub(crate) fn canonical(&self) -> &[u8] {
        &self.canonical
    }

    /// The ticket's text: the canonical bytes with `signature` spliced into its sorted place
    /// (only the few members after it move).
    pub(crate) fn signed(self, signature: &TicketSignature) -> Result<String, ServiceError> {
        let mut member = br#","signature":"#.to_vec();
        // Writing typed values into a Vec cannot fail: every map key is a string.
        let _ = serde_json::to_writer(&mut member, signature);
        let mut text = self.canonical;
        text.splice(self.signature_at..self.signature_at, member);
        // serde_json writes UTF-8, and the splice is at a member's boundary.
        String::from_utf8(text).map_err(|e| ServiceError::internal("writing the ticket", e))
    }
}

/// Writes an object's members one by one, so that a member's offset is known.
struct Members {
    out: Vec<u8>,
    first: bool,
}

impl Members {
    fn member<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) {
        self.out.push(if self.first { b'{' } else { b',' });
        self.first = false;
        // Writing typed values into a Vec cannot fail: every map key is a string.
        let _ = serde_json::to_writer(&mut self.out, key);
        self.out.push(b':');
        let _ = serde_json::to_writer(&mut self.out, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;
    use undermap_core::Risk;

    use crate::excavation::hits::RESTRICTED_REASON;
    use crate::excavation::{CheckResponse, Hit};
    use crate::TicketSigner;
    use geo::{line_string, point, Geometry};
    use proptest::prelude::*;
    use undermap_core::{
        Accuracy, Depth, DepthMethod, Feature, FeatureAttributes, FeatureKind, Owner,
        PressureClass, Relation,
    };

    fn feature(text: &str, x: f64, geometry: Geometry<f64>) -> Feature {
        let kind = match geometry {
            Geometry::Point(_) => FeatureKind::Valve,
            _ => FeatureKind::Pipe,
        };
        Feature::new(
            format!("WS-{}", text.len()).parse().unwrap(),
            "water".parse().unwrap(),
            kind,
            geometry,
            FeatureAttributes {
                owner: Some(Owner {
                    name: if text.trim().is_empty() {
                        "owner"
                    } else {
                        text
                    }
                    .into(),
                    contact: (!text.is_empty()).then(|| format!("0{text}")),
                }),
                material: Some(format!("DI {text}")),
                diameter_mm: Some(10.0 + x.abs() % 3990.0),
                pressure_class: Some(PressureClass::MediumB),
                voltage_kv: Some(0.5 + x.abs() % 999.0),
                depth_top_m: Some(Depth::new(1.25).unwrap()),
                depth_method: Some(DepthMethod::Measured),
                accuracy_h_m: Some(Accuracy::new(0.05).unwrap()),
                survey_date: NaiveDate::from_ymd_opt(2021, 11, 6),
                archive_ref: Some(text.into()),
                ..FeatureAttributes::default()
            },
            DateTime::UNIX_EPOCH,
        )
        .unwrap()
    }

    fn hit<'a>(f: &'a Feature, reason: &'a str, restricted: bool, scale: f64) -> HitOut<'a> {
        HitOut {
            seen: (!restricted).then_some(Cow::Borrowed(f)),
            feature: f,
            geometry: (!restricted).then(|| f.geometry.clone()),
            distance_m: 0.25,
            tolerance_m: 1.1,
            relation: Relation::WithinTolerance,
            risk: Risk::Medium,
            reason: if restricted {
                RESTRICTED_REASON
            } else {
                reason
            },
            scale,
        }
    }

    fn answer<'a>(hits: &'a [HitOut<'a>], area: &'a Value, text: &'a str) -> Answer<'a> {
        Answer {
            id: "EC-2026-000042",
            created_at: DateTime::UNIX_EPOCH,
            valid_until: NaiveDate::from_ymd_opt(2026, 12, 30),
            // Both types, with their own members, through the same tests.
            ticket_type: if text.is_empty() {
                TicketType::Orientation
            } else {
                TicketType::Dig
            },
            planned_start: (!text.is_empty())
                .then(|| NaiveDate::from_ymd_opt(2026, 12, 1))
                .flatten(),
            issued_to: Some(text),
            reference: (!text.is_empty()).then_some(text),
            crs: "EPSG:4545",
            area,
            area_m2: 12.5,
            buffer_m: 1.0,
            depth_m: Some(1.5),
            layers: &[],
            data_as_of: DateTime::UNIX_EPOCH,
            at: None,
            stale: false,
            hits,
            archive_projects: &PROJECTS,
        }
    }

    /// A project the area touches, with text that needs escaping.
    static PROJECTS: std::sync::LazyLock<Vec<crate::archive::TouchingProject>> =
        std::sync::LazyLock::new(|| {
            vec![crate::archive::TouchingProject {
                category: "municipal_pipeline".into(),
                code: "2025-500103-48-01-000001".into(),
                distance_m: 0.5,
                name: "解放碑\"给水\"改造".into(),
                status: undermap_archive::Status::Filed,
                unit: "重庆市政建设有限公司".into(),
            }]
        });

    /// A hit carries every column attribute under the name the attribute table gives it for
    /// hits, and nothing else but what locates and rates the match; the answer's `Hit` reads
    /// back the same members.
    #[test]
    fn a_hit_names_the_attributes_as_the_attribute_table_says() {
        use std::collections::BTreeSet;
        let f = feature(
            "管网公司",
            3.0,
            line_string![(x: 0.0, y: 0.0), (x: 5.0, y: 0.0)].into(),
        );
        let written = serde_json::to_value(hit(&f, "crosses the area", false, 100.0)).unwrap();
        let keys: BTreeSet<&str> = written
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let of_the_match = [
            "feature_id",
            "layer",
            "kind",
            "distance_m",
            "tolerance_m",
            "relation",
            "risk",
            "reason",
            "geometry",
        ];
        let expected: BTreeSet<&str> = undermap_core::attribute::ATTRIBUTES
            .iter()
            .map(|a| a.hit)
            .chain(of_the_match)
            .collect();
        assert_eq!(keys, expected);
        let read: Hit = serde_json::from_value(written.clone()).unwrap();
        let again = serde_json::to_value(read).unwrap();
        let again: BTreeSet<&str> = again
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(again, expected);
    }

    /// The ticket's text, signed by `signer`, and the bytes it was signed over.
    fn signed(written: Written, signer: &TicketSigner) -> (String, Vec<u8>) {
        let canonical = written.canonical().to_vec();
        let signature = signer.sign_canonical(&canonical);
        (written.signed(&signature).unwrap(), canonical)
    }

    /// The canonical bytes as verification makes them from the stored text.
    fn from_text(text: &str) -> Vec<u8> {
        let mut value: Value = serde_json::from_str(text).unwrap();
        value.as_object_mut().unwrap().remove("signature");
        let mut out = Vec::new();
        crate::canonical(&value, &mut out);
        out
    }

    #[test]
    fn a_hit_reads_back_as_the_hit_it_reports() {
        let f = feature(
            "水务集团",
            300.0,
            line_string![(x: 1.00049, y: 2.0), (x: 3.0, y: -0.0004)].into(),
        );
        let hits = [hit(&f, "within 0.25 m", false, 1e3), hit(&f, "", true, 1e3)];
        let area = serde_json::json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 1], [0, 0]]]});
        let signer = TicketSigner::generate();
        let (text, canonical) = signed(answer(&hits, &area, "c1").write(), &signer);
        let ticket: CheckResponse = serde_json::from_str(&text).unwrap();
        let full = Hit {
            feature_id: "WS-12".into(),
            layer: "water".into(),
            kind: "pipe".into(),
            status: "in_service".into(),
            owner: Some("水务集团".into()),
            contact: Some("0水务集团".into()),
            material: Some("DI 水务集团".into()),
            diameter_mm: Some(310.0),
            section: None,
            pressure_class: Some("medium_b".into()),
            voltage_kv: Some(300.5),
            depth_top_m: Some(1.25),
            depth_bottom_m: None,
            depth_method: Some("measured".into()),
            accuracy_m: Some(0.05),
            vertical_accuracy_m: None,
            survey_date: NaiveDate::from_ymd_opt(2021, 11, 6),
            archive_ref: Some("水务集团".into()),
            distance_m: 0.25,
            tolerance_m: 1.1,
            relation: Relation::WithinTolerance,
            risk: Risk::Medium,
            reason: "within 0.25 m".into(),
            // Rounded to the millimetre as it is written; -0.0 stays as serde writes it.
            geometry: Some(geojson::Geometry::new(geojson::Value::LineString(vec![
                vec![1.0, 2.0],
                vec![3.0, -0.0],
            ]))),
            restricted: false,
        };
        assert_eq!(ticket.hits[0], full);
        let restricted = Hit {
            feature_id: "restricted".into(),
            material: None,
            diameter_mm: None,
            pressure_class: None,
            voltage_kv: None,
            depth_top_m: None,
            depth_method: None,
            accuracy_m: None,
            survey_date: None,
            archive_ref: None,
            reason: RESTRICTED_REASON.into(),
            geometry: None,
            restricted: true,
            ..full
        };
        assert_eq!(ticket.hits[1], restricted);
        assert_eq!(
            ticket.signature.as_ref().map(|s| s.alg.as_str()),
            Some(crate::ALGORITHM)
        );
        assert_eq!(ticket.issued_to.as_deref(), Some("c1"));
        // The text is its canonical bytes with the signature in its sorted place.
        assert_eq!(from_text(&text), canonical);
        assert!(
            text.starts_with(r#"{"archive_projects":[{"category":"#),
            "{text}"
        );
        assert_eq!(ticket.archive_projects, *PROJECTS);
        assert!(
            text.contains(r#""reference":"c1","signature":{"alg":"#),
            "{text}"
        );
        signer.verifier().verify(&text).unwrap();
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

    fn finite() -> impl Strategy<Value = f64> {
        any::<f64>().prop_filter("finite", |f| f.is_finite() && f.abs() < 1e300)
    }

    proptest! {
        /// Whatever the strings, figures and client's area, the stored text verifies, and the
        /// bytes verification makes from it are the bytes that were signed.
        #[test]
        fn any_ticket_verifies_from_its_text(
            text in ".{0,12}",
            x in finite(),
            coords in proptest::collection::vec((finite(), finite()), 2..6),
            degrees in any::<bool>(),
            area in json(),
        ) {
            let line = Geometry::LineString(coords.iter().map(|&(x, y)| geo::coord! {x: x, y: y}).collect());
            let (x0, y0) = coords[0];
            let pipe = feature(&text, x, line);
            let valve = feature(&text, -x, point!(x: x0, y: y0).into());
            let scale = if degrees { 1e8 } else { 1e3 };
            let hits = [hit(&pipe, &text, false, scale), hit(&valve, &text, false, scale), hit(&pipe, &text, true, scale)];
            let signer = TicketSigner::generate();
            let (signed, canonical) = signed(answer(&hits, &area, &text).write(), &signer);
            prop_assert_eq!(from_text(&signed), canonical);
            prop_assert!(signer.verifier().verify(&signed).is_ok());
            let ticket: CheckResponse = serde_json::from_str(&signed).unwrap();
            prop_assert_eq!(ticket.hits.len(), 3);
        }
    }
}
