use std::sync::Arc;

use undermap_core::View;

use crate::roles::{Capability, Role};
use crate::AuthError;

/// Who is asking: an account, its role and what it sees. Made once per verified key and shared
/// by every request that presents it.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The account name (`anonymous` when anonymous access is configured).
    pub account: String,
    /// The key used, if any.
    pub key_id: Option<String>,
    /// The role.
    pub role: Arc<Role>,
    /// What it sees: the role's view narrowed by the account's own layer limits.
    pub view: Arc<View>,
    /// The construction unit the account acts for, if it does.
    pub unit: Option<undermap_archive::CreditCode>,
}

impl Principal {
    /// Whether the role allows `capability`.
    #[must_use]
    pub fn can(&self, capability: Capability) -> bool {
        self.role.capabilities.contains(&capability)
    }

    /// `Ok` if the role allows `capability`, else a `Forbidden` that says what is missing.
    pub fn require(&self, capability: Capability) -> Result<(), AuthError> {
        if self.can(capability) {
            Ok(())
        } else {
            Err(AuthError::Forbidden(format!(
                "the role `{}` of account {:?} does not allow `{}`",
                self.role.name,
                self.account,
                capability.as_str()
            )))
        }
    }
}
