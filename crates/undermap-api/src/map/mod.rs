//! The map: layers, a feature (now or at a past moment), its history, the nearest features.

mod features;
mod layers;
mod nearest;
pub(crate) mod openapi;

routes! {
    get "/v1/layers" => layers::list,
    get "/v1/features/{id}" => features::get,
    get "/v1/features/{id}/history" => features::history,
    get "/v1/nearest" => nearest::get,
}
