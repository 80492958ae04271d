//! A deterministic generator of a plausible underground network in the real place of Xiushan's
//! county town (around 108.99 E, 28.45 N), in EPSG:4545 metres, for demos and benchmarks.
//!
//! The town is a street grid (150 m blocks, turned 12° from grid north). Along every street run a
//! water main, a gas main, a power duct bank, a storm drain and a sewer at the offsets and depths
//! of a usual Chinese street cross-section (see data/README.md). Mains of one network meet at a node
//! at every crossing (a valve for water and gas), and are split where a service connection leaves
//! for a plot, so the network is topologically connected: every pipe starts and ends on a node.
//! Drains run between manholes. Planning has a red line per street block and a zone per block.
//!
//! `county` ≈ 200,000 features and 4,000 km of lines (mains, services, drains and ducts);
//! `city` ≈ 5,000,000 features.
//! The same seed and scale give the same features, byte for byte.

use std::f64::consts::PI;

use chrono::{DateTime, NaiveDate, Utc};
use geo::{Coord, Geometry, LineString, Point, Polygon};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use undermap_core::{
    Accuracy, CoreError, Depth, DepthMethod, Feature, FeatureAttributes, FeatureKind, Owner,
    PressureClass,
};

/// How big a town to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// 41 × 41 streets over 6 × 6 km: about 200,000 features.
    County,
    /// 205 × 205 streets over 30.6 × 30.6 km: about 5,000,000 features.
    City,
}

impl Scale {
    /// Streets in each direction.
    #[must_use]
    pub fn streets(self) -> usize {
        match self {
            Self::County => 41,
            Self::City => 205,
        }
    }
}

impl std::str::FromStr for Scale {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "county" => Ok(Self::County),
            "city" => Ok(Self::City),
            other => Err(format!("{other:?} is not a scale; use county or city")),
        }
    }
}

/// The layers generated, in order: the networks, planning, and the resilience thematic layers.
pub const LAYERS: [&str; 9] = [
    "water",
    "gas",
    "power",
    "telecom",
    "drainage",
    "planning",
    "streets",
    "resources",
    "incidents",
];

/// The thematic layers among [`LAYERS`].
const THEMATIC: [&str; 3] = ["streets", "resources", "incidents"];

const SPACING: f64 = 150.0;
const ROTATION_DEG: f64 = 12.0;
/// Centre of the generated town: Xiushan county town in EPSG:4545.
const CENTRE: (f64, f64) = (596_973.0, 3_148_711.0);
const RED_LINE_HALF_WIDTH: f64 = 12.0;
/// Along-street positions (m from the block's start) of the plots served on each side.
const PLOTS: [f64; 4] = [30.0, 60.0, 90.0, 120.0];
/// Manholes along a drain, m from the block's start.
const MANHOLES: [f64; 4] = [0.0, 37.5, 75.0, 112.5];

/// Generates one layer. Each layer has its own random stream derived from the seed, so layers
/// can be generated separately (and in any order) with the same result.
pub fn layer(seed: u64, scale: Scale, layer: &str) -> Result<Vec<Feature>, CoreError> {
    let index = LAYERS
        .iter()
        .position(|l| *l == layer)
        .ok_or_else(|| CoreError::InvalidValue {
            field: "layer",
            reason: format!("{layer:?} is not generated; layers: {}", LAYERS.join(", ")),
        })?;
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(seed.wrapping_mul(31).wrapping_add(index as u64)),
        n: scale.streets(),
        layer: layer.parse()?,
        out: Vec::new(),
    };
    match layer {
        "water" => g.pressure_network(Net::Water)?,
        "gas" => g.pressure_network(Net::Gas)?,
        "power" => g.pressure_network(Net::Power)?,
        "telecom" => g.drains(Net::Telecom)?,
        "drainage" => {
            g.drains(Net::Storm)?;
            g.drains(Net::Sewer)?;
        }
        "streets" => g.streets()?,
        "resources" => g.resources()?,
        "incidents" => g.incidents()?,
        _ => g.planning()?,
    }
    if matches!(layer, "water" | "gas" | "drainage") {
        // From a stream of its own, so the rest of the layer is what it always was.
        let mut rng =
            ChaCha8Rng::seed_from_u64(seed.wrapping_mul(31).wrapping_add(1000 + index as u64));
        for f in &mut g.out {
            if f.kind == FeatureKind::Pipe {
                resistance(&mut rng, f);
            }
        }
    }
    Ok(g.out)
}

/// Disaster-resistance parameters of a pipe: year laid, condition grade, seismic intensity,
/// design pressure (pressure mains) or design storm return period (storm drains).
fn resistance(rng: &mut ChaCha8Rng, f: &mut Feature) {
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

/// The registry entries of the generated layers (planning is a planning layer, the rest
/// networks), for building an index of generated data.
#[must_use]
pub fn layer_infos() -> Vec<undermap_core::LayerInfo> {
    LAYERS
        .iter()
        .map(|id| undermap_core::LayerInfo {
            id: id.parse().expect("generated layer ids are valid"),
            title: (*id).into(),
            category: if *id == "planning" {
                undermap_core::LayerCategory::Planning
            } else if THEMATIC.contains(id) {
                undermap_core::LayerCategory::Thematic
            } else {
                undermap_core::LayerCategory::Network
            },
        })
        .collect()
}

/// Every generated layer, one after another.
pub fn all_layers(seed: u64, scale: Scale) -> Result<Vec<Feature>, CoreError> {
    let mut out = Vec::new();
    for l in LAYERS {
        out.extend(layer(seed, scale, l)?);
    }
    Ok(out)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Net {
    Water,
    Gas,
    Power,
    Storm,
    Sewer,
    Telecom,
}

impl Net {
    fn offset(self) -> f64 {
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
    fn prefix(self) -> &'static str {
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

struct Gen {
    rng: ChaCha8Rng,
    n: usize,
    layer: undermap_core::LayerId,
    out: Vec<Feature>,
}

/// A street block: from crossing (i, j) one block east (`east`) or north.
#[derive(Clone, Copy)]
struct Block {
    i: usize,
    j: usize,
    east: bool,
}

impl Block {
    fn name(self) -> String {
        format!("{}{}-{}", if self.east { "E" } else { "N" }, self.i, self.j)
    }
    /// Street-grid point at `along` metres into the block and `across` metres north (east-west
    /// streets) or east (north-south streets) of its axis. One frame for both directions puts
    /// the mains of a network at `across = d` on both streets, so they cross at one node.
    fn at(self, along: f64, across: f64) -> (f64, f64) {
        #[allow(clippy::cast_precision_loss)]
        let (u0, v0) = (self.i as f64 * SPACING, self.j as f64 * SPACING);
        if self.east {
            (u0 + along, v0 + across)
        } else {
            (u0 + across, v0 + along)
        }
    }
    fn major(self) -> bool {
        (if self.east { self.j } else { self.i }) % 5 == 0
    }
}

impl Gen {
    fn xy(&self, (u, v): (f64, f64)) -> Coord<f64> {
        let a = ROTATION_DEG * PI / 180.0;
        #[allow(clippy::cast_precision_loss)]
        let half = (self.n - 1) as f64 * SPACING / 2.0;
        let (u, v) = (u - half, v - half);
        let r = |x: f64| (x * 1000.0).round() / 1000.0;
        Coord {
            x: r(CENTRE.0 + u * a.cos() - v * a.sin()),
            y: r(CENTRE.1 + u * a.sin() + v * a.cos()),
        }
    }

    fn blocks(&self) -> Vec<Block> {
        let n = self.n;
        let mut v = Vec::with_capacity(2 * n * (n - 1));
        for j in 0..n {
            for i in 0..n - 1 {
                v.push(Block { i, j, east: true });
            }
        }
        for i in 0..n {
            for j in 0..n - 1 {
                v.push(Block { i, j, east: false });
            }
        }
        v
    }

    fn survey(&mut self) -> (Option<NaiveDate>, Option<Accuracy>) {
        let date = NaiveDate::from_ymd_opt(
            self.rng.gen_range(2005..=2024),
            self.rng.gen_range(1..=12),
            self.rng.gen_range(1..=28),
        );
        let acc = [Some(0.05), Some(0.1), Some(0.3), Some(0.5), Some(1.0), None]
            [self.rng.gen_range(0..6)];
        (date, acc.and_then(|a| Accuracy::new(a).ok()))
    }

    fn depths(&mut self, (lo, hi): (f64, f64), size_m: f64) -> FeatureAttributes {
        if self.rng.gen_bool(0.1) {
            return FeatureAttributes::default();
        }
        let top: f64 = (self.rng.gen_range(lo..hi) * 100.0).round() / 100.0;
        FeatureAttributes {
            depth_top_m: Depth::new(top).ok(),
            depth_bottom_m: Depth::new(((top + size_m) * 100.0).round() / 100.0).ok(),
            depth_method: Some(
                [
                    DepthMethod::Detected,
                    DepthMethod::Measured,
                    DepthMethod::Design,
                ][self.rng.gen_range(0..3)],
            ),
            accuracy_v_m: [Some(0.05), Some(0.1), Some(0.2), None][self.rng.gen_range(0..4)]
                .and_then(|a| Accuracy::new(a).ok()),
            ..FeatureAttributes::default()
        }
    }

    fn push(
        &mut self,
        id: String,
        kind: FeatureKind,
        geometry: Geometry<f64>,
        attrs: FeatureAttributes,
    ) -> Result<(), CoreError> {
        let f = Feature::new(
            id.parse()?,
            self.layer.clone(),
            kind,
            geometry,
            attrs,
            DateTime::<Utc>::UNIX_EPOCH,
        )?;
        self.out.push(f);
        Ok(())
    }

    fn line(&self, points: &[(f64, f64)]) -> Geometry<f64> {
        LineString(points.iter().map(|p| self.xy(*p)).collect()).into()
    }

    /// Mains along every street, split at each service connection; connections to plots on both
    /// sides; a valve (water, gas) or a transformer every few crossings (power) at the nodes.
    fn pressure_network(&mut self, net: Net) -> Result<(), CoreError> {
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
    fn drains(&mut self, net: Net) -> Result<(), CoreError> {
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

    /// A centreline per street block, crossing to crossing.
    fn streets(&mut self) -> Result<(), CoreError> {
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
    fn resources(&mut self) -> Result<(), CoreError> {
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
    fn incidents(&mut self) -> Result<(), CoreError> {
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
    fn planning(&mut self) -> Result<(), CoreError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn same_seed_same_features_and_unique_ids() {
        let a = layer(42, Scale::County, "gas").unwrap();
        let b = layer(42, Scale::County, "gas").unwrap();
        assert_eq!(a, b);
        let c = layer(43, Scale::County, "gas").unwrap();
        assert_ne!(a, c);
        let mut ids: Vec<_> = a.iter().map(|f| f.id.clone()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), a.len());
    }

    #[test]
    fn county_is_about_200_000_features_and_3000_km() {
        let mut features = 0;
        let mut km = 0.0;
        for l in LAYERS {
            let f = layer(42, Scale::County, l).unwrap();
            features += f.len();
            if THEMATIC.contains(&l) {
                continue;
            }
            km += f
                .iter()
                .map(|f| match &f.geometry {
                    Geometry::LineString(ls) => geo::Length::length::<geo::Euclidean>(ls),
                    _ => 0.0,
                })
                .sum::<f64>()
                / 1000.0;
        }
        assert!((180_000..=260_000).contains(&features), "{features}");
        assert!((2_800.0..=4_200.0).contains(&km), "{km}");
    }

    #[test]
    fn resilience_records_are_readable_and_name_real_assets() {
        let incidents = layer(42, Scale::County, "incidents").unwrap();
        let mut assets: std::collections::HashSet<String> = std::collections::HashSet::new();
        for l in ["water", "gas", "power"] {
            for f in layer(42, Scale::County, l).unwrap() {
                if f.kind == FeatureKind::Pipe || f.kind == FeatureKind::Duct {
                    assert!(undermap_core::Resistance::read(&f.attrs.extra).is_ok());
                }
                assets.insert(f.id.to_string());
            }
        }
        let mut named = 0;
        for f in &incidents {
            let r = undermap_core::IncidentRecord::read(f).unwrap();
            if let Some(a) = r.asset_ref {
                assert!(assets.contains(a.as_str()), "{a}");
                named += 1;
            }
        }
        assert!(
            incidents.len() > 1_000 && named > 500,
            "{} {named}",
            incidents.len()
        );
        for f in layer(42, Scale::County, "resources").unwrap() {
            undermap_core::ResourceRecord::read(&f).unwrap();
        }
    }

    #[test]
    fn every_pipe_end_is_a_node_of_its_network() {
        // Count line ends per (network, rounded point): an end met by no other line of the same
        // network (nor a node facility) would be a dangling main.
        let water = layer(1, Scale::County, "water").unwrap();
        let mut ends: HashMap<(i64, i64), usize> = HashMap::new();
        let key = |c: Coord<f64>| ((c.x * 100.0).round() as i64, (c.y * 100.0).round() as i64);
        for f in &water {
            if let Geometry::LineString(ls) = &f.geometry {
                if f.kind == FeatureKind::Pipe {
                    for c in [ls.0[0], ls.0[ls.0.len() - 1]] {
                        *ends.entry(key(c)).or_default() += 1;
                    }
                }
            }
        }
        let valves: Vec<_> = water
            .iter()
            .filter(|f| f.kind == FeatureKind::Valve)
            .collect();
        for v in &valves {
            if let Geometry::Point(p) = &v.geometry {
                assert!(
                    ends.get(&key(p.0)).copied().unwrap_or(0) >= 2,
                    "valve {} is not on a node",
                    v.id
                );
            }
        }
        let lonely = ends.values().filter(|n| **n == 1).count();
        // Only the outer ends of the grid's edge streets end alone.
        assert_eq!(lonely, 0, "dangling main ends");
    }
}
