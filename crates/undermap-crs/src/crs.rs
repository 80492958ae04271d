use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use crate::facts::{inspect, Facts};
use crate::CrsError;

/// Which axis comes first in coordinates exchanged with this CRS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AxisOrder {
    /// Easting (longitude) first: CRS84, GeoJSON, and undermap's internal geometries.
    EastNorth,
    /// Northing (latitude) first: EPSG:4326, EPSG:4490, the CGCS2000 Gauss-Krüger grids.
    NorthEast,
}

#[derive(Debug)]
struct Inner {
    /// What PROJ is given.
    definition: String,
    /// Canonical short name, e.g. `EPSG:4545`.
    name: String,
    epsg: Option<u32>,
    facts: Facts,
}

/// A coordinate reference system PROJ knows, with the axis order coordinates use with it.
///
/// ```
/// use undermap_crs::{AxisOrder, Crs};
/// let crs = Crs::parse("http://www.opengis.net/def/crs/EPSG/0/4490").unwrap();
/// assert_eq!(crs.name(), "EPSG:4490");
/// assert_eq!(crs.axis_order(), AxisOrder::NorthEast);
/// assert_eq!(crs.gis_order().axis_order(), AxisOrder::EastNorth);
/// assert!(Crs::parse("EPSG:123456789").is_err());
/// ```
#[derive(Debug, Clone)]
pub struct Crs {
    inner: Arc<Inner>,
    axis_order: AxisOrder,
}

impl PartialEq for Crs {
    fn eq(&self, other: &Self) -> bool {
        self.inner.definition == other.inner.definition && self.axis_order == other.axis_order
    }
}
impl Eq for Crs {}

fn cache() -> &'static Mutex<HashMap<String, Arc<Inner>>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Inner>>>> = OnceLock::new();
    CACHE.get_or_init(Mutex::default)
}

impl Crs {
    /// Parses `EPSG:4490`, `OGC:CRS84`, `CRS84`, `urn:ogc:def:crs:EPSG::4490`,
    /// `http://www.opengis.net/def/crs/EPSG/0/4490`, or a PROJ string (`+proj=tmerc …`) for a
    /// local grid. The result uses the CRS's own axis order (PROJ strings: easting first).
    pub fn parse(text: &str) -> Result<Self, CrsError> {
        let trimmed = text.trim();
        let (definition, name, epsg) = canonical(trimmed).ok_or_else(|| CrsError::Unknown {
            text: trimmed.chars().take(200).collect(),
            reason: "expected EPSG:<code>, OGC:CRS84, an OGC CRS URI or URN, WKT, or a PROJ string"
                .into(),
        })?;
        let inner = {
            let cached = cache()
                .lock()
                .ok()
                .and_then(|c| c.get(&definition).cloned());
            if let Some(inner) = cached {
                inner
            } else {
                let facts = inspect(&definition).map_err(|reason| CrsError::Unknown {
                    text: trimmed.chars().take(200).collect(),
                    reason,
                })?;
                let inner = Arc::new(Inner {
                    definition: definition.clone(),
                    name,
                    epsg,
                    facts,
                });
                if let Ok(mut c) = cache().lock() {
                    c.insert(definition, inner.clone());
                }
                inner
            }
        };
        let axis_order = if inner.facts.north_first && !inner.definition.starts_with('+') {
            AxisOrder::NorthEast
        } else {
            AxisOrder::EastNorth
        };
        Ok(Self { inner, axis_order })
    }

    /// `OGC:CRS84`: WGS 84 longitude, latitude; the GeoJSON default.
    ///
    /// # Panics
    /// Only if PROJ's own database lacks OGC:CRS84, a broken installation.
    #[must_use]
    pub fn crs84() -> Self {
        Self::parse("OGC:CRS84").expect("PROJ always knows OGC:CRS84")
    }

    /// An EPSG code.
    pub fn epsg(code: u32) -> Result<Self, CrsError> {
        Self::parse(&format!("EPSG:{code}"))
    }

    /// The same CRS with easting (longitude) first, the order undermap keeps geometries in.
    #[must_use]
    pub fn gis_order(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            axis_order: AxisOrder::EastNorth,
        }
    }

    /// The canonical short name: `EPSG:4545`, `OGC:CRS84`, or the PROJ string.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The OGC URI (`http://www.opengis.net/def/crs/EPSG/0/4545`), for `Content-Crs` headers.
    #[must_use]
    pub fn uri(&self) -> String {
        match (self.inner.epsg, self.inner.name.as_str()) {
            (Some(code), _) => format!("http://www.opengis.net/def/crs/EPSG/0/{code}"),
            (None, "OGC:CRS84") => "http://www.opengis.net/def/crs/OGC/1.3/CRS84".into(),
            (None, other) => other.to_owned(),
        }
    }

    /// The EPSG code, if it has one (the SRID used in PostGIS).
    #[must_use]
    pub fn epsg_code(&self) -> Option<u32> {
        self.inner.epsg
    }

    /// Which axis comes first in coordinates exchanged with this CRS.
    #[must_use]
    pub fn axis_order(&self) -> AxisOrder {
        self.axis_order
    }

    /// Degrees rather than metres.
    #[must_use]
    pub fn is_geographic(&self) -> bool {
        self.inner.facts.geographic
    }

    /// Where the CRS is valid: west, south, east, north in degrees.
    #[must_use]
    pub fn area_of_use(&self) -> Option<[f64; 4]> {
        self.inner.facts.area
    }

    /// A longitude/latitude box (CRS84 order, degrees) cut down to this CRS's area of use grown by
    /// `slack_deg` on every side; `None` when they do not meet. Without a known area the box is
    /// returned as it is. A world-wide map view or query box becomes the part the grid can
    /// take, instead of a failed transformation on the far side of the world.
    #[must_use]
    pub fn clip_lon_lat(&self, r: geo::Rect<f64>, slack_deg: f64) -> Option<geo::Rect<f64>> {
        let Some([w, s, e, n]) = self.area_of_use() else {
            return Some(r);
        };
        let (x1, y1) = (r.min().x.max(w - slack_deg), r.min().y.max(s - slack_deg));
        let (x2, y2) = (r.max().x.min(e + slack_deg), r.max().y.min(n + slack_deg));
        (x1 <= x2 && y1 <= y2).then(|| geo::Rect::new((x1, y1), (x2, y2)))
    }

    /// A description of the area of use, for error messages.
    #[must_use]
    pub fn area_description(&self) -> String {
        match (self.inner.facts.area, &self.inner.facts.area_name) {
            (Some([w, s, e, n]), Some(name)) => format!("{name}: {w}..{e} E, {s}..{n} N"),
            (Some([w, s, e, n]), None) => format!("{w}..{e} E, {s}..{n} N"),
            _ => "unknown area".into(),
        }
    }

    /// PROJ's name of the CRS, e.g. "CGCS2000 / 3-degree Gauss-Kruger CM 108E".
    #[must_use]
    pub fn title(&self) -> &str {
        self.inner.facts.name.as_deref().unwrap_or(&self.inner.name)
    }

    /// The CRS as WKT 1 (GDAL flavour), e.g. for a GeoPackage's `gpkg_spatial_ref_sys`.
    #[must_use]
    pub fn wkt(&self) -> Option<&str> {
        self.inner.facts.wkt.as_deref()
    }

    pub(crate) fn definition(&self) -> &str {
        &self.inner.definition
    }
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// (definition for PROJ, canonical name, EPSG code)
fn canonical(text: &str) -> Option<(String, String, Option<u32>)> {
    let crs84 = || Some(("OGC:CRS84".to_owned(), "OGC:CRS84".to_owned(), None));
    if text.starts_with("+proj=") {
        // Without `+type=crs` PROJ reads a PROJ string as an operation, not a CRS.
        let definition = if text.contains("+type=crs") {
            text.to_owned()
        } else {
            format!("{text} +type=crs")
        };
        return Some((definition, text.to_owned(), None));
    }
    let upper = text.to_ascii_uppercase();
    // WKT (1 or 2, OGC or ESRI flavour, as in a Shapefile's .prj): PROJ reads it as it is; the
    // name is the CRS's own.
    if [
        "PROJCS[",
        "GEOGCS[",
        "PROJCRS[",
        "GEOGCRS[",
        "COMPD_CS[",
        "COMPOUNDCRS[",
    ]
    .iter()
    .any(|k| upper.starts_with(k))
    {
        let name = text.split('"').nth(1).unwrap_or("WKT CRS").to_owned();
        return Some((text.to_owned(), name, None));
    }
    let code = if let Some(rest) = upper.strip_prefix("EPSG:") {
        rest
    } else if let Some(rest) = upper.strip_prefix("URN:OGC:DEF:CRS:EPSG:") {
        // urn:ogc:def:crs:EPSG::4490 or urn:ogc:def:crs:EPSG:9.1:4490
        rest.rsplit(':').next()?
    } else if let Some(rest) = upper
        .strip_prefix("HTTP://WWW.OPENGIS.NET/DEF/CRS/EPSG/")
        .or_else(|| upper.strip_prefix("HTTPS://WWW.OPENGIS.NET/DEF/CRS/EPSG/"))
    {
        rest.rsplit('/').next()?
    } else if matches!(
        upper.as_str(),
        "OGC:CRS84"
            | "CRS84"
            | "URN:OGC:DEF:CRS:OGC:1.3:CRS84"
            | "URN:OGC:DEF:CRS:OGC::CRS84"
            | "HTTP://WWW.OPENGIS.NET/DEF/CRS/OGC/1.3/CRS84"
            | "HTTPS://WWW.OPENGIS.NET/DEF/CRS/OGC/1.3/CRS84"
    ) {
        return crs84();
    } else {
        return None;
    };
    let code: u32 = code.parse().ok()?;
    Some((format!("EPSG:{code}"), format!("EPSG:{code}"), Some(code)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_esri_wkt_from_a_prj_file() {
        let wkt = r#"PROJCS["CGCS2000_3_Degree_GK_CM_108E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",108.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
        let crs = Crs::parse(wkt).unwrap();
        assert_eq!(crs.name(), "CGCS2000_3_Degree_GK_CM_108E");
        let t = crate::Transformer::new(&crs.gis_order(), &Crs::epsg(4545).unwrap().gis_order())
            .unwrap();
        let c = t
            .coord(geo::Coord {
                x: 596_973.4,
                y: 3_148_711.3,
            })
            .unwrap();
        assert!(
            (c.x - 596_973.4).abs() < 0.01 && (c.y - 3_148_711.3).abs() < 0.01,
            "{c:?}"
        );
        assert!(Crs::parse("PROJCS[\"nonsense\"]").is_err());
    }

    #[test]
    fn parses_every_spelling() {
        for text in [
            "EPSG:4545",
            "epsg:4545",
            "urn:ogc:def:crs:EPSG::4545",
            "http://www.opengis.net/def/crs/EPSG/0/4545",
        ] {
            let crs = Crs::parse(text).unwrap();
            assert_eq!(crs.name(), "EPSG:4545", "{text}");
            assert_eq!(crs.epsg_code(), Some(4545));
        }
        for text in [
            "OGC:CRS84",
            "CRS84",
            "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
        ] {
            let crs = Crs::parse(text).unwrap();
            assert_eq!(crs.name(), "OGC:CRS84");
            assert_eq!(crs.axis_order(), AxisOrder::EastNorth);
        }
        assert_eq!(
            Crs::epsg(4545).unwrap().uri(),
            "http://www.opengis.net/def/crs/EPSG/0/4545"
        );
    }

    #[test]
    fn rejects_unknowns_with_a_reason() {
        for bad in [
            "",
            "EPSG:",
            "EPSG:0",
            "EPSG:99999999",
            "WGS84'; DROP TABLE x",
            "EPSG:7030",
        ] {
            let err = Crs::parse(bad).unwrap_err();
            assert!(matches!(err, CrsError::Unknown { .. }), "{bad}: {err}");
        }
    }
}
