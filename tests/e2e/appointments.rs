//! Appointments at the archive's service window (issue 20): twenty visitors try for the last
//! places of one slot at once and exactly its capacity get them; a booking comes with its
//! iCalendar event, is moved and cancelled (the event follows with a higher SEQUENCE), the
//! staff's day list shows who comes; refused bookings are clear problems and take no place.

use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::{self, client_with, TestApp};

/// The bookable slots of the window's next two weeks, day by day.
async fn bookable(app: &TestApp) -> Vec<Vec<Value>> {
    let (s, window) = app.get_as(&app.client, "/v1/appointments/slots").await;
    assert_eq!(s, StatusCode::OK, "{window}");
    window["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            d["slots"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|s| s["bookable"] == true)
                .cloned()
                .collect::<Vec<_>>()
        })
        .filter(|slots: &Vec<Value>| slots.len() >= 3)
        .collect()
}

async fn free(app: &TestApp, slot: &str) -> u64 {
    let date = &slot[..10];
    let (_, window) = app
        .get_as(
            &app.client,
            &format!("/v1/appointments/slots?from={date}&to={date}"),
        )
        .await;
    window["days"][0]["slots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["slot"] == slot)
        .unwrap()["free"]
        .as_u64()
        .unwrap()
}

fn booking(slot: &str, name: &str) -> Value {
    json!({ "slot": slot, "name": name, "phone": "023-7666 1000", "purpose": "查阅竣工图 (consult as-built drawings)" })
}

both_stores! {
    async fn the_last_places_go_to_exactly_as_many_as_the_window_serves(fresh) {
        let app = common::spawn(fresh, true).await;
        let days = bookable(&app).await;
        let slot = days[1][0]["slot"].as_str().unwrap().to_owned();
        assert_eq!(free(&app, &slot).await, 3, "the shipped window serves 3 a slot");
        let mut clients = Vec::new();
        for i in 0..20 {
            clients.push(client_with(&app.key_for(&format!("visitor-{i}"), "public", None).await));
        }
        let answers = join_all(clients.iter().enumerate().map(|(i, c)| {
            let body = booking(&slot, &format!("访客 {i}"));
            let app = &app;
            async move { app.post_as(c, "/v1/appointments", body).await }
        }))
        .await;
        let booked: Vec<&Value> = answers.iter().filter(|(s, _)| *s == StatusCode::CREATED).map(|(_, a)| a).collect();
        assert_eq!(booked.len(), 3, "{answers:?}");
        for (s, e) in answers.iter().filter(|(s, _)| *s != StatusCode::CREATED) {
            assert_eq!(*s, StatusCode::CONFLICT, "{e}");
            assert!(e["detail"].as_str().unwrap().contains("is full"), "{e}");
        }
        let mut numbers: Vec<&str> = booked.iter().map(|a| a["number"].as_str().unwrap()).collect();
        numbers.sort_unstable();
        numbers.dedup();
        assert_eq!(numbers.len(), 3, "distinct numbers");
        assert_eq!(free(&app, &slot).await, 0);
        let staff = app.client_as("archivist").await;
        let (s, list) = app.get_as(&staff, &format!("/v1/appointments/day/{}", &slot[..10])).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(list["appointments"].as_array().unwrap().len(), 3);

        // A cancelled place goes to the next visitor.
        let first = booked[0]["number"].as_str().unwrap();
        let holder = booked[0]["account"].as_str().unwrap();
        let i: usize = holder.trim_start_matches("visitor-").parse().unwrap();
        let (s, a) = app.post_as(&clients[i], &format!("/v1/appointments/{first}/cancel"), json!({})).await;
        assert_eq!(s, StatusCode::OK, "{a}");
        assert_eq!(a["status"], "cancelled");
        assert_eq!(free(&app, &slot).await, 1);
        let late = answers.iter().position(|(s, _)| *s == StatusCode::CONFLICT).unwrap();
        let (s, a) = app.post_as(&clients[late], "/v1/appointments", booking(&slot, "后来者")).await;
        assert_eq!(s, StatusCode::CREATED, "{a}");
        assert_eq!(free(&app, &slot).await, 0);
    }
}

both_stores! {
    async fn a_booking_is_an_event_that_follows_it_when_moved_or_cancelled(fresh) {
        let app = common::spawn(fresh, true).await;
        let days = bookable(&app).await;
        let (slot, other) = (days[0][1]["slot"].as_str().unwrap().to_owned(), days[0][2]["slot"].as_str().unwrap().to_owned());
        let me = client_with(&app.key_for("zhang-san", "public", None).await);
        let them = client_with(&app.key_for("li-si", "public", None).await);
        let record = json!({"number": "GH-1998-0001", "title": "城北给水干管竣工图", "category": "as_built_drawings",
            "year": 1998, "original": "库房 3 架 12 格", "pages": 40});
        assert_eq!(app.post_json("/v1/archive/records", &record).await.status(), StatusCode::CREATED);

        let mut body = booking(&slot, "张三");
        body["wanted"] = json!([{ "record": "GH-1998-0001" }]);
        let r = me.post(app.url("/v1/appointments")).json(&body).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let location = r.headers()["location"].to_str().unwrap().to_owned();
        let a: Value = r.json().await.unwrap();
        let number = a["number"].as_str().unwrap().to_owned();
        assert_eq!(location, format!("/v1/appointments/{number}"));
        assert!(number.starts_with(&format!("YY-{}-", slot[..10].replace('-', ""))), "{number}");
        assert_eq!(a["wanted"], json!([{ "record": "GH-1998-0001" }]));

        let ics = |client: reqwest::Client| {
            let url = app.url(&format!("/v1/appointments/{number}/calendar.ics"));
            async move {
                let r = client.get(url).send().await.unwrap();
                assert_eq!(r.status(), StatusCode::OK);
                assert_eq!(r.headers()["content-type"], "text/calendar; charset=utf-8");
                r.text().await.unwrap()
            }
        };
        let event = ics(me.clone()).await;
        assert!(event.contains("BEGIN:VEVENT") && event.contains(&format!("UID:{number}@")), "{event}");
        assert!(event.contains("SEQUENCE:0") && event.contains("STATUS:CONFIRMED"), "{event}");

        // Only its booker and the staff see it.
        let (s, _) = app.get_as(&them, &format!("/v1/appointments/{number}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = app.post_as(&them, &format!("/v1/appointments/{number}/cancel"), json!({})).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = app.get_as(&them, &format!("/v1/appointments/day/{}", &slot[..10])).await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        // Moved: the old place is free again and the event carries the move.
        let (s, moved) = app.post_as(&me, &format!("/v1/appointments/{number}/reschedule"), json!({ "slot": other })).await;
        assert_eq!(s, StatusCode::OK, "{moved}");
        assert_eq!(moved["start"], other[11..]);
        assert_eq!(moved["reschedules"], 1);
        assert_eq!(free(&app, &slot).await, 3);
        assert_eq!(free(&app, &other).await, 2);
        let event = ics(me.clone()).await;
        assert!(event.contains("SEQUENCE:1"), "{event}");
        let (s, e) = app.post_as(&me, &format!("/v1/appointments/{number}/reschedule"), json!({ "slot": other })).await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        let (s, e) = app.post_as(&me, "/v1/appointments", booking(&other, "张三")).await;
        assert_eq!(s, StatusCode::CONFLICT, "one place per account and slot: {e}");

        let (s, mine) = app.get_as(&me, "/v1/appointments").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(mine["appointments"][0]["number"], number.as_str());
        let staff = app.client_as("archivist").await;
        let page = staff.get(app.url(&format!("/v1/appointments/day/{}/print", &other[..10]))).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let page = page.text().await.unwrap();
        assert!(page.contains("张三") && page.contains(&number) && page.contains("GH-1998-0001"), "{page}");

        // Cancelled: the event says so, once.
        let (s, a) = app.post_as(&me, &format!("/v1/appointments/{number}/cancel"), json!({})).await;
        assert_eq!(s, StatusCode::OK, "{a}");
        let event = ics(me.clone()).await;
        assert!(event.contains("STATUS:CANCELLED") && event.contains("SEQUENCE:2"), "{event}");
        let (s, _) = app.post_as(&me, &format!("/v1/appointments/{number}/cancel"), json!({})).await;
        assert_eq!(s, StatusCode::CONFLICT);
        let (s, _) = app.post_as(&me, &format!("/v1/appointments/{number}/reschedule"), json!({ "slot": slot })).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert_eq!(free(&app, &other).await, 3);
    }
}

both_stores! {
    async fn refused_bookings_say_why_and_take_no_place(fresh) {
        let app = common::spawn(fresh, true).await;
        let days = bookable(&app).await;
        let slot = days[0][0]["slot"].as_str().unwrap().to_owned();
        let date: chrono::NaiveDate = slot[..10].parse().unwrap();
        // A day off in the next two weeks (a weekend day not worked in place of a holiday).
        let (_, window) = app.get_as(&app.client, "/v1/appointments/slots").await;
        let sunday = window["days"].as_array().unwrap().iter()
            .find(|d| d["reason"] == "not a working day").expect("a day off in two weeks")["date"]
            .as_str().unwrap().to_owned();
        let far = date + chrono::Duration::days(60);
        let with = |extra: Value| {
            let mut b = booking(&slot, "王五");
            b.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            b
        };
        for (body, status, says) in [
            (with(json!({ "slot": format!("{sunday}T09:00") })), StatusCode::UNPROCESSABLE_ENTITY, "closed"),
            (with(json!({ "slot": format!("{date}T09:10") })), StatusCode::UNPROCESSABLE_ENTITY, "no slot starts at 09:10"),
            (with(json!({ "slot": format!("{far}T09:00") })), StatusCode::UNPROCESSABLE_ENTITY, ""),
            (with(json!({ "slot": "2020-01-02T09:00" })), StatusCode::UNPROCESSABLE_ENTITY, "too soon"),
            (with(json!({ "slot": "tomorrow" })), StatusCode::UNPROCESSABLE_ENTITY, "a day and a start"),
            (with(json!({ "name": "" })), StatusCode::UNPROCESSABLE_ENTITY, "name"),
            (with(json!({ "phone": "call me" })), StatusCode::UNPROCESSABLE_ENTITY, "phone"),
            (with(json!({ "purpose": "x".repeat(501) })), StatusCode::UNPROCESSABLE_ENTITY, "purpose"),
            (with(json!({ "wanted": [{ "record": "GH-2099-0404" }] })), StatusCode::UNPROCESSABLE_ENTITY, "not in the archive"),
            (with(json!({ "wanted": [{ "project": "2025-500241-48-01-999999" }] })), StatusCode::UNPROCESSABLE_ENTITY, "not in the archive"),
            (with(json!({ "wanted": [{ "file": "abc" }] })), StatusCode::UNPROCESSABLE_ENTITY, "SHA-256"),
            (with(json!({ "wanted": [{ "shelf": "3" }] })), StatusCode::BAD_REQUEST, ""),
            (with(json!({ "extra": 1 })), StatusCode::BAD_REQUEST, ""),
        ] {
            let (s, e) = app.post_as(&app.client, "/v1/appointments", body.clone()).await;
            assert_eq!(s, status, "{body}: {e}");
            assert!(e["detail"].as_str().unwrap_or_default().contains(says), "{says}: {e}");
        }
        assert_eq!(free(&app, &slot).await, 3, "no refused booking took a place");
        for q in ["from=2026-12-09&to=2026-12-01", "from=2026-01-01&to=2026-06-01", "from=tomorrow"] {
            let r = app.get(&format!("/v1/appointments/slots?{q}")).await;
            assert!(r.status().is_client_error(), "{q}: {}", r.status());
        }
        let (_, window) = app.get_as(&app.client, &format!("/v1/appointments/slots?from={sunday}&to={sunday}")).await;
        assert_eq!(window["days"][0]["open"], false);
        assert_eq!(window["days"][0]["reason"], "not a working day");
    }
}

/// One step of the property test below.
#[derive(Debug, Clone)]
enum Step {
    Book { slot: usize },
    Cancel { nth: usize },
    Move { nth: usize, slot: usize },
}

both_stores! {
    async fn places_taken_always_match_the_booked_appointments(fresh) {
        use proptest::prelude::*;
        use proptest::strategy::ValueTree;
        use proptest::test_runner::{Config, TestRunner};
        use undermap_archive::{Schedule, Slot};
        use undermap_store::{AppointmentQuery, Moved, NewAppointment, Store};

        const CAPACITY: u32 = 2;
        let backend = fresh.open().await;
        let store: std::sync::Arc<dyn Store> = backend.shared();
        let (schedule, calendar) = (Schedule::builtin(), undermap_core::WorkingCalendar::builtin());
        let slots: Vec<Slot> = ["2026-12-08T09:00", "2026-12-08T09:30", "2026-12-09T14:00"]
            .iter()
            .map(|id| schedule.slot(&calendar, id).unwrap())
            .collect();
        let step = prop_oneof![
            (0..slots.len()).prop_map(|slot| Step::Book { slot }),
            (0usize..12).prop_map(|nth| Step::Cancel { nth }),
            ((0usize..12), (0..slots.len())).prop_map(|(nth, slot)| Step::Move { nth, slot }),
        ];
        let mut runner = TestRunner::new(Config::with_cases(1));
        let steps = proptest::collection::vec(step, 40).new_tree(&mut runner).unwrap().current();
        // The model: each appointment's slot, and whether it is booked.
        let mut model: Vec<(String, usize, bool)> = Vec::new();
        let now = chrono::Utc::now();
        for (i, step) in steps.iter().enumerate() {
            let taken = |slot: usize, model: &[(String, usize, bool)]| {
                u32::try_from(model.iter().filter(|(_, s, b)| *s == slot && *b).count()).unwrap()
            };
            match *step {
                Step::Book { slot } => {
                    let new = NewAppointment {
                        slot: slots[slot], account: format!("a{i}"), name: "访客".into(), phone: None,
                        purpose: "查阅".into(), wanted: Vec::new(), booked_at: now,
                    };
                    let got = store.book(&new, CAPACITY).await.unwrap();
                    assert_eq!(got.is_some(), taken(slot, &model) < CAPACITY, "{step:?}");
                    if let Some(a) = got {
                        model.push((a.number, slot, true));
                    }
                }
                Step::Cancel { nth } if nth < model.len() => {
                    let got = store.cancel(&model[nth].0, now).await.unwrap();
                    assert_eq!(got.is_some(), model[nth].2, "{step:?}");
                    model[nth].2 = false;
                }
                Step::Move { nth, slot } if nth < model.len() => {
                    let got = store.reschedule(&model[nth].0, &slots[slot], CAPACITY, now).await.unwrap();
                    let expected_full = taken(slot, &model) >= CAPACITY;
                    match got {
                        Moved::Full => assert!(expected_full, "{step:?}"),
                        Moved::NotBooked => assert!(!model[nth].2 && !expected_full, "{step:?}"),
                        Moved::Done(_) => {
                            assert!(model[nth].2 && !expected_full, "{step:?}");
                            model[nth].1 = slot;
                        }
                    }
                }
                _ => {}
            }
            let from = slots[0].date;
            let places = store.places_taken(from, from + chrono::Duration::days(1)).await.unwrap();
            for (n, s) in slots.iter().enumerate() {
                let stored = places.iter().find(|(d, t, _)| *d == s.date && *t == s.start.format("%H:%M").to_string()).map_or(0, |p| p.2);
                assert_eq!(stored, i64::from(taken(n, &model)), "after {step:?}, slot {}", s.id());
            }
        }
        let listed = store
            .appointments(&AppointmentQuery { account: None, from: slots[0].date, to: slots[2].date, booked_only: true, limit: 1000 })
            .await
            .unwrap();
        assert_eq!(listed.len(), model.iter().filter(|m| m.2).count());
    }
}

both_stores! {
    async fn the_staff_mark_who_came_from_the_day_on(fresh) {
        let app = common::spawn(fresh, true).await;
        // A slot on a day still to come on the office's calendar (UTC+8): at 16:00 UTC today's
        // morning slots are bookable, and marking is allowed from the day on.
        let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive().to_string();
        let days = bookable(&app).await;
        let slot = days.iter().flatten().map(|s| s["slot"].as_str().unwrap()).find(|s| s[..10] > *today.as_str()).unwrap().to_owned();
        let me = client_with(&app.key_for("zhao-liu", "public", None).await);
        let (s, a) = app.post_as(&me, "/v1/appointments", booking(&slot, "赵六")).await;
        assert_eq!(s, StatusCode::CREATED, "{a}");
        let number = a["number"].as_str().unwrap().to_owned();
        let staff = app.client_as("archivist").await;
        assert_eq!(app.get_as(&staff, "/v1/appointments/slots").await.1["staff"], true);
        assert_eq!(app.get_as(&me, "/v1/appointments/slots").await.1["staff"], false);
        let path = format!("/v1/appointments/{number}/attendance");
        let (s, e) = app.post_as(&staff, &path, json!({ "attended": true })).await;
        assert_eq!(s, StatusCode::CONFLICT, "not before its day: {e}");
        let (s, _) = app.post_as(&me, &path, json!({ "attended": true })).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "visitors do not mark themselves");

        // The visit's day comes: moved to yesterday in the store.
        let yesterday = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive() - chrono::Duration::days(1);
        let start = &slot[11..];
        app.store.execute(&format!("INSERT INTO window_slots (day, start_time, booked) VALUES ('{yesterday}', '{start}', 1)")).await.unwrap();
        let moved = app.store.execute(&format!("UPDATE appointments SET day = '{yesterday}' WHERE number = '{number}'")).await.unwrap();
        assert_eq!(moved, 1);
        let (s, a) = app.post_as(&staff, &path, json!({ "attended": true })).await;
        assert_eq!(s, StatusCode::OK, "{a}");
        assert_eq!(a["status"], "attended");
        let (s, _) = app.post_as(&staff, &path, json!({ "attended": false })).await;
        assert_eq!(s, StatusCode::CONFLICT, "marked once");
        let (s, _) = app.post_as(&me, &format!("/v1/appointments/{number}/cancel"), json!({})).await;
        assert_eq!(s, StatusCode::CONFLICT, "a past visit is not cancelled");
        let (_, list) = app.get_as(&staff, &format!("/v1/appointments/day/{yesterday}")).await;
        assert_eq!(list["appointments"][0]["status"], "attended", "{list}");
        let page = staff.get(app.url(&format!("/v1/appointments/day/{yesterday}/print"))).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("赵六") && page.contains("已到"), "{page}");
    }
}
