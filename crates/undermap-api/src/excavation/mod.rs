//! Excavation checks and their tickets: issue, read, list, verify, the public key and the print
//! page.

mod handlers;
pub(crate) mod openapi;
mod print;

routes! {
    get "/tickets/{id}" => print::ticket,
    post "/v1/excavation-checks" => handlers::create,
    get "/v1/excavation-checks" => handlers::list,
    get "/v1/excavation-checks/{id}" => handlers::get,
    get "/v1/excavation-checks/{id}/verify" => handlers::verify,
    get "/v1/tickets/public-key" => handlers::public_key,
}
