//! Rate limits (token buckets per credential and per address) and failed-authentication
//! tracking (slow down, then lock). In memory, per process: a restart forgets them, and several
//! servers each enforce their own (see docs/security.md).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Entries kept before old ones are swept out (bounds memory under a flood of addresses).
const SWEEP_AT: usize = 50_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// Token buckets keyed by text (`key:<id>`, `ip:<address>`).
#[derive(Debug, Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// Takes one token from `key`'s bucket, which refills at `per_minute` and holds a tenth of a
    /// minute's worth (at least 5). `Err` carries how long until a token is back.
    pub fn take(&self, key: &str, per_minute: u32) -> Result<(), Duration> {
        let rate = f64::from(per_minute.max(1)) / 60.0;
        let capacity = (f64::from(per_minute) / 10.0).max(5.0);
        let now = Instant::now();
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() > SWEEP_AT {
            // Full buckets carry no state worth keeping.
            buckets.retain(|_, b| {
                b.tokens + now.duration_since(b.last).as_secs_f64() * rate < capacity
            });
        }
        let b = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: capacity,
            last: now,
        });
        b.tokens = (b.tokens + now.duration_since(b.last).as_secs_f64() * rate).min(capacity);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                ((1.0 - b.tokens) / rate).max(0.001),
            ))
        }
    }
}

/// How failures are answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailurePolicy {
    /// Failures counted within this window.
    pub window: Duration,
    /// Failures answered at once; after these, each failure waits longer.
    pub free: u32,
    /// Longest wait added to a failure.
    pub max_delay: Duration,
    /// Failures of one key id from one address after which the key is locked for that address
    /// (from other addresses it keeps working; their failures only slow down).
    pub lock_key_after: u32,
    /// Failures from one address after which the address is locked.
    pub lock_address_after: u32,
    /// How long a lock lasts.
    pub lock_for: Duration,
}

impl Default for FailurePolicy {
    fn default() -> Self {
        Self {
            window: Duration::from_mins(15),
            free: 3,
            max_delay: Duration::from_secs(4),
            lock_key_after: 10,
            lock_address_after: 30,
            lock_for: Duration::from_mins(15),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    first: Instant,
    locked_until: Option<Instant>,
}

/// Failed authentications per key id and per address.
#[derive(Debug, Default)]
pub struct FailureTracker {
    policy: FailurePolicy,
    seen: Mutex<HashMap<String, Failures>>,
}

impl FailureTracker {
    /// A tracker with `policy`.
    #[must_use]
    pub fn new(policy: FailurePolicy) -> Self {
        Self {
            policy,
            seen: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Failures>> {
        self.seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// How long `key` stays locked, if it is.
    #[must_use]
    pub fn locked(&self, key: &str) -> Option<Duration> {
        let now = Instant::now();
        self.lock()
            .get(key)
            .and_then(|f| f.locked_until)
            .and_then(|until| until.checked_duration_since(now))
    }

    /// Records a failure of `key` (limit `lock_after`); returns how long to wait before
    /// answering, so guessing gets slower with every try.
    pub fn failed(&self, key: &str, lock_after: u32) -> Duration {
        let now = Instant::now();
        let p = self.policy;
        let mut seen = self.lock();
        if seen.len() > SWEEP_AT {
            seen.retain(|_, f| {
                now.duration_since(f.first) < p.window || f.locked_until.is_some_and(|u| u > now)
            });
        }
        let f = seen.entry(key.to_owned()).or_insert(Failures {
            count: 0,
            first: now,
            locked_until: None,
        });
        if now.duration_since(f.first) >= p.window && f.locked_until.is_none_or(|u| u <= now) {
            *f = Failures {
                count: 0,
                first: now,
                locked_until: None,
            };
        }
        f.count += 1;
        if f.count >= lock_after {
            f.locked_until = Some(now + p.lock_for);
            tracing::warn!(
                key,
                failures = f.count,
                "credential locked after repeated failures"
            );
        }
        let over = f.count.saturating_sub(p.free);
        if over == 0 {
            Duration::ZERO
        } else {
            (Duration::from_millis(250) * 2u32.saturating_pow(over - 1).min(64)).min(p.max_delay)
        }
    }

    /// Forgets `key`'s failures (after a success).
    pub fn succeeded(&self, key: &str) {
        let mut seen = self.lock();
        if seen.get(key).is_some_and(|f| f.locked_until.is_none()) {
            seen.remove(key);
        }
    }

    /// The policy.
    #[must_use]
    pub fn policy(&self) -> FailurePolicy {
        self.policy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_allow_a_burst_then_refuse_with_a_wait() {
        let limiter = RateLimiter::default();
        // 60 a minute: a burst of 6 (a tenth of a minute's worth).
        for _ in 0..6 {
            limiter.take("k", 60).unwrap();
        }
        let wait = limiter.take("k", 60).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(1));
        assert!(limiter.take("other", 60).is_ok());
    }

    #[test]
    fn failures_slow_down_then_lock() {
        let t = FailureTracker::new(FailurePolicy::default());
        let delays: Vec<Duration> = (0..10).map(|_| t.failed("key:a", 10)).collect();
        assert_eq!(delays[0], Duration::ZERO);
        assert_eq!(delays[2], Duration::ZERO);
        assert!(delays[3] > Duration::ZERO);
        assert!(delays[5] > delays[3]);
        assert!(delays[9] <= Duration::from_secs(4));
        assert!(t.locked("key:a").is_some());
        t.succeeded("key:a");
        assert!(t.locked("key:a").is_some(), "a lock outlasts a success");
        assert!(t.locked("key:b").is_none());
    }
}
