//! Each department's mapping on a typical record of its archives, and its own checks.

mod water {
    use undermap_departments::water::*;

    use geo_types::{Geometry, LineString};
    use serde_json::json;
    use undermap_ingest::check_fields;

    #[test]
    fn maps_a_typical_record() {
        let feature = check_fields(
            &DEPARTMENT,
            geometry(),
            &[("管径", json!("DN300")), ("材质", json!("球墨铸铁"))],
        )
        .unwrap();
        assert!(DEPARTMENT.kinds.contains(&feature.kind));
    }

    #[test]
    fn the_layer_check_names_the_field() {
        let rejection =
            check_fields(&DEPARTMENT, geometry(), &[("材质", json!("球墨铸铁"))]).unwrap_err();
        assert_eq!(
            rejection.field.as_deref(),
            Some("diameter_mm"),
            "{rejection:?}"
        );
    }

    fn geometry() -> Geometry<f64> {
        Geometry::LineString(LineString::from(vec![(0.0, 0.0), (1.0, 0.0)]))
    }
}

mod gas {
    use undermap_departments::gas::*;

    use geo_types::{Geometry, LineString};
    use serde_json::json;
    use undermap_ingest::check_fields;

    #[test]
    fn maps_a_typical_record() {
        let feature = check_fields(
            &DEPARTMENT,
            geometry(),
            &[("压力", json!("中压A")), ("管径", json!(160))],
        )
        .unwrap();
        assert!(DEPARTMENT.kinds.contains(&feature.kind));
    }

    #[test]
    fn the_layer_check_names_the_field() {
        let rejection = check_fields(&DEPARTMENT, geometry(), &[("管径", json!(160))]).unwrap_err();
        assert_eq!(
            rejection.field.as_deref(),
            Some("pressure_class"),
            "{rejection:?}"
        );
    }

    fn geometry() -> Geometry<f64> {
        Geometry::LineString(LineString::from(vec![(0.0, 0.0), (1.0, 0.0)]))
    }
}

mod power {
    use undermap_departments::power::*;

    use geo_types::{Geometry, LineString};
    use serde_json::json;
    use undermap_ingest::check_fields;

    #[test]
    fn maps_a_typical_record() {
        let feature = check_fields(
            &DEPARTMENT,
            geometry(),
            &[("电压", json!("10kV")), ("电缆条数", json!(3))],
        )
        .unwrap();
        assert!(DEPARTMENT.kinds.contains(&feature.kind));
    }

    #[test]
    fn the_layer_check_names_the_field() {
        let rejection =
            check_fields(&DEPARTMENT, geometry(), &[("电缆条数", json!(3))]).unwrap_err();
        assert_eq!(
            rejection.field.as_deref(),
            Some("voltage_kv"),
            "{rejection:?}"
        );
    }

    fn geometry() -> Geometry<f64> {
        Geometry::LineString(LineString::from(vec![(0.0, 0.0), (1.0, 0.0)]))
    }
}

mod drainage {
    use undermap_departments::drainage::*;

    use geo_types::{Geometry, LineString};
    use serde_json::json;
    use undermap_ingest::check_fields;

    #[test]
    fn maps_a_typical_record() {
        let feature =
            check_fields(&DEPARTMENT, geometry(), &[("管径", json!("1200×800"))]).unwrap();
        assert!(DEPARTMENT.kinds.contains(&feature.kind));
    }

    #[test]
    fn the_layer_check_names_the_field() {
        let rejection =
            check_fields(&DEPARTMENT, geometry(), &[("材质", json!("混凝土"))]).unwrap_err();
        assert_eq!(
            rejection.field.as_deref(),
            Some("diameter_mm"),
            "{rejection:?}"
        );
    }

    fn geometry() -> Geometry<f64> {
        Geometry::LineString(LineString::from(vec![(0.0, 0.0), (1.0, 0.0)]))
    }
}

mod planning {
    use undermap_departments::planning::*;

    use geo_types::{Geometry, LineString};
    use serde_json::json;
    use undermap_ingest::check_fields;

    #[test]
    fn maps_a_typical_record() {
        let feature = check_fields(
            &DEPARTMENT,
            geometry(),
            &[("类型", json!("地块")), ("用地性质", json!("R2"))],
        )
        .unwrap();
        assert!(DEPARTMENT.kinds.contains(&feature.kind));
    }

    #[test]
    fn the_layer_check_names_the_field() {
        let rejection =
            check_fields(&DEPARTMENT, geometry(), &[("类型", json!("地块"))]).unwrap_err();
        assert_eq!(
            rejection.field.as_deref(),
            Some("land_use"),
            "{rejection:?}"
        );
    }

    fn geometry() -> Geometry<f64> {
        Geometry::Polygon(geo_types::Polygon::new(
            LineString::from(vec![(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]),
            vec![],
        ))
    }
}

mod telecom {
    use undermap_departments::telecom::*;

    use geo_types::{Geometry, LineString};
    use serde_json::json;
    use undermap_ingest::check_fields;

    #[test]
    fn maps_a_typical_record() {
        let feature = check_fields(&DEPARTMENT, geometry(), &[("孔数", json!(6))]).unwrap();
        assert!(DEPARTMENT.kinds.contains(&feature.kind));
    }

    fn geometry() -> Geometry<f64> {
        Geometry::LineString(LineString::from(vec![(0.0, 0.0), (1.0, 0.0)]))
    }
}

mod resilience {
    use geo_types::{Geometry, LineString, Point};
    use serde_json::json;
    use undermap_core::{FeatureKind, IncidentRecord, ResourceRecord};
    use undermap_core::{IncidentType, ResourceType};
    use undermap_departments::resilience::*;
    use undermap_ingest::check_fields;

    fn point() -> Geometry<f64> {
        Geometry::Point(Point::new(1.0, 2.0))
    }

    #[test]
    fn maps_an_incident_register_row() {
        let f = check_fields(
            &INCIDENTS,
            point(),
            &[
                ("类型", json!("爆管")),
                ("发生日期", json!("2021年7月8日")),
                ("原因", json!("管道腐蚀")),
                ("停水时长", json!("6小时")),
                ("影响户数", json!("320户")),
                ("受损设施编号", json!("WS-E00")),
            ],
        )
        .unwrap();
        assert_eq!(f.kind, FeatureKind::Incident);
        let r = IncidentRecord::read(&f).unwrap();
        assert_eq!(r.incident_type, IncidentType::Burst);
        assert_eq!(r.occurred_on.to_string(), "2021-07-08");
        assert_eq!(r.duration_h, Some(6.0));
        assert_eq!(r.affected_households, Some(320));
        assert_eq!(r.asset_ref.unwrap().as_str(), "WS-E00");
    }

    #[test]
    fn an_incident_without_a_date_is_refused_by_its_source_field() {
        let rejection = check_fields(&INCIDENTS, point(), &[("类型", json!("内涝"))]).unwrap_err();
        assert_eq!(
            rejection.field.as_deref(),
            Some("occurred_on"),
            "{rejection:?}"
        );
        let rejection = check_fields(
            &INCIDENTS,
            point(),
            &[("类型", json!("陨石")), ("发生日期", json!("2020-06-01"))],
        )
        .unwrap_err();
        assert_eq!(rejection.field.as_deref(), Some("类型"), "{rejection:?}");
    }

    #[test]
    fn maps_a_resource_row() {
        let f = check_fields(
            &RESOURCES,
            point(),
            &[
                ("类型", json!("排涝泵车")),
                ("名称", json!("城东排涝泵车")),
                ("能力", json!("300")),
                ("计量单位", json!("m³/h")),
                ("负责单位", json!("秀山县应急管理局")),
                ("值班电话", json!("023-7666-0119")),
            ],
        )
        .unwrap();
        let r = ResourceRecord::read(&f).unwrap();
        assert_eq!(r.resource_type, ResourceType::Pump);
        assert_eq!(r.capacity, Some(300.0));
        assert_eq!(
            f.attrs.owner.unwrap().contact.as_deref(),
            Some("023-7666-0119")
        );
        assert!(check_fields(&RESOURCES, point(), &[("名称", json!("x"))]).is_err());
    }

    #[test]
    fn streets_are_roads() {
        let line = Geometry::LineString(LineString::from(vec![(0.0, 0.0), (100.0, 0.0)]));
        let f = check_fields(&STREETS, line, &[("路名", json!("中和大道"))]).unwrap();
        assert_eq!(f.kind, FeatureKind::Road);
        assert_eq!(f.attrs.extra["name"], json!("中和大道"));
    }
}
