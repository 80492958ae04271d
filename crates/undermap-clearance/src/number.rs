use std::fmt;
use std::str::FromStr;

use crate::ClearanceError;

/// A clearance report's number, `CC-2026-000017`: the year it was made and a number the store
/// gives (unique, growing).
///
/// ```
/// use undermap_clearance::ClearanceNumber;
/// let n: ClearanceNumber = "CC-2026-000017".parse().unwrap();
/// assert_eq!(n, ClearanceNumber::new(2026, 17));
/// assert!("CC-2026-17".parse::<ClearanceNumber>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClearanceNumber {
    year: u16,
    number: u64,
}

impl ClearanceNumber {
    /// The number `number` of `year`.
    #[must_use]
    pub fn new(year: u16, number: u64) -> Self {
        Self { year, number }
    }

    /// The store's number.
    #[must_use]
    pub fn number(self) -> u64 {
        self.number
    }
}

impl fmt::Display for ClearanceNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CC-{:04}-{:06}", self.year, self.number)
    }
}

impl FromStr for ClearanceNumber {
    type Err = ClearanceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (year, number) = undermap_core::parse_numbered(s, "CC")
            .ok_or_else(|| ClearanceError::Number(s.chars().take(40).collect()))?;
        Ok(Self { year, number })
    }
}
