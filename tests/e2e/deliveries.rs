//! `POST /v1/deliveries` against a real PostGIS, then the history and time travel it makes
//! possible: `GET /v1/features/{id}/history` and `at=` on features and excavation checks.

use crate::common;

use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn samples() -> std::path::PathBuf {
    common::demo_dir().join("../samples")
}

fn file(path: &std::path::Path) -> Part {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    Part::bytes(std::fs::read(path).unwrap()).file_name(name)
}

pub(crate) fn water_mains() -> Form {
    let mut form = Form::new().text("department", "water");
    for ext in ["shp", "shx", "dbf", "prj", "cpg"] {
        form = form.part(
            "file",
            file(&samples().join(format!("water/water_mains.{ext}"))),
        );
    }
    form
}

pub(crate) async fn post(app: &common::TestApp, form: Form) -> (StatusCode, Value) {
    let resp = app
        .client
        .post(app.url("/v1/deliveries"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap())
}

async fn deliveries(app: &common::TestApp) -> i64 {
    app.store.count("deliveries").await
}

/// A dig across JS-001 (its first 40 m lie along the easting axis from 596,973 E, 3,148,711 N).
pub(crate) fn dig(at: Option<&str>) -> Value {
    let mut body = json!({
        "crs": "EPSG:4545",
        "area": {"type": "Polygon", "coordinates": [[
            [3_148_706.0, 596_983.0], [3_148_706.0, 596_993.0], [3_148_716.0, 596_993.0],
            [3_148_716.0, 596_983.0], [3_148_706.0, 596_983.0]]]},
        "buffer_m": 0.5,
        "depth_m": 2.0,
        "layers": ["water"]
    });
    if let Some(at) = at {
        body["at"] = json!(at);
    }
    body
}

both_stores! {
    async fn an_upload_loads_like_the_command_line_and_keeps_history(fresh) {
        let app = common::spawn(fresh, false).await;

        let (status, report) = post(&app, water_mains()).await;
        assert_eq!(status, StatusCode::CREATED, "{report}");
        assert_eq!(
            (report["inserted"].as_u64(), report["rejected"].as_u64()),
            (Some(6), Some(2))
        );
        assert_eq!(report["source_crs"], "CGCS2000_3_Degree_GK_CM_108E");
        assert_eq!(report["rejections"][1]["field"], "埋深");
        assert_eq!(report["sha256"].as_str().unwrap().len(), 64);
        let check = app
            .post_json("/v1/excavation-checks", &dig(None))
            .await
            .json::<Value>()
            .await
            .unwrap();
        assert_eq!(
            check["hits"][0]["feature_id"], "JS-001",
            "the running index picked it up: {check}"
        );
        assert_eq!(check["hits"][0]["material"], "DI");
        let before_change = chrono::Utc::now().to_rfc3339();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;

        // The same upload again changes nothing.
        let (_, again) = post(&app, water_mains()).await;
        assert_eq!(
            (again["inserted"].as_u64(), again["unchanged"].as_u64()),
            (Some(0), Some(6))
        );

        // A correction: JS-001 is PE after all.
        let change = json!({"type": "FeatureCollection",
            "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4545"}},
            "features": [{"type": "Feature",
                "properties": {"管线编号": "JS-001", "材质": "PE", "管径": "DN300", "埋深": 1.2},
                "geometry": {"type": "LineString", "coordinates": [[596973.0, 3148711.0], [597013.0, 3148711.0]]}}]});
        let form = Form::new()
            .text("department", "water")
            .text("loaded_by", "archivist-li")
            .part(
                "file",
                Part::text(change.to_string()).file_name("correction.geojson"),
            );
        let (status, report) = post(&app, form).await;
        assert_eq!(status, StatusCode::CREATED, "{report}");
        assert_eq!(report["updated"], 1);

        let history: Value = app
            .get("/v1/features/JS-001/history")
            .await
            .json()
            .await
            .unwrap();
        let versions = history["features"].as_array().unwrap();
        assert_eq!(versions.len(), 2);
        assert!(
            versions[0]["properties"]["valid_to"].is_string(),
            "old version closed"
        );
        assert_eq!(
            versions[0]["properties"]["delivery"]["source_name"],
            "water_mains.shp"
        );
        assert_eq!(
            versions[1]["properties"]["delivery"]["source_name"],
            "correction.geojson"
        );
        assert_eq!(
            versions[1]["properties"]["delivery"]["loaded_by"],
            // The authenticated account loaded it; the name given in the form is kept beside it.
            "test-admin for archivist-li"
        );
        assert_eq!(versions[1]["properties"]["material"], "PE");

        let now: Value = app.get("/v1/features/JS-001").await.json().await.unwrap();
        assert_eq!(now["properties"]["material"], "PE");
        let then: Value = app
            .get(&format!(
                "/v1/features/JS-001?at={}",
                urlencode(&before_change)
            ))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(then["properties"]["material"], "DI", "{then}");
        let past = app
            .post_json("/v1/excavation-checks", &dig(Some(&before_change)))
            .await;
        assert_eq!(past.status(), StatusCode::CREATED);
        let past: Value = past.json().await.unwrap();
        assert_eq!(
            past["hits"][0]["material"], "DI",
            "answered as the map stood"
        );
        assert!(
            past["at"].is_string() && past["data_as_of"] == past["at"],
            "{past}"
        );
        let before_anything = app
            .post_json("/v1/excavation-checks", &dig(Some("2020-01-01")))
            .await;
        let before_anything: Value = before_anything.json().await.unwrap();
        assert_eq!(before_anything["hits"], json!([]));
        let future = app.get("/v1/features/JS-001?at=2999-01-01").await;
        assert_eq!(future.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let missing = app.get("/v1/features/NOPE-1/history").await;
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    }
}

fn urlencode(s: &str) -> String {
    s.replace('+', "%2B").replace(':', "%3A")
}

both_stores! {
    async fn refused_and_malformed_uploads_load_nothing(fresh) {
        let app = common::spawn(fresh, false).await;
        let before = deliveries(&app).await;

        let strict = Form::new()
            .text("department", "gas")
            .text("strict", "true")
            .part("file", file(&samples().join("gas/gas.gpkg")));
        let (status, problem) = post(&app, strict).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(problem["type"], "/problems/delivery-refused");
        assert_eq!(problem["rejections"].as_array().unwrap().len(), 2);
        assert_eq!(problem["rejections"][0]["field"], "pressure_class");

        let cases: Vec<(Form, StatusCode, &str)> = vec![
            (
                Form::new().part("file", file(&samples().join("gas/gas.gpkg"))),
                StatusCode::BAD_REQUEST,
                "department",
            ),
            (
                Form::new()
                    .text("department", "heat")
                    .part("file", file(&samples().join("gas/gas.gpkg"))),
                StatusCode::UNPROCESSABLE_ENTITY,
                "known: water",
            ),
            (
                Form::new().text("department", "gas"),
                StatusCode::BAD_REQUEST,
                "at least one `file`",
            ),
            (
                Form::new().text("department", "gas").text("colour", "red"),
                StatusCode::BAD_REQUEST,
                "unknown form field",
            ),
            (
                Form::new()
                    .text("department", "power")
                    .part("file", file(&samples().join("power/power_points.csv")))
                    .part("file", file(&samples().join("power/power_segments.csv"))),
                StatusCode::UNPROCESSABLE_ENTITY,
                "coordinate reference system",
            ),
            (
                Form::new()
                    .text("department", "water")
                    .part("file", Part::text("{\"type\":").file_name("broken.geojson")),
                StatusCode::UNPROCESSABLE_ENTITY,
                "broken.geojson",
            ),
            (
                Form::new().text("department", "water").part(
                    "file",
                    Part::text("x").file_name("../../etc/passwd.geojson"),
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
                "passwd.geojson",
            ),
        ];
        for (form, status, detail) in cases {
            let (got, problem) = post(&app, form).await;
            assert_eq!(got, status, "{problem}");
            assert!(
                problem["detail"].as_str().unwrap().contains(detail),
                "{problem}"
            );
            assert!(problem["title"].is_string() && problem["type"].is_string());
        }
        assert_eq!(deliveries(&app).await, before, "nothing recorded");
    }
}

both_stores! {
    /// Features stream into the store while the file is read; a file that breaks halfway must still
    /// leave nothing behind (the transaction is rolled back, no delivery recorded).
    async fn a_file_that_breaks_halfway_loads_nothing(fresh) {
        let app = common::spawn(fresh, false).await;
        let before = deliveries(&app).await;
        let shp = std::fs::read(samples().join("water/water_mains.shp")).unwrap();
        // Header (100 bytes) and a few whole records, then a record cut short.
        let cut = shp[..shp.len() * 2 / 3].to_vec();
        let mut form = Form::new()
            .text("department", "water")
            .part("file", Part::bytes(cut).file_name("water_mains.shp"));
        for ext in ["dbf", "prj", "cpg"] {
            form = form.part(
                "file",
                file(&samples().join(format!("water/water_mains.{ext}"))),
            );
        }
        let (status, problem) = post(&app, form).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        let detail = problem["detail"].as_str().unwrap();
        assert!(
            detail.contains("water_mains.shp: not valid ESRI Shapefile: record "),
            "broke while reading, after some records: {problem}"
        );
        assert_eq!(deliveries(&app).await, before, "no delivery recorded");
        let features = app.store.count("features").await;
        assert_eq!(
            features, 0,
            "the features read before the break were rolled back"
        );
    }
}
