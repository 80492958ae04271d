//! The stable, documented schema of every collection: the properties a feature carries in OGC
//! responses, in this order, with their types. Filters may use every one of them.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::{json, Map, Value as Json};
use undermap_core::attribute::AttributeType;
use undermap_core::{DepthMethod, Feature, FeatureKind, PressureClass, Status};

/// The type of a property, as filters and JSON Schema see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// Text (possibly from a closed list).
    String,
    /// A number.
    Number,
    /// A calendar date (`DATE('2021-05-01')`).
    Date,
    /// An instant (`TIMESTAMP('2021-05-01T00:00:00Z')`).
    Timestamp,
}

impl Type {
    /// How error messages name it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::String => "text",
            Self::Number => "a number",
            Self::Date => "a date",
            Self::Timestamp => "a timestamp",
        }
    }
}

/// One property's value on one feature.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// Not recorded.
    Null,
    /// Text.
    Str(&'a str),
    /// A number.
    Num(f64),
    /// A date.
    Date(NaiveDate),
    /// An instant.
    Time(DateTime<Utc>),
}

/// Where a property's type, title and unit come from.
enum Meta {
    /// Its own (properties that are not feature attributes: layer, kind, valid_from).
    Own(Type, &'static str, Option<&'static str>),
    /// The core's attribute table (`undermap_core::attribute`), under the property's name.
    Table,
}

/// A property's type, title and unit.
fn resolve(name: &'static str, meta: Meta) -> (Type, &'static str, Option<&'static str>) {
    match meta {
        Meta::Own(ty, title, unit) => (ty, title, unit),
        Meta::Table => {
            let a = undermap_core::attribute::attribute(name)
                .expect("every Table property is in the attribute table (a test checks)");
            let ty = match a.ty {
                AttributeType::Text => Type::String,
                AttributeType::Number => Type::Number,
                AttributeType::Date => Type::Date,
            };
            (ty, a.title, a.unit)
        }
    }
}

macro_rules! properties {
    ($( $variant:ident => $name:literal, $values:expr, $meta:expr; )+) => {
        /// A property of every feature in every collection.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Property { $( #[doc = concat!("`", $name, "`")] $variant ),+ }

        impl Property {
            /// Every property, in the order features carry them.
            pub const ALL: &'static [Property] = &[$(Property::$variant),+];

            /// Its name in responses, filters and schemas.
            #[must_use]
            pub fn name(self) -> &'static str {
                match self { $(Self::$variant => $name),+ }
            }

            fn meta(self) -> (Type, &'static str, Option<&'static str>) {
                match self { $(Self::$variant => resolve($name, $meta)),+ }
            }

            /// Its type.
            #[must_use]
            pub fn ty(self) -> Type {
                self.meta().0
            }

            /// A one-line description for the schema.
            #[must_use]
            pub fn title(self) -> &'static str {
                self.meta().1
            }

            /// The closed list of values it takes, if any.
            #[must_use]
            pub fn values(self) -> Option<Vec<&'static str>> {
                match self { $(Self::$variant => $values),+ }
            }

            /// The unit of a measure.
            #[must_use]
            pub fn unit(self) -> Option<&'static str> {
                self.meta().2
            }
        }
    };
}

#[allow(clippy::unnecessary_wraps)] // the `properties!` table's value-list slot is an Option
fn names<T: Copy>(all: &[T], f: impl Fn(T) -> &'static str) -> Option<Vec<&'static str>> {
    Some(all.iter().map(|&v| f(v)).collect())
}

use Meta::{Own, Table};

// The order features carry them in OGC answers (status third, the owner last); attributes take
// their type, title and unit from the core's table.
properties! {
    Layer => "layer", None, Own(Type::String, "Layer (collection) the feature belongs to", None);
    Kind => "kind", names(FeatureKind::ALL, FeatureKind::as_str), Own(Type::String, "What the feature is", None);
    Status => "status", names(Status::ALL, Status::as_str), Table;
    Material => "material", None, Table;
    DiameterMm => "diameter_mm", None, Table;
    Section => "section", None, Table;
    PressureClass => "pressure_class", names(PressureClass::ALL, PressureClass::as_str), Table;
    VoltageKv => "voltage_kv", None, Table;
    DepthTopM => "depth_top_m", None, Table;
    DepthBottomM => "depth_bottom_m", None, Table;
    DepthMethod => "depth_method", names(DepthMethod::ALL, DepthMethod::as_str), Table;
    AccuracyHM => "accuracy_h_m", None, Table;
    AccuracyVM => "accuracy_v_m", None, Table;
    SurveyDate => "survey_date", None, Table;
    ArchiveRef => "archive_ref", None, Table;
    OwnerName => "owner_name", None, Table;
    OwnerContact => "owner_contact", None, Table;
    ValidFrom => "valid_from", None, Own(Type::Timestamp, "When this version of the feature was loaded", None);
}

impl Property {
    /// The property called `name`.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|p| p.name() == name)
    }

    /// Its value on `feature`.
    #[must_use]
    #[allow(clippy::too_many_lines)]
    pub fn get(self, feature: &Feature) -> Value<'_> {
        fn text(v: Option<&str>) -> Value<'_> {
            v.map_or(Value::Null, Value::Str)
        }
        fn num<'a>(v: Option<f64>) -> Value<'a> {
            v.map_or(Value::Null, Value::Num)
        }
        let a = &feature.attrs;
        match self {
            Self::Layer => Value::Str(feature.layer.as_str()),
            Self::Kind => Value::Str(feature.kind.as_str()),
            Self::Status => Value::Str(a.status.as_str()),
            Self::Material => text(a.material.as_deref()),
            Self::DiameterMm => num(a.diameter_mm),
            Self::Section => text(a.section.as_deref()),
            Self::PressureClass => text(a.pressure_class.map(PressureClass::as_str)),
            Self::VoltageKv => num(a.voltage_kv),
            Self::DepthTopM => num(a.depth_top_m.map(f64::from)),
            Self::DepthBottomM => num(a.depth_bottom_m.map(f64::from)),
            Self::DepthMethod => text(a.depth_method.map(DepthMethod::as_str)),
            Self::AccuracyHM => num(a.accuracy_h_m.map(f64::from)),
            Self::AccuracyVM => num(a.accuracy_v_m.map(f64::from)),
            Self::SurveyDate => a.survey_date.map_or(Value::Null, Value::Date),
            Self::ArchiveRef => text(a.archive_ref.as_deref()),
            Self::OwnerName => text(a.owner.as_ref().map(|o| o.name.as_str())),
            Self::OwnerContact => text(a.owner.as_ref().and_then(|o| o.contact.as_deref())),
            Self::ValidFrom => Value::Time(feature.valid_from),
        }
    }

    /// Its JSON Schema.
    #[must_use]
    pub fn schema(self) -> Json {
        let mut s = Map::new();
        s.insert("title".into(), self.title().into());
        match self.ty() {
            Type::String => {
                s.insert("type".into(), "string".into());
            }
            Type::Number => {
                s.insert("type".into(), "number".into());
            }
            Type::Date => {
                s.insert("type".into(), "string".into());
                s.insert("format".into(), "date".into());
            }
            Type::Timestamp => {
                s.insert("type".into(), "string".into());
                s.insert("format".into(), "date-time".into());
            }
        }
        if let Some(values) = self.values() {
            s.insert("enum".into(), json!(values));
        }
        if let Some(unit) = self.unit() {
            s.insert("x-ogc-unit".into(), unit.into());
        }
        Json::Object(s)
    }
}

/// Formats an instant the way responses carry it (`2026-11-25T10:00:00Z`).
#[must_use]
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// The JSON Schema of a collection's features (`/queryables` and `/schema`): every property,
/// plus the geometry.
#[must_use]
pub fn schema(id_url: &str, title: &str, geometry: &str) -> Json {
    let mut properties = Map::new();
    properties.insert(
        "geometry".into(),
        json!({ "title": "Geometry", "format": geometry, "x-ogc-role": "primary-geometry" }),
    );
    properties.insert(
        "id".into(),
        json!({ "title": "Feature id, stable across deliveries", "type": "string", "x-ogc-role": "id" }),
    );
    for p in Property::ALL {
        properties.insert(p.name().into(), p.schema());
    }
    json!({
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": id_url,
        "type": "object",
        "title": title,
        "properties": properties,
        "additionalProperties": false,
    })
}

/// The JSON Schema of one GeoJSON feature of a collection (`/schema`, linked as `describedby`):
/// the Feature object with its `properties` member. Clients such as GDAL read column names and
/// types from it instead of guessing them from the first page.
#[must_use]
pub fn feature_schema(id_url: &str, title: &str) -> Json {
    let mut properties = Map::new();
    for p in Property::ALL {
        properties.insert(p.name().into(), p.schema());
    }
    properties.insert(
        "extra".into(),
        json!({ "title": "Department-specific fields, kept verbatim", "type": "object" }),
    );
    json!({
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": id_url,
        "title": title,
        "type": "object",
        "required": ["type", "id", "geometry", "properties"],
        "properties": {
            "type": { "type": "string", "enum": ["Feature"] },
            "id": { "title": "Feature id, stable across deliveries", "type": "string" },
            "geometry": { "title": "Geometry (GeoJSON)", "type": "object", "format": "geometry-any" },
            "properties": {
                "type": "object",
                "required": Property::ALL.iter().map(|p| p.name()).chain(["extra"]).collect::<Vec<_>>(),
                "properties": properties,
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_attribute_is_a_property_with_the_tables_title() {
        for a in undermap_core::attribute::ATTRIBUTES {
            let p = Property::parse(a.name).unwrap_or_else(|| panic!("{} is no property", a.name));
            assert_eq!((p.title(), p.unit()), (a.title, a.unit), "{}", a.name);
        }
        for p in Property::ALL {
            let _ = p.meta();
        }
    }

    #[test]
    fn names_are_unique_and_parse_back() {
        for p in Property::ALL {
            assert_eq!(Property::parse(p.name()), Some(*p));
        }
        assert_eq!(Property::parse("nonsense"), None);
    }

    #[test]
    fn closed_lists_come_from_the_model() {
        let kinds = Property::Kind.values().unwrap();
        assert!(kinds.contains(&"pipe") && kinds.contains(&"red_line"));
        assert_eq!(Property::DiameterMm.unit(), Some("mm"));
    }
}
