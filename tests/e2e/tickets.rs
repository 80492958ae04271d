//! Tickets that hold up on site: every excavation-check ticket carries its validity and the
//! server's Ed25519 signature; anyone with the printed signature can check it online, and
//! `undermap verify-ticket` checks a saved ticket offline with the server's public key.

use crate::common;

use reqwest::StatusCode;
use serde_json::{json, Value};
use undermap_service::TicketVerifier;

fn dig() -> Value {
    serde_json::json!({"area": common::square_crs84(108.987_665_44, 28.449_672_82, 24.0), "depth_m": 1.5, "reference": "SITE-7"})
}

both_stores! {
    async fn a_ticket_is_signed_valid_for_twenty_working_days_and_verifiable(fresh) {
        let app = common::spawn(fresh, true).await;
        let contractor = app.client_as("contractor").await;
        let resp = contractor
            .post(app.url("/v1/excavation-checks"))
            .json(&dig())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::CREATED);
        let text = resp.text().await.unwrap();
        let ticket: Value = serde_json::from_str(&text).unwrap();
        let id = ticket["id"].as_str().unwrap().to_owned();

        // A dig without a planned start starts on the first day the window allows (3 working
        // days ahead, on the holiday calendar) and is valid 20 working days from it.
        let calendar = undermap_core::WorkingCalendar::builtin();
        let issued = (chrono::DateTime::parse_from_rfc3339(ticket["created_at"].as_str().unwrap())
            .unwrap()
            + chrono::Duration::hours(8))
        .date_naive();
        assert_eq!(ticket["type"], "dig");
        assert_eq!(ticket["dig_allowed"], true);
        let start: chrono::NaiveDate = ticket["planned_start"].as_str().unwrap().parse().unwrap();
        assert_eq!(start, calendar.add_working_days(issued, 3));
        let until: chrono::NaiveDate = ticket["valid_until"].as_str().unwrap().parse().unwrap();
        assert!(calendar.is_working_day(until), "{until}");
        assert_eq!(until, calendar.add_working_days(start, 20));
        assert_eq!(calendar.working_days_between(start, until), 20);

        // The public key is open to anyone, and checks the ticket as it was returned.
        let key: Value = reqwest::get(app.url("/v1/tickets/public-key"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(key["alg"], "Ed25519");
        let verifier = TicketVerifier::from_base64(key["public_key"].as_str().unwrap()).unwrap();
        assert_eq!(ticket["signature"]["key_id"], verifier.key_id().as_str());
        verifier.verify(&text).expect("the ticket verifies");
        // Any change is caught: a hit's risk, the validity, a removed hit.
        for change in ["/hits/0/risk", "/valid_until", "/reference"] {
            let mut t = ticket.clone();
            *t.pointer_mut(change).unwrap() = Value::from("changed");
            assert!(verifier.verify_value(&t).is_err(), "{change}");
        }
        let mut fewer = ticket.clone();
        fewer["hits"].as_array_mut().unwrap().pop();
        assert!(verifier.verify_value(&fewer).is_err());

        // Online: a site inspector with only the printout (its QR code: id and signature).
        let signature = ticket["signature"]["value"].as_str().unwrap();
        let anonymous = reqwest::Client::new();
        let url = |sig: &str| {
            format!(
                "{}?signature={}",
                app.url(&format!("/v1/excavation-checks/{id}/verify")),
                percent_encoding::utf8_percent_encode(sig, percent_encoding::NON_ALPHANUMERIC)
            )
        };
        let check: Value = anonymous
            .get(url(signature))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(check["valid"], true, "{check}");
        assert_eq!(check["reference"], "SITE-7");
        assert_eq!(check["expired"], false);
        assert_eq!(check["valid_until"], ticket["valid_until"]);
        assert_eq!(check["hits"], ticket["hits"].as_array().unwrap().len());
        assert_eq!(check["highest_risk"], "high");
        // A signature that is not this ticket's: not valid, and nothing about the ticket leaks.
        // (Another first character: one in 64 signatures starts with "A" already.)
        let first = if signature.starts_with('A') { 'B' } else { 'A' };
        let forged = format!("{first}{}", &signature[1..]);
        let check: Value = anonymous
            .get(url(&forged))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(check["valid"], false);
        assert_eq!(check["reference"], Value::Null);
        assert!(
            check["reason"].as_str().unwrap().contains("changed"),
            "{check}"
        );
        // Without a signature an account is needed.
        let r = anonymous
            .get(app.url(&format!("/v1/excavation-checks/{id}/verify")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let r: Value = contractor
            .get(app.url(&format!("/v1/excavation-checks/{id}/verify")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(r["valid"], true);
        let r = anonymous
            .get(app.url("/v1/excavation-checks/EC-2026-999999/verify?signature=x"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        // Every verification is in the audit trail, anonymous ones included.
        let audit: Value = app
            .get("/v1/admin/audit?limit=1000")
            .await
            .json()
            .await
            .unwrap();
        let verified = audit["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| {
                e["entry"]["endpoint"]
                    .as_str()
                    .unwrap_or("")
                    .ends_with("/verify")
            })
            .count();
        assert!(verified >= 4, "{verified}");

        // The holder's list of tickets, on any device; nobody else's.
        let list: Value = contractor
            .get(app.url("/v1/excavation-checks"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list["tickets"][0]["id"], id.as_str(), "{list}");
        assert_eq!(list["tickets"][0]["reference"], "SITE-7");
        assert_eq!(list["tickets"][0]["highest_risk"], "high");
        let others: Value = app
            .client_as("emergency")
            .await
            .get(app.url("/v1/excavation-checks"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(others["tickets"], json!([]));
        let r = contractor
            .get(app.url("/v1/excavation-checks?limit=0"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

        // The printable ticket: its holder's, A4, with the map, every hit, the owners and the QR.
        let page = contractor
            .get(app.url(&format!("/tickets/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
        let csp = page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            csp.contains("default-src 'none'") && !csp.contains("script"),
            "{csp}"
        );
        let html = page.text().await.unwrap();
        assert!(html.contains(&id) && html.contains(ticket["valid_until"].as_str().unwrap()));
        assert!(html.contains("@page { size: A4"));
        assert_eq!(
            html.matches("<tr><td><span class=\"risk\"").count(),
            ticket["hits"].as_array().unwrap().len()
        );
        assert!(
            html.contains("class=\"map\"") && html.matches("<svg").count() >= 2,
            "map and QR"
        );
        for owner in ticket["owners"].as_array().unwrap() {
            assert!(html.contains(owner["name"].as_str().unwrap()));
        }
        let other = app.client_as("planner").await;
        let r = other
            .get(app.url(&format!("/tickets/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "someone else's ticket");
        let r = anonymous
            .get(app.url(&format!("/tickets/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

        // Offline, with the public key, as `undermap verify-ticket` does.
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("ticket.json");
        std::fs::write(&good, &text).unwrap();
        let bad = dir.path().join("changed.json");
        std::fs::write(&bad, text.replacen("\"high\"", "\"low\"", 1)).unwrap();
        let public = key["public_key"].as_str().unwrap().to_owned();
        let (ok, out, bad_ok, bad_out) = tokio::task::spawn_blocking(move || {
            let run = |file: &std::path::Path| {
                let out = std::process::Command::new(env!("CARGO_BIN_EXE_undermap"))
                    .arg("verify-ticket")
                    .arg(file)
                    .args(["--public-key", &public])
                    .env("RUST_LOG", "warn")
                    .output()
                    .unwrap();
                (
                    out.status.success(),
                    String::from_utf8_lossy(&out.stdout).into_owned(),
                )
            };
            let (ok, out) = run(&good);
            let (bad_ok, bad_out) = run(&bad);
            (ok, out, bad_ok, bad_out)
        })
        .await
        .unwrap();
        assert!(ok && out.starts_with("valid: ticket") && out.contains("(dig ticket from "), "{out}");
        assert!(!bad_ok && bad_out.contains("NOT VALID"), "{bad_out}");
    }
}
