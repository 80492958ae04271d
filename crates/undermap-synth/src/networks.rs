//! The pressure networks (water, gas, power, telecom: mains along the streets with service
//! connections and valves) and the drains, with their resistance parameters.

use geo::{Geometry, Point};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use undermap_core::{
    Accuracy, CoreError, Depth, Feature, FeatureAttributes, FeatureKind, Owner, PressureClass,
};

use crate::grid::{Block, Gen, RED_LINE_HALF_WIDTH, SPACING};

/// Along-street positions (m from the block's start) of the plots served on each side.
const PLOTS: [f64; 4] = [30.0, 60.0, 90.0, 120.0];
/// Manholes along a drain, m from the block's start.
const MANHOLES: [f64; 4] = [0.0, 37.5, 75.0, 112.5];

/// Disaster-resistance parameters of a pipe: year laid, condition grade, seismic intensity,
/// design pressure (pressure mains) or design storm return period (storm drains).
pub(crate) fn resistance(rng: &mut ChaCha8Rng, f: &mut Feature) {
    use serde_json::Value;
    let year = rng.gen_range(1975..=2022);
    // Older pipes are more often in poor condition.
    let poor = if year < 1990 { 0.25 } else { 0.05 };
    let condition = if rng.gen_bool(poor) {
        if rng.gen_bool(0.3) {
            "critical"
        } else {
            "poor"
        }
    } else if rng.gen_bool(0.3) {
        "fair"
    } else {
        "good"
    };
    let extra = &mut f.attrs.extra;
    extra.insert("install_year".into(), Value::from(year));
    extra.insert("condition".into(), Value::from(condition));
    extra.insert("seismic_intensity".into(), Value::from(6));
    match f.layer.as_str() {
        "water" => {
            extra.insert("design_pressure_mpa".into(), Value::from(0.6));
        }
        "gas" => {
            let mpa = if f.attrs.pressure_class == Some(PressureClass::MediumA) {
                0.4
            } else {
                0.2
            };
            extra.insert("design_pressure_mpa".into(), Value::from(mpa));
        }
        _ if extra.get("network").and_then(Value::as_str) == Some("storm") => {
            extra.insert(
                "design_return_period_years".into(),
                Value::from([1, 2, 3][rng.gen_range(0..3)]),
            );
        }
        _ => {}
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Net {
    Water,
    Gas,
    Power,
    Storm,
    Sewer,
    Telecom,
}

impl Net {
    pub(crate) fn offset(self) -> f64 {
        match self {
            Self::Telecom => 10.5,
            Self::Power => 9.0,
            Self::Gas => 6.5,
            Self::Sewer => 2.5,
            Self::Storm => -3.0,
            Self::Water => -8.0,
        }
    }
    fn depth(self) -> (f64, f64) {
        match self {
            Self::Power | Self::Telecom => (0.7, 1.0),
            Self::Gas => (0.9, 1.3),
            Self::Water => (1.0, 1.4),
            Self::Storm => (1.5, 2.2),
            Self::Sewer => (2.0, 3.2),
        }
    }
    pub(crate) fn prefix(self) -> &'static str {
        match self {
            Self::Water => "W",
            Self::Gas => "G",
            Self::Power => "P",
            Self::Storm => "ST",
            Self::Sewer => "SE",
            Self::Telecom => "T",
        }
    }
    fn owner(self) -> Owner {
        let (name, contact) = match self {
            Self::Water => ("秀山县自来水有限公司 (synthetic)", "023-7666-1001"),
            Self::Gas => ("秀山县燃气有限公司 (synthetic)", "023-7666-3003"),
            Self::Power => ("国网秀山供电公司 (synthetic)", "023-7666-2002"),
            Self::Storm | Self::Sewer => ("秀山县市政排水管理所 (synthetic)", "023-7666-4004"),
            Self::Telecom => ("中国电信秀山分公司 (synthetic)", "023-7666-6006"),
        };
        Owner {
            name: name.into(),
            contact: Some(contact.into()),
        }
    }
}

impl Gen {
    /// Mains along every street, split at each service connection; connections to plots on both
    /// sides; a valve (water, gas) or a transformer every few crossings (power) at the nodes.
    pub(crate) fn pressure_network(&mut self, net: Net) -> Result<(), CoreError> {
        let d = net.offset();
        for b in self.blocks() {
            // From node to node (the crossings at `d`), split at the service connections.
            let mut cuts = vec![d];
            cuts.extend(PLOTS);
            cuts.push(SPACING + d);
            let (material, diameter, section) = match net {
                Net::Water => (
                    if b.major() {
                        "DI"
                    } else {
                        ["DI", "PE", "CI"][self.rng.gen_range(0..3)]
                    },
                    Some(if b.major() {
                        400.0
                    } else {
                        [150.0, 200.0, 300.0][self.rng.gen_range(0..3)]
                    }),
                    None,
                ),
                Net::Gas => (
                    if b.major() { "steel" } else { "PE" },
                    Some(if b.major() {
                        200.0
                    } else {
                        [110.0, 160.0][self.rng.gen_range(0..2)]
                    }),
                    None,
                ),
                _ => ("PVC duct bank", None, Some("800x400".to_owned())),
            };
            let (date, acc) = self.survey();
            let archive = format!(
                "CJ-{}-{:04}",
                date.map_or(2010, |d| chrono::Datelike::year(&d)),
                self.rng.gen_range(1..9999)
            );
            for (k, w) in cuts.windows(2).enumerate() {
                let mut attrs = self.depths(net.depth(), diameter.unwrap_or(400.0) / 1000.0);
                attrs.owner = Some(net.owner());
                attrs.material = Some(material.to_owned());
                attrs.diameter_mm = diameter;
                attrs.section.clone_from(&section);
                attrs.accuracy_h_m = acc;
                attrs.survey_date = date;
                attrs.archive_ref = Some(archive.clone());
                match net {
                    Net::Gas => {
                        attrs.pressure_class = Some(if b.major() {
                            PressureClass::MediumA
                        } else {
                            PressureClass::MediumB
                        });
                    }
                    Net::Power => attrs.voltage_kv = Some(10.0),
                    _ => {}
                }
                let kind = if net == Net::Power {
                    FeatureKind::Duct
                } else {
                    FeatureKind::Pipe
                };
                let geom = self.line(&[b.at(w[0], d), b.at(w[1], d)]);
                self.push(
                    format!("{}M-{}-{k}", net.prefix(), b.name()),
                    kind,
                    geom,
                    attrs,
                )?;
            }
            for (k, along) in PLOTS.iter().enumerate() {
                for (side, to) in [
                    ("L", RED_LINE_HALF_WIDTH + 1.0),
                    ("R", -RED_LINE_HALF_WIDTH - 1.0),
                ] {
                    let mut attrs = self.depths((0.5, 0.9), 0.05);
                    attrs.owner = Some(net.owner());
                    attrs.accuracy_h_m = acc;
                    attrs.survey_date = date;
                    let kind = match net {
                        Net::Power => {
                            attrs.voltage_kv = Some(0.4);
                            FeatureKind::Cable
                        }
                        Net::Gas => {
                            attrs.pressure_class = Some(PressureClass::Low);
                            attrs.material = Some("PE".into());
                            attrs.diameter_mm = Some(32.0);
                            FeatureKind::ServiceConnection
                        }
                        _ => {
                            attrs.material = Some("PE".into());
                            attrs.diameter_mm = Some(32.0);
                            FeatureKind::ServiceConnection
                        }
                    };
                    let geom = self.line(&[b.at(*along, d), b.at(*along, to)]);
                    self.push(
                        format!("{}C-{}-{k}{side}", net.prefix(), b.name()),
                        kind,
                        geom,
                        attrs,
                    )?;
                }
            }
        }
        // Node facilities at the crossings, on the node where the mains meet.
        for i in 0..self.n {
            for j in 0..self.n {
                let node = Block { i, j, east: true }.at(d, d);
                let (date, acc) = self.survey();
                let (kind, keep) = match net {
                    Net::Water | Net::Gas => (FeatureKind::Valve, true),
                    _ => (FeatureKind::Transformer, (i + j) % 4 == 0),
                };
                if !keep {
                    continue;
                }
                let mut attrs = FeatureAttributes {
                    owner: Some(net.owner()),
                    accuracy_h_m: acc,
                    survey_date: date,
                    depth_top_m: Depth::new(if kind == FeatureKind::Transformer {
                        0.0
                    } else {
                        1.0
                    })
                    .ok(),
                    ..FeatureAttributes::default()
                };
                if kind == FeatureKind::Valve {
                    attrs.extra.insert(
                        "operable".into(),
                        serde_json::Value::Bool(self.rng.gen_bool(0.92)),
                    );
                } else {
                    attrs.voltage_kv = Some(10.0);
                }
                let p: Geometry<f64> = Point(self.xy(node)).into();
                self.push(format!("{}N-{i}-{j}", net.prefix()), kind, p, attrs)?;
                // A pressure-regulating box where a medium-pressure A main (every fifth street)
                // crosses another: it feeds the medium-B and low-pressure network around it. It
                // sits on the node, so network traces see it as a source.
                if net == Net::Gas && i % 5 == 0 && j % 5 == 0 {
                    let attrs = FeatureAttributes {
                        owner: Some(net.owner()),
                        accuracy_h_m: acc,
                        survey_date: date,
                        depth_top_m: Depth::new(0.0).ok(),
                        pressure_class: Some(PressureClass::MediumA),
                        ..FeatureAttributes::default()
                    };
                    let r: Geometry<f64> =
                        Point(self.xy(Block { i, j, east: true }.at(d, d))).into();
                    self.push(format!("GR-{i}-{j}"), FeatureKind::Regulator, r, attrs)?;
                }
                if net == Net::Water && (i + j) % 2 == 0 {
                    let h: Geometry<f64> =
                        Point(self.xy(Block { i, j, east: true }.at(20.0, d - 1.5))).into();
                    let attrs = FeatureAttributes {
                        owner: Some(net.owner()),
                        accuracy_h_m: acc,
                        depth_top_m: Depth::new(0.0).ok(),
                        ..FeatureAttributes::default()
                    };
                    self.push(format!("WH-{i}-{j}"), FeatureKind::Hydrant, h, attrs)?;
                }
            }
        }
        Ok(())
    }

    /// Drains from manhole to manhole; a manhole at each crossing and along each block.
    /// Drains (storm, sewer) or telecom duct banks, from chamber to chamber.
    pub(crate) fn drains(&mut self, net: Net) -> Result<(), CoreError> {
        let telecom = net == Net::Telecom;
        let d = net.offset();
        for b in self.blocks() {
            let (date, acc) = self.survey();
            let size = if net == Net::Storm {
                [400.0, 500.0, 600.0, 800.0][self.rng.gen_range(0..4)]
            } else {
                [300.0, 400.0, 500.0][self.rng.gen_range(0..3)]
            };
            let mut stops: Vec<f64> = MANHOLES.to_vec();
            stops[0] = d;
            stops.push(SPACING + d);
            for (k, w) in stops.windows(2).enumerate() {
                let mut attrs = self.depths(net.depth(), size / 1000.0);
                attrs.owner = Some(net.owner());
                if telecom {
                    attrs.material = Some("PVC duct bank".into());
                    attrs.section = Some("600x300".into());
                    attrs.extra.insert(
                        "ducts".into(),
                        serde_json::Value::from(self.rng.gen_range(4..13)),
                    );
                } else {
                    attrs.material = Some(["RC", "HDPE"][self.rng.gen_range(0..2)].into());
                    attrs.diameter_mm = Some(size);
                }
                attrs.accuracy_h_m = acc;
                attrs.survey_date = date;
                attrs.extra.insert(
                    "network".into(),
                    serde_json::Value::String(
                        match net {
                            Net::Storm => "storm",
                            Net::Sewer => "sewer",
                            _ => "telecom",
                        }
                        .into(),
                    ),
                );
                let geom = self.line(&[b.at(w[0], d), b.at(w[1], d)]);
                self.push(
                    format!("D{}-{}-{k}", net.prefix(), b.name()),
                    if telecom {
                        FeatureKind::Duct
                    } else {
                        FeatureKind::Pipe
                    },
                    geom,
                    attrs,
                )?;
                if k > 0 {
                    // Manholes inside the block; those at crossings are added below, once.
                    let attrs = FeatureAttributes {
                        owner: Some(net.owner()),
                        depth_top_m: Depth::new(0.0).ok(),
                        depth_bottom_m: Depth::new(
                            (self.rng.gen_range(2.0..3.8f64) * 100.0).round() / 100.0,
                        )
                        .ok(),
                        accuracy_h_m: acc,
                        survey_date: date,
                        ..FeatureAttributes::default()
                    };
                    let p: Geometry<f64> = Point(self.xy(b.at(w[0], d))).into();
                    self.push(
                        format!("M{}-{}-{k}", net.prefix(), b.name()),
                        FeatureKind::Manhole,
                        p,
                        attrs,
                    )?;
                }
            }
        }
        for i in 0..self.n {
            for j in 0..self.n {
                let attrs = FeatureAttributes {
                    owner: Some(net.owner()),
                    depth_top_m: Depth::new(0.0).ok(),
                    accuracy_h_m: Accuracy::new(0.1).ok(),
                    ..FeatureAttributes::default()
                };
                let p: Geometry<f64> = Point(self.xy(Block { i, j, east: true }.at(d, d))).into();
                self.push(
                    format!("M{}-{i}-{j}", net.prefix()),
                    FeatureKind::Manhole,
                    p,
                    attrs,
                )?;
            }
        }
        Ok(())
    }
}
