//! The printable ticket's sections of the dig workflow: an emergency's phones and dangers, the
//! owners' answers so far, and the precaution zones the area touches.

use std::fmt::Write as _;

use serde_json::Value;

use super::time;
use crate::html::{esc, text};

/// What an emergency ticket says at once: the owners' emergency phones and the dangers.
pub(super) fn emergency_html(ticket: &Value) -> String {
    let e = &ticket["emergency"];
    if !e.is_object() {
        return String::new();
    }
    let mut phones = String::new();
    for o in e["owners"].as_array().into_iter().flatten() {
        let _ = write!(
            phones,
            "<li><b>{}</b> {}</li>",
            text(&o["name"]),
            text(&o["emergency_phone"])
        );
    }
    let danger = |v: &Value, zh: &str, en: &str| {
        if v == &Value::Bool(true) {
            format!("<li class=\"notice\">{zh} {en}</li>")
        } else {
            String::new()
        }
    };
    format!(
        "<h2>紧急联系电话 Emergency phones</h2><ul>{phones}{}{}</ul><p>事由补报截止 Reason due by {}</p>",
        danger(&e["high_pressure_gas"], "有高压燃气管线", "high-pressure gas present"),
        danger(&e["high_voltage"], "有高压电力线路", "high-voltage power present"),
        time(&e["justify_by"]),
    )
}

/// The owners' answers so far (from the ticket's status).
pub(super) fn answers_html(ticket: &Value, status: &Value) -> String {
    let Some(asked) = status["owners"].as_array().filter(|a| !a.is_empty()) else {
        return String::new();
    };
    let mut rows = String::new();
    for o in asked {
        let _ = write!(
            rows,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            text(&o["name"]),
            text(&o["assets"]),
            o["code"]
                .as_str()
                .map_or_else(|| "未答复 no answer yet".to_owned(), esc),
        );
    }
    format!(
        "<h2>权属单位答复 Owners' answers ({state}, 截止 due {by})</h2>\n<table><thead><tr><th>权属 Owner</th><th>设施 Assets</th><th>答复 Answer</th></tr></thead><tbody>{rows}</tbody></table>",
        state = text(&status["state"]),
        by = time(&ticket["answer_by"]),
    )
}

/// The precaution zones the area touches: each owner's requirement and whom to call.
pub(super) fn precautions_html(ticket: &Value) -> String {
    let Some(zones) = ticket["precautions"].as_array().filter(|z| !z.is_empty()) else {
        return String::new();
    };
    let mut rows = String::new();
    for z in zones {
        let _ = write!(
            rows,
            "<tr><td>{}</td><td><b>{}</b><br>{}</td><td>{}</td><td>{} {}</td></tr>",
            text(&z["layer"]),
            text(&z["says"]["zh"]),
            text(&z["says"]["en"]),
            text(&z["note"]),
            text(&z["owner"]),
            text(&z["contact"]),
        );
    }
    format!(
        "<h2>保护区要求 Precaution zones</h2>\n<table class=\"notice\"><thead><tr><th>图层 Layer</th><th>要求 Requirement</th><th>说明 Note</th><th>联系 Call</th></tr></thead><tbody>{rows}</tbody></table>"
    )
}
