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

/// Opens a DXF file, keeping the entities on `department`'s layers.
pub(crate) fn open(
    path: &Path,
    mapping: &DxfMapping,
    department: &str,
) -> Result<Source, IngestError> {
    let layers: HashMap<String, DxfLayer> = mapping
        .layers
        .iter()
        .filter(|(_, l)| l.department == department)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let owned: PathBuf = path.to_owned();
    Ok(Source::new(FORMAT, file_name(path), move |sink| {
        let drawing =
            dxf::Drawing::load_file(&owned).map_err(|e| format_error(&owned, FORMAT, e))?;
        let name: Arc<str> = file_name(&owned).into();
        let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
        for (i, entity) in drawing.entities().enumerate() {
            let number = i + 1;
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
