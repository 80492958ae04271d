//! The OpenAPI paths of this folder's routes. Operations: liveness and readiness.

use serde_json::Value;

use crate::openapi::kit::{ok, op, Common};

/// This folder's paths, in the order the document lists them.
#[allow(clippy::too_many_lines)]
pub(crate) fn paths(common: &Common) -> Vec<(String, Value)> {
    let Common { any, .. } = common;
    let mut paths = Vec::new();
    let mut add = |path: &str, item: Value| paths.push((path.to_owned(), item));
    add(
        "/healthz",
        op(
            "Liveness: the process answers",
            "Operations",
            vec![],
            ok("Alive", "application/json", any.clone()),
            &[],
        ),
    );
    add(
        "/readyz",
        op(
            "Readiness: the index is loaded and the store reachable",
            "Operations",
            vec![],
            ok("Ready", "application/json", any.clone()),
            &[("503", "Not ready (store unreachable or index not loaded)")],
        ),
    );
    paths
}
