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
        let (year, number) = parse_numbered(s, "EC").ok_or_else(err)?;
        Ok(Self { year, number })
    }
}

/// The year and number of a document number `PREFIX-YYYY-NNNNNN` (at least six digits): a
/// ticket's `EC-…`, a clearance report's `CC-…`.
///
/// ```
/// assert_eq!(undermap_core::parse_numbered("CC-2026-000017", "CC"), Some((2026, 17)));
/// assert_eq!(undermap_core::parse_numbered("CC-2026-17", "CC"), None);
/// ```
#[must_use]
pub fn parse_numbered(s: &str, prefix: &str) -> Option<(u16, u64)> {
    let rest = s.strip_prefix(prefix)?.strip_prefix('-')?;
    let (year, number) = rest.split_once('-')?;
    if year.len() != 4 || number.len() < 6 || number.len() > 19 {
        return None;
    }
    if !year
        .bytes()
        .chain(number.bytes())
        .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    Some((year.parse().ok()?, number.parse().ok()?))
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

crate::text_enum! {
    /// What a ticket is for, as KLIC's and the 811 centres' request types: the area it may
    /// cover, when the work may start and whether digging may rely on it follow from it.
    pub enum TicketType ("type") {
        /// Planning and design: a larger area (2.5 × 2.5 km by default); records only, no dig
        /// may rely on it.
        Orientation => "orientation",
        /// A dig (the default): a smaller area (500 × 500 m by default), a planned start a few
        /// working days ahead, valid for some working days from that start.
        Dig => "dig",
        /// An emergency (a burst, a gas leak): immediate, with every owner's emergency phone
        /// and the dangerous assets named at once; the holder justifies it within the next
        /// working day.
        Emergency => "emergency",
    }
}

// The enum comes from `text_enum!`, which cannot take a `#[default]` variant.
#[allow(clippy::derivable_impls)]
impl Default for TicketType {
    fn default() -> Self {
        Self::Dig
    }
}

/// The rules for each type of ticket (settings; working days on the deployment's calendar).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TicketRules {
    /// Largest orientation area, m² (default 2.5 km × 2.5 km).
    pub orientation_max_area_m2: f64,
    /// Earliest planned start of a dig, in working days after the request (default 3).
    pub dig_start_min_working_days: u32,
    /// Latest planned start of a dig, in working days after the request (default 20).
    pub dig_start_max_working_days: u32,
    /// Owners answer a dig or orientation ticket by the end of this many working days after
    /// the day it was issued (default 1).
    pub answer_working_days: u32,
    /// Owners answer an emergency ticket within this many hours (default 2).
    pub emergency_answer_hours: u32,
    /// An emergency ticket is valid this many working days after the day it was issued
    /// (default 5).
    pub emergency_valid_working_days: u32,
    /// Its holder gives the reason for an emergency by the end of this many working days after
    /// the day it was issued (default 1), or it is flagged on the holder's record.
    pub emergency_justify_working_days: u32,
    /// Attempts to deliver a ticket to an owner's webhook before it is left in the owner's
    /// inbox (default 8).
    pub webhook_max_attempts: u32,
    /// Seconds before the second attempt; each wait after doubles, up to an hour (default 10).
    pub webhook_first_retry_seconds: u32,
    /// An owner claims a field report on its asset within this many working days (default 10,
    /// KLIC's rule), or the asset is an orphan on the map.
    pub report_claim_working_days: u32,
    /// It corrects the map within this many working days (default 30).
    pub report_correct_working_days: u32,
    /// A report on a ticket lies at most this far from the ticket's area, m (default 100).
    pub report_max_distance_m: f64,
}

impl Default for TicketRules {
    fn default() -> Self {
        Self {
            orientation_max_area_m2: 6_250_000.0,
            dig_start_min_working_days: 3,
            dig_start_max_working_days: 20,
            answer_working_days: 1,
            emergency_answer_hours: 2,
            emergency_valid_working_days: 5,
            emergency_justify_working_days: 1,
            webhook_max_attempts: 8,
            webhook_first_retry_seconds: 10,
            report_claim_working_days: 10,
            report_correct_working_days: 30,
            report_max_distance_m: 100.0,
        }
    }
}
