//! An in-memory LRU of encoded tiles, bounded in bytes, keyed by the index generation it was cut
//! from: when a delivery swaps the index, the next request empties the cache.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use bytes::Bytes;
use sha2::{Digest, Sha256};

use crate::render::Selection;
use crate::tile::TileId;

/// An encoded tile and its entity tag.
#[derive(Debug)]
pub struct CachedTile {
    /// MVT bytes, shared with every response that sends them.
    pub bytes: Bytes,
    /// A strong entity tag (quoted), from the content: an unchanged tile keeps its tag across
    /// deliveries, so clients keep their copies.
    pub etag: String,
    /// The gzip representation and its tag, made the first time a client asks for it.
    gzip: OnceLock<(Bytes, String)>,
}

impl CachedTile {
    /// Wraps freshly encoded bytes.
    #[must_use]
    pub fn new(bytes: Vec<u8>) -> Self {
        let digest = Sha256::digest(&bytes);
        let etag = format!("\"{}\"", hex::encode(&digest[..12]));
        Self {
            bytes: Bytes::from(bytes),
            etag,
            gzip: OnceLock::new(),
        }
    }

    /// The tile gzip-compressed, and its own entity tag (a different representation needs a
    /// different strong tag). Compressed once per cached tile, so a cached tile costs the same
    /// with or without compression.
    pub fn gzipped(&self) -> (&Bytes, &str) {
        let (bytes, etag) = self.gzip.get_or_init(|| {
            use std::io::Write;
            let mut encoder = flate2::write::GzEncoder::new(
                Vec::with_capacity(self.bytes.len() / 2),
                flate2::Compression::default(),
            );
            // Writing into a Vec cannot fail.
            let _ = encoder.write_all(&self.bytes);
            let bytes = encoder.finish().unwrap_or_default();
            let etag = format!("{}-gz\"", self.etag.trim_end_matches('"'));
            (Bytes::from(bytes), etag)
        });
        (bytes, etag)
    }
}

/// A tile of a selection as one view sees it (views that show different things get
/// different tiles).
type Key = (Selection, TileId, u64);

#[derive(Default)]
struct Inner {
    generation: u64,
    entries: HashMap<Key, (Arc<CachedTile>, u64)>,
    order: BTreeMap<u64, Key>,
    tick: u64,
    bytes: usize,
    hits: u64,
    misses: u64,
}

impl Inner {
    /// Drops every tile (cut from an older index); the counters keep counting.
    fn forget_all(&mut self, generation: u64) {
        let (hits, misses) = (self.hits, self.misses);
        *self = Self {
            generation,
            hits,
            misses,
            ..Self::default()
        };
    }
}

/// The cache.
pub struct TileCache {
    inner: Mutex<Inner>,
    capacity: usize,
}

impl std::fmt::Debug for TileCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TileCache")
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

impl TileCache {
    /// A cache holding at most `capacity` bytes of tiles.
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            capacity,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The tile for `key` cut from index `generation`, if cached.
    pub fn get(
        &self,
        generation: u64,
        selection: &Selection,
        tile: TileId,
        view: u64,
    ) -> Option<Arc<CachedTile>> {
        let mut inner = self.lock();
        if inner.generation != generation {
            if generation > inner.generation {
                inner.forget_all(generation);
            }
            inner.misses += 1;
            return None;
        }
        inner.tick += 1;
        let tick = inner.tick;
        let key = (selection.clone(), tile, view);
        let Some((found, old_tick)) = inner.entries.get_mut(&key).map(|(t, at)| {
            let old = *at;
            *at = tick;
            (t.clone(), old)
        }) else {
            inner.misses += 1;
            return None;
        };
        inner.order.remove(&old_tick);
        inner.order.insert(tick, key);
        inner.hits += 1;
        Some(found)
    }

    /// Keeps a tile cut from index `generation`.
    pub fn put(
        &self,
        generation: u64,
        selection: &Selection,
        tile: TileId,
        view: u64,
        value: Arc<CachedTile>,
    ) {
        let mut inner = self.lock();
        if generation < inner.generation {
            return;
        }
        if generation > inner.generation {
            inner.forget_all(generation);
        }
        let size = value.bytes.len() + 64;
        if size > self.capacity {
            return;
        }
        inner.tick += 1;
        let tick = inner.tick;
        let key = (selection.clone(), tile, view);
        if let Some((old, old_tick)) = inner.entries.insert(key.clone(), (value, tick)) {
            inner.bytes -= old.bytes.len() + 64;
            inner.order.remove(&old_tick);
        }
        inner.order.insert(tick, key);
        inner.bytes += size;
        while inner.bytes > self.capacity {
            let Some((_, oldest)) = inner.order.pop_first() else {
                break;
            };
            if let Some((gone, _)) = inner.entries.remove(&oldest) {
                inner.bytes -= gone.bytes.len() + 64;
            }
        }
    }

    /// Tiles held, bytes held, hits and misses so far.
    #[must_use]
    pub fn stats(&self) -> (usize, usize, u64, u64) {
        let inner = self.lock();
        (inner.entries.len(), inner.bytes, inner.hits, inner.misses)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(x: u32) -> TileId {
        TileId::new(10, x, 0).unwrap()
    }

    #[test]
    fn least_recently_used_goes_first_and_generations_forget() {
        let cache = TileCache::new(3 * (100 + 64));
        let tile = || Arc::new(CachedTile::new(vec![0; 100]));
        for x in 0..3 {
            cache.put(1, &Selection::All, t(x), 0, tile());
        }
        assert!(cache.get(1, &Selection::All, t(0), 0).is_some());
        cache.put(1, &Selection::All, t(3), 0, tile());
        // 1 was the least recently used.
        assert!(cache.get(1, &Selection::All, t(1), 0).is_none());
        assert!(cache.get(1, &Selection::All, t(0), 0).is_some());
        assert!(cache.get(1, &Selection::All, t(3), 0).is_some());
        // A new index: nothing cached is used.
        assert!(cache.get(2, &Selection::All, t(0), 0).is_none());
        assert_eq!(cache.stats().0, 0);
        // A late put from the old index is ignored.
        cache.put(1, &Selection::All, t(0), 0, tile());
        assert!(cache.get(2, &Selection::All, t(0), 0).is_none());
    }

    #[test]
    fn the_gzip_representation_decodes_to_the_tile_and_has_its_own_tag() {
        use std::io::Read;
        let tile = CachedTile::new(vec![7; 5000]);
        let (gz, tag) = tile.gzipped();
        assert!(gz.len() < 200);
        assert_ne!(tag, tile.etag);
        assert!(tag.starts_with('"') && tag.ends_with("-gz\""));
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, tile.bytes);
        // Made once.
        assert_eq!(tile.gzipped().0.as_ptr(), gz.as_ptr());
    }

    #[test]
    fn etags_follow_content() {
        assert_eq!(
            CachedTile::new(vec![1, 2]).etag,
            CachedTile::new(vec![1, 2]).etag
        );
        assert_ne!(
            CachedTile::new(vec![1, 2]).etag,
            CachedTile::new(vec![2, 1]).etag
        );
    }
}
