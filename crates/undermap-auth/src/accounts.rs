//! Managing accounts and keys: the same operations for `undermap users|keys` and `/v1/admin`.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use undermap_core::LayerId;
use undermap_store::{valid_account_name, Account, ApiKeyRecord};

use crate::{keys, AuthError, Authenticator};

/// A new account as an administrator asks for it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    /// Login name: lowercase letters, digits and `._@-`, at most 64.
    pub name: String,
    /// Role.
    pub role: String,
    /// Only these layers (on top of the role's).
    #[serde(default)]
    pub layers: Option<Vec<String>>,
    /// A machine account.
    #[serde(default)]
    pub service: bool,
    /// Full name or description.
    #[serde(default)]
    pub full_name: Option<String>,
    /// The construction unit the account acts for (its unified social credit code); required
    /// for, and only for, roles with the `own_projects` capability.
    #[serde(default)]
    pub unit_code: Option<String>,
}

/// A key as handed out: the secret text appears here once and never again.
#[derive(Debug, Clone, Serialize)]
pub struct IssuedKey {
    /// The stored record (without the hash).
    #[serde(flatten)]
    pub record: ApiKeyRecord,
    /// The whole key: give it to its holder; it cannot be shown again.
    pub key: String,
}

/// No control characters in text kept with an account or key.
fn plain(field: &str, value: &str) -> Result<(), AuthError> {
    undermap_core::text::plain(field, value).map_err(|e| AuthError::BadValue(e.to_string()))
}

impl Authenticator {
    /// Creates an account.
    #[tracing::instrument(skip(self))]
    pub async fn add_account(&self, new: NewAccount) -> Result<Account, AuthError> {
        if !valid_account_name(&new.name) {
            return Err(AuthError::BadValue(format!(
                "account name {:?}: use 1 to 64 lowercase letters, digits and . _ @ -, starting with a letter or digit",
                new.name.chars().take(80).collect::<String>()
            )));
        }
        let role = self
            .roles
            .get(&new.role)
            .map_err(|e| AuthError::BadValue(e.to_string()))?;
        let unit_code = match (
            &new.unit_code,
            role.capabilities.contains(&crate::Capability::OwnProjects),
        ) {
            (Some(code), true) => Some(
                code.parse::<undermap_archive::CreditCode>()
                    .map_err(|e| AuthError::BadValue(format!("unit_code: {e}")))?
                    .as_str()
                    .to_owned(),
            ),
            (None, true) => {
                return Err(AuthError::BadValue(format!(
                    "an account of role {} acts for a construction unit: give its unit_code \
                     (unified social credit code)",
                    new.role
                )))
            }
            (Some(_), false) => {
                return Err(AuthError::BadValue(format!(
                    "unit_code: role {} does not act for a construction unit",
                    new.role
                )))
            }
            (None, false) => None,
        };
        if let Some(layers) = &new.layers {
            for l in layers {
                l.parse::<LayerId>()
                    .map_err(|e| AuthError::BadValue(format!("layers: {e}")))?;
            }
        }
        if let Some(n) = &new.full_name {
            plain("full_name", n)?;
        }
        if new
            .full_name
            .as_ref()
            .is_some_and(|n| n.chars().count() > 200)
        {
            return Err(AuthError::BadValue(
                "full_name: at most 200 characters".into(),
            ));
        }
        let account = Account {
            name: new.name,
            role: new.role,
            layers: new.layers,
            service: new.service,
            full_name: new.full_name,
            created_at: now(),
            disabled_at: None,
            unit_code,
        };
        self.store.add_account(&account).await?;
        tracing::info!(account = %account.name, role = %account.role, "account created");
        Ok(account)
    }

    /// Every account.
    pub async fn accounts(&self) -> Result<Vec<Account>, AuthError> {
        Ok(self.store.accounts().await?)
    }

    /// Disables (or re-enables) an account; its keys stop working at once in this process.
    #[tracing::instrument(skip(self))]
    pub async fn set_disabled(&self, name: &str, disabled: bool) -> Result<Account, AuthError> {
        if !self.store.set_disabled(name, disabled.then(now)).await? {
            return Err(no_account(name));
        }
        self.forget_account(name);
        tracing::info!(account = name, disabled, "account changed");
        self.store
            .account(name)
            .await?
            .ok_or_else(|| no_account(name))
    }

    /// Issues a key for an account, valid for `days` (or until revoked).
    #[tracing::instrument(skip(self))]
    pub async fn create_key(
        &self,
        account: &str,
        label: Option<String>,
        days: Option<u32>,
    ) -> Result<IssuedKey, AuthError> {
        let holder = self
            .store
            .account(account)
            .await?
            .ok_or_else(|| no_account(account))?;
        if holder.disabled_at.is_some() {
            return Err(AuthError::Disabled(holder.name));
        }
        if let Some(l) = &label {
            plain("label", l)?;
        }
        if label.as_ref().is_some_and(|l| l.chars().count() > 200) {
            return Err(AuthError::BadValue("label: at most 200 characters".into()));
        }
        let created_at = now();
        let expires_at: Option<DateTime<Utc>> = days
            .map(|d| {
                if (1..=3650).contains(&d) {
                    Ok(created_at + Duration::days(i64::from(d)))
                } else {
                    Err(AuthError::BadValue("days: 1 to 3650".into()))
                }
            })
            .transpose()?;
        let new = tokio::task::spawn_blocking(keys::generate)
            .await
            .map_err(|e| AuthError::Config(format!("key generation stopped: {e}")))??;
        let record = ApiKeyRecord {
            key_id: new.id.clone(),
            account: holder.name,
            hash: new.hash,
            label,
            created_at,
            expires_at,
            revoked_at: None,
        };
        self.store.add_key(&record).await?;
        tracing::info!(key_id = %record.key_id, account = %record.account, "key issued");
        Ok(IssuedKey {
            record,
            key: new.text,
        })
    }

    /// Every key, or one account's (hashes are never shown).
    pub async fn keys(&self, account: Option<&str>) -> Result<Vec<ApiKeyRecord>, AuthError> {
        Ok(self.store.keys(account).await?)
    }

    /// Revokes a key: it stops working at once in this process, and within the recheck period
    /// in others.
    #[tracing::instrument(skip(self))]
    pub async fn revoke_key(&self, key_id: &str) -> Result<ApiKeyRecord, AuthError> {
        let found = self.store.key(key_id).await?;
        let Some(record) = found else {
            return Err(AuthError::NotFound(format!("no key {key_id:?}")));
        };
        if record.revoked_at.is_none() {
            self.store.revoke_key(key_id, now()).await?;
        }
        self.forget(key_id);
        tracing::info!(key_id, "key revoked");
        self.store
            .key(key_id)
            .await?
            .ok_or_else(|| AuthError::NotFound(format!("no key {key_id:?}")))
    }
}

fn no_account(name: &str) -> AuthError {
    AuthError::NotFound(format!(
        "no account {:?}",
        name.chars().take(80).collect::<String>()
    ))
}

/// Now, to the microsecond (what the databases keep).
pub(crate) fn now() -> DateTime<Utc> {
    use chrono::SubsecRound;
    Utc::now().trunc_subsecs(6)
}
