use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::CoreError;

/// The stable id of a feature across all its versions, e.g. `WS-DN300-0042` or `gas:17`.
///
/// It comes from the delivering department (so that re-loading a delivery finds the same
/// feature) and is safe to put in a URL path: 1–128 characters of `A-Z a-z 0-9 . _ : -`.
///
/// ```
/// use undermap_core::FeatureId;
/// assert!("WS-DN300-0042".parse::<FeatureId>().is_ok());
/// assert!("../etc/passwd".parse::<FeatureId>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FeatureId(String);

impl FeatureId {
    /// The id as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for FeatureId {
    type Err = CoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason| CoreError::InvalidFeatureId {
            value: s.chars().take(140).collect(),
            reason,
        };
        if s.is_empty() || s.len() > 128 {
            return Err(err("must be 1 to 128 characters long"));
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-'))
        {
            return Err(err("may only hold A-Z, a-z, 0-9, '.', '_', ':' and '-'"));
        }
        if s.starts_with('.') {
            return Err(err("must not start with '.'"));
        }
        Ok(Self(s.to_owned()))
    }
}

impl TryFrom<String> for FeatureId {
    type Error = CoreError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<FeatureId> for String {
    fn from(value: FeatureId) -> Self {
        value.0
    }
}

impl fmt::Display for FeatureId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        assert_eq!("a:1".parse::<FeatureId>().unwrap().as_str(), "a:1");
        assert!("".parse::<FeatureId>().is_err());
        assert!("a b".parse::<FeatureId>().is_err());
        assert!("a/b".parse::<FeatureId>().is_err());
        assert!("..".parse::<FeatureId>().is_err());
        assert!("x".repeat(129).parse::<FeatureId>().is_err());
    }
}
