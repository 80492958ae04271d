//! The street grid every layer is laid along: blocks, crossings, survey positions and depths,
//! and the generator state (one random stream per layer).

use std::f64::consts::PI;

use chrono::{DateTime, NaiveDate, Utc};
use geo::{Coord, Geometry, LineString};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use undermap_core::{
    Accuracy, CoreError, Depth, DepthMethod, Feature, FeatureAttributes, FeatureKind,
};

pub(crate) const SPACING: f64 = 150.0;
const ROTATION_DEG: f64 = 12.0;
/// Centre of the generated town: Xiushan county town in EPSG:4545.
const CENTRE: (f64, f64) = (596_973.0, 3_148_711.0);
pub(crate) const RED_LINE_HALF_WIDTH: f64 = 12.0;

pub(crate) struct Gen {
    pub(crate) rng: ChaCha8Rng,
    pub(crate) n: usize,
    pub(crate) layer: undermap_core::LayerId,
    pub(crate) out: Vec<Feature>,
}

/// A street block: from crossing (i, j) one block east (`east`) or north.
#[derive(Clone, Copy)]
pub(crate) struct Block {
    pub(crate) i: usize,
    pub(crate) j: usize,
    pub(crate) east: bool,
}

impl Block {
    pub(crate) fn name(self) -> String {
        format!("{}{}-{}", if self.east { "E" } else { "N" }, self.i, self.j)
    }
    /// Street-grid point at `along` metres into the block and `across` metres north (east-west
    /// streets) or east (north-south streets) of its axis. One frame for both directions puts
    /// the mains of a network at `across = d` on both streets, so they cross at one node.
    pub(crate) fn at(self, along: f64, across: f64) -> (f64, f64) {
        #[allow(clippy::cast_precision_loss)]
        let (u0, v0) = (self.i as f64 * SPACING, self.j as f64 * SPACING);
        if self.east {
            (u0 + along, v0 + across)
        } else {
            (u0 + across, v0 + along)
        }
    }
    pub(crate) fn major(self) -> bool {
        (if self.east { self.j } else { self.i }) % 5 == 0
    }
}

impl Gen {
    pub(crate) fn xy(&self, (u, v): (f64, f64)) -> Coord<f64> {
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

    pub(crate) fn blocks(&self) -> Vec<Block> {
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

    pub(crate) fn survey(&mut self) -> (Option<NaiveDate>, Option<Accuracy>) {
        let date = NaiveDate::from_ymd_opt(
            self.rng.gen_range(2005..=2024),
            self.rng.gen_range(1..=12),
            self.rng.gen_range(1..=28),
        );
        let acc = [Some(0.05), Some(0.1), Some(0.3), Some(0.5), Some(1.0), None]
            [self.rng.gen_range(0..6)];
        (date, acc.and_then(|a| Accuracy::new(a).ok()))
    }

    pub(crate) fn depths(&mut self, (lo, hi): (f64, f64), size_m: f64) -> FeatureAttributes {
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

    pub(crate) fn push(
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

    pub(crate) fn line(&self, points: &[(f64, f64)]) -> Geometry<f64> {
        LineString(points.iter().map(|p| self.xy(*p)).collect()).into()
    }
}
