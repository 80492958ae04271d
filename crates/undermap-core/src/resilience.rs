//! The resilience thematic database: what the city remembers of its disasters and what it has to
//! answer them with. Three kinds of fact, all carried in a feature's department attributes
//! (`extra`) under the names below, checked at ingest and read back into these types:
//!
//! - **disaster-resistance parameters** of any asset ([`Resistance`]): design flood return
//!   period, seismic fortification intensity, design pressure, year built, condition grade;
//! - **historical incidents** ([`IncidentRecord`], features of kind `incident`): date, type,
//!   cause, damage, duration, the asset involved;
//! - **emergency resources** ([`ResourceRecord`], features of kind `resource`): type, name,
//!   capacity, and the owner's contact.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::text_enum;
use crate::{CoreError, Feature, FeatureId, FeatureKind};

/// Attribute names of the resilience facts, as stored in `extra` and accepted in deliveries.
pub mod keys {
    /// Design flood (or storm) return period, years (设计重现期, 防洪标准).
    pub const RETURN_PERIOD: &str = "design_return_period_years";
    /// Seismic fortification intensity, degrees 6–9 (抗震设防烈度, GB 50011).
    pub const SEISMIC_INTENSITY: &str = "seismic_intensity";
    /// Design pressure, MPa (设计压力).
    pub const DESIGN_PRESSURE: &str = "design_pressure_mpa";
    /// Year the asset was built or laid (建设年代).
    pub const INSTALL_YEAR: &str = "install_year";
    /// Condition grade from the latest inspection (状况等级).
    pub const CONDITION: &str = "condition";
    /// What kind of incident (事件类型).
    pub const INCIDENT_TYPE: &str = "incident_type";
    /// When it happened (发生日期).
    pub const OCCURRED_ON: &str = "occurred_on";
    /// Why (原因).
    pub const CAUSE: &str = "cause";
    /// What it damaged (损失情况).
    pub const DAMAGE: &str = "damage";
    /// How long service was out or the site closed, hours (持续时间).
    pub const DURATION_H: &str = "duration_h";
    /// Households that lost service (影响户数).
    pub const HOUSEHOLDS: &str = "affected_households";
    /// The asset involved, by feature id (涉及设施编号).
    pub const ASSET_REF: &str = "asset_ref";
    /// What kind of resource (资源类型).
    pub const RESOURCE_TYPE: &str = "resource_type";
    /// Its name (名称).
    pub const NAME: &str = "name";
    /// How much of it (能力, 数量).
    pub const CAPACITY: &str = "capacity";
    /// The unit of the capacity (m³/h, kW, persons…).
    pub const CAPACITY_UNIT: &str = "capacity_unit";

    /// Every resilience attribute name.
    pub const ALL: &[&str] = &[
        RETURN_PERIOD,
        SEISMIC_INTENSITY,
        DESIGN_PRESSURE,
        INSTALL_YEAR,
        CONDITION,
        INCIDENT_TYPE,
        OCCURRED_ON,
        CAUSE,
        DAMAGE,
        DURATION_H,
        HOUSEHOLDS,
        ASSET_REF,
        RESOURCE_TYPE,
        NAME,
        CAPACITY,
        CAPACITY_UNIT,
    ];
}

text_enum! {
    /// The condition grade of an asset from its latest inspection, best first (CJJ 181's
    /// structural grades Ⅰ–Ⅳ for drains; the same four steps for the other networks).
    pub enum ConditionGrade ("condition") {
        /// Ⅰ: sound, no or slight defects.
        Good => "good",
        /// Ⅱ: defects to watch.
        Fair => "fair",
        /// Ⅲ: serious defects, repair planned.
        Poor => "poor",
        /// Ⅳ: failing, repair now.
        Critical => "critical",
    }
}

text_enum! {
    /// What kind of incident a record is.
    pub enum IncidentType ("incident_type") {
        /// A flood or waterlogging (洪涝, 内涝).
        Flood => "flood",
        /// A landslide or debris flow (滑坡, 泥石流).
        Landslide => "landslide",
        /// Ground subsidence or a sinkhole (地面塌陷).
        Subsidence => "subsidence",
        /// An earthquake (地震).
        Earthquake => "earthquake",
        /// A pipe burst (爆管).
        Burst => "burst",
        /// A leak (泄漏), gas or water.
        Leak => "leak",
        /// A power outage (停电).
        Outage => "outage",
        /// A fire or explosion (火灾, 爆炸).
        Fire => "fire",
        /// An asset struck by digging (外力破坏).
        Strike => "strike",
        /// Anything else.
        Other => "other",
    }
}

impl IncidentType {
    /// Whether an incident of this type, recorded without the asset it involved, counts against
    /// the assets of `layer` near it: an outage against power, a flood against drainage, a burst
    /// or leak against the pipe networks, a fire against gas and power, the rest (landslides,
    /// subsidence, earthquakes, strikes) against every network.
    #[must_use]
    pub fn concerns(self, layer: &str) -> bool {
        match self {
            Self::Outage => layer == "power",
            Self::Flood => layer == "drainage",
            Self::Burst | Self::Leak => !matches!(layer, "power" | "telecom"),
            Self::Fire => matches!(layer, "gas" | "power"),
            _ => true,
        }
    }
}

text_enum! {
    /// What kind of emergency resource.
    pub enum ResourceType ("resource_type") {
        /// A store of materials (防汛物资仓库, 应急物资库).
        Depot => "depot",
        /// A repair or rescue team (抢修队).
        RepairTeam => "repair_team",
        /// A drainage pump or pump truck (抽水泵, 排涝泵车).
        Pump => "pump",
        /// A generator or power truck (发电机, 应急电源车).
        Generator => "generator",
        /// An emergency shelter (避难场所).
        Shelter => "shelter",
        /// A water tanker (供水车).
        WaterTanker => "water_tanker",
        /// Anything else.
        Other => "other",
    }
}

/// Seismic fortification intensities the national code knows (GB 50011: 6, 7, 8, 9 degrees).
const INTENSITIES: std::ops::RangeInclusive<u8> = 6..=9;

/// The disaster-resistance parameters of an asset; each may be unrecorded.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Resistance {
    /// Design flood or storm return period, years, 1 to 10,000.
    pub design_return_period_years: Option<f64>,
    /// Seismic fortification intensity, 6 to 9 degrees.
    pub seismic_intensity: Option<u8>,
    /// Design pressure, MPa, above 0 and up to 20.
    pub design_pressure_mpa: Option<f64>,
    /// Year built or laid, 1850 to 2100.
    pub install_year: Option<i32>,
    /// Condition grade.
    pub condition: Option<ConditionGrade>,
}

impl Resistance {
    /// Reads the parameters from an asset's attributes, or says which one is wrong and why.
    pub fn read(extra: &Map<String, Value>) -> Result<Self, CoreError> {
        let return_period = number(extra, keys::RETURN_PERIOD)?;
        if let Some(y) = return_period {
            if !(1.0..=10_000.0).contains(&y) {
                return Err(bad(
                    keys::RETURN_PERIOD,
                    format!("{y} years is outside 1 to 10000"),
                ));
            }
        }
        let seismic = number(extra, keys::SEISMIC_INTENSITY)?
            .map(|v| {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let degree = v as u8;
                if v.fract() == 0.0 && INTENSITIES.contains(&degree) && v >= 0.0 {
                    Ok(degree)
                } else {
                    Err(bad(
                        keys::SEISMIC_INTENSITY,
                        format!("{v} is not a fortification intensity (6, 7, 8 or 9 degrees)"),
                    ))
                }
            })
            .transpose()?;
        let pressure = number(extra, keys::DESIGN_PRESSURE)?;
        if let Some(p) = pressure {
            if !(p > 0.0 && p <= 20.0) {
                return Err(bad(
                    keys::DESIGN_PRESSURE,
                    format!("{p} MPa is outside 0 to 20 MPa"),
                ));
            }
        }
        let install_year = number(extra, keys::INSTALL_YEAR)?
            .map(|v| {
                #[allow(clippy::cast_possible_truncation)]
                let year = v as i32;
                if v.fract() == 0.0 && (1850..=2100).contains(&year) {
                    Ok(year)
                } else {
                    Err(bad(
                        keys::INSTALL_YEAR,
                        format!("{v} is not a year from 1850 to 2100"),
                    ))
                }
            })
            .transpose()?;
        Ok(Self {
            design_return_period_years: return_period,
            seismic_intensity: seismic,
            design_pressure_mpa: pressure,
            install_year,
            condition: parsed(extra, keys::CONDITION)?,
        })
    }

    /// The asset's age in whole years on `on`, if its year is recorded.
    #[must_use]
    pub fn age_years(&self, on: NaiveDate) -> Option<i32> {
        self.install_year.map(|y| (on.year() - y).max(0))
    }

    /// Whether nothing is recorded.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// A historical incident: a feature of kind `incident`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentRecord {
    /// What happened.
    pub incident_type: IncidentType,
    /// When (required: a record without a date cannot be placed in the history).
    pub occurred_on: NaiveDate,
    /// Why, as recorded.
    pub cause: Option<String>,
    /// What it damaged, as recorded.
    pub damage: Option<String>,
    /// How long it lasted, hours.
    pub duration_h: Option<f64>,
    /// Households that lost service.
    pub affected_households: Option<u32>,
    /// The asset involved.
    pub asset_ref: Option<FeatureId>,
}

impl IncidentRecord {
    /// Reads an incident record, or says which attribute is missing or wrong.
    pub fn read(feature: &Feature) -> Result<Self, CoreError> {
        let extra = &feature.attrs.extra;
        if feature.kind != FeatureKind::Incident {
            return Err(bad(
                "kind",
                format!("a {} is not an incident record", feature.kind),
            ));
        }
        let incident_type = required(
            extra,
            keys::INCIDENT_TYPE,
            IncidentType::ALL.iter().map(|t| t.as_str()),
        )?;
        let occurred_on = text(extra, keys::OCCURRED_ON)?
            .ok_or_else(|| bad(keys::OCCURRED_ON, "missing; the date it happened"))
            .and_then(|s| {
                NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|_| {
                    bad(
                        keys::OCCURRED_ON,
                        format!("{s:?} is not a date like 2020-07-08"),
                    )
                })
            })?;
        let duration_h = number(extra, keys::DURATION_H)?;
        if let Some(h) = duration_h {
            if !(0.0..=100_000.0).contains(&h) {
                return Err(bad(keys::DURATION_H, format!("{h} h is not a duration")));
            }
        }
        let affected_households = number(extra, keys::HOUSEHOLDS)?
            .map(|n| {
                if n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&n) {
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                    Ok(n as u32)
                } else {
                    Err(bad(keys::HOUSEHOLDS, format!("{n} is not a count")))
                }
            })
            .transpose()?;
        let asset_ref = text(extra, keys::ASSET_REF)?
            .map(|s| {
                s.parse::<FeatureId>()
                    .map_err(|e| bad(keys::ASSET_REF, e.to_string()))
            })
            .transpose()?;
        Ok(Self {
            incident_type,
            occurred_on,
            cause: text(extra, keys::CAUSE)?,
            damage: text(extra, keys::DAMAGE)?,
            duration_h,
            affected_households,
            asset_ref,
        })
    }
}

/// An emergency resource: a feature of kind `resource`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResourceRecord {
    /// What it is.
    pub resource_type: ResourceType,
    /// Its name.
    pub name: Option<String>,
    /// How much of it (a pump's m³/h, a generator's kW, a shelter's places…).
    pub capacity: Option<f64>,
    /// The unit of `capacity`.
    pub capacity_unit: Option<String>,
}

impl ResourceRecord {
    /// Reads a resource record, or says which attribute is missing or wrong.
    pub fn read(feature: &Feature) -> Result<Self, CoreError> {
        let extra = &feature.attrs.extra;
        if feature.kind != FeatureKind::Resource {
            return Err(bad(
                "kind",
                format!("a {} is not an emergency resource", feature.kind),
            ));
        }
        let resource_type = required(
            extra,
            keys::RESOURCE_TYPE,
            ResourceType::ALL.iter().map(|t| t.as_str()),
        )?;
        let capacity = number(extra, keys::CAPACITY)?;
        if let Some(c) = capacity {
            if c < 0.0 {
                return Err(bad(keys::CAPACITY, format!("{c} is negative")));
            }
        }
        Ok(Self {
            resource_type,
            name: text(extra, keys::NAME)?,
            capacity,
            capacity_unit: text(extra, keys::CAPACITY_UNIT)?,
        })
    }
}

fn bad(field: &'static str, reason: impl Into<String>) -> CoreError {
    CoreError::value(field, reason)
}

/// The text of attribute `key` (a number is taken as its text; blank is absent).
pub fn text(extra: &Map<String, Value>, key: &'static str) -> Result<Option<String>, CoreError> {
    match extra.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(bad(key, format!("expected text, got {other}"))),
    }
}

/// The number of attribute `key` (text holding a number is read; blank is absent).
pub fn number(extra: &Map<String, Value>, key: &'static str) -> Result<Option<f64>, CoreError> {
    match extra.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_f64()
            .filter(|v| v.is_finite())
            .map(Some)
            .ok_or_else(|| bad(key, format!("{n} is not a finite number"))),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(Some)
            .ok_or_else(|| bad(key, format!("{s:?} is not a number"))),
        Some(other) => Err(bad(key, format!("expected a number, got {other}"))),
    }
}

/// A coded attribute that must be there; when it is missing, the error lists the codes.
fn required<T: std::str::FromStr<Err = CoreError>>(
    extra: &Map<String, Value>,
    key: &'static str,
    codes: impl Iterator<Item = &'static str>,
) -> Result<T, CoreError> {
    parsed(extra, key)?.ok_or_else(|| {
        bad(
            key,
            format!("missing; one of {}", codes.collect::<Vec<_>>().join(", ")),
        )
    })
}

fn parsed<T: std::str::FromStr<Err = CoreError>>(
    extra: &Map<String, Value>,
    key: &'static str,
) -> Result<Option<T>, CoreError> {
    text(extra, key)?.map(|s| s.parse::<T>()).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FeatureAttributes;
    use chrono::DateTime;
    use geo::point;
    use serde_json::json;

    fn extra(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn record(kind: FeatureKind, v: Value) -> Feature {
        Feature::new(
            "r-1".parse().unwrap(),
            "incidents".parse().unwrap(),
            kind,
            point!(x: 1.0, y: 2.0).into(),
            FeatureAttributes {
                extra: extra(v),
                ..FeatureAttributes::default()
            },
            DateTime::UNIX_EPOCH,
        )
        .unwrap()
    }

    #[test]
    fn reads_resistance_parameters_and_names_the_bad_one() {
        let r = Resistance::read(&extra(json!({
            "design_return_period_years": 50, "seismic_intensity": "7",
            "design_pressure_mpa": 0.4, "install_year": 1998, "condition": "poor"
        })))
        .unwrap();
        assert_eq!(r.seismic_intensity, Some(7));
        assert_eq!(r.condition, Some(ConditionGrade::Poor));
        assert_eq!(
            r.age_years(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()),
            Some(28)
        );
        assert!(Resistance::read(&Map::new()).unwrap().is_empty());
        for (key, value) in [
            ("seismic_intensity", json!(11)),
            ("seismic_intensity", json!(7.5)),
            ("install_year", json!(1492)),
            ("design_pressure_mpa", json!(-1)),
            ("design_return_period_years", json!("often")),
            ("condition", json!("so-so")),
        ] {
            let mut m = Map::new();
            m.insert(key.into(), value);
            let e = Resistance::read(&m).unwrap_err();
            assert!(
                matches!(&e, CoreError::InvalidValue { field, .. } if *field == key),
                "{e}"
            );
        }
    }

    #[test]
    fn an_incident_needs_a_type_and_a_date() {
        let i = IncidentRecord::read(&record(
            FeatureKind::Incident,
            json!({"incident_type": "burst", "occurred_on": "2021-07-08", "duration_h": 6,
                   "affected_households": 320, "asset_ref": "WM-E1-2-0", "cause": "corrosion"}),
        ))
        .unwrap();
        assert_eq!(i.incident_type, IncidentType::Burst);
        assert_eq!(i.affected_households, Some(320));
        assert_eq!(i.asset_ref.unwrap().as_str(), "WM-E1-2-0");
        let e = IncidentRecord::read(&record(
            FeatureKind::Incident,
            json!({"incident_type": "burst"}),
        ))
        .unwrap_err();
        assert!(e.to_string().contains("occurred_on"), "{e}");
        let e = IncidentRecord::read(&record(
            FeatureKind::Incident,
            json!({"occurred_on": "2021-07-08", "incident_type": "meteor"}),
        ))
        .unwrap_err();
        assert!(e.to_string().contains("flood"), "{e}");
    }

    #[test]
    fn a_resource_needs_a_type() {
        let r = ResourceRecord::read(&record(
            FeatureKind::Resource,
            json!({"resource_type": "pump", "name": "城东排涝泵车", "capacity": 300, "capacity_unit": "m³/h"}),
        ))
        .unwrap();
        assert_eq!(r.resource_type, ResourceType::Pump);
        assert!(ResourceRecord::read(&record(FeatureKind::Resource, json!({}))).is_err());
        assert!(ResourceRecord::read(&record(
            FeatureKind::Incident,
            json!({"resource_type": "pump"})
        ))
        .is_err());
    }
}
