//! Operations: liveness and readiness probes.

mod handlers;
pub(crate) mod openapi;

routes! {
    get "/healthz" => handlers::healthz,
    get "/readyz" => handlers::readyz,
}
