//! Real-network correctness (issue 16), each tried as a new user would: survey tables with two
//! pipes between the same two points, duplicate ids, a misspelt field, a delivery in Xian 1980,
//! and failures of our own that used to be reported as the caller's.

use crate::common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::{spawn_app_on, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;
use undermap_crs::{Crs, Datums, Helmert, HelmertConvention, LocalTransformation};
use undermap_ingest::{prepare, IngestError, IngestOptions, Prepared, Strictness};
use undermap_store::DeliveryMode;

fn options() -> IngestOptions {
    IngestOptions::new(Crs::epsg(4545).unwrap(), DeliveryMode::Incremental, "test")
}

fn read(
    department: &str,
    files: &[PathBuf],
    options: &IngestOptions,
) -> Result<Prepared, IngestError> {
    let department = undermap::DEPARTMENTS.get(department).unwrap();
    prepare(files, department, options, &mut |_| {})
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn ids(p: &Prepared) -> Vec<String> {
    let mut ids: Vec<String> = p
        .delivery
        .features
        .iter()
        .map(|f| f.id.to_string())
        .collect();
    ids.sort();
    ids
}

#[test]
fn parallel_survey_segments_are_all_loaded_with_stable_ids() {
    let dir = tempfile::tempdir().unwrap();
    let points = write(
        dir.path(),
        "points.csv",
        "点号,X,Y,埋深,附属物\nP1,3148700.0,597000.0,1.2,\nP2,3148700.0,597040.0,1.3,\nP3,3148740.0,597040.0,1.1,\n",
    );
    // Two mains in one trench between P1 and P2, and their duplicate once more.
    let segments = write(
        dir.path(),
        "segments.csv",
        "起点点号,终点点号,管径,材质\nP1,P2,300,球墨铸铁\nP1,P2,150,PE\nP2,P3,200,PE\nP1,P2,100,PE\n",
    );
    let mut o = options();
    o.source_crs = Some(Crs::epsg(4545).unwrap());
    let p = read("water", &[points.clone(), segments], &o).unwrap();
    assert!(p.rejections.is_empty(), "{:?}", p.rejections);
    assert_eq!(ids(&p), ["P1-P2", "P1-P2-2", "P1-P2-3", "P2-P3"]);
    // With a record number, the table's own number tells them apart.
    let numbered = write(
        dir.path(),
        "numbered.csv",
        "序号,起点点号,终点点号,管径\n7,P1,P2,300\n8,P1,P2,150\n",
    );
    let p = read("water", &[points, numbered], &o).unwrap();
    assert_eq!(ids(&p), ["P1-P2", "P1-P2-8"]);
}

#[test]
fn a_duplicate_id_is_rejected_with_its_own_record_number() {
    let dir = tempfile::tempdir().unwrap();
    let feature = |id: &str, x: f64| {
        json!({"type": "Feature", "id": id, "properties": {"kind": "valve"},
               "geometry": {"type": "Point", "coordinates": [x, 28.45]}})
    };
    let file = write(
        dir.path(),
        "valves.geojson",
        &json!({"type": "FeatureCollection", "features": [
            feature("V-1", 108.990), feature("V-2", 108.991), feature("V-1", 108.992)
        ]})
        .to_string(),
    );
    let p = read("water", &[file], &options()).unwrap();
    assert_eq!(p.delivery.features.len(), 2);
    assert_eq!(p.rejections.len(), 1, "{:?}", p.rejections);
    let r = &p.rejections[0];
    assert_eq!((r.record, r.id.as_deref()), (3, Some("V-1")));
    assert!(
        r.reason.contains("record 1 of valves.geojson"),
        "{}",
        r.reason
    );
}

#[test]
fn fields_that_map_to_nothing_are_reported_and_refused_under_strict_fields() {
    let dir = tempfile::tempdir().unwrap();
    let valve = |id: &str| {
        json!({"type": "Feature", "id": id,
               "properties": {"kind": "valve", "accuracy_m": 0.05, "平面精度m": 0.05, "colour": "red"},
               "geometry": {"type": "Point", "coordinates": [108.99, 28.45]}})
    };
    let file = write(
        dir.path(),
        "valves.geojson",
        &json!({"type": "FeatureCollection", "features": [valve("V-1"), valve("V-2")]}).to_string(),
    );
    let p = read("water", &[file], &options()).unwrap();
    let unmapped: Vec<(&str, usize, Option<&str>)> = p
        .unmapped
        .iter()
        .map(|u| (u.field.as_str(), u.records, u.did_you_mean.as_deref()))
        .collect();
    assert_eq!(
        unmapped,
        [
            ("accuracy_m", 2, Some("accuracy_h_m")),
            ("colour", 2, None),
            ("平面精度m", 2, Some("平面精度 (accuracy_h_m)")),
        ]
    );
    assert!(p.check_strict(Strictness::default()).is_ok());
    let refused = p
        .check_strict(Strictness {
            records: false,
            fields: true,
        })
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("accuracy_m (did you mean accuracy_h_m?)"),
        "{refused}"
    );
}

/// Two points of a Xian 1980 survey (EPSG:2381, CM 108E), easting first.
const XIAN: [[f64; 2]; 2] = [[597_000.0, 3_148_700.0], [596_412.5, 3_149_310.25]];

fn bureau() -> LocalTransformation {
    LocalTransformation {
        name: "Xiushan surveying bureau Xian 1980 to CGCS2000 (test set)".into(),
        source_crs: "EPSG:2381".into(),
        source: "bureau letter 2019-07 (made up for this test)".into(),
        helmert: Some(Helmert {
            x_m: -15.2,
            y_m: 118.6,
            z_m: 52.3,
            rx_arcsec: 0.35,
            ry_arcsec: -1.2,
            rz_arcsec: 2.1,
            scale_ppm: -3.5,
            convention: HelmertConvention::CoordinateFrame,
        }),
        pipeline: None,
    }
}

fn xian_file(dir: &Path) -> PathBuf {
    let features: Vec<Value> = XIAN
        .iter()
        .enumerate()
        .map(|(i, c)| {
            json!({"type": "Feature", "id": format!("XV-{i}"), "properties": {"kind": "valve"},
                   "geometry": {"type": "Point", "coordinates": c}})
        })
        .collect();
    write(
        dir,
        "xian80.geojson",
        &json!({"type": "FeatureCollection",
                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2381"}},
                "features": features})
        .to_string(),
    )
}

#[test]
fn a_xian_1980_delivery_lands_where_the_bureau_parameters_put_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = xian_file(dir.path());
    // Without parameters: loaded, with a warning naming the ballpark.
    let p = read("water", std::slice::from_ref(&file), &options()).unwrap();
    assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
    assert!(p.warnings[0].contains("ballpark"), "{}", p.warnings[0]);
    assert!(
        p.delivery.operation.contains("BALLPARK"),
        "{}",
        p.delivery.operation
    );
    // A deployment that refuses them loads nothing.
    let mut o = options();
    o.datums.refuse_ballpark = true;
    let e = read("water", std::slice::from_ref(&file), &o).unwrap_err();
    assert!(matches!(e, IngestError::Ballpark { .. }), "{e}");
    // With the bureau's set: where PROJ's own `cct` puts the points on the same pipeline.
    let mut o = options();
    o.datums = Datums {
        transformations: vec![bureau()],
        refuse_ballpark: true,
    };
    let p = read("water", &[file], &o).unwrap();
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    assert!(
        p.delivery.operation.contains("Xiushan surveying bureau"),
        "{}",
        p.delivery.operation
    );
    let pipeline = p
        .delivery
        .operation
        .split_once('[')
        .and_then(|(_, rest)| rest.strip_suffix(']'))
        .expect("the pipeline is recorded")
        .to_owned();
    let input: String = XIAN.iter().fold(String::new(), |mut s, c| {
        use std::fmt::Write;
        let _ = writeln!(s, "{} {} 0", c[0], c[1]);
        s
    });
    let mut cct = std::process::Command::new("cct")
        .args(["-d", "4"])
        .args(pipeline.split_whitespace())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("PROJ's cct runs");
    std::io::Write::write_all(cct.stdin.as_mut().unwrap(), input.as_bytes()).unwrap();
    let out = cct.wait_with_output().unwrap();
    let expected: Vec<[f64; 2]> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Vec<f64> = l.split_whitespace().map(|t| t.parse().unwrap()).collect();
            [v[0], v[1]]
        })
        .collect();
    assert_eq!(expected.len(), 2);
    for (i, want) in expected.iter().enumerate() {
        let f = p
            .delivery
            .features
            .iter()
            .find(|f| f.id.as_str() == format!("XV-{i}"))
            .unwrap();
        let geo::Geometry::Point(at) = &f.geometry else {
            panic!("a point")
        };
        assert!(
            (at.x() - want[0]).abs() < 1e-3 && (at.y() - want[1]).abs() < 1e-3,
            "{at:?} vs {want:?}"
        );
        // The bureau's set moves the points tens of metres from the ballpark.
        let ballpark = read("water", &[xian_file(dir.path())], &options()).unwrap();
        let b = &ballpark.delivery.features[i].geometry;
        let geo::Geometry::Point(b) = b else { panic!() };
        assert!((b.x() - at.x()).hypot(b.y() - at.y()) > 10.0);
    }
}

both_stores! {
    async fn the_delivery_report_lists_unmapped_fields_and_history_shows_the_operation(fresh) {
        let settings = undermap::Settings {
            listen: "127.0.0.1:0".into(),
            datums: Datums {
                transformations: vec![bureau()],
                refuse_ballpark: false,
            },
            ..undermap::Settings::default()
        };
            let app = common::spawn_with(fresh, false, settings).await;
        let dir = tempfile::tempdir().unwrap();
        let text = std::fs::read_to_string(xian_file(dir.path())).unwrap();
        let text = text.replace(
            "\"kind\":\"valve\"",
            "\"kind\":\"valve\",\"accuracy_m\":0.05",
        );
        let upload = |strict_fields: bool| {
            reqwest::multipart::Form::new()
                .text("department", "water")
                .text("strict_fields", strict_fields.to_string())
                .part(
                    "file",
                    reqwest::multipart::Part::text(text.clone()).file_name("xian80.geojson"),
                )
        };
        let r = app
            .client
            .post(app.url("/v1/deliveries"))
            .multipart(upload(true))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: Value = r.json().await.unwrap();
        assert!(
            body["detail"].as_str().unwrap().contains("accuracy_h_m"),
            "{body}"
        );
        let r = app
            .client
            .post(app.url("/v1/deliveries"))
            .multipart(upload(false))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let report: Value = r.json().await.unwrap();
        assert_eq!(report["inserted"], 2, "{report}");
        assert_eq!(
            report["unmapped_fields"][0]["field"], "accuracy_m",
            "{report}"
        );
        assert_eq!(report["unmapped_fields"][0]["records"], 2);
        assert_eq!(report["unmapped_fields"][0]["did_you_mean"], "accuracy_h_m");
        assert!(
            report["operation"].as_str().unwrap().contains("Xiushan"),
            "{report}"
        );
        let history: Value = app
            .get("/v1/features/XV-0/history")
            .await
            .json()
            .await
            .unwrap();
        let operation = history["features"][0]["properties"]["delivery"]["operation"]
            .as_str()
            .unwrap_or_default();
        assert!(operation.contains("Xiushan surveying bureau"), "{history}");
    }
}

/// One real ticket, so that a planted row can copy its area and time.
async fn issue_one_ticket(app: &TestApp) {
    let r = app
        .post_json(
            "/v1/excavation-checks",
            &json!({"area": common::square_crs84(108.9877, 28.4497, 10.0), "depth_m": 1.0}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
}

async fn our_failure(r: reqwest::Response) {
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR, "{}", r.url());
    assert_eq!(
        r.headers().get("content-type").unwrap(),
        "application/problem+json"
    );
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["type"], "/problems/internal");
    assert_eq!(body["error_id"].as_str().unwrap().len(), 16, "{body}");
    assert!(
        !body.to_string().contains("expected"),
        "no parser internals: {body}"
    );
}

/// Reads of stored tickets that cannot be parsed: the holder check, the holder's list and the
/// printable page answer 500 with an error id, not 400.
async fn unreadable_tickets_are_our_failure(
    app: &TestApp,
    plant: impl std::future::Future<Output = ()>,
) {
    plant.await;
    let contractor = app.client_as("contractor").await;
    our_failure(
        contractor
            .get(app.url("/v1/excavation-checks/EC-2026-999001"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    our_failure(
        contractor
            .get(app.url("/v1/excavation-checks"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    our_failure(app.get("/tickets/EC-2026-999002").await).await;
}

const BAD_BODIES: [(&str, &str); 2] = [
    ("EC-2026-999001", r#"{"issued_to": 5}"#),
    ("EC-2026-999002", r#"{"issued_to": "test-contractor"}"#),
];

#[sqlx::test(migrations = "../../migrations")]
async fn unreadable_tickets_on_postgis_are_our_failure(pool: PgPool) {
    let app = common::spawn_app(pool, true).await;
    issue_one_ticket(&app).await;
    let pool = app.store.pool().clone();
    unreadable_tickets_are_our_failure(&app, async move {
        for (id, body) in BAD_BODIES {
            sqlx::query(
                "INSERT INTO excavation_checks (id, created_at, reference, issued_to, area, body) \
                 SELECT $1, created_at, reference, $2::jsonb ->> 'issued_to', area, $2 \
                 FROM excavation_checks LIMIT 1",
            )
            .bind(id)
            .bind(body)
            .execute(&pool)
            .await
            .unwrap();
        }
    })
    .await;
}

#[sqlx::test(migrations = "../../migrations")]
async fn unreadable_tickets_in_a_geopackage_are_our_failure(pool: PgPool) {
    let access = undermap_store::PgStore::from_pool(pool, 4545)
        .await
        .unwrap();
    let (gpkg, _dir) = common::temp_gpkg().await;
    let lite = gpkg.pool().clone();
    let app = spawn_app_on(Arc::new(gpkg), access, true).await;
    issue_one_ticket(&app).await;
    unreadable_tickets_are_our_failure(&app, async move {
        for (id, body) in BAD_BODIES {
            sqlx::query(
                "INSERT INTO undermap_excavation_checks \
                     (id, created_at, reference, issued_to, area, body) \
                 SELECT ?1, created_at, reference, json_extract(?2, '$.issued_to'), area, ?2 \
                 FROM undermap_excavation_checks LIMIT 1",
            )
            .bind(id)
            .bind(body)
            .execute(&lite)
            .await
            .unwrap();
        }
    })
    .await;
}
