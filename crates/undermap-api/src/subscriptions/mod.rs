//! Subscriptions: making, listing and deleting them, and their Atom feeds, read by the feed's
//! key alone (no account: a feed reader or another system holds the key).

mod handlers;
pub(crate) mod openapi;

routes! {
    post "/v1/subscriptions" => handlers::create,
    get "/v1/subscriptions" => handlers::list,
    delete "/v1/subscriptions/{id}" => handlers::delete,
    get "/v1/feeds/{key}" => handlers::feed,
}
