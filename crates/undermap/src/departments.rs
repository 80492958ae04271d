//! The departments this build knows: the registry's (`undermap-departments`). Adding one is a
//! module there and one line in its registry.

use undermap_departments::{registry, Department};
use undermap_service::Departments;

/// Every department, by the name used on the command line and in `POST /v1/deliveries`.
pub static DEPARTMENTS: Departments = Departments(registry::LAYERS);

/// The department whose layer is `layer`, if any.
#[must_use]
pub fn for_layer(layer: &str) -> Option<&'static Department> {
    registry::layer(layer).map(|l| l.department)
}
