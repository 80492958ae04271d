//! Mapbox Vector Tile 2.1 encoding (protocol buffers written by hand: the format has six
//! messages and needs no code generator).

use std::collections::HashMap;

/// Tile extent: coordinates run from 0 to 4096 across a tile.
pub const EXTENT: u32 = 4096;

/// A feature's geometry type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeomType {
    /// Points.
    Point = 1,
    /// Lines.
    LineString = 2,
    /// Polygons.
    Polygon = 3,
}

/// An attribute value.
#[derive(Debug, Clone, PartialEq)]
pub enum TileValue {
    /// Text.
    Str(String),
    /// A number.
    Double(f64),
}

#[derive(Hash, PartialEq, Eq)]
enum ValueKey {
    Str(String),
    Double(u64),
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        // Seven bits at a time, low first; the cast keeps exactly those bits.
        #[allow(clippy::cast_possible_truncation)]
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    #[allow(clippy::cast_possible_truncation)]
    out.push(v as u8);
}

fn key(out: &mut Vec<u8>, field: u32, wire: u32) {
    varint(out, u64::from((field << 3) | wire));
}

fn bytes_field(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    key(out, field, 2);
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn packed(out: &mut Vec<u8>, field: u32, values: &[u32]) {
    let mut body = Vec::with_capacity(values.len() * 2);
    for &v in values {
        varint(&mut body, u64::from(v));
    }
    bytes_field(out, field, &body);
}

/// Zig-zag encoding of a signed parameter.
#[must_use]
pub fn zigzag(v: i32) -> u32 {
    // The arithmetic shift spreads the sign bit; the casts reinterpret bits as the spec says.
    #[allow(clippy::cast_sign_loss)]
    let r = ((v << 1) ^ (v >> 31)) as u32;
    r
}

/// Turns pixel coordinates into the command stream of one feature.
#[derive(Debug, Default)]
pub struct GeometryEncoder {
    commands: Vec<u32>,
    cursor: (i32, i32),
}

impl GeometryEncoder {
    fn command(&mut self, id: u32, count: usize) {
        let count = u32::try_from(count).unwrap_or(u32::MAX >> 3);
        self.commands.push((id & 0x7) | (count << 3));
    }

    fn delta(&mut self, p: (i32, i32)) {
        self.commands.push(zigzag(p.0 - self.cursor.0));
        self.commands.push(zigzag(p.1 - self.cursor.1));
        self.cursor = p;
    }

    /// One or more points.
    pub fn points(&mut self, points: &[(i32, i32)]) {
        if points.is_empty() {
            return;
        }
        self.command(1, points.len());
        for &p in points {
            self.delta(p);
        }
    }

    /// One line of at least two points.
    pub fn line(&mut self, line: &[(i32, i32)]) {
        if line.len() < 2 {
            return;
        }
        self.command(1, 1);
        self.delta(line[0]);
        self.command(2, line.len() - 1);
        for &p in &line[1..] {
            self.delta(p);
        }
    }

    /// One ring, without its closing point, of at least three points.
    pub fn ring(&mut self, ring: &[(i32, i32)]) {
        if ring.len() < 3 {
            return;
        }
        self.command(1, 1);
        self.delta(ring[0]);
        self.command(2, ring.len() - 1);
        for &p in &ring[1..] {
            self.delta(p);
        }
        self.command(7, 1);
    }

    /// Whether nothing was drawn.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.commands.is_empty()
    }
}

/// One layer of a tile being built.
#[derive(Default)]
pub struct LayerBuilder {
    name: String,
    keys: Vec<String>,
    key_index: HashMap<String, u32>,
    values: Vec<TileValue>,
    value_index: HashMap<ValueKey, u32>,
    features: Vec<u8>,
    count: usize,
}

impl LayerBuilder {
    /// An empty layer.
    #[must_use]
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            ..Self::default()
        }
    }

    /// How many features it holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether it holds none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    fn key_id(&mut self, k: &str) -> u32 {
        if let Some(&i) = self.key_index.get(k) {
            return i;
        }
        let i = u32::try_from(self.keys.len()).unwrap_or(u32::MAX);
        self.keys.push(k.to_owned());
        self.key_index.insert(k.to_owned(), i);
        i
    }

    fn value_id(&mut self, v: &TileValue) -> u32 {
        let k = match v {
            TileValue::Str(s) => ValueKey::Str(s.clone()),
            TileValue::Double(d) => ValueKey::Double(d.to_bits()),
        };
        if let Some(&i) = self.value_index.get(&k) {
            return i;
        }
        let i = u32::try_from(self.values.len()).unwrap_or(u32::MAX);
        self.values.push(v.clone());
        self.value_index.insert(k, i);
        i
    }

    /// Adds a feature.
    pub fn add(
        &mut self,
        ty: GeomType,
        geometry: &GeometryEncoder,
        properties: &[(&str, TileValue)],
    ) {
        if geometry.is_empty() {
            return;
        }
        let mut tags = Vec::with_capacity(properties.len() * 2);
        for (k, v) in properties {
            tags.push(self.key_id(k));
            tags.push(self.value_id(v));
        }
        let mut body = Vec::with_capacity(16 + geometry.commands.len() * 2);
        packed(&mut body, 2, &tags);
        key(&mut body, 3, 0);
        varint(&mut body, ty as u64);
        packed(&mut body, 4, &geometry.commands);
        bytes_field(&mut self.features, 2, &body);
        self.count += 1;
    }

    /// The encoded `Layer` message.
    #[must_use]
    pub fn finish(self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.features.len() + 256);
        key(&mut out, 15, 0);
        varint(&mut out, 2);
        bytes_field(&mut out, 1, self.name.as_bytes());
        out.extend_from_slice(&self.features);
        for k in &self.keys {
            bytes_field(&mut out, 3, k.as_bytes());
        }
        for v in &self.values {
            let mut body = Vec::new();
            match v {
                TileValue::Str(s) => bytes_field(&mut body, 1, s.as_bytes()),
                TileValue::Double(d) => {
                    key(&mut body, 3, 1);
                    body.extend_from_slice(&d.to_le_bytes());
                }
            }
            bytes_field(&mut out, 4, &body);
        }
        key(&mut out, 5, 0);
        varint(&mut out, u64::from(EXTENT));
        out
    }
}

/// A tile from its layers (empty layers are left out).
#[must_use]
pub fn tile(layers: Vec<LayerBuilder>) -> Vec<u8> {
    let mut out = Vec::new();
    for l in layers.into_iter().filter(|l| !l.is_empty()) {
        bytes_field(&mut out, 3, &l.finish());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zigzag_matches_the_spec() {
        assert_eq!(zigzag(0), 0);
        assert_eq!(zigzag(-1), 1);
        assert_eq!(zigzag(1), 2);
        assert_eq!(zigzag(-2), 3);
        assert_eq!(zigzag(2_147_483_647), 4_294_967_294);
    }

    #[test]
    fn commands_match_the_spec_examples() {
        // MVT 2.1 spec, section 4.3.5.1: a point at (25, 17).
        let mut g = GeometryEncoder::default();
        g.points(&[(25, 17)]);
        assert_eq!(g.commands, [9, 50, 34]);
        // 4.3.5.3: a line (2,2) (2,10) (10,10).
        let mut g = GeometryEncoder::default();
        g.line(&[(2, 2), (2, 10), (10, 10)]);
        assert_eq!(g.commands, [9, 4, 4, 18, 0, 16, 16, 0]);
        // 4.3.5.5: a polygon (3,6) (8,12) (20,34).
        let mut g = GeometryEncoder::default();
        g.ring(&[(3, 6), (8, 12), (20, 34)]);
        assert_eq!(g.commands, [9, 6, 12, 18, 10, 12, 24, 44, 15]);
    }
}
