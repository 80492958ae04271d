//! What a subscriber may see, kept with the subscription when it is made: the projects whose
//! entries it reads, where it stands toward files, which layers its view shows and whether its
//! role is bound to an area. A feed or a push never tells more than a search would show.

use serde::{Deserialize, Serialize};
use undermap_archive::access::Decision;
use undermap_archive::{Access, CreditCode};
use undermap_core::View;
use undermap_store::NewFeedEvent;

use crate::archive::Reader;
use crate::Scope;

/// What a subscriber may see (serialised into the subscription).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Reach {
    /// Every project's entries (`all`), one unit's (its credit code), or none (empty).
    pub projects: String,
    /// The archive office or emergency staff.
    pub keeper: bool,
    /// A role that reads history.
    pub history: bool,
    /// The layers its view shows (none: every layer).
    pub layers: Option<Vec<String>>,
    /// A role that sees the map around a point only: no deliveries or field reports.
    pub bounded: bool,
}

impl Reach {
    /// What `reader`, seeing the map through `view`, may see of `layers` (every known layer).
    pub fn of(reader: &Reader, view: &View, layers: &[undermap_core::LayerId]) -> Self {
        let shown: Vec<String> = layers
            .iter()
            .filter(|l| view.sees_layer(l))
            .map(ToString::to_string)
            .collect();
        Self {
            projects: match &reader.scope {
                Some(Scope::All) => "all".into(),
                Some(Scope::Unit(u)) => u.to_string(),
                None => String::new(),
            },
            keeper: reader.keeper,
            history: reader.history,
            layers: (shown.len() < layers.len()).then_some(shown),
            bounded: view.bounds().is_some(),
        }
    }

    /// The reach kept as `text` (unreadable: none, and the subscription is told nothing).
    pub(super) fn parse(text: &str) -> Option<Self> {
        serde_json::from_str(text).ok()
    }

    fn reader(&self) -> Reader {
        Reader {
            scope: match self.projects.as_str() {
                "all" => Some(Scope::All),
                "" => None,
                code => code.parse::<CreditCode>().ok().map(Scope::Unit),
            },
            keeper: self.keeper,
            history: self.history,
        }
    }

    /// Whether the subscriber may be told of `e`.
    #[must_use]
    pub fn sees(&self, e: &NewFeedEvent) -> bool {
        let unit = e.unit.as_deref().unwrap_or_default();
        match e.kind.as_str() {
            "project" => match self.reader().scope {
                Some(Scope::All) => true,
                Some(Scope::Unit(u)) => u.as_str() == unit,
                None => false,
            },
            "file" => {
                let access: Access = e
                    .access
                    .as_deref()
                    .and_then(|a| a.parse().ok())
                    .unwrap_or(Access::Restricted);
                self.reader().decide(access, unit) != Decision::Hidden
            }
            _ => {
                !self.bounded
                    && self
                        .layers
                        .as_ref()
                        .is_none_or(|shown| e.layer.as_ref().is_some_and(|l| shown.contains(l)))
            }
        }
    }
}
