use std::time::Duration;

use undermap_store::StoreError;

/// Why a request is not let through, or an account operation failed. Each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No credential was sent where one is needed.
    #[error("this resource needs a credential: send `Authorization: Bearer <API key>` (or HTTP basic auth with your account name and the key as password)")]
    Missing,
    /// The credential is not shaped like one.
    #[error("{0}")]
    Malformed(String),
    /// Unknown key, or the secret does not match.
    #[error("the API key is not valid")]
    Invalid,
    /// The key was revoked.
    #[error("this API key was revoked; ask an administrator for a new one")]
    Revoked,
    /// The key is past its expiry.
    #[error("this API key expired; ask an administrator for a new one")]
    Expired,
    /// The account is disabled.
    #[error("the account {0:?} is disabled")]
    Disabled(String),
    /// Too many failed attempts: locked for a while.
    #[error("too many failed attempts; try again in {} s", .retry_after.as_secs().max(1))]
    Locked {
        /// How long the lock lasts.
        retry_after: Duration,
    },
    /// Too many requests.
    #[error("rate limit exceeded; try again in {} s", .retry_after.as_secs().max(1))]
    RateLimited {
        /// When a request will be accepted again.
        retry_after: Duration,
    },
    /// A bounded role has been served its day's area.
    #[error("your role is served {:.2} km² of map a day and has had {:.2} km² today; the budget resets at {reset_at} (in {} s)", *.daily_m2 as f64 / 1e6, *.served_m2 as f64 / 1e6, .retry_after.as_secs())]
    AreaBudget {
        /// The daily budget, m².
        daily_m2: u64,
        /// Served so far today, m².
        served_m2: u64,
        /// When the budget resets.
        reset_at: chrono::DateTime<chrono::Utc>,
        /// Time until then.
        retry_after: Duration,
    },
    /// Authenticated, but the role does not allow it.
    #[error("{0}")]
    Forbidden(String),
    /// An account, key or role does not exist.
    #[error("{0}")]
    NotFound(String),
    /// An account operation with a bad value.
    #[error("{0}")]
    BadValue(String),
    /// Roles or settings are wrong.
    #[error("access configuration: {0}")]
    Config(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AuthError {
    /// How long the client should wait before retrying, for `Retry-After`.
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Locked { retry_after }
            | Self::RateLimited { retry_after }
            | Self::AreaBudget { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }
}

impl undermap_core::Problem for AuthError {
    fn kind(&self) -> undermap_core::ErrorKind {
        use undermap_core::ErrorKind;
        match self {
            Self::Missing
            | Self::Malformed(_)
            | Self::Invalid
            | Self::Revoked
            | Self::Expired
            | Self::Disabled(_) => ErrorKind::Unauthenticated,
            Self::Locked { .. } | Self::RateLimited { .. } | Self::AreaBudget { .. } => {
                ErrorKind::RateLimited
            }
            Self::Forbidden(_) => ErrorKind::Forbidden,
            Self::NotFound(_) => ErrorKind::NotFound,
            Self::BadValue(_) => ErrorKind::Invalid,
            Self::Config(_) => ErrorKind::Internal,
            Self::Store(s) => s.kind(),
        }
    }

    fn problem(&self) -> (&'static str, &'static str) {
        match self {
            Self::Locked { .. } => ("/problems/locked", "Too many failed attempts"),
            Self::AreaBudget { .. } => ("/problems/area-budget", "Daily map area used up"),
            Self::Store(s) => s.problem(),
            _ => self.kind().problem(),
        }
    }

    fn public_detail(&self) -> String {
        match self {
            Self::Store(s) => s.public_detail(),
            Self::Config(_) => undermap_core::problem::FAILED.into(),
            _ => self.to_string(),
        }
    }
}
