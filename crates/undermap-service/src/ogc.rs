//! OGC API – Features and vector tiles over the live index (or the map as it stood, with
//! `datetime`). The heavy parts run on blocking threads so a 10,000-feature page never stalls
//! the HTTP workers.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::Value;
use undermap_core::{Bounds, FeatureId, LayerCategory, LayerId, View};
use undermap_crs::{Crs, Transformer};
use undermap_index::MapIndex;
use undermap_ogc::write::Link;
use undermap_ogc::{documents, items, params, write, OgcError};
use undermap_tiles::style::{self, TileLayer};
use undermap_tiles::{CachedTile, Selection, TileId};

use crate::history::parse_at;
use crate::{Service, ServiceError};

/// Characters left as they are in query values (RFC 3986 unreserved).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A GeoJSON body and the CRS its coordinates are in.
#[derive(Debug)]
pub struct GeoJsonBody {
    /// The JSON.
    pub body: Vec<u8>,
    /// `Content-Crs` value: `<uri>`.
    pub content_crs: String,
    /// Features in it.
    pub returned: usize,
    /// `Some("gzip")` when the body is compressed.
    pub content_encoding: Option<&'static str>,
}

/// Reads OGC `datetime`: one instant (the map as it stood then) or an open interval (`..`,
/// `../..`: now). Bounded intervals are refused with a reason: the store keeps states, and a
/// state is taken at an instant.
fn datetime(text: Option<&str>) -> Result<Option<DateTime<Utc>>, ServiceError> {
    match text.map(str::trim) {
        None | Some(".." | "../.." | "/.." | "../") => Ok(None),
        Some(t) if t.contains('/') => Err(ServiceError::bad(
            "datetime",
            format!(
                "`{t}` is an interval; give one instant (2024-06-01 or 2024-06-01T08:00:00Z) to see \
                 the map as it stood then"
            ),
        )),
        Some(t) => parse_at(t)
            .map(Some)
            .map_err(|e| ServiceError::bad("datetime", e.to_string())),
    }
}

fn query_string(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                utf8_percent_encode(k, QUERY_VALUE),
                utf8_percent_encode(v, QUERY_VALUE)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn layer_id(collection: &str) -> Result<LayerId, ServiceError> {
    collection
        .parse()
        .map_err(|_| ServiceError::Ogc(OgcError::NoCollection(collection.to_owned())))
}

impl Service {
    fn map_crs(&self) -> &Crs {
        &self.config().deployment_crs
    }

    /// `/collections`: the layers `view` sees.
    #[must_use]
    pub fn ogc_collections(&self, base: &str, view: &View) -> Value {
        let mut doc = documents::collections(base, &self.index().snapshot(), self.map_crs());
        if let Some(Value::Array(list)) = doc.get_mut("collections") {
            list.retain(|c| {
                c["id"]
                    .as_str()
                    .and_then(|id| id.parse::<LayerId>().ok())
                    .is_some_and(|l| view.sees_layer(&l))
            });
        }
        doc
    }

    /// The layer's statistics, if `view` sees the collection (else it does not exist).
    fn seen_collection<'a>(
        index: &'a MapIndex,
        collection: &str,
        view: &View,
    ) -> Result<&'a undermap_index::LayerStats, ServiceError> {
        let layer = layer_id(collection)?;
        index
            .layer_stats_of(&layer)
            .filter(|_| view.sees_layer(&layer))
            .ok_or_else(|| OgcError::NoCollection(collection.to_owned()).into())
    }

    /// `/collections/{id}`.
    pub fn ogc_collection(
        &self,
        base: &str,
        collection: &str,
        view: &View,
    ) -> Result<Value, ServiceError> {
        let index = self.index().snapshot();
        let stats = Self::seen_collection(&index, collection, view)?;
        Ok(documents::collection(base, stats, self.map_crs()))
    }

    /// `/collections/{id}/queryables` (`schema: false`) or `/schema` (`schema: true`).
    /// Properties `view` hides on the layer are left out.
    pub fn ogc_schema(
        &self,
        base: &str,
        collection: &str,
        schema: bool,
        view: &View,
    ) -> Result<Value, ServiceError> {
        let index = self.index().snapshot();
        let stats = Self::seen_collection(&index, collection, view)?;
        let mut doc = if schema {
            documents::feature_schema(base, stats)
        } else {
            documents::queryables(base, stats)
        };
        let hidden = view.hidden(&stats.info.id);
        if !hidden.is_empty() {
            let strip = |v: &mut Value| {
                if let Some(Value::Object(p)) = v.get_mut("properties") {
                    p.retain(|name, _| !hidden.hides(name));
                }
                if let Some(Value::Array(r)) = v.get_mut("required") {
                    r.retain(|name| !name.as_str().is_some_and(|n| hidden.hides(n)));
                }
            };
            strip(&mut doc);
            // `/schema` describes a Feature: its attributes sit under properties.properties.
            if let Some(inner) = doc.pointer_mut("/properties/properties") {
                strip(inner);
            }
        }
        Ok(doc)
    }

    /// `/collections/{id}/items`: one page as GeoJSON, with `next`/`prev` links; gzip-compressed
    /// (on the same blocking thread) when the client takes it and the page is worth it. Only
    /// what `view` sees, with its hidden fields blank; a bounded view must give a `bbox` within
    /// its area and a `limit` within its page size.
    #[tracing::instrument(skip(self, base, query, view))]
    pub async fn ogc_items(
        &self,
        base: String,
        collection: String,
        query: Vec<(String, String)>,
        gzip: bool,
        view: Arc<View>,
    ) -> Result<GeoJsonBody, ServiceError> {
        let mut parsed = params::items(&query, self.map_crs())?;
        let at = datetime(parsed.datetime.as_deref())?;
        let index = self.index_at(at).await?;
        let layer = Self::seen_collection(&index, &collection, &view)?
            .info
            .id
            .clone();
        if let Some(bounds) = view.bounds() {
            within_bounds(&parsed.request, bounds)?;
        }
        if !view.is_everything() {
            parsed.request.view = Some(Arc::clone(&view));
        }
        let map = self.map_crs().clone();
        let time_stamp = at.unwrap_or_else(|| index.as_of());
        tokio::task::spawn_blocking(move || {
            let to_out = Transformer::new(&map, &parsed.crs)?;
            let page = items::page(&index, &layer, &parsed.request);
            let href = format!("{base}/collections/{collection}/items");
            let with_cursor = |cursor: Option<&items::Cursor>| {
                let mut q = parsed.carried.clone();
                if let Some(c) = cursor {
                    q.push(("cursor".into(), c.token()));
                }
                if q.is_empty() {
                    href.clone()
                } else {
                    format!("{href}?{}", query_string(&q))
                }
            };
            let mut links = vec![Link {
                rel: "self",
                media_type: "application/geo+json",
                href: with_cursor(parsed.request.cursor.as_ref()),
                title: "This page",
            }];
            if let Some(next) = &page.next {
                links.push(Link {
                    rel: "next",
                    media_type: "application/geo+json",
                    href: with_cursor(Some(next)),
                    title: "Next page",
                });
            }
            if let Some(prev) = &page.prev {
                links.push(Link {
                    rel: "prev",
                    media_type: "application/geo+json",
                    href: with_cursor(Some(prev)),
                    title: "Previous page",
                });
            }
            links.push(Link {
                rel: "collection",
                media_type: "application/json",
                href: format!("{base}/collections/{collection}"),
                title: "The collection",
            });
            let mut body = Vec::with_capacity(page.features.len() * 700 + 1024);
            let seen: Vec<std::borrow::Cow<'_, undermap_core::Feature>> =
                page.features.iter().map(|f| view.redact(f)).collect();
            let returned = write::collection(
                &mut body,
                seen.iter().map(AsRef::as_ref),
                &to_out,
                page.number_matched,
                time_stamp,
                &links,
            )?;
            let compress = gzip && body.len() > 1400;
            Ok(GeoJsonBody {
                body: if compress { write::gzip(&body) } else { body },
                content_crs: format!("<{}>", parsed.crs.uri()),
                returned,
                content_encoding: compress.then_some("gzip"),
            })
        })
        .await
        .map_err(ServiceError::stopped("making the page"))?
    }

    /// `/collections/{id}/items/{featureId}`.
    pub async fn ogc_item(
        &self,
        base: &str,
        collection: &str,
        feature: &str,
        query: &[(String, String)],
        view: &View,
    ) -> Result<GeoJsonBody, ServiceError> {
        let (crs, when) = params::item(query, self.map_crs())?;
        let at = datetime(when.as_deref())?;
        let index: Arc<MapIndex> = self.index_at(at).await?;
        let not_found = || OgcError::NoFeature {
            collection: collection.to_owned(),
            feature: feature.to_owned(),
        };
        let id: FeatureId = feature.parse().map_err(|_| not_found())?;
        let f = index
            .get(&id)
            .filter(|f| f.layer.as_str() == collection && view.sees(f))
            .ok_or_else(not_found)?;
        let to_out = Transformer::new(self.map_crs(), &crs)?;
        let mut body = Vec::with_capacity(2048);
        write::feature(&mut body, &view.redact(f), &to_out)?;
        body.pop();
        body.extend_from_slice(b",\"links\":");
        write::write_links(
            &mut body,
            &[
                Link {
                    rel: "self",
                    media_type: "application/geo+json",
                    href: format!("{base}/collections/{collection}/items/{feature}"),
                    title: "This feature",
                },
                Link {
                    rel: "collection",
                    media_type: "application/json",
                    href: format!("{base}/collections/{collection}"),
                    title: "The collection",
                },
            ],
        );
        body.push(b'}');
        Ok(GeoJsonBody {
            body,
            content_crs: format!("<{}>", crs.uri()),
            returned: 1,
            content_encoding: None,
        })
    }

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
            let index = self.index_at(at).await?;
            let selection = Self::selection(&index, name, &view)?;
            let service = self.clone();
            return tokio::task::spawn_blocking(move || {
                let tiles = service.tile_service()?;
                Ok((tiles.cut_uncached(&index, &selection, tile, &view)?, false))
            })
            .await
            .map_err(ServiceError::stopped("making the tile"))?;
        }
        let index = self.index().snapshot();
        let selection = Self::selection(&index, name, &view)?;
        let tiles = self.tile_service()?;
        // A cached tile costs a lookup; only a miss goes to a blocking thread.
        if let Some(hit) = tiles.cached(&index, &selection, tile, &view) {
            return Ok((hit, true));
        }
        let service = self.clone();
        tokio::task::spawn_blocking(move || {
            let tiles = service.tile_service()?;
            Ok((tiles.cut(&index, &selection, tile, &view)?, false))
        })
        .await
        .map_err(ServiceError::stopped("making the tile"))?
    }

    /// TileJSON 3.0 for `/tiles/{name}/{z}/{x}/{y}.mvt`.
    pub fn tilejson(&self, base: &str, name: &str, view: &View) -> Result<Value, ServiceError> {
        let index = self.index().snapshot();
        let selection = Self::selection(&index, name, view)?;
        let layers: Vec<TileLayer> = Self::tile_layers(&index, view)
            .into_iter()
            .filter(|l| selection == Selection::All || l.id == name)
            .collect();
        let extent = index.joint_extent(|s| {
            view.sees_layer(&s.info.id)
                && (selection == Selection::All || s.info.id.as_str() == name)
        });
        let bounds = extent.and_then(|e| documents::lon_lat_extent(e, self.map_crs()));
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
    pub fn map_style(&self, base: &str, view: &View) -> Value {
        style::style(base, &Self::tile_layers(&self.index().snapshot(), view))
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

/// A bounded view's items request must name a `bbox` within its area and a page within its
/// size: no bulk download.
pub(crate) fn within_bounds(req: &items::ItemsRequest, bounds: Bounds) -> Result<(), ServiceError> {
    if req.limit > bounds.max_page {
        return Err(ServiceError::bad(
            "limit",
            format!(
                "your role takes pages of at most {} features",
                bounds.max_page
            ),
        ));
    }
    let Some(area) = &req.bbox else {
        return Err(ServiceError::bad(
            "bbox",
            format!(
                "your role views the map inside a bbox of at most {} m²; add bbox=…",
                bounds.max_area_m2
            ),
        ));
    };
    let m2 = area.envelope().map_or(0.0, |e| e.width() * e.height());
    #[allow(clippy::cast_precision_loss)]
    let limit = bounds.max_area_m2 as f64;
    if m2 > limit {
        return Err(ServiceError::bad(
            "bbox",
            format!("the bbox covers {m2:.0} m²; your role views at most {limit:.0} m² at a time"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_takes_instants_and_open_intervals() {
        assert_eq!(datetime(None).unwrap(), None);
        assert_eq!(datetime(Some("../..")).unwrap(), None);
        assert!(datetime(Some("2024-06-01")).unwrap().is_some());
        assert!(datetime(Some("2020-01-01/2021-01-01")).is_err());
        assert!(datetime(Some("yesterday")).is_err());
    }

    #[test]
    fn query_values_are_escaped() {
        let q = query_string(&[("filter".into(), "material = 'PE' & x".into())]);
        assert_eq!(q, "filter=material%20%3D%20%27PE%27%20%26%20x");
    }
}
