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

mod grid;
mod networks;
mod thematic;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use undermap_core::{CoreError, Feature, FeatureKind};
use undermap_departments::registry;

use grid::Gen;
use networks::{resistance, Net};

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

/// The generated layers as the registry (`undermap-departments`) has them, for building an
/// index of generated data.
///
/// # Panics
/// If a generated layer is missing from the registry (a test holds them together).
#[must_use]
pub fn layer_infos() -> Vec<undermap_core::LayerInfo> {
    LAYERS
        .iter()
        .map(|id| {
            let layer = registry::layer(id).expect("every generated layer is in the registry");
            undermap_core::LayerInfo {
                id: id.parse().expect("generated layer ids are valid"),
                title: layer.title.into(),
                category: layer.category,
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Coord, Geometry};
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
            if registry::layer(l).map(|r| r.category)
                == Some(undermap_core::LayerCategory::Thematic)
            {
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

#[cfg(test)]
mod fingerprint {
    use super::*;

    /// FNV-1a over every feature's id and content hash, layer by layer.
    fn fingerprint(seed: u64, scale: Scale) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for l in LAYERS {
            for f in layer(seed, scale, l).unwrap() {
                for b in f.id.to_string().bytes().chain(f.content_hash().bytes()) {
                    h ^= u64::from(b);
                    h = h.wrapping_mul(0x0100_0000_01b3);
                }
            }
        }
        h
    }

    /// The generated county is the benchmarks' and the demo's data: a change of generator
    /// that changes it must be made on purpose (and the figures in docs/performance.md rerun).
    #[test]
    fn the_county_is_the_one_the_figures_were_measured_on() {
        assert_eq!(
            format!("{:016x}", fingerprint(42, Scale::County)),
            "d7c3ee090b4e87ac"
        );
    }
}
