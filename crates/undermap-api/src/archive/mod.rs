//! The construction-project archive: projects and their events, files, deadlines, the code
//! lists, the construction units' credit record, and paper records being digitised.

mod bundles;
pub(crate) mod files;
mod notice;
pub(crate) mod openapi;
mod projects;
mod records;
pub(crate) mod scope;
mod units;

routes! {
    get "/v1/archive/categories" => projects::categories,
    get "/v1/archive/stats" => records::stats,
    get "/v1/archive/evaluation" => projects::evaluation,
    post "/v1/archive/evaluation" => projects::evaluate,
    post "/v1/archive/records" => records::create,
    get "/v1/archive/records" => records::list,
    get "/v1/archive/records/{number}" => records::get,
    post "/v1/archive/records/{number}/scans" => records::scan,
    post "/v1/projects" => projects::create,
    get "/v1/projects" => projects::list,
    post "/v1/projects/intake" => projects::intake,
    get "/v1/projects/overdue" => projects::overdue,
    get "/v1/projects/{code}" => projects::get,
    post "/v1/projects/{code}/events" => projects::record_event,
    get "/v1/projects/{code}/checklist" => files::checklist,
    get "/v1/projects/{code}/notice" => notice::notice,
    post "/v1/projects/{code}/files" => files::upload,
    get "/v1/projects/{code}/bundle.zip" => bundles::project,
    post "/v1/bundles" => bundles::files,
    get "/v1/files/{sha256}" => files::download,
    get "/v1/construction-units" => units::list,
    get "/v1/construction-units/{credit_code}" => units::get,
}
