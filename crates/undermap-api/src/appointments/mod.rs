//! Appointments at the archive's service window: its slots with the places left, booking,
//! cancelling and moving, each appointment as an iCalendar event, and the window's day list
//! for the staff (JSON, and a printable page).

mod day_sheet;
mod handlers;
pub(crate) mod openapi;

routes! {
    get "/v1/appointments/slots" => handlers::slots,
    get "/v1/appointments" => handlers::list,
    post "/v1/appointments" => handlers::book,
    get "/v1/appointments/day/{date}" => handlers::day,
    get "/v1/appointments/day/{date}/print" => day_sheet::print,
    get "/v1/appointments/{number}" => handlers::get,
    get "/v1/appointments/{number}/calendar.ics" => handlers::calendar,
    post "/v1/appointments/{number}/cancel" => handlers::cancel,
    post "/v1/appointments/{number}/reschedule" => handlers::reschedule,
    post "/v1/appointments/{number}/attendance" => handlers::attendance,
}
