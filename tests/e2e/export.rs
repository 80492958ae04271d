//! Site copies: export from the central store (PostGIS or a GeoPackage) to a GeoPackage, open it
//! in GDAL, serve it read-only, and get the same answers as from the central store.

use crate::common;

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::{json, Value};
use undermap_store::GpkgStore;

both_stores! {
    async fn an_exported_site_copy_opens_in_gdal_and_answers_like_the_centre(fresh) {
        let central = common::spawn(fresh, true).await;
        let (copy, dir) = common::temp_gpkg().await;
        let layers: HashSet<_> = ["water", "gas", "planning"]
            .iter()
            .map(|l| l.parse().unwrap())
            .collect();
        let report = undermap::export(
            central.store.shared().as_ref(),
            &copy,
            Some(&layers),
            None,
            "central",
        )
        .await
        .unwrap();
        assert_eq!(report.per_layer.get("water"), Some(&48));
        assert_eq!(report.per_layer.get("gas"), Some(&40));
        assert!(!report.per_layer.contains_key("power"));

        let path = dir.path().join("map.gpkg");
        let counts = common::ogrinfo_counts(&path);
        assert_eq!(
            (
                counts["water"],
                counts["gas"],
                counts["planning"],
                counts["power"]
            ),
            (48, 40, 17, 0)
        );

        // Accounts and keys (hashes) come along: crews log in to the copy with their usual keys.
        let (accounts, keys) = undermap::export_accounts(central.store.access().as_ref(), &copy)
            .await
            .unwrap();
        assert_eq!((accounts, keys), (1, 1));
        let on_copy = undermap_auth::Authenticator::new(
            Arc::new(copy.clone()),
            undermap_auth::AuthSettings::default(),
        )
        .unwrap();
        let who = on_copy
            .authenticate(&central.admin_key, None, "127.0.0.1")
            .await
            .unwrap();
        assert_eq!(who.account, "test-admin");

        // Exporting again changes nothing.
        let again = undermap::export(
            central.store.shared().as_ref(),
            &copy,
            Some(&layers),
            None,
            "central",
        )
        .await
        .unwrap();
        assert_eq!(again, report);
        assert_eq!(common::ogrinfo_counts(&path)["features"], 105);

        // The copy, served on its own, gives the same hits as the centre for the same dig.
        drop(copy);
        let read_only = GpkgStore::open_read_only(&path, 4545).await.unwrap();
        let site = common::spawn_app_on(
            Arc::new(read_only),
            central.store.clone(),
            false,
        )
        .await;
        let area = common::square_crs84(108.987_665_44, 28.449_672_82, 24.0);
        let central_hits: Value = central
            .post_json(
                "/v1/excavation-checks",
                &json!({"area": area, "layers": ["water", "gas", "planning"]}),
            )
            .await
            .json()
            .await
            .unwrap();
        let ids = |v: &Value| -> Vec<String> {
            v["hits"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h["feature_id"].as_str().unwrap().to_owned())
                .collect()
        };
        assert!(!ids(&central_hits).is_empty());
        // A read-only copy cannot issue tickets: the check is refused with a clear problem.
        let refused = site
            .post_json("/v1/excavation-checks", &json!({"area": area}))
            .await;
        assert_eq!(refused.status(), 503);
        let problem: Value = refused.json().await.unwrap();
        assert_eq!(problem["type"], "/problems/read-only");
        // …but everything that only reads answers, from the same data.
        let near = |app: &common::TestApp| {
            let url =
                app.url("/v1/nearest?point=108.98766544,28.44967282&k=8&layers=water,gas,planning");
            let client = app.client.clone();
            async move {
                client
                    .get(url)
                    .send()
                    .await
                    .unwrap()
                    .json::<Value>()
                    .await
                    .unwrap()
            }
        };
        assert_eq!(near(&central).await, near(&site).await);
        assert_eq!(site.service.index().snapshot().len(), 105);
        let _ = central.store.shared().current_features().await.unwrap();
    }
}
