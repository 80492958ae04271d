//! The registry against the PostGIS migrations: every layer a migration creates is in the
//! registry with the same title and category, and the categories the database allows are the
//! ones the model knows. (Layers added to the registry since are seeded when the store opens.)

use std::collections::BTreeSet;

use undermap_core::LayerCategory;
use undermap_departments::registry;

/// The migrations' text, in the order they run.
fn migrations() -> Vec<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("the migrations folder")
        .map(|e| e.expect("a migration").path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("a readable migration");
            (p.file_name().unwrap().to_string_lossy().into_owned(), text)
        })
        .collect()
}

/// The SQL string literals of `text`, in order (`''` inside one is a quote).
fn literals(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            continue;
        }
        let mut s = String::new();
        while let Some(c) = chars.next() {
            if c == '\'' {
                if chars.peek() == Some(&'\'') {
                    chars.next();
                    s.push('\'');
                    continue;
                }
                break;
            }
            s.push(c);
        }
        out.push(s);
    }
    out
}

/// Every `(id, title, category)` row the migrations insert into `layers`.
fn migrated_layers() -> Vec<(String, String, String, String)> {
    let mut rows = Vec::new();
    for (file, text) in migrations() {
        for statement in text.split(';') {
            let Some(at) = statement.find("INSERT INTO layers") else {
                continue;
            };
            let values = &statement[at..];
            let values = &values[values.find("VALUES").expect("VALUES after INSERT")..];
            let values = values.split("ON CONFLICT").next().unwrap_or(values);
            let l = literals(values);
            assert_eq!(l.len() % 3, 0, "{file}: rows of three values");
            for row in l.chunks(3) {
                rows.push((file.clone(), row[0].clone(), row[1].clone(), row[2].clone()));
            }
        }
    }
    rows
}

#[test]
fn every_migrated_layer_is_in_the_registry_as_the_migration_made_it() {
    let rows = migrated_layers();
    assert!(rows.len() >= 9, "{rows:?}");
    for (file, id, title, category) in rows {
        let layer =
            registry::layer(&id).unwrap_or_else(|| panic!("{file}: {id} is not in the registry"));
        assert_eq!(layer.title, title, "{file}: {id}");
        assert_eq!(layer.category.as_str(), category, "{file}: {id}");
    }
}

#[test]
fn the_database_allows_the_categories_the_model_knows() {
    let last = migrations()
        .into_iter()
        .rev()
        .find_map(|(_, text)| {
            let at = text.rfind("category IN (")?;
            let list = &text[at..];
            Some(list[..list.find(')').expect("a closed list")].to_owned())
        })
        .expect("a category check");
    let allowed: BTreeSet<String> = literals(&last).into_iter().collect();
    let known: BTreeSet<String> = [
        LayerCategory::Network,
        LayerCategory::Planning,
        LayerCategory::Thematic,
    ]
    .iter()
    .map(|c| c.as_str().to_owned())
    .collect();
    assert_eq!(allowed, known);
    for layer in registry::LAYERS {
        assert!(allowed.contains(layer.category.as_str()), "{}", layer.id());
    }
}
