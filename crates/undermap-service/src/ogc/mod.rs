//! OGC API – Features over the live index (or the map as it stood, with `datetime`). The heavy
//! parts run on blocking threads so a 10,000-feature page never stalls the HTTP workers.

use serde_json::Value;
use undermap_core::{LayerId, View};
use undermap_index::MapIndex;
use undermap_ogc::{documents, OgcError};

use crate::{Service, ServiceError};

mod items;

pub(crate) use items::within_bounds;
pub use items::GeoJsonBody;

/// OGC API – Features: `service.ogc()`.
#[derive(Debug, Clone, Copy)]
pub struct Ogc<'a> {
    app: &'a Service,
}

impl Service {
    /// OGC API – Features collections, schemas and items.
    #[must_use]
    pub fn ogc(&self) -> Ogc<'_> {
        Ogc { app: self }
    }
}

fn layer_id(collection: &str) -> Result<LayerId, ServiceError> {
    collection
        .parse()
        .map_err(|_| ServiceError::Ogc(OgcError::NoCollection(collection.to_owned())))
}

impl Ogc<'_> {
    /// `/collections`: the layers `view` sees.
    #[must_use]
    pub fn collections(&self, base: &str, view: &View) -> Value {
        let mut doc =
            documents::collections(base, &self.app.index().snapshot(), self.app.map_crs());
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
    pub fn collection(
        &self,
        base: &str,
        collection: &str,
        view: &View,
    ) -> Result<Value, ServiceError> {
        let index = self.app.index().snapshot();
        let stats = Self::seen_collection(&index, collection, view)?;
        Ok(documents::collection(base, stats, self.app.map_crs()))
    }

    /// `/collections/{id}/queryables` (`schema: false`) or `/schema` (`schema: true`).
    /// Properties `view` hides on the layer are left out.
    pub fn schema(
        &self,
        base: &str,
        collection: &str,
        schema: bool,
        view: &View,
    ) -> Result<Value, ServiceError> {
        let index = self.app.index().snapshot();
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
}
