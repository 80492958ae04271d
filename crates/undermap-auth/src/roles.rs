//! Roles: what each kind of user may do and see. Eight come built in; a deployment redefines them
//! or adds its own in `undermap.toml` (`[roles.NAME]`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use undermap_core::{Bounds, Field, FieldMask, LayerId, Sensitivity, View};

use crate::AuthError;

/// Something a role may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// Read layers, features, nearest, OGC API items and vector tiles.
    Read,
    /// See history: feature versions, the map as it stood (`at=`, `datetime`), risk hotspots.
    History,
    /// Run excavation checks (each one issues a ticket).
    Check,
    /// Read every ticket, not only one's own.
    Tickets,
    /// Load deliveries.
    Ingest,
    /// Incident queries (impact, isolation, downstream, nearby history, nearest resources).
    Incident,
    /// Manage accounts and keys, read the audit trail.
    Admin,
    /// The archive office's work: register projects, record their events, receive files, read
    /// every project, file and construction unit's credit record.
    Archive,
    /// Push projects from the project-approval system (`POST /v1/projects/intake`).
    Intake,
    /// A construction unit's: read its own projects, hand over their files, read its own
    /// credit record (the account names the unit).
    OwnProjects,
    /// Check planned routes against the clearance table (each check issues a numbered report).
    Plan,
}

impl Capability {
    /// Its name in settings and messages.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::History => "history",
            Self::Check => "check",
            Self::Tickets => "tickets",
            Self::Ingest => "ingest",
            Self::Incident => "incident",
            Self::Admin => "admin",
            Self::Archive => "archive",
            Self::Intake => "intake",
            Self::OwnProjects => "own_projects",
            Self::Plan => "plan",
        }
    }
}

/// A role as configured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleConfig {
    /// What it may do.
    pub capabilities: Vec<Capability>,
    /// Layers it sees; absent: every layer.
    #[serde(default)]
    pub layers: Option<Vec<String>>,
    /// Fields hidden on every layer (`owner_contact`, `depth_top_m`, …).
    #[serde(default)]
    pub hidden_fields: Vec<Field>,
    /// Fields hidden on particular layers.
    #[serde(default)]
    pub hidden_fields_on: BTreeMap<String, Vec<Field>>,
    /// Highest sensitivity seen in full: `normal`, `restricted` or `secret`.
    pub clearance: Sensitivity,
    /// Requests per minute per credential (bursts of a tenth of a minute's worth are allowed).
    pub rate_per_minute: u32,
    /// Limits on area and page size (no bulk download); absent: none.
    #[serde(default)]
    pub bounds: Option<Bounds>,
}

/// A role ready to apply.
#[derive(Debug, Clone, PartialEq)]
pub struct Role {
    /// Its name.
    pub name: String,
    /// What it may do.
    pub capabilities: BTreeSet<Capability>,
    /// What it sees (before an account's own layer limits).
    pub view: View,
    /// Requests per minute per credential.
    pub rate_per_minute: u32,
}

impl Role {
    /// Parses a configured role.
    pub fn from_config(name: &str, c: &RoleConfig) -> Result<Self, AuthError> {
        let bad = |reason: String| AuthError::Config(format!("role {name}: {reason}"));
        let layer = |l: &String| {
            l.parse::<LayerId>()
                .map_err(|e| bad(format!("layer {l:?}: {e}")))
        };
        let layers = c
            .layers
            .as_ref()
            .map(|ls| ls.iter().map(layer).collect::<Result<BTreeSet<_>, _>>())
            .transpose()?;
        let hidden_on = c
            .hidden_fields_on
            .iter()
            .map(|(l, fields)| Ok((layer(l)?, fields.iter().copied().collect::<FieldMask>())))
            .collect::<Result<BTreeMap<_, _>, AuthError>>()?;
        if c.rate_per_minute == 0 {
            return Err(bad("rate_per_minute must be at least 1".into()));
        }
        if let Some(b) = c.bounds {
            if b.max_page == 0 || b.max_area_m2 == 0 {
                return Err(bad("bounds must allow at least one feature and 1 m²".into()));
            }
        }
        Ok(Self {
            name: name.to_owned(),
            capabilities: c.capabilities.iter().copied().collect(),
            view: View::new(
                layers,
                c.hidden_fields.iter().copied().collect(),
                hidden_on,
                c.clearance,
            )
            .with_bounds(c.bounds),
            rate_per_minute: c.rate_per_minute,
        })
    }
}

/// Every role of a deployment, by name.
#[derive(Debug, Clone)]
pub struct Roles(BTreeMap<String, Arc<Role>>);

/// A contractor views inside about 1 km² at a time, pages of at most 1,000, tiles from zoom 15
/// (a tile about 1.1 km wide here), the 20 nearest features within 200 m, and 10 km² of
/// distinct map a day: enough to look around its sites, too little to copy a county.
const CONTRACTOR_BOUNDS: Bounds = Bounds {
    max_area_m2: 1_000_000,
    max_page: 1_000,
    min_tile_zoom: 15,
    daily_area_m2: Some(10_000_000),
    max_nearest_k: 20,
    nearest_within_m: 200,
};

fn role(
    capabilities: &[Capability],
    layers: Option<&[&str]>,
    hidden: &[Field],
    clearance: Sensitivity,
    rate_per_minute: u32,
    bounds: Option<Bounds>,
) -> RoleConfig {
    RoleConfig {
        capabilities: capabilities.to_vec(),
        layers: layers.map(|l| l.iter().map(|s| (*s).to_owned()).collect()),
        hidden_fields: hidden.to_vec(),
        hidden_fields_on: BTreeMap::new(),
        clearance,
        rate_per_minute,
        bounds,
    }
}

impl Roles {
    /// The built-in roles (see docs/security.md for the table).
    #[must_use]
    pub fn builtin() -> BTreeMap<String, RoleConfig> {
        use Capability::{
            Admin, Archive, Check, History, Incident, Ingest, Intake, OwnProjects, Plan, Read,
            Tickets,
        };
        use Sensitivity::{Normal, Restricted, Secret};
        let all = [
            Read, History, Check, Tickets, Ingest, Incident, Admin, Archive, Intake, Plan,
        ];
        [
            ("admin", role(&all, None, &[], Secret, 6_000, None)),
            (
                "archivist",
                role(
                    &[Read, History, Check, Ingest, Archive],
                    None,
                    &[],
                    Secret,
                    1_200,
                    None,
                ),
            ),
            (
                "planner",
                role(&[Read, History, Plan], None, &[], Restricted, 1_200, None),
            ),
            (
                "contractor",
                role(
                    &[Read, Check],
                    None,
                    &[],
                    Normal,
                    600,
                    Some(CONTRACTOR_BOUNDS),
                ),
            ),
            (
                "emergency",
                role(
                    &[Read, History, Check, Tickets, Incident],
                    None,
                    &[],
                    Secret,
                    6_000,
                    None,
                ),
            ),
            (
                "approval_system",
                role(&[Intake], None, &[], Normal, 600, None),
            ),
            (
                "construction_unit",
                role(
                    &[Read, Check, OwnProjects],
                    None,
                    &[],
                    Normal,
                    600,
                    Some(CONTRACTOR_BOUNDS),
                ),
            ),
            (
                // A network owner's staff: they see the map as planners do, and answer the
                // tickets that ask the owners whose registry entry lists their account.
                "network_owner",
                role(&[Read, History, Plan], None, &[], Restricted, 1_200, None),
            ),
            (
                "public",
                role(
                    &[Read],
                    Some(&["planning"]),
                    &[Field::OwnerContact, Field::ArchiveRef, Field::Extra],
                    Normal,
                    600,
                    None,
                ),
            ),
        ]
        .into_iter()
        .map(|(n, r)| (n.to_owned(), r))
        .collect()
    }

    /// The built-in roles with `overrides` replacing or adding roles.
    pub fn new(overrides: &BTreeMap<String, RoleConfig>) -> Result<Self, AuthError> {
        let mut configs = Self::builtin();
        for (name, c) in overrides {
            configs.insert(name.clone(), c.clone());
        }
        let mut roles = BTreeMap::new();
        for (name, c) in &configs {
            if !is_role_name(name) {
                return Err(AuthError::Config(format!(
                    "role name {name:?}: use a lowercase letter then letters, digits or _"
                )));
            }
            roles.insert(name.clone(), Arc::new(Role::from_config(name, c)?));
        }
        Ok(Self(roles))
    }

    /// The role called `name`.
    pub fn get(&self, name: &str) -> Result<Arc<Role>, AuthError> {
        self.0.get(name).cloned().ok_or_else(|| {
            AuthError::Config(format!(
                "unknown role {name:?}; roles: {}",
                self.0.keys().cloned().collect::<Vec<_>>().join(", ")
            ))
        })
    }

    /// Every role name.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
}

fn is_role_name(name: &str) -> bool {
    let mut c = name.chars();
    name.len() <= 32
        && c.next().is_some_and(|c| c.is_ascii_lowercase())
        && c.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_roles_parse_and_differ() {
        let roles = Roles::new(&BTreeMap::new()).unwrap();
        let public = roles.get("public").unwrap();
        assert!(public.view.sees_layer(&"planning".parse().unwrap()));
        assert!(!public.view.sees_layer(&"gas".parse().unwrap()));
        let contractor = roles.get("contractor").unwrap();
        assert!(contractor.capabilities.contains(&Capability::Check));
        assert!(!contractor.capabilities.contains(&Capability::Ingest));
        assert_eq!(contractor.view.bounds(), Some(CONTRACTOR_BOUNDS));
        assert!(roles.get("admin").unwrap().view.is_everything());
        assert!(roles.get("root").is_err());
    }

    #[test]
    fn a_deployment_can_hide_fields_per_layer() {
        let mut overrides = BTreeMap::new();
        let mut planner = Roles::builtin()["planner"].clone();
        planner
            .hidden_fields_on
            .insert("gas".into(), vec![Field::DepthTopM]);
        overrides.insert("planner".to_owned(), planner);
        let roles = Roles::new(&overrides).unwrap();
        let view = &roles.get("planner").unwrap().view;
        assert!(view
            .hidden(&"gas".parse().unwrap())
            .contains(Field::DepthTopM));
        assert!(view.hidden(&"water".parse().unwrap()).is_empty());
        let fly = serde_json::json!({"capabilities": ["fly"], "clearance": "normal", "rate_per_minute": 1});
        assert!(
            serde_json::from_value::<RoleConfig>(fly).is_err(),
            "unknown capabilities must not parse"
        );
    }
}
