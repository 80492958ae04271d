//! The attributes a feature carries in their own store column: one table, in store order. The
//! stores' column lists, the GeoPackage's layer views, the OGC queryables and ingest's aliases are
//! made from it; the check's hits, the fields a role may be denied ([`crate::Field`]) and the
//! tiles' fields are tested against it.

/// How an attribute's values are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributeType {
    /// Text (possibly from a closed list).
    Text,
    /// A number.
    Number,
    /// A calendar date.
    Date,
}

/// One attribute.
#[derive(Debug)]
pub struct Attribute {
    /// Its name: the store column, the GeoPackage view column, the OGC property.
    pub name: &'static str,
    /// The name a delivery's mapping gives it (`owner` for `owner_name`).
    pub model: &'static str,
    /// The name an excavation check's hit (and so its ticket) gives it (`contact` for
    /// `owner_contact`): the ticket format predates the store's names and is kept.
    pub hit: &'static str,
    /// How its values are written.
    pub ty: AttributeType,
    /// The unit of a measure.
    pub unit: Option<&'static str>,
    /// A one-line description (the OGC schema's title).
    pub title: &'static str,
    /// Field names archives of every department give it (Chinese, pinyin abbreviations).
    pub aliases: &'static [&'static str],
}

const fn text(
    name: &'static str,
    model: &'static str,
    title: &'static str,
    aliases: &'static [&'static str],
) -> Attribute {
    Attribute {
        name,
        model,
        hit: name,
        ty: AttributeType::Text,
        unit: None,
        title,
        aliases,
    }
}

const fn number(
    name: &'static str,
    unit: &'static str,
    title: &'static str,
    aliases: &'static [&'static str],
) -> Attribute {
    Attribute {
        name,
        model: name,
        hit: name,
        ty: AttributeType::Number,
        unit: Some(unit),
        title,
        aliases,
    }
}

/// Every column attribute, in the order of the stores' columns.
pub static ATTRIBUTES: &[Attribute] = &[
    Attribute {
        hit: "owner",
        ..text(
            "owner_name",
            "owner",
            "Owner (the company to call)",
            &["权属单位", "权属", "QSDW"],
        )
    },
    Attribute {
        hit: "contact",
        ..text(
            "owner_contact",
            "owner_contact",
            "Owner's contact number",
            &["联系电话"],
        )
    },
    text(
        "material",
        "material",
        "Pipe or cable material (PE, DI, STEEL, CU...)",
        &["材质", "管材", "CZ"],
    ),
    number(
        "diameter_mm",
        "mm",
        "Nominal diameter",
        &["管径", "管径mm", "GJ"],
    ),
    text(
        "section",
        "section",
        "Cross-section of a non-circular conduit, e.g. 1200x800",
        &["断面尺寸", "DMCC"],
    ),
    text(
        "pressure_class",
        "pressure_class",
        "Gas pressure class (GB 50028)",
        &[],
    ),
    number("voltage_kv", "kV", "Voltage", &[]),
    number(
        "depth_top_m",
        "m",
        "Depth of the top below ground",
        &["埋深", "管顶埋深", "MS"],
    ),
    number(
        "depth_bottom_m",
        "m",
        "Depth of the bottom below ground",
        &["管底埋深"],
    ),
    text(
        "depth_method",
        "depth_method",
        "How the depth is known",
        &["探测方法", "测深方法"],
    ),
    Attribute {
        hit: "accuracy_m",
        ..number(
            "accuracy_h_m",
            "m",
            "Horizontal accuracy of the position",
            &["平面精度"],
        )
    },
    Attribute {
        hit: "vertical_accuracy_m",
        ..number(
            "accuracy_v_m",
            "m",
            "Vertical accuracy of the depth",
            &["高程精度"],
        )
    },
    Attribute {
        name: "survey_date",
        model: "survey_date",
        hit: "survey_date",
        ty: AttributeType::Date,
        unit: None,
        title: "Date of the survey the position comes from",
        aliases: &["探测日期", "普查日期", "测量日期", "TCRQ"],
    },
    text("status", "status", "Service status", &["状态", "使用状态"]),
    text(
        "archive_ref",
        "archive_ref",
        "Archive record the feature comes from",
        &["档案号", "档案编号"],
    ),
];

/// The attribute called `name`.
#[must_use]
pub fn attribute(name: &str) -> Option<&'static Attribute> {
    ATTRIBUTES.iter().find(|a| a.name == name)
}

/// Their names, comma-separated, in store order (for SQL column lists).
#[must_use]
pub fn column_list() -> String {
    ATTRIBUTES
        .iter()
        .map(|a| a.name)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases_are_unique() {
        let mut names = std::collections::HashSet::new();
        let mut aliases = std::collections::HashSet::new();
        for a in ATTRIBUTES {
            assert!(names.insert(a.name), "{} twice", a.name);
            for alias in a.aliases {
                assert!(aliases.insert(*alias), "{alias} twice");
            }
            assert_eq!(
                a.unit.is_some(),
                a.ty == AttributeType::Number,
                "{}",
                a.name
            );
        }
        assert_eq!(attribute("diameter_mm").and_then(|a| a.unit), Some("mm"));
        assert!(column_list().starts_with("owner_name, owner_contact, material"));
    }
}
