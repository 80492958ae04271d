//! The clearance report's types as they are written. Every struct declares its fields in the
//! order of their names' UTF-8 bytes and geometries are written `coordinates` before `type`, so
//! `serde_json::to_vec` of a report is its canonical JSON (the tickets' form: keys sorted at
//! every level, no white space) and is signed as it is written, without building a
//! `serde_json::Value` (which was most of a check's time; docs/performance.md).

use chrono::{DateTime, Utc};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

use crate::TicketSignature;

/// A GeoJSON geometry written with sorted members (`bbox` if any, `coordinates` or
/// `geometries`, then `type`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct SortedGeometry(pub geojson::Geometry);

impl Serialize for SortedGeometry {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use geojson::Value as V;
        // What `to_geojson` makes has no foreign members; a bbox sorts first.
        debug_assert!(self.0.foreign_members.is_none());
        let mut m = s.serialize_map(None)?;
        if let Some(bbox) = &self.0.bbox {
            m.serialize_entry("bbox", bbox)?;
        }
        match &self.0.value {
            V::Point(c) => m.serialize_entry("coordinates", c)?,
            V::MultiPoint(c) | V::LineString(c) => m.serialize_entry("coordinates", c)?,
            V::MultiLineString(c) | V::Polygon(c) => m.serialize_entry("coordinates", c)?,
            V::MultiPolygon(c) => m.serialize_entry("coordinates", c)?,
            V::GeometryCollection(g) => {
                let sorted: Vec<SortedGeometry> = g.iter().cloned().map(SortedGeometry).collect();
                m.serialize_entry("geometries", &sorted)?;
            }
        }
        m.serialize_entry("type", self.0.value.type_name())?;
        m.end()
    }
}

/// The row a judgement used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleOut {
    /// Its distance, m.
    pub clearance_m: f64,
    /// Its id.
    pub id: String,
    /// What to know about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Standard, table and row.
    pub source: String,
}

/// Side by side, as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HorizontalOut {
    /// Where along the route it is closest, m.
    pub at_m: f64,
    /// The clear distance, m (at most this when a width is not recorded).
    pub distance_m: f64,
    /// What is not recorded that the verdict needs.
    pub missing: Vec<String>,
    /// Why.
    pub reason: String,
    /// The distance required, m.
    pub required_m: Option<f64>,
    /// The row.
    pub rule: Option<RuleOut>,
    /// The stretches of the route closer than required, m from its start.
    pub spans: Vec<[f64; 2]>,
    /// `pass`, `fail` or `unknown`.
    pub verdict: String,
}

/// A crossing, as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrossingOut {
    /// Angle between the lines, degrees.
    pub angle_deg: f64,
    /// Where along the route, m.
    pub at_m: f64,
    /// The vertical clear distance, m (negative: they meet).
    pub clear_m: Option<f64>,
    /// The route joins the line here (one network, at an end of either): a connection.
    #[serde(default)]
    pub connection: bool,
    /// The existing line's bottom, m.
    pub existing_bottom_m: Option<f64>,
    /// The existing line's top, m.
    pub existing_top_m: Option<f64>,
    /// What is not recorded that the verdict needs.
    pub missing: Vec<String>,
    /// The route's bottom there, m.
    pub planned_bottom_m: f64,
    /// The route's top there, m.
    pub planned_top_m: f64,
    /// Where, in the report's CRS.
    pub point: [f64; 2],
    /// Why.
    pub reason: String,
    /// The distance required, m.
    pub required_m: Option<f64>,
    /// The row.
    pub rule: Option<RuleOut>,
    /// `pass`, `fail` or `unknown`.
    pub verdict: String,
}

/// What a report says of one existing feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictOut {
    /// Its class in the clearance table.
    pub class: String,
    /// Each crossing.
    pub crossings: Vec<CrossingOut>,
    /// Depth of bottom, m.
    pub depth_bottom_m: Option<f64>,
    /// Depth of top, m.
    pub depth_top_m: Option<f64>,
    /// Diameter, mm.
    pub diameter_mm: Option<f64>,
    /// The feature (`null` for one the caller may not see in detail).
    pub feature_id: Option<String>,
    /// Its geometry in the report's CRS (`null` when restricted).
    pub geometry: Option<SortedGeometry>,
    /// Side by side (`null` when the route only crosses it).
    pub horizontal: Option<HorizontalOut>,
    /// Its kind (`null` when restricted).
    pub kind: Option<String>,
    /// Its layer.
    pub layer: String,
    /// The facts its verdict rests on.
    pub notes: Vec<String>,
    /// Its owner, to call.
    pub owner: Option<String>,
    /// Gas pressure class.
    pub pressure_class: Option<String>,
    /// An asset the caller may not see in detail: its distances and verdict are given, its id,
    /// attributes and geometry withheld; call its owner.
    pub restricted: bool,
    /// Section B×H, mm.
    pub section: Option<String>,
    /// `pass`, `fail` or `unknown`: the worst of its judgements.
    pub verdict: String,
    /// Voltage, kV.
    pub voltage_kv: Option<f64>,
}

/// A stretch of the route that fails, with its line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailingSpan {
    /// From, m along the route.
    pub from_m: f64,
    /// The stretch, in the report's CRS.
    pub geometry: SortedGeometry,
    /// To, m along the route.
    pub to_m: f64,
}

/// Counts of a report's judgements.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    /// Crossings judged.
    pub crossings: usize,
    /// Features failing.
    pub fail: usize,
    /// Features listed.
    pub features: usize,
    /// Features passing.
    pub pass: usize,
    /// Features that cannot be judged.
    pub unknown: usize,
}

/// The planned line as checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedOut {
    /// Depth of top at each vertex, m.
    pub depth_top_m: Vec<f64>,
    /// Diameter, mm.
    pub diameter_mm: Option<f64>,
    /// Gas pressure class.
    pub pressure_class: Option<String>,
    /// Section, mm.
    pub section: Option<String>,
    /// Its type.
    #[serde(rename = "type")]
    pub planned_type: String,
    /// Voltage, kV.
    pub voltage_kv: Option<f64>,
}

/// The clearance table a report was checked against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableOut {
    /// What it is.
    pub title: String,
    /// Its version.
    pub version: String,
}

/// A clearance report, numbered and signed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClearanceReport {
    /// Every feature within the largest distance that could apply, or crossed, in order
    /// along the route.
    pub conflicts: Vec<ConflictOut>,
    /// Counts.
    pub counts: Counts,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// CRS of its geometries.
    pub crs: String,
    /// The map the check read: as of this time.
    pub data_as_of: DateTime<Utc>,
    /// The stretches of the route that fail side by side, merged.
    pub failing_spans: Vec<FailingSpan>,
    /// The account it was made for.
    pub issued_to: Option<String>,
    /// The route's length, m.
    pub length_m: f64,
    /// Its number, `CC-2026-000017`.
    pub number: String,
    /// What was planned.
    pub planned: PlannedOut,
    /// The planner's reference.
    pub reference: Option<String>,
    /// The route, as checked (in `crs`).
    pub route: SortedGeometry,
    /// The server's signature (absent while it is being signed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<TicketSignature>,
    /// The clearance table: its title and version.
    pub table: TableOut,
    /// The worst verdict of all.
    pub verdict: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line() -> SortedGeometry {
        SortedGeometry(geojson::Geometry::new(geojson::Value::LineString(vec![
            vec![108.1, 28.2],
            vec![108.3, 28.4],
        ])))
    }

    fn report() -> ClearanceReport {
        let rule = |note: Option<&str>| RuleOut {
            clearance_m: 1.5,
            id: "drainage-water-over-d200".into(),
            note: note.map(str::to_owned),
            source: "GB 50289-2016 表 4.1.9 \"污水\"".into(),
        };
        ClearanceReport {
            conflicts: vec![ConflictOut {
                class: "water".into(),
                crossings: vec![CrossingOut {
                    angle_deg: 90.0,
                    at_m: 50.0,
                    clear_m: Some(0.9),
                    connection: false,
                    existing_bottom_m: None,
                    existing_top_m: Some(1.0),
                    missing: vec!["depth_bottom_m of W-3".into()],
                    planned_bottom_m: 2.4,
                    planned_top_m: 2.0,
                    point: [3_149_497.6, 597_100.0],
                    reason: "…".into(),
                    required_m: Some(0.4),
                    rule: Some(rule(Some("verify"))),
                    verdict: "pass".into(),
                }],
                depth_bottom_m: None,
                depth_top_m: Some(1.2),
                diameter_mm: Some(300.0),
                feature_id: Some("W-1".into()),
                geometry: Some(line()),
                horizontal: Some(HorizontalOut {
                    at_m: 0.0,
                    distance_m: 1.05,
                    missing: Vec::new(),
                    reason: "the horizontal clear distance is 1.05 m".into(),
                    required_m: Some(1.5),
                    rule: Some(rule(None)),
                    spans: vec![[0.0, 100.0]],
                    verdict: "fail".into(),
                }),
                kind: Some("pipe".into()),
                layer: "water".into(),
                notes: vec!["W-1's positional accuracy is not recorded".into()],
                owner: Some("自来水公司".into()),
                pressure_class: None,
                restricted: false,
                section: None,
                verdict: "fail".into(),
                voltage_kv: None,
            }],
            counts: Counts {
                crossings: 1,
                fail: 1,
                features: 1,
                pass: 0,
                unknown: 0,
            },
            created_at: DateTime::UNIX_EPOCH,
            crs: "OGC:CRS84".into(),
            data_as_of: DateTime::UNIX_EPOCH,
            failing_spans: vec![FailingSpan {
                from_m: 0.0,
                geometry: line(),
                to_m: 100.0,
            }],
            issued_to: Some("planner".into()),
            length_m: 100.0,
            number: "CC-2026-000001".into(),
            planned: PlannedOut {
                depth_top_m: vec![2.0, 2.0],
                diameter_mm: Some(400.0),
                pressure_class: None,
                section: None,
                planned_type: "sewer".into(),
                voltage_kv: None,
            },
            reference: None,
            route: line(),
            signature: None,
            table: TableOut {
                title: "GB 50289".into(),
                version: "2026-12-07".into(),
            },
            verdict: "fail".into(),
        }
    }

    #[test]
    fn a_report_as_written_is_its_canonical_json_and_verifies() {
        let mut r = report();
        let written = serde_json::to_vec(&r).unwrap();
        let mut canonical = Vec::new();
        crate::canonical(&serde_json::to_value(&r).unwrap(), &mut canonical);
        assert_eq!(
            String::from_utf8(written.clone()).unwrap(),
            String::from_utf8(canonical).unwrap(),
            "a field is declared out of order"
        );
        let signer = crate::TicketSigner::generate();
        r.signature = Some(signer.sign_canonical(&written));
        let text = serde_json::to_string(&r).unwrap();
        signer.verifier().verify(&text).expect("it verifies");
        let back: ClearanceReport = serde_json::from_str(&text).unwrap();
        assert_eq!(back, r, "it reads back");
    }
}
