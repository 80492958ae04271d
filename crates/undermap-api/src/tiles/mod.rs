//! Vector tiles, TileJSON and the default map style.

mod handlers;
pub(crate) mod openapi;

routes! {
    get "/tiles/{name}" => handlers::tilejson,
    get "/tiles/{layer}/{z}/{x}/{y}" => handlers::tile,
    get "/styles/default.json" => handlers::style,
}
