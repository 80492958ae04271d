//! Who may ask undermap what, and a record of who asked. No HTTP: the API crate reads the
//! credential from the request and calls [`Authenticator::authenticate`]; every read path then
//! applies the [`Principal`]'s [`undermap_core::View`].
//!
//! - [`roles`]: the six built-in roles and their views, overridable in settings;
//! - [`keys`]: `um_<id>_<secret>` API keys, stored as Argon2id hashes;
//! - [`Authenticator`]: verified-key cache, failed-attempt slow-down and lockout, rate limits,
//!   and account/key management (`undermap users|keys`, `/v1/admin`);
//! - [`audit`]: the SHA-256-chained, append-only audit trail and its verification.

mod accounts;
pub mod audit;
mod authenticator;
pub mod budget;
mod error;
pub mod keys;
pub mod limits;
mod principal;
pub mod roles;

pub use accounts::{IssuedKey, NewAccount};
pub use audit::{verify, verify_file, AuditEntry, AuditLog, Verification};
pub use authenticator::{AuthSettings, Authenticator};
pub use error::AuthError;
pub use principal::Principal;
pub use roles::{Capability, Role, RoleConfig, Roles};
