//! The owners' registry: who answers for the assets delivered under which names, whom to call,
//! where tickets are sent. Kept in the store, read into memory (a check looks owners up by name
//! with no round trip) and read again when this process changes it or reloads.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use serde::Deserialize;
use undermap_store::OwnerRecord;

use super::Owners;
use crate::ServiceError;

/// Longest name, contact or phone accepted.
const MAX_TEXT: usize = 200;

/// An owner's entry as an administrator sends it (`PUT /v1/owners/{id}`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnerInput {
    /// The organisation's name.
    pub name: String,
    /// Other names its assets are delivered under (the layers' `owner`); its name is one too.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// People to call.
    #[serde(default)]
    pub contacts: Vec<String>,
    /// The phone answered day and night.
    #[serde(default)]
    pub emergency_phone: Option<String>,
    /// `https://…` (or `http://…`) where tickets are POSTed; none: its inbox only.
    #[serde(default)]
    pub webhook_url: Option<String>,
    /// Accounts that answer tickets for it.
    #[serde(default)]
    pub accounts: Vec<String>,
}

/// The registry as read, looked up by name, id and account.
#[derive(Debug, Default)]
pub(crate) struct Snapshot {
    owners: Vec<Arc<OwnerRecord>>,
    by_name: HashMap<String, usize>,
    by_id: HashMap<String, usize>,
}

impl Snapshot {
    fn new(owners: Vec<OwnerRecord>) -> Self {
        let owners: Vec<Arc<OwnerRecord>> = owners.into_iter().map(Arc::new).collect();
        let mut by_name = HashMap::new();
        let mut by_id = HashMap::new();
        for (i, o) in owners.iter().enumerate() {
            by_id.insert(o.id.clone(), i);
            for n in &o.names {
                by_name.insert(n.clone(), i);
            }
        }
        Self {
            owners,
            by_name,
            by_id,
        }
    }

    /// The owner whose assets are delivered under `name`.
    pub(crate) fn by_name(&self, name: &str) -> Option<&Arc<OwnerRecord>> {
        self.by_name.get(name).map(|&i| &self.owners[i])
    }

    pub(crate) fn by_id(&self, id: &str) -> Option<&Arc<OwnerRecord>> {
        self.by_id.get(id).map(|&i| &self.owners[i])
    }

    pub(crate) fn all(&self) -> &[Arc<OwnerRecord>] {
        &self.owners
    }
}

/// The registry in memory.
#[derive(Debug, Default)]
pub(crate) struct Registry(RwLock<Arc<Snapshot>>);

impl Registry {
    pub(crate) fn get(&self) -> Arc<Snapshot> {
        Arc::clone(
            &self
                .0
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    fn set(&self, owners: Vec<OwnerRecord>) {
        *self
            .0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(Snapshot::new(owners));
    }
}

fn text(field: &str, value: &str) -> Result<String, ServiceError> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > MAX_TEXT {
        return Err(ServiceError::unprocessable(
            field,
            format!("give 1 to {MAX_TEXT} characters"),
        ));
    }
    undermap_core::text::plain(field, value)?;
    Ok(value.to_owned())
}

/// An owner id: 1–64 of `a-z 0-9 _ -`, starting with a letter or digit.
fn owner_id(id: &str) -> Result<String, ServiceError> {
    let ok = (1..=64).contains(&id.len())
        && id
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if ok {
        Ok(id.to_owned())
    } else {
        Err(ServiceError::unprocessable(
            "id",
            format!("{id:?} is not an owner id: 1 to 64 of a-z, 0-9, _ and -, e.g. xs-water"),
        ))
    }
}

/// A webhook address: http(s), a host, no credentials (the signature proves the sender).
pub(crate) fn webhook(url: &str) -> Result<String, ServiceError> {
    let parsed = url::Url::parse(url.trim()).map_err(|e| {
        ServiceError::unprocessable("webhook_url", format!("{url:?} is not a URL: {e}"))
    })?;
    if !matches!(parsed.scheme(), "https" | "http") || parsed.host_str().is_none() {
        return Err(ServiceError::unprocessable(
            "webhook_url",
            "give an http:// or https:// address with a host",
        ));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(ServiceError::unprocessable(
            "webhook_url",
            "no credentials in the address: the signature header proves the sender",
        ));
    }
    Ok(parsed.to_string())
}

/// An entry parsed: every value checked.
fn parse(id: &str, input: OwnerInput, now: DateTime<Utc>) -> Result<OwnerRecord, ServiceError> {
    let id = owner_id(id)?;
    let name = text("name", &input.name)?;
    let mut names = vec![name.clone()];
    for a in &input.aliases {
        let a = text("aliases", a)?;
        if !names.contains(&a) {
            names.push(a);
        }
    }
    let contacts = input
        .contacts
        .iter()
        .map(|c| text("contacts", c))
        .collect::<Result<Vec<_>, _>>()?;
    let accounts = input
        .accounts
        .iter()
        .map(|a| {
            let a = a.trim();
            if undermap_store::valid_account_name(a) {
                Ok(a.to_owned())
            } else {
                Err(ServiceError::unprocessable(
                    "accounts",
                    format!("{a:?} is not an account name"),
                ))
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(OwnerRecord {
        id,
        name,
        names,
        contacts,
        emergency_phone: input
            .emergency_phone
            .as_deref()
            .map(|p| text("emergency_phone", p))
            .transpose()?,
        webhook_url: input.webhook_url.as_deref().map(webhook).transpose()?,
        accounts,
        updated_at: now,
    })
}

impl Owners<'_> {
    /// Registers owner `id` or replaces its entry.
    pub async fn put(&self, id: &str, input: OwnerInput) -> Result<OwnerRecord, ServiceError> {
        let record = parse(id, input, Utc::now())?;
        self.app.store().put_owner(&record).await?;
        self.refresh().await?;
        tracing::info!(owner = %record.id, names = record.names.len(), "owner registered");
        Ok(record)
    }

    /// Every registered owner, by id.
    #[must_use]
    pub fn list(&self) -> Vec<Arc<OwnerRecord>> {
        self.app.owner_registry().get().all().to_vec()
    }

    /// One owner.
    pub fn get(&self, id: &str) -> Result<Arc<OwnerRecord>, ServiceError> {
        self.app
            .owner_registry()
            .get()
            .by_id(id)
            .cloned()
            .ok_or_else(|| ServiceError::NotFound {
                what: format!("owner {id}"),
            })
    }

    /// Reads the registry from the store again.
    pub async fn refresh(&self) -> Result<(), ServiceError> {
        let owners = self.app.store().owners().await?;
        self.app.owner_registry().set(owners);
        Ok(())
    }

    /// The owners `account` answers for.
    #[must_use]
    pub fn answered_by(&self, account: &str) -> Vec<String> {
        self.app
            .owner_registry()
            .get()
            .all()
            .iter()
            .filter(|o| o.accounts.iter().any(|a| a == account))
            .map(|o| o.id.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> OwnerInput {
        OwnerInput {
            name: "秀山县自来水公司".into(),
            aliases: vec!["自来水公司".into(), "秀山县自来水公司".into()],
            contacts: vec!["调度 0847-8621234".into()],
            emergency_phone: Some("0847-8620000".into()),
            webhook_url: Some("https://water.example/tickets".into()),
            accounts: vec!["water-desk".into()],
        }
    }

    #[test]
    fn an_entry_is_parsed_with_its_name_among_its_names() {
        let r = parse("xs-water", input(), DateTime::UNIX_EPOCH).unwrap();
        assert_eq!(r.names, ["秀山县自来水公司", "自来水公司"]);
        assert_eq!(
            r.webhook_url.as_deref(),
            Some("https://water.example/tickets")
        );
    }

    #[test]
    fn bad_entries_are_refused_with_the_field() {
        for (id, change, field) in [
            ("Water Co", None, "id"),
            ("", None, "id"),
            ("w", Some(("webhook_url", "ftp://x/y")), "webhook_url"),
            ("w", Some(("webhook_url", "https://u:p@x/y")), "webhook_url"),
            ("w", Some(("name", " ")), "name"),
            ("w", Some(("accounts", "bad name!")), "accounts"),
        ] {
            let mut i = input();
            match change {
                Some(("webhook_url", v)) => i.webhook_url = Some(v.into()),
                Some(("name", v)) => i.name = v.into(),
                Some(("accounts", v)) => i.accounts = vec![v.into()],
                _ => {}
            }
            match parse(id, i, DateTime::UNIX_EPOCH) {
                Err(ServiceError::Unprocessable { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{id} {change:?}: {other:?}"),
            }
        }
    }
}
