//! `undermap demo-data`: a generated town written to a store or a GeoJSON sequence.

use anyhow::Context;
use undermap::open_store;
use undermap_crs::{Crs, Transformer};
use undermap_store::DeliveryMode;

use super::spec_for_log;

/// Generates every layer and writes it to `out`, one layer at a time to bound memory.
pub(crate) async fn run(
    seed: u64,
    scale: undermap_synth::Scale,
    out: &str,
    projects: usize,
    config: &undermap_service::ServiceConfig,
) -> anyhow::Result<()> {
    use std::io::Write;
    let started = std::time::Instant::now();
    let seq =
        out.ends_with(".geojsonl") || out.ends_with(".geojsons") || out.ends_with(".geojsonseq");
    let mut writer = if seq {
        Some(std::io::BufWriter::new(
            std::fs::File::create(out).with_context(|| format!("creating {out}"))?,
        ))
    } else {
        None
    };
    let store = if seq {
        None
    } else {
        Some(open_store(out, config, false).await?.shared())
    };
    let to_crs84 = Transformer::new(&config.deployment_crs, &Crs::crs84())?;
    let mut total = 0;
    for layer in undermap_synth::LAYERS {
        let features = undermap_synth::layer(seed, scale, layer)?;
        total += features.len();
        println!("{layer}: {} features", features.len());
        if let Some(w) = writer.as_mut() {
            for f in &features {
                let g = to_crs84.geometry(&f.geometry)?;
                let mut props = match serde_json::to_value(&f.attrs)? {
                    serde_json::Value::Object(m) => m,
                    _ => serde_json::Map::new(),
                };
                props.insert("layer".into(), layer.into());
                props.insert("kind".into(), f.kind.as_str().into());
                let feature = serde_json::json!({
                    "type": "Feature",
                    "id": f.id.as_str(),
                    "properties": props,
                    "geometry": geojson::Geometry::new(geojson::Value::from(&g)),
                });
                writeln!(w, "{feature}")?;
            }
        }
        if let Some(store) = &store {
            store
                .apply_delivery(undermap_store::Delivery {
                    layer: layer.parse()?,
                    source_name: format!("demo-data --seed {seed}"),
                    sha256: String::new(),
                    source_crs: config.deployment_crs.name().to_owned(),
                    operation: "generated in the deployment CRS".into(),
                    mode: DeliveryMode::Full,
                    loaded_by: "demo-data".into(),
                    project_code: None,
                    features,
                    rejected_before_load: 0,
                })
                .await?;
        }
    }
    if let Some(mut w) = writer {
        w.flush()?;
    }
    if projects > 0 {
        let Some(store) = &store else {
            anyhow::bail!("--projects needs a store to register them in, not a GeoJSON sequence");
        };
        // Around the generated county town (the demo's centre, in EPSG:4545).
        let generated = undermap::generated_projects(seed, projects, (597_000.0, 3_149_000.0));
        let added = undermap::register_generated(store.as_ref(), &generated).await?;
        println!(
            "{added} archive projects registered ({} were there)",
            projects - added
        );
    }
    println!(
        "{total} features written to {} in {:.1} s",
        spec_for_log(out),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
