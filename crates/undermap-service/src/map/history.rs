//! The map as it stood at a past moment (`at=`), and a feature's history.
//!
//! The store keeps every version; an index of the map at `at` is built from the versions current
//! then. Building one costs what a startup costs (under a second for a county), so the last few
//! are kept: people compare the same dates again and again.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};
use undermap_core::View;
use undermap_crs::Transformer;
use undermap_index::MapIndex;

use super::Map;
use crate::shared::geometry_out::feature_json;
use crate::shared::input::request_crs;
use crate::{Service, ServiceError};

/// How many past maps are kept.
const KEPT: usize = 4;

/// Indexes of past maps, most recently used last.
#[derive(Debug, Default)]
pub(crate) struct PastMaps(Mutex<VecDeque<(DateTime<Utc>, Arc<MapIndex>)>>);

impl PastMaps {
    fn get(&self, at: DateTime<Utc>) -> Option<Arc<MapIndex>> {
        let mut kept = self.0.lock().ok()?;
        let i = kept.iter().position(|(t, _)| *t == at)?;
        let entry = kept.remove(i)?;
        let index = Arc::clone(&entry.1);
        kept.push_back(entry);
        Some(index)
    }

    fn put(&self, at: DateTime<Utc>, index: Arc<MapIndex>) {
        if let Ok(mut kept) = self.0.lock() {
            kept.retain(|(t, _)| *t != at);
            kept.push_back((at, index));
            while kept.len() > KEPT {
                kept.pop_front();
            }
        }
    }

    /// Forgets every past map (a delivery may have been loaded with an earlier date: never the
    /// case today, but cheap to be safe).
    pub(crate) fn clear(&self) {
        if let Ok(mut kept) = self.0.lock() {
            kept.clear();
        }
    }
}

/// Parses `at`: an RFC 3339 timestamp, or a date meaning the end of that day (UTC), so that
/// `at=2024-06-01` includes what was loaded on 1 June. A moment in the future is refused.
pub fn parse_at(text: &str) -> Result<DateTime<Utc>, ServiceError> {
    let text = text.trim();
    let at = if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        t.with_timezone(&Utc)
    } else if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        d.and_hms_milli_opt(23, 59, 59, 999)
            .map(|t| t.and_utc())
            .ok_or_else(|| ServiceError::bad("at", "not a date"))?
    } else {
        return Err(ServiceError::bad(
            "at",
            format!("{text:?} is neither a date (2024-06-01) nor an RFC 3339 time (2024-06-01T08:00:00Z)"),
        ));
    };
    if at > Utc::now() {
        return Err(ServiceError::unprocessable(
            "at",
            format!("{at} is in the future; the map can only be shown as it stood"),
        ));
    }
    Ok(at)
}

impl Service {
    /// The index to answer from: the live one, or the map as it stood at `at`.
    pub(crate) async fn index_at(
        &self,
        at: Option<DateTime<Utc>>,
    ) -> Result<Arc<MapIndex>, ServiceError> {
        let Some(at) = at else {
            return Ok(self.index().snapshot());
        };
        if let Some(index) = self.past_maps().get(at) {
            return Ok(index);
        }
        let layers = self.store().layers().await?;
        let features = self.store().features_at(at).await?;
        let index = tokio::task::spawn_blocking(move || MapIndex::build(layers, features, at))
            .await
            .map_err(ServiceError::stopped("building the past map"))?;
        let index = Arc::new(index);
        self.past_maps().put(at, Arc::clone(&index));
        tracing::info!(%at, features = index.len(), "past map built");
        Ok(index)
    }
}

impl Map<'_> {
    /// Every version of a feature, oldest first, as a GeoJSON FeatureCollection in `crs`
    /// (default CRS84): each with `valid_from`, `valid_to` and the delivery it came from.
    /// Versions `view` does not see are left out (a feature it never saw is not found).
    pub async fn history(
        &self,
        id: &str,
        crs: Option<&str>,
        view: &View,
    ) -> Result<geojson::FeatureCollection, ServiceError> {
        let not_found = || ServiceError::NotFound {
            what: format!("feature {:?}", id.chars().take(140).collect::<String>()),
        };
        let id: undermap_core::FeatureId = id.parse().map_err(|_| not_found())?;
        let crs = request_crs(crs)?;
        let out = Transformer::new(&self.app.config().deployment_crs, &crs)?;
        let mut versions = self.app.store().feature_history(&id).await?;
        versions.retain(|v| view.sees(&v.feature));
        if versions.is_empty() {
            return Err(not_found());
        }
        let features = versions
            .iter()
            .map(|v| {
                let mut f = feature_json(&view.redact(&v.feature), &out)?;
                if let Some(p) = f.properties.as_mut() {
                    p.insert(
                        "valid_to".into(),
                        serde_json::to_value(v.feature.valid_to).unwrap_or_default(),
                    );
                    p.insert(
                        "delivery".into(),
                        serde_json::to_value(&v.delivery).unwrap_or_default(),
                    );
                }
                Ok(f)
            })
            .collect::<Result<Vec<_>, ServiceError>>()?;
        Ok(geojson::FeatureCollection {
            bbox: None,
            features,
            foreign_members: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_mean_the_end_of_the_day_and_the_future_is_refused() {
        let at = parse_at("2024-06-01").unwrap();
        assert_eq!(at.to_rfc3339(), "2024-06-01T23:59:59.999+00:00");
        let at = parse_at("2024-06-01T08:00:00+08:00").unwrap();
        assert_eq!(at.to_rfc3339(), "2024-06-01T00:00:00+00:00");
        assert!(matches!(
            parse_at("yesterday"),
            Err(ServiceError::BadRequest { .. })
        ));
        assert!(matches!(
            parse_at("2999-01-01"),
            Err(ServiceError::Unprocessable { .. })
        ));
    }
}
