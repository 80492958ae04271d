//! OGC API – Features: landing page, conformance, the API document, collections, queryables,
//! schemas and items.

mod handlers;
pub(crate) mod openapi;

routes! {
    get "/ogc" => handlers::landing,
    get "/ogc/" => handlers::landing,
    get "/ogc/conformance" => handlers::conformance,
    get "/ogc/api" => handlers::api,
    get "/ogc/collections" => handlers::collections,
    get "/ogc/collections/{id}" => handlers::collection,
    get "/ogc/collections/{id}/queryables" => handlers::queryables,
    get "/ogc/collections/{id}/schema" => handlers::schema,
    get "/ogc/collections/{id}/items" => handlers::items,
    get "/ogc/collections/{id}/items/{feature}" => handlers::item,
}
