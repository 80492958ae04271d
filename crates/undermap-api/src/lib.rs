//! undermap's HTTP API. Handlers parse input, call `undermap-service`, and serialise; every
//! error leaves through [`ApiError`] as an RFC 9457 `application/problem+json` body.
//!
//! One folder per capability, as in the service crate: `ops`, `web`, `map`, `deliveries`,
//! `excavation`, `emergency`, `admin`, `ogc`, `tiles`. Each declares its routes once (the
//! `routes!` block in its `mod.rs`) and describes them in its own `openapi.rs`; `routes.rs` and
//! `openapi/` only put the folders together.

/// Declares a folder's routes once: its `ROUTES` (read by the 405 answers, the OpenAPI test and
/// the gate's tests) and `mount`, which registers exactly those.
macro_rules! routes {
    ($( $method:ident $path:literal => $handler:path ),* $(,)?) => {
        /// This folder's routes: (method, path pattern with `{name}` segments).
        pub(crate) const ROUTES: &[(&str, &str)] = &[ $( (stringify!($method), $path) ),* ];

        /// Registers this folder's routes.
        pub(crate) fn mount(cfg: &mut ::actix_web::web::ServiceConfig) {
            $( cfg.route($path, ::actix_web::web::$method().to($handler)); )*
        }
    };
}

mod admin;
mod appointments;
mod archive;
mod clearance;
mod deliveries;
mod downloads;
mod emergency;
mod error;
mod excavation;
mod extract;
mod feedback;
mod field_reports;
mod forms;
mod html;
mod http;
mod map;
mod middleware;
mod ogc;
pub mod openapi;
mod ops;
mod owners;
mod routes;
mod search;
pub mod security;
mod subscriptions;
mod tiles;
mod web;

pub use error::ApiError;
pub use middleware::{data_as_of, method_not_allowed, DATA_AS_OF};
pub use routes::{allowed_methods, configure, MAX_BODY_BYTES, ROUTES};
pub use security::{gate, Caller, Security};
