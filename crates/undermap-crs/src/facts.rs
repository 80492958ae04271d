//! What PROJ knows about a CRS definition: is it a CRS, is it geographic, which axis comes first,
//! where is it valid. The `proj` crate wraps transformations but not axis information, so this
//! module makes the few raw PROJ calls itself. Every pointer it gets is checked for null and
//! released before returning; nothing escapes this file.
#![allow(unsafe_code)]

use std::ffi::{CStr, CString};
use std::os::raw::c_char;
use std::ptr;

use proj_sys as sys;

/// Facts about a CRS, read once when it is parsed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Facts {
    /// Degrees (geographic) rather than a projection in metres.
    pub geographic: bool,
    /// The first axis points north (latitude or northing first).
    pub north_first: bool,
    /// West, south, east, north in degrees.
    pub area: Option<[f64; 4]>,
    /// The area's name.
    pub area_name: Option<String>,
    /// PROJ's name for the CRS.
    pub name: Option<String>,
    /// WKT 1 (GDAL flavour), as GeoPackage's `gpkg_spatial_ref_sys.definition` expects.
    pub wkt: Option<String>,
}

pub(crate) struct Context(pub(crate) *mut sys::PJ_CONTEXT);
impl Drop for Context {
    fn drop(&mut self) {
        // SAFETY: created by proj_context_create and dropped once.
        unsafe { sys::proj_context_destroy(self.0) };
    }
}

impl Context {
    /// A fresh PROJ context.
    pub(crate) fn new() -> Result<Self, String> {
        // SAFETY: a fresh context, destroyed by `Context::drop`.
        let ctx = Self(unsafe { sys::proj_context_create() });
        if ctx.0.is_null() {
            return Err("PROJ could not create a context".into());
        }
        Ok(ctx)
    }
}

pub(crate) struct Object(pub(crate) *mut sys::PJ);

impl Object {
    /// The object PROJ makes of `definition` (`EPSG:4545`, a PROJ string…) in `ctx`.
    pub(crate) fn create(ctx: &Context, definition: &str) -> Result<Self, String> {
        let c_def = CString::new(definition).map_err(|_| "contains a NUL byte".to_owned())?;
        // SAFETY: valid context and NUL-terminated string; the result is owned here.
        let obj = Self(unsafe { sys::proj_create(ctx.0, c_def.as_ptr()) });
        if obj.0.is_null() {
            return Err("PROJ does not know this definition".into());
        }
        Ok(obj)
    }
}
impl Drop for Object {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: a PJ returned by PROJ, owned here, destroyed once.
            unsafe { sys::proj_destroy(self.0) };
        }
    }
}

pub(crate) fn text(p: *const c_char) -> Option<String> {
    if p.is_null() {
        None
    } else {
        // SAFETY: PROJ returns NUL-terminated strings that live as long as the object.
        Some(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
    }
}

/// Reads the facts of a definition PROJ accepts (`EPSG:4545`, `OGC:CRS84`, a PROJ string…).
pub(crate) fn inspect(definition: &str) -> Result<Facts, String> {
    let ctx = Context::new()?;
    let obj = Object::create(&ctx, definition)?;
    // A bound CRS (with +towgs84) wraps the CRS whose axes we want.
    // SAFETY: obj is a valid PJ.
    let kind = unsafe { sys::proj_get_type(obj.0) };
    let crs = if kind == sys::PJ_TYPE_PJ_TYPE_BOUND_CRS {
        // SAFETY: valid context and bound CRS.
        Object(unsafe { sys::proj_get_source_crs(ctx.0, obj.0) })
    } else {
        Object(ptr::null_mut())
    };
    let target = if crs.0.is_null() { obj.0 } else { crs.0 };
    // SAFETY: target is a valid PJ.
    let kind = unsafe { sys::proj_get_type(target) };
    let geographic = matches!(
        kind,
        sys::PJ_TYPE_PJ_TYPE_GEOGRAPHIC_2D_CRS | sys::PJ_TYPE_PJ_TYPE_GEOGRAPHIC_3D_CRS
    );
    let is_crs = geographic
        || matches!(
            kind,
            sys::PJ_TYPE_PJ_TYPE_PROJECTED_CRS | sys::PJ_TYPE_PJ_TYPE_COMPOUND_CRS
        );
    if !is_crs {
        return Err("not a geographic or projected coordinate reference system".into());
    }
    // SAFETY: valid context and CRS; the result is owned by `cs`.
    let cs = Object(unsafe { sys::proj_crs_get_coordinate_system(ctx.0, target) });
    if cs.0.is_null() {
        return Err("PROJ reports no coordinate system for this CRS".into());
    }
    let mut direction: *const c_char = ptr::null();
    // SAFETY: valid context and coordinate system; only `direction` is asked for.
    let ok = unsafe {
        sys::proj_cs_get_axis_info(
            ctx.0,
            cs.0,
            0,
            ptr::null_mut(),
            ptr::null_mut(),
            &raw mut direction,
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
        )
    };
    if ok == 0 {
        return Err("PROJ reports no axes for this CRS".into());
    }
    let north_first = text(direction).is_some_and(|d| d.eq_ignore_ascii_case("north"));

    let (mut w, mut s, mut e, mut n) = (0.0, 0.0, 0.0, 0.0);
    let mut area_name: *const c_char = ptr::null();
    // SAFETY: valid context and object, out-pointers to locals.
    let has_area = unsafe {
        sys::proj_get_area_of_use(
            ctx.0,
            obj.0,
            &raw mut w,
            &raw mut s,
            &raw mut e,
            &raw mut n,
            &raw mut area_name,
        )
    } != 0;
    #[allow(clippy::float_cmp)] // PROJ's sentinel for "unknown" is exactly -1000.
    let area = (has_area && w != -1000.0).then_some([w, s, e, n]);
    // SAFETY: valid object; the name lives as long as the object, copied out at once.
    let name = text(unsafe { sys::proj_get_name(obj.0) });
    // SAFETY: valid context and object; no options; the string is copied out at once.
    let wkt =
        text(unsafe { sys::proj_as_wkt(ctx.0, obj.0, sys::PJ_WKT_TYPE_PJ_WKT1_GDAL, ptr::null()) });
    Ok(Facts {
        wkt,
        geographic,
        north_first,
        area,
        area_name: if has_area { text(area_name) } else { None },
        name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_axis_order_and_area() {
        let gk = inspect("EPSG:4545").unwrap();
        assert!(!gk.geographic);
        assert!(gk.north_first, "EPSG:4545 is X (northing) first");
        let [w, _, e, _] = gk.area.unwrap();
        assert!(w < 108.99 && 108.99 < e);
        let cgcs = inspect("EPSG:4490").unwrap();
        assert!(cgcs.geographic && cgcs.north_first);
        let crs84 = inspect("OGC:CRS84").unwrap();
        assert!(crs84.geographic && !crs84.north_first);
        assert!(gk
            .wkt
            .unwrap()
            .starts_with("PROJCS[\"CGCS2000 / 3-degree Gauss-Kruger CM 108E\""));
        let zone36 = inspect("EPSG:4524").unwrap();
        assert!(zone36.north_first);
    }

    #[test]
    fn rejects_non_crs() {
        assert!(inspect("EPSG:999999").is_err());
        assert!(inspect("EPSG:7030").is_err(), "an ellipsoid is not a CRS");
        assert!(inspect("nonsense").is_err());
    }
}
