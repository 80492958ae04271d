use std::time::Duration;

use sqlx::postgres::PgListener;
use undermap_service::Service;
use undermap_store::CHANGES_CHANNEL;

/// Rebuilds the index whenever a delivery is committed by any process (the `ingest` command,
/// another server): the store announces it with `NOTIFY undermap_changes`. Reconnects after a
/// lost connection and catches up then, since a notification may have been missed.
pub fn spawn_change_listener(service: Service, database_url: String) {
    tokio::spawn(async move {
        let mut first = true;
        loop {
            if let Err(e) = listen(&service, &database_url, first).await {
                // Deliveries made meanwhile would go unnoticed: say so until caught up.
                service.set_behind(true);
                tracing::warn!(error = %e, "change listener lost its connection; retrying in 1 s");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            first = false;
        }
    });
}

/// Rebuilds the index when the store the index is read from holds a delivery the index does not
/// include: another process's (the `ingest` command on the same GeoPackage file: SQLite has no
/// notifications), or one a streaming replica has just received (a notification on the
/// primary may arrive before the replica has the delivery). Its last delivery number is read
/// every `every`.
pub fn spawn_change_poller(service: Service, every: Duration) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // Said once when the store stops answering, once when it answers again.
        let mut failing = false;
        loop {
            ticker.tick().await;
            let last = service.index_source().last_delivery().await;
            if last.is_ok() && failing {
                tracing::info!("the last delivery can be read again");
                failing = false;
            }
            match last {
                Ok(last) if last > service.last_delivery() => {
                    tracing::info!(
                        delivery = last,
                        "delivery recorded by another process; rebuilding the index"
                    );
                    if let Err(e) = service.reload().await {
                        tracing::error!(error = %e, "index rebuild failed; still answering from the previous one");
                    }
                }
                Err(e) if !failing => {
                    tracing::warn!(error = %e, "could not read the last delivery; trying every tick");
                    failing = true;
                }
                Ok(_) | Err(_) => {}
            }
        }
    });
}

/// Listens until the connection is lost. After a reconnect (`first` false) it catches up
/// once it is listening again: a notification sent while it was away is lost.
async fn listen(service: &Service, database_url: &str, first: bool) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect(database_url).await?;
    listener.listen(CHANGES_CHANNEL).await?;
    tracing::info!(
        channel = CHANGES_CHANNEL,
        "listening for committed deliveries"
    );
    if !first {
        match service.refresh().await {
            Ok(n) => tracing::info!(features = n, "caught up after reconnecting"),
            Err(e) => tracing::warn!(error = %e, "catching up after reconnecting failed"),
        }
    }
    loop {
        // `None`: the connection was lost (sqlx would reconnect silently on the next call;
        // we reconnect ourselves so that we catch up afterwards).
        let Some(note) = listener.try_recv().await? else {
            return Err(sqlx::Error::Protocol(
                "the listening connection was lost".into(),
            ));
        };
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
