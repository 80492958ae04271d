//! Vector tiles (Mapbox Vector Tile 2.1, Web Mercator) cut from the in-memory index, cached in
//! an LRU keyed by index generation, described by TileJSON 3.0, drawn by a default MapLibre
//! style. HTTP-free: the API crate maps paths to [`TileId`] and calls [`TileService::tile`].

pub mod cache;
pub mod clip;
pub mod mvt;
pub mod render;
pub mod style;
pub mod tile;

use std::sync::Arc;

pub use cache::{CachedTile, TileCache};
pub use render::{Selection, TileRenderer};
pub use tile::TileId;
use undermap_core::View;
use undermap_crs::{Crs, CrsError};
use undermap_index::MapIndex;

/// What can go wrong making a tile.
#[derive(Debug, thiserror::Error)]
pub enum TileError {
    /// Zoom beyond what is served.
    #[error("zoom {0} is beyond the deepest served ({max})", max = tile::MAX_ZOOM)]
    Zoom(u32),
    /// Column or row beyond the zoom's grid.
    #[error(
        "tile {z}/{x}/{y} does not exist: at zoom {z} columns and rows run from 0 to 2^{z} - 1"
    )]
    OutOfRange {
        /// Zoom.
        z: u32,
        /// Column.
        x: u32,
        /// Row.
        y: u32,
    },
    /// Reprojection failed.
    #[error(transparent)]
    Crs(#[from] CrsError),
}

impl undermap_core::Problem for TileError {
    fn kind(&self) -> undermap_core::ErrorKind {
        match self {
            Self::Zoom(_) | Self::OutOfRange { .. } => undermap_core::ErrorKind::NotFound,
            Self::Crs(_) => undermap_core::ErrorKind::Invalid,
        }
    }

    fn problem(&self) -> (&'static str, &'static str) {
        match self {
            Self::Zoom(_) | Self::OutOfRange { .. } => ("/problems/not-found", "No such tile"),
            Self::Crs(_) => undermap_crs::TRANSFORM_FAILED,
        }
    }
}

/// Tiles for one deployment: the renderer and the cache.
#[derive(Debug)]
pub struct TileService {
    renderer: TileRenderer,
    cache: TileCache,
}

impl TileService {
    /// A tile service for maps kept in `map`, caching up to `cache_bytes` of tiles.
    pub fn new(map: &Crs, cache_bytes: usize) -> Result<Self, TileError> {
        Ok(Self {
            renderer: TileRenderer::new(map)?,
            cache: TileCache::new(cache_bytes),
        })
    }

    /// The tile, from the cache or freshly cut (and then cached). The `bool` says whether it
    /// came from the cache.
    pub fn tile(
        &self,
        index: &MapIndex,
        selection: &Selection,
        tile: TileId,
        view: &View,
    ) -> Result<(Arc<CachedTile>, bool), TileError> {
        if let Some(hit) = self.cached(index, selection, tile, view) {
            return Ok((hit, true));
        }
        Ok((self.cut(index, selection, tile, view)?, false))
    }

    /// The tile if it is cached for this index (a lookup, cheap enough for an async worker).
    #[must_use]
    pub fn cached(
        &self,
        index: &MapIndex,
        selection: &Selection,
        tile: TileId,
        view: &View,
    ) -> Option<Arc<CachedTile>> {
        self.cache
            .get(index.generation(), selection, tile, view.fingerprint())
    }

    /// Cuts a tile of a past map (CPU work: run it on a blocking thread) without caching it:
    /// the cache holds the current map's tiles only.
    pub fn cut_uncached(
        &self,
        index: &MapIndex,
        selection: &Selection,
        tile: TileId,
        view: &View,
    ) -> Result<Arc<CachedTile>, TileError> {
        Ok(Arc::new(CachedTile::new(
            self.renderer.render(index, selection, tile, view)?,
        )))
    }

    /// Cuts the tile (CPU work: run it on a blocking thread) and caches it.
    pub fn cut(
        &self,
        index: &MapIndex,
        selection: &Selection,
        tile: TileId,
        view: &View,
    ) -> Result<Arc<CachedTile>, TileError> {
        let started = std::time::Instant::now();
        let cut = self.cut_uncached(index, selection, tile, view)?;
        tracing::debug!(
            layer = selection.name(),
            z = tile.z,
            x = tile.x,
            y = tile.y,
            bytes = cut.bytes.len(),
            micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
            "tile cut"
        );
        self.cache.put(
            index.generation(),
            selection,
            tile,
            view.fingerprint(),
            cut.clone(),
        );
        Ok(cut)
    }
}
