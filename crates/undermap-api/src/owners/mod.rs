//! Network owners and the dig workflow: the owners' registry, an owner's inbox, owners'
//! answers to tickets and a ticket's versioned state, notification attempts, and the reasons
//! owed for emergency tickets.

mod handlers;
pub(crate) mod openapi;

routes! {
    get "/v1/owners" => handlers::list,
    get "/v1/owners/{id}" => handlers::get,
    put "/v1/owners/{id}" => handlers::put,
    get "/v1/owners/{id}/tickets" => handlers::inbox,
    post "/v1/excavation-checks/{id}/responses" => handlers::respond,
    get "/v1/excavation-checks/{id}/responses/files/{sha256}" => handlers::answer_file,
    get "/v1/excavation-checks/{id}/status" => handlers::status,
    get "/v1/excavation-checks/{id}/notifications" => handlers::attempts,
    post "/v1/excavation-checks/{id}/justification" => handlers::justify,
    get "/v1/emergency-tickets" => handlers::emergencies,
}
