//! Planned routes: clearance checks against GB 50289 (numbered, signed reports; the printable
//! page; verification), the loaded clearance table, and cross-sections.

mod handlers;
pub(crate) mod openapi;
mod print;

routes! {
    get "/clearance/{number}" => print::report,
    post "/v1/clearance-checks" => handlers::create,
    get "/v1/clearance-checks" => handlers::list,
    get "/v1/clearance-checks/{number}" => handlers::get,
    get "/v1/clearance-checks/{number}/verify" => handlers::verify,
    get "/v1/clearance-table" => handlers::table,
    get "/v1/cross-section" => handlers::cross_section,
}
