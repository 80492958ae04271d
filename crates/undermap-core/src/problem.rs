//! What kind of failure an error is, said by the crate that raises it. Each crate's error enum
//! implements [`Problem`]; the HTTP edge turns the [`ErrorKind`] into a status, once, and
//! writes the problem type and title (RFC 9457) the error names. No crate above this one has
//! to know another crate's error variants to answer a caller.

/// The kinds of failure a caller is told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request cannot be read: unparseable, a value of the wrong shape, an unknown name.
    Malformed,
    /// The request is well-formed but a value is not acceptable (out of range, invalid
    /// geometry, outside the CRS's area of use).
    Invalid,
    /// The request is larger than accepted (vertices, body).
    TooLarge,
    /// What was asked for does not exist (for this caller).
    NotFound,
    /// No valid credential.
    Unauthenticated,
    /// The caller's role does not allow it.
    Forbidden,
    /// The request conflicts with what is stored.
    Conflict,
    /// What was asked for existed and is no more (an expired or used-up download link).
    Gone,
    /// The service cannot do it now (the store is away, a read-only copy); try later.
    Unavailable,
    /// Over a rate limit, a lockout or a daily budget.
    RateLimited,
    /// Our own failure, not the caller's.
    Internal,
}

/// What an internal failure tells the caller: the internals stay in the log, under the error id
/// the answer gives.
pub const FAILED: &str =
    "the server failed to complete the request; it has been logged under the error id given here";

impl ErrorKind {
    /// The problem type (a stable, documented URI path) and title of this kind, for errors that
    /// name none of their own.
    #[must_use]
    pub fn problem(self) -> (&'static str, &'static str) {
        match self {
            Self::Malformed => ("/problems/bad-request", "Bad request"),
            Self::Invalid => ("/problems/invalid-value", "Invalid value"),
            Self::TooLarge => ("/problems/too-large", "Too large"),
            Self::NotFound => ("/problems/not-found", "Not found"),
            Self::Unauthenticated => ("/problems/unauthenticated", "Authentication required"),
            Self::Forbidden => ("/problems/forbidden", "Not allowed"),
            Self::Conflict => ("/problems/conflict", "Conflict"),
            Self::Gone => ("/problems/gone", "Gone"),
            Self::Unavailable => ("/problems/unavailable", "Service unavailable"),
            Self::RateLimited => ("/problems/rate-limited", "Too many requests"),
            Self::Internal => ("/problems/internal", "Internal error"),
        }
    }
}

/// An error a caller can be told about.
pub trait Problem: std::error::Error {
    /// Which kind of failure it is.
    fn kind(&self) -> ErrorKind;

    /// Its problem type and title; by default its kind's.
    fn problem(&self) -> (&'static str, &'static str) {
        self.kind().problem()
    }

    /// What the caller reads: the error's text, except for internal failures ([`FAILED`]).
    fn public_detail(&self) -> String {
        if self.kind() == ErrorKind::Internal {
            FAILED.to_owned()
        } else {
            self.to_string()
        }
    }

    /// Where in the request's text it went wrong (a filter's character offset), if it says.
    fn position(&self) -> Option<usize> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("key file /secret unreadable")]
    struct Broken;

    impl Problem for Broken {
        fn kind(&self) -> ErrorKind {
            ErrorKind::Internal
        }
    }

    #[derive(Debug, thiserror::Error)]
    #[error("limit: not a number")]
    struct Typo;

    impl Problem for Typo {
        fn kind(&self) -> ErrorKind {
            ErrorKind::Malformed
        }
    }

    #[test]
    fn internal_failures_say_nothing_of_their_internals() {
        assert_eq!(Broken.public_detail(), FAILED);
        assert_eq!(Broken.problem().0, "/problems/internal");
        assert_eq!(Typo.public_detail(), "limit: not a number");
        assert_eq!(Typo.problem(), ("/problems/bad-request", "Bad request"));
        assert_eq!(Typo.position(), None);
    }
}
