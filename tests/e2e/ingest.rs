//! Every delivery format, read from the samples in data/samples/<department>/ through the real
//! department crates: what loads, and every rejection with its file, record, field and reason.

use crate::common;

use std::path::PathBuf;

use undermap_crs::Crs;
use undermap_ingest::{prepare, DxfMapping, IngestError, IngestOptions, Prepared};
use undermap_store::DeliveryMode;

fn samples() -> PathBuf {
    common::demo_dir().join("../samples")
}

fn options() -> IngestOptions {
    IngestOptions::new(Crs::epsg(4545).unwrap(), DeliveryMode::Incremental, "test")
}

fn read(
    department: &str,
    files: &[&str],
    options: &IngestOptions,
) -> Result<Prepared, IngestError> {
    let department = undermap::DEPARTMENTS.get(department).unwrap();
    let files: Vec<PathBuf> = files.iter().map(|f| samples().join(f)).collect();
    prepare(&files, department, options, &mut |_| {})
}

/// (record, field, part of the reason) of each rejection.
fn rejections(p: &Prepared) -> Vec<(usize, Option<&str>, &str)> {
    p.rejections
        .iter()
        .map(|r| (r.record, r.field.as_deref(), r.reason.as_str()))
        .collect()
}

fn near(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance
}

#[test]
fn shapefile_with_prj_and_gbk_attributes_and_geojson_in_crs84() {
    let p = read(
        "water",
        &["water/water_mains.shp", "water/water_fittings.geojson"],
        &options(),
    )
    .unwrap();
    assert_eq!(p.records, 12);
    assert_eq!(p.delivery.features.len(), 9);
    assert_eq!(
        p.delivery.source_crs,
        "CGCS2000_3_Degree_GK_CM_108E, OGC:CRS84"
    );
    let main = p
        .delivery
        .features
        .iter()
        .find(|f| f.id.as_str() == "JS-001")
        .unwrap();
    assert_eq!(main.attrs.material.as_deref(), Some("DI"), "球墨铸铁 → DI");
    assert_eq!(main.attrs.diameter_mm, Some(300.0), "DN300 → 300");
    assert_eq!(
        main.attrs.owner.as_ref().map(|o| o.name.as_str()),
        Some("秀山县自来水公司"),
        "GBK text decoded"
    );
    assert_eq!(
        main.attrs.survey_date.map(|d| d.to_string()).as_deref(),
        Some("2023-06-01")
    );
    let start = geo::CoordsIter::coords_iter(&main.geometry).next().unwrap();
    assert!(
        near(start.x, 596_973.0, 0.01) && near(start.y, 3_148_711.0, 0.01),
        "{start:?}"
    );
    let valve = p
        .delivery
        .features
        .iter()
        .find(|f| f.id.as_str() == "FM-001")
        .unwrap();
    let at = geo::CoordsIter::coords_iter(&valve.geometry)
        .next()
        .unwrap();
    assert!(
        near(at.x, 597_013.0, 0.05) && near(at.y, 3_148_711.0, 0.05),
        "CRS84 reprojected: {at:?}"
    );
    let r = rejections(&p);
    assert_eq!(r.len(), 3, "{r:?}");
    assert_eq!((r[0].0, r[0].1), (7, Some("diameter_mm")));
    assert!(r[0].2.contains("管径"));
    assert_eq!(
        (r[1].0, r[1].1),
        (8, Some("埋深")),
        "the source's own field name"
    );
    assert_eq!((r[2].0, r[2].1), (4, Some("类型")));
    assert_eq!(p.rejections[2].file, "water_fittings.geojson");
}

#[test]
fn geopackage_in_cgcs2000_geographic_with_pressure_classes() {
    let p = read("gas", &["gas/gas.gpkg"], &options()).unwrap();
    assert_eq!(p.delivery.source_crs, "EPSG:4490");
    assert_eq!(p.delivery.features.len(), 5);
    let classes: Vec<&str> = p
        .delivery
        .features
        .iter()
        .filter_map(|f| {
            f.attrs
                .pressure_class
                .map(undermap_core::PressureClass::as_str)
        })
        .collect();
    assert_eq!(classes, ["medium_a", "medium_b", "low", "sub_high_b"]);
    let r = rejections(&p);
    assert_eq!(r[0].1, Some("pressure_class"));
    assert!(r[0].2.contains("压力级制"));
    assert_eq!(r[1].1, Some("geometry"));
    assert!(
        r[1].2.contains("outside the area of use"),
        "moved, not silently kept: {}",
        r[1].2
    );
}

#[test]
fn survey_tables_in_gbk_build_lines_from_point_numbers() {
    let files = ["power/power_points.csv", "power/power_segments.csv"];
    let err = read("power", &files, &options()).unwrap_err();
    assert!(matches!(err, IngestError::NoCrs { .. }), "{err}");
    assert!(err.to_string().contains("--crs"), "{err}");

    let mut with_crs = options();
    with_crs.source_crs = Some(Crs::epsg(4545).unwrap());
    let p = read("power", &files, &with_crs).unwrap();
    // 2 cable pits + 4 segments; 3 points are vertices only.
    assert_eq!(p.delivery.features.len(), 6);
    assert!(
        p.notes.iter().any(|n| n.contains("3 survey point(s)")),
        "{:?}",
        p.notes
    );
    let cable = p
        .delivery
        .features
        .iter()
        .find(|f| f.id.as_str() == "DL1-DL2")
        .unwrap();
    assert_eq!(cable.attrs.voltage_kv, Some(10.0), "10kV → 10");
    assert_eq!(
        cable.attrs.depth_top_m.map(f64::from),
        Some(0.8),
        "the shallower end's depth"
    );
    assert_eq!(cable.attrs.extra["depth_end_m"], serde_json::json!(0.85));
    assert_eq!(cable.attrs.extra["burial"], serde_json::json!("排管"));
    let start = geo::CoordsIter::coords_iter(&cable.geometry)
        .next()
        .unwrap();
    assert!(
        near(start.x, 596_973.0, 0.01) && near(start.y, 3_148_611.0, 0.01),
        "X is the northing: {start:?}"
    );
    let r = rejections(&p);
    assert_eq!(
        r[0],
        (
            5,
            Some("连接点号"),
            "point DL9 is not in the point table power_points.csv"
        )
    );
    assert_eq!(r[1].1, Some("voltage_kv"));
}

#[test]
fn invert_elevations_culvert_sections_and_a_streamed_sequence() {
    let mut with_crs = options();
    with_crs.source_crs = Some(Crs::epsg(4545).unwrap());
    // --crs is for files that do not say: a GeoJSON sequence without a `crs` member read as
    // EPSG:4545 lands far outside the deployment area, and every record says so.
    let p = read("drainage", &["drainage/inlets.geojsonl"], &with_crs).unwrap();
    assert!(p.delivery.features.is_empty());
    assert!(p.rejections[..5]
        .iter()
        .all(|r| r.reason.contains("outside the area of use")));

    let p = read(
        "drainage",
        &[
            "drainage/drainage_points.csv",
            "drainage/drainage_segments.csv",
        ],
        &with_crs,
    )
    .unwrap();
    let pipe = p
        .delivery
        .features
        .iter()
        .find(|f| f.id.as_str() == "WS1-WS2")
        .unwrap();
    assert_eq!(
        pipe.attrs
            .depth_bottom_m
            .map(f64::from)
            .map(|d| (d * 100.0).round()),
        Some(200.0),
        "ground minus invert"
    );
    let culvert = p
        .delivery
        .features
        .iter()
        .find(|f| f.id.as_str() == "WS4-WS1")
        .unwrap();
    assert_eq!(culvert.attrs.section.as_deref(), Some("1200×800"));
    assert_eq!(culvert.attrs.material.as_deref(), Some("BR"));

    let p = read("drainage", &["drainage/inlets.geojsonl"], &options()).unwrap();
    assert_eq!(p.delivery.features.len(), 5);
    assert_eq!(rejections(&p)[0].0, 6);
    assert!(rejections(&p)[0].2.starts_with("not a JSON text"));
}

#[test]
fn dxf_layers_route_entities_to_their_department() {
    let mut o = options();
    o.source_crs = Some(Crs::epsg(4545).unwrap());
    let err = read("planning", &["planning/red_lines.dxf"], &o).unwrap_err();
    assert!(err.to_string().contains("--dxf-layers"), "{err}");

    o.dxf_layers = Some(DxfMapping::load(&samples().join("dxf-layers.toml")).unwrap());
    let p = read("planning", &["planning/red_lines.dxf"], &o).unwrap();
    let kinds: Vec<&str> = p
        .delivery
        .features
        .iter()
        .map(|f| f.kind.as_str())
        .collect();
    assert_eq!(kinds, ["red_line", "zone"]);
    assert!(
        matches!(p.delivery.features[0].geometry, geo::Geometry::Polygon(_)),
        "closed polyline → polygon"
    );
    assert_eq!(
        p.delivery.features[1].attrs.extra["land_use"],
        serde_json::json!("R2")
    );
    let r = rejections(&p);
    assert!(r[0].2.contains("HATCH on layer \"地块\""), "{r:?}");
    assert!(r[1].2.contains("not closed"), "{r:?}");
    assert!(
        p.notes.iter().any(|n| n.contains("layer \"JS\"")),
        "{:?}",
        p.notes
    );

    let p = read("water", &["planning/red_lines.dxf"], &o).unwrap();
    assert_eq!(p.delivery.features.len(), 1);
    assert_eq!(
        p.delivery.features[0].attrs.diameter_mm,
        Some(300.0),
        "layer defaults"
    );
}

#[test]
fn bad_inputs_stop_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.geojson");
    std::fs::write(
        &broken,
        b"{\"type\": \"FeatureCollection\", \"features\": [",
    )
    .unwrap();
    let water = undermap::DEPARTMENTS.get("water").unwrap();
    let err = prepare(&[broken], water, &options(), &mut |_| {}).unwrap_err();
    assert!(matches!(err, IngestError::Format { .. }), "{err}");
    let other = dir.path().join("plan.dwg");
    std::fs::write(&other, b"AC1032").unwrap();
    let err = prepare(&[other], water, &options(), &mut |_| {}).unwrap_err();
    assert!(err.to_string().contains("unknown delivery format"), "{err}");
    let points = samples().join("power/power_points.csv");
    let err = prepare(&[points], water, &options(), &mut |_| {}).unwrap_err();
    assert!(
        err.to_string().contains("without its segment table"),
        "{err}"
    );
}

/// The same point (596,973 E, 3,148,711 N in EPSG:4545) as each CRS's file would carry it,
/// easting first: it must land within a centimetre of where it is.
#[test]
fn older_datums_gauss_kruger_zones_and_local_grids_land_where_they_should() {
    let cases = [
        ("EPSG:4545", [596_973.0, 3_148_711.0]),
        ("EPSG:4490", [108.989_996_126, 28.449_997_5]),
        ("EPSG:2381", [596_973.046, 3_148_712.467]), // Xian 1980 / 3-degree GK CM 108E
        ("EPSG:2433", [596_974.631, 3_148_767.0]),   // Beijing 1954 / 3-degree GK CM 108E
        (
            "+proj=tmerc +lat_0=0 +lon_0=109 +k=1 +x_0=50000 +y_0=-3000000 +ellps=GRS80 +units=m +no_defs",
            [49_020.118, 148_311.902],
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    let water = undermap::DEPARTMENTS.get("water").unwrap();
    for (crs, [x, y]) in cases {
        let file = dir.path().join("valve.geojson");
        let body = serde_json::json!({"type": "FeatureCollection", "features": [{"type": "Feature",
            "properties": {"编号": "FM-1", "类型": "阀门"},
            "geometry": {"type": "Point", "coordinates": [x, y]}}]});
        std::fs::write(&file, body.to_string()).unwrap();
        let mut o = options();
        o.source_crs = Some(Crs::parse(crs).unwrap());
        let p = prepare(&[file], water, &o, &mut |_| {}).unwrap();
        assert!(p.rejections.is_empty(), "{crs}: {:?}", p.rejections);
        let c = geo::CoordsIter::coords_iter(&p.delivery.features[0].geometry)
            .next()
            .unwrap();
        assert!(
            near(c.x, 596_973.0, 0.01) && near(c.y, 3_148_711.0, 0.01),
            "{crs}: {c:?}"
        );
    }
}
