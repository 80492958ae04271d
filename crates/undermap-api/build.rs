//! Embeds the web map (web/dist, built by `npm ci && npm run build` in web/) into the binary.
//! Without it the build still works: `/` then says the web map was not built and how to build it.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let dist = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"))
        .join("../../web/dist");
    println!("cargo:rerun-if-changed={}", dist.display());
    let mut code = String::from(
        "/// The web map's files: (name, bytes).\npub static WEB_ASSETS: &[(&str, &[u8])] = &[\n",
    );
    if let Ok(entries) = std::fs::read_dir(&dist) {
        let mut files: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for path in files {
            println!("cargo:rerun-if-changed={}", path.display());
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            let full = path.canonicalize().unwrap_or(path.clone());
            let _ = writeln!(
                code,
                "    ({name:?}, include_bytes!({:?})),",
                full.display().to_string()
            );
        }
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("web_assets.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}
