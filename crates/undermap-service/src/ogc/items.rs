//! `/collections/{id}/items` and `/items/{fid}`: pages and single features as GeoJSON bytes.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use undermap_core::{Bounds, FeatureId, View};
use undermap_crs::Transformer;
use undermap_index::MapIndex;
use undermap_ogc::write::Link;
use undermap_ogc::{items, params, write, OgcError};

use super::Ogc;
use crate::map::history::parse_at;
use crate::shared::footprint::{budgeted, corners, Footprint};
use crate::ServiceError;

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

impl Ogc<'_> {
    /// `/collections/{id}/items`: one page as GeoJSON, with `next`/`prev` links; gzip-compressed
    /// (on the same blocking thread) when the client takes it and the page is worth it. Only
    /// what `view` sees, with its hidden fields blank; a bounded view must give a `bbox` within
    /// its area and a `limit` within its page size.
    #[tracing::instrument(name = "ogc_items", skip(self, base, query, view))]
    pub async fn items(
        &self,
        base: String,
        collection: String,
        query: Vec<(String, String)>,
        gzip: bool,
        view: Arc<View>,
    ) -> Result<GeoJsonBody, ServiceError> {
        let mut parsed = params::items(&query, self.app.map_crs())?;
        let at = datetime(parsed.datetime.as_deref())?;
        let index = self.app.index_at(at).await?;
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
        let map = self.app.map_crs().clone();
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
    pub async fn item(
        &self,
        base: &str,
        collection: &str,
        feature: &str,
        query: &[(String, String)],
        view: &View,
    ) -> Result<GeoJsonBody, ServiceError> {
        let (crs, when) = params::item(query, self.app.map_crs())?;
        let at = datetime(when.as_deref())?;
        let index: Arc<MapIndex> = self.app.index_at(at).await?;
        let not_found = || OgcError::NoFeature {
            collection: collection.to_owned(),
            feature: feature.to_owned(),
        };
        let id: FeatureId = feature.parse().map_err(|_| not_found())?;
        let f = index
            .get(&id)
            .filter(|f| f.layer.as_str() == collection && view.sees(f))
            .ok_or_else(not_found)?;
        let to_out = Transformer::new(self.app.map_crs(), &crs)?;
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
}

impl Ogc<'_> {
    /// The ground an OGC items page may show: its `bbox` (bounded roles must give one).
    pub fn items_footprint(
        &self,
        query: &[(String, String)],
        view: &View,
    ) -> Result<Option<Footprint>, ServiceError> {
        if !budgeted(view) {
            return Ok(None);
        }
        let parsed = undermap_ogc::params::items(query, &self.app.config().deployment_crs)?;
        // A box too large for one request is refused as such, before it costs any area.
        if let Some(bounds) = view.bounds() {
            crate::ogc::within_bounds(&parsed.request, bounds)?;
        }
        Ok(parsed
            .request
            .bbox
            .as_ref()
            .and_then(undermap_ogc::items::Area::envelope)
            .map(corners))
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
