//! Turning a presented key into a [`Principal`], with a cache so that the deliberately slow
//! Argon2id check runs once per key and period, and with failures slowed down and locked out.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use subtle::ConstantTimeEq;
use undermap_core::LayerId;
use undermap_store::{AccessStore, Account, ApiKeyRecord};

use crate::keys::PresentedKey;
use crate::limits::{FailurePolicy, FailureTracker, RateLimiter};
use crate::roles::{Role, RoleConfig, Roles};
use crate::{AuthError, Principal};

/// How an [`Authenticator`] behaves.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// Roles replacing or adding to the built-in ones.
    pub roles: BTreeMap<String, RoleConfig>,
    /// The role of requests without a credential; `None` (the default): they are refused.
    pub anonymous_role: Option<String>,
    /// Requests per minute from one address, with or without a credential.
    pub address_rate_per_minute: u32,
    /// How long a verified key is trusted before its record is read again (revocations by
    /// other processes take effect within this time; in this process, at once).
    pub recheck_after: Duration,
    /// Failed-authentication handling.
    pub failures: FailurePolicy,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            roles: BTreeMap::new(),
            anonymous_role: None,
            address_rate_per_minute: 60_000,
            recheck_after: Duration::from_secs(30),
            failures: FailurePolicy::default(),
        }
    }
}

struct Cached {
    digest: [u8; 32],
    hash: String,
    principal: Arc<Principal>,
    checked: Instant,
}

/// Authenticates keys, enforces rate limits, and manages accounts and keys.
pub struct Authenticator {
    pub(crate) store: Arc<dyn AccessStore>,
    pub(crate) roles: Roles,
    anonymous: Option<Arc<Principal>>,
    cache: Mutex<HashMap<String, Cached>>,
    failures: FailureTracker,
    limiter: RateLimiter,
    budget: crate::budget::AreaBudget,
    settings: AuthSettings,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("roles", &self.roles.names().collect::<Vec<_>>())
            .field("anonymous", &self.settings.anonymous_role)
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// An authenticator over `store` with `settings`; fails on a bad role definition.
    pub fn new(store: Arc<dyn AccessStore>, settings: AuthSettings) -> Result<Self, AuthError> {
        let roles = Roles::new(&settings.roles)?;
        let anonymous = settings
            .anonymous_role
            .as_deref()
            .map(|name| {
                let role = roles.get(name)?;
                Ok::<_, AuthError>(Arc::new(Principal {
                    account: "anonymous".into(),
                    key_id: None,
                    view: Arc::new(role.view.clone()),
                    role,
                    unit: None,
                }))
            })
            .transpose()?;
        Ok(Self {
            store,
            roles,
            anonymous,
            cache: Mutex::new(HashMap::new()),
            failures: FailureTracker::new(settings.failures),
            limiter: RateLimiter::default(),
            budget: crate::budget::AreaBudget::default(),
            settings,
        })
    }

    /// The store accounts and keys are kept in.
    #[must_use]
    pub fn store(&self) -> &dyn AccessStore {
        self.store.as_ref()
    }

    /// The daily area budget of bounded roles, per account.
    #[must_use]
    pub fn budget(&self) -> &crate::budget::AreaBudget {
        &self.budget
    }

    /// The roles.
    #[must_use]
    pub fn roles(&self) -> &Roles {
        &self.roles
    }

    /// The principal for requests without a credential, if anonymous access is configured.
    #[must_use]
    pub fn anonymous(&self) -> Option<Arc<Principal>> {
        self.anonymous.clone()
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, Cached>> {
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// One request from `address`: refused while the address is locked or over its rate.
    pub fn admit_address(&self, address: &str) -> Result<(), AuthError> {
        let key = format!("ip:{address}");
        if let Some(retry_after) = self.failures.locked(&key) {
            return Err(AuthError::Locked { retry_after });
        }
        self.limiter
            .take(&key, self.settings.address_rate_per_minute)
            .map_err(|retry_after| AuthError::RateLimited { retry_after })
    }

    /// One request by `principal` from `address`: refused when over its role's rate (per key;
    /// anonymous callers per address, so one of them cannot use up everyone's share).
    pub fn admit(&self, principal: &Principal, address: &str) -> Result<(), AuthError> {
        let key = match &principal.key_id {
            Some(id) => format!("key:{id}"),
            None => format!("anonymous:{address}"),
        };
        self.limiter
            .take(&key, principal.role.rate_per_minute)
            .map_err(|retry_after| AuthError::RateLimited { retry_after })
    }

    /// Verifies `key_text` sent from `address` (with `user`, the user name of HTTP basic auth,
    /// which must then be the key's account). A failure is answered after a delay that grows
    /// with the failures of the key (from anywhere) and of the address. Locks apply to an
    /// address, and to a key *from one address*: knowing a key's id (ids are not secret) lets
    /// nobody lock its holder out, since the right secret from another address still works.
    pub async fn authenticate(
        &self,
        key_text: &str,
        user: Option<&str>,
        address: &str,
    ) -> Result<Arc<Principal>, AuthError> {
        let ip = format!("ip:{address}");
        let key_id = PresentedKey::parse(key_text)
            .ok()
            .map(|k| k.id().to_owned());
        let pair = key_id.as_ref().map(|id| format!("key:{id}@{address}"));
        if let Some(retry_after) = pair.as_deref().and_then(|p| self.failures.locked(p)) {
            return Err(AuthError::Locked { retry_after });
        }
        let result = self.verify(key_text, user).await;
        match &result {
            Ok(_) => {
                self.failures.succeeded(&ip);
                if let Some(pair) = &pair {
                    self.failures.succeeded(pair);
                }
            }
            // A lock or an outage is no guess.
            Err(AuthError::Locked { .. } | AuthError::Store(_)) => {}
            Err(e) => {
                let p = self.failures.policy();
                let mut delay = self.failures.failed(&ip, p.lock_address_after);
                if let (Some(id), Some(pair)) = (&key_id, &pair) {
                    delay = delay.max(self.failures.failed(pair, p.lock_key_after));
                    // Guesses at one key from many addresses slow down; they never lock it.
                    delay = delay.max(self.failures.failed(&format!("key:{id}"), u32::MAX));
                }
                tracing::info!(address, reason = %e, delay_ms = delay.as_millis(), "authentication failed");
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
            }
        }
        result
    }

    async fn verify(
        &self,
        key_text: &str,
        user: Option<&str>,
    ) -> Result<Arc<Principal>, AuthError> {
        let key = PresentedKey::parse(key_text)?;
        let digest = key.digest();
        let cached = self.cache().get(key.id()).and_then(|c| {
            bool::from(c.digest.ct_eq(&digest))
                .then(|| (c.principal.clone(), c.hash.clone(), c.checked.elapsed()))
        });
        if let Some((principal, hash, age)) = &cached {
            if *age < self.settings.recheck_after {
                check_user(user, principal)?;
                return Ok(principal.clone());
            }
            // Read the record again (revoked? disabled?), without repeating Argon2id.
            match self.load(key.id()).await {
                Ok((record, account)) if record.hash == *hash => {
                    let principal = self.principal(&record, &account)?;
                    self.remember(&key, &record, principal.clone());
                    check_user(user, &principal)?;
                    return Ok(principal);
                }
                Ok(_) => {}
                // The store is away: the key was good a moment ago; keep answering (emergency
                // staff must be served in degraded mode).
                Err(AuthError::Store(e)) if e.is_unavailable() => {
                    check_user(user, principal)?;
                    return Ok(principal.clone());
                }
                Err(e) => {
                    self.forget(key.id());
                    return Err(e);
                }
            }
        }
        let (record, account) = self.load(key.id()).await?;
        let hash = record.hash.clone();
        let presented = key.clone();
        let matches = tokio::task::spawn_blocking(move || presented.matches(&hash))
            .await
            .unwrap_or(false);
        if !matches {
            return Err(AuthError::Invalid);
        }
        let principal = self.principal(&record, &account)?;
        check_user(user, &principal)?;
        self.remember(&key, &record, principal.clone());
        Ok(principal)
    }

    /// The key's record and account, if the key may be used.
    async fn load(&self, key_id: &str) -> Result<(ApiKeyRecord, Account), AuthError> {
        let record = self.store.key(key_id).await?.ok_or(AuthError::Invalid)?;
        let account = self
            .store
            .account(&record.account)
            .await?
            .ok_or(AuthError::Invalid)?;
        Ok((record, account))
    }

    fn principal(
        &self,
        record: &ApiKeyRecord,
        account: &Account,
    ) -> Result<Arc<Principal>, AuthError> {
        if record.revoked_at.is_some() {
            return Err(AuthError::Revoked);
        }
        if record.expires_at.is_some_and(|t| t <= Utc::now()) {
            return Err(AuthError::Expired);
        }
        if account.disabled_at.is_some() {
            return Err(AuthError::Disabled(account.name.clone()));
        }
        let role: Arc<Role> = self.roles.get(&account.role)?;
        let mut view = role.view.clone();
        if let Some(layers) = &account.layers {
            let layers: BTreeSet<LayerId> = layers.iter().filter_map(|l| l.parse().ok()).collect();
            view = view.only_layers(&layers);
        }
        Ok(Arc::new(Principal {
            account: account.name.clone(),
            key_id: Some(record.key_id.clone()),
            role,
            view: Arc::new(view),
            unit: account.unit_code.as_deref().and_then(|c| c.parse().ok()),
        }))
    }

    fn remember(&self, key: &PresentedKey, record: &ApiKeyRecord, principal: Arc<Principal>) {
        let mut cache = self.cache();
        if cache.len() > 100_000 {
            cache.clear();
        }
        cache.insert(
            key.id().to_owned(),
            Cached {
                digest: key.digest(),
                hash: record.hash.clone(),
                principal,
                checked: Instant::now(),
            },
        );
    }

    /// Drops a key from the cache (after revoking it here).
    pub fn forget(&self, key_id: &str) {
        self.cache().remove(key_id);
    }

    /// Drops every cached key of an account (after disabling it here).
    pub fn forget_account(&self, account: &str) {
        self.cache().retain(|_, c| c.principal.account != account);
    }
}

fn check_user(user: Option<&str>, principal: &Principal) -> Result<(), AuthError> {
    match user {
        Some(u) if !u.is_empty() && u != principal.account => Err(AuthError::Malformed(format!(
            "the user name {:?} is not the account of this key",
            u.chars().take(64).collect::<String>()
        ))),
        _ => Ok(()),
    }
}
