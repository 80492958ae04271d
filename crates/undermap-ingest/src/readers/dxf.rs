//! CAD exchange files (DXF). A small TOML file maps CAD layer names to departments and kinds:
//!
//! ```toml
//! [layers."JS"]          # water mains
//! department = "water"
//! kind = "pipe"
//! material = "DI"        # any other key is a default attribute for the layer's entities
//! [layers."JS_FM"]
//! department = "water"
//! kind = "valve"
//! ```
//!
//! Lines and polylines become lines (closed polylines closed rings), points, circles and block
//! references become points; block attributes (ATTRIB) become fields. The entity handle is the
//! record id, stable while the drawing is edited. Entities on layers of other departments, on
//! unmapped layers, and annotations (text, dimensions, hatches) are not loaded; the summary
//! counts them per layer.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use dxf::entities::EntityType;
use encoding_rs::Encoding;
use geo_types::{Coord, Geometry, LineString, Point};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::source::{file_name, format_error, io, SourceRecord};
use crate::{IngestError, Rejection, Source};

const FORMAT: &str = "DXF";

/// What one CAD layer holds.
#[derive(Debug, Clone, Deserialize)]
pub struct DxfLayer {
    /// The department whose delivery takes the layer's entities.
    pub department: String,
    /// The kind of every entity on the layer.
    pub kind: String,
    /// Default attributes (material, pressure_class, owner…).
    #[serde(flatten)]
    pub defaults: Map<String, Value>,
}

/// The layer mapping file.
#[derive(Debug, Clone, Deserialize)]
pub struct DxfMapping {
    /// CAD layer name → what it holds.
    pub layers: HashMap<String, DxfLayer>,
}

impl DxfMapping {
    /// Reads a mapping file.
    pub fn load(path: &Path) -> Result<Self, IngestError> {
        let text = std::fs::read_to_string(path).map_err(io(path))?;
        toml::from_str(&text).map_err(|e| IngestError::Config {
            file: file_name(path),
            reason: e.to_string(),
        })
    }
}

fn coord(p: &dxf::Point) -> Coord<f64> {
    Coord { x: p.x, y: p.y }
}

fn line(mut coords: Vec<Coord<f64>>, closed: bool) -> Geometry<f64> {
    if closed && coords.first() != coords.last() {
        if let Some(first) = coords.first().copied() {
            coords.push(first);
        }
    }
    Geometry::LineString(LineString(coords))
}

/// What a raw pass over the file learns before the DXF parser runs: the text encoding, and the
/// area entities (HATCH, MPOLYGON) the parser does not read, so that none is lost unreported.
struct Prescan {
    encoding: &'static Encoding,
    /// (entity number, type, layer, handle) of entities the parser skips.
    unreadable: Vec<(usize, String, String, String)>,
}

fn pairs(text: &str) -> Vec<(String, String)> {
    let mut lines = text.lines().map(str::trim);
    let mut pairs = Vec::new();
    while let (Some(code), Some(value)) = (lines.next(), lines.next()) {
        pairs.push((code.to_owned(), value.to_owned()));
    }
    pairs
}

fn prescan(bytes: &[u8], given: Option<&'static Encoding>) -> Prescan {
    let raw = pairs(&String::from_utf8_lossy(bytes));
    let header = |name: &str| {
        raw.iter()
            .position(|(c, v)| c == "9" && v == name)
            .and_then(|i| raw.get(i + 1))
            .map(|(_, v)| v.clone())
    };
    // AutoCAD 2007 (AC1021) and later write UTF-8; earlier versions the $DWGCODEPAGE, which
    // Chinese drawings set to ANSI_936 (GBK). Writers that claim 1252 but write UTF-8 (GDAL)
    // are caught by checking the bytes.
    let encoding = given.unwrap_or_else(|| {
        let version = header("$ACADVER").unwrap_or_default();
        let page = header("$DWGCODEPAGE")
            .unwrap_or_default()
            .to_ascii_uppercase();
        if version.as_str() >= "AC1021" || std::str::from_utf8(bytes).is_ok() {
            encoding_rs::UTF_8
        } else if page == "ANSI_936" {
            encoding_rs::GB18030
        } else {
            encoding_rs::WINDOWS_1252
        }
    });
    let (decoded, _, _) = encoding.decode(bytes);
    let pairs = pairs(&decoded);
    let mut unreadable = Vec::new();
    let mut in_entities = false;
    let mut number = 0;
    for (i, (code, value)) in pairs.iter().enumerate() {
        if code == "2" && value == "ENTITIES" {
            in_entities = true;
        } else if code == "0" && value == "ENDSEC" {
            in_entities = false;
        } else if in_entities
            && code == "0"
            && !matches!(value.as_str(), "VERTEX" | "SEQEND" | "ATTRIB")
        {
            number += 1;
            if matches!(value.as_str(), "HATCH" | "MPOLYGON") {
                let mut layer = String::new();
                let mut handle = String::new();
                for (c, v) in pairs[i + 1..].iter().take_while(|(c, _)| c != "0") {
                    match c.as_str() {
                        "8" if layer.is_empty() => layer.clone_from(v),
                        "5" if handle.is_empty() => handle.clone_from(v),
                        _ => {}
                    }
                }
                unreadable.push((number, value.clone(), layer, handle));
            }
        }
    }
    Prescan {
        encoding,
        unreadable,
    }
}

/// Opens a DXF file, keeping the entities on `department`'s layers.
#[allow(clippy::unnecessary_wraps)] // the signature every reader's `open` has
pub(crate) fn open(
    path: &Path,
    mapping: &DxfMapping,
    department: &str,
    given: Option<&'static Encoding>,
) -> Result<Source, IngestError> {
    let layers: HashMap<String, DxfLayer> = mapping
        .layers
        .iter()
        .filter(|(_, l)| l.department == department)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let owned: PathBuf = path.to_owned();
    Ok(Source::new(FORMAT, file_name(path), move |sink| {
        let bytes = std::fs::read(&owned).map_err(io(&owned))?;
        let scan = prescan(&bytes, given);
        let drawing =
            dxf::Drawing::load_with_encoding(&mut std::io::Cursor::new(bytes), scan.encoding)
                .map_err(|e| format_error(&owned, FORMAT, e))?;
        let name: Arc<str> = file_name(&owned).into();
        let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
        let mut skipped_numbers: Vec<usize> = scan.unreadable.iter().map(|u| u.0).collect();
        skipped_numbers.sort_unstable();
        // The parser's n-th entity is the file's n-th once the entities it skips are counted.
        let file_number = |n: usize| {
            skipped_numbers.iter().fold(
                n,
                |raw, skipped| if *skipped <= raw { raw + 1 } else { raw },
            )
        };
        for (number, kind, layer, handle) in scan.unreadable {
            if layers.contains_key(&layer) {
                sink(Err(Rejection {
                    file: name.to_string(),
                    record: number,
                    id: Some(format!("H{handle}")),
                    field: Some("geometry".into()),
                    reason: format!(
                        "a {kind} on layer {layer:?} cannot be read; draw areas as closed polylines"
                    ),
                }));
            } else {
                *skipped
                    .entry(format!("{kind} on layer {layer:?}"))
                    .or_default() += 1;
            }
        }
        for (i, entity) in drawing.entities().enumerate() {
            let number = file_number(i + 1);
            let layer_name = &entity.common.layer;
            let Some(layer) = layers.get(layer_name) else {
                *skipped.entry(format!("layer {layer_name:?}")).or_default() += 1;
                continue;
            };
            let mut fields = layer.defaults.clone();
            fields.insert("kind".into(), Value::String(layer.kind.clone()));
            fields.insert("cad_layer".into(), Value::String(layer_name.clone()));
            let geometry = match &entity.specific {
                EntityType::Line(l) => line(vec![coord(&l.p1), coord(&l.p2)], false),
                EntityType::LwPolyline(p) => line(
                    p.vertices
                        .iter()
                        .map(|v| Coord { x: v.x, y: v.y })
                        .collect(),
                    p.is_closed(),
                ),
                EntityType::Polyline(p) => line(
                    p.vertices().map(|v| coord(&v.location)).collect(),
                    p.is_closed(),
                ),
                EntityType::ModelPoint(p) => Geometry::Point(Point(coord(&p.location))),
                EntityType::Circle(c) => Geometry::Point(Point(coord(&c.center))),
                EntityType::Insert(ins) => {
                    fields.insert("cad_block".into(), Value::String(ins.name.clone()));
                    for a in ins.attributes() {
                        fields.insert(a.attribute_tag.clone(), Value::String(a.value.clone()));
                    }
                    Geometry::Point(Point(coord(&ins.location)))
                }
                EntityType::Text(_)
                | EntityType::MText(_)
                | EntityType::RotatedDimension(_)
                | EntityType::RadialDimension(_)
                | EntityType::DiameterDimension(_)
                | EntityType::Leader(_) => {
                    *skipped
                        .entry(format!("annotations on {layer_name:?}"))
                        .or_default() += 1;
                    continue;
                }
                other => {
                    let kind = format!("{other:?}");
                    let kind = kind
                        .split(['(', ' ', '{'])
                        .next()
                        .unwrap_or("entity")
                        .to_owned();
                    sink(Err(Rejection {
                        file: name.to_string(),
                        record: number,
                        id: Some(format!("H{:X}", entity.common.handle.0)),
                        field: Some("geometry".into()),
                        reason: format!("CAD entity type {kind} cannot be loaded; draw it as a line, polyline, point, circle or block"),
                    }));
                    continue;
                }
            };
            sink(Ok(SourceRecord {
                file: Arc::clone(&name),
                number,
                native_id: Some(format!("H{:X}", entity.common.handle.0)),
                geometry: Some(geometry),
                fields,
            }));
        }
        Ok(skipped
            .into_iter()
            .map(|(what, n)| {
                format!(
                    "{name}: {n} CAD entit{} not for this department ({what})",
                    if n == 1 { "y" } else { "ies" }
                )
            })
            .collect())
    }))
}
