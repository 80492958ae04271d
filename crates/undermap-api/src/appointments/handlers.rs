use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use undermap_auth::Capability;
use undermap_service::{BookingInput, Service, Visitor};
use undermap_store::AppointmentRecord;

use crate::http::day_opt;
use crate::security::{noted, Caller};
use crate::ApiError;

pub(super) fn visitor(caller: &Caller) -> Result<Visitor<'_>, ApiError> {
    caller.require(Capability::Read)?;
    Ok(Visitor {
        account: &caller.account,
        staff: caller.can(Capability::Archive),
    })
}

pub(super) fn staff(caller: &Caller) -> Result<(), ApiError> {
    caller.require(Capability::Archive)
}

/// An appointment with the links to itself and its calendar event.
fn with_links(req: &HttpRequest, a: &AppointmentRecord) -> serde_json::Value {
    let base = format!("{}/v1/appointments/{}", crate::http::root(req), a.number);
    let mut v = serde_json::to_value(a).unwrap_or_default();
    v["links"] = serde_json::json!([
        { "rel": "self", "type": "application/json", "href": base },
        { "rel": "alternate", "type": "text/calendar", "title": "iCalendar", "href": format!("{base}/calendar.ics") },
    ]);
    v
}

/// Query of `GET /v1/appointments/slots`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SlotsQuery {
    from: Option<String>,
    to: Option<String>,
}

/// `GET /v1/appointments/slots?from=&to=`: the window's days (two weeks from today by
/// default, at most 62), each slot with its places left and whether it may be booked now, and
/// whether the caller is the window's staff.
pub(crate) async fn slots(
    service: web::Data<Service>,
    caller: Caller,
    query: web::Query<SlotsQuery>,
) -> Result<HttpResponse, ApiError> {
    let who = visitor(&caller)?;
    let from = day_opt("from", query.from.as_deref())?;
    let to = day_opt("to", query.to.as_deref())?;
    let window = service.appointments().days(from, to).await?;
    // `staff`: whether the caller keeps the window (its day lists and who came).
    let mut body = serde_json::to_value(&window).unwrap_or_default();
    body["staff"] = serde_json::Value::Bool(who.staff);
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body))
}

/// `POST /v1/appointments`: books a place (201 with the appointment and its calendar link;
/// 409 when the slot is full, naming the slots still free that day).
#[tracing::instrument(skip(service, caller, req, body), fields(account = %caller.account))]
pub(crate) async fn book(
    service: web::Data<Service>,
    caller: Caller,
    req: HttpRequest,
    body: web::Json<BookingInput>,
) -> Result<HttpResponse, ApiError> {
    let who = visitor(&caller)?;
    let a = service.appointments().book(body.into_inner(), who).await?;
    let detail = format!("appointment {} for {}T{}", a.number, a.date, a.start);
    let location = format!("/v1/appointments/{}", a.number);
    Ok(noted(
        HttpResponse::Created()
            .insert_header((header::LOCATION, location))
            .json(with_links(&req, &a)),
        detail,
    ))
}

/// `GET /v1/appointments`: the caller's appointments from today on, booked and cancelled.
pub(crate) async fn list(
    service: web::Data<Service>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let who = visitor(&caller)?;
    let items = service.appointments().mine(who.account).await?;
    let items: Vec<_> = items.iter().map(|a| with_links(&req, a)).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "appointments": items })))
}

/// `GET /v1/appointments/{number}`: one appointment, to its booker and the archive's staff.
pub(crate) async fn get(
    service: web::Data<Service>,
    caller: Caller,
    req: HttpRequest,
    number: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let a = service
        .appointments()
        .get(&number, visitor(&caller)?)
        .await?;
    Ok(HttpResponse::Ok().json(with_links(&req, &a)))
}

/// `GET /v1/appointments/{number}/calendar.ics`: the appointment as an iCalendar event (a
/// moved or cancelled one updates the event a calendar imported).
pub(crate) async fn calendar(
    service: web::Data<Service>,
    caller: Caller,
    req: HttpRequest,
    number: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let appointments = service.appointments();
    let a = appointments.get(&number, visitor(&caller)?).await?;
    let body = appointments.ics(&a, &crate::http::root(&req));
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}.ics\"", a.number),
        ))
        .body(body))
}

/// `POST /v1/appointments/{number}/cancel`: cancels it before its slot begins, freeing the
/// place.
#[tracing::instrument(skip(service, caller, req), fields(account = %caller.account))]
pub(crate) async fn cancel(
    service: web::Data<Service>,
    caller: Caller,
    req: HttpRequest,
    number: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let a = service
        .appointments()
        .cancel(&number, visitor(&caller)?)
        .await?;
    let detail = format!("appointment {} cancelled", a.number);
    Ok(noted(HttpResponse::Ok().json(with_links(&req, &a)), detail))
}

/// Body of `POST /v1/appointments/{number}/reschedule`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RescheduleInput {
    slot: String,
}

/// `POST /v1/appointments/{number}/reschedule`: moves it to another slot with a place.
#[tracing::instrument(skip(service, caller, req, body), fields(account = %caller.account))]
pub(crate) async fn reschedule(
    service: web::Data<Service>,
    caller: Caller,
    req: HttpRequest,
    number: web::Path<String>,
    body: web::Json<RescheduleInput>,
) -> Result<HttpResponse, ApiError> {
    let a = service
        .appointments()
        .reschedule(&number, &body.slot, visitor(&caller)?)
        .await?;
    let detail = format!("appointment {} moved to {}T{}", a.number, a.date, a.start);
    Ok(noted(HttpResponse::Ok().json(with_links(&req, &a)), detail))
}

/// Body of `POST /v1/appointments/{number}/attendance`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AttendanceInput {
    attended: bool,
}

/// `POST /v1/appointments/{number}/attendance {attended}`: the window's staff mark who came,
/// from the appointment's day on.
#[tracing::instrument(skip(service, caller, req, body), fields(account = %caller.account))]
pub(crate) async fn attendance(
    service: web::Data<Service>,
    caller: Caller,
    req: HttpRequest,
    number: web::Path<String>,
    body: web::Json<AttendanceInput>,
) -> Result<HttpResponse, ApiError> {
    staff(&caller)?;
    let a = service
        .appointments()
        .attendance(&number, body.attended, visitor(&caller)?)
        .await?;
    let detail = format!("appointment {} {}", a.number, a.status);
    Ok(noted(HttpResponse::Ok().json(with_links(&req, &a)), detail))
}

/// `GET /v1/appointments/day/{date}`: the window's list for a day (the archive's staff): every
/// visitor not cancelled, by slot, with whether they came once marked.
pub(crate) async fn day(
    service: web::Data<Service>,
    caller: Caller,
    req: HttpRequest,
    day: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    staff(&caller)?;
    let date = crate::http::day("date", &day)?;
    let items = service.appointments().day_list(date).await?;
    let items: Vec<_> = items.iter().map(|a| with_links(&req, a)).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "date": date, "appointments": items })))
}
