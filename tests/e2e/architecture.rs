//! The shape docs/architecture.md promises, held: each crate depends only on the crates its
//! table allows (normal dependencies; tests may reach further), unsafe code is allowed only
//! where undermap-crs calls PROJ, and no file of the service or the API is over 500 lines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// The table under "Which crate may import which": crate → the crates it may depend on.
fn allowed() -> BTreeMap<String, BTreeSet<String>> {
    let doc = std::fs::read_to_string(root().join("docs/architecture.md")).expect("the doc");
    let section = doc
        .split("## Which crate may import which")
        .nth(1)
        .expect("docs/architecture.md has the import table");
    section
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|row| {
            let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
            let name = cells[0].trim_matches('`').to_owned();
            let deps = cells[1]
                .split(',')
                .map(|d| d.trim().trim_matches('`').to_owned())
                .filter(|d| d.starts_with("undermap"))
                .collect();
            (name, deps)
        })
        .collect()
}

/// Each workspace crate's normal dependencies among the workspace's crates.
fn actual() -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(root().join("crates")).expect("crates/") {
        let manifest = entry.expect("an entry").path().join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        let toml: toml::Table = text.parse().expect("a manifest");
        let name = toml["package"]["name"].as_str().expect("a name").to_owned();
        let deps = toml
            .get("dependencies")
            .and_then(toml::Value::as_table)
            .map(|t| {
                t.keys()
                    .filter(|k| k.starts_with("undermap"))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        out.insert(name, deps);
    }
    out
}

#[test]
fn every_crate_depends_only_on_what_the_architecture_allows() {
    let allowed = allowed();
    let actual = actual();
    assert_eq!(
        allowed.keys().collect::<Vec<_>>(),
        actual.keys().collect::<Vec<_>>(),
        "the table in docs/architecture.md lists every crate"
    );
    for (name, deps) in &actual {
        let extra: Vec<_> = deps.difference(&allowed[name]).collect();
        assert!(
            extra.is_empty(),
            "{name} depends on {extra:?}, which docs/architecture.md does not allow"
        );
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn unsafe_code_is_allowed_only_where_undermap_crs_calls_proj() {
    let mut files = Vec::new();
    rust_files(&root().join("crates"), &mut files);
    files.sort();
    let allowing: Vec<_> = files
        .iter()
        .filter(|f| {
            std::fs::read_to_string(f)
                .expect("a source file")
                .contains(concat!("allow(", "unsafe_code)"))
        })
        .map(|f| f.strip_prefix(root()).unwrap().display().to_string())
        .collect();
    assert_eq!(
        allowing,
        [
            "crates/undermap-crs/src/facts.rs",
            "crates/undermap-crs/src/operation.rs",
            "crates/undermap-crs/src/transform.rs",
        ]
    );
}

#[test]
fn no_file_of_the_service_or_the_api_is_over_500_lines() {
    for krate in ["undermap-service", "undermap-api"] {
        let mut files = Vec::new();
        rust_files(&root().join("crates").join(krate).join("src"), &mut files);
        for f in files {
            let lines = std::fs::read_to_string(&f)
                .expect("a source file")
                .lines()
                .count();
            assert!(lines <= 500, "{}: {lines} lines", f.display());
        }
    }
}
