//! The OpenAPI paths of this folder's routes. The web map.

use serde_json::{json, Value};

use crate::openapi::kit::{ok, op, param, Common};

/// This folder's paths, in the order the document lists them.
#[allow(clippy::too_many_lines)]
pub(crate) fn paths(_common: &Common) -> Vec<(String, Value)> {
    let mut paths = Vec::new();
    let mut add = |path: &str, item: Value| paths.push((path.to_owned(), item));
    let page = op(
        "The web map (docs/web.md); without the bundle, a page saying how to build it",
        "Web map",
        vec![],
        ok("The page", "text/html", json!({ "type": "string" })),
        &[],
    );
    add("/", page);
    let file = op(
        "A file of the web map (script, stylesheet)",
        "Web map",
        vec![param(
            "file",
            "path",
            "File name",
            json!({ "type": "string" }),
            true,
        )],
        ok("The file", "text/javascript", json!({ "type": "string" })),
        &[("404", "No such file")],
    );
    add("/web/{file}", file);
    paths
}
