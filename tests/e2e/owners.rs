//! The dig workflow between contractors and owners (issue 19): a ticket asks the registered
//! owners of its hits, POSTs each one with a webhook a signed notification (retried, every
//! attempt logged), lists it in the others' inboxes, takes their answers and versions its state;
//! emergency tickets name every owner's emergency phone at once and owe a reason. Refusals are
//! clear 4xx problems and write nothing.

use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::Engine as _;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::common::{self, TestApp};

/// A water main of the demo data (EPSG:4545): the first vertex of its first feature.
const WATER: (f64, f64) = (596_701.663, 3_148_492.175);
const WATER_NAME: &str = "秀山县自来水有限公司 (demo)";

#[derive(Default)]
pub(crate) struct Received {
    /// Headers (signature, ticket, attempt) and body of every request, in order.
    pub(crate) requests: Vec<(String, String, String, Vec<u8>)>,
}

/// An owner's endpoint: it refuses the first request with 503, then takes every one.
pub(crate) fn receiver() -> (String, Arc<Mutex<Received>>) {
    let got = Arc::new(Mutex::new(Received::default()));
    let state = Arc::clone(&got);
    let server = HttpServer::new(move || {
        let state = Arc::clone(&state);
        App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
            let state = Arc::clone(&state);
            async move {
                let header = |n: &str| {
                    req.headers()
                        .get(n)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned()
                };
                let mut s = state.lock().unwrap();
                s.requests.push((
                    header("undermap-signature"),
                    header("undermap-ticket"),
                    header("undermap-attempt"),
                    body.to_vec(),
                ));
                if s.requests.len() == 1 {
                    HttpResponse::ServiceUnavailable().finish()
                } else {
                    HttpResponse::NoContent().finish()
                }
            }
        }))
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let port = server.addrs()[0].port();
    tokio::spawn(server.run());
    (format!("http://127.0.0.1:{port}/undermap/tickets"), got)
}

/// A square around an easting and northing, in EPSG:4545's own axis order (northing first).
fn site(x: f64, y: f64, half: f64) -> Value {
    json!({ "type": "Polygon", "coordinates": [[[y - half, x - half], [y - half, x + half], [y + half, x + half], [y + half, x - half], [y - half, x - half]]] })
}

async fn send(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut r = client.request(method, url);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn post(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    send(client, reqwest::Method::POST, app.url(path), Some(body)).await
}

async fn get(app: &TestApp, client: &reqwest::Client, path: &str) -> (StatusCode, Value) {
    send(client, reqwest::Method::GET, app.url(path), None).await
}

/// Checks a notification's signature with the deployment's published key.
pub(crate) async fn verify_signature(app: &TestApp, header: &str, body: &[u8]) {
    let (_, key) = get(app, &app.client, "/v1/tickets/public-key").await;
    let b64 = base64::engine::general_purpose::STANDARD;
    let key: [u8; 32] = b64
        .decode(key["public_key"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let key = VerifyingKey::from_bytes(&key).unwrap();
    let part = |name: &str| {
        header
            .split(',')
            .find_map(|p| p.trim().strip_prefix(&format!("{name}=\"")))
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or_else(|| panic!("{name} in {header}"))
            .to_owned()
    };
    assert_eq!(part("alg"), "Ed25519-SHA256");
    assert_eq!(part("keyid"), key_id(app).await);
    let signature: [u8; 64] = b64.decode(part("signature")).unwrap().try_into().unwrap();
    key.verify(&Sha256::digest(body), &Signature::from_bytes(&signature))
        .expect("the notification is signed by the ticket key");
    let mut tampered = body.to_vec();
    tampered[10] ^= 1;
    assert!(key
        .verify(
            &Sha256::digest(&tampered),
            &Signature::from_bytes(&signature)
        )
        .is_err());
}

async fn key_id(app: &TestApp) -> String {
    let (_, key) = get(app, &app.client, "/v1/tickets/public-key").await;
    key["key_id"].as_str().unwrap().to_owned()
}

both_stores! {
    async fn owners_are_notified_answer_and_the_ticket_state_is_versioned(fresh) {
        let (endpoint, received) = receiver();
        let mut settings = undermap::Settings { listen: "127.0.0.1:0".into(), ..undermap::Settings::default() };
        settings.tickets.webhook_first_retry_seconds = 1;
        let app = common::spawn_with(fresh, true, settings).await;
        let desk = common::client_with(&app.key_for("water-desk", "network_owner", None).await);
        let contractor = app.client_as("contractor").await;

        // The registry: bad entries are refused, a name belongs to one owner.
        let entry = json!({ "name": WATER_NAME, "contacts": ["调度 023-7666-1001"], "emergency_phone": "023-7666-1000", "webhook_url": endpoint, "accounts": ["water-desk"] });
        let (s, o) = send(&app.client, reqwest::Method::PUT, app.url("/v1/owners/xs-water"), Some(entry.clone())).await;
        assert_eq!(s, StatusCode::OK, "{o}");
        assert_eq!(o["names"], json!([WATER_NAME]));
        let (s, e) = send(&app.client, reqwest::Method::PUT, app.url("/v1/owners/water-twin"), Some(entry.clone())).await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        for (id, body) in [("Bad Id", entry.clone()), ("w2", json!({ "name": "W2", "webhook_url": "ftp://x/y" }))] {
            let (s, e) = send(&app.client, reqwest::Method::PUT, app.url(&format!("/v1/owners/{}", id.replace(' ', "%20"))), Some(body)).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{id}: {e}");
        }
        let (s, _) = send(&desk, reqwest::Method::PUT, app.url("/v1/owners/xs-water"), Some(entry)).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "only administrators register owners");

        // A dig over the water main asks the water company, and any other registered owner hit.
        let (s, t) = post(&app, &contractor, "/v1/excavation-checks", json!({ "area": site(WATER.0, WATER.1, 10.0), "crs": "EPSG:4545" })).await;
        assert_eq!(s, StatusCode::CREATED, "{t}");
        let id = t["id"].as_str().unwrap().to_owned();
        assert!(t["answer_by"].is_string(), "a ticket asking owners says by when: {t}");
        assert!(t["owners"].as_array().unwrap().iter().any(|o| o["name"] == WATER_NAME), "{t}");

        // The webhook: refused once (503), delivered on the retry, both attempts logged.
        let mut waited = 0;
        while received.lock().unwrap().requests.len() < 2 {
            assert!(waited < 300, "the notification was not retried within 30 s");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            waited += 1;
        }
        let (signature, ticket_header, attempt, body) = received.lock().unwrap().requests[1].clone();
        assert_eq!((ticket_header.as_str(), attempt.as_str()), (id.as_str(), "2"));
        verify_signature(&app, &signature, &body).await;
        let note: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(note["event"], "ticket.issued");
        assert_eq!(note["ticket"], id.as_str());
        assert_eq!(note["owner"]["id"], "xs-water");
        assert_eq!(note["request"], "mark_or_answer");
        assert!(note["assets"].as_u64().unwrap() >= 1);
        assert_eq!(note["site"]["type"], "Feature");
        assert!(note["site_wkt"].as_str().unwrap().starts_with("POLYGON"), "{note}");
        let lon = note["site"]["geometry"]["coordinates"][0][0][0].as_f64().unwrap();
        assert!((108.0..110.0).contains(&lon), "the site is in CRS84: {note}");
        assert_eq!(note["links"]["respond"], format!("/v1/excavation-checks/{id}/responses"));
        let mut logged = (StatusCode::OK, Value::Null);
        for _ in 0..50 {
            logged = get(&app, &app.client, &format!("/v1/excavation-checks/{id}/notifications")).await;
            if logged.1["attempts"].as_array().is_some_and(|a| a.len() == 2) { break; }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let attempts = logged.1["attempts"].as_array().unwrap().clone();
        assert_eq!(attempts.len(), 2, "{}", logged.1);
        assert_eq!((attempts[0]["status"].as_u64(), attempts[1]["status"].as_u64()), (Some(503), Some(204)));
        assert!(attempts[0]["error"].is_string() && attempts[1]["error"].is_null());
        let (s, _) = get(&app, &contractor, &format!("/v1/excavation-checks/{id}/notifications")).await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        // The owner's inbox, and the ticket itself, which the owner may read.
        let (s, inbox) = get(&app, &desk, "/v1/owners/xs-water/tickets?status=open").await;
        assert_eq!(s, StatusCode::OK, "{inbox}");
        assert!(inbox["tickets"].as_array().unwrap().iter().any(|i| i["ticket_id"] == id.as_str()), "{inbox}");
        let (s, _) = get(&app, &desk, &format!("/v1/excavation-checks/{id}")).await;
        assert_eq!(s, StatusCode::OK, "an owner asked reads the ticket");
        let (s, _) = get(&app, &desk, "/v1/owners/xs-gas/tickets").await;
        assert_eq!(s, StatusCode::FORBIDDEN, "another owner's inbox");

        let (s, st) = get(&app, &contractor, &format!("/v1/excavation-checks/{id}/status")).await;
        assert_eq!(s, StatusCode::OK, "{st}");
        assert_eq!(st["state"], "waiting", "{st}");
        assert_eq!(st["versions"].as_array().unwrap().len(), 1);
        assert_eq!(st["answer_by"], t["answer_by"]);

        // Refused answers write nothing.
        let path = format!("/v1/excavation-checks/{id}/responses");
        for (client, body, want) in [
            (&contractor, json!({ "code": "clear" }), StatusCode::FORBIDDEN),
            (&desk, json!({ "code": "fine" }), StatusCode::UNPROCESSABLE_ENTITY),
            (&desk, json!({ "owner": "nobody", "code": "clear" }), StatusCode::UNPROCESSABLE_ENTITY),
            (&desk, json!({ "code": "clear", "extra": 1 }), StatusCode::BAD_REQUEST),
        ] {
            let (s, e) = post(&app, client, &path, body.clone()).await;
            assert_eq!(s, want, "{body}: {e}");
            assert_eq!(e["status"].as_u64(), Some(u64::from(want.as_u16())), "problem+json: {e}");
        }
        let (s, _) = post(&app, &desk, "/v1/excavation-checks/EC-2026-999999/responses", json!({ "code": "clear" })).await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        let (s, r) = post(&app, &desk, &path, json!({ "code": "marked", "note": "东侧 1.2 m 已喷漆标示" })).await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        assert_eq!((r["seq"].as_u64(), r["code"].as_str()), (Some(1), Some("marked")));
        let (_, st) = get(&app, &contractor, &format!("/v1/excavation-checks/{id}/status")).await;
        let versions = st["versions"].as_array().unwrap();
        assert_eq!(versions.len(), 2, "{st}");
        assert_eq!(versions[1]["cause"]["event"], "answer");
        assert_eq!(versions[1]["cause"]["owner"], WATER_NAME);
        assert_eq!(st["responses"].as_array().unwrap().len(), 1, "refusals wrote nothing");
        let water = st["owners"].as_array().unwrap().iter().find(|o| o["id"] == "xs-water").unwrap().clone();
        assert_eq!((water["code"].as_str(), water["delivered"].as_bool()), (Some("marked"), Some(true)));
        let all_answered = st["owners"].as_array().unwrap().len() == 1;
        assert_eq!(st["state"], if all_answered { "complete" } else { "waiting" }, "{st}");
        let (_, open) = get(&app, &desk, "/v1/owners/xs-water/tickets").await;
        assert!(!open["tickets"].as_array().unwrap().iter().any(|i| i["ticket_id"] == id.as_str()), "answered: no longer open");
        let (_, answered) = get(&app, &desk, "/v1/owners/xs-water/tickets?status=answered").await;
        assert!(answered["tickets"].as_array().unwrap().iter().any(|i| i["ticket_id"] == id.as_str()));
        // A second answer appends a version, here with a marked-up drawing attached; the
        // signed ticket does not change.
        let drawing = b"%PDF-1.4 marked-up drawing of the main".to_vec();
        let form = reqwest::multipart::Form::new()
            .text("response", json!({ "code": "site_meeting_required", "note": "周三 9 点现场会商" }).to_string())
            .part("file", reqwest::multipart::Part::bytes(drawing.clone()).file_name("WS-E00.pdf").mime_str("application/pdf").unwrap());
        let r = desk.post(app.url(&path)).multipart(form).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let second: Value = r.json().await.unwrap();
        assert_eq!(second["seq"], 2);
        let sha = second["files"][0]["sha256"].as_str().unwrap();
        let file = format!("/v1/excavation-checks/{id}/responses/files/{sha}");
        let got = contractor.get(app.url(&file)).send().await.unwrap();
        assert_eq!(got.status(), StatusCode::OK, "the holder reads the owner's drawing");
        assert_eq!(got.bytes().await.unwrap().to_vec(), drawing);
        let stranger = app.client_as("planner").await;
        assert_eq!(stranger.get(app.url(&file)).send().await.unwrap().status(), StatusCode::NOT_FOUND);
        // A form without its JSON first is refused, nothing kept.
        let form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(drawing.clone()).file_name("x.pdf"));
        let r = desk.post(app.url(&path)).multipart(form).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let (_, st) = get(&app, &contractor, &format!("/v1/excavation-checks/{id}/status")).await;
        assert_eq!(st["versions"].as_array().unwrap().len(), 3);
        let (_, again) = get(&app, &contractor, &format!("/v1/excavation-checks/{id}")).await;
        assert_eq!(again, t, "the signed ticket never changes");

        // An answer to an expired ticket is refused: the same ticket, stored as if issued in 2020.
        let old_id = undermap_core::TicketId::new(2020, 1);
        let mut old = t.clone();
        old["id"] = json!(old_id.to_string());
        old["valid_until"] = json!("2020-02-01");
        let square = geo::Rect::new(geo::coord! { x: WATER.0 - 5.0, y: WATER.1 - 5.0 }, geo::coord! { x: WATER.0 + 5.0, y: WATER.1 + 5.0 });
        app.store.shared().save_ticket(undermap_store::NewTicket {
            id: old_id,
            created_at: chrono::Utc::now() - chrono::Duration::days(2500),
            reference: None,
            issued_to: Some("test-contractor".into()),
            area: geo::MultiPolygon(vec![square.to_polygon()]),
            body: old.to_string(),
            owners: vec![undermap_store::TicketOwner {
                owner: WATER_NAME.into(),
                owner_id: "xs-water".into(),
                assets: 1,
                answer_by: chrono::Utc::now() - chrono::Duration::days(2499),
                webhook_url: None,
            }],
            justify_by: None,
        }).await.unwrap();
        let (s, e) = post(&app, &desk, &format!("/v1/excavation-checks/{old_id}/responses"), json!({ "code": "clear" })).await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        assert!(e["detail"].as_str().unwrap().contains("expired"), "{e}");
        let (_, st) = get(&app, &desk, &format!("/v1/excavation-checks/{old_id}/status")).await;
        assert_eq!(st["state"], "partial", "past its deadline unanswered: {st}");
        assert_eq!(st["versions"][1]["silent"], json!([WATER_NAME]));
        assert_eq!(st["responses"], json!([]), "nothing written");
    }
}

both_stores! {
    async fn an_emergency_names_every_owners_phone_at_once_and_owes_a_reason(fresh) {
        let app = common::spawn(fresh, true).await;
        let crew = app.client_as("contractor").await;
        let area = site(WATER.0, WATER.1, 10.0);

        let start = chrono::Utc::now().date_naive().to_string();
        let (s, e) = post(&app, &crew, "/v1/excavation-checks", json!({ "area": area, "crs": "EPSG:4545", "type": "emergency", "planned_start": start })).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "an emergency starts now: {e}");
        let (s, t) = post(&app, &crew, "/v1/excavation-checks", json!({ "area": area, "crs": "EPSG:4545", "type": "emergency", "reference": "爆管抢修" })).await;
        assert_eq!(s, StatusCode::CREATED, "{t}");
        assert_eq!((t["type"].as_str(), t["dig_allowed"].as_bool()), (Some("emergency"), Some(true)));
        assert!(t["notice"]["zh"].as_str().unwrap().contains("紧急抢修"), "{t}");
        let em = &t["emergency"];
        let water = em["owners"].as_array().unwrap().iter().find(|o| o["name"] == WATER_NAME).unwrap_or_else(|| panic!("{t}"));
        assert_eq!((water["emergency_phone"].as_str(), water["registered"].as_bool()), (Some("023-7666-1000"), Some(true)));
        assert_eq!(em["high_pressure_gas"], false, "the demo has no gas above 0.4 MPa");
        assert!(em["justify_by"].is_string());
        let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
        let calendar = undermap_core::WorkingCalendar::builtin();
        assert_eq!(t["valid_until"], calendar.add_working_days(today, 5).to_string());
        // Owners have hours, not a working day, to answer an emergency.
        let by = chrono::DateTime::parse_from_rfc3339(t["answer_by"].as_str().unwrap()).unwrap();
        let issued = chrono::DateTime::parse_from_rfc3339(t["created_at"].as_str().unwrap()).unwrap();
        assert_eq!((by - issued).num_hours(), 2);
        let id = t["id"].as_str().unwrap();
        app.service.excavation().verify(id, None).await.map(|v| assert!(v.valid)).unwrap();

        let (_, record) = get(&app, &crew, "/v1/emergency-tickets").await;
        assert_eq!(record["emergency_tickets"][0]["flag"], "due", "{record}");
        let path = format!("/v1/excavation-checks/{id}/justification");
        let (s, e) = post(&app, &crew, &path, json!({ "reason": "  " })).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        let other = common::client_with(&app.key_for("other-crew", "contractor", None).await);
        let (s, _) = post(&app, &other, &path, json!({ "reason": "not mine" })).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "another holder's emergency");
        let (s, j) = post(&app, &crew, &path, json!({ "reason": "DN300 给水管爆管，路面塌陷" })).await;
        assert_eq!(s, StatusCode::CREATED, "{j}");
        assert_eq!(j["flag"], "justified");
        let (s, _) = post(&app, &crew, &path, json!({ "reason": "again" })).await;
        assert_eq!(s, StatusCode::CONFLICT, "the reason is given once");
        let (_, record) = get(&app, &app.client, "/v1/emergency-tickets?holder=test-contractor").await;
        assert_eq!(record["emergency_tickets"][0]["justification"]["reason"], "DN300 给水管爆管，路面塌陷");
        let (s, _) = get(&app, &crew, "/v1/emergency-tickets?holder=test-admin").await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        for bad in ["0", "501"] {
            let (s, e) = get(&app, &crew, &format!("/v1/emergency-tickets?limit={bad}")).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "limit={bad} is refused, not clamped: {e}");
        }
        // A dig ticket owes no reason.
        let (s, _) = post(&app, &crew, "/v1/excavation-checks", json!({ "area": area, "crs": "EPSG:4545" })).await;
        assert_eq!(s, StatusCode::CREATED);
        let (_, record) = get(&app, &crew, "/v1/emergency-tickets").await;
        assert_eq!(record["emergency_tickets"].as_array().unwrap().len(), 1);
    }
}
