//! The ticket's text against what verification makes of it, for any strings and figures.

use super::*;
use std::borrow::Cow;
use undermap_core::Risk;

use crate::excavation::hits::RESTRICTED_REASON;
use crate::excavation::{CheckResponse, Hit};
use crate::TicketSigner;
use geo::{line_string, point, Geometry};
use proptest::prelude::*;
use undermap_core::{
    Accuracy, Depth, DepthMethod, Feature, FeatureAttributes, FeatureKind, Owner, PressureClass,
    Relation,
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
            quality_level: Some(undermap_core::QualityLevel::DtB),
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
        reply_by: (!text.is_empty()).then_some(DateTime::UNIX_EPOCH),
        emergency: None,
        precautions: &[],
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
        "quality_level",
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
    let area =
        serde_json::json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 1], [0, 0]]]});
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
        quality_level: Some("dt_b".into()),
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
        quality_level: None,
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
        text.starts_with(r#"{"answer_by":"1970-01-01T00:00:00Z","archive_projects":[{"category":"#),
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
