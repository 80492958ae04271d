//! Mapping the model's own property names (as written by `undermap export` and documented in
//! data/README.md) to feature attributes. Department crates map their own field names onto these.

use chrono::NaiveDate;
use serde_json::{Map, Value};
use undermap_core::{
    Accuracy, Depth, DepthMethod, FeatureAttributes, FeatureKind, Owner, PressureClass,
    QualityLevel, Sensitivity, Status,
};
pub(crate) use undermap_departments::FieldError;

fn err(field: &str, reason: impl Into<String>) -> FieldError {
    FieldError::new(field, reason)
}

/// Properties that are part of the model; everything else goes to `extra`.
pub(crate) const MODEL_FIELDS: &[&str] = &[
    "id",
    "feature_id",
    "kind",
    "owner",
    "owner_contact",
    "material",
    "diameter_mm",
    "section",
    "pressure_class",
    "voltage_kv",
    "depth_top_m",
    "depth_bottom_m",
    "depth_method",
    "accuracy_h_m",
    "accuracy_v_m",
    "survey_date",
    "status",
    "archive_ref",
    "sensitivity",
    "quality_level",
    "layer",
];

/// Network facts the graph reads, kept among the department attributes (`extra`) under these
/// names; the resilience facts are `undermap_core::resilience::keys::ALL`. Both are normalised
/// like model fields.
pub(crate) const NETWORK_FACTS: &[&str] = &["consumer_class", "operable", "source", "on_pipe"];

fn text(props: &Map<String, Value>, field: &'static str) -> Result<Option<String>, FieldError> {
    undermap_core::resilience::text(props, field).map_err(FieldError::from)
}

fn number(props: &Map<String, Value>, field: &'static str) -> Result<Option<f64>, FieldError> {
    undermap_core::resilience::number(props, field).map_err(FieldError::from)
}

fn parsed<T: std::str::FromStr>(
    props: &Map<String, Value>,
    field: &'static str,
) -> Result<Option<T>, FieldError>
where
    T::Err: std::fmt::Display,
{
    text(props, field)?
        .map(|s| s.parse::<T>().map_err(|e| err(field, e.to_string())))
        .transpose()
}

fn ranged<T>(
    props: &Map<String, Value>,
    field: &'static str,
    make: fn(f64) -> Result<T, undermap_core::CoreError>,
) -> Result<Option<T>, FieldError> {
    number(props, field)?
        .map(|v| make(v).map_err(|e| err(field, e.to_string())))
        .transpose()
}

/// Reads kind and attributes from a properties object.
pub(crate) fn read(
    props: &Map<String, Value>,
) -> Result<(FeatureKind, FeatureAttributes), FieldError> {
    let kind: FeatureKind =
        parsed(props, "kind")?.ok_or_else(|| err("kind", "missing; say what the feature is"))?;
    let survey_date = text(props, "survey_date")?
        .map(|s| {
            NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|_| {
                err(
                    "survey_date",
                    format!("{s:?} is not a date like 2024-05-31"),
                )
            })
        })
        .transpose()?;
    // `owner` is a name (with `owner_contact` beside it) or, as undermap writes it, an object.
    let owner = match props.get("owner") {
        Some(Value::Object(o)) => {
            let name =
                text(o, "name")?.ok_or_else(|| err("owner", "an owner object needs a name"))?;
            Some(Owner {
                name,
                contact: text(o, "contact")?,
            })
        }
        _ => text(props, "owner")?
            .map(|name| -> Result<Owner, FieldError> {
                Ok(Owner {
                    name,
                    contact: text(props, "owner_contact")?,
                })
            })
            .transpose()?,
    };
    // Everything else is kept; an `extra` object (undermap's own export) is unpacked.
    let mut extra: Map<String, Value> = props
        .iter()
        .filter(|(k, _)| !MODEL_FIELDS.contains(&k.as_str()) && *k != "extra")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Some(Value::Object(more)) = props.get("extra") {
        for (k, v) in more {
            extra.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    // Disaster-resistance parameters may ride on any feature; they must be readable.
    undermap_core::Resistance::read(&extra).map_err(FieldError::from)?;
    let attrs = FeatureAttributes {
        owner,
        material: text(props, "material")?,
        diameter_mm: number(props, "diameter_mm")?,
        section: text(props, "section")?,
        pressure_class: parsed::<PressureClass>(props, "pressure_class")?,
        voltage_kv: number(props, "voltage_kv")?,
        depth_top_m: ranged(props, "depth_top_m", Depth::new)?,
        depth_bottom_m: ranged(props, "depth_bottom_m", Depth::new)?,
        depth_method: parsed::<DepthMethod>(props, "depth_method")?,
        accuracy_h_m: ranged(props, "accuracy_h_m", Accuracy::new)?,
        accuracy_v_m: ranged(props, "accuracy_v_m", Accuracy::new)?,
        survey_date,
        status: parsed::<Status>(props, "status")?.unwrap_or_default(),
        archive_ref: text(props, "archive_ref")?,
        extra,
        sensitivity: parsed::<Sensitivity>(props, "sensitivity")?.unwrap_or_default(),
        quality_level: text(props, "quality_level")?
            .map(|q| QualityLevel::delivered(&q).map_err(|e| err("quality_level", e.to_string())))
            .transpose()?,
    };
    Ok((kind, attrs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn props(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn reads_model_fields_and_keeps_the_rest() {
        let (kind, a) = read(&props(json!({
            "kind": "pipe", "material": "DI", "diameter_mm": "300", "depth_top_m": 1.2,
            "owner": "秀山县自来水公司", "owner_contact": "023-7666-0000",
            "survey_date": "2023-06-01", "road": "中和街道"
        })))
        .unwrap();
        assert_eq!(kind, FeatureKind::Pipe);
        assert_eq!(a.diameter_mm, Some(300.0));
        assert_eq!(a.owner.unwrap().contact.as_deref(), Some("023-7666-0000"));
        assert_eq!(a.extra["road"], json!("中和街道"));
    }

    #[test]
    fn names_the_bad_field() {
        let e = read(&props(json!({"kind": "pipe", "depth_top_m": 45}))).unwrap_err();
        assert_eq!(e.field, "depth_top_m");
        let e = read(&props(json!({"kind": "pipe", "survey_date": "31/05/2024"}))).unwrap_err();
        assert_eq!(e.field, "survey_date");
        let e = read(&props(json!({"material": "PE"}))).unwrap_err();
        assert_eq!(e.field, "kind");
        let e = read(&props(
            json!({"kind": "pipe", "pressure_class": "very high"}),
        ))
        .unwrap_err();
        assert!(e.reason.contains("medium_b"), "{}", e.reason);
        let e = read(&props(json!({"kind": "pipe", "seismic_intensity": 12}))).unwrap_err();
        assert_eq!(e.field, "seismic_intensity");
    }
}
