//! The web map: its page and its bundled files.

mod assets;
pub(crate) mod openapi;

routes! {
    get "/" => assets::index,
    get "/web/{file}" => assets::asset,
}
