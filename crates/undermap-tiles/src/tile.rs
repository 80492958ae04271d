//! Tile addressing in Web Mercator (EPSG:3857), XYZ scheme (y = 0 at the top).

use geo::Rect;

use crate::TileError;

/// Half the width of the Web Mercator square, in metres.
pub const HALF_WORLD: f64 = 20_037_508.342_789_244;
/// The deepest zoom served.
pub const MAX_ZOOM: u8 = 24;

/// A tile address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TileId {
    /// Zoom.
    pub z: u8,
    /// Column, from the west.
    pub x: u32,
    /// Row, from the north.
    pub y: u32,
}

impl TileId {
    /// Checks the address exists.
    pub fn new(z: u32, x: u32, y: u32) -> Result<Self, TileError> {
        let z8 = u8::try_from(z)
            .ok()
            .filter(|z| *z <= MAX_ZOOM)
            .ok_or(TileError::Zoom(z))?;
        let n = 1_u64 << z;
        if u64::from(x) >= n || u64::from(y) >= n {
            return Err(TileError::OutOfRange { z, x, y });
        }
        Ok(Self { z: z8, x, y })
    }

    /// The tile at zoom `z` that holds a longitude, latitude (clamped to the Web Mercator range).
    pub fn containing(lon: f64, lat: f64, z: u32) -> Result<Self, TileError> {
        if z > u32::from(MAX_ZOOM) {
            return Err(TileError::Zoom(z));
        }
        let n = f64::from(1_u32 << z);
        let lat = lat.clamp(-85.051_128_78, 85.051_128_78).to_radians();
        let fx = ((lon.clamp(-180.0, 180.0) + 180.0) / 360.0 * n).floor();
        let fy =
            ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor();
        // Both lie in 0..=n, which fits u32 for every served zoom.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let (x, y) = (fx.clamp(0.0, n - 1.0) as u32, fy.clamp(0.0, n - 1.0) as u32);
        Self::new(z, x, y)
    }

    /// Width of the tile in Web Mercator metres.
    #[must_use]
    pub fn size(self) -> f64 {
        2.0 * HALF_WORLD / f64::from(1_u32 << self.z.min(31))
    }

    /// The tile's square in Web Mercator metres.
    #[must_use]
    pub fn bounds(self) -> Rect<f64> {
        let size = self.size();
        let min_x = -HALF_WORLD + f64::from(self.x) * size;
        let max_y = HALF_WORLD - f64::from(self.y) * size;
        Rect::new((min_x, max_y - size), (min_x + size, max_y))
    }

    /// The tile's box in longitude and latitude (west, south, east, north).
    #[must_use]
    pub fn lon_lat_bounds(self) -> [f64; 4] {
        let b = self.bounds();
        let lon = |x: f64| x / HALF_WORLD * 180.0;
        let lat = |y: f64| {
            (2.0 * (y / HALF_WORLD * std::f64::consts::PI).exp().atan()
                - std::f64::consts::FRAC_PI_2)
                .to_degrees()
        };
        [
            lon(b.min().x),
            lat(b.min().y),
            lon(b.max().x),
            lat(b.max().y),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_bounds() {
        assert!(TileId::new(25, 0, 0).is_err());
        assert!(TileId::new(2, 4, 0).is_err());
        let t = TileId::new(0, 0, 0).unwrap();
        let [w, s, e, n] = t.lon_lat_bounds();
        assert!((w + 180.0).abs() < 1e-9 && (e - 180.0).abs() < 1e-9);
        assert!((n - 85.051_128_78).abs() < 1e-6 && (s + 85.051_128_78).abs() < 1e-6);
        // Xiushan at z16: the tile containing 108.99 E, 28.45 N holds that point.
        let t = TileId::containing(108.99, 28.45, 16).unwrap();
        assert_eq!((t.x, t.y), (52_609, 27_361));
        let [w, s, e, n] = t.lon_lat_bounds();
        assert!(w <= 108.99 && 108.99 < e && s <= 28.45 && 28.45 < n);
        assert!((e - w - 360.0 / 65_536.0).abs() < 1e-9);
        assert!(TileId::containing(180.0, -90.0, 3).is_ok());
    }
}
