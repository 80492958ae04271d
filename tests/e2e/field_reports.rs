//! Field reports close the loop (issue 19): a crew reports a main found 1.8 m off the map, the
//! next check says so, the owner claims it, a strike with a photo counts in the strikes per
//! 1,000 tickets (JSON and CSV), and a correcting delivery closes the report. Refused reports
//! are clear 4xx problems and write nothing.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::{self, TestApp};

/// The first vertex of water main WS-E00 (EPSG:4545 easting, northing).
const MAIN: (f64, f64) = (596_701.663, 3_148_492.175);

/// A position `dn` m north and `de` m east of the vertex, in EPSG:4545's axis order.
fn at(de: f64, dn: f64) -> Value {
    json!([MAIN.1 + dn, MAIN.0 + de])
}

async fn reports(app: &TestApp) -> usize {
    app.get_as(&app.client, "/v1/field-reports").await.1["field_reports"]
        .as_array()
        .unwrap()
        .len()
}

both_stores! {
    async fn a_crew_reports_the_owner_claims_and_a_delivery_corrects(fresh) {
        let app = common::spawn(fresh, true).await;
        let crew = common::client_with(&app.key_for("crew-1", "contractor", None).await);
        let other = common::client_with(&app.key_for("crew-2", "contractor", None).await);
        let desk = common::client_with(&app.key_for("water-desk", "network_owner", None).await);
        let (s, _) = app.post_as(&app.client, "/v1/owners/xs-water", json!({})).await;
        assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
        let put = app.client.put(app.url("/v1/owners/xs-water"))
            .json(&json!({"name": "秀山县自来水有限公司 (demo)", "accounts": ["water-desk"], "emergency_phone": "023-7666-1000"}))
            .send().await.unwrap();
        assert_eq!(put.status(), StatusCode::OK);

        let square = json!({"type": "Polygon", "coordinates": [[[MAIN.1 - 8.0, MAIN.0 - 2.0], [MAIN.1 - 8.0, MAIN.0 + 14.0],
            [MAIN.1 + 8.0, MAIN.0 + 14.0], [MAIN.1 + 8.0, MAIN.0 - 2.0], [MAIN.1 - 8.0, MAIN.0 - 2.0]]]});
        let (s, ticket) = app.post_as(&crew, "/v1/excavation-checks", json!({"area": square, "crs": "EPSG:4545"})).await;
        assert_eq!(s, StatusCode::CREATED, "{ticket}");
        let id = ticket["id"].as_str().unwrap().to_owned();
        let base = json!({"type": "found_elsewhere", "ticket": id, "feature_id": "WS-E00", "crs": "EPSG:4545"});
        let with = |extra: Value| {
            let mut b = base.clone();
            b.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            b
        };

        // Refused, with nothing written.
        for (client, body, field) in [
            (&crew, with(json!({"position": at(2.0, 0.5)})), "within 1 m"),
            (&crew, with(json!({"position": at(0.0, 300.0)})), "within 100 m"),
            (&crew, with(json!({"position": at(0.0, 1.8), "ticket": null})), "ticket"),
            (&crew, with(json!({"position": at(0.0, 1.8), "feature_id": "WS-NOPE"})), "feature_id"),
            (&other, with(json!({"position": at(0.0, 1.8)})), "no ticket of yours"),
            (&crew, json!({"type": "strike", "position": at(0.0, 1.0), "crs": "EPSG:4545", "damage": "DN300 gouged"}), "cause"),
            (&crew, json!({"type": "sighting", "position": at(0.0, 1.0)}), "type"),
        ] {
            let (s, e) = app.post_as(client, "/v1/field-reports", body.clone()).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {e}");
            assert!(e["detail"].as_str().unwrap_or_default().contains(field), "{field}: {e}");
        }
        let (s, _) = app.post_as(&desk, "/v1/field-reports", with(json!({"position": at(0.0, 1.8)}))).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "an owner's desk files no reports");
        assert_eq!(reports(&app).await, 0);

        // Found 1.8 m north of where the map has it.
        let (s, r) = app.post_as(&crew, "/v1/field-reports", with(json!({"position": at(0.0, 1.8), "note": "探坑实测"}))).await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        let fr = r["number"].as_str().unwrap().to_owned();
        assert_eq!(r["status"], "open");
        let off = r["offset_m"].as_f64().unwrap();
        assert!((1.7..=1.8).contains(&off), "{r}");
        assert_eq!(r["direction"], "north");
        assert_eq!(r["owner"], "秀山县自来水有限公司 (demo)");

        // The next check over the main says so.
        let (_, again) = app.post_as(&crew, "/v1/excavation-checks", json!({"area": square, "crs": "EPSG:4545"})).await;
        let hit = again["hits"].as_array().unwrap().iter().find(|h| h["feature_id"] == "WS-E00").unwrap().clone();
        assert!(hit["reason"].as_str().unwrap().contains(&format!("reported {off:.1} m north on")), "{hit}");
        assert!(hit["reason"].as_str().unwrap().contains(&format!("({fr})")), "{hit}");

        // The owner claims it, once.
        let (s, _) = app.post_as(&crew, &format!("/v1/field-reports/{fr}/claim"), json!({})).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, c) = app.post_as(&desk, &format!("/v1/field-reports/{fr}/claim"), json!({"note": "两周内复测"})).await;
        assert_eq!(s, StatusCode::OK, "{c}");
        assert_eq!((c["status"].as_str(), c["claim"]["owner_id"].as_str()), (Some("claimed"), Some("xs-water")));
        let (s, _) = app.post_as(&desk, &format!("/v1/field-reports/{fr}/claim"), json!({})).await;
        assert_eq!(s, StatusCode::CONFLICT);

        // A strike with a photo, on the ticket: it counts with a ticket.
        let photo = b"\xFF\xD8\xFF\xE0 not really a photo of a gouged main".to_vec();
        let report = json!({"type": "strike", "ticket": id, "feature_id": "WS-E00", "position": at(0.0, 1.8), "crs": "EPSG:4545",
            "damage": "DN300 球墨铸铁管外壁刮伤, 渗漏", "cause": "mismarked"});
        let form = reqwest::multipart::Form::new()
            .text("report", report.to_string())
            .part("photo", reqwest::multipart::Part::bytes(photo.clone()).file_name("strike.jpg").mime_str("image/jpeg").unwrap());
        let r = crew.post(app.url("/v1/field-reports")).multipart(form).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let strike: Value = r.json().await.unwrap();
        assert_eq!((strike["had_ticket"].as_bool(), strike["cause"].as_str()), (Some(true), Some("mismarked")));
        let sha = strike["photos"][0]["sha256"].as_str().unwrap();
        let path = format!("/v1/field-reports/{}/photos/{sha}", strike["number"].as_str().unwrap());
        let got = crew.get(app.url(&path)).send().await.unwrap();
        assert_eq!(got.status(), StatusCode::OK);
        assert_eq!(got.bytes().await.unwrap().to_vec(), photo);
        assert_eq!(other.get(app.url(&path)).send().await.unwrap().status(), StatusCode::NOT_FOUND);
        assert_eq!(desk.get(app.url(&path)).send().await.unwrap().status(), StatusCode::OK, "the owner sees it");

        // Strikes per 1,000 tickets: 1 strike, 2 tickets.
        let today = chrono::Utc::now().date_naive();
        let period = format!("from={}&to={}", today.pred_opt().unwrap(), today.succ_opt().unwrap());
        let (s, stats) = app.get_as(&app.client, &format!("/v1/field-reports/stats?{period}")).await;
        assert_eq!(s, StatusCode::OK, "{stats}");
        assert_eq!(stats["tickets"], 2, "{stats}");
        assert_eq!(stats["strikes"]["strikes"], 1);
        assert_eq!(stats["strikes"]["per_1000_tickets"], 500.0);
        assert_eq!(stats["with_ticket"]["strikes"], 1);
        assert_eq!(stats["without_ticket"]["strikes"], 0);
        assert_eq!(stats["by_cause"]["mismarked"]["strikes"], 1);
        assert_eq!(stats["by_cause"]["no_ticket"]["strikes"], 0);
        assert_eq!(stats["by_owner"]["秀山县自来水有限公司 (demo)"]["strikes"], 1);
        assert_eq!(stats["reports"]["found_elsewhere"], 1);
        let csv = app.client.get(app.url(&format!("/v1/field-reports/stats?{period}&format=csv"))).send().await.unwrap();
        assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let csv = csv.text().await.unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 2, "{csv}");
        assert!(lines[0].starts_with("report,reported_at,owner") && lines[1].contains(",mismarked,true,"), "{csv}");
        assert!(lines[1].contains("\"DN300 球墨铸铁管外壁刮伤, 渗漏\""), "quoted: {csv}");
        let (s, _) = app.get_as(&crew, &format!("/v1/field-reports/stats?{period}")).await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        // A delivery that changes the main corrects the map: the reports close.
        app.store.retire_feature("WS-E00").await;
        app.service.reload().await.unwrap();
        let (_, closed) = app.get_as(&app.client, &format!("/v1/field-reports/{fr}")).await;
        assert_eq!(closed["status"], "corrected", "{closed}");
        let (_, open) = app.get_as(&app.client, "/v1/field-reports?status=claimed").await;
        assert_eq!(open["field_reports"], json!([]));
    }
}
