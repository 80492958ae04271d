//! Ticket numbers, reserved from the store in blocks: one round trip (PostGIS) or one writer
//! commit (GeoPackage) numbers [`BLOCK`] checks. Numbers stay unique; a restart leaves a gap
//! (docs/tickets.md).

use std::future::Future;
use std::sync::Mutex;

use chrono::{DateTime, Datelike, Utc};
use undermap_core::TicketId;

use crate::{Result, StoreError};

/// Ticket numbers reserved per trip to the store.
pub(crate) const BLOCK: usize = 64;

/// Numbers reserved and not yet handed out, largest first.
#[derive(Debug, Default)]
pub(crate) struct Reserved(Mutex<Vec<i64>>);

impl Reserved {
    /// The next number for a ticket issued `now`: a reserved one, else the first of a new block
    /// that `reserve` takes from the store (the rest are kept).
    pub(crate) async fn next<F, Fut>(&self, now: DateTime<Utc>, reserve: F) -> Result<TicketId>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<i64>>>,
    {
        let year = u16::try_from(now.year()).unwrap_or(9999);
        let taken = self.0.lock().ok().and_then(|mut r| r.pop());
        let n = if let Some(n) = taken {
            n
        } else {
            let mut block = reserve().await?;
            block.sort_unstable_by(|a, b| b.cmp(a));
            let n = block.pop().ok_or_else(|| StoreError::Corrupt {
                id: "ticket numbers".into(),
                reason: "the store reserved no number".into(),
            })?;
            if let Ok(mut r) = self.0.lock() {
                r.extend(block);
                r.sort_unstable_by(|a, b| b.cmp(a));
            }
            n
        };
        Ok(TicketId::new(year, u64::try_from(n).unwrap_or_default()))
    }
}
