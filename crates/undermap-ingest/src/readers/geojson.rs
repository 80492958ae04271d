//! GeoJSON FeatureCollections and GeoJSON text sequences (RFC 8142, or one feature a line),
//! streamed: a record is parsed, handed on and dropped before the next one is read.
//!
//! The legacy `crs` member GDAL writes is honoured; it may come before or after `features`
//! (a first pass skims the file for it without building the features). Coordinates are read
//! easting first, as GDAL writes them whatever the CRS's axis order.

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use undermap_core::geometry::geometry_from_geojson;
use undermap_crs::Crs;

use crate::source::{declared, file_name, format_error, io, SourceRecord};
use crate::{IngestError, RecordResult, Rejection, Source};

const FORMAT: &str = "GeoJSON";
const SEQ_FORMAT: &str = "GeoJSON sequence";

/// Opens a FeatureCollection (or single Feature) file.
pub(crate) fn open(path: &Path) -> Result<Source, IngestError> {
    let crs = {
        let file = File::open(path).map_err(io(path))?;
        let mut de = serde_json::Deserializer::from_reader(BufReader::with_capacity(1 << 20, file));
        let skim = de
            .deserialize_map(Skim)
            .map_err(|e| format_error(path, FORMAT, e))?;
        if skim.kind.as_deref() != Some("FeatureCollection")
            && skim.kind.as_deref() != Some("Feature")
        {
            return Err(format_error(
                path,
                FORMAT,
                format!(
                    "expected a FeatureCollection or Feature, got type {:?}",
                    skim.kind
                ),
            ));
        }
        if skim.kind.as_deref() == Some("FeatureCollection") && !skim.features {
            return Err(format_error(
                path,
                FORMAT,
                "a FeatureCollection needs a `features` array",
            ));
        }
        skim.crs.map(|name| declared(path, &name)).transpose()?
    };
    let owned: PathBuf = path.to_owned();
    let mut source = Source::new(FORMAT, file_name(path), move |sink| {
        let file = File::open(&owned).map_err(io(&owned))?;
        let name: Arc<str> = file_name(&owned).into();
        let mut de = serde_json::Deserializer::from_reader(BufReader::with_capacity(1 << 20, file));
        de.deserialize_map(Stream { file: &name, sink })
            .map_err(|e| format_error(&owned, FORMAT, e))?;
        Ok(Vec::new())
    });
    source.declared_crs = crs;
    source.default_crs = Some(Crs::crs84());
    Ok(source)
}

/// Opens a GeoJSON text sequence: one Feature per line, optionally after an RS (0x1E) byte.
#[allow(clippy::unnecessary_wraps)] // the signature every reader's `open` has
pub(crate) fn open_seq(path: &Path) -> Result<Source, IngestError> {
    let owned: PathBuf = path.to_owned();
    let mut source = Source::new(SEQ_FORMAT, file_name(path), move |sink| {
        let file = File::open(&owned).map_err(io(&owned))?;
        let name: Arc<str> = file_name(&owned).into();
        let mut number = 0;
        for line in BufReader::with_capacity(1 << 20, file).split(b'\n') {
            let line = line.map_err(io(&owned))?;
            let text = line.strip_prefix(b"\x1e").unwrap_or(&line);
            if text.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            number += 1;
            let record = match serde_json::from_slice::<Value>(text) {
                Ok(value) => record(&name, number, value),
                Err(e) => Err(Rejection {
                    file: name.to_string(),
                    record: number,
                    id: None,
                    field: None,
                    reason: format!("not a JSON text: {e}"),
                }),
            };
            sink(record);
        }
        Ok(Vec::new())
    });
    source.default_crs = Some(Crs::crs84());
    Ok(source)
}

/// A Feature object as a source record.
pub(crate) fn record(file: &Arc<str>, number: usize, value: Value) -> RecordResult {
    let reject = |field: Option<&str>, reason: String| Rejection {
        file: file.to_string(),
        record: number,
        id: None,
        field: field.map(str::to_owned),
        reason,
    };
    let Value::Object(mut object) = value else {
        return Err(reject(None, "not a GeoJSON Feature object".into()));
    };
    if object.get("type").and_then(Value::as_str) != Some("Feature") {
        return Err(reject(None, "not a GeoJSON Feature object".into()));
    }
    let native_id = match object.remove("id") {
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let fields = match object.remove("properties") {
        Some(Value::Object(p)) => p,
        None | Some(Value::Null) => Map::new(),
        Some(_) => return Err(reject(Some("properties"), "must be an object".into())),
    };
    let geometry = match object.remove("geometry") {
        None | Some(Value::Null) => None,
        Some(g) => {
            let reject = |reason: String| Rejection {
                id: native_id.clone(),
                ..reject(Some("geometry"), reason)
            };
            let g = geojson::Geometry::from_json_value(g).map_err(|e| reject(e.to_string()))?;
            Some(geometry_from_geojson(&g).map_err(|e| reject(e.to_string()))?)
        }
    };
    Ok(SourceRecord {
        file: Arc::clone(file),
        number,
        native_id,
        geometry,
        fields,
    })
}

/// First pass: the top-level `type` and `crs`, skipping the features unparsed.
#[derive(Default)]
struct Skimmed {
    kind: Option<String>,
    features: bool,
    crs: Option<String>,
}

struct Skim;

impl<'de> Visitor<'de> for Skim {
    type Value = Skimmed;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a GeoJSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Skimmed, A::Error> {
        let mut out = Skimmed::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "type" => out.kind = map.next_value()?,
                "features" => {
                    out.features = true;
                    map.next_value::<IgnoredAny>()?;
                }
                "crs" => {
                    let crs: Value = map.next_value()?;
                    out.crs = crs
                        .pointer("/properties/name")
                        .and_then(Value::as_str)
                        .map(str::to_owned);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

/// Second pass: each element of `features` (or the single Feature) handed to the sink.
struct Stream<'a, 'b> {
    file: &'a Arc<str>,
    sink: &'a mut crate::source::Sink<'b>,
}

impl<'de> Visitor<'de> for Stream<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a GeoJSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut single = Map::new();
        let mut is_feature = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "features" => map.next_value_seed(Features {
                    file: self.file,
                    sink: &mut *self.sink,
                })?,
                "type" => {
                    let t: Value = map.next_value()?;
                    is_feature = t == "Feature";
                    single.insert(key, t);
                }
                _ => {
                    let v: Value = map.next_value()?;
                    single.insert(key, v);
                }
            }
        }
        if is_feature {
            (self.sink)(record(self.file, 1, Value::Object(single)));
        }
        Ok(())
    }
}

struct Features<'a, 'b> {
    file: &'a Arc<str>,
    sink: &'a mut crate::source::Sink<'b>,
}

impl<'de> DeserializeSeed<'de> for Features<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Features<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a `features` array")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut number = 0;
        while let Some(value) = seq.next_element::<Value>()? {
            number += 1;
            (self.sink)(record(self.file, number, value));
        }
        Ok(())
    }
}
