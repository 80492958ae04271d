//! What a process knows of its database's reachability: a circuit breaker driven by a
//! heartbeat on a connection of its own.
//!
//! While the heartbeat fails, every store operation is refused at once with
//! [`StoreError::Unavailable`] instead of each one waiting out the pool's acquire timeout;
//! reads keep answering from memory above the store. When the heartbeat answers again,
//! subscribers (the service, which reloads its index) are told.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::StoreError;

/// How often the heartbeat runs while the database answers: an outage is noticed within
/// about this time plus [`PROBE_TIMEOUT`].
pub const HEARTBEAT: Duration = Duration::from_millis(500);

/// How often a down database is tried again.
pub const RETRY: Duration = Duration::from_millis(250);

/// How long one heartbeat may take before the database counts as unreachable.
pub const PROBE_TIMEOUT: Duration = Duration::from_millis(500);

/// Reachability of one database, shared by everything that uses it in this process.
#[derive(Debug)]
pub struct StoreHealth {
    down: AtomicBool,
    since: Mutex<Option<Instant>>,
    changes: watch::Sender<bool>,
}

impl Default for StoreHealth {
    fn default() -> Self {
        Self {
            down: AtomicBool::new(false),
            since: Mutex::new(None),
            changes: watch::channel(true).0,
        }
    }
}

impl StoreHealth {
    /// Whether the database is known to be unreachable.
    #[must_use]
    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Acquire)
    }

    /// How long it has been unreachable, if it is.
    #[must_use]
    pub fn down_for(&self) -> Option<Duration> {
        self.since.lock().ok().and_then(|s| s.map(|t| t.elapsed()))
    }

    /// `Ok` while the database answers; else the error every operation gets at once.
    pub fn check(&self) -> Result<(), StoreError> {
        if self.is_down() {
            let secs = self.down_for().map_or(0, |d| d.as_secs());
            return Err(StoreError::Unavailable(format!(
                "the database has not answered for {secs} s; retrying every {} ms",
                RETRY.as_millis()
            )));
        }
        Ok(())
    }

    /// A receiver that sees `true` when the database answers and `false` when it does not;
    /// it changes only on a transition.
    #[must_use]
    pub fn subscribe(&self) -> watch::Receiver<bool> {
        self.changes.subscribe()
    }

    /// Records a heartbeat's outcome.
    pub fn record(&self, up: bool) {
        let was_down = self.down.swap(!up, Ordering::AcqRel);
        if was_down == up {
            if let Ok(mut since) = self.since.lock() {
                *since = (!up).then(Instant::now);
            }
            if up {
                tracing::info!("the database answers again");
            } else {
                tracing::warn!("the database does not answer; refusing writes until it does");
            }
            self.changes.send_replace(up);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_are_announced_once() {
        let h = StoreHealth::default();
        let mut rx = h.subscribe();
        assert!(h.check().is_ok());
        h.record(true);
        assert!(!rx.has_changed().unwrap(), "up to up is no change");
        h.record(false);
        assert!(rx.has_changed().unwrap());
        assert!(!*rx.borrow_and_update());
        assert!(h.check().unwrap_err().is_unavailable());
        h.record(false);
        assert!(!rx.has_changed().unwrap());
        h.record(true);
        assert!(*rx.borrow_and_update());
        assert!(h.check().is_ok() && h.down_for().is_none());
    }
}
