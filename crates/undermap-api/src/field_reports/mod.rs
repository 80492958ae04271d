//! Field reports: filing one from site (JSON, or a form with photos), reading them, an owner's
//! claim, a report's photos, and the strike statistics (JSON or CSV).

mod handlers;
pub(crate) mod openapi;

routes! {
    post "/v1/field-reports" => handlers::create,
    get "/v1/field-reports" => handlers::list,
    get "/v1/field-reports/stats" => handlers::stats,
    get "/v1/field-reports/{id}" => handlers::get,
    post "/v1/field-reports/{id}/claim" => handlers::claim,
    get "/v1/field-reports/{id}/photos/{sha256}" => handlers::photo,
}
