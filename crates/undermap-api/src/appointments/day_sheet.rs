//! The window's day list as a printable page: one row per booked visitor, by slot, with what
//! to have ready and a column to sign.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use undermap_archive::Wanted;
use undermap_service::Service;

use super::handlers::staff;
use crate::html::{esc, PRINT_CSP};
use crate::security::Caller;
use crate::ApiError;

fn wanted(w: &Wanted) -> String {
    match w {
        Wanted::Project(code) => format!("项目 {code}"),
        Wanted::Record(n) => format!("档案 {n}"),
        Wanted::File(h) => format!("文件 {}…", &h[..12.min(h.len())]),
    }
}

/// `GET /v1/appointments/day/{date}/print`: the day list to print (the archive's staff).
pub(crate) async fn print(
    service: web::Data<Service>,
    caller: Caller,
    day: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    staff(&caller)?;
    let date = crate::http::day("date", &day)?;
    let appointments = service.appointments();
    let list = appointments.day_list(date).await?;
    let window = appointments.days(Some(date), Some(date)).await?;
    let mut rows = String::new();
    for a in &list {
        rows.push_str(&format!(
            "<tr><td>{}–{}</td><td>{}</td><td>{}<br><small>{}</small></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&a.start),
            esc(&a.end),
            esc(&a.number),
            esc(&a.name),
            esc(a.phone.as_deref().unwrap_or("")),
            esc(&a.purpose),
            a.wanted.iter().map(|w| esc(&wanted(w))).collect::<Vec<_>>().join("<br>"),
            match a.status.as_str() {
                "attended" => "✓ 已到 came",
                "no_show" => "✗ 未到 no-show",
                _ => "",
            },
        ));
    }
    if list.is_empty() {
        rows.push_str("<tr><td colspan=\"6\">无预约 No appointments</td></tr>");
    }
    let html = format!(
        "<!doctype html><html lang=\"zh\"><head><meta charset=\"utf-8\"><title>{name} {date}</title>\
<style>body{{font-family:'Noto Sans CJK SC',sans-serif;margin:2em}}table{{border-collapse:collapse;width:100%}}\
td,th{{border:1px solid #444;padding:4px 6px;vertical-align:top;text-align:left}}th{{background:#eee}}\
td:last-child{{width:7em}}@media print{{body{{margin:0}}}}</style></head><body>\
<h1>{name}</h1><p>{address} · {date} · 预约 {n} 人 ({n} booked)</p>\
<table><thead><tr><th>时段 Slot</th><th>预约号 Number</th><th>姓名 Name</th><th>事由 Purpose</th>\
<th>调阅 Wanted</th><th>签到 Signed</th></tr></thead><tbody>{rows}</tbody></table></body></html>",
        name = esc(&window.name),
        address = esc(&window.address),
        n = list.len(),
    );
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, PRINT_CSP))
        .body(html))
}
