//! `GET /tickets/{id}`: the printable ticket (A4, print CSS) for the site: a map of the area
//! drawn from the ticket itself (inline SVG, no tiles or network needed), the hits coloured by
//! risk, the owners to call, the validity, the data's as-of date, and a QR code with the
//! ticket number and its signature for checking it on site. Chinese and English side by side.

use std::fmt::Write as _;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::Value;
use undermap_auth::Capability;
use undermap_service::Service;

use crate::html::{esc, qr_svg, text, PRINT_CSP as CSP};
use crate::security::Caller;
use crate::ApiError;

mod map;
mod sections;

use map::{map_svg, risk_colour};
use sections::{answers_html, emergency_html, precautions_html};

/// An RFC 3339 instant as `2026-12-01 16:31:31 UTC`.
pub(super) fn time(v: &Value) -> String {
    v.as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map_or_else(
            || text(v),
            |t| {
                t.with_timezone(&chrono::Utc)
                    .format("%Y-%m-%d %H:%M:%S UTC")
                    .to_string()
            },
        )
}

/// The page for one ticket, with its owners' answers so far (`status`, `null` when unknown).
fn page(ticket: &Value, status: &Value, verify_url: &str) -> String {
    let id = text(&ticket["id"]);
    let summary = &ticket["summary"];
    let mut rows = String::new();
    for h in ticket["hits"].as_array().into_iter().flatten() {
        let risk = h["risk"].as_str().unwrap_or("low");
        let size = if h["diameter_mm"].is_null() {
            text(&h["section"])
        } else {
            format!("DN{}", text(&h["diameter_mm"]))
        };
        let _ = write!(
            rows,
            "<tr><td><span class=\"risk\" style=\"background:{}\">{}</span></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            risk_colour(risk),
            esc(risk),
            text(&h["layer"]),
            text(&h["kind"]),
            text(&h["feature_id"]),
            size,
            text(&h["depth_top_m"]),
            text(&h["distance_m"]),
            text(&h["owner"]),
            text(&h["contact"]),
        );
    }
    let mut owners = String::new();
    for o in ticket["owners"].as_array().into_iter().flatten() {
        let _ = write!(
            owners,
            "<li><b>{}</b> {} — {} / {}</li>",
            text(&o["name"]),
            text(&o["contact"]),
            text(&o["assets"]),
            text(&o["highest_risk"]),
        );
    }
    let mut projects = String::new();
    for p in ticket["archive_projects"].as_array().into_iter().flatten() {
        let _ = write!(
            projects,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            text(&p["code"]),
            text(&p["name"]),
            text(&p["unit"]),
            text(&p["status"]),
            text(&p["distance_m"]),
        );
    }
    if projects.is_empty() {
        projects.push_str(r#"<tr><td colspan="5">无 none</td></tr>"#);
    }
    let signature = ticket["signature"]["value"].as_str().unwrap_or("");
    let qr = if signature.is_empty() {
        String::from("<p>未签名 / not signed</p>")
    } else {
        qr_svg(verify_url)
    };
    format!(
        r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{id} — 开挖核查单 Excavation check</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
@page {{ size: A4; margin: 12mm; }}
body {{ font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; color: #222; margin: 0 auto; max-width: 190mm; font-size: 10pt; }}
header {{ display: flex; justify-content: space-between; align-items: flex-start; border-bottom: 2px solid #222; }}
h1 {{ font-size: 16pt; margin: 0 0 2mm; }}
.map {{ width: 100%; max-height: 110mm; border: 1px solid #999; margin: 3mm 0; }}
table {{ width: 100%; border-collapse: collapse; font-size: 8.5pt; }}
th, td {{ border: 1px solid #bbb; padding: 1mm 1.5mm; text-align: left; }}
th {{ background: #eee; }}
.risk {{ color: #fff; padding: 0 1.5mm; border-radius: 1mm; }}
.qr svg {{ width: 34mm; height: 34mm; }}
.sig {{ font-family: monospace; font-size: 6.5pt; word-break: break-all; }}
dl {{ display: grid; grid-template-columns: max-content 1fr; gap: 0.5mm 4mm; margin: 2mm 0; }}
dt {{ font-weight: bold; }}
tr {{ break-inside: avoid; }}
.notice {{ border: 2px solid #d7191c; color: #d7191c; font-weight: bold; padding: 2mm; margin: 2mm 0; }}
.legend span {{ display: inline-block; width: 8mm; height: 1.2mm; vertical-align: middle; border: 1px solid transparent; margin-left: 3mm; }}
@media print {{ .noprint {{ display: none; }} }}
</style></head>
<body>
<header><div><h1>开挖核查单 Excavation check ticket</h1>
<dl>
<dt>编号 Number</dt><dd>{id}</dd>
<dt>签发 Issued</dt><dd>{created} → {issued_to}</dd>
<dt>类型 Type</dt><dd>{kind}</dd>{start}
<dt>有效期至 Valid until</dt><dd><b>{valid_until}</b></dd>
<dt>数据截至 Data as of</dt><dd>{as_of}{stale}</dd>
<dt>工程编号 Reference</dt><dd>{reference}</dd>
<dt>范围 Area</dt><dd>{area_m2} m², 缓冲 buffer {buffer} m, 开挖深度 depth {depth} m</dd>
<dt>结果 Result</dt><dd>{total} 处 hits: 高 high {high}, 中 medium {medium}, 低 low {low}</dd>
</dl></div>
<div class="qr">{qr}<div class="sig">{signature}</div></div></header>
{notice}{map}
<p class="legend"><span style="border-color:#3388ff;border-style:dashed">&nbsp;&nbsp;&nbsp;&nbsp;</span> 开挖范围 area
<span style="background:#d7191c"></span> 高 high <span style="background:#fd8d3c"></span> 中 medium
<span style="background:#1a9641"></span> 低 low (虚线为规划红线与用地 / dashed: planning lines and zones)</p>
<h2>管线与设施 Hits</h2>
<table><thead><tr><th>风险 Risk</th><th>图层 Layer</th><th>类型 Kind</th><th>编号 Id</th><th>规格 Size</th><th>埋深 Depth m</th><th>距离 Distance m</th><th>权属 Owner</th><th>电话 Contact</th></tr></thead>
<tbody>{rows}</tbody></table>
<h2>联系权属单位 Owners to call</h2><ul>{owners}</ul>
{emergency}{answers}{precautions}
<h2>城建档案 Archive projects here (as-built drawings)</h2>
<table><thead><tr><th>项目代码 Project</th><th>名称 Name</th><th>建设单位 Construction unit</th><th>状态 Status</th><th>距离 Distance m</th></tr></thead>
<tbody>{projects}</tbody></table>
<p>开挖前须通知上述单位并现场确认。This ticket records what the city's map held on the date above; call every owner before digging and confirm on site.
扫描二维码或使用 <code>undermap verify-ticket</code> 核验签名 / scan the code or run <code>undermap verify-ticket</code> to check the signature.</p>
</body></html>"#,
        created = time(&ticket["created_at"]),
        issued_to = text(&ticket["issued_to"]),
        valid_until = text(&ticket["valid_until"]),
        kind = match ticket["type"].as_str() {
            Some("orientation") => "规划设计 orientation — 不得据此开挖 no dig",
            Some("emergency") => "紧急抢修 emergency",
            _ => "开挖 dig",
        },
        start = if ticket["planned_start"].is_string() {
            format!(
                "\n<dt>计划开工 Planned start</dt><dd>{}</dd>",
                text(&ticket["planned_start"])
            )
        } else {
            String::new()
        },
        notice = if ticket["notice"].is_object() {
            format!(
                "<p class=\"notice\">{}<br>{}</p>\n",
                text(&ticket["notice"]["zh"]),
                text(&ticket["notice"]["en"])
            )
        } else {
            String::new()
        },
        as_of = time(&ticket["data_as_of"]),
        stale = if ticket["stale"] == true {
            " — 数据可能滞后 data may be behind"
        } else {
            ""
        },
        reference = text(&ticket["reference"]),
        area_m2 = text(&ticket["area_m2"]),
        buffer = text(&ticket["buffer_m"]),
        depth = text(&ticket["depth_m"]),
        total = text(&summary["total"]),
        high = text(&summary["by_risk"]["high"]),
        medium = text(&summary["by_risk"]["medium"]),
        low = text(&summary["by_risk"]["low"]),
        signature = esc(signature),
        map = map_svg(ticket),
        emergency = emergency_html(ticket),
        answers = answers_html(ticket, status),
        precautions = precautions_html(ticket),
    )
}

/// `GET /tickets/{id}`: the printable ticket, for its holder (and roles that read every ticket).
#[tracing::instrument(skip(service, caller, req), fields(account = %caller.account))]
pub(crate) async fn ticket(
    service: web::Data<Service>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Read)?;
    let viewer = (!caller.can(Capability::Tickets)).then_some(caller.account.as_str());
    let (ticket_id, body) = service.excavation().ticket_json(&id, viewer).await?;
    // The answers so far; a store that cannot say (a copy made before owners answered) prints
    // the ticket without them.
    let asker = undermap_service::Asker {
        account: &caller.account,
        all: true,
    };
    let status = match service
        .owners()
        .status(&ticket_id.to_string(), asker, chrono::Utc::now())
        .await
    {
        Ok(s) => serde_json::to_value(s).unwrap_or_default(),
        Err(e) => {
            tracing::warn!(error = %e, "the ticket's answers are not printed");
            Value::Null
        }
    };
    let signature = body["signature"]["value"].as_str().unwrap_or("");
    let verify_url = format!(
        "{}/v1/excavation-checks/{}/verify?signature={}",
        crate::security::public_root(&req),
        ticket_id,
        percent_encoding::utf8_percent_encode(signature, percent_encoding::NON_ALPHANUMERIC)
    );
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .body(page(&body, &status, &verify_url)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_page_escapes_what_the_ticket_holds_and_draws_the_hits() {
        let ticket = json!({
            "id": "EC-2026-000001", "crs": "OGC:CRS84", "reference": "<script>alert(1)</script>",
            "area": {"type": "Polygon", "coordinates": [[[108.0, 28.0], [108.001, 28.0], [108.001, 28.001], [108.0, 28.0]]]},
            "hits": [{"risk": "high", "layer": "gas", "kind": "pipe", "feature_id": "G-1", "owner": "燃气公司",
                      "geometry": {"type": "LineString", "coordinates": [[108.0, 28.0005], [108.001, 28.0005]]}}],
            "owners": [{"name": "燃气公司", "contact": "023", "assets": 1, "highest_risk": "high"}],
            "archive_projects": [{"code": "2025-500103-48-01-000001", "name": "<b>解放碑改造</b>", "unit": "建设公司",
                                  "status": "filed", "distance_m": 0.0, "category": "municipal_pipeline"}],
            "summary": {"total": 1, "by_risk": {"high": 1, "medium": 0, "low": 0}},
            "signature": {"value": "c2ln"}, "type": "emergency",
            "precautions": [{"layer": "gas_precautions", "owner": "燃气公司", "contact": "023", "says": {"en": "Hand dig only within 1 m.", "zh": "1 米范围内须人工开挖。"}, "note": "<中压>"}],
            "emergency": {"high_pressure_gas": true, "high_voltage": false, "justify_by": "2026-12-08T16:00:00Z",
                          "owners": [{"name": "燃气公司", "emergency_phone": "<110>", "registered": true}]}
        });
        let status = json!({"state": "waiting", "owners": [{"name": "燃气公司", "assets": 1, "code": null}]});
        let html = page(
            &ticket,
            &status,
            "https://example/v1/excavation-checks/EC-2026-000001/verify?signature=c2ln",
        );
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;"));
        assert!(
            html.contains("stroke=\"#d7191c\""),
            "the high-risk gas main is drawn red"
        );
        assert!(html.contains("<svg") && html.contains("燃气公司"));
        assert!(!html.contains("<?xml"));
        assert!(
            html.contains("紧急抢修")
                && html.contains("&lt;110&gt;")
                && html.contains("high-pressure gas present")
        );
        assert!(
            html.contains("未答复 no answer yet") && !html.contains("high-voltage power present")
        );
        assert!(
            html.contains("2025-500103-48-01-000001") && html.contains("&lt;b&gt;解放碑改造"),
            "the archive projects are listed, escaped"
        );
    }
}
