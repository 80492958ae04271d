//! What the benchmarks on a database share: a fresh PostGIS database of their own.

use undermap_store::PgStore;

/// A fresh database `name` on the server `url` names (dropped first if it is there), as a store
/// in EPSG:4545, with its URL; `None` when the server cannot be reached.
pub async fn fresh_postgis(url: &str, name: &str) -> Option<(PgStore, String)> {
    use sqlx::Connection;
    let mut admin = sqlx::PgConnection::connect(url).await.ok()?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(&mut admin)
        .await
        .ok()?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .ok()?;
    let base = url.rsplit_once('/').map_or(url, |(b, _)| b);
    let db = format!("{base}/{name}");
    let store = PgStore::connect(&db, 4545).await.ok()?;
    Some((store, db))
}
