//! OGC API – Features and vector tiles end to end: the real server on port 0 over a fresh
//! PostGIS with the demo data, read by GDAL's own OAPIF client and checked against PostGIS.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};

use geozero::mvt::{Message, Tile};
use serde_json::Value;
use sqlx::PgPool;

const LAYERS: [&str; 5] = ["drainage", "gas", "planning", "power", "water"];

/// Runs a GDAL command line off the async runtime; fails the test on error output.
async fn gdal(program: &'static str, key: &str, args: Vec<String>) -> String {
    let key = key.to_owned();
    tokio::task::spawn_blocking(move || {
        let out = std::process::Command::new(program)
            .args(&args)
            // How GDAL (and QGIS) log in: HTTP basic auth, the account name and its API key.
            .env("GDAL_HTTP_AUTH", "BASIC")
            .env("GDAL_HTTP_USERPWD", format!("test-admin:{key}"))
            .output()
            .unwrap_or_else(|e| panic!("{program} (Debian package gdal-bin) runs: {e}"));
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            out.status.success(),
            "{program} {args:?} failed:\n{stdout}\n{stderr}"
        );
        assert!(
            !stderr.contains("ERROR"),
            "{program} {args:?} complained: {stderr}"
        );
        stdout
    })
    .await
    .unwrap()
}

async fn current_ids(pool: &PgPool, layer: &str, condition: &str) -> BTreeSet<String> {
    sqlx::query_scalar::<_, String>(&format!(
        "SELECT feature_id FROM features WHERE valid_to IS NULL AND layer_id = $1 AND ({condition})"
    ))
    .bind(layer)
    .fetch_all(pool)
    .await
    .unwrap()
    .into_iter()
    .collect()
}

type Attributes = (Option<String>, Option<f64>, Option<String>);

/// The current features of a layer as the store holds them: id → material, diameter, owner.
async fn stored(app: &common::TestApp, layer: &str) -> BTreeMap<String, Attributes> {
    app.store
        .shared()
        .current_features()
        .await
        .unwrap()
        .into_iter()
        .filter(|f| f.layer.as_str() == layer)
        .map(|f| {
            let owner = f.attrs.owner.map(|o| o.name);
            (
                f.id.to_string(),
                (f.attrs.material, f.attrs.diameter_mm, owner),
            )
        })
        .collect()
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("valid gzip");
    out
}

async fn json(app: &common::TestApp, path: &str) -> (u16, Value) {
    let r = app.get(path).await;
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

/// Every page of a collection, following `next` links.
async fn all_pages(app: &common::TestApp, first: &str) -> (Vec<Value>, usize) {
    let mut url = app.url(first);
    let mut features = Vec::new();
    let mut pages = 0;
    loop {
        let body: Value = app
            .client
            .get(&url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        pages += 1;
        features.extend(body["features"].as_array().unwrap().iter().cloned());
        let next = body["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == "next")
            .map(|l| l["href"].as_str().unwrap().to_owned());
        match next {
            Some(n) => url = n,
            None => break,
        }
    }
    (features, pages)
}

both_stores! {
    async fn gdal_reads_every_collection_with_the_stores_features_and_attributes(fresh) {
        let app = common::spawn(fresh, true).await;
        let url = format!("OAPIF:{}", app.url("/ogc"));
        let listing = gdal("ogrinfo", &app.admin_key, vec!["-ro".into(), url.clone()]).await;
        for layer in LAYERS {
            assert!(
                listing.contains(&format!(": {layer} (")),
                "{layer} not listed:\n{listing}"
            );
        }
        let dir = tempfile::tempdir().unwrap();
        for layer in LAYERS {
            // A small page size makes GDAL follow many next links.
            let out = dir.path().join(format!("{layer}.geojson"));
            gdal(
                "ogr2ogr",
                &app.admin_key,
                vec![
                    "-f".into(),
                    "GeoJSON".into(),
                    out.display().to_string(),
                    url.clone(),
                    layer.into(),
                    "-oo".into(),
                    "PAGE_SIZE=7".into(),
                ],
            )
            .await;
            let copied: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
            let features = copied["features"].as_array().unwrap();
            let ids: BTreeSet<String> = features
                .iter()
                .map(|f| f["properties"]["id"].as_str().unwrap().to_owned())
                .collect();
            let rows = stored(&app, layer).await;
            assert_eq!(ids, rows.keys().cloned().collect(), "{layer}");
            assert_eq!(
                ids.len(),
                features.len(),
                "{layer}: duplicates across pages"
            );
            // Attributes arrive intact: compare every feature's material, diameter and owner.
            for f in features {
                let p = &f["properties"];
                let id = p["id"].as_str().unwrap();
                let (material, diameter, owner) = &rows[id];
                assert_eq!(p["material"].as_str(), material.as_deref(), "{id}");
                assert_eq!(p["diameter_mm"].as_f64(), *diameter, "{id}");
                assert_eq!(p["owner_name"].as_str(), owner.as_deref(), "{id}");
            }
        }
        // numberMatched gives GDAL the count without reading everything.
        let summary = gdal(
            "ogrinfo",
            &app.admin_key,
            vec!["-ro".into(), "-so".into(), url.clone(), "water".into()],
        )
        .await;
        let water = stored(&app, "water").await.len();
        assert!(
            summary.contains(&format!("Feature Count: {water}")),
            "{summary}"
        );
        // Column types come from the collection's schema (`describedby`), not from guessing on the
        // first page: voltage_kv is empty on every water feature and still a number.
        for column in [
            "diameter_mm: Real",
            "voltage_kv: Real",
            "depth_top_m: Real",
            "survey_date: Date",
            "valid_from: DateTime",
            "material: String",
        ] {
            assert!(summary.contains(column), "{column} missing:\n{summary}");
        }
    }
}

#[sqlx::test(migrations = "../../migrations")]
async fn a_bbox_request_from_gdal_selects_what_postgis_selects(pool: PgPool) {
    let app = common::spawn_app(pool.clone(), true).await;
    let (w, s, e, n) = (108.9875, 28.4490, 108.9900, 28.4510);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bbox.geojson");
    gdal(
        "ogr2ogr",
        &app.admin_key,
        vec![
            "-f".into(),
            "GeoJSON".into(),
            out.display().to_string(),
            format!("OAPIF:{}", app.url("/ogc")),
            "gas".into(),
            "-spat".into(),
            w.to_string(),
            s.to_string(),
            e.to_string(),
            n.to_string(),
        ],
    )
    .await;
    let copied: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let got: BTreeSet<String> = copied["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["id"].as_str().unwrap().to_owned())
        .collect();
    let expected = current_ids(
        &pool,
        "gas",
        &format!(
            "ST_Intersects(geom, ST_Transform(ST_Segmentize(ST_MakeEnvelope({w}, {s}, {e}, {n}, 4326), 0.00005), 4545))"
        ),
    )
    .await;
    assert!(!expected.is_empty() && expected.len() < current_ids(&pool, "gas", "true").await.len());
    assert_eq!(got, expected);
    // The same box in EPSG:4326 (latitude first) through bbox-crs.
    let (_, body) = json(
        &app,
        &format!("/ogc/collections/gas/items?limit=1000&bbox={s},{w},{n},{e}&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4326"),
    )
    .await;
    let ids: BTreeSet<String> = body["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, expected);
    assert_eq!(body["numberMatched"], expected.len());
}

#[sqlx::test(migrations = "../../migrations")]
async fn crs_requests_give_postgis_coordinates_in_each_crs_axis_order(pool: PgPool) {
    let app = common::spawn_app(pool.clone(), true).await;
    let expected: BTreeMap<String, (f64, f64, f64, f64)> =
        sqlx::query_as::<_, (String, f64, f64, f64, f64)>(
            "SELECT feature_id, ST_X(geom), ST_Y(geom), ST_X(ST_Transform(geom, 4490)), \
             ST_Y(ST_Transform(geom, 4490)) FROM features \
             WHERE valid_to IS NULL AND layer_id = 'water' AND GeometryType(geom) = 'POINT'",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
        .into_iter()
        .map(|(id, x, y, lon, lat)| (id, (x, y, lon, lat)))
        .collect();
    assert!(!expected.is_empty());
    for (crs, header) in [
        (
            "http://www.opengis.net/def/crs/EPSG/0/4545",
            "<http://www.opengis.net/def/crs/EPSG/0/4545>",
        ),
        ("EPSG:4490", "<http://www.opengis.net/def/crs/EPSG/0/4490>"),
        (
            "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
            "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>",
        ),
    ] {
        let r = app
            .get(&format!(
                "/ogc/collections/water/items?limit=1000&crs={crs}"
            ))
            .await;
        assert_eq!(r.headers()["content-crs"], header);
        let body: Value = r.json().await.unwrap();
        let mut checked = 0;
        for f in body["features"].as_array().unwrap() {
            let Some(&(x, y, lon, lat)) = expected.get(f["id"].as_str().unwrap()) else {
                continue;
            };
            let c = &f["geometry"]["coordinates"];
            let (a, b) = (c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
            match crs {
                // EPSG:4545 as defined: northing (X) first, to the millimetre.
                c if c.ends_with("4545") => {
                    assert!(
                        (a - y).abs() < 0.002 && (b - x).abs() < 0.002,
                        "{a},{b} vs {x},{y}"
                    );
                }
                // EPSG:4490: latitude first.
                "EPSG:4490" => {
                    assert!(
                        (a - lat).abs() < 1e-7 && (b - lon).abs() < 1e-7,
                        "{a},{b} vs {lat},{lon}"
                    );
                }
                // CRS84 longitude first; CGCS2000 and WGS 84 agree to well under a metre.
                _ => assert!((a - lon).abs() < 1e-5 && (b - lat).abs() < 1e-5),
            }
            checked += 1;
        }
        assert_eq!(checked, expected.len(), "{crs}");
    }
    let (status, problem) = json(&app, "/ogc/collections/water/items?crs=EPSG:2383").await;
    assert_eq!(
        (status, problem["type"].as_str()),
        (400, Some("/problems/crs-not-offered"))
    );
}

#[sqlx::test(migrations = "../../migrations")]
async fn paging_filters_and_errors(pool: PgPool) {
    let app = common::spawn_app(pool.clone(), true).await;
    // Keyset paging covers the collection exactly once, and prev links go back.
    let (features, pages) = all_pages(&app, "/ogc/collections/water/items?limit=7").await;
    let ids: Vec<String> = features
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect();
    let unique: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(unique, current_ids(&pool, "water", "true").await);
    assert_eq!(unique.len(), ids.len());
    assert_eq!(pages, ids.len().div_ceil(7));
    let (_, second) = json(
        &app,
        &format!(
            "/ogc/collections/water/items?limit=7&cursor=after:{}",
            ids[6]
        ),
    )
    .await;
    assert_eq!(second["features"][0]["id"], ids[7].as_str());
    let prev = second["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "prev")
        .unwrap();
    let back: Value = app
        .client
        .get(prev["href"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let back_ids: Vec<&str> = back["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        back_ids,
        ids[..7].iter().map(String::as_str).collect::<Vec<_>>()
    );

    // CQL2 text and simple property filters select what SQL selects.
    for (filter, sql) in [
        ("material = 'PE' AND diameter_mm >= 100", "material = 'PE' AND diameter_mm >= 100"),
        ("material IN ('DI', 'STEEL') OR diameter_mm BETWEEN 300 AND 600", "material IN ('DI', 'STEEL') OR diameter_mm BETWEEN 300 AND 600"),
        ("kind <> 'pipe' AND NOT depth_top_m > 1", "kind <> 'pipe' AND NOT depth_top_m > 1"),
        ("owner_name LIKE '%自来水%'", "owner_name LIKE '%自来水%'"),
        (
            "S_INTERSECTS(geometry, POLYGON((108.9875 28.449, 108.99 28.449, 108.99 28.451, 108.9875 28.451, 108.9875 28.449)))",
            "ST_Intersects(geom, ST_Transform(ST_Segmentize(ST_GeomFromText('POLYGON((108.9875 28.449, 108.99 28.449, 108.99 28.451, 108.9875 28.451, 108.9875 28.449))', 4490), 0.00005), 4545))",
        ),
    ] {
        let encoded: String = filter
            .bytes()
            .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
            .collect();
        let (features, _) = all_pages(&app, &format!("/ogc/collections/water/items?limit=10&filter={encoded}")).await;
        let got: BTreeSet<String> = features.iter().map(|f| f["id"].as_str().unwrap().to_owned()).collect();
        let expected = current_ids(&pool, "water", sql).await;
        assert!(!expected.is_empty(), "{filter} selects nothing in the demo");
        assert_eq!(got, expected, "{filter}");
    }
    let (features, _) = all_pages(&app, "/ogc/collections/water/items?material=PE&limit=5").await;
    assert_eq!(
        features.len(),
        current_ids(&pool, "water", "material = 'PE'").await.len()
    );

    // Every refusal is a problem document with the right status.
    for (path, status, kind) in [
        ("/ogc/collections/water/items?filter=material%20%3D", 400, "/problems/invalid-filter"),
        ("/ogc/collections/water/items?filter=colour%20%3D%20%27red%27", 400, "/problems/invalid-filter"),
        ("/ogc/collections/water/items?filter=material%20%3D%20%27PE%27%3B%20DROP%20TABLE%20features", 400, "/problems/invalid-filter"),
        ("/ogc/collections/water/items?colour=red", 400, "/problems/bad-parameter"),
        ("/ogc/collections/water/items?limit=0", 400, "/problems/bad-parameter"),
        ("/ogc/collections/water/items?bbox=1,2,3", 400, "/problems/bad-parameter"),
        ("/ogc/collections/water/items?cursor=sideways", 400, "/problems/bad-parameter"),
        ("/ogc/collections/water/items?datetime=2020-01-01/2021-01-01", 400, "/problems/bad-request"),
        ("/ogc/collections/sewage/items", 404, "/problems/not-found"),
        ("/ogc/collections/water/items/NOPE", 404, "/problems/not-found"),
        ("/tiles/all/25/0/0.mvt", 404, "/problems/not-found"),
        ("/tiles/all/2/9/0.mvt", 404, "/problems/not-found"),
        ("/tiles/sewage/16/0/0.mvt", 404, "/problems/not-found"),
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status().as_u16(), status, "{path}");
        assert_eq!(r.headers()["content-type"], "application/problem+json", "{path}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["type"], kind, "{path}: {body}");
    }
    // A client that takes gzip gets the same page compressed.
    let plain: Value = app
        .get("/ogc/collections/water/items?limit=40")
        .await
        .json()
        .await
        .unwrap();
    let gz = app
        .client
        .get(app.url("/ogc/collections/water/items?limit=40"))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let raw = gz.bytes().await.unwrap();
    let unpacked: Value = serde_json::from_slice(&gunzip(&raw)).unwrap();
    assert_eq!(unpacked["features"], plain["features"]);
    assert!(raw.len() * 4 < serde_json::to_vec(&plain).unwrap().len());
    let refused = app
        .client
        .get(app.url("/ogc/collections/water/items?limit=40"))
        .header("Accept-Encoding", "gzip;q=0, identity")
        .send()
        .await
        .unwrap();
    assert!(refused.headers().get("content-encoding").is_none());

    let (_, problem) = json(
        &app,
        "/ogc/collections/water/items?filter=material%20%3D%2012",
    )
    .await;
    assert_eq!(problem["position"], 11);
    // The map as it stood before anything was loaded.
    let (status, before) = json(&app, "/ogc/collections/water/items?datetime=2001-01-01").await;
    assert_eq!((status, before["numberReturned"].as_u64()), (200, Some(0)));
    // The table is still there after the injection attempt.
    assert!(!current_ids(&pool, "water", "true").await.is_empty());
}

both_stores! {
    async fn documents_describe_the_service(fresh) {
        let app = common::spawn(fresh, true).await;
        let (_, conformance) = json(&app, "/ogc/conformance").await;
        insta::assert_json_snapshot!("ogc_conformance", conformance);
        let (_, queryables) = json(&app, "/ogc/collections/gas/queryables").await;
        insta::assert_json_snapshot!("ogc_gas_queryables", queryables, { ".$id" => "[url]" });
        let (_, collection) = json(&app, "/ogc/collections/gas").await;
        assert_eq!(
            collection["storageCrs"],
            "http://www.opengis.net/def/crs/EPSG/0/4545"
        );
        let crs: Vec<&str> = collection["crs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        for needed in ["OGC/1.3/CRS84", "EPSG/0/4326", "EPSG/0/4490", "EPSG/0/4545"] {
            assert!(
                crs.iter().any(|c| c.ends_with(needed)),
                "{needed} missing from {crs:?}"
            );
        }
        // Every route the server mounts is in the OpenAPI document, and every documented GET path
        // answers with something other than "no such route".
        let (_, api) = json(&app, "/ogc/api").await;
        let paths = api["paths"].as_object().unwrap();
        // The one list the router mounts.
        let mounted: Vec<String> = undermap_api::ROUTES
            .iter()
            .map(|(_, path)| (*path).to_owned())
            .collect();
        assert!(mounted.len() > 15, "{mounted:?}");
        for route in &mounted {
            let route = route.trim_end_matches('/');
            let route = if route.is_empty() { "/" } else { route };
            let documented = paths.keys().any(|p| {
                let p = p
                    .replace("{collectionId}", "{id}")
                    .replace("{featureId}", "{feature}");
                p == route
                    || (route == "/tiles/{name}" && p == "/tiles/{tileset}.json")
                    || (route == "/tiles/{layer}/{z}/{x}/{y}"
                        && p == "/tiles/{tileset}/{z}/{x}/{y}.mvt")
            });
            assert!(documented, "route {route} is not in /ogc/api");
        }
        for (path, item) in paths {
            if item.get("get").is_none() {
                continue;
            }
            let concrete = path
                .replace("{collectionId}", "water")
                .replace("{featureId}", "HY-00")
                .replace("{id}", "HY-00")
                .replace("{tileset}", "water")
                .replace("{z}/{x}/{y}", "16/52608/27000");
            let r = app.get(&concrete).await;
            if r.status() == 404 {
                let body: Value = r.json().await.unwrap();
                assert!(
                    !body["detail"].as_str().unwrap().starts_with("no resource"),
                    "{concrete}: {body}"
                );
            }
        }
    }
}

#[sqlx::test(migrations = "../../migrations")]
async fn tiles_hold_the_features_revalidate_and_follow_deliveries(pool: PgPool) {
    let app = common::spawn_app(pool.clone(), true).await;
    let t = undermap_tiles::TileId::containing(108.989, 28.4507, 16).unwrap();
    let (z, x, y) = (u32::from(t.z), t.x, t.y);
    let path = format!("/tiles/all/{z}/{x}/{y}.mvt");
    let r = app.get(&path).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.mapbox-vector-tile"
    );
    assert_eq!(r.headers()["x-tile-cache"], "miss");
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let bytes = r.bytes().await.unwrap();
    let tile = Tile::decode(bytes.as_ref()).expect("a valid MVT 2.1 tile");
    let mut in_tile: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for layer in &tile.layers {
        assert_eq!((layer.version, layer.extent), (2, Some(4096)));
        for f in &layer.features {
            let tags: BTreeMap<&str, &geozero::mvt::tile::Value> = f
                .tags
                .chunks(2)
                .map(|kv| {
                    (
                        layer.keys[kv[0] as usize].as_str(),
                        &layer.values[kv[1] as usize],
                    )
                })
                .collect();
            let id = tags["id"].string_value.clone().unwrap();
            let (kind, material): (String, Option<String>) = sqlx::query_as(
                "SELECT kind, material FROM features WHERE valid_to IS NULL AND feature_id = $1",
            )
            .bind(&id)
            .fetch_one(&pool)
            .await
            .unwrap();
            assert_eq!(
                tags["kind"].string_value.as_deref(),
                Some(kind.as_str()),
                "{id}"
            );
            assert_eq!(
                tags.get("material").and_then(|v| v.string_value.clone()),
                material,
                "{id}"
            );
            in_tile.entry(layer.name.clone()).or_default().insert(id);
        }
    }
    // Every feature wholly inside the tile's square is in the tile (PostGIS decides which).
    let [w, s, e, n] = {
        let size = 2.0 * 20_037_508.342_789_244 / f64::from(1_u32 << z);
        let min_x = -20_037_508.342_789_244 + f64::from(x) * size;
        let max_y = 20_037_508.342_789_244 - f64::from(y) * size;
        [min_x, max_y - size, min_x + size, max_y]
    };
    for layer in ["water", "gas", "power", "drainage"] {
        let inside = current_ids(
            &pool,
            layer,
            &format!(
                "ST_Within(ST_Transform(geom, 3857), ST_MakeEnvelope({w}, {s}, {e}, {n}, 3857))"
            ),
        )
        .await;
        assert!(!inside.is_empty(), "{layer} has nothing inside the tile");
        let got = in_tile.get(layer).cloned().unwrap_or_default();
        assert!(
            inside.is_subset(&got),
            "{layer}: missing {:?}",
            inside.difference(&got).collect::<Vec<_>>()
        );
    }
    // The gzip representation: the same tile, its own tag, revalidated on its own.
    let gz = app
        .client
        .get(app.url(&path))
        .header("Accept-Encoding", "gzip, deflate")
        .send()
        .await
        .unwrap();
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    assert_eq!(gz.headers()["vary"], "Accept-Encoding");
    let gz_etag = gz.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(gz_etag, etag);
    assert_eq!(gunzip(&gz.bytes().await.unwrap()), bytes.as_ref());
    let gz_again = app
        .client
        .get(app.url(&path))
        .header("Accept-Encoding", "gzip")
        .header("If-None-Match", &gz_etag)
        .send()
        .await
        .unwrap();
    assert_eq!(gz_again.status(), 304);
    // Cached, and revalidated with a 304.
    let again = app.get(&path).await;
    assert_eq!(again.headers()["x-tile-cache"], "hit");
    let revalidate = || {
        app.client
            .get(app.url(&path))
            .header("If-None-Match", &etag)
            .send()
    };
    assert_eq!(revalidate().await.unwrap().status(), 304);
    // A delivery that adds a valve in the tile: the cached tile is recut with it.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("valve.geojson");
    std::fs::write(
        &file,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","id":"WV-NEW-1",
            "properties":{"kind":"valve","owner":"秀山县自来水有限公司","diameter_mm":200},
            "geometry":{"type":"Point","coordinates":[108.989,28.4507]}}]}"#,
    )
    .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("department", "water")
        .text("mode", "incremental")
        .part(
            "file",
            reqwest::multipart::Part::bytes(std::fs::read(&file).unwrap())
                .file_name("valve.geojson"),
        );
    let loaded = app
        .client
        .post(app.url("/v1/deliveries"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(loaded.status(), 201, "{}", loaded.text().await.unwrap());
    app.service.reload().await.unwrap();
    let after = revalidate().await.unwrap();
    assert_eq!(after.status(), 200);
    assert_ne!(after.headers()["etag"].to_str().unwrap(), etag);
    let tile = Tile::decode(after.bytes().await.unwrap().as_ref()).unwrap();
    let water = tile.layers.iter().find(|l| l.name == "water").unwrap();
    assert!(water
        .values
        .iter()
        .any(|v| v.string_value.as_deref() == Some("WV-NEW-1")));

    // TileJSON and the style point at these tiles.
    let (_, tj) = json(&app, "/tiles/water.json").await;
    assert_eq!(tj["tilejson"], "3.0.0");
    assert!(tj["tiles"][0]
        .as_str()
        .unwrap()
        .ends_with("/tiles/water/{z}/{x}/{y}.mvt"));
    let b = tj["bounds"].as_array().unwrap();
    assert!(b[0].as_f64().unwrap() > 108.9 && b[2].as_f64().unwrap() < 109.0);
    let (_, style) = json(&app, "/styles/default.json").await;
    assert_eq!(style["version"], 8);
    assert!(style["sources"]["undermap"]["url"]
        .as_str()
        .unwrap()
        .ends_with("/tiles/all.json"));
    let drawn: BTreeSet<&str> = style["layers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["source-layer"].as_str())
        .collect();
    for layer in LAYERS {
        assert!(drawn.contains(layer), "{layer} not drawn");
    }
}
