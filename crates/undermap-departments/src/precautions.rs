//! Precaution zones, one thematic layer per network department (IMKL's *eis
//! voorzorgsmaatregel*): the areas an owner delivers where digging must follow a requirement —
//! its staff present, hand digging within some metres, no mechanical excavation. The owner
//! delivers them as areas with the requirement and a contact; an excavation check lists every
//! zone it touches in the signed ticket (undermap-core `precaution.rs`).

use crate::{Department, FieldError};
use undermap_core::{Feature, FeatureKind, PrecautionRecord};

const fn zones(name: &'static str) -> Department {
    Department {
        name,
        layer: name,
        aliases: ALIASES,
        codes: CODES,
        kinds: &[FeatureKind::PrecautionZone],
        default_kinds: [None, None, Some(FeatureKind::PrecautionZone)],
        check,
    }
}

/// Water supply's precaution zones.
pub static WATER: Department = zones("water_precautions");
/// Gas's precaution zones.
pub static GAS: Department = zones("gas_precautions");
/// Power's precaution zones.
pub static POWER: Department = zones("power_precautions");
/// Drainage's precaution zones.
pub static DRAINAGE: Department = zones("drainage_precautions");
/// Telecommunications' precaution zones.
pub static TELECOM: Department = zones("telecom_precautions");

const ALIASES: &[(&str, &str)] = &[
    ("编号", "id"),
    ("区域编号", "id"),
    ("保护要求", "requirement"),
    ("施工要求", "requirement"),
    ("防护要求", "requirement"),
    ("要求", "requirement"),
    ("措施", "requirement"),
    ("voorzorgsmaatregel", "requirement"),
    ("范围", "within_m"),
    ("距离", "within_m"),
    ("保护距离", "within_m"),
    ("说明", "note"),
    ("备注", "note"),
    ("权属单位", "owner"),
    ("联系电话", "owner_contact"),
    ("联系人电话", "owner_contact"),
];

const CODES: &[(&str, &str, &str)] = &[
    ("requirement", "权属单位现场监护", "owner_present"),
    ("requirement", "现场监护", "owner_present"),
    ("requirement", "派员监护", "owner_present"),
    ("requirement", "人工开挖", "hand_dig"),
    ("requirement", "人工挖掘", "hand_dig"),
    ("requirement", "禁止机械开挖", "no_mechanical_excavation"),
    ("requirement", "严禁机械开挖", "no_mechanical_excavation"),
    ("requirement", "施工前通知", "notify_before_work"),
    ("requirement", "开工前通知", "notify_before_work"),
    ("requirement", "其他", "other"),
    ("kind", "保护区", "precaution_zone"),
    ("kind", "防护区", "precaution_zone"),
];

/// A zone must say what it requires, and whom to call.
fn check(feature: &Feature) -> Result<(), FieldError> {
    PrecautionRecord::read(feature)?;
    if feature.attrs.owner.is_none() {
        return Err(FieldError::new(
            "owner",
            "a precaution zone needs its owner (权属单位) and contact: the ticket names whom to call",
        ));
    }
    Ok(())
}
