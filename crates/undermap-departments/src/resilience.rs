//! The resilience thematic database (城市安全韧性专题库), as the emergency management office
//! delivers it and updates it every year: historical incidents (floods, landslides, bursts,
//! outages), emergency resources (depots, repair teams, pumps, generators, shelters) and the
//! street centrelines crews drive along. Three departments, one layer each, all thematic.
//!
//! Disaster-resistance parameters of assets (design return period, seismic intensity, design
//! pressure, year built, condition grade) come with each network department's own deliveries:
//! their field names are shared by every department (`undermap-ingest`).

use crate::{Department, FieldError};
use undermap_core::{Feature, FeatureKind, IncidentRecord, ResourceRecord};

/// Historical incidents: one record per event, a point, line or area where it happened.
pub static INCIDENTS: Department = Department {
    name: "incidents",
    layer: "incidents",
    aliases: INCIDENT_ALIASES,
    codes: INCIDENT_CODES,
    kinds: &[FeatureKind::Incident],
    default_kinds: [
        Some(FeatureKind::Incident),
        Some(FeatureKind::Incident),
        Some(FeatureKind::Incident),
    ],
    check: check_incident,
};

/// Emergency resources: where they are kept, what they are and whom to call.
pub static RESOURCES: Department = Department {
    name: "resources",
    layer: "resources",
    aliases: RESOURCE_ALIASES,
    codes: RESOURCE_CODES,
    kinds: &[FeatureKind::Resource],
    default_kinds: [
        None,
        Some(FeatureKind::Resource),
        Some(FeatureKind::Resource),
    ],
    check: check_resource,
};

/// Street centrelines: the network for distances along streets.
pub static STREETS: Department = Department {
    name: "streets",
    layer: "streets",
    aliases: STREET_ALIASES,
    codes: &[("kind", "道路中心线", "road"), ("kind", "道路", "road")],
    kinds: &[FeatureKind::Road],
    default_kinds: [Some(FeatureKind::Road), None, None],
    check: |_| Ok(()),
};

const INCIDENT_ALIASES: &[(&str, &str)] = &[
    ("事件编号", "id"),
    ("灾害编号", "id"),
    // In an incident register 类型 is the incident's type; the feature kind is always incident.
    ("类型", "incident_type"),
    ("事件类型", "incident_type"),
    ("灾害类型", "incident_type"),
    ("事件类别", "incident_type"),
    ("发生日期", "occurred_on"),
    ("发生时间", "occurred_on"),
    ("日期", "occurred_on"),
    ("原因", "cause"),
    ("事故原因", "cause"),
    ("致灾原因", "cause"),
    ("损失情况", "damage"),
    ("灾情", "damage"),
    ("损坏情况", "damage"),
    ("持续时间", "duration_h"),
    ("历时", "duration_h"),
    ("停水时长", "duration_h"),
    ("停电时长", "duration_h"),
    ("影响户数", "affected_households"),
    ("受影响户数", "affected_households"),
    ("涉及设施编号", "asset_ref"),
    ("受损设施编号", "asset_ref"),
    ("设施编号", "asset_ref"),
];

const INCIDENT_CODES: &[(&str, &str, &str)] = &[
    ("incident_type", "洪涝", "flood"),
    ("incident_type", "洪水", "flood"),
    ("incident_type", "内涝", "flood"),
    ("incident_type", "水淹", "flood"),
    ("incident_type", "滑坡", "landslide"),
    ("incident_type", "泥石流", "landslide"),
    ("incident_type", "崩塌", "landslide"),
    ("incident_type", "地面塌陷", "subsidence"),
    ("incident_type", "塌陷", "subsidence"),
    ("incident_type", "沉降", "subsidence"),
    ("incident_type", "地震", "earthquake"),
    ("incident_type", "爆管", "burst"),
    ("incident_type", "管道爆裂", "burst"),
    ("incident_type", "泄漏", "leak"),
    ("incident_type", "漏水", "leak"),
    ("incident_type", "漏气", "leak"),
    ("incident_type", "停电", "outage"),
    ("incident_type", "断电", "outage"),
    ("incident_type", "火灾", "fire"),
    ("incident_type", "爆炸", "fire"),
    ("incident_type", "外力破坏", "strike"),
    ("incident_type", "挖断", "strike"),
    ("incident_type", "其他", "other"),
];

const RESOURCE_ALIASES: &[(&str, &str)] = &[
    ("资源编号", "id"),
    ("类型", "resource_type"),
    ("资源类型", "resource_type"),
    ("类别", "resource_type"),
    ("名称", "name"),
    ("资源名称", "name"),
    ("队伍名称", "name"),
    ("能力", "capacity"),
    ("容量", "capacity"),
    ("数量", "capacity"),
    ("规模", "capacity"),
    ("计量单位", "capacity_unit"),
    ("负责单位", "owner"),
    ("管理单位", "owner"),
    ("值班电话", "owner_contact"),
    ("联系人电话", "owner_contact"),
];

const RESOURCE_CODES: &[(&str, &str, &str)] = &[
    ("resource_type", "物资仓库", "depot"),
    ("resource_type", "仓库", "depot"),
    ("resource_type", "物资库", "depot"),
    ("resource_type", "应急物资库", "depot"),
    ("resource_type", "抢修队", "repair_team"),
    ("resource_type", "抢险队", "repair_team"),
    ("resource_type", "救援队", "repair_team"),
    ("resource_type", "水泵", "pump"),
    ("resource_type", "抽水泵", "pump"),
    ("resource_type", "排涝泵车", "pump"),
    ("resource_type", "泵车", "pump"),
    ("resource_type", "发电机", "generator"),
    ("resource_type", "发电车", "generator"),
    ("resource_type", "应急电源车", "generator"),
    ("resource_type", "避难场所", "shelter"),
    ("resource_type", "应急避难场所", "shelter"),
    ("resource_type", "避难所", "shelter"),
    ("resource_type", "供水车", "water_tanker"),
    ("resource_type", "送水车", "water_tanker"),
    ("resource_type", "其他", "other"),
];

const STREET_ALIASES: &[(&str, &str)] =
    &[("道路名称", "name"), ("路名", "name"), ("道路编号", "id")];

/// An incident record needs a type and a date; its other facts must be readable.
fn check_incident(feature: &Feature) -> Result<(), FieldError> {
    IncidentRecord::read(feature)
        .map(|_| ())
        .map_err(FieldError::from)
}

/// A resource needs a type; its capacity must be a number.
fn check_resource(feature: &Feature) -> Result<(), FieldError> {
    ResourceRecord::read(feature)
        .map(|_| ())
        .map_err(FieldError::from)
}
