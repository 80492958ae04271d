//! One reader per delivery format; each turns a file into a stream of [`SourceRecord`]s.
//!
//! [`SourceRecord`]: crate::SourceRecord

pub(crate) mod dxf;
mod geojson;
mod gpkg;
mod shapefile;
mod survey_csv;
pub(crate) mod text;

use std::path::{Path, PathBuf};

use encoding_rs::Encoding;

use crate::department::Department;
use crate::source::file_name;
use crate::{IngestError, IngestOptions, Source};

fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

/// The files that make up one input (a Shapefile is several), for the delivery's checksum.
pub(crate) fn parts(path: &Path) -> Vec<PathBuf> {
    if extension(path) == "shp" {
        shapefile::parts(path)
    } else {
        vec![path.to_owned()]
    }
}

/// Opens every input with its reader. Survey CSVs are paired: point tables first, then each
/// segment table builds its lines from all point tables given.
pub(crate) fn open_all(
    inputs: &[PathBuf],
    department: &Department,
    options: &IngestOptions,
    encoding: Option<&'static Encoding>,
) -> Result<Vec<Source>, IngestError> {
    let mut sources = Vec::new();
    let mut point_tables = Vec::new();
    let mut segment_tables = Vec::new();
    for path in inputs {
        if !path.exists() {
            return Err(IngestError::Io {
                file: file_name(path),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
            });
        }
        match extension(path).as_str() {
            "geojson" | "json" => sources.push(geojson::open(path)?),
            "geojsonl" | "geojsons" | "geojsonseq" | "jsonl" | "ndjson" => {
                sources.push(geojson::open_seq(path)?);
            }
            "shp" => sources.push(shapefile::open(path, encoding)?),
            "gpkg" => sources.push(gpkg::open(
                path,
                options.table.as_deref(),
                department.layer,
            )?),
            "csv" | "txt" => match survey_csv::classify(path, encoding)? {
                Some(survey_csv::Table::Points) => point_tables.push(path.clone()),
                Some(survey_csv::Table::Segments) => segment_tables.push(path.clone()),
                None => {
                    return Err(IngestError::Format {
                        file: file_name(path),
                        format: "survey table (CJJ 61)",
                        reason: "the header is neither a point table (点号, X, Y…) nor a segment table (起点点号, 终点点号…)".into(),
                    })
                }
            },
            "dxf" => {
                let mapping = options.dxf_layers.as_ref().ok_or_else(|| {
                    IngestError::Input(format!(
                        "{}: a DXF delivery needs a layer mapping (--dxf-layers FILE.toml) saying which CAD layers hold which department's features",
                        file_name(path)
                    ))
                })?;
                sources.push(dxf::open(path, mapping, department.name, encoding)?);
            }
            "zip" => {
                return Err(IngestError::Input(format!(
                    "{}: unpack the archive and name its files",
                    file_name(path)
                )))
            }
            other => {
                return Err(IngestError::Input(format!(
                    "{}: unknown delivery format {other:?}; expected .geojson, .geojsonl, .shp, .gpkg, .csv (survey tables) or .dxf",
                    file_name(path)
                )))
            }
        }
    }
    match (point_tables.as_slice(), segment_tables.as_slice()) {
        ([], []) => {}
        ([points], segments) if !segments.is_empty() => {
            for segments in segments {
                sources.push(survey_csv::open(points, segments, encoding)?);
            }
        }
        ([_], []) => {
            return Err(IngestError::Input(
                "a survey point table was given without its segment table (起点点号, 终点点号…)"
                    .into(),
            ))
        }
        ([], _) => {
            return Err(IngestError::Input(
                "a survey segment table was given without its point table (点号, X, Y…)".into(),
            ))
        }
        _ => {
            return Err(IngestError::Input(
                "give one survey point table per delivery (several were given)".into(),
            ))
        }
    }
    Ok(sources)
}
