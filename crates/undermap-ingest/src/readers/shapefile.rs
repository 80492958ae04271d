//! ESRI Shapefiles: geometry from `.shp` (+ `.shx`), attributes from `.dbf`, the CRS from `.prj`,
//! the text encoding from `.cpg`, else the DBF's language-driver byte, else `--encoding`, else
//! UTF-8 (and a record whose text is not UTF-8 is rejected with a hint, never garbled).

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use dbase::FieldValue;
use encoding_rs::{Encoding, GB18030, UTF_8};
use serde_json::{Map, Number, Value};

use super::text::by_label;
use crate::source::{declared, file_name, format_error, io, SourceRecord};
use crate::{IngestError, Rejection, Source};

const FORMAT: &str = "ESRI Shapefile";

/// The files that make up a Shapefile, for hashing.
pub(crate) fn parts(path: &Path) -> Vec<PathBuf> {
    ["shp", "shx", "dbf", "prj", "cpg"]
        .iter()
        .map(|ext| sibling(path, ext))
        .filter(|p| p.exists())
        .collect()
}

fn sibling(path: &Path, ext: &str) -> PathBuf {
    let lower = path.with_extension(ext);
    if lower.exists() {
        return lower;
    }
    path.with_extension(ext.to_ascii_uppercase())
}

/// The encoding of the `.dbf` text: `.cpg`, else the language driver id, else `given`.
fn encoding(
    path: &Path,
    given: Option<&'static Encoding>,
) -> Result<&'static Encoding, IngestError> {
    let cpg = sibling(path, "cpg");
    if cpg.exists() {
        let label = std::fs::read_to_string(&cpg).map_err(io(&cpg))?;
        return by_label(&label).ok_or_else(|| {
            format_error(
                &cpg,
                FORMAT,
                format!("unknown code page {:?} in .cpg", label.trim()),
            )
        });
    }
    if let Some(enc) = given {
        return Ok(enc);
    }
    let dbf = sibling(path, "dbf");
    let header = std::fs::read(&dbf).map_err(io(&dbf))?;
    // Byte 29 of a DBF header: the language driver. 0x4D is GB 2312 / code page 936.
    Ok(match header.get(29) {
        Some(0x4D) => GB18030,
        _ => UTF_8,
    })
}

/// Opens a Shapefile given its `.shp` path.
pub(crate) fn open(path: &Path, given: Option<&'static Encoding>) -> Result<Source, IngestError> {
    let dbf = sibling(path, "dbf");
    if !dbf.exists() {
        return Err(format_error(
            path,
            FORMAT,
            "the .dbf file with the attributes is missing",
        ));
    }
    let prj = sibling(path, "prj");
    let crs = if prj.exists() {
        let wkt = std::fs::read_to_string(&prj).map_err(io(&prj))?;
        Some(declared(&prj, &wkt)?)
    } else {
        None
    };
    let enc = encoding(path, given)?;
    let owned = path.to_owned();
    let mut source = Source::new(FORMAT, file_name(path), move |sink| {
        let shp = File::open(&owned).map_err(io(&owned))?;
        let shx = sibling(&owned, "shx");
        let shapes = if shx.exists() {
            let shx_file = File::open(&shx).map_err(io(&shx))?;
            shapefile::ShapeReader::with_shx(BufReader::new(shp), BufReader::new(shx_file))
        } else {
            shapefile::ShapeReader::new(BufReader::new(shp))
        }
        .map_err(|e| format_error(&owned, FORMAT, e))?;
        let table = dbase::ReaderBuilder::new()
            .with_encoding(dbase::encoding::EncodingRs::from(enc))
            .build(BufReader::new(File::open(&dbf).map_err(io(&dbf))?))
            .map_err(|e| format_error(&dbf, FORMAT, e))?;
        let order: Vec<String> = table.fields().iter().map(|f| f.name().to_owned()).collect();
        let mut reader = shapefile::Reader::new(shapes, table);
        let mut reader = reader.iter_shapes_and_records_as::<shapefile::Shape, Row>();
        let name: Arc<str> = file_name(&owned).into();
        for (i, item) in reader.by_ref().enumerate() {
            let number = i + 1;
            let reject = |reason: String| Rejection {
                file: name.to_string(),
                record: number,
                id: None,
                field: None,
                reason,
            };
            let (shape, row) = match item {
                Ok(pair) => pair,
                Err(shapefile::Error::DbaseError(e)) => {
                    sink(Err(reject(format!(
                        "attributes cannot be read ({e}); if the text is GBK and there is no .cpg, give --encoding GBK"
                    ))));
                    continue;
                }
                // A broken .shp record cannot be skipped over reliably: stop with the reason.
                Err(e) => {
                    return Err(format_error(
                        &owned,
                        FORMAT,
                        format!("record {number}: {e}"),
                    ))
                }
            };
            let geometry = match shape {
                shapefile::Shape::NullShape => None,
                shape => match geo_types::Geometry::<f64>::try_from(shape) {
                    Ok(g) => Some(g),
                    Err(e) => {
                        sink(Err(Rejection {
                            field: Some("geometry".into()),
                            ..reject(format!("unsupported shape: {e}"))
                        }));
                        continue;
                    }
                },
            };
            if let Some((index, reason)) = row.bad {
                let field = order.get(index).cloned();
                sink(Err(Rejection {
                    field,
                    ..reject(format!(
                        "attribute cannot be read: {reason}; if the text is GBK and there is no .cpg, give --encoding GBK"
                    ))
                }));
                continue;
            }
            let mut fields = Map::new();
            for (key, v) in order.iter().zip(row.values) {
                fields.insert(key.clone(), v);
            }
            sink(Ok(SourceRecord {
                file: Arc::clone(&name),
                number,
                native_id: None,
                geometry,
                fields,
            }));
        }
        Ok(Vec::new())
    });
    source.declared_crs = crs;
    Ok(source)
}

/// A DBF row read field by field, so that one unreadable field names itself, and zero-filled
/// dates ("00000000", how GDAL and ArcGIS write an empty date) read as empty instead of failing
/// the whole record.
struct Row {
    values: Vec<Value>,
    /// The first field that could not be read: its index and why.
    bad: Option<(usize, String)>,
}

impl dbase::ReadableRecord for Row {
    fn read_using<S, M>(fields: &mut dbase::FieldIterator<S, M>) -> Result<Self, dbase::FieldError>
    where
        S: std::io::Read + std::io::Seek,
        M: std::io::Read + std::io::Seek,
    {
        let mut row = Row {
            values: Vec::new(),
            bad: None,
        };
        loop {
            match fields.read_next_field() {
                Ok(named) => row.values.push(value(named.value)),
                Err(e) if matches!(e.kind(), dbase::ErrorKind::EndOfRecord) => break,
                Err(e) => {
                    let text = e.to_string();
                    let zero_date = text.contains("dbase::Date") && text.contains("got 0");
                    if !zero_date && row.bad.is_none() {
                        row.bad = Some((row.values.len(), text));
                    }
                    row.values.push(Value::Null);
                }
            }
        }
        Ok(row)
    }
}

fn number(v: f64) -> Value {
    Number::from_f64(v).map_or(Value::Null, Value::Number)
}

fn value(v: FieldValue) -> Value {
    match v {
        FieldValue::Character(s) => s.map_or(Value::Null, |s| Value::String(s.trim().to_owned())),
        FieldValue::Memo(s) => Value::String(s),
        FieldValue::Numeric(n) => n.map_or(Value::Null, number),
        FieldValue::Float(n) => n.map_or(Value::Null, |n| number(f64::from(n))),
        FieldValue::Double(n) | FieldValue::Currency(n) => number(n),
        FieldValue::Integer(n) => Value::from(n),
        FieldValue::Logical(b) => b.map_or(Value::Null, Value::Bool),
        FieldValue::Date(d) => d.map_or(Value::Null, |d| {
            Value::String(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
        }),
        FieldValue::DateTime(dt) => {
            let d = dt.date();
            Value::String(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
        }
    }
}
