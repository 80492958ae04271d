//! GeoPackage deliveries: every feature table listed in `gpkg_contents` (or the one named), the
//! CRS from `gpkg_spatial_ref_sys`, geometry from GeoPackage binary.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use geozero::wkb::GpkgWkb;
use geozero::ToGeo;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use serde_json::{Map, Number, Value};
use undermap_crs::Crs;

use crate::source::{declared, file_name, format_error, SourceRecord};
use crate::{IngestError, Rejection, Source};

const FORMAT: &str = "GeoPackage";

struct Table {
    name: String,
    geometry_column: String,
}

fn connect(path: &Path) -> Result<Connection, IngestError> {
    Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| format_error(path, FORMAT, e))
}

/// Opens a GeoPackage: the table named `only`, else a table named like the layer if there is one
/// (an undermap export holds one view per layer), else every feature table. The tables read must
/// share one CRS.
pub(crate) fn open(path: &Path, only: Option<&str>, layer: &str) -> Result<Source, IngestError> {
    let conn = connect(path)?;
    let err = |e: rusqlite::Error| format_error(path, FORMAT, e);
    let mut stmt = conn
        .prepare(
            "SELECT c.table_name, g.column_name, s.organization, s.organization_coordsys_id, s.definition \
             FROM gpkg_contents c JOIN gpkg_geometry_columns g ON g.table_name = c.table_name \
             JOIN gpkg_spatial_ref_sys s ON s.srs_id = g.srs_id \
             WHERE c.data_type = 'features' ORDER BY c.table_name",
        )
        .map_err(|e| format_error(path, FORMAT, format!("not a GeoPackage with feature tables: {e}")))?;
    let rows: Vec<(String, String, String, i64, String)> = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .map_err(err)?
        .collect::<Result<_, _>>()
        .map_err(err)?;
    let only = only.or_else(|| rows.iter().any(|r| r.0 == layer).then_some(layer));
    let rows: Vec<_> = rows
        .into_iter()
        .filter(|r| only.is_none_or(|t| t == r.0))
        .collect();
    if rows.is_empty() {
        return Err(format_error(
            path,
            FORMAT,
            match only {
                Some(t) => format!("no feature table {t:?}"),
                None => "no feature tables".into(),
            },
        ));
    }
    let mut crs: Option<Crs> = None;
    let mut tables = Vec::new();
    for (name, geometry_column, org, code, definition) in rows {
        let this = if org.eq_ignore_ascii_case("EPSG") && code > 0 {
            declared(path, &format!("EPSG:{code}"))?
        } else if definition.trim() != "undefined" {
            declared(path, &definition)?
        } else {
            return Err(format_error(
                path,
                FORMAT,
                format!("table {name:?} has an undefined CRS; give --crs"),
            ));
        };
        if let Some(first) = &crs {
            if first != &this {
                return Err(format_error(
                    path,
                    FORMAT,
                    format!(
                        "tables use different CRSs ({} and {}); deliver them separately",
                        first.name(),
                        this.name()
                    ),
                ));
            }
        }
        crs = Some(this);
        tables.push(Table {
            name,
            geometry_column,
        });
    }
    let owned: PathBuf = path.to_owned();
    let mut source = Source::new(FORMAT, file_name(path), move |sink| {
        let conn = connect(&owned)?;
        let name: Arc<str> = file_name(&owned).into();
        for table in &tables {
            read_table(&conn, &owned, &name, table, sink)?;
        }
        Ok(Vec::new())
    });
    source.declared_crs = crs;
    Ok(source)
}

fn read_table(
    conn: &Connection,
    path: &Path,
    file: &Arc<str>,
    table: &Table,
    sink: &mut crate::source::Sink<'_>,
) -> Result<(), IngestError> {
    let err =
        |e: rusqlite::Error| format_error(path, FORMAT, format!("table {:?}: {e}", table.name));
    let quoted = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut stmt = conn
        .prepare(&format!("SELECT rowid, * FROM {}", quoted(&table.name)))
        .map_err(err)?;
    let columns: Vec<String> = stmt
        .column_names()
        .iter()
        .map(|c| (*c).to_owned())
        .collect();
    let mut rows = stmt.query([]).map_err(err)?;
    while let Some(row) = rows.next().map_err(err)? {
        let number = usize::try_from(row.get::<_, i64>(0).map_err(err)?).unwrap_or_default();
        let mut fields = Map::new();
        let mut geometry = None;
        let mut bad_geometry = None;
        for (i, column) in columns.iter().enumerate().skip(1) {
            let v = row.get_ref(i).map_err(err)?;
            if *column == table.geometry_column {
                if let ValueRef::Blob(b) = v {
                    if is_collection(b) {
                        // Only collections nest without bound, and the WKB reader recurses:
                        // a hostile file could overflow the stack. No layer takes them anyway.
                        bad_geometry = Some(
                            "GeometryCollection is not accepted; deliver one geometry per record"
                                .to_owned(),
                        );
                        continue;
                    }
                    match GpkgWkb(b.to_vec()).to_geo() {
                        Ok(g) => geometry = Some(g),
                        Err(e) => bad_geometry = Some(e.to_string()),
                    }
                }
                continue;
            }
            fields.insert(
                column.clone(),
                match v {
                    ValueRef::Null | ValueRef::Blob(_) => Value::Null,
                    ValueRef::Integer(n) => Value::from(n),
                    ValueRef::Real(n) => Number::from_f64(n).map_or(Value::Null, Value::Number),
                    ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
                },
            );
        }
        let record = match bad_geometry {
            Some(reason) => Err(Rejection {
                file: file.to_string(),
                record: number,
                id: None,
                field: Some(table.geometry_column.clone()),
                reason: format!("GeoPackage geometry cannot be read: {reason}"),
            }),
            None => Ok(SourceRecord {
                file: Arc::clone(file),
                number,
                native_id: None,
                geometry,
                fields,
            }),
        };
        sink(record);
    }
    Ok(())
}

/// Whether a GeoPackage geometry blob holds a (possibly nested) GeometryCollection at its top
/// level: the GeoPackage header (`GP`, version, flags, SRS id, envelope), then ISO WKB.
fn is_collection(blob: &[u8]) -> bool {
    let (Some(&flags), true) = (blob.get(3), blob.starts_with(b"GP")) else {
        return false;
    };
    let envelope = match (flags >> 1) & 0b111 {
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        _ => 0,
    };
    let wkb = &blob[(8 + envelope).min(blob.len())..];
    let (Some(&order), Some(ty)) = (wkb.first(), wkb.get(1..5)) else {
        return false;
    };
    let ty: [u8; 4] = ty.try_into().unwrap_or_default();
    let ty = if order == 1 {
        u32::from_le_bytes(ty)
    } else {
        u32::from_be_bytes(ty)
    };
    // ISO codes 7, 1007, 2007, 3007; EWKB-style flags in the high bits.
    (ty & 0x0FFF_FFFF) % 1000 == 7
}

#[cfg(test)]
mod collection_tests {
    use super::is_collection;

    fn blob(ty: u32, little: bool) -> Vec<u8> {
        let mut b = b"GP\0\x01".to_vec();
        b.extend_from_slice(&4545_i32.to_le_bytes());
        b.push(u8::from(little));
        b.extend_from_slice(&if little {
            ty.to_le_bytes()
        } else {
            ty.to_be_bytes()
        });
        b.extend_from_slice(&0_u32.to_le_bytes());
        b
    }

    #[test]
    fn collections_are_told_from_their_header() {
        assert!(is_collection(&blob(7, true)));
        assert!(is_collection(&blob(1007, false)));
        assert!(!is_collection(&blob(2, true)));
        assert!(!is_collection(&blob(6, false)));
        assert!(!is_collection(b"GP"));
        assert!(!is_collection(b""));
    }
}
