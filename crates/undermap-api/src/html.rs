//! What the printable pages (a ticket, a filing notice) share: escaping what they show, and the
//! content security policy of a page that loads nothing.

use serde_json::Value;

/// A printable page loads nothing: its styles are inline and its pictures are data.
pub(crate) const PRINT_CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'";

/// Text escaped for HTML content and attribute values.
pub(crate) use undermap_core::text::escape_html as esc;

/// A JSON value as escaped text; `—` for null.
pub(crate) fn text(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(s) => esc(s),
        other => esc(&other.to_string()),
    }
}

/// The QR code of a verification link (a ticket's or a clearance report's).
pub(crate) fn qr_svg(content: &str) -> String {
    qrcode::QrCode::with_error_correction_level(content.as_bytes(), qrcode::EcLevel::M)
        .map(|code| {
            code.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(150, 150)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default()
        // The renderer writes an XML declaration, out of place inside HTML.
        .split_once("?>")
        .map_or_else(String::new, |(_, svg)| svg.to_owned())
}

/// A printed map's projection from (east, north) to the viewBox.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Projection {
    /// ViewBox units per CRS unit (northwards).
    pub(crate) scale: f64,
    stretch: f64,
    centre: (f64, f64),
}

impl Projection {
    /// Where (east, north) lands in the viewBox.
    pub(crate) fn at(&self, (x, y): (f64, f64)) -> (f64, f64) {
        let (w, h) = MAP_BOX;
        (
            w / 2.0 + (x - self.centre.0) * self.stretch * self.scale,
            h / 2.0 - (y - self.centre.1) * self.scale,
        )
    }
}

/// The printed map's viewBox: width and height.
pub(crate) const MAP_BOX: (f64, f64) = (180.0, 120.0);

/// How a printed document's CRS lays its positions out, for drawing its map.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Frame {
    /// Northing (latitude) first, as EPSG:4545 and EPSG:4490 are: drawn swapped.
    pub(crate) north_first: bool,
    /// Degrees, not metres.
    pub(crate) geographic: bool,
}

impl Frame {
    /// The frame of CRS `name`; easting-first metres when it cannot be read.
    pub(crate) fn of(name: &str) -> Self {
        undermap_crs::Crs::parse(name).map_or_else(
            |_| Self::default(),
            |c| Self {
                north_first: c.axis_order() == undermap_crs::AxisOrder::NorthEast,
                geographic: c.is_geographic(),
            },
        )
    }

    /// The printed map's projection (a 180 × 120 viewBox) framing `pts` (east, north) with a
    /// margin of `1 / margin_share` of their extent, at least `min_margin_m` metres, the frame
    /// filling `fill` of the box. Degrees of longitude are shortened by the cosine of the
    /// latitude. `None` without points.
    pub(crate) fn projection(
        self,
        pts: &[(f64, f64)],
        margin_share: f64,
        min_margin_m: f64,
        fill: f64,
    ) -> Option<Projection> {
        let first = pts.first()?;
        let (mut x0, mut y0, mut x1, mut y1) = (first.0, first.1, first.0, first.1);
        for (x, y) in pts {
            x0 = x0.min(*x);
            y0 = y0.min(*y);
            x1 = x1.max(*x);
            y1 = y1.max(*y);
        }
        let min_margin = if self.geographic {
            min_margin_m / 111_320.0
        } else {
            min_margin_m
        };
        let margin = ((x1 - x0).max(y1 - y0) / margin_share).max(min_margin);
        let (x0, y0, x1, y1) = (x0 - margin, y0 - margin, x1 + margin, y1 + margin);
        let stretch = if self.geographic {
            f64::midpoint(y0, y1).to_radians().cos()
        } else {
            1.0
        };
        let (w, h) = MAP_BOX;
        let scale = (w / ((x1 - x0) * stretch).max(1e-9)).min(h / (y1 - y0).max(1e-9)) * fill;
        let (cx, cy) = (f64::midpoint(x0, x1), f64::midpoint(y0, y1));
        Some(Projection {
            scale,
            stretch,
            centre: (cx, cy),
        })
    }

    /// A position as (east, north).
    pub(crate) fn at(self, p: &[f64]) -> (f64, f64) {
        if self.north_first {
            (p[1], p[0])
        } else {
            (p[0], p[1])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Frame;

    #[test]
    fn a_frame_draws_every_crs_east_then_north() {
        let gk = Frame::of("EPSG:4545");
        assert!(gk.north_first && !gk.geographic);
        assert_eq!(gk.at(&[3_148_654.0, 596_699.0]), (596_699.0, 3_148_654.0));
        let lat_lon = Frame::of("EPSG:4490");
        assert!(lat_lon.north_first && lat_lon.geographic);
        let lon_lat = Frame::of("OGC:CRS84");
        assert!(!lon_lat.north_first && lon_lat.geographic);
        assert_eq!(lon_lat.at(&[108.9, 28.4]), (108.9, 28.4));
    }
}
