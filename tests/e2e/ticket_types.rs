//! The types of ticket (issue 19): an orientation ticket for planning and design covers a larger
//! area and says in both languages that no dig may rely on it; a dig ticket has a planned start
//! within its window of working days (on China's holiday calendar) and is valid from it. Bad
//! requests are refused with the reason and write no ticket.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::{self, TestApp};

const LON: f64 = 108.987_665_44;
const LAT: f64 = 28.449_672_82;

async fn check(app: &TestApp, body: &Value) -> (StatusCode, Value) {
    let r = app
        .client
        .post(app.url("/v1/excavation-checks"))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// The deployment's local date today (UTC+8) and the shipped calendar.
fn today() -> (chrono::NaiveDate, undermap_core::WorkingCalendar) {
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    (today, undermap_core::WorkingCalendar::builtin())
}

both_stores! {
    async fn an_orientation_covers_more_and_allows_no_dig_while_a_dig_starts_in_its_window(fresh) {
        let app = common::spawn(fresh, true).await;
        let before = app.store.ticket_count().await;

        // 1.5 km across: too large for a dig, which says how to ask instead; nothing written.
        let wide = common::square_crs84(LON, LAT, 1_500.0);
        let (s, e) = check(&app, &json!({ "area": wide })).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(e["detail"].as_str().unwrap().contains("orientation"), "{e}");
        assert_eq!(app.store.ticket_count().await, before);

        let (s, t) = check(&app, &json!({ "area": wide, "type": "orientation" })).await;
        assert_eq!(s, StatusCode::CREATED, "{t}");
        assert_eq!(t["type"], "orientation");
        assert_eq!(t["dig_allowed"], false);
        assert!(t["notice"]["zh"].as_str().unwrap().contains("不得据此开挖"), "{t}");
        assert!(t["notice"]["en"].as_str().unwrap().contains("no excavation"), "{t}");
        assert!(t.get("planned_start").is_none(), "{t}");
        let (today, calendar) = today();
        assert_eq!(t["valid_until"], calendar.add_working_days(today, 20).to_string());
        // Its printout says so too.
        let page = app.client.get(app.url(&format!("/tickets/{}", t["id"].as_str().unwrap()))).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("不得据此开挖") && page.contains("no excavation may rely on it"), "{page}");
        assert!(!page.contains("计划开工"));
        // So does the answer an inspector gets from the printout's QR code.
        let id = t["id"].as_str().unwrap();
        let signature = t["signature"]["value"].as_str().unwrap();
        let v: Value = reqwest::Client::new()
            .get(app.url(&format!("/v1/excavation-checks/{id}/verify")))
            .query(&[("signature", signature)])
            .send().await.unwrap().json().await.unwrap();
        assert_eq!(v["valid"], true, "{v}");
        assert_eq!(v["type"], "orientation");
        assert_eq!(v["dig_allowed"], false);

        // Beyond 2.5 × 2.5 km even an orientation is refused.
        let (s, e) = check(&app, &json!({ "area": common::square_crs84(LON, LAT, 2_600.0), "type": "orientation" })).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        // An orientation has no start.
        let start = calendar.add_working_days(today, 5).to_string();
        let (s, e) = check(&app, &json!({ "area": wide, "type": "orientation", "planned_start": start })).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");

        // A dig: its start within 3 to 20 working days, valid 20 working days from it.
        let site = common::square_crs84(LON, LAT, 24.0);
        let (s, t) = check(&app, &json!({ "area": site, "planned_start": start })).await;
        assert_eq!(s, StatusCode::CREATED, "{t}");
        assert_eq!(t["planned_start"], start.as_str());
        let start_day: chrono::NaiveDate = start.parse().unwrap();
        assert_eq!(t["valid_until"], calendar.add_working_days(start_day, 20).to_string());
        let page = app.client.get(app.url(&format!("/tickets/{}", t["id"].as_str().unwrap()))).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("计划开工 Planned start") && page.contains(&start), "the printout shows the start");
        let v: Value = app.client.get(app.url(&format!("/v1/excavation-checks/{}/verify", t["id"].as_str().unwrap())))
            .send().await.unwrap().json().await.unwrap();
        assert_eq!((v["type"].as_str(), v["dig_allowed"].as_bool()), (Some("dig"), Some(true)), "{v}");
        assert_eq!(v["planned_start"], start.as_str());
        assert_eq!(v["not_yet_valid"], true, "5 working days ahead: not yet");

        let counted = app.store.ticket_count().await;
        for (day, why) in [
            (calendar.add_working_days(today, 2), "too soon"),
            (calendar.add_working_days(today, 21), "too late"),
        ] {
            let (s, e) = check(&app, &json!({ "area": site, "planned_start": day.to_string() })).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{why}: {e}");
            assert!(e["detail"].as_str().unwrap().contains("working days ahead"), "{e}");
        }
        for bad in [json!({ "area": site, "planned_start": "next week" }), json!({ "area": site, "type": "emergencyish" })] {
            let (s, e) = check(&app, &bad).await;
            assert!(s == StatusCode::UNPROCESSABLE_ENTITY || s == StatusCode::BAD_REQUEST, "{bad}: {s} {e}");
        }
        assert_eq!(app.store.ticket_count().await, counted, "refused checks write no ticket");
    }
}
