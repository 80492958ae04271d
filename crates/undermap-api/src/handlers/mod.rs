//! One module per resource; each handler parses, calls the service, serialises.

pub(crate) mod admin;
pub(crate) mod deliveries;
pub(crate) mod excavation;
pub(crate) mod features;
pub(crate) mod health;
pub(crate) mod incidents;
pub(crate) mod layers;
pub(crate) mod nearest;
pub(crate) mod ogc;
pub(crate) mod print;
pub(crate) mod resilience;
pub(crate) mod tiles;
pub(crate) mod web;
