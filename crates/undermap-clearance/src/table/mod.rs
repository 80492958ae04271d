//! The clearance table: minimum clear distances between classes of lines and structures, each
//! with its source, loaded from a versioned TOML file (`data/clearance/`). Data, not code: a
//! deployment replaces the file with the rows of the standard it holds.

mod lookup;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use undermap_core::{text_enum, LayerId, PressureClass};

use crate::ClearanceError;

pub use lookup::{Requirement, Side};

text_enum! {
    /// What a line or structure is, as the clearance table's rows name it.
    pub enum UtilityClass ("class") {
        /// Water supply (给水).
        Water => "water",
        /// Sewer and storm drains (污水、雨水): one row in GB 50289.
        Drainage => "drainage",
        /// Gas (燃气).
        Gas => "gas",
        /// Power (电力).
        Power => "power",
        /// Telecommunications (通信).
        Telecom => "telecom",
        /// District heating (热力).
        Heat => "heat",
        /// Buildings and structures (建(构)筑物).
        Building => "building",
    }
}

/// Horizontal (side by side) or vertical (one over the other, at a crossing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// 水平净距.
    Horizontal,
    /// 垂直净距.
    Vertical,
}

impl Direction {
    /// `horizontal` or `vertical`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Horizontal => "horizontal",
            Self::Vertical => "vertical",
        }
    }
}

/// A row that applies for a range of a size (`max`: ≤, `over`: >) of one side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SizeCondition {
    /// Whose size: one of the rule's two classes.
    pub of: UtilityClass,
    /// The row holds up to and including this value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// The row holds above this value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub over: Option<f64>,
}

impl SizeCondition {
    fn holds(&self, value: f64) -> bool {
        self.max.is_none_or(|m| value <= m) && self.over.is_none_or(|o| value > o)
    }
}

/// A row that applies to some gas pressure classes of one side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PressureCondition {
    /// Whose pressure: one of the rule's two classes.
    pub of: UtilityClass,
    /// The classes the row covers.
    pub is: Vec<PressureClass>,
}

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Its id, unique in the table (reports cite it).
    pub id: String,
    /// The two classes it is between (in either order).
    pub between: [UtilityClass; 2],
    /// The minimum clear distance, m.
    pub clearance_m: f64,
    /// Where the value comes from: standard, table and row.
    pub source: String,
    /// Anything a reader of a report should know about the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The row holds for this range of a diameter (mm).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diameter_mm: Option<SizeCondition>,
    /// The row holds for these gas pressure classes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pressure: Option<PressureCondition>,
    /// The row holds for this range of a voltage (kV).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voltage_kv: Option<SizeCondition>,
}

impl Rule {
    fn is_between(&self, a: UtilityClass, b: UtilityClass) -> bool {
        (self.between[0] == a && self.between[1] == b)
            || (self.between[0] == b && self.between[1] == a)
    }
}

/// The table as a file holds it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    version: String,
    title: String,
    #[serde(default)]
    layers: BTreeMap<String, UtilityClass>,
    #[serde(default)]
    horizontal: Vec<Rule>,
    #[serde(default)]
    vertical: Vec<Rule>,
}

/// A loaded, checked clearance table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClearanceTable {
    /// Its version, as every report cites it.
    pub version: String,
    /// What it is.
    pub title: String,
    /// Which layer holds which class; layers not listed are not checked against.
    pub layers: BTreeMap<LayerId, UtilityClass>,
    /// Horizontal clear distances.
    pub horizontal: Vec<Rule>,
    /// Vertical clear distances at crossings.
    pub vertical: Vec<Rule>,
}

/// The table this build ships: GB 50289-2016 as the product brief quotes it.
pub const BUILTIN: &str = include_str!("../../../../data/clearance/gb50289-2016.toml");

/// The largest clear distance a table may hold, m.
const MAX_CLEARANCE_M: f64 = 50.0;

impl ClearanceTable {
    /// The table this build ships.
    ///
    /// # Panics
    /// Never: the file is checked by this crate's tests.
    #[must_use]
    pub fn builtin() -> Self {
        Self::parse(BUILTIN).expect("the built-in clearance table is valid")
    }

    /// A table from its TOML text, every row checked: ids unique, distances in (0, 50] m, a
    /// source on every row, conditions on one of the row's classes with a bound.
    pub fn parse(text: &str) -> Result<Self, ClearanceError> {
        let file: TableFile =
            toml::from_str(text).map_err(|e| ClearanceError::Table(e.message().to_owned()))?;
        if file.version.trim().is_empty() {
            return Err(ClearanceError::Table("`version` is empty".into()));
        }
        let mut layers = BTreeMap::new();
        for (name, class) in file.layers {
            let id: LayerId = name
                .parse()
                .map_err(|e| ClearanceError::Table(format!("[layers] {name}: {e}")))?;
            layers.insert(id, class);
        }
        let mut ids = BTreeSet::new();
        for rule in file.horizontal.iter().chain(&file.vertical) {
            check_rule(rule)?;
            if !ids.insert(rule.id.as_str()) {
                return Err(ClearanceError::Table(format!(
                    "rule id {:?} is used twice",
                    rule.id
                )));
            }
        }
        Ok(Self {
            version: file.version,
            title: file.title,
            layers,
            horizontal: file.horizontal,
            vertical: file.vertical,
        })
    }

    /// The class of the features of `layer`, if the table checks it.
    #[must_use]
    pub fn class_of(&self, layer: &LayerId) -> Option<UtilityClass> {
        self.layers.get(layer).copied()
    }

    /// The rows of one direction.
    #[must_use]
    pub fn rules(&self, direction: Direction) -> &[Rule] {
        match direction {
            Direction::Horizontal => &self.horizontal,
            Direction::Vertical => &self.vertical,
        }
    }

    /// The largest horizontal distance any row between `class` and anything holds (0 when
    /// none does).
    #[must_use]
    pub fn reach_m(&self, class: UtilityClass) -> f64 {
        self.horizontal
            .iter()
            .filter(|r| r.between.contains(&class))
            .map(|r| r.clearance_m)
            .fold(0.0, f64::max)
    }

    /// The largest distance any row between the two classes holds in `direction`, if any.
    #[must_use]
    pub fn largest_between(
        &self,
        direction: Direction,
        a: UtilityClass,
        b: UtilityClass,
    ) -> Option<f64> {
        self.rules(direction)
            .iter()
            .filter(|r| r.is_between(a, b))
            .map(|r| r.clearance_m)
            .reduce(f64::max)
    }

    /// The largest horizontal distance of any row.
    #[must_use]
    pub fn largest_m(&self) -> f64 {
        self.horizontal
            .iter()
            .map(|r| r.clearance_m)
            .fold(0.0, f64::max)
    }
}

fn check_rule(rule: &Rule) -> Result<(), ClearanceError> {
    let err = |reason: String| ClearanceError::Table(format!("rule {:?}: {reason}", rule.id));
    if rule.id.trim().is_empty() {
        return Err(ClearanceError::Table("a rule has an empty id".into()));
    }
    if !(rule.clearance_m.is_finite()
        && rule.clearance_m > 0.0
        && rule.clearance_m <= MAX_CLEARANCE_M)
    {
        return Err(err(format!(
            "clearance_m {} is outside 0 to {MAX_CLEARANCE_M} m",
            rule.clearance_m
        )));
    }
    if rule.source.trim().is_empty() {
        return Err(err(
            "every value needs its source (standard, table, row)".into()
        ));
    }
    for (name, size) in [
        ("diameter_mm", &rule.diameter_mm),
        ("voltage_kv", &rule.voltage_kv),
    ] {
        if let Some(c) = size {
            if !rule.between.contains(&c.of) {
                return Err(err(format!("{name}.of = {} is not one of `between`", c.of)));
            }
            let finite = |v: Option<f64>| v.is_none_or(|v| v.is_finite() && v >= 0.0);
            if (c.max.is_none() && c.over.is_none()) || !finite(c.max) || !finite(c.over) {
                return Err(err(format!("{name} needs `max` or `over`, 0 or more")));
            }
        }
    }
    if let Some(p) = &rule.pressure {
        if !rule.between.contains(&p.of) {
            return Err(err(format!(
                "pressure.of = {} is not one of `between`",
                p.of
            )));
        }
        if p.is.is_empty() {
            return Err(err("pressure.is lists no class".into()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_table_loads_with_a_source_on_every_row() {
        let t = ClearanceTable::builtin();
        assert_eq!(t.horizontal.len(), 10);
        assert!(t.vertical.len() >= 6);
        assert!(t.horizontal.iter().all(|r| r.source.contains("GB 50289")));
        assert_eq!(
            t.class_of(&"drainage".parse().unwrap()),
            Some(UtilityClass::Drainage)
        );
        assert_eq!(t.class_of(&"planning".parse().unwrap()), None);
        assert!((t.reach_m(UtilityClass::Drainage) - 2.5).abs() < 1e-9);
        assert!((t.reach_m(UtilityClass::Water) - 1.5).abs() < 1e-9);
        assert!(t.reach_m(UtilityClass::Heat).abs() < 1e-9);
    }

    #[test]
    fn a_bad_table_says_which_rule_and_why() {
        let base = "version = \"1\"\ntitle = \"t\"\n";
        let cases = [
            ("[[horizontal]]\nid = \"a\"\nbetween = [\"water\", \"gas\"]\nclearance_m = 0\nsource = \"x\"\n", "outside 0 to 50"),
            ("[[horizontal]]\nid = \"a\"\nbetween = [\"water\", \"gas\"]\nclearance_m = 1\nsource = \" \"\n", "needs its source"),
            ("[[horizontal]]\nid = \"a\"\nbetween = [\"water\", \"gas\"]\nclearance_m = 1\nsource = \"x\"\ndiameter_mm = { of = \"power\", max = 1 }\n", "not one of `between`"),
            ("[[horizontal]]\nid = \"a\"\nbetween = [\"water\", \"gas\"]\nclearance_m = 1\nsource = \"x\"\ndiameter_mm = { of = \"gas\" }\n", "needs `max` or `over`"),
            ("[[horizontal]]\nid = \"a\"\nbetween = [\"water\", \"gas\"]\nclearance_m = 1\nsource = \"x\"\n[[vertical]]\nid = \"a\"\nbetween = [\"water\", \"gas\"]\nclearance_m = 1\nsource = \"x\"\n", "used twice"),
            ("[[horizontal]]\nid = \"a\"\nbetween = [\"water\", \"steam\"]\nclearance_m = 1\nsource = \"x\"\n", "steam"),
            ("[layers]\nWater = \"water\"\n", "Water"),
        ];
        for (rows, expected) in cases {
            let err = ClearanceTable::parse(&format!("{base}{rows}"))
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{rows}: {err}");
        }
    }
}
