use std::time::Duration;

use sqlx::postgres::PgListener;
use undermap_service::Service;
use undermap_store::CHANGES_CHANNEL;

/// Rebuilds the index whenever a delivery is committed by any process (the `ingest` command,
/// another server): the store announces it with `NOTIFY undermap_changes`. Reconnects after a
/// lost connection, and reloads then too, since a notification may have been missed.
pub fn spawn_change_listener(service: Service, database_url: String) {
    tokio::spawn(async move {
        loop {
            match listen(&service, &database_url).await {
                Ok(()) => return,
                Err(e) => {
                    // Deliveries made meanwhile would go unnoticed: say so until caught up.
                    service.set_behind(true);
                    tracing::warn!(error = %e, "change listener lost its connection; retrying in 5 s");
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    if let Err(e) = service.reload().await {
                        tracing::warn!(error = %e, "reload after reconnect failed");
                    }
                }
            }
        }
    });
}

/// Rebuilds the index when another process (the `ingest` command on the same GeoPackage file)
/// has recorded a delivery the index does not include: SQLite has no notifications, so the store's
/// last delivery number is read every `every`.
pub fn spawn_change_poller(service: Service, every: Duration) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match service.store().last_delivery().await {
                Ok(last) if last > service.last_delivery() => {
                    tracing::info!(
                        delivery = last,
                        "delivery recorded by another process; rebuilding the index"
                    );
                    if let Err(e) = service.reload().await {
                        tracing::error!(error = %e, "index rebuild failed; still answering from the previous one");
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "could not read the last delivery"),
            }
        }
    });
}

async fn listen(service: &Service, database_url: &str) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect(database_url).await?;
    listener.listen(CHANGES_CHANNEL).await?;
    tracing::info!(
        channel = CHANGES_CHANNEL,
        "listening for committed deliveries"
    );
    loop {
        let note = listener.recv().await?;
        // Several deliveries in a row need only one rebuild: drain what is already queued.
        while listener.next_buffered().is_some() {}
        tracing::info!(
            delivery = note.payload(),
            "delivery committed elsewhere; rebuilding the index"
        );
        match service.reload().await {
            Ok(n) => tracing::info!(features = n, "index rebuilt"),
            Err(e) => {
                tracing::error!(error = %e, "index rebuild failed; still answering from the previous one");
            }
        }
    }
}
