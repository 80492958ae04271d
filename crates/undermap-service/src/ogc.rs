//! OGC API – Features and vector tiles over the live index (or the map as it stood, with
//! `datetime`). The heavy parts run on blocking threads so a 10,000-feature page never stalls
//! the HTTP workers.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::Value;
use undermap_core::{FeatureId, LayerCategory, LayerId};
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

    /// `/collections`.
    #[must_use]
    pub fn ogc_collections(&self, base: &str) -> Value {
        documents::collections(base, &self.index().snapshot(), self.map_crs())
    }

    /// `/collections/{id}`.
    pub fn ogc_collection(&self, base: &str, collection: &str) -> Result<Value, ServiceError> {
        let index = self.index().snapshot();
        let stats = index
            .layer_stats_of(&layer_id(collection)?)
            .ok_or_else(|| OgcError::NoCollection(collection.to_owned()))?;
        Ok(documents::collection(base, stats, self.map_crs()))
    }

    /// `/collections/{id}/queryables` (`schema: false`) or `/schema` (`schema: true`).
    pub fn ogc_schema(
        &self,
        base: &str,
        collection: &str,
        schema: bool,
    ) -> Result<Value, ServiceError> {
        let index = self.index().snapshot();
        let stats = index
            .layer_stats_of(&layer_id(collection)?)
            .ok_or_else(|| OgcError::NoCollection(collection.to_owned()))?;
        Ok(if schema {
            documents::feature_schema(base, stats)
        } else {
            documents::queryables(base, stats)
        })
    }

    /// `/collections/{id}/items`: one page as GeoJSON, with `next`/`prev` links; gzip-compressed
    /// (on the same blocking thread) when the client takes it and the page is worth it.
    #[tracing::instrument(skip(self, base, query))]
    pub async fn ogc_items(
        &self,
        base: String,
        collection: String,
        query: Vec<(String, String)>,
        gzip: bool,
    ) -> Result<GeoJsonBody, ServiceError> {
        let parsed = params::items(&query, self.map_crs())?;
        let at = datetime(parsed.datetime.as_deref())?;
        let index = self.index_at(at).await?;
        let layer = layer_id(&collection)?;
        if index.layer_stats_of(&layer).is_none() {
            return Err(OgcError::NoCollection(collection).into());
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
            let returned = write::collection(
                &mut body,
                page.features.iter().copied(),
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
        .map_err(|e| ServiceError::bad("items", format!("the page could not be made: {e}")))?
    }

    /// `/collections/{id}/items/{featureId}`.
    pub async fn ogc_item(
        &self,
        base: &str,
        collection: &str,
        feature: &str,
        query: &[(String, String)],
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
            .filter(|f| f.layer.as_str() == collection)
            .ok_or_else(not_found)?;
        let to_out = Transformer::new(self.map_crs(), &crs)?;
        let mut body = Vec::with_capacity(2048);
        write::feature(&mut body, f, &to_out)?;
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

    fn tile_layers(index: &MapIndex) -> Vec<TileLayer> {
        index
            .layer_stats()
            .iter()
            .map(|s| TileLayer {
                id: s.info.id.to_string(),
                title: s.info.title.clone(),
                planning: s.info.category == LayerCategory::Planning,
            })
            .collect()
    }

    fn selection(index: &MapIndex, name: &str) -> Result<Selection, ServiceError> {
        if name == "all" {
            return Ok(Selection::All);
        }
        let layer = name
            .parse::<LayerId>()
            .ok()
            .filter(|l| index.layer_stats_of(l).is_some())
            .ok_or_else(|| ServiceError::NotFound {
                what: format!("tile layer `{name}` (use `all` or a layer id from /v1/layers)"),
            })?;
        Ok(Selection::One(layer))
    }

    /// One vector tile from the cache or freshly cut. The `bool` says whether it was cached.
    pub async fn tile(
        &self,
        name: &str,
        z: u32,
        x: u32,
        y: u32,
    ) -> Result<(Arc<CachedTile>, bool), ServiceError> {
        let tile = TileId::new(z, x, y)?;
        let index = self.index().snapshot();
        let selection = Self::selection(&index, name)?;
        let tiles = self.tile_service()?;
        // A cached tile costs a lookup; only a miss goes to a blocking thread.
        if let Some(hit) = tiles.cached(&index, &selection, tile) {
            return Ok((hit, true));
        }
        let service = self.clone();
        tokio::task::spawn_blocking(move || {
            let tiles = service.tile_service()?;
            Ok((tiles.cut(&index, &selection, tile)?, false))
        })
        .await
        .map_err(|e| ServiceError::bad("tile", format!("the tile could not be made: {e}")))?
    }

    /// TileJSON 3.0 for `/tiles/{name}/{z}/{x}/{y}.mvt`.
    pub fn tilejson(&self, base: &str, name: &str) -> Result<Value, ServiceError> {
        let index = self.index().snapshot();
        let selection = Self::selection(&index, name)?;
        let layers: Vec<TileLayer> = Self::tile_layers(&index)
            .into_iter()
            .filter(|l| selection == Selection::All || l.id == name)
            .collect();
        let extent =
            index.joint_extent(|s| selection == Selection::All || s.info.id.as_str() == name);
        let bounds = extent.and_then(|e| documents::lon_lat_extent(e, self.map_crs()));
        Ok(style::tilejson(base, name, &layers, bounds))
    }

    /// The default MapLibre style.
    #[must_use]
    pub fn map_style(&self, base: &str) -> Value {
        style::style(base, &Self::tile_layers(&self.index().snapshot()))
    }
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
