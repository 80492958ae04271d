//! The departments this build knows. Adding one (heat, telecom…) is one small crate under
//! `crates/departments/` holding its schema mapping, and one line here.

use undermap_ingest::Department;
use undermap_service::Departments;

/// Every department, by the name used on the command line and in `POST /v1/deliveries`.
pub static DEPARTMENTS: Departments = Departments(&[
    &undermap_dept_water::DEPARTMENT,
    &undermap_dept_gas::DEPARTMENT,
    &undermap_dept_power::DEPARTMENT,
    &undermap_dept_drainage::DEPARTMENT,
    &undermap_dept_planning::DEPARTMENT,
    &undermap_dept_telecom::DEPARTMENT,
    &undermap_dept_resilience::INCIDENTS,
    &undermap_dept_resilience::RESOURCES,
    &undermap_dept_resilience::STREETS,
]);

/// The department whose layer is `layer`, if any.
#[must_use]
pub fn for_layer(layer: &str) -> Option<&'static Department> {
    DEPARTMENTS.0.iter().copied().find(|d| d.layer == layer)
}
