//! Deliveries: a department's files uploaded and loaded, as `undermap ingest` does.

mod handlers;
pub(crate) mod openapi;

routes! {
    post "/v1/deliveries" => handlers::create,
}
