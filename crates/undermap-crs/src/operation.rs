//! Which coordinate operation moves coordinates from one CRS to another, and the local datum
//! transformations a deployment configures.
//!
//! EPSG publishes no transformation from Xian 1980 or Beijing 1954 to CGCS2000. PROJ then falls
//! back to a *ballpark* operation, which takes the old latitude and longitude as CGCS2000's: that
//! can be metres to tens of metres off, and a pipe moved that far is a strike. [`best`] asks
//! PROJ which operation it would use and whether it is such a ballpark; a deployment gives the
//! surveying bureau's parameters as a [`LocalTransformation`] (a 7-parameter Helmert with its
//! source, or a PROJ pipeline) and [`crate::Transformer::local`] uses them instead.
#![allow(unsafe_code)]

use std::ptr;

use proj_sys as sys;
use serde::{Deserialize, Serialize};

use crate::facts::{text, Context, Object};
use crate::Crs;

/// The operation a transformer applies.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// Its name (PROJ's, or the local transformation's).
    pub name: String,
    /// Only a ballpark exists between the two datums, and they are not two realisations of the
    /// same terrestrial frame (WGS 84 and CGCS2000 are: PROJ's ballpark between them is good to
    /// decimetres). Positions may be metres off.
    pub ballpark: bool,
    /// Accuracy PROJ states for it, metres, when it states one.
    pub accuracy_m: Option<f64>,
    /// The operation as a PROJ string, when it has one.
    pub definition: Option<String>,
    /// Where a local transformation's parameters come from.
    pub source: Option<String>,
}

impl Operation {
    /// One line for a delivery record and its report.
    #[must_use]
    pub fn describe(&self) -> String {
        let mut out = self.name.clone();
        if let Some(source) = &self.source {
            out.push_str(&format!(" (parameters: {source})"));
        }
        if let Some(a) = self.accuracy_m {
            out.push_str(&format!(", accuracy {a} m"));
        }
        if self.ballpark {
            out.push_str(", BALLPARK: no published datum transformation");
        }
        if let Some(d) = &self.definition {
            out.push_str(&format!(" [{d}]"));
        }
        out
    }
}

/// A datum transformation a deployment uses for one source CRS instead of PROJ's choice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalTransformation {
    /// Its name, as deliveries and feature histories record it.
    pub name: String,
    /// The CRS deliveries are in (`EPSG:2381`, `EPSG:4610`…).
    pub source_crs: String,
    /// Where the parameters come from: the bureau, its document, the date.
    pub source: String,
    /// Seven parameters from the source datum to the deployment's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helmert: Option<Helmert>,
    /// Or a whole PROJ pipeline, from the source CRS (easting first, degrees for lon/lat) to the
    /// deployment CRS (easting first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline: Option<String>,
}

/// How a local transformation converts.
pub(crate) enum Method<'a> {
    Helmert(&'a Helmert),
    Pipeline(&'a str),
}

impl LocalTransformation {
    /// Its Helmert set or its pipeline: exactly one of them.
    pub(crate) fn method(&self) -> Result<Method<'_>, String> {
        match (&self.helmert, &self.pipeline) {
            (Some(h), None) => Ok(Method::Helmert(h)),
            (None, Some(p)) => Ok(Method::Pipeline(p.trim())),
            _ => Err("give either `helmert` or `pipeline`".into()),
        }
    }
}

/// A 7-parameter Helmert transformation between geocentric coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Helmert {
    /// Translations, metres.
    pub x_m: f64,
    /// Translation along Y, metres.
    pub y_m: f64,
    /// Translation along Z, metres.
    pub z_m: f64,
    /// Rotations, arc-seconds.
    pub rx_arcsec: f64,
    /// Rotation about Y, arc-seconds.
    pub ry_arcsec: f64,
    /// Rotation about Z, arc-seconds.
    pub rz_arcsec: f64,
    /// Scale difference, parts per million.
    pub scale_ppm: f64,
    /// Sign convention of the rotations (Chinese bureaus mostly publish coordinate frame, as
    /// the Bursa-Wolf parameters of GB/T 17942 do).
    #[serde(default)]
    pub convention: HelmertConvention,
}

/// Which way the rotations of a Helmert set turn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HelmertConvention {
    /// EPSG method 1032 (Bursa-Wolf as GB/T 17942 writes it).
    #[default]
    CoordinateFrame,
    /// EPSG method 1033.
    PositionVector,
}

/// What a deployment does about datums: its local transformations, and whether a delivery that
/// only a ballpark can convert is refused.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Datums {
    /// Local transformations, by source CRS.
    #[serde(default)]
    pub transformations: Vec<LocalTransformation>,
    /// Refuse deliveries that convert only by a ballpark (else: load them and warn).
    #[serde(default)]
    pub refuse_ballpark: bool,
}

impl Datums {
    /// The local transformation for deliveries in `crs`, if the deployment has one.
    pub fn for_source(&self, crs: &Crs) -> Result<Option<&LocalTransformation>, crate::CrsError> {
        for t in &self.transformations {
            if Crs::parse(&t.source_crs)?.definition() == crs.definition() {
                return Ok(Some(t));
            }
        }
        Ok(None)
    }

    /// Checks every transformation: its CRS is known, and it has exactly one of a Helmert set
    /// and a pipeline.
    pub fn check(&self) -> Result<(), String> {
        for t in &self.transformations {
            let refuse = |e: String| format!("transformation {:?}: {e}", t.name);
            Crs::parse(&t.source_crs).map_err(|e| refuse(e.to_string()))?;
            t.method().map_err(refuse)?;
        }
        Ok(())
    }
}

/// Datums that realise the same terrestrial frame to within decimetres: a ballpark between two
/// of them is not a shift that matters for a dig.
fn terrestrial(datum: &str) -> bool {
    datum.starts_with("World Geodetic System 1984")
        || datum.starts_with("China 2000")
        || datum.contains("International Terrestrial Reference Frame")
}

/// The datum of a CRS, by name (`None` when PROJ cannot tell, e.g. a bare PROJ string).
fn datum_name(ctx: &Context, crs: &Object) -> Option<String> {
    // SAFETY: valid context and CRS; results owned and destroyed by `Object`.
    let geodetic = Object(unsafe { sys::proj_crs_get_geodetic_crs(ctx.0, crs.0) });
    if geodetic.0.is_null() {
        return None;
    }
    // SAFETY: as above.
    let datum = Object(unsafe { sys::proj_crs_get_datum_forced(ctx.0, geodetic.0) });
    if datum.0.is_null() {
        return None;
    }
    // SAFETY: valid object; the name is copied out at once.
    text(unsafe { sys::proj_get_name(datum.0) })
}

/// The operation PROJ ranks first from `from` to `to` (definitions PROJ accepts).
pub(crate) fn best(from: &str, to: &str) -> Result<Operation, String> {
    let ctx = Context::new()?;
    let (src, dst) = (Object::create(&ctx, from)?, Object::create(&ctx, to)?);
    // SAFETY: valid context; no authority restriction.
    let factory = unsafe { sys::proj_create_operation_factory_context(ctx.0, ptr::null()) };
    if factory.is_null() {
        return Err("PROJ could not create an operation factory".into());
    }
    // As proj_create_crs_to_crs ranks them: operations whose area meets the CRSs' areas.
    // SAFETY: valid context and factory.
    unsafe {
        sys::proj_operation_factory_context_set_spatial_criterion(
            ctx.0,
            factory,
            sys::PROJ_SPATIAL_CRITERION_PROJ_SPATIAL_CRITERION_PARTIAL_INTERSECTION,
        );
    }
    // SAFETY: valid context, CRSs and factory.
    let list = unsafe { sys::proj_create_operations(ctx.0, src.0, dst.0, factory) };
    // SAFETY: created above, destroyed once.
    unsafe { sys::proj_operation_factory_context_destroy(factory) };
    if list.is_null() {
        return Err("PROJ found no operation".into());
    }
    // SAFETY: valid list.
    let count = unsafe { sys::proj_list_get_count(list) };
    let op = if count > 0 {
        // SAFETY: index 0 of a non-empty list; the result is owned by `Object`.
        Object(unsafe { sys::proj_list_get(ctx.0, list, 0) })
    } else {
        Object(ptr::null_mut())
    };
    // SAFETY: created above, destroyed once (the operation taken from it stays valid).
    unsafe { sys::proj_list_destroy(list) };
    if op.0.is_null() {
        return Err("PROJ found no operation".into());
    }
    // SAFETY: valid context and operation.
    let proj_ballpark =
        unsafe { sys::proj_coordoperation_has_ballpark_transformation(ctx.0, op.0) } != 0;
    // SAFETY: as above.
    let accuracy = unsafe { sys::proj_coordoperation_get_accuracy(ctx.0, op.0) };
    let same_frame = match (datum_name(&ctx, &src), datum_name(&ctx, &dst)) {
        (Some(a), Some(b)) => a == b || (terrestrial(&a) && terrestrial(&b)),
        _ => false,
    };
    Ok(Operation {
        // SAFETY: valid object; copied out at once.
        name: text(unsafe { sys::proj_get_name(op.0) }).unwrap_or_else(|| "unnamed".into()),
        ballpark: proj_ballpark && !same_frame,
        accuracy_m: (accuracy >= 0.0).then_some(accuracy),
        // SAFETY: valid context and object; no options; copied out at once.
        definition: text(unsafe {
            sys::proj_as_proj_string(ctx.0, op.0, sys::PJ_PROJ_STRING_TYPE_PJ_PROJ_5, ptr::null())
        }),
        source: None,
    })
}

/// A CRS as PROJ-string steps: its own parameters (without `+type=crs` and datum shifts), its
/// ellipsoid parameters, and whether it is lon/lat.
fn steps_of(definition: &str) -> Result<(String, String, bool), String> {
    let ctx = Context::new()?;
    let crs = Object::create(&ctx, definition)?;
    // SAFETY: valid context and object; copied out at once.
    let proj = text(unsafe {
        sys::proj_as_proj_string(
            ctx.0,
            crs.0,
            sys::PJ_PROJ_STRING_TYPE_PJ_PROJ_5,
            ptr::null(),
        )
    })
    .ok_or("the CRS has no PROJ string")?;
    let tokens: Vec<&str> = proj
        .split_whitespace()
        .filter(|t| {
            !t.starts_with("+type=")
                && *t != "+no_defs"
                && !t.starts_with("+towgs84=")
                && !t.starts_with("+nadgrids=")
                && !t.starts_with("+wktext")
        })
        .collect();
    let ellipsoid: Vec<&str> = tokens
        .iter()
        .copied()
        .filter(|t| {
            ["+ellps=", "+a=", "+b=", "+rf=", "+f=", "+R="]
                .iter()
                .any(|p| t.starts_with(p))
        })
        .collect();
    if ellipsoid.is_empty() {
        return Err(format!("no ellipsoid in {proj}"));
    }
    let geographic = tokens
        .iter()
        .any(|t| *t == "+proj=longlat" || *t == "+proj=latlong");
    Ok((tokens.join(" "), ellipsoid.join(" "), geographic))
}

/// The PROJ pipeline applying `helmert` between `from` and `to` (easting first on both sides,
/// degrees for lon/lat).
pub(crate) fn helmert_pipeline(from: &Crs, to: &Crs, helmert: &Helmert) -> Result<String, String> {
    let (src, src_ellps, src_geo) = steps_of(from.definition())?;
    let (dst, dst_ellps, dst_geo) = steps_of(to.definition())?;
    let mut p = String::from("+proj=pipeline");
    if src_geo {
        p.push_str(" +step +proj=unitconvert +xy_in=deg +xy_out=rad");
    } else {
        p.push_str(&format!(" +step +inv {src}"));
    }
    let convention = match helmert.convention {
        HelmertConvention::CoordinateFrame => "coordinate_frame",
        HelmertConvention::PositionVector => "position_vector",
    };
    p.push_str(&format!(
        " +step +proj=cart {src_ellps} +step +proj=helmert +x={} +y={} +z={} +rx={} +ry={} +rz={} +s={} +convention={convention} +step +inv +proj=cart {dst_ellps}",
        helmert.x_m,
        helmert.y_m,
        helmert.z_m,
        helmert.rx_arcsec,
        helmert.ry_arcsec,
        helmert.rz_arcsec,
        helmert.scale_ppm
    ));
    if dst_geo {
        p.push_str(" +step +proj=unitconvert +xy_in=rad +xy_out=deg");
    } else {
        p.push_str(&format!(" +step {dst}"));
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_datums_convert_only_by_a_ballpark_and_wgs84_is_not_counted() {
        let old = best("EPSG:2381", "EPSG:4545").unwrap();
        assert!(old.ballpark, "{old:?}");
        assert!(old.name.contains("Ballpark"), "{}", old.name);
        let beijing = best("EPSG:4214", "EPSG:4545").unwrap();
        assert!(beijing.ballpark);
        // WGS 84 and CGCS2000: PROJ's ballpark, but the same frame to decimetres.
        let gps = best("OGC:CRS84", "EPSG:4545").unwrap();
        assert!(!gps.ballpark, "{gps:?}");
        let same = best("EPSG:4490", "EPSG:4545").unwrap();
        assert!(!same.ballpark, "{same:?}");
    }

    #[test]
    fn a_helmert_set_becomes_a_pipeline_between_the_two_ellipsoids() {
        let h = Helmert {
            x_m: 24.0,
            y_m: -123.0,
            z_m: -94.0,
            rx_arcsec: 0.02,
            ry_arcsec: -0.25,
            rz_arcsec: -0.13,
            scale_ppm: 1.1,
            convention: HelmertConvention::CoordinateFrame,
        };
        let from = Crs::parse("EPSG:2381").unwrap().gis_order();
        let to = Crs::parse("EPSG:4545").unwrap().gis_order();
        let p = helmert_pipeline(&from, &to, &h).unwrap();
        assert!(
            p.starts_with("+proj=pipeline +step +inv +proj=tmerc"),
            "{p}"
        );
        assert!(p.contains("+proj=cart +ellps=IAU76"), "{p}");
        assert!(p.contains("+inv +proj=cart +ellps=GRS80"), "{p}");
        assert!(p.contains("+convention=coordinate_frame"), "{p}");
        assert!(!p.contains("+type=crs"), "{p}");
    }
}
