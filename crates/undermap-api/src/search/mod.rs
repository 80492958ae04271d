//! The archive search: projects, files and map features in one ranked list.

mod handlers;
pub(crate) mod openapi;

routes! {
    get "/v1/archive/search" => handlers::search,
}
