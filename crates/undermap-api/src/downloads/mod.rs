//! Downloads by access level: a file's level, requests to download files on request, the
//! archivists' decisions, and the approved requests' links.

mod handlers;
pub(crate) mod openapi;

routes! {
    put "/v1/projects/{code}/files/{sha256}/access" => handlers::set_access,
    post "/v1/download-requests" => handlers::request,
    get "/v1/download-requests" => handlers::list,
    get "/v1/download-requests/{id}" => handlers::get,
    post "/v1/download-requests/{id}/decision" => handlers::decide,
    get "/v1/download-requests/{id}/file" => handlers::file,
}
