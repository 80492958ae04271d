//! `serve --read-store`: the index read from a replica. A replica that lags the primary gives an
//! index marked stale until it catches up; a replica that does not answer is passed over for the
//! primary.

use std::sync::Arc;

use undermap_service::Service;

use crate::backup::{ok, undermap, valve};
use crate::common;

#[tokio::test]
async fn an_index_read_from_a_lagging_replica_is_stale_and_a_missing_one_is_passed_over() {
    let (primary, p_dir) = common::temp_gpkg().await;
    let (replica, _r_dir) = common::temp_gpkg().await;
    let w = p_dir.path();
    let deliver = |store: &std::path::Path, id: &str| {
        let file = w.join(format!("{id}.geojson"));
        std::fs::write(&file, valve(id, 0.0).to_string()).unwrap();
        ok(undermap(w)
            .arg("--store")
            .arg(store)
            .args(["ingest", "--department", "water"])
            .arg(&file));
    };
    for store in [primary.path(), replica.path()] {
        deliver(store, "RS-A");
    }
    deliver(primary.path(), "RS-B");

    let config = undermap::service_config(&undermap::Settings::default()).unwrap();
    let service = Service::new(Arc::new(primary.clone()), config.clone());
    service.read_index_from(Arc::new(replica.clone()));
    let behind = service.reload().await.unwrap();
    assert!(
        service.is_behind(),
        "the replica lacks RS-B: the index says it may be behind"
    );

    deliver(replica.path(), "RS-B");
    let caught_up = service.reload().await.unwrap();
    assert_eq!(caught_up, behind + 1);
    assert!(!service.is_behind());

    // A replica that does not answer: the primary is read instead.
    let service = Service::new(Arc::new(primary.clone()), config);
    let gone =
        undermap_store::PgStore::connect_replica("postgres://postgres@127.0.0.1:1/undermap", 4545)
            .unwrap();
    service.read_index_from(Arc::new(gone));
    assert_eq!(service.reload().await.unwrap(), caught_up);
    assert!(!service.is_behind());
}
