//! Request values every capability reads the same way.

use std::collections::HashSet;

use undermap_core::LayerId;
use undermap_crs::Crs;

use crate::{Service, ServiceError};

impl Service {
    /// Parses layer names, refusing any that is not in the registry.
    pub(crate) fn known_layers(&self, names: &[String]) -> Result<HashSet<LayerId>, ServiceError> {
        let index = self.index().snapshot();
        names
            .iter()
            .map(|name| {
                let id: LayerId = name.parse().map_err(|e: undermap_core::CoreError| {
                    ServiceError::unprocessable("layers", e.to_string())
                })?;
                if index.layer(&id).is_none() {
                    let known: Vec<String> = index
                        .layer_stats()
                        .iter()
                        .map(|s| s.info.id.to_string())
                        .collect();
                    return Err(ServiceError::unprocessable(
                        "layers",
                        format!("unknown layer {name:?}; known layers: {}", known.join(", ")),
                    ));
                }
                Ok(id)
            })
            .collect()
    }
}

impl Service {
    pub(crate) fn map_crs(&self) -> &Crs {
        &self.config().deployment_crs
    }
}

/// The CRS a request names for its coordinates, `OGC:CRS84` when it names none.
pub(crate) fn request_crs(text: Option<&str>) -> Result<Crs, ServiceError> {
    text.map_or_else(|| Ok(Crs::crs84()), Crs::parse)
        .map_err(ServiceError::from)
}
