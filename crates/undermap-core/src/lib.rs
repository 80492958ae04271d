//! Domain model of undermap, the "one map" of what lies under a city.
//!
//! Everything here is pure: no IO, no PROJ, no database. Values are parsed into these types at the
//! edges (HTTP, files, database rows) so that the rest of the code cannot see an invalid state:
//! a [`LayerId`] is a well-formed slug, a [`FeatureId`] is a stable printable id, an
//! [`ExcavationArea`] is a valid polygon in metres under the size limit.
//!
//! Coordinates held by these types are always in the deployment's projected metric CRS
//! (EPSG:4545 by default), x = easting, y = northing.

pub mod access;
pub mod answers;
pub mod attribute;
mod calendar;
mod error;
mod excavation;
mod feature;
mod feature_id;
pub mod field_report;
pub mod geometry;
mod kind;
mod layer;
pub mod precaution;
pub mod problem;
pub mod quality;
pub mod resilience;
pub mod risk;
pub mod text;
#[doc(hidden)]
pub mod text_enum;
mod ticket;

pub use access::{Bounds, Field, FieldMask, Sensitivity, View};
pub use answers::{ResponseCode, TicketState};
pub use calendar::WorkingCalendar;
pub use error::CoreError;
pub use excavation::{AreaLimits, ExcavationArea};
pub use feature::{
    Accuracy, Depth, DepthMethod, Feature, FeatureAttributes, Owner, PressureClass, Status,
    PROJECT_CODE,
};
pub use feature_id::FeatureId;
pub use field_report::{ReportStatus, ReportType, StrikeCause};
pub use kind::FeatureKind;
pub use layer::{LayerCategory, LayerId, LayerInfo};
pub use precaution::{PrecautionRecord, Requirement};
pub use problem::{ErrorKind, Problem};
pub use quality::{QualityLevel, ToleranceClass};
pub use resilience::{
    ConditionGrade, IncidentRecord, IncidentType, Resistance, ResourceRecord, ResourceType,
};
pub use risk::{Relation, Risk, RiskAssessment, RiskPolicy};
pub use ticket::{parse_numbered, TicketId, TicketRules, TicketType};
