//! Store conformance: the same cases against PostGIS (a fresh database per test) and the
//! GeoPackage store (a fresh file per test). History, idempotent upsert, retirement, tickets,
//! time-travel reads, readers during a write, and a write that fails halfway.

use crate::common;

use std::sync::Arc;

use chrono::Utc;
use sqlx::PgPool;
use undermap_core::{Feature, TicketId};
use undermap_crs::Crs;
use undermap_store::{
    Delivery, DeliveryMode, GpkgSrs, GpkgStore, NewTicket, PgStore, Store, StoreError,
};

fn delivery(layer: &str, file: &str, mode: DeliveryMode) -> Delivery {
    common::prepared(layer, file, mode).delivery
}

fn water(mode: DeliveryMode) -> Delivery {
    delivery("water", "water.geojson", mode)
}

async fn pg(pool: PgPool) -> Arc<dyn Store> {
    Arc::new(PgStore::from_pool(pool, 4545).await.unwrap())
}

fn srs() -> GpkgSrs {
    let crs = Crs::epsg(4545).unwrap();
    GpkgSrs {
        srid: 4545,
        name: crs.title().to_owned(),
        wkt: crs.wkt().unwrap().to_owned(),
    }
}

async fn gpkg() -> (Arc<dyn Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = GpkgStore::open(&dir.path().join("map.gpkg"), &srs())
        .await
        .unwrap();
    (Arc::new(store), dir)
}

/// Declares one test per backend for a conformance case.
macro_rules! conformance {
    ($($case:ident),+ $(,)?) => {
        mod postgis {
            $(
                #[sqlx::test(migrations = "../../migrations")]
                async fn $case(pool: sqlx::PgPool) {
                    super::$case(super::pg(pool).await).await;
                }
            )+
        }
        mod geopackage {
            $(
                #[tokio::test]
                async fn $case() {
                    let (store, _dir) = super::gpkg().await;
                    super::$case(store).await;
                }
            )+
        }
    };
}

conformance!(
    loading_twice_changes_nothing,
    a_change_closes_the_old_version_and_full_retires_the_missing,
    the_map_can_be_read_as_it_stood,
    a_failed_delivery_leaves_nothing,
    ids_are_not_shared_across_layers,
    tickets_are_numbered_and_never_replaced,
    concurrent_tickets_each_get_their_own_number_and_are_kept,
    readers_during_a_write_see_before_or_after,
);

async fn loading_twice_changes_nothing(store: Arc<dyn Store>) {
    let first = store
        .apply_delivery(water(DeliveryMode::Full))
        .await
        .unwrap();
    assert_eq!(first.inserted, 48);
    let second = store
        .apply_delivery(water(DeliveryMode::Full))
        .await
        .unwrap();
    assert_eq!(
        (
            second.inserted,
            second.updated,
            second.unchanged,
            second.retired
        ),
        (0, 0, 48, 0)
    );
    assert!(!second.changed_anything());
    assert_eq!(store.current_features().await.unwrap().len(), 48);
    let history = store
        .feature_history(&"WS-E10".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(
        history.len(),
        1,
        "no second version of an unchanged feature"
    );
}

async fn a_change_closes_the_old_version_and_full_retires_the_missing(store: Arc<dyn Store>) {
    store
        .apply_delivery(water(DeliveryMode::Full))
        .await
        .unwrap();
    let mut second = water(DeliveryMode::Full);
    second.features[0].attrs.material = Some("PE".into());
    let changed = second.features[0].id.clone();
    let removed = second.features.pop().unwrap().id;
    let report = store.apply_delivery(second).await.unwrap();
    assert_eq!(
        (
            report.inserted,
            report.updated,
            report.unchanged,
            report.retired
        ),
        (0, 1, 46, 1)
    );

    let history: Vec<Feature> = store
        .feature_history(&changed)
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.feature)
        .collect();
    assert_eq!(history.len(), 2);
    assert!(
        history[0].valid_to.is_some(),
        "old version closed, not overwritten"
    );
    assert_ne!(history[0].attrs.material.as_deref(), Some("PE"));
    assert_eq!(history[1].attrs.material.as_deref(), Some("PE"));
    assert!(history[1].valid_to.is_none());
    let versions = store.feature_history(&changed).await.unwrap();
    let deliveries: Vec<i64> = versions
        .iter()
        .map(|v| {
            v.delivery
                .as_ref()
                .expect("each version names its delivery")
                .id
        })
        .collect();
    assert!(deliveries[0] < deliveries[1], "{deliveries:?}");
    assert_eq!(
        versions[1].delivery.as_ref().unwrap().source_name,
        "water.geojson"
    );
    let retired = store.feature_history(&removed).await.unwrap();
    let retired: Vec<&Feature> = retired.iter().map(|v| &v.feature).collect();
    assert_eq!(retired.len(), 1);
    assert!(retired[0].valid_to.is_some(), "retired, not deleted");
    assert_eq!(store.current_features().await.unwrap().len(), 47);
}

async fn the_map_can_be_read_as_it_stood(store: Arc<dyn Store>) {
    store
        .apply_delivery(water(DeliveryMode::Full))
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let between = Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let mut second = water(DeliveryMode::Full);
    second.features[0].attrs.material = Some("PE".into());
    let changed = second.features[0].id.clone();
    second.features.truncate(10);
    store.apply_delivery(second).await.unwrap();

    let then = store.features_at(between).await.unwrap();
    assert_eq!(
        then.len(),
        48,
        "before the second delivery all 48 were current"
    );
    let old = then.iter().find(|f| f.id == changed).unwrap();
    assert_ne!(old.attrs.material.as_deref(), Some("PE"));
    let now = store.features_at(Utc::now()).await.unwrap();
    assert_eq!(now.len(), 10);
    assert!(store
        .features_at(between - chrono::Duration::days(1))
        .await
        .unwrap()
        .is_empty());
}

async fn a_failed_delivery_leaves_nothing(store: Arc<dyn Store>) {
    store
        .apply_delivery(water(DeliveryMode::Incremental))
        .await
        .unwrap();
    let before: Vec<Feature> = store.current_features().await.unwrap();
    // A change to every feature, and halfway through, one feature of a layer that does not
    // exist: the database refuses that row after the first half has been written.
    let mut broken = water(DeliveryMode::Full);
    for f in &mut broken.features {
        f.attrs.material = Some("changed".into());
    }
    let half = broken.features.len() / 2;
    broken.features[half].layer = "nonexistent".parse().unwrap();
    let err = store.apply_delivery(broken).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Postgres(_) | StoreError::GeoPackage(_)),
        "{err}"
    );
    assert_eq!(
        store.current_features().await.unwrap(),
        before,
        "nothing changed"
    );
    let history = store.feature_history(&before[0].id).await.unwrap();
    assert_eq!(history.len(), 1, "no version was closed");

    let mut unknown = water(DeliveryMode::Full);
    unknown.layer = "heat".parse().unwrap();
    assert!(matches!(
        store.apply_delivery(unknown).await,
        Err(StoreError::UnknownLayer(_))
    ));
    assert_eq!(store.current_features().await.unwrap(), before);
}

async fn ids_are_not_shared_across_layers(store: Arc<dyn Store>) {
    store
        .apply_delivery(water(DeliveryMode::Full))
        .await
        .unwrap();
    let mut as_gas = water(DeliveryMode::Incremental);
    as_gas.layer = "gas".parse().unwrap();
    for f in &mut as_gas.features {
        f.layer = "gas".parse().unwrap();
    }
    let report = store.apply_delivery(as_gas).await.unwrap();
    assert_eq!(report.rejected.len(), 48);
    assert!(report.rejected[0].reason.contains("\"water\""));
    let gas = store
        .apply_delivery(delivery("gas", "gas.geojson", DeliveryMode::Full))
        .await
        .unwrap();
    assert_eq!(gas.inserted, 40);
    let layers: Vec<String> = store
        .layers()
        .await
        .unwrap()
        .iter()
        .map(|l| l.id.to_string())
        .collect();
    assert_eq!(
        layers,
        [
            "drainage",
            "drainage_precautions",
            "gas",
            "gas_precautions",
            "incidents",
            "planning",
            "power",
            "power_precautions",
            "resources",
            "streets",
            "telecom",
            "telecom_precautions",
            "water",
            "water_precautions"
        ]
    );
}

async fn tickets_are_numbered_and_never_replaced(store: Arc<dyn Store>) {
    let now = Utc::now();
    let a = store.next_ticket_id(now).await.unwrap();
    let b = store.next_ticket_id(now).await.unwrap();
    assert_ne!(a, b);
    let area = geo::MultiPolygon(vec![geo::Polygon::new(
        geo::LineString::from(vec![
            (596_700.0, 3_148_500.0),
            (596_710.0, 3_148_500.0),
            (596_710.0, 3_148_510.0),
            (596_700.0, 3_148_500.0),
        ]),
        vec![],
    )]);
    let ticket = |id: TicketId, body: &str| NewTicket {
        id,
        created_at: now,
        reference: Some("ref".into()),
        issued_to: None,
        area: area.clone(),
        body: body.into(),
        owners: Vec::new(),
        justify_by: None,
    };
    store
        .save_ticket(ticket(a, r#"{"id":"first"}"#))
        .await
        .unwrap();
    assert!(matches!(
        store.save_ticket(ticket(a, r#"{"id":"second"}"#)).await,
        Err(StoreError::TicketExists(_))
    ));
    assert_eq!(
        store.ticket(&a).await.unwrap().as_deref(),
        Some(r#"{"id":"first"}"#)
    );
    assert_eq!(store.ticket(&b).await.unwrap(), None);

    // Each account's tickets, newest first.
    let mut issued = Vec::new();
    for (i, holder) in ["wang", "li", "wang"].iter().enumerate() {
        let id = store.next_ticket_id(now).await.unwrap();
        let body = format!(r#"{{"id":"{id}","issued_to":"{holder}"}}"#);
        let mut t = ticket(id, &body);
        t.issued_to = Some((*holder).to_owned());
        t.created_at = now + chrono::Duration::seconds(i64::try_from(i).unwrap() + 1);
        store.save_ticket(t).await.unwrap();
        issued.push(body);
    }
    assert_eq!(
        store.tickets_issued_to("wang", 10).await.unwrap(),
        [issued[2].clone(), issued[0].clone()]
    );
    assert_eq!(store.tickets_issued_to("wang", 1).await.unwrap().len(), 1);
    assert!(store
        .tickets_issued_to("zhao", 10)
        .await
        .unwrap()
        .is_empty());
}

fn small_area() -> geo::MultiPolygon<f64> {
    geo::MultiPolygon(vec![geo::Polygon::new(
        geo::LineString::from(vec![
            (596_700.0, 3_148_500.0),
            (596_710.0, 3_148_500.0),
            (596_710.0, 3_148_510.0),
            (596_700.0, 3_148_500.0),
        ]),
        vec![],
    )])
}

/// Both stores write tickets in group commits; under concurrency every caller must still get a
/// number of its own and find its own ticket afterwards, and a duplicate in the same batch must
/// fail alone.
async fn concurrent_tickets_each_get_their_own_number_and_are_kept(store: Arc<dyn Store>) {
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let now = Utc::now();
                let id = store.next_ticket_id(now).await.unwrap();
                let body = format!(r#"{{"n":{i}}}"#);
                let saved = store
                    .save_ticket(NewTicket {
                        id,
                        created_at: now,
                        reference: None,
                        issued_to: None,
                        area: small_area(),
                        body: body.clone(),
                        owners: Vec::new(),
                        justify_by: None,
                    })
                    .await;
                (id, body, saved)
            })
        })
        .collect();
    let mut ids = std::collections::HashSet::new();
    for task in tasks {
        let (id, body, saved) = task.await.unwrap();
        saved.unwrap();
        assert!(ids.insert(id), "{id} was handed out twice");
        assert_eq!(store.ticket(&id).await.unwrap(), Some(body));
    }
    assert_eq!(ids.len(), 200);

    let id = store.next_ticket_id(Utc::now()).await.unwrap();
    let twice = |body: &'static str| {
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            store
                .save_ticket(NewTicket {
                    id,
                    created_at: Utc::now(),
                    reference: None,
                    issued_to: None,
                    area: small_area(),
                    body: body.into(),
                    owners: Vec::new(),
                    justify_by: None,
                })
                .await
        })
    };
    let (a, b) = (twice(r#"{"a":1}"#), twice(r#"{"b":2}"#));
    let results = [a.await.unwrap(), b.await.unwrap()];
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    assert!(results
        .iter()
        .any(|r| matches!(r, Err(StoreError::TicketExists(_)))));
    let kept = if results[0].is_ok() {
        r#"{"a":1}"#
    } else {
        r#"{"b":2}"#
    };
    assert_eq!(
        store.ticket(&id).await.unwrap().as_deref(),
        Some(kept),
        "the caller told `stored` is the one whose body was kept"
    );
}

async fn readers_during_a_write_see_before_or_after(store: Arc<dyn Store>) {
    store
        .apply_delivery(delivery("gas", "gas.geojson", DeliveryMode::Full))
        .await
        .unwrap();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let (store, stop) = (store.clone(), stop.clone());
            tokio::spawn(async move {
                let mut reads = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) || reads == 0 {
                    let n = store.current_features().await.unwrap().len();
                    assert!(
                        n == 40 || n == 88,
                        "a half-written delivery was visible: {n}"
                    );
                    reads += 1;
                    tokio::task::yield_now().await;
                }
                reads
            })
        })
        .collect();
    store
        .apply_delivery(water(DeliveryMode::Full))
        .await
        .unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for r in readers {
        assert!(r.await.unwrap() > 0);
    }
    assert_eq!(store.current_features().await.unwrap().len(), 88);
}

#[sqlx::test(migrations = "../../migrations")]
async fn postgis_refuses_another_deployment_crs(pool: PgPool) {
    PgStore::from_pool(pool.clone(), 4545).await.unwrap();
    assert!(matches!(
        PgStore::from_pool(pool, 4490).await,
        Err(StoreError::SridMismatch {
            database: 4545,
            configured: 4490
        })
    ));
}

#[tokio::test]
async fn geopackage_opens_in_gdal_with_one_layer_per_undermap_layer() {
    let (store, dir) = gpkg().await;
    store
        .apply_delivery(water(DeliveryMode::Full))
        .await
        .unwrap();
    store
        .apply_delivery(delivery("gas", "gas.geojson", DeliveryMode::Full))
        .await
        .unwrap();
    let mut second = delivery("gas", "gas.geojson", DeliveryMode::Full);
    second.features[0].attrs.material = Some("steel".into());
    store.apply_delivery(second).await.unwrap();
    // Read while the store is still open: the file on disk must be complete by itself.
    let counts = common::ogrinfo_counts(&dir.path().join("map.gpkg"));
    assert_eq!(counts["water"], 48);
    assert_eq!(counts["gas"], 40);
    assert_eq!(counts["planning"], 0);
    assert_eq!(
        counts["features"], 89,
        "every version: 48 + 40 + one new one"
    );
}

/// A server on a GeoPackage picks up a delivery that another process (the `ingest` command)
/// wrote into the same file: SQLite cannot notify, so the server polls the last delivery number.
#[tokio::test]
async fn a_server_on_a_geopackage_picks_up_another_process_s_delivery() {
    let (store, dir) = gpkg().await;
    let service = undermap_service::Service::new(
        store,
        undermap::service_config(&undermap::Settings::default()).unwrap(),
    );
    service.reload().await.unwrap();
    assert_eq!(service.index().snapshot().len(), 0);
    undermap::spawn_change_poller(service.clone(), std::time::Duration::from_millis(50));

    let other = GpkgStore::open(&dir.path().join("map.gpkg"), &srs())
        .await
        .unwrap();
    other
        .apply_delivery(water(DeliveryMode::Full))
        .await
        .unwrap();
    let mut seen = 0;
    for _ in 0..100 {
        seen = service.index().snapshot().len();
        if seen == 48 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        seen, 48,
        "the running index picked up the other process's delivery"
    );
}

/// A GeoPackage written before thematic layers existed (its category CHECK allowed only
/// network and planning) is upgraded when opened for writing: the constraint admits thematic
/// layers, the missing layers are registered, and what it held is still there.
#[tokio::test]
async fn an_older_geopackage_gains_the_thematic_layers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.gpkg");
    {
        let store = GpkgStore::open(&path, &srs()).await.unwrap();
        store
            .apply_delivery(water(DeliveryMode::Full))
            .await
            .unwrap();
        // Turn the file back into what earlier versions wrote.
        let mut tx = store.pool().begin().await.unwrap();
        for layer in ["incidents", "resources", "streets"] {
            for sql in [
                format!("DROP VIEW \"{layer}\""),
                format!("DELETE FROM gpkg_geometry_columns WHERE table_name = '{layer}'"),
                format!("DELETE FROM gpkg_contents WHERE table_name = '{layer}'"),
                format!("DELETE FROM undermap_layers WHERE id = '{layer}'"),
            ] {
                sqlx::query(&sql).execute(&mut *tx).await.unwrap();
            }
        }
        let version: i64 = sqlx::query_scalar("PRAGMA schema_version")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        for sql in [
            "PRAGMA writable_schema = ON".to_owned(),
            "UPDATE sqlite_master SET sql = replace(sql, \
             ', ''thematic'')', ')') WHERE name = 'undermap_layers'"
                .to_owned(),
            format!("PRAGMA schema_version = {}", version + 1),
            "PRAGMA writable_schema = OFF".to_owned(),
        ] {
            sqlx::query(&sql).execute(&mut *tx).await.unwrap();
        }
        tx.commit().await.unwrap();
        let sql: String =
            sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE name = 'undermap_layers'")
                .fetch_one(store.pool())
                .await
                .unwrap();
        assert!(!sql.contains("thematic"), "{sql}");
        store.pool().close().await;
    }
    let store = GpkgStore::open(&path, &srs()).await.unwrap();
    let layers = store.layers().await.unwrap();
    let ids: Vec<&str> = layers.iter().map(|l| l.id.as_str()).collect();
    for layer in ["incidents", "resources", "streets", "water"] {
        assert!(ids.contains(&layer), "{ids:?}");
    }
    store
        .apply_delivery(delivery(
            "incidents",
            "incidents.geojson",
            DeliveryMode::Full,
        ))
        .await
        .unwrap();
    let features = store.current_features().await.unwrap();
    assert_eq!(
        features
            .iter()
            .filter(|f| f.layer.as_str() == "water")
            .count(),
        48
    );
    assert!(features.iter().any(|f| f.layer.as_str() == "incidents"));
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(check, "ok");
    drop(store);
    let counts = common::ogrinfo_counts(&path);
    assert!(counts["incidents"] > 0, "{counts:?}");
}

/// New tickets' bodies are stored compressed, and read back byte for byte.
#[tokio::test]
async fn geopackage_ticket_bodies_are_compressed_and_read_back_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let store = GpkgStore::open(&dir.path().join("t.gpkg"), &srs())
        .await
        .unwrap();
    let now = Utc::now();
    let id = store.next_ticket_id(now).await.unwrap();
    let hit = r#"{"accuracy_m":null,"kind":"pipe","layer":"water","owner":"县自来水公司"}"#;
    let body = format!(
        r#"{{"hits":[{}],"id":"{id}","issued_to":"wang"}}"#,
        vec![hit; 50].join(",")
    );
    store
        .save_ticket(NewTicket {
            id,
            created_at: now,
            reference: None,
            issued_to: Some("wang".into()),
            area: small_area(),
            body: body.clone(),
            owners: Vec::new(),
            justify_by: None,
        })
        .await
        .unwrap();
    let (kind, stored): (String, i64) = sqlx::query_as(
        "SELECT typeof(body), length(CAST(body AS BLOB)) FROM undermap_excavation_checks",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(kind, "blob");
    assert!(
        usize::try_from(stored).unwrap() * 4 < body.len(),
        "{stored} of {}",
        body.len()
    );
    assert_eq!(store.ticket(&id).await.unwrap(), Some(body.clone()));
    assert_eq!(store.tickets_issued_to("wang", 5).await.unwrap(), [body]);
}

/// A GeoPackage written before tickets kept their holder in a column of its own gains the column,
/// filled from the bodies, so "my tickets" still finds what was issued before the upgrade; the
/// tickets stay immutable.
#[tokio::test]
async fn an_older_geopackage_keeps_its_tickets_holders() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.gpkg");
    let now = Utc::now();
    let mut bodies = Vec::new();
    {
        let store = GpkgStore::open(&path, &srs()).await.unwrap();
        for holder in ["wang", "li"] {
            let id = store.next_ticket_id(now).await.unwrap();
            let body = format!(r#"{{"id":"{id}","issued_to":"{holder}"}}"#);
            store
                .save_ticket(NewTicket {
                    id,
                    created_at: now,
                    reference: None,
                    issued_to: Some(holder.to_owned()),
                    area: small_area(),
                    body: body.clone(),
                    owners: Vec::new(),
                    justify_by: None,
                })
                .await
                .unwrap();
            bodies.push(body);
        }
        // Turn the tickets table back into what earlier versions wrote: bodies as text (they
        // are compressed now), no holder column.
        sqlx::query("DROP TRIGGER undermap_excavation_checks_no_update")
            .execute(store.pool())
            .await
            .unwrap();
        for body in &bodies {
            sqlx::query(
                "UPDATE undermap_excavation_checks SET body = ?1 WHERE ?1 LIKE '%' || id || '%'",
            )
            .bind(body)
            .execute(store.pool())
            .await
            .unwrap();
        }
        for sql in [
            "CREATE TRIGGER undermap_excavation_checks_no_update BEFORE UPDATE ON undermap_excavation_checks \
             BEGIN SELECT RAISE(ABORT, 'excavation-check tickets are immutable'); END",
            "DROP INDEX undermap_excavation_checks_issued_to",
            "ALTER TABLE undermap_excavation_checks DROP COLUMN issued_to",
        ] {
            sqlx::query(sql).execute(store.pool()).await.unwrap();
        }
        let text: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM undermap_excavation_checks WHERE typeof(body) = 'text'",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert_eq!(text, 2);
        store.pool().close().await;
    }
    let store = GpkgStore::open(&path, &srs()).await.unwrap();
    assert_eq!(
        store.tickets_issued_to("wang", 10).await.unwrap(),
        [bodies[0].clone()]
    );
    assert_eq!(
        store.tickets_issued_to("li", 10).await.unwrap(),
        [bodies[1].clone()]
    );
    let refused = sqlx::query("UPDATE undermap_excavation_checks SET body = '{}'")
        .execute(store.pool())
        .await;
    assert!(refused.is_err(), "tickets became editable");
}

/// Files written before the access tables took their PostGIS names (`undermap_accounts`,
/// `undermap_api_keys`, `undermap_audit_log`) keep their accounts, keys and chain, and the chain
/// stays append-only under its new name.
#[tokio::test]
async fn an_older_geopackage_keeps_its_accounts_keys_and_audit_chain() {
    use undermap_store::{AccessStore, Account, ApiKeyRecord, AuditEvent, AuditQuery};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.gpkg");
    let now = Utc::now();
    {
        let store = GpkgStore::open(&path, &srs()).await.unwrap();
        let account = Account {
            name: "wang.li".into(),
            role: "archivist".into(),
            layers: None,
            service: false,
            full_name: Some("王丽".into()),
            created_at: now,
            disabled_at: None,
            unit_code: None,
        };
        store.add_account(&account).await.unwrap();
        let key = ApiKeyRecord {
            key_id: "abcdefabcdef".into(),
            account: "wang.li".into(),
            hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            label: None,
            created_at: now,
            expires_at: None,
            revoked_at: None,
        };
        store.add_key(&key).await.unwrap();
        let event = |n: u16| AuditEvent {
            at: chrono::DateTime::UNIX_EPOCH,
            actor: Some("wang.li".into()),
            endpoint: "GET /v1/layers".into(),
            status: 200,
            entry: serde_json::json!({"at": "1970-01-01T00:00:00.000000Z", "actor": "wang.li",
                "endpoint": "GET /v1/layers", "status": 200, "n": n})
            .to_string(),
        };
        store.append_audit(&[event(1), event(2)]).await.unwrap();
        // What earlier versions wrote: the same tables under prefixed names.
        for sql in [
            "DROP TRIGGER audit_log_no_update",
            "DROP TRIGGER audit_log_no_delete",
            "DROP INDEX audit_log_actor",
            "DROP INDEX audit_log_at",
            "DROP INDEX api_keys_account",
            "ALTER TABLE accounts RENAME TO undermap_accounts",
            "ALTER TABLE api_keys RENAME TO undermap_api_keys",
            "ALTER TABLE audit_log RENAME TO undermap_audit_log",
            "CREATE INDEX undermap_audit_log_actor ON undermap_audit_log (actor, seq)",
            "CREATE TRIGGER undermap_audit_log_no_delete BEFORE DELETE ON undermap_audit_log \
             BEGIN SELECT RAISE(ABORT, 'undermap_audit_log is append-only'); END",
        ] {
            sqlx::query(sql).execute(store.pool()).await.unwrap();
        }
        store.pool().close().await;
    }
    let store = GpkgStore::open(&path, &srs()).await.unwrap();
    assert_eq!(
        store
            .account("wang.li")
            .await
            .unwrap()
            .unwrap()
            .full_name
            .as_deref(),
        Some("王丽")
    );
    assert_eq!(store.keys(Some("wang.li")).await.unwrap().len(), 1);
    let chain = store
        .audit(&AuditQuery {
            limit: 10,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(chain.len(), 2);
    assert_eq!(undermap_auth::verify(&store).await.unwrap().problem, None);
    let left: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE name LIKE 'undermap_a%' ORDER BY name",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert!(left.is_empty(), "old objects left: {left:?}");
    assert!(
        sqlx::query("DELETE FROM audit_log")
            .execute(store.pool())
            .await
            .is_err(),
        "the chain became deletable"
    );
}
