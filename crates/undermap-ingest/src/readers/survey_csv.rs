//! Pipeline-detection survey tables in the style of CJJ 61 (城市地下管线探测技术规程): a point
//! table (point number, X, Y, ground elevation, depth or top/invert elevation, feature,
//! attachment) and a segment table (start and end point numbers, material, size, burial,
//! owner, pressure or voltage, cable count…), UTF-8 or GBK.
//!
//! Survey convention: **X is the northing and Y the easting** (测量坐标系). Lines are built from
//! the point numbers; a segment naming a point that is not in the point table is rejected with
//! that reason. Each end's depth comes from its point (`埋深`, or ground elevation minus the
//! top or invert elevation); the segment's `depth_top_m` is the shallower end, since a dig must
//! assume the worst. Points with an attachment (valve, manhole, hydrant…) become point features;
//! the others are vertices only, and the summary says how many.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use encoding_rs::Encoding;
use geo_types::{Coord, Geometry, LineString, Point};
use serde_json::{Map, Number, Value};

use super::text::decode;
use crate::source::{declared, file_name, format_error, io, SourceRecord};
use crate::{IngestError, Rejection, Source};

const FORMAT: &str = "survey table (CJJ 61)";

const POINT_ID: &[&str] = &["点号", "物探点号", "测点号", "point_id", "point"];
const NORTHING: &[&str] = &["x", "x坐标", "北坐标", "纵坐标", "northing", "n"];
const EASTING: &[&str] = &["y", "y坐标", "东坐标", "横坐标", "easting", "e"];
const GROUND: &[&str] = &["地面高程", "地面标高", "ground_elevation"];
const DEPTH: &[&str] = &["埋深", "管线埋深", "depth", "depth_m"];
const TOP: &[&str] = &["管顶高程", "管顶标高", "top_elevation"];
const INVERT: &[&str] = &["管底高程", "管内底高程", "管底标高", "invert_elevation"];
const ATTACHMENT: &[&str] = &["附属物", "attachment"];
const START: &[&str] = &["起点点号", "起点", "起始点号", "start_point", "from"];
const END: &[&str] = &["终点点号", "连接点号", "终点", "end_point", "to"];
/// A segment table's own record number, if it has one: it tells parallel segments apart.
const RECORD: &[&str] = &[
    "记录号",
    "序号",
    "管段号",
    "管段编号",
    "record_no",
    "record",
];

/// Which table a CSV is, from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Table {
    Points,
    Segments,
}

struct Csv {
    path: PathBuf,
    header: Vec<String>,
    rows: Vec<(usize, Vec<String>)>,
}

fn find(header: &[String], names: &[&str]) -> Option<usize> {
    header
        .iter()
        .position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
}

fn read_csv(path: &Path, encoding: Option<&'static Encoding>) -> Result<Csv, IngestError> {
    let bytes = std::fs::read(path).map_err(io(path))?;
    let (text, _) = decode(&bytes, encoding).map_err(|e| format_error(path, FORMAT, e))?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format_error(path, FORMAT, e))?
        .iter()
        .map(str::to_owned)
        .collect();
    let mut rows = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let row = row.map_err(|e| format_error(path, FORMAT, format!("row {}: {e}", i + 1)))?;
        rows.push((i + 1, row.iter().map(str::to_owned).collect()));
    }
    Ok(Csv {
        path: path.to_owned(),
        header,
        rows,
    })
}

/// Which table a CSV file is, or `None` if its header is neither.
pub(crate) fn classify(
    path: &Path,
    encoding: Option<&'static Encoding>,
) -> Result<Option<Table>, IngestError> {
    let bytes = std::fs::read(path).map_err(io(path))?;
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let (text, _) = decode(first_line, encoding).map_err(|e| format_error(path, FORMAT, e))?;
    let header: Vec<String> = text
        .split(',')
        .map(|s| s.trim().trim_matches('"').to_owned())
        .collect();
    Ok(
        if find(&header, START).is_some() && find(&header, END).is_some() {
            Some(Table::Segments)
        } else if find(&header, POINT_ID).is_some()
            && find(&header, NORTHING).is_some()
            && find(&header, EASTING).is_some()
        {
            Some(Table::Points)
        } else {
            None
        },
    )
}

fn cell_number(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() {
        None
    } else {
        t.parse::<f64>().ok().filter(|v| v.is_finite())
    }
}

fn text_value(s: &str) -> Value {
    let t = s.trim();
    if t.is_empty() {
        Value::Null
    } else if let Some(n) = cell_number(t).and_then(Number::from_f64) {
        // Keep codes with leading zeros as text.
        if t.starts_with('0') && t.len() > 1 && !t.starts_with("0.") {
            Value::String(t.to_owned())
        } else {
            Value::Number(n)
        }
    } else {
        Value::String(t.to_owned())
    }
}

struct SurveyPoint {
    coord: Coord<f64>,
    /// Depth to the top of the pipe at this point, metres.
    top: Option<f64>,
    /// Depth to the invert (bottom), metres.
    bottom: Option<f64>,
}

/// Opens a point table and a segment table as one source.
pub(crate) fn open(
    points: &Path,
    segments: &Path,
    encoding: Option<&'static Encoding>,
) -> Result<Source, IngestError> {
    let prj = points.with_extension("prj");
    let crs = if prj.exists() {
        let wkt = std::fs::read_to_string(&prj).map_err(io(&prj))?;
        Some(declared(&prj, &wkt)?)
    } else {
        None
    };
    let points_csv = read_csv(points, encoding)?;
    let segments_csv = read_csv(segments, encoding)?;
    let name = format!("{} + {}", file_name(points), file_name(segments));
    let mut source = Source::new(FORMAT, name, move |sink| {
        Ok(read(&points_csv, &segments_csv, sink))
    });
    source.declared_crs = crs;
    Ok(source)
}

fn read(points: &Csv, segments: &Csv, sink: &mut crate::source::Sink<'_>) -> Vec<String> {
    let mut notes = Vec::new();
    let pfile: Arc<str> = file_name(&points.path).into();
    let sfile: Arc<str> = file_name(&segments.path).into();
    let h = &points.header;
    let (Some(id_col), Some(x_col), Some(y_col)) =
        (find(h, POINT_ID), find(h, NORTHING), find(h, EASTING))
    else {
        return notes;
    };
    let (ground, depth, top, invert, attachment) = (
        find(h, GROUND),
        find(h, DEPTH),
        find(h, TOP),
        find(h, INVERT),
        find(h, ATTACHMENT),
    );
    let cell = |row: &[String], col: Option<usize>| {
        col.and_then(|c| row.get(c)).and_then(|s| cell_number(s))
    };
    let mut table: HashMap<String, SurveyPoint> = HashMap::new();
    let mut vertices_only = 0_usize;
    for (number, row) in &points.rows {
        let reject = |field: Option<usize>, id: Option<String>, reason: String| Rejection {
            file: pfile.to_string(),
            record: *number,
            id,
            field: field.map(|c| h[c].clone()),
            reason,
        };
        let id = row
            .get(id_col)
            .map(|s| s.trim().to_owned())
            .unwrap_or_default();
        if id.is_empty() {
            sink(Err(reject(
                Some(id_col),
                None,
                "missing point number".into(),
            )));
            continue;
        }
        let (Some(north), Some(east)) = (cell(row, Some(x_col)), cell(row, Some(y_col))) else {
            sink(Err(reject(
                Some(x_col),
                Some(id),
                "X and Y must both be numbers".into(),
            )));
            continue;
        };
        if table.contains_key(&id) {
            sink(Err(reject(
                Some(id_col),
                Some(id.clone()),
                format!("point {id} appears twice in the table; the first one was used"),
            )));
            continue;
        }
        let g = cell(row, ground);
        let depth_here = cell(row, depth);
        let top_depth = depth_here.or_else(|| Some(g? - cell(row, top)?));
        let bottom_depth = g.zip(cell(row, invert)).map(|(g, i)| g - i);
        let point = SurveyPoint {
            coord: Coord { x: east, y: north },
            top: top_depth.or(bottom_depth),
            bottom: bottom_depth,
        };
        let has_attachment = attachment
            .and_then(|c| row.get(c))
            .is_some_and(|s| !s.trim().is_empty());
        if has_attachment {
            let mut fields = Map::new();
            for (c, v) in row.iter().enumerate() {
                // The number and coordinates are the id and the geometry already.
                if [id_col, x_col, y_col].contains(&c) {
                    continue;
                }
                if let Some(k) = h.get(c) {
                    fields.insert(k.clone(), text_value(v));
                }
            }
            if let Some(d) = point.top.and_then(Number::from_f64) {
                fields.insert("depth_top_m".into(), Value::Number(d));
            }
            sink(Ok(SourceRecord {
                file: Arc::clone(&pfile),
                number: *number,
                native_id: Some(id.clone()),
                geometry: Some(Geometry::Point(Point(point.coord))),
                fields,
            }));
        } else {
            vertices_only += 1;
        }
        table.insert(id, point);
    }
    if vertices_only > 0 {
        notes.push(format!(
            "{pfile}: {vertices_only} survey point(s) without an attachment used as line vertices only"
        ));
    }

    let h = &segments.header;
    let (Some(start_col), Some(end_col)) = (find(h, START), find(h, END)) else {
        return notes;
    };
    let record_col = find(h, RECORD);
    // Segments joining the same two points (two pipes in one trench, a main and its duplicate)
    // are all loaded: the first keeps `<start>-<end>`, the next ones get the table's record
    // number, else their place among them in file order (`-2`, `-3`…): stable across re-loads
    // of the same table.
    let mut pairs: HashMap<String, usize> = HashMap::new();
    let mut ids: std::collections::HashSet<String> = std::collections::HashSet::new();
    for (number, row) in &segments.rows {
        let reject = |col: usize, id: Option<String>, reason: String| Rejection {
            file: sfile.to_string(),
            record: *number,
            id,
            field: Some(h[col].clone()),
            reason,
        };
        let start = row
            .get(start_col)
            .map(|s| s.trim().to_owned())
            .unwrap_or_default();
        let end = row
            .get(end_col)
            .map(|s| s.trim().to_owned())
            .unwrap_or_default();
        let pair = format!("{start}-{end}");
        let nth = pairs.entry(pair.clone()).or_insert(0);
        *nth += 1;
        let id = if *nth == 1 {
            pair
        } else {
            let record = record_col
                .and_then(|c| row.get(c))
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .map(|r| format!("{pair}-{r}"))
                .filter(|id| !ids.contains(id));
            record.unwrap_or_else(|| format!("{pair}-{nth}"))
        };
        ids.insert(id.clone());
        let mut ends = Vec::with_capacity(2);
        let mut missing = None;
        for (col, p) in [(start_col, &start), (end_col, &end)] {
            if let Some(point) = table.get(p.as_str()) {
                ends.push(point);
            } else {
                missing = Some(reject(
                    col,
                    Some(id.clone()),
                    if p.is_empty() {
                        "missing point number".into()
                    } else {
                        format!("point {p} is not in the point table {pfile}")
                    },
                ));
                break;
            }
        }
        if let Some(r) = missing {
            sink(Err(r));
            continue;
        }
        let mut fields = Map::new();
        for (c, v) in row.iter().enumerate() {
            if let Some(k) = h.get(c) {
                fields.insert(k.clone(), text_value(v));
            }
        }
        let put = |fields: &mut Map<String, Value>, key: &str, v: Option<f64>| {
            if let Some(n) = v.and_then(Number::from_f64) {
                fields.entry(key.to_owned()).or_insert(Value::Number(n));
            }
        };
        let (a, b) = (ends[0], ends[1]);
        put(&mut fields, "depth_start_m", a.top);
        put(&mut fields, "depth_end_m", b.top);
        let shallower = match (a.top, b.top) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        };
        put(&mut fields, "depth_top_m", shallower);
        let deeper = match (a.bottom, b.bottom) {
            (Some(x), Some(y)) => Some(x.max(y)),
            (x, y) => x.or(y),
        };
        put(&mut fields, "depth_bottom_m", deeper);
        sink(Ok(SourceRecord {
            file: Arc::clone(&sfile),
            number: *number,
            native_id: Some(id),
            geometry: Some(Geometry::LineString(LineString(vec![a.coord, b.coord]))),
            fields,
        }));
    }
    notes
}
