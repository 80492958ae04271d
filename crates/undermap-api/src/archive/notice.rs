//! The printable filing notice (归档告知书) of a project: what the construction unit must hand
//! over, in which formats, by when, and the deadlines the archive holds it to — one A4 page
//! drawn from the recorded `notice_issued` event, the project's checklist and the deployment's
//! rules, for the archive office to sign and the unit to countersign.

use std::fmt::Write as _;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use undermap_service::{ProjectPage, Service, ServiceError};

use super::scope;
use crate::html::{esc, text, PRINT_CSP};
use crate::security::Caller;
use crate::ApiError;

/// `GET /v1/projects/{code}/notice`: the filing notice as a printable page; 404 until one is
/// issued. The archive office, the roles that read the archive, and the project's own unit.
#[tracing::instrument(skip(service, caller), fields(account = %caller.account))]
pub(crate) async fn notice(
    service: web::Data<Service>,
    caller: Caller,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let scope = scope::reading(&caller)?;
    let page = service.archive().page(&code, &scope, None).await?;
    let config = &service.config().archive;
    let before_filing = config
        .catalogue
        .project_category(&page.project.category)
        .map(|c| c.before_filing.clone())
        .unwrap_or_default();
    let rules = Deadlines {
        guidance_every_days: config.rules.guidance_every_days,
        handover_within_months: config.rules.handover_within_months,
    };
    let html = render(&page, &rules, &before_filing).ok_or_else(|| ServiceError::NotFound {
        what: format!("filing notice of project {code} (none is issued yet)"),
    })?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, PRINT_CSP))
        .body(html))
}

/// The deployment's deadlines the notice states.
struct Deadlines {
    guidance_every_days: u32,
    handover_within_months: u32,
}

/// The page, or `None` when the project has no notice.
fn render(page: &ProjectPage, rules: &Deadlines, before_filing: &[String]) -> Option<String> {
    let notice = page.timeline.iter().find_map(|e| {
        let body = serde_json::to_value(e).ok()?;
        (body["type"] == "notice_issued").then_some(body)
    })?;
    let (seq, date, scope) = (&notice["seq"], &notice["date"], &notice["scope"]);
    let formats: Vec<&str> = notice["formats"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(serde_json::Value::as_str)
        .collect();
    let deadline = notice["deadline"].as_str();
    let p = &page.project;
    let mut rows = String::new();
    for item in &page.checklist.items {
        let _ = write!(
            rows,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&item.name),
            esc(&item.name_en),
            if item.required {
                "必交 required"
            } else {
                "可交 optional"
            },
            if before_filing.contains(&item.category) {
                "备案前 before filing"
            } else {
                "移交时 at hand-over"
            },
        );
    }
    let formats = if formats.is_empty() {
        "PDF/A（文字材料 documents）、DWG/DXF 与 GeoPackage（竣工图与管线测量成果 drawings and surveys）".to_owned()
    } else {
        esc(&formats.join("、"))
    };
    let deadline = deadline.map_or_else(
        || {
            format!(
                "竣工验收合格后 {m} 个月内 / within {m} months of a passed acceptance",
                m = rules.handover_within_months
            )
        },
        |d| format!("{}（最迟 at the latest）", esc(d)),
    );
    let opt = |d: Option<chrono::NaiveDate>| d.map_or_else(|| "—".to_owned(), |d| d.to_string());
    Some(format!(
        r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{code} — 建设工程档案归档告知书 Filing notice</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
@page {{ size: A4; margin: 15mm; }}
body {{ font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; color: #222; margin: 0 auto; max-width: 180mm; font-size: 10.5pt; }}
h1 {{ text-align: center; font-size: 17pt; margin: 0 0 1mm; }}
.sub {{ text-align: center; margin: 0 0 4mm; color: #555; }}
dl {{ display: grid; grid-template-columns: max-content 1fr; gap: 0.8mm 4mm; }}
dt {{ font-weight: bold; }}
table {{ width: 100%; border-collapse: collapse; font-size: 9.5pt; margin: 2mm 0; }}
th, td {{ border: 1px solid #999; padding: 1mm 1.5mm; text-align: left; }}
th {{ background: #eee; }}
ol li {{ margin: 1mm 0; }}
.sign {{ display: flex; justify-content: space-between; margin-top: 12mm; }}
.sign div {{ width: 45%; border-top: 1px solid #222; padding-top: 2mm; }}
tr {{ break-inside: avoid; }}
</style></head>
<body>
<h1>建设工程档案归档告知书</h1>
<p class="sub">Filing notice · 编号 No. {code}-N{seq} · 签发日期 Issued {date}</p>
<dl>
<dt>项目代码 Project</dt><dd>{code}</dd>
<dt>项目名称 Name</dt><dd>{name}</dd>
<dt>工程类别 Category</dt><dd>{category} / {category_en}</dd>
<dt>建设单位 Construction unit</dt><dd>{unit}（统一社会信用代码 {credit}）</dd>
<dt>施工许可 Permit</dt><dd>{permit}</dd>
<dt>计划工期 Planned</dt><dd>{start} → {end}</dd>
</dl>
<h2>归档范围 Scope</h2>
<p>{scope}</p>
<table><thead><tr><th>文件类别</th><th>File category</th><th>要求 Requirement</th><th>时限 When</th></tr></thead>
<tbody>{rows}</tbody></table>
<h2>格式与期限 Formats and deadlines</h2>
<ol>
<li>接受格式 Formats: {formats}。</li>
<li>工程建设期间，城建档案管理机构至少每 {every} 天进行一次业务指导；指导意见须在下次指导前整改。Guidance visits at least every {every} days while under construction; findings are to be fixed before the next visit.</li>
<li>移交期限 Hand-over: {deadline}。</li>
<li>管线工程竣工测量成果须在备案前提交。The as-built pipeline survey is delivered before the project is filed.</li>
<li>逾期或不完整移交将记入建设单位信用记录。A late or incomplete hand-over is entered in the construction unit's credit record.</li>
</ol>
<p>依据《城市建设档案管理规定》与 GB/T 50328《建设工程文件归档规范》。Under the Urban Construction Archives Regulations and GB/T 50328.</p>
<div class="sign"><div>城建档案管理机构（盖章）Archive office (seal)<br>日期 Date:</div><div>建设单位签收 Received by the construction unit<br>日期 Date:</div></div>
</body></html>"#,
        code = esc(&p.code),
        name = esc(&p.name),
        category = esc(&p.category_name),
        category_en = esc(&p.category_name_en),
        unit = esc(&p.unit.name),
        credit = esc(&p.unit.credit_code),
        permit = opt(p.permit_date),
        start = opt(p.planned_start),
        end = opt(p.planned_end),
        scope = text(scope),
        seq = text(seq),
        date = text(date),
        every = rules.guidance_every_days,
    ))
}
