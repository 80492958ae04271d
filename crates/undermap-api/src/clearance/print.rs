//! `GET /clearance/{number}`: the printable clearance report (A4): a map of the route drawn
//! from the report itself (inline SVG) with the failing stretches in red, a table per conflict
//! citing the row it was judged by, and a QR code of the verification link. Chinese and English
//! side by side.

use std::fmt::Write as _;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use undermap_auth::Capability;
use undermap_clearance::Size;
use undermap_service::{ClearanceReport, ConflictOut, RuleOut, Service};

use crate::html::{esc, qr_svg, Frame, MAP_BOX, PRINT_CSP as CSP};
use crate::security::Caller;
use crate::ApiError;

fn verdict_colour(v: &str) -> &'static str {
    match v {
        "fail" => "#d7191c",
        "unknown" => "#f39c12",
        _ => "#1a9641",
    }
}

fn verdict_text(v: &str) -> &'static str {
    match v {
        "fail" => "不满足 fail",
        "unknown" => "无法判定 unknown",
        _ => "满足 pass",
    }
}

fn positions(g: &geojson::Geometry, f: Frame) -> Vec<Vec<(f64, f64)>> {
    let line = |l: &Vec<Vec<f64>>| l.iter().map(|p| f.at(p)).collect::<Vec<_>>();
    match &g.value {
        geojson::Value::Point(p) => vec![vec![f.at(p)]],
        geojson::Value::MultiPoint(ps) => ps.iter().map(|p| vec![f.at(p)]).collect(),
        geojson::Value::LineString(l) => vec![line(l)],
        geojson::Value::MultiLineString(m) | geojson::Value::Polygon(m) => {
            m.iter().map(line).collect()
        }
        geojson::Value::MultiPolygon(m) => m.iter().flatten().map(line).collect(),
        geojson::Value::GeometryCollection(_) => Vec::new(),
    }
}

/// The map: the route (blue), its failing stretches (red), the features listed (their
/// verdict's colour), the crossings (dots), framed on the route.
pub(super) fn map_svg(r: &ClearanceReport, frame: Frame) -> String {
    let route = positions(&r.route.0, frame);
    let pts: Vec<(f64, f64)> = route.iter().flatten().copied().collect();
    if pts.is_empty() {
        return String::new();
    }
    // A margin of a tenth of the route's extent, at least 20 m.
    let Some(projection) = frame.projection(&pts, 10.0, 20.0, 1.0) else {
        return String::new();
    };
    let at = |p: (f64, f64)| projection.at(p);
    let (w, h) = MAP_BOX;
    let path = |parts: &[Vec<(f64, f64)>]| {
        let mut d = String::new();
        for part in parts {
            for (i, p) in part.iter().enumerate() {
                let (x, y) = at(*p);
                let _ = write!(d, "{}{x:.2},{y:.2} ", if i == 0 { "M" } else { "L" });
            }
        }
        d
    };
    let mut s = format!(
        r##"<svg class="map" viewBox="0 0 {w} {h}" xmlns="http://www.w3.org/2000/svg"><rect width="{w}" height="{h}" fill="#fafafa"/>"##
    );
    for c in &r.conflicts {
        if let Some(g) = &c.geometry {
            let parts = positions(&g.0, frame);
            let colour = verdict_colour(&c.verdict);
            if parts.iter().all(|p| p.len() == 1) {
                for p in parts.iter().flatten() {
                    let (x, y) = at(*p);
                    let _ = write!(
                        s,
                        r#"<circle cx="{x:.2}" cy="{y:.2}" r="0.8" fill="{colour}"/>"#
                    );
                }
            } else {
                let _ = write!(
                    s,
                    r#"<path d="{}" fill="none" stroke="{colour}" stroke-width="0.5" stroke-opacity="0.8"/>"#,
                    path(&parts)
                );
            }
        }
    }
    let _ = write!(
        s,
        r##"<path d="{}" fill="none" stroke="#3388ff" stroke-width="1.2"/>"##,
        path(&route)
    );
    for span in &r.failing_spans {
        let _ = write!(
            s,
            r##"<path class="failing" d="{}" fill="none" stroke="#d7191c" stroke-width="2"/>"##,
            path(&positions(&span.geometry.0, frame))
        );
    }
    for c in &r.conflicts {
        for x in &c.crossings {
            let (px, py) = at(frame.at(&x.point));
            let _ = write!(
                s,
                r##"<circle cx="{px:.2}" cy="{py:.2}" r="1.4" fill="{}" stroke="#fff" stroke-width="0.3"/>"##,
                verdict_colour(&x.verdict)
            );
        }
    }
    s.push_str("</svg>");
    s
}

fn rule_text(rule: Option<&RuleOut>) -> String {
    rule.map_or_else(
        || "—".into(),
        |r| {
            format!(
                "{} m — {} [{}]{}",
                r.clearance_m,
                esc(&r.source),
                esc(&r.id),
                r.note
                    .as_deref()
                    .map(|n| format!(" ({})", esc(n)))
                    .unwrap_or_default()
            )
        },
    )
}

fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), |v| format!("{v:.2}"))
}

/// One conflict's table.
fn conflict_html(c: &ConflictOut) -> String {
    let name = c.feature_id.as_deref().map_or_else(
        || {
            format!(
                "受限 restricted — {}",
                esc(c.owner.as_deref().unwrap_or("owner"))
            )
        },
        esc,
    );
    let size = esc(&Size::label(c.diameter_mm, c.section.as_deref()).unwrap_or_else(|| "—".into()));
    let mut rows = String::new();
    if let Some(h) = &c.horizontal {
        let spans: Vec<String> = h.spans.iter().map(|[a, b]| format!("{a}–{b} m")).collect();
        let _ = write!(
            rows,
            "<tr><td>水平 horizontal</td><td>{at} m</td><td>{d:.2}</td><td>{req}</td><td style=\"color:{col}\"><b>{v}</b></td><td>{rule}</td><td>{why}{spans}{missing}</td></tr>",
            at = h.at_m,
            d = h.distance_m,
            req = opt(h.required_m),
            col = verdict_colour(&h.verdict),
            v = verdict_text(&h.verdict),
            rule = rule_text(h.rule.as_ref()),
            why = esc(&h.reason),
            spans = if spans.is_empty() { String::new() } else { format!("<br>区段 stretches: {}", spans.join(", ")) },
            missing = missing_html(&h.missing),
        );
    }
    for x in &c.crossings {
        let _ = write!(
            rows,
            "<tr><td>{what} ({angle}°)</td><td>{at} m</td><td>{d}</td><td>{req}</td><td style=\"color:{col}\"><b>{v}</b></td><td>{rule}</td><td>{why}<br>规划 planned {pt:.2}–{pb:.2} m, 现状 existing {et}–{eb} m{missing}</td></tr>",
            what = if x.connection { "连接 connection" } else { "垂直 vertical" },
            angle = x.angle_deg,
            at = x.at_m,
            d = opt(x.clear_m),
            req = opt(x.required_m),
            col = verdict_colour(&x.verdict),
            v = verdict_text(&x.verdict),
            rule = rule_text(x.rule.as_ref()),
            why = esc(&x.reason),
            pt = x.planned_top_m,
            pb = x.planned_bottom_m,
            et = opt(x.existing_top_m),
            eb = opt(x.existing_bottom_m),
            missing = missing_html(&x.missing),
        );
    }
    let mut notes = String::new();
    for n in &c.notes {
        let _ = write!(notes, "<li>{}</li>", esc(n));
    }
    format!(
        "<section class=\"conflict\"><h3><span class=\"verdict\" style=\"background:{col}\">{v}</span> {name} · {layer} · {size} · 权属 {owner}</h3>\
<table><thead><tr><th>净距 Clearance</th><th>位置 At</th><th>实际 Actual m</th><th>要求 Required m</th><th>结论 Verdict</th><th>依据 Rule</th><th>说明 Why</th></tr></thead><tbody>{rows}</tbody></table>{notes}</section>\n",
        col = verdict_colour(&c.verdict),
        v = verdict_text(&c.verdict),
        layer = esc(&c.layer),
        owner = esc(c.owner.as_deref().unwrap_or("—")),
        notes = if notes.is_empty() { String::new() } else { format!("<ul class=\"notes\">{notes}</ul>") },
    )
}

fn missing_html(missing: &[String]) -> String {
    if missing.is_empty() {
        String::new()
    } else {
        format!("<br><b>缺少 missing:</b> {}", esc(&missing.join(", ")))
    }
}

/// The page for one report.
pub(super) fn page(r: &ClearanceReport, verify_url: &str) -> String {
    let conflicts: String = r.conflicts.iter().map(conflict_html).collect();
    let p = &r.planned;
    let size = Size::label(p.diameter_mm, p.section.as_deref()).unwrap_or_default();
    let depths = if p
        .depth_top_m
        .windows(2)
        .all(|w| (w[0] - w[1]).abs() < 0.005)
    {
        format!(
            "{:.2} m",
            p.depth_top_m.first().copied().unwrap_or_default()
        )
    } else {
        let (lo, hi) = p
            .depth_top_m
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), d| (a.min(*d), b.max(*d)));
        format!("{lo:.2}–{hi:.2} m")
    };
    let signature = r.signature.as_ref().map_or("", |s| s.value.as_str());
    let spans: Vec<String> = r
        .failing_spans
        .iter()
        .map(|s| format!("{}–{} m", s.from_m, s.to_m))
        .collect();
    format!(
        r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{number} — 管线净距核查报告 Clearance report</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
@page {{ size: A4; margin: 12mm; }}
body {{ font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; color: #222; margin: 0 auto; max-width: 190mm; font-size: 10pt; }}
header {{ display: flex; justify-content: space-between; align-items: flex-start; border-bottom: 2px solid #222; }}
h1 {{ font-size: 16pt; margin: 0 0 2mm; }} h3 {{ font-size: 10.5pt; margin: 3mm 0 1mm; }}
.map {{ width: 100%; max-height: 120mm; border: 1px solid #999; margin: 3mm 0; }}
table {{ width: 100%; border-collapse: collapse; font-size: 8pt; }}
th, td {{ border: 1px solid #bbb; padding: 1mm 1.5mm; text-align: left; vertical-align: top; }}
th {{ background: #eee; }}
.verdict {{ color: #fff; padding: 0 1.5mm; border-radius: 1mm; }}
.overall {{ font-size: 13pt; }}
.qr svg {{ width: 34mm; height: 34mm; }}
.sig {{ font-family: monospace; font-size: 6.5pt; word-break: break-all; }}
dl {{ display: grid; grid-template-columns: max-content 1fr; gap: 0.5mm 4mm; margin: 2mm 0; }}
dt {{ font-weight: bold; }}
section.conflict, tr {{ break-inside: avoid; }}
.notes {{ font-size: 8pt; color: #555; margin: 1mm 0; }}
</style></head>
<body>
<header><div><h1>管线净距核查报告 Clearance report</h1>
<dl>
<dt>编号 Number</dt><dd>{number}</dd>
<dt>签发 Issued</dt><dd>{created} → {issued_to}</dd>
<dt>工程 Reference</dt><dd>{reference}</dd>
<dt>规划管线 Planned</dt><dd>{kind} {size}{pressure}{voltage}, 管顶埋深 depth of top {depths}, 长 length {length} m</dd>
<dt>净距表 Table</dt><dd>{table_title} (version {table_version})</dd>
<dt>数据截至 Data as of</dt><dd>{as_of}</dd>
<dt>结论 Result</dt><dd class="overall"><span class="verdict" style="background:{col}">{verdict}</span> — {features} 处 features: 满足 pass {pass}, 不满足 fail {fail}, 无法判定 unknown {unknown}; 交叉 crossings {crossings}</dd>
<dt>不满足区段 Failing stretches</dt><dd>{spans}</dd>
</dl></div>
<div class="qr">{qr}<div class="sig">{signature}</div></div></header>
{map}
<p>蓝线 route · <span style="color:#d7191c">红线 failing stretches</span> · 圆点 crossings (颜色为结论 coloured by verdict)</p>
<h2>逐项核查 Conflicts</h2>
{conflicts}
<p>“无法判定”表示所需属性未记录或净距表无对应条款，不能视为满足。“unknown” means a needed value is not recorded or the loaded table has no row for the pair: it is never a pass.
本报告依据上述日期的管线数据与净距表生成；扫描二维码核验签名。This report records what the map and the table held on the date above; scan the code to check its signature.</p>
</body></html>"#,
        number = esc(&r.number),
        created = r.created_at.format("%Y-%m-%d %H:%M:%S UTC"),
        issued_to = esc(r.issued_to.as_deref().unwrap_or("—")),
        reference = esc(r.reference.as_deref().unwrap_or("—")),
        kind = esc(&p.planned_type),
        pressure = p
            .pressure_class
            .as_deref()
            .map(|c| format!(", {}", esc(c)))
            .unwrap_or_default(),
        voltage = p
            .voltage_kv
            .map(|v| format!(", {v} kV"))
            .unwrap_or_default(),
        size = esc(&size),
        length = r.length_m,
        table_title = esc(&r.table.title),
        table_version = esc(&r.table.version),
        as_of = r.data_as_of.format("%Y-%m-%d %H:%M:%S UTC"),
        col = verdict_colour(&r.verdict),
        verdict = verdict_text(&r.verdict),
        features = r.counts.features,
        pass = r.counts.pass,
        fail = r.counts.fail,
        unknown = r.counts.unknown,
        crossings = r.counts.crossings,
        spans = if spans.is_empty() {
            "无 none".into()
        } else {
            spans.join(", ")
        },
        qr = if signature.is_empty() {
            String::new()
        } else {
            qr_svg(verify_url)
        },
        signature = esc(signature),
        map = map_svg(r, Frame::of(&r.crs)),
    )
}

/// `GET /clearance/{number}`: the printable report, for its holder (and roles that read every
/// ticket and report).
pub(crate) async fn report(
    service: web::Data<Service>,
    caller: Caller,
    req: HttpRequest,
    number: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::Read)?;
    let viewer = (!caller.can(Capability::Tickets)).then_some(caller.account.as_str());
    let r = service.clearance().report_parsed(&number, viewer).await?;
    let signature = r.signature.as_ref().map_or("", |s| s.value.as_str());
    let verify_url = format!(
        "{}/v1/clearance-checks/{}/verify?signature={}",
        crate::security::public_root(&req),
        r.number,
        percent_encoding::utf8_percent_encode(signature, percent_encoding::NON_ALPHANUMERIC)
    );
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .body(page(&r, &verify_url)))
}
