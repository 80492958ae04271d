//! Tile reads in the audit trail: one entry per caller, address and minute, with the tiles it
//! was served counted, instead of one entry per tile. A map shows thirty tiles a screen; an entry
//! each made the trail's writer (a chained insert per entry) a large part of serving a cached
//! tile. Tiles refused (401, 403, 404, 429…) still get an entry each.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Timelike, Utc};

use super::AuditEntry;

/// The route of a tile.
pub(crate) const TILE_ENDPOINT: &str = "GET /tiles/{layer}/{z}/{x}/{y}";

/// Whether an entry is a tile that was served (200, or 304 to a client that had it).
pub(crate) fn is_tile_read(e: &AuditEntry) -> bool {
    e.endpoint == TILE_ENDPOINT && matches!(e.status, 200 | 304)
}

/// Who read, from where, in which minute.
type Key = (DateTime<Utc>, Option<String>, Option<String>, String);

/// The tiles one caller read in one minute.
struct Reads {
    first: AuditEntry,
    tiles: u64,
    not_modified: u64,
    zooms: (u32, u32),
    layers: BTreeSet<String>,
    duration_ms: u64,
}

/// Tile reads of the minutes not written yet.
#[derive(Default)]
pub(crate) struct TileReads {
    open: BTreeMap<Key, Reads>,
}

fn minute(at: DateTime<Utc>) -> DateTime<Utc> {
    at.with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(at)
}

impl TileReads {
    /// Counts a tile read (see [`is_tile_read`]).
    pub(crate) fn add(&mut self, e: AuditEntry) {
        // `/tiles/{layer}/{z}/{x}/{y}`
        let mut parts = e.path.trim_start_matches('/').split('/').skip(1);
        let layer = parts.next().unwrap_or_default().to_owned();
        let zoom = parts.next().and_then(|z| z.parse().ok()).unwrap_or(0);
        let key = (
            minute(e.at),
            e.actor.clone(),
            e.key_id.clone(),
            e.address.clone(),
        );
        let reads = self.open.entry(key).or_insert_with(|| Reads {
            tiles: 0,
            not_modified: 0,
            zooms: (zoom, zoom),
            layers: BTreeSet::new(),
            duration_ms: 0,
            first: e.clone(),
        });
        reads.tiles += 1;
        reads.not_modified += u64::from(e.status == 304);
        reads.zooms = (reads.zooms.0.min(zoom), reads.zooms.1.max(zoom));
        if !reads.layers.contains(&layer) {
            reads.layers.insert(layer);
        }
        reads.duration_ms = reads.duration_ms.saturating_add(e.duration_ms);
    }

    /// Whether nothing is waiting.
    pub(crate) fn is_empty(&self) -> bool {
        self.open.is_empty()
    }

    /// One entry for each caller's minute that ended before `now` (every minute, with `all`).
    pub(crate) fn take(&mut self, now: DateTime<Utc>, all: bool) -> Vec<AuditEntry> {
        let current = minute(now);
        let closed: Vec<Key> = self
            .open
            .keys()
            .filter(|k| all || k.0 < current)
            .cloned()
            .collect();
        closed
            .into_iter()
            .filter_map(|k| self.open.remove(&k))
            .map(|r| {
                let layers: Vec<String> = r.layers.into_iter().collect();
                let (low, high) = r.zooms;
                AuditEntry {
                    status: 200,
                    query: None,
                    returned: Some(r.tiles),
                    area: None,
                    detail: Some(format!(
                        "{} tile(s) served in the minute from {} ({} not modified), zoom {low}–{high}, layers {}",
                        r.tiles,
                        minute(r.first.at).format("%Y-%m-%dT%H:%MZ"),
                        r.not_modified,
                        layers.join(", ")
                    )),
                    duration_ms: r.duration_ms,
                    ..r.first
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn tile(at: DateTime<Utc>, key: &str, z: u32, status: u16) -> AuditEntry {
        AuditEntry {
            at,
            actor: Some("crew".into()),
            role: Some("contractor".into()),
            key_id: Some(key.into()),
            address: "10.0.0.7".into(),
            method: "GET".into(),
            endpoint: TILE_ENDPOINT.into(),
            path: format!("/tiles/water/{z}/1/2.mvt"),
            query: None,
            status,
            returned: None,
            area: None,
            detail: None,
            duration_ms: 2,
        }
    }

    #[test]
    fn a_minute_of_tiles_is_one_entry_per_key_with_the_tiles_counted() {
        let t0 = Utc.with_ymd_and_hms(2026, 12, 2, 9, 30, 5).unwrap();
        let mut reads = TileReads::default();
        for i in 0..30 {
            let e = tile(
                t0 + chrono::Duration::seconds(i),
                "k1",
                15 + (i % 3) as u32,
                200,
            );
            assert!(is_tile_read(&e));
            reads.add(e);
        }
        reads.add(tile(t0, "k1", 16, 304));
        reads.add(tile(t0, "k2", 17, 200));
        // The next minute's first tile.
        reads.add(tile(t0 + chrono::Duration::seconds(60), "k1", 15, 200));
        assert!(
            !is_tile_read(&tile(t0, "k1", 15, 403)),
            "refusals stay single"
        );
        // While the minute lasts, nothing is written.
        assert!(reads
            .take(t0 + chrono::Duration::seconds(30), false)
            .is_empty());
        let written = reads.take(t0 + chrono::Duration::seconds(61), false);
        let counts: Vec<(Option<&str>, Option<u64>)> = written
            .iter()
            .map(|e| (e.key_id.as_deref(), e.returned))
            .collect();
        assert_eq!(counts, [(Some("k1"), Some(31)), (Some("k2"), Some(1))]);
        let detail = written[0].detail.as_deref().unwrap();
        assert!(
            detail.contains("(1 not modified), zoom 15–17, layers water"),
            "{detail}"
        );
        assert_eq!(written[0].at, t0, "the first tile's time");
        assert_eq!(written[0].duration_ms, 62);
        // The minute still open goes out on a flush.
        assert_eq!(
            reads.take(t0 + chrono::Duration::seconds(61), true).len(),
            1
        );
        assert!(reads.is_empty());
    }
}
