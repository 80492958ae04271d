//! Degraded mode: the database goes away while the server runs. Reads keep answering from the
//! in-memory index, `/readyz` says `degraded`, writes (tickets) are refused with 503 and nothing
//! is half-written; when the database returns, everything works again. The test runs its own
//! PostgreSQL instance so that it can stop and start it.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use undermap_store::PgStore;

fn dig() -> Value {
    json!({"area": common::square_crs84(108.987_665_44, 28.449_672_82, 24.0), "depth_m": 1.5})
}

#[tokio::test]
async fn reads_survive_a_database_outage_and_writes_fail_cleanly() {
    let lab = common::postgres::lab();
    let pg = common::postgres::Cluster::start_new(lab.path(), "data");
    let store = PgStore::connect(&pg.url(), 4545).await.unwrap();
    // Keys are read again on every request (30 s by default), so that the reads below take
    // the path that waited out the pool for each request before the store's circuit existed.
    let settings = undermap::Settings {
        listen: "127.0.0.1:0".into(),
        key_recheck_s: 0,
        ..undermap::Settings::default()
    };
    let app = common::spawn_app_with(Arc::new(store.clone()), store.clone(), true, settings).await;
    let before = app.post_json("/v1/excavation-checks", &dig()).await;
    assert_eq!(before.status(), 201);
    let ticket: Value = before.json().await.unwrap();
    assert_eq!(ticket["stale"], false);
    let ready: Value = app.get("/readyz").await.json().await.unwrap();
    assert_eq!(ready["status"], "ready");

    // A key verified before the outage, and one never seen before it.
    let planner_key = app.key_for("outage-planner", "planner", None).await;
    let planner = common::client_with(&planner_key);
    assert_eq!(
        planner
            .get(app.url("/v1/layers"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let newcomer_key = app.key_for("outage-newcomer", "planner", None).await;

    pg.pg_ctl("stop");
    // The heartbeat notices within about a second; nothing here needs a write to find out.
    let mut noticed = false;
    for _ in 0..100 {
        let ready: Value = app.get("/readyz").await.json().await.unwrap();
        if ready["store_reachable"] == false {
            noticed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        noticed,
        "the outage is noticed without a request that writes"
    );

    // Keys verified before the outage keep working, without waiting for the store: reads
    // answer as fast as with the store up. (Generous bounds: a debug build on a busy machine.)
    for _ in 0..5 {
        let started = std::time::Instant::now();
        let r = planner.get(app.url("/v1/layers")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "{:?}",
            started.elapsed()
        );
    }
    // A key never verified cannot be checked now: a quick 503, not a wait.
    let started = std::time::Instant::now();
    let r = common::client_with(&newcomer_key)
        .get(app.url("/v1/layers"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );

    // Reads answer from the index, and say how old their data is.
    let layers = app.get("/v1/layers").await;
    assert_eq!(layers.status(), 200);
    assert!(layers.headers().contains_key("undermap-data-as-of"));
    let near = app
        .get("/v1/nearest?point=108.98766544,28.44967282&k=3")
        .await;
    assert_eq!(near.status(), 200);
    assert_eq!(app.get("/v1/features/WV-11").await.status(), 200);
    // Emergency staff keep their answers: what an incident affects, what happened there
    // before, the nearest resources, the hotspots.
    let impact = app
        .post_json(
            "/v1/incidents/impact",
            &json!({"geometry": {"type": "Point", "coordinates": [108.987_665_44, 28.449_672_82]}}),
        )
        .await;
    assert_eq!(impact.status(), 200);
    for path in [
        "/v1/incidents/nearby-history?point=108.98766544,28.44967282&radius_m=100",
        "/v1/resources/nearest?point=108.98766544,28.44967282&type=pump",
        "/v1/risk/hotspots",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status(), 200, "{path}");
        let body: Value = r.json().await.unwrap();
        assert!(body["data_as_of"].is_string(), "{path}: {body}");
    }
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    let ready: Value = ready.json().await.unwrap();
    assert_eq!(
        (ready["status"].as_str(), ready["store_reachable"].as_bool()),
        (Some("degraded"), Some(false))
    );

    // Writes are refused with a problem body within a second (the circuit knows the store is
    // down: nothing waits for a connection), also many at once, and nothing is left half-done.
    let started = std::time::Instant::now();
    let many: Vec<_> = (0..24)
        .map(|_| {
            let client = app.client.clone();
            let url = app.url("/v1/excavation-checks");
            tokio::spawn(
                async move { client.post(url).json(&dig()).send().await.unwrap().status() },
            )
        })
        .collect();
    for t in many {
        assert_eq!(t.await.unwrap(), 503);
    }
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    let started = std::time::Instant::now();
    let refused = app.post_json("/v1/excavation-checks", &dig()).await;
    assert_eq!(refused.status(), 503);
    assert_eq!(
        refused.headers()["content-type"],
        "application/problem+json"
    );
    let problem: Value = refused.json().await.unwrap();
    assert_eq!(problem["type"], "/problems/store-unavailable", "{problem}");
    assert!(started.elapsed() < Duration::from_secs(30));
    let old = app
        .get(&format!(
            "/v1/excavation-checks/{}",
            ticket["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        old.status(),
        503,
        "a stored ticket cannot be read while the store is away"
    );

    // What another server delivers while this one cannot hear it: this one must catch up.
    app.service.set_behind(true);
    pg.pg_ctl("start");

    // On its own, with no write to nudge it: the server notices, catches up and says ready.
    let mut ready = Value::Null;
    for _ in 0..100 {
        ready = app.get("/readyz").await.json().await.unwrap();
        if ready["status"] == "ready" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(ready["status"], "ready", "{ready}");
    assert_eq!(ready["stale"], false, "{ready}");
    let after = app.post_json("/v1/excavation-checks", &dig()).await;
    assert_eq!(
        after.status(),
        201,
        "writes work again once the database is back"
    );
    let after: Value = after.json().await.unwrap();
    assert_eq!(after["stale"], false, "{after}");
    assert_eq!(
        common::client_with(&newcomer_key)
            .get(app.url("/v1/layers"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM excavation_checks")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(count, 2, "the refused check left no ticket behind");
}
