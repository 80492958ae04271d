//! Emergency: what an incident affects, isolation and downstream traces, network quality, and
//! the resilience records (nearby history, nearest resources, hotspots).

mod incidents;
pub(crate) mod openapi;
mod quality;
mod resilience;

routes! {
    post "/v1/incidents/impact" => incidents::impact,
    post "/v1/incidents/isolation" => incidents::isolation,
    post "/v1/incidents/downstream" => incidents::downstream,
    get "/v1/quality" => quality::quality,
    get "/v1/incidents/nearby-history" => resilience::nearby_history,
    get "/v1/resources/nearest" => resilience::nearest_resources,
    get "/v1/risk/hotspots" => resilience::hotspots,
}
