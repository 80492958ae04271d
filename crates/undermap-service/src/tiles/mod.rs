//! Vector tiles, TileJSON and the map style over the live index (or the map at `at=`).

use std::sync::Arc;

use serde_json::Value;
use undermap_core::{LayerCategory, LayerId, View};
use undermap_crs::{Crs, Transformer};
use undermap_index::MapIndex;
use undermap_ogc::documents;
use undermap_tiles::style::{self, TileLayer};
use undermap_tiles::{CachedTile, Selection, TileId};

use crate::shared::footprint::{budgeted, corners, Footprint};
use crate::{Service, ServiceError};

/// Vector tiles and styles: `service.tiles()`.
#[derive(Debug, Clone, Copy)]
pub struct Tiles<'a> {
    app: &'a Service,
}

impl Service {
    /// Vector tiles, TileJSON and the style.
    #[must_use]
    pub fn tiles(&self) -> Tiles<'_> {
        Tiles { app: self }
    }
}

impl Tiles<'_> {
    fn tile_layers(index: &MapIndex, view: &View) -> Vec<TileLayer> {
        index
            .layer_stats()
            .iter()
            .filter(|s| view.sees_layer(&s.info.id))
            .map(|s| TileLayer {
                id: s.info.id.to_string(),
                title: s.info.title.clone(),
                planning: s.info.category == LayerCategory::Planning,
            })
            .collect()
    }

    fn selection(index: &MapIndex, name: &str, view: &View) -> Result<Selection, ServiceError> {
        if name == "all" {
            return Ok(Selection::All);
        }
        let layer = name
            .parse::<LayerId>()
            .ok()
            .filter(|l| index.layer_stats_of(l).is_some() && view.sees_layer(l))
            .ok_or_else(|| ServiceError::NotFound {
                what: format!("tile layer `{name}` (use `all` or a layer id from /v1/layers)"),
            })?;
        Ok(Selection::One(layer))
    }

    /// One vector tile as `view` sees it, from the cache or freshly cut. The `bool` says
    /// whether it was cached.
    pub async fn tile(
        &self,
        name: &str,
        zxy: (u32, u32, u32),
        view: Arc<View>,
    ) -> Result<(Arc<CachedTile>, bool), ServiceError> {
        self.tile_at(name, zxy, view, None).await
    }

    /// A tile of the map as it stood at `at` (`None`: now). Past tiles are cut each time, not
    /// cached; the past map itself is kept (docs/ingest.md, history).
    pub async fn tile_at(
        &self,
        name: &str,
        (z, x, y): (u32, u32, u32),
        view: Arc<View>,
        at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<(Arc<CachedTile>, bool), ServiceError> {
        let tile = TileId::new(z, x, y)?;
        check_zoom(z, &view)?;
        if at.is_some() {
            let index = self.app.index_at(at).await?;
            let selection = Self::selection(&index, name, &view)?;
            let service = self.app.clone();
            return tokio::task::spawn_blocking(move || {
                let tiles = service.tile_service()?;
                Ok((tiles.cut_uncached(&index, &selection, tile, &view)?, false))
            })
            .await
            .map_err(ServiceError::stopped("making the tile"))?;
        }
        let index = self.app.index().snapshot();
        let selection = Self::selection(&index, name, &view)?;
        let tiles = self.app.tile_service()?;
        // A cached tile costs a lookup; only a miss goes to a blocking thread.
        if let Some(hit) = tiles.cached(&index, &selection, tile, &view) {
            return Ok((hit, true));
        }
        let service = self.app.clone();
        tokio::task::spawn_blocking(move || {
            let tiles = service.tile_service()?;
            Ok((tiles.cut(&index, &selection, tile, &view)?, false))
        })
        .await
        .map_err(ServiceError::stopped("making the tile"))?
    }

    /// TileJSON 3.0 for `/tiles/{name}/{z}/{x}/{y}.mvt`.
    pub fn tilejson(&self, base: &str, name: &str, view: &View) -> Result<Value, ServiceError> {
        let index = self.app.index().snapshot();
        let selection = Self::selection(&index, name, view)?;
        let layers: Vec<TileLayer> = Self::tile_layers(&index, view)
            .into_iter()
            .filter(|l| selection == Selection::All || l.id == name)
            .collect();
        let extent = index.joint_extent(|s| {
            view.sees_layer(&s.info.id)
                && (selection == Selection::All || s.info.id.as_str() == name)
        });
        let bounds = extent.and_then(|e| documents::lon_lat_extent(e, self.app.map_crs()));
        let mut doc = style::tilejson(base, name, &layers, bounds);
        // A bounded role is served tiles from its lowest zoom only: say so, so that a map client
        // does not ask for the tiles it would be refused.
        if let Some(min) = view.bounds().map(|b| b.min_tile_zoom) {
            let raise = |v: &mut Value| {
                if v["minzoom"].as_u64().is_some_and(|z| z < u64::from(min)) {
                    v["minzoom"] = Value::from(min);
                }
            };
            raise(&mut doc);
            if let Some(layers) = doc["vector_layers"].as_array_mut() {
                layers.iter_mut().for_each(raise);
            }
        }
        Ok(doc)
    }

    /// The default MapLibre style, with the layers `view` sees.
    #[must_use]
    pub fn style(&self, base: &str, view: &View) -> Value {
        style::style(base, &Self::tile_layers(&self.app.index().snapshot(), view))
    }
}

impl Tiles<'_> {
    /// The ground a vector tile covers.
    pub fn footprint(
        &self,
        (z, x, y): (u32, u32, u32),
        view: &View,
    ) -> Result<Option<Footprint>, ServiceError> {
        if !budgeted(view) {
            return Ok(None);
        }
        // Refused by zoom before it costs any area.
        crate::tiles::check_zoom(z, view)?;
        let [w, s, e, n] = undermap_tiles::TileId::new(z, x, y)?.lon_lat_bounds();
        let to_map = Transformer::new(&Crs::crs84(), &self.app.config().deployment_crs)?;
        Ok(to_map
            .rect_envelope(geo::Rect::new((w, s), (e, n)), 4)
            .ok()
            .map(corners))
    }
}

/// A bounded view is served tiles from its role's lowest zoom on.
pub(crate) fn check_zoom(z: u32, view: &View) -> Result<(), ServiceError> {
    match view.bounds() {
        Some(bounds) if z < bounds.min_tile_zoom => Err(ServiceError::bad(
            "z",
            format!(
                "your role is served tiles from zoom {} (zoom in to your site)",
                bounds.min_tile_zoom
            ),
        )),
        _ => Ok(()),
    }
}
