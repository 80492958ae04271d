//! The project code (项目代码) the investment-project approval platform gives every project:
//! `YYYY-DDDDDD-II-TT-NNNNNN`, the year it was registered, the administrative division, the
//! industry, the project type and a serial number.

use std::fmt;
use std::str::FromStr;

use crate::ArchiveError;

/// A project code in the national format, e.g. `2026-330102-48-01-000123`.
///
/// ```
/// use undermap_archive::ProjectCode;
/// let code: ProjectCode = " 2026-330102-48-01-000123 ".parse().unwrap();
/// assert_eq!(code.as_str(), "2026-330102-48-01-000123");
/// assert_eq!(code.year(), 2026);
/// assert!("2026-33010-48-01-000123".parse::<ProjectCode>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProjectCode(String);

/// The widths of the code's five groups.
const GROUPS: [usize; 5] = [4, 6, 2, 2, 6];

impl ProjectCode {
    /// The code as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The year the project was registered.
    #[must_use]
    pub fn year(&self) -> i32 {
        self.0[..4].parse().unwrap_or_default()
    }

    /// The administrative division (6 digits, GB/T 2260).
    #[must_use]
    pub fn division(&self) -> &str {
        &self.0[5..11]
    }
}

impl FromStr for ProjectCode {
    type Err = ArchiveError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let code = text.trim();
        let invalid = |reason: String| ArchiveError::InvalidProjectCode {
            value: code.chars().take(40).collect(),
            reason,
        };
        let groups: Vec<&str> = code.split('-').collect();
        if groups.len() != GROUPS.len() {
            return Err(invalid(format!(
                "it has {} groups; a project code has 5, YYYY-DDDDDD-II-TT-NNNNNN",
                groups.len()
            )));
        }
        for (i, (group, width)) in groups.iter().zip(GROUPS).enumerate() {
            if group.len() != width || !group.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid(format!(
                    "group {} is {group:?}; it must be {width} digits (YYYY-DDDDDD-II-TT-NNNNNN)",
                    i + 1
                )));
            }
        }
        let year: i32 = groups[0].parse().unwrap_or_default();
        if !(1949..=2200).contains(&year) {
            return Err(invalid(format!("{year} is not a registration year")));
        }
        if groups[4].bytes().all(|b| b == b'0') {
            return Err(invalid("the serial number 000000 is never given".into()));
        }
        Ok(Self(code.to_owned()))
    }
}

impl fmt::Display for ProjectCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for ProjectCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for ProjectCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_national_format_and_nothing_else() {
        let code: ProjectCode = "2019-330102-47-01-012345".parse().unwrap();
        assert_eq!(code.division(), "330102");
        for (bad, says) in [
            ("2019-330102-47-01", "4 groups"),
            ("2019-330102-47-01-01234a", "group 5"),
            ("2019-3301020-47-01-012345", "group 2"),
            ("1800-330102-47-01-012345", "registration year"),
            ("2019-330102-47-01-000000", "000000"),
            ("２019-330102-47-01-012345", "group 1"),
            ("", "1 groups"),
        ] {
            let e = bad.parse::<ProjectCode>().unwrap_err().to_string();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }
}
