use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::CoreError;

/// The number of an excavation-check ticket, e.g. `EC-2026-000042`: the year it was issued and
/// a sequence number that never repeats. Printed on site, so short and unambiguous.
///
/// ```
/// use undermap_core::TicketId;
/// let id = TicketId::new(2026, 42);
/// assert_eq!(id.to_string(), "EC-2026-000042");
/// assert_eq!("EC-2026-000042".parse::<TicketId>().unwrap(), id);
/// assert!("EC-26-1".parse::<TicketId>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TicketId {
    year: u16,
    number: u64,
}

impl TicketId {
    /// A ticket id from its year and sequence number.
    #[must_use]
    pub fn new(year: u16, number: u64) -> Self {
        Self { year, number }
    }

    /// The sequence number.
    #[must_use]
    pub fn number(self) -> u64 {
        self.number
    }
}

impl fmt::Display for TicketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EC-{:04}-{:06}", self.year, self.number)
    }
}

impl FromStr for TicketId {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || {
            CoreError::value(
                "ticket id",
                format!(
                    "{:?} is not a ticket number like EC-2026-000042",
                    s.chars().take(40).collect::<String>()
                ),
            )
        };
        let rest = s.strip_prefix("EC-").ok_or_else(err)?;
        let (year, number) = rest.split_once('-').ok_or_else(err)?;
        if year.len() != 4 || number.len() < 6 || number.len() > 19 {
            return Err(err());
        }
        if !year
            .bytes()
            .chain(number.bytes())
            .all(|b| b.is_ascii_digit())
        {
            return Err(err());
        }
        Ok(Self {
            year: year.parse().map_err(|_| err())?,
            number: number.parse().map_err(|_| err())?,
        })
    }
}

impl TryFrom<String> for TicketId {
    type Error = CoreError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<TicketId> for String {
    fn from(value: TicketId) -> Self {
        value.to_string()
    }
}
