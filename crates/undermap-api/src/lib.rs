//! undermap's HTTP API. Handlers parse input, call `undermap-service`, and serialise; every
//! error leaves through [`ApiError`] as an RFC 9457 `application/problem+json` body.

mod error;
mod handlers;
pub mod openapi;
mod routes;
pub mod security;

pub use error::ApiError;
pub use routes::{
    allowed_methods, configure, data_as_of, method_not_allowed, DATA_AS_OF, MAX_BODY_BYTES, ROUTES,
};
pub use security::{gate, Caller, Security};
