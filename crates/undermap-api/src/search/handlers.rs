use actix_web::{web, HttpResponse};
use undermap_service::{SearchQuery, Service};

use crate::archive::scope;
use crate::security::Caller;
use crate::ApiError;

/// `GET /v1/archive/search?q=&bbox=&category=&from=&to=&kind=&limit=`: the best hits, with the
/// match marked, and counts by kind, category and year. Files are listed to those who may
/// download them or ask for them; map features as the caller's view shows them.
#[tracing::instrument(skip(service, caller), fields(account = %caller.account))]
pub(crate) async fn search(
    service: web::Data<Service>,
    caller: Caller,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, ApiError> {
    let reader = scope::reader(&caller)?;
    let results = service.search().run(&query, &reader, &caller.view).await?;
    Ok(HttpResponse::Ok().json(results))
}
