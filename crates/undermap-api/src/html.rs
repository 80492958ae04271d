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
