//! Tiles cut from the generated county, read back with an independent decoder (geozero's
//! prost types generated from the MVT 2.1 `.proto`): layers, attributes, and every feature's
//! position checked against the index.

use std::collections::HashMap;

use chrono::DateTime;
use geo::{BoundingRect, Contains, Coord, CoordsIter};
use geozero::mvt::{Message, Tile};
use undermap_core::View;
use undermap_crs::{Crs, Transformer};
use undermap_index::MapIndex;
use undermap_tiles::{Selection, TileId, TileRenderer};

fn county() -> MapIndex {
    let features = undermap_synth::all_layers(42, undermap_synth::Scale::County).unwrap();
    MapIndex::build(
        undermap_synth::layer_infos(),
        features,
        DateTime::UNIX_EPOCH,
    )
}

/// The tile at zoom `z` holding 108.99 E, 28.45 N (the town centre).
fn centre(z: u8) -> TileId {
    TileId::containing(108.99, 28.45, u32::from(z)).unwrap()
}

/// Decodes a command stream into parts of absolute coordinates.
fn decode(geometry: &[u32]) -> Vec<Vec<(i32, i32)>> {
    let mut parts: Vec<Vec<(i32, i32)>> = Vec::new();
    let (mut x, mut y) = (0_i32, 0_i32);
    let mut i = 0;
    let unzig = |v: u32| ((v >> 1) as i32) ^ -((v & 1) as i32);
    while i < geometry.len() {
        let (id, count) = (geometry[i] & 7, geometry[i] >> 3);
        i += 1;
        match id {
            1 | 2 => {
                for _ in 0..count {
                    x += unzig(geometry[i]);
                    y += unzig(geometry[i + 1]);
                    i += 2;
                    if id == 1 {
                        parts.push(Vec::new());
                    }
                    parts.last_mut().unwrap().push((x, y));
                }
            }
            7 => {}
            other => panic!("unknown command {other}"),
        }
    }
    parts
}

#[test]
fn a_town_centre_tile_holds_every_feature_inside_it_in_the_right_place() {
    let index = county();
    let gk = Crs::epsg(4545).unwrap();
    let renderer = TileRenderer::new(&gk).unwrap();
    let tile = centre(17);
    let bytes = renderer
        .render(&index, &Selection::All, tile, &View::everything())
        .unwrap();
    let decoded = Tile::decode(bytes.as_slice()).expect("a valid MVT tile");
    assert!(decoded.layers.len() >= 4, "{} layers", decoded.layers.len());
    let to_merc = Transformer::new(&gk.gis_order(), &Crs::epsg(3857).unwrap()).unwrap();
    let b = tile.bounds();
    let scale = 4096.0 / tile.size();
    let to_pixel = |c: Coord<f64>| ((c.x - b.min().x) * scale, (b.max().y - c.y) * scale);
    let mut seen: HashMap<String, Vec<Vec<(i32, i32)>>> = HashMap::new();
    for layer in &decoded.layers {
        assert_eq!(layer.version, 2);
        assert_eq!(layer.extent, Some(4096));
        assert!(undermap_synth::LAYERS.contains(&layer.name.as_str()));
        for f in &layer.features {
            let tags: HashMap<&str, &geozero::mvt::tile::Value> = f
                .tags
                .chunks(2)
                .map(|kv| {
                    (
                        layer.keys[kv[0] as usize].as_str(),
                        &layer.values[kv[1] as usize],
                    )
                })
                .collect();
            let id = tags["id"].string_value.clone().unwrap();
            let feature = index
                .get(&id.parse().unwrap())
                .expect("tile ids are index ids");
            assert_eq!(feature.layer.as_str(), layer.name);
            assert_eq!(
                tags["kind"].string_value.as_deref(),
                Some(feature.kind.as_str())
            );
            if let Some(d) = feature.attrs.diameter_mm {
                assert_eq!(tags["diameter_mm"].double_value, Some(d));
            }
            let parts = decode(&f.geometry);
            for p in parts.iter().flatten() {
                assert!(
                    (-64..=4160).contains(&p.0) && (-64..=4160).contains(&p.1),
                    "{p:?}"
                );
            }
            seen.insert(id, parts);
        }
    }
    // Every feature lying wholly inside the tile is there, vertex for vertex (to a pixel).
    let mut inside = 0;
    for f in index.features() {
        let merc = to_merc.geometry(&f.geometry).unwrap();
        let Some(r) = merc.bounding_rect() else {
            continue;
        };
        if !b.contains(&r) {
            continue;
        }
        let pixels: Vec<(f64, f64)> = merc.coords_iter().map(to_pixel).collect();
        let parts = seen
            .get(f.id.as_str())
            .unwrap_or_else(|| panic!("{} missing", f.id));
        // Every vertex is drawn within a pixel of where it belongs (rings may be reversed to
        // the MVT winding, so look each one up).
        for px in &pixels {
            let near = parts.iter().flatten().any(|q| {
                (f64::from(q.0) - px.0).abs() <= 1.0 && (f64::from(q.1) - px.1).abs() <= 1.0
            });
            assert!(near, "{}: no vertex near {px:?} in {parts:?}", f.id);
        }
        inside += 1;
    }
    assert!(inside > 20, "only {inside} features inside the tile");
}

#[test]
fn low_zoom_tiles_leave_out_facilities_and_specks_but_keep_the_network() {
    let index = county();
    let renderer = TileRenderer::new(&Crs::epsg(4545).unwrap()).unwrap();
    let z16 = Tile::decode(
        renderer
            .render(&index, &Selection::All, centre(16), &View::everything())
            .unwrap()
            .as_slice(),
    )
    .unwrap();
    let points = |t: &Tile| {
        t.layers
            .iter()
            .flat_map(|l| &l.features)
            .filter(|f| f.r#type == Some(1))
            .count()
    };
    assert!(points(&z16) > 0, "facilities are drawn at z16");
    let bytes = renderer
        .render(&index, &Selection::All, centre(12), &View::everything())
        .unwrap();
    let z12 = Tile::decode(bytes.as_slice()).unwrap();
    assert_eq!(points(&z12), 0);
    let water = z12
        .layers
        .iter()
        .find(|l| l.name == "water")
        .expect("mains at z12");
    assert!(water.features.len() > 1000, "{}", water.features.len());
    assert!(bytes.len() < 3 << 20, "{} bytes", bytes.len());
}

#[test]
fn tiles_away_from_the_town_are_empty_and_single_layer_tiles_hold_one_layer() {
    let index = county();
    let renderer = TileRenderer::new(&Crs::epsg(4545).unwrap()).unwrap();
    // Somewhere in Europe.
    let far = TileId::new(10, 520, 340).unwrap();
    assert!(renderer
        .render(&index, &Selection::All, far, &View::everything())
        .unwrap()
        .is_empty());
    let water = Selection::One("water".parse().unwrap());
    let bytes = renderer
        .render(&index, &water, centre(16), &View::everything())
        .unwrap();
    let decoded = Tile::decode(bytes.as_slice()).unwrap();
    assert_eq!(decoded.layers.len(), 1);
    assert_eq!(decoded.layers[0].name, "water");
    assert!(!decoded.layers[0].features.is_empty());
}
