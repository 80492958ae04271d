//! `GET /v1/quality`: a network layer's data-quality findings.

use undermap_core::View;
use undermap_network::{Network, Quality};

use super::Emergency;
use crate::ServiceError;

impl Emergency<'_> {
    /// `GET /v1/quality?layer=…`: the data-quality findings of a network layer.
    pub async fn quality(&self, layer: &str, view: &View) -> Result<Quality, ServiceError> {
        let id = self.visible_network(layer, view)?;
        let networks = self.networks().await?;
        networks
            .by_layer
            .get(&id)
            .map(Network::quality)
            .ok_or_else(|| ServiceError::NotFound {
                what: format!("network layer {layer:?}"),
            })
    }
}
