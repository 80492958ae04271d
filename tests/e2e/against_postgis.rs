//! The index's answers must equal what PostGIS itself says on the same data:
//! `ST_Intersects` for hits inside the area, `ST_DWithin` with each feature's tolerance for the rest.

use crate::common;

use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngSeed, TestRunner};
use serde_json::Value;
use sqlx::PgPool;

#[sqlx::test(migrations = "../../migrations")]
async fn excavation_checks_agree_with_postgis(pool: PgPool) {
    let app = common::spawn_app(pool, true).await;
    // Random quadrilaterals over the demo town (about 600 × 600 m around its centre).
    let mut runner = TestRunner::new(Config {
        cases: 40,
        rng_seed: RngSeed::Fixed(7),
        ..Config::default()
    });
    let strategy = (
        108.9862..108.9920f64,
        28.4481..28.4532f64,
        prop::collection::vec(8.0..80.0f64, 4),
        0.0..5.0f64,
    );
    let mut cases = Vec::new();
    for _ in 0..40 {
        cases.push(strategy.new_tree(&mut runner).unwrap().current());
    }
    for (lon, lat, radii, buffer) in cases {
        let ring: Vec<Value> = (0..=4u32)
            .map(|i| {
                let a = std::f64::consts::FRAC_PI_2 * f64::from(i % 4) + 0.3;
                let r = radii[i as usize % 4];
                let dlat = r * a.sin() / 110_900.0;
                let dlon = r * a.cos() / (110_900.0 * lat.to_radians().cos());
                serde_json::json!([lon + dlon, lat + dlat])
            })
            .collect();
        let area = serde_json::json!({"type": "Polygon", "coordinates": [ring]});
        let resp = app
            .post_json(
                "/v1/excavation-checks",
                &serde_json::json!({"area": area, "buffer_m": buffer}),
            )
            .await;
        assert_eq!(resp.status(), 201);
        let body: Value = resp.json().await.unwrap();
        let got: BTreeSet<(String, String)> = body["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                (
                    h["feature_id"].as_str().unwrap().to_owned(),
                    h["relation"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        // Same tolerance rule as docs/risk.md: the buffer, plus the accuracy where it is worse
        // than the buffer (unknown accuracy counts as 1 m). Thematic layers (incidents,
        // resources, streets) are never hits.
        let want: BTreeSet<(String, String)> = sqlx::query_as::<_, (String, String)>(
            "WITH a AS (SELECT ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON($1), 4326), 4545) AS g)
             SELECT feature_id, CASE WHEN ST_Intersects(f.geom, a.g) THEN 'inside' ELSE 'within_tolerance' END
             FROM features f JOIN layers l ON l.id = f.layer_id, a
             WHERE f.valid_to IS NULL AND l.category <> 'thematic' AND ST_DWithin(f.geom, a.g,
                 $2 + CASE WHEN coalesce(f.accuracy_h_m, 1.0) > $2 THEN coalesce(f.accuracy_h_m, 1.0) ELSE 0 END)",
        )
        .bind(area.to_string())
        .bind(buffer)
        .fetch_all(app.store.pool())
        .await
        .unwrap()
        .into_iter()
        .collect();
        assert_eq!(got, want, "area {area} buffer {buffer}");
    }
}
