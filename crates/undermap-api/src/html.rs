//! What the printable pages (a ticket, a filing notice) share: escaping what they show, and the
//! content security policy of a page that loads nothing.

use serde_json::Value;

/// A printable page loads nothing: its styles are inline and its pictures are data.
pub(crate) const PRINT_CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'";

/// Text escaped for HTML content and attribute values.
pub(crate) use undermap_core::text::escape_html as esc;

/// A JSON value as escaped text; `—` for null.
pub(crate) fn text(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(s) => esc(s),
        other => esc(&other.to_string()),
    }
}

/// The QR code of a verification link (a ticket's or a clearance report's).
pub(crate) fn qr_svg(content: &str) -> String {
    qrcode::QrCode::with_error_correction_level(content.as_bytes(), qrcode::EcLevel::M)
        .map(|code| {
            code.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(150, 150)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default()
        // The renderer writes an XML declaration, out of place inside HTML.
        .split_once("?>")
        .map_or_else(String::new, |(_, svg)| svg.to_owned())
}
