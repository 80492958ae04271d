//! The layers that are not pressure networks or drains: street centrelines, emergency resources
//! and twenty years of incidents (the resilience thematic database), and the planning red lines
//! and zones.

use chrono::NaiveDate;
use geo::{Geometry, LineString, Point, Polygon};
use rand::Rng;
use undermap_core::{CoreError, FeatureAttributes, FeatureKind, Owner};

use crate::grid::{Block, Gen, RED_LINE_HALF_WIDTH, SPACING};
use crate::networks::Net;

impl Gen {
    /// A centreline per street block, crossing to crossing.
    pub(crate) fn streets(&mut self) -> Result<(), CoreError> {
        let owner = Owner {
            name: "秀山县住房和城乡建设委员会 (synthetic)".into(),
            contact: Some("023-7666-7007".into()),
        };
        for b in self.blocks() {
            let mut attrs = FeatureAttributes {
                owner: Some(owner.clone()),
                ..FeatureAttributes::default()
            };
            attrs.extra.insert(
                "road_class".into(),
                serde_json::Value::from(if b.major() { "trunk" } else { "local" }),
            );
            let geom = self.line(&[b.at(0.0, 0.0), b.at(SPACING, 0.0)]);
            self.push(format!("SR-{}", b.name()), FeatureKind::Road, geom, attrs)?;
        }
        Ok(())
    }

    /// Emergency resources in the blocks: about one for every ten blocks.
    pub(crate) fn resources(&mut self) -> Result<(), CoreError> {
        const TYPES: [(&str, f64, &str); 6] = [
            ("pump", 300.0, "m³/h"),
            ("generator", 200.0, "kW"),
            ("depot", 5000.0, "sandbags"),
            ("repair_team", 8.0, "persons"),
            ("shelter", 2000.0, "persons"),
            ("water_tanker", 8.0, "m³"),
        ];
        let owner = Owner {
            name: "秀山县应急管理局 (synthetic)".into(),
            contact: Some("023-7666-0119".into()),
        };
        let n = self.n - 1;
        for k in 0..(n * n / 10).max(6) {
            let (i, j) = (self.rng.gen_range(0..n), self.rng.gen_range(0..n));
            let b = Block { i, j, east: true };
            let along = self.rng.gen_range(20.0..130.0);
            let across = self.rng.gen_range(20.0..130.0);
            let (ty, capacity, unit) = TYPES[k % TYPES.len()];
            let mut attrs = FeatureAttributes {
                owner: Some(owner.clone()),
                ..FeatureAttributes::default()
            };
            for (key, value) in [
                ("resource_type", serde_json::Value::from(ty)),
                (
                    "name",
                    serde_json::Value::from(format!("{ty} {k} (synthetic)")),
                ),
                ("capacity", serde_json::Value::from(capacity)),
                ("capacity_unit", serde_json::Value::from(unit)),
            ] {
                attrs.extra.insert(key.into(), value);
            }
            let p: Geometry<f64> = Point(self.xy(b.at(along, across))).into();
            self.push(format!("RS-{k}"), FeatureKind::Resource, p, attrs)?;
        }
        Ok(())
    }

    /// Twenty years of incidents: bursts and leaks on water and gas mains, outages and strikes
    /// on power, floods that come back to the same low-lying crossings, a few landslides.
    pub(crate) fn incidents(&mut self) -> Result<(), CoreError> {
        let owner = Owner {
            name: "秀山县应急管理局 (synthetic)".into(),
            contact: Some("023-7666-0119".into()),
        };
        let blocks = self.blocks();
        let n = self.n;
        let low: Vec<(usize, usize)> = (0..(n * n / 50).max(3))
            .map(|_| (self.rng.gen_range(0..n), self.rng.gen_range(0..n)))
            .collect();
        let count = blocks.len() / 2;
        for k in 0..count {
            let date = NaiveDate::from_ymd_opt(
                self.rng.gen_range(2006..=2025),
                self.rng.gen_range(1..=12),
                self.rng.gen_range(1..=28),
            );
            let roll = self.rng.gen_range(0..100);
            let b = blocks[self.rng.gen_range(0..blocks.len())];
            let piece = self.rng.gen_range(0..5);
            let along = self.rng.gen_range(5.0..145.0);
            let (ty, net, geometry): (&str, Option<Net>, Geometry<f64>) = match roll {
                0..=34 => (
                    "burst",
                    Some(Net::Water),
                    Point(self.xy(b.at(along, Net::Water.offset()))).into(),
                ),
                35..=49 => (
                    "leak",
                    Some(Net::Gas),
                    Point(self.xy(b.at(along, Net::Gas.offset()))).into(),
                ),
                50..=64 => (
                    "outage",
                    Some(Net::Power),
                    Point(self.xy(b.at(along, Net::Power.offset()))).into(),
                ),
                65..=69 => (
                    "strike",
                    Some(Net::Power),
                    Point(self.xy(b.at(along, Net::Power.offset()))).into(),
                ),
                70..=96 => {
                    let (i, j) = low[self.rng.gen_range(0..low.len())];
                    let c = Block { i, j, east: true }.at(
                        self.rng.gen_range(-15.0..15.0),
                        self.rng.gen_range(-15.0..15.0),
                    );
                    ("flood", None, Point(self.xy(c)).into())
                }
                _ => {
                    let (u, v) = b.at(along, 40.0);
                    let ring = [
                        (u, v),
                        (u + 40.0, v),
                        (u + 40.0, v + 30.0),
                        (u, v + 30.0),
                        (u, v),
                    ];
                    let poly = Polygon::new(
                        LineString(ring.iter().map(|p| self.xy(*p)).collect()),
                        vec![],
                    );
                    ("landslide", None, poly.into())
                }
            };
            let mut attrs = FeatureAttributes {
                owner: Some(owner.clone()),
                ..FeatureAttributes::default()
            };
            let extra = &mut attrs.extra;
            extra.insert("incident_type".into(), serde_json::Value::from(ty));
            extra.insert(
                "occurred_on".into(),
                serde_json::Value::from(date.map(|d| d.to_string()).unwrap_or_default()),
            );
            extra.insert(
                "duration_h".into(),
                serde_json::Value::from(self.rng.gen_range(1..48)),
            );
            if let Some(net) = net {
                // Most registers name the asset; some do not.
                if self.rng.gen_bool(0.8) {
                    extra.insert(
                        "asset_ref".into(),
                        serde_json::Value::from(format!("{}M-{}-{piece}", net.prefix(), b.name())),
                    );
                }
                extra.insert(
                    "affected_households".into(),
                    serde_json::Value::from(self.rng.gen_range(10..600)),
                );
            }
            self.push(format!("IN-{k}"), FeatureKind::Incident, geometry, attrs)?;
        }
        Ok(())
    }

    /// A red line per street block (24 m wide) and a land-use zone per block.
    pub(crate) fn planning(&mut self) -> Result<(), CoreError> {
        let owner = Owner {
            name: "秀山县规划和自然资源局 (synthetic)".into(),
            contact: Some("023-7666-5005".into()),
        };
        let w = RED_LINE_HALF_WIDTH;
        for b in self.blocks() {
            let ring = [
                b.at(w, -w),
                b.at(SPACING - w, -w),
                b.at(SPACING - w, w),
                b.at(w, w),
                b.at(w, -w),
            ];
            let poly = Polygon::new(
                LineString(ring.iter().map(|p| self.xy(*p)).collect()),
                vec![],
            );
            let attrs = FeatureAttributes {
                owner: Some(owner.clone()),
                archive_ref: Some(format!("GH-2019-{}", b.name())),
                ..FeatureAttributes::default()
            };
            self.push(
                format!("RL-{}", b.name()),
                FeatureKind::RedLine,
                poly.into(),
                attrs,
            )?;
        }
        for i in 0..self.n - 1 {
            for j in 0..self.n - 1 {
                let b = Block { i, j, east: true };
                let (a, z) = (w + 2.0, SPACING - w - 2.0);
                let ring = [b.at(a, a), b.at(z, a), b.at(z, z), b.at(a, z), b.at(a, a)];
                let poly = Polygon::new(
                    LineString(ring.iter().map(|p| self.xy(*p)).collect()),
                    vec![],
                );
                let mut attrs = FeatureAttributes {
                    owner: Some(owner.clone()),
                    ..FeatureAttributes::default()
                };
                let uses = [
                    "residential (R2)",
                    "commercial (B1)",
                    "school (A33)",
                    "green (G1)",
                    "industrial (M1)",
                ];
                attrs.extra.insert(
                    "land_use".into(),
                    serde_json::Value::String(uses[self.rng.gen_range(0..uses.len())].into()),
                );
                self.push(format!("ZN-{i}-{j}"), FeatureKind::Zone, poly.into(), attrs)?;
            }
        }
        Ok(())
    }
}
