//! Query parameters of the OGC endpoints, parsed into typed requests. Unknown parameters are
//! refused (Part 1 requirement /req/core/query-param-unknown), so a typo never silently returns
//! the whole collection.

use geo::{Polygon, Rect};
use undermap_crs::{densified_ring, Crs, Transformer};

use crate::cql2::{property_equals, Filter};
use crate::items::{Area, Cursor, ItemsRequest};
use crate::queryables::Property;
use crate::OgcError;

/// Default page size.
pub const DEFAULT_LIMIT: usize = 100;
/// Largest page size; a larger `limit` is lowered to it, as Part 1 allows.
pub const MAX_LIMIT: usize = 10_000;

/// The CRSs every collection offers: CRS84 first (the default), then the geographic ones,
/// Web Mercator, and the deployment's own grid (the storage CRS).
#[must_use]
pub fn offered_crs(deployment: &Crs) -> Vec<Crs> {
    let mut out = vec![Crs::crs84()];
    for code in [4326, 4490, 3857] {
        if let Ok(crs) = Crs::epsg(code) {
            out.push(crs);
        }
    }
    if !out.iter().any(|c| c.name() == deployment.name()) {
        // The deployment CRS as PROJ defines it (northing first for the CGCS2000 grids).
        out.push(Crs::parse(deployment.name()).unwrap_or_else(|_| deployment.clone()));
    }
    out
}

/// Picks an offered CRS by any of its names (URI, URN, `EPSG:n`).
pub fn pick_crs(name: &str, text: &str, deployment: &Crs) -> Result<Crs, OgcError> {
    let offered = offered_crs(deployment);
    let list = || offered.iter().map(Crs::uri).collect::<Vec<_>>().join(", ");
    let crs = Crs::parse(text).map_err(|_| OgcError::CrsNotOffered {
        crs: format!("{text} (parameter `{name}`)"),
        offered: list(),
    })?;
    offered
        .iter()
        .find(|c| c.name() == crs.name())
        .cloned()
        .ok_or_else(|| OgcError::CrsNotOffered {
            crs: format!("{} (parameter `{name}`)", crs.uri()),
            offered: list(),
        })
}

/// A parsed `/items` query.
#[derive(Debug)]
pub struct ItemsParams {
    /// What to select.
    pub request: ItemsRequest,
    /// The CRS of the response.
    pub crs: Crs,
    /// `datetime` as given (the service reads it: the map as it stood then).
    pub datetime: Option<String>,
    /// The parameters to repeat in `next`/`prev` links (all but `cursor`).
    pub carried: Vec<(String, String)>,
}

const ITEMS_PARAMS: &str = "limit, bbox, bbox-crs, crs, datetime, filter, filter-lang, \
                            filter-crs, cursor, f, and any queryable as property=value";

/// Parses the query of `/collections/{id}/items`.
pub fn items(pairs: &[(String, String)], deployment: &Crs) -> Result<ItemsParams, OgcError> {
    let get = |name: &str| -> Result<Option<&str>, OgcError> {
        let mut found = pairs.iter().filter(|(k, _)| k == name);
        let first = found.next().map(|(_, v)| v.as_str());
        if found.next().is_some() {
            return Err(OgcError::param(name, "given more than once"));
        }
        Ok(first)
    };
    for (k, _) in pairs {
        let known = matches!(
            k.as_str(),
            "limit"
                | "bbox"
                | "bbox-crs"
                | "crs"
                | "datetime"
                | "filter"
                | "filter-lang"
                | "filter-crs"
                | "cursor"
                | "f"
                | "id"
        ) || Property::parse(k).is_some();
        if !known {
            return Err(OgcError::UnknownParameter(k.clone(), ITEMS_PARAMS.into()));
        }
    }
    check_format(get("f")?)?;
    let limit = match get("limit")? {
        None => DEFAULT_LIMIT,
        Some(text) => match text.parse::<usize>() {
            Ok(0) | Err(_) => {
                return Err(OgcError::param(
                    "limit",
                    format!("`{text}` is not a whole number from 1 to {MAX_LIMIT}"),
                ))
            }
            Ok(n) => n.min(MAX_LIMIT),
        },
    };
    let crs = match get("crs")? {
        Some(text) => pick_crs("crs", text, deployment)?,
        None => Crs::crs84(),
    };
    let bbox_crs = match get("bbox-crs")? {
        Some(text) => pick_crs("bbox-crs", text, deployment)?,
        None => Crs::crs84(),
    };
    let map = deployment.gis_order();
    let bbox = match get("bbox")? {
        Some(text) => Some(bbox(text, &bbox_crs, &map)?),
        None => None,
    };
    let mut filter = None;
    if let Some(lang) = get("filter-lang")? {
        if lang != "cql2-text" {
            return Err(OgcError::param(
                "filter-lang",
                format!("`{lang}` is not supported; use cql2-text"),
            ));
        }
    }
    // Checked with or without a filter, as `crs` and `bbox-crs` are: a bad value is refused.
    let filter_crs = match get("filter-crs")? {
        Some(t) => pick_crs("filter-crs", t, deployment)?,
        None => Crs::crs84(),
    };
    if let Some(text) = get("filter")? {
        let to_map = Transformer::new(&filter_crs, &map)?;
        filter = Some(Filter::parse(text, &to_map)?);
    }
    for (k, v) in pairs {
        let expr = if k == "id" {
            crate::cql2::Expr::Compare(
                crate::cql2::Field::Id,
                crate::cql2::CmpOp::Eq,
                crate::cql2::Literal::Str(v.clone()),
            )
        } else if let Some(p) = Property::parse(k) {
            property_equals(p, v).map_err(|reason| OgcError::param(k, reason))?
        } else {
            continue;
        };
        let simple = Filter::from_expr(expr);
        filter = Some(match filter {
            Some(f) => f.and(simple),
            None => simple,
        });
    }
    let cursor = get("cursor")?.map(Cursor::parse).transpose()?;
    let carried = pairs
        .iter()
        .filter(|(k, _)| k != "cursor")
        .cloned()
        .collect();
    Ok(ItemsParams {
        request: ItemsRequest {
            bbox,
            filter,
            limit,
            cursor,
            view: None,
        },
        crs,
        datetime: get("datetime")?.map(str::to_owned),
        carried,
    })
}

/// The query of `/collections/{id}/items/{featureId}`: `crs`, `datetime`, `f`.
pub fn item(
    pairs: &[(String, String)],
    deployment: &Crs,
) -> Result<(Crs, Option<String>), OgcError> {
    let mut crs = Crs::crs84();
    let mut datetime = None;
    for (k, v) in pairs {
        match k.as_str() {
            "crs" => crs = pick_crs("crs", v, deployment)?,
            "datetime" => datetime = Some(v.clone()),
            "f" => check_format(Some(v))?,
            other => {
                return Err(OgcError::UnknownParameter(
                    other.to_owned(),
                    "crs, datetime and f".into(),
                ))
            }
        }
    }
    Ok((crs, datetime))
}

/// Only JSON is served (no HTML pages): `f=json` and its synonyms are accepted.
pub fn check_format(f: Option<&str>) -> Result<(), OgcError> {
    match f {
        None | Some("json" | "geojson" | "application/json" | "application/geo+json") => Ok(()),
        Some(other) => Err(OgcError::param(
            "f",
            format!("`{other}` is not served; responses are JSON (f=json)"),
        )),
    }
}

/// Parses `bbox` (4 or 6 numbers, in `crs`'s axis order) into an area in the map CRS: the box
/// edges are densified before reprojection, so a box in degrees becomes the right curved shape
/// on the grid.
pub fn bbox(text: &str, crs: &Crs, map: &Crs) -> Result<Area, OgcError> {
    let numbers: Vec<f64> = text
        .split(',')
        .map(|s| s.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| OgcError::param("bbox", format!("`{text}` is not a list of numbers")))?;
    let (a1, b1, a2, b2) = match numbers.as_slice() {
        [a1, b1, a2, b2] | [a1, b1, _, a2, b2, _] => (*a1, *b1, *a2, *b2),
        _ => {
            return Err(OgcError::param(
                "bbox",
                format!("expected 4 (or 6) numbers, found {}", numbers.len()),
            ))
        }
    };
    if !numbers.iter().all(|n| n.is_finite()) || a1 > a2 || b1 > b2 {
        return Err(OgcError::param(
            "bbox",
            "the lower corner must come first and every number must be finite",
        ));
    }
    let to_map = Transformer::new(crs, map)?;
    let mut r = Rect::new((a1, b1), (a2, b2));
    if crs.is_geographic() {
        // Keep the box inside what PROJ can take and clip it to the grid's area of use (with
        // half a degree of slack): a world-wide box is a legitimate request (QGIS sends one) and
        // must not fail because the far side of the world has no image on the grid.
        let north_first = crs.axis_order() == undermap_crs::AxisOrder::NorthEast;
        let swap = |r: Rect<f64>| Rect::new((r.min().y, r.min().x), (r.max().y, r.max().x));
        let lon_lat = if north_first { swap(r) } else { r };
        let lon_lat = Rect::new(
            (
                lon_lat.min().x.clamp(-180.0, 180.0),
                lon_lat.min().y.clamp(-85.0, 85.0),
            ),
            (
                lon_lat.max().x.clamp(-180.0, 180.0),
                lon_lat.max().y.clamp(-85.0, 85.0),
            ),
        );
        let Some(clipped) = map.clip_lon_lat(lon_lat, 0.5) else {
            return Ok(Area::nothing());
        };
        r = if north_first { swap(clipped) } else { clipped };
    }
    let outline = geo::Geometry::Polygon(Polygon::new(densified_ring(r, 16), vec![]));
    let polygon = to_map
        .geometry(&outline)
        .map_err(|e| OgcError::param("bbox", e.to_string()))?;
    let geo::Geometry::Polygon(polygon) = polygon else {
        return Ok(Area::nothing());
    };
    Ok(Area::new(polygon))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Vec<(String, String)> {
        s.split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (k.to_owned(), v.to_owned())
            })
            .collect()
    }

    fn gk() -> Crs {
        Crs::epsg(4545).unwrap()
    }

    #[test]
    fn defaults_and_limits() {
        let p = items(&q(""), &gk()).unwrap();
        assert_eq!(p.request.limit, DEFAULT_LIMIT);
        assert_eq!(p.crs.name(), "OGC:CRS84");
        assert_eq!(
            items(&q("limit=50000"), &gk()).unwrap().request.limit,
            MAX_LIMIT
        );
        assert!(items(&q("limit=0"), &gk()).is_err());
        assert!(items(&q("limit=-3"), &gk()).is_err());
        assert!(items(&q("limit=1&limit=2"), &gk()).is_err());
    }

    #[test]
    fn unknown_parameters_and_crs_are_refused() {
        assert!(matches!(
            items(&q("colour=red"), &gk()),
            Err(OgcError::UnknownParameter(..))
        ));
        assert!(matches!(
            items(&q("crs=EPSG:2383"), &gk()),
            Err(OgcError::CrsNotOffered { .. })
        ));
        let p = items(&q("crs=http://www.opengis.net/def/crs/EPSG/0/4545"), &gk()).unwrap();
        assert_eq!(p.crs.name(), "EPSG:4545");
        assert!(items(&q("f=html"), &gk()).is_err());
    }

    #[test]
    fn bbox_in_lat_lon_order_lands_in_the_same_place() {
        let map = gk().gis_order();
        let lon_lat = bbox("108.9,28.4,109.0,28.5", &Crs::crs84(), &map).unwrap();
        let lat_lon = bbox("28.4,108.9,28.5,109.0", &Crs::epsg(4326).unwrap(), &map).unwrap();
        let (a, b) = (lon_lat.envelope().unwrap(), lat_lon.envelope().unwrap());
        assert!((a.min().x - b.min().x).abs() < 1.0 && (a.max().y - b.max().y).abs() < 1.0);
        assert!(a.min().x > 500_000.0 && a.min().y > 3_000_000.0);
        assert!(bbox("1,2,3", &Crs::crs84(), &map).is_err());
        assert!(bbox("3,2,1,4", &Crs::crs84(), &map).is_err());
        // The whole world is clipped to the grid's area instead of failing.
        let world = bbox("-180,-90,180,90", &Crs::crs84(), &map).unwrap();
        assert!(world.envelope().is_some());
        // A box on the other side of the world selects nothing.
        assert!(bbox("-10,40,-9,41", &Crs::crs84(), &map)
            .unwrap()
            .envelope()
            .is_none());
    }

    #[test]
    fn property_parameters_become_filters() {
        let p = items(&q("material=PE&diameter_mm=200"), &gk()).unwrap();
        assert!(p.request.filter.is_some());
        assert!(items(&q("diameter_mm=wide"), &gk()).is_err());
        assert_eq!(p.carried.len(), 2);
    }
}
