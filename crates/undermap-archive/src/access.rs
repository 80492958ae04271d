//! Who may download an archive file: its [`Access`] level against the reader's [`Standing`]
//! toward the project holding it. Open files are for everyone; files on request for the
//! archive office, the project's construction unit and the roles that read history (planners,
//! network owners), others asking first; restricted files for the archive office, the
//! project's unit and emergency staff, the history roles asking first, others not seeing them.

use undermap_core::text_enum;

text_enum! {
    /// How freely a file may be downloaded.
    pub enum Access ("access") {
        /// Anyone who may read the map.
        Open => "open",
        /// Others than the office, the unit and history readers ask, and an archivist decides.
        OnRequest => "on_request",
        /// Only the office, the unit and emergency staff; history readers may ask.
        Restricted => "restricted",
    }
}

// The enum comes from `text_enum!`, which cannot take a `#[default]` variant.
#[allow(clippy::derivable_impls)]
impl Default for Access {
    fn default() -> Self {
        Self::OnRequest
    }
}

/// Where a reader stands toward one project's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Standing {
    /// Anyone else who may read the map (a contractor, the public, another unit).
    Other,
    /// A role that reads history: planners, network owners.
    History,
    /// The archive office, emergency staff, or the project's own construction unit.
    Keeper,
}

/// What a reader may do with a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Download it.
    Read,
    /// See it listed and ask for it.
    Ask,
    /// Not see it.
    Hidden,
}

impl Access {
    /// What a reader standing so may do with a file at this level.
    #[must_use]
    pub fn decide(self, standing: Standing) -> Decision {
        match (self, standing) {
            (_, Standing::Keeper) | (Self::Open, _) | (Self::OnRequest, Standing::History) => {
                Decision::Read
            }
            (Self::OnRequest, Standing::Other) | (Self::Restricted, Standing::History) => {
                Decision::Ask
            }
            (Self::Restricted, Standing::Other) => Decision::Hidden,
        }
    }
}

/// What an approved request's download link allows: how long it works and how many downloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LinkPolicy {
    /// Hours from the approval (1 to 720; default 72).
    pub valid_hours: u32,
    /// Downloads (1 to 100; default 3).
    pub uses: u32,
}

impl Default for LinkPolicy {
    fn default() -> Self {
        Self {
            valid_hours: 72,
            uses: 3,
        }
    }
}

impl LinkPolicy {
    /// Refuses a policy out of its ranges.
    pub fn check(self) -> Result<Self, crate::ArchiveError> {
        if !(1..=720).contains(&self.valid_hours) || !(1..=100).contains(&self.uses) {
            return Err(crate::ArchiveError::Invalid(format!(
                "download links: valid_hours {} (give 1 to 720), uses {} (give 1 to 100)",
                self.valid_hours, self.uses
            )));
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_of_who_reads_asks_or_does_not_see() {
        use Decision::{Ask, Hidden, Read};
        let table = [
            (Access::Open, [Read, Read, Read]),
            (Access::OnRequest, [Ask, Read, Read]),
            (Access::Restricted, [Hidden, Ask, Read]),
        ];
        for (access, row) in table {
            for (standing, want) in [Standing::Other, Standing::History, Standing::Keeper]
                .into_iter()
                .zip(row)
            {
                assert_eq!(access.decide(standing), want, "{access:?} {standing:?}");
            }
        }
    }

    #[test]
    fn a_higher_standing_never_gets_less() {
        let rank = |d| match d {
            Decision::Hidden => 0,
            Decision::Ask => 1,
            Decision::Read => 2,
        };
        for access in [Access::Open, Access::OnRequest, Access::Restricted] {
            assert!(rank(access.decide(Standing::Other)) <= rank(access.decide(Standing::History)));
            assert!(
                rank(access.decide(Standing::History)) <= rank(access.decide(Standing::Keeper))
            );
        }
    }
}
