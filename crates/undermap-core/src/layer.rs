use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::CoreError;

/// The id of a layer (`water`, `power`, `gas`, `drainage`, `planning`, `telecom`…).
///
/// Layers are data (a registry table), not an enum: a new department is a new row. An id is a
/// lowercase ASCII slug of 1–32 characters that starts with a letter.
///
/// ```
/// use undermap_core::LayerId;
/// let water: LayerId = "water".parse().unwrap();
/// assert_eq!(water.as_str(), "water");
/// assert!("Water Supply".parse::<LayerId>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LayerId(String);

impl LayerId {
    /// The id as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for LayerId {
    type Err = CoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason| CoreError::InvalidLayerId {
            value: s.to_owned(),
            reason,
        };
        if s.is_empty() || s.len() > 32 {
            return Err(err("must be 1 to 32 characters long"));
        }
        if !s.starts_with(|c: char| c.is_ascii_lowercase()) {
            return Err(err("must start with a lowercase letter"));
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(err("may only hold a-z, 0-9 and _"));
        }
        Ok(Self(s.to_owned()))
    }
}

impl TryFrom<String> for LayerId {
    type Error = CoreError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<LayerId> for String {
    fn from(value: LayerId) -> Self {
        value.0
    }
}

impl fmt::Display for LayerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a layer holds, which decides how its features are judged in an excavation check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerCategory {
    /// Buried networks and their facilities (pipes, cables, valves…): a strike risk.
    Network,
    /// Planning controls (red lines, zones): reported, but not a buried asset.
    Planning,
    /// Thematic records and references (historical incidents, emergency resources, street
    /// centrelines): queried and shown, never reported as something to dig around.
    Thematic,
}

impl LayerCategory {
    /// The text stored in the database.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Network => "network",
            Self::Planning => "planning",
            Self::Thematic => "thematic",
        }
    }
}

impl FromStr for LayerCategory {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "network" => Ok(Self::Network),
            "planning" => Ok(Self::Planning),
            "thematic" => Ok(Self::Thematic),
            other => Err(CoreError::value(
                "category",
                format!("{other:?} is not one of network, planning, thematic"),
            )),
        }
    }
}

/// A row of the layer registry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerInfo {
    /// The layer's id.
    pub id: LayerId,
    /// A human title, e.g. "Water supply (给水)".
    pub title: String,
    /// What the layer holds.
    pub category: LayerCategory,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_slugs_and_rejects_the_rest() {
        for ok in ["water", "gas", "heat_2", "t"] {
            assert!(ok.parse::<LayerId>().is_ok(), "{ok}");
        }
        for bad in ["", "Water", "2gas", "gas-main", "煤气", &"a".repeat(33)] {
            assert!(bad.parse::<LayerId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn deserialising_validates() {
        assert!(serde_json::from_str::<LayerId>("\"water\"").is_ok());
        assert!(serde_json::from_str::<LayerId>("\"DROP TABLE\"").is_err());
    }
}
