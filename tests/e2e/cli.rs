//! The command line as an archivist uses it: ingest twice, reject reports, --strict, export.

use crate::common;

use std::process::Command;

fn undermap(store: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_undermap"));
    cmd.arg("--store").arg(store).env("RUST_LOG", "warn");
    cmd
}

fn run(cmd: &mut Command) -> (bool, String, String) {
    let out = cmd.output().expect("undermap runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn ingest_is_idempotent_and_reports_every_reject() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("map.gpkg");
    let water = common::demo_dir().join("water.geojson");

    let (ok, out, err) = run(undermap(&store)
        .args(["ingest", "--department", "water"])
        .arg(&water));
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("48 records: 48 inserted, 0 updated, 0 unchanged, 0 retired, 0 rejected"),
        "{out}"
    );
    let (ok, out, _) = run(undermap(&store)
        .args(["ingest", "--department", "water"])
        .arg(&water));
    assert!(ok);
    assert!(out.contains("0 inserted, 0 updated, 48 unchanged"), "{out}");

    // A delivery with two bad records: one without id, one whose depth is out of range.
    let bad = dir.path().join("bad.geojson");
    std::fs::write(
        &bad,
        r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","id":"X-1","properties":{"kind":"valve"},"geometry":{"type":"Point","coordinates":[108.987,28.449]}},
          {"type":"Feature","properties":{"kind":"valve"},"geometry":{"type":"Point","coordinates":[108.987,28.449]}},
          {"type":"Feature","id":"X-3","properties":{"kind":"pipe","depth_top_m":99},"geometry":{"type":"LineString","coordinates":[[108.987,28.449],[108.988,28.449]]}}
        ]}"#,
    )
    .unwrap();
    let rejects = dir.path().join("rejects.jsonl");
    let (ok, out, err) = run(undermap(&store)
        .args(["ingest", "--department", "water", "--strict", "--rejects"])
        .arg(&rejects)
        .arg(&bad));
    assert!(!ok, "--strict refuses a delivery with rejects: {out}");
    assert!(
        err.contains("2 of 3 record(s) rejected and strict mode was asked for; nothing was loaded"),
        "{err}"
    );
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&rejects)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        (lines[0]["record"].as_u64(), lines[0]["field"].as_str()),
        (Some(2), Some("id"))
    );
    assert_eq!(
        (lines[1]["record"].as_u64(), lines[1]["field"].as_str()),
        (Some(3), Some("depth_top_m"))
    );

    let (ok, out, _) = run(undermap(&store)
        .args(["ingest", "--department", "water"])
        .arg(&bad));
    assert!(ok);
    assert!(
        out.contains("3 records: 1 inserted, 0 updated, 0 unchanged, 0 retired, 2 rejected"),
        "{out}"
    );

    let (ok, _, err) = run(undermap(&store)
        .args(["ingest", "--department", "water", "--crs", "EPSG:999999"])
        .arg(&water));
    assert!(!ok);
    assert!(err.contains("unknown CRS"), "{err}");
    let (ok, _, err) = run(undermap(&store)
        .args(["ingest", "--department", "water"])
        .arg(dir.path().join("missing.geojson")));
    assert!(!ok);
    assert!(err.contains("missing.geojson"), "{err}");
}

#[test]
fn export_writes_a_site_copy_gdal_can_read() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("map.gpkg");
    for layer in ["water", "gas", "power"] {
        let file = common::demo_dir().join(format!("{layer}.geojson"));
        let (ok, out, err) = run(undermap(&store)
            .args(["ingest", "--layer", layer])
            .arg(file));
        assert!(ok, "{out}{err}");
    }
    let area = dir.path().join("area.geojson");
    std::fs::write(
        &area,
        r#"{"type":"Polygon","coordinates":[[[108.9860,28.4480],[108.9880,28.4480],[108.9880,28.4500],[108.9860,28.4500],[108.9860,28.4480]]]}"#,
    )
    .unwrap();
    let copy = dir.path().join("site-copy.gpkg");
    let (ok, out, err) = run(undermap(&store)
        .args(["export", "--layers", "water,gas", "--area"])
        .arg(&area)
        .arg("--to")
        .arg(&copy));
    assert!(ok, "{out}{err}");
    let counts = common::ogrinfo_counts(&copy);
    assert_eq!(
        (counts["water"], counts["gas"], counts["power"]),
        (7, 6, 0),
        "{counts:?}"
    );
}

#[test]
fn accounts_keys_and_the_audit_trail_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("map.gpkg");
    let (ok, out, err) = run(undermap(&store).args([
        "users",
        "add",
        "wang.li",
        "--role",
        "contractor",
        "--full-name",
        "Wang Li",
    ]));
    assert!(ok, "{out}{err}");
    let (ok, _, err) = run(undermap(&store).args(["users", "add", "wang.li", "--role", "planner"]));
    assert!(!ok && err.contains("exists already"), "{err}");
    let (ok, _, err) = run(undermap(&store).args(["users", "add", "eve", "--role", "root"]));
    assert!(!ok && err.contains("unknown role"), "{err}");
    let (ok, key, err) = run(undermap(&store).args([
        "keys",
        "create",
        "wang.li",
        "--label",
        "site tablet",
        "--days",
        "20",
    ]));
    assert!(ok, "{err}");
    let key = key.trim().to_owned();
    assert!(
        key.starts_with("um_") && key.len() == 3 + 12 + 1 + 32,
        "{key}"
    );
    assert!(err.contains("shown once"), "{err}");
    let (ok, list, _) = run(undermap(&store).args(["keys", "list"]));
    assert!(ok && list.contains(&key[3..15]) && list.contains("site tablet"));
    assert!(!list.contains(&key[16..]), "a listing shows the secret");
    let (ok, users, _) = run(undermap(&store).args(["users", "list"]));
    assert!(
        ok && users.contains("wang.li") && users.contains("contractor"),
        "{users}"
    );
    let (ok, _, err) = run(undermap(&store).args(["keys", "revoke", &key[3..15]]));
    assert!(ok, "{err}");
    let (ok, list, _) = run(undermap(&store).args(["keys", "list", "--account", "wang.li"]));
    assert!(ok && list.contains("revoked"), "{list}");
    let (ok, _, _) = run(undermap(&store).args(["users", "disable", "wang.li"]));
    assert!(ok);
    let (ok, _, err) = run(undermap(&store).args(["keys", "create", "wang.li"]));
    assert!(!ok && err.contains("disabled"), "{err}");
    let (ok, out, err) = run(undermap(&store).args(["audit", "verify"]));
    assert!(ok && out.contains("intact"), "{out}{err}");
    let export = dir.path().join("audit.jsonl");
    let (ok, _, err) = run(undermap(&store)
        .args(["audit", "export", "--to"])
        .arg(&export));
    assert!(ok, "{err}");
    assert!(export.exists());
}
