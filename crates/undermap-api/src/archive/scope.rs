//! Whose projects a caller may see and change: the archive office and the roles that read
//! history (planners, emergency staff) see every project; a construction unit's account sees
//! only its unit's; only the archive office records events and reads others' credit records.

use undermap_auth::{AuthError, Capability};
use undermap_service::Scope;

use crate::security::Caller;
use crate::ApiError;

fn forbidden(caller: &Caller, what: &str) -> ApiError {
    AuthError::Forbidden(format!(
        "the role `{}` of account {:?} may not {what}",
        caller.role.name, caller.account
    ))
    .into()
}

/// The unit a construction unit's account acts for.
fn own(caller: &Caller) -> Result<Scope, ApiError> {
    caller.unit.clone().map(Scope::Unit).ok_or_else(|| {
        AuthError::Forbidden(format!(
            "account {:?} acts for no construction unit",
            caller.account
        ))
        .into()
    })
}

/// What the caller may read of the archive.
pub(super) fn reading(caller: &Caller) -> Result<Scope, ApiError> {
    if caller.can(Capability::Archive) || caller.can(Capability::History) {
        Ok(Scope::All)
    } else if caller.can(Capability::OwnProjects) {
        own(caller)
    } else {
        Err(forbidden(caller, "read the project archive"))
    }
}

/// The archive office sees every project; a construction unit only its own; others nothing.
fn archive_or_own(caller: &Caller, what: &str) -> Result<Scope, ApiError> {
    if caller.can(Capability::Archive) {
        Ok(Scope::All)
    } else if caller.can(Capability::OwnProjects) {
        own(caller)
    } else {
        Err(forbidden(caller, what))
    }
}

/// Which projects the caller may hand files over for.
pub(super) fn uploading(caller: &Caller) -> Result<Scope, ApiError> {
    archive_or_own(caller, "hand over project files")
}

/// Whose credit record the caller may read.
pub(super) fn credit(caller: &Caller) -> Result<Scope, ApiError> {
    archive_or_own(caller, "read construction units' credit records")
}

/// How far the caller reads the archive's files (any role that reads the map): the projects
/// whose entries it sees, and whether it keeps the archive (the office, emergency staff) or
/// reads history.
pub(crate) fn reader(caller: &Caller) -> Result<undermap_service::Reader, ApiError> {
    caller.require(Capability::Read)?;
    Ok(undermap_service::Reader {
        scope: reading(caller).ok(),
        keeper: caller.can(Capability::Archive) || caller.can(Capability::Incident),
        history: caller.can(Capability::History),
    })
}
