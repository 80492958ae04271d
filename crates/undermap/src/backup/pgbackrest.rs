//! pgBackRest, as undermap drives it: one stanza, `undermap`, whose repository, log and lock
//! folders live in the backup folder, described by `pgbackrest.conf` there. PostgreSQL's
//! `archive_command` names that file, so every WAL segment lands in the repository as it is
//! written and any moment the kept backups cover can be restored.
//!
//! pgBackRest and `pg_ctl` must run as the data directory's owner (as root pgBackRest would
//! connect as the role `root` and leave files PostgreSQL cannot read): when undermap runs as
//! root it runs them with `runuser -u <owner>`.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::BackupError;

/// The stanza's name.
pub(crate) const STANZA: &str = "undermap";

/// Where a PostgreSQL server keeps its data, as it reports it.
#[derive(Debug, Clone)]
pub(crate) struct Server {
    pub data_directory: PathBuf,
    pub port: u16,
    pub socket_directory: PathBuf,
}

/// The configuration written to `<dir>/pgbackrest.conf`.
pub(crate) fn config_text(dir: &Path, server: &Server) -> String {
    format!(
        "# Written by `undermap backup --init`; see docs/operations.md.\n\
         [global]\n\
         repo1-path={dir}/repo\n\
         # Full backups kept; older ones and the WAL only they need are expired.\n\
         repo1-retention-full=4\n\
         log-path={dir}/log\n\
         lock-path={dir}/lock\n\
         spool-path={dir}/spool\n\
         log-level-console=warn\n\
         log-level-file=info\n\
         # Checkpoint at once rather than wait up to checkpoint_timeout.\n\
         start-fast=y\n\
         process-max=2\n\
         compress-type=zst\n\
         \n\
         [{STANZA}]\n\
         pg1-path={data}\n\
         pg1-port={port}\n\
         pg1-socket-path={socket}\n",
        dir = dir.display(),
        data = server.data_directory.display(),
        port = server.port,
        socket = server.socket_directory.display(),
    )
}

/// The `archive_command` PostgreSQL must run: every WAL segment into the repository.
pub(crate) fn archive_command(dir: &Path) -> String {
    format!(
        "pgbackrest --config={}/pgbackrest.conf --stanza={STANZA} archive-push %p",
        dir.display()
    )
}

/// The user to run PostgreSQL's and pgBackRest's programs as: the owner of `path` when we are
/// root and it is not; ourselves (`None`) otherwise.
pub(crate) fn run_as(path: &Path) -> Result<Option<String>, BackupError> {
    use std::os::unix::fs::MetadataExt;
    if !nix::unistd::geteuid().is_root() {
        return Ok(None);
    }
    let uid = std::fs::metadata(path)
        .map_err(BackupError::io("reading the owner of", path))?
        .uid();
    if uid == 0 {
        return Ok(None);
    }
    let user = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
        .map_err(|e| BackupError::Invalid(format!("looking up user {uid}: {e}")))?
        .ok_or_else(|| {
            BackupError::Invalid(format!("{} is owned by unknown user {uid}", path.display()))
        })?;
    Ok(Some(user.name))
}

/// Gives `path` (and all below it) to `user` (when we run as root for them).
pub(crate) fn give_to(path: &Path, user: Option<&str>) -> Result<(), BackupError> {
    let Some(user) = user else { return Ok(()) };
    let found = nix::unistd::User::from_name(user)
        .map_err(|e| BackupError::Invalid(format!("looking up user {user}: {e}")))?
        .ok_or_else(|| BackupError::Invalid(format!("no user {user}")))?;
    let mut stack = vec![path.to_owned()];
    while let Some(p) = stack.pop() {
        nix::unistd::chown(&p, Some(found.uid), Some(found.gid))
            .map_err(|e| BackupError::io("giving", &p)(e.into()))?;
        if p.is_dir() && !p.is_symlink() {
            for entry in std::fs::read_dir(&p).map_err(BackupError::io("listing", &p))? {
                stack.push(entry.map_err(BackupError::io("listing", &p))?.path());
            }
        }
    }
    Ok(())
}

/// `program args…`, run as `user` if one is named.
pub(crate) fn command(user: Option<&str>, program: &str) -> Command {
    match user {
        Some(user) => {
            let mut c = Command::new("runuser");
            c.args(["-u", user, "--", program]);
            c
        }
        None => Command::new(program),
    }
}

/// Runs `command` to its end; its standard output, or its own words when it fails.
pub(crate) fn run(mut command: Command) -> Result<String, BackupError> {
    let line = format!("{command:?}").replace('"', "");
    let output = command.output().map_err(|e| BackupError::Tool {
        command: line.clone(),
        message: if e.kind() == std::io::ErrorKind::NotFound {
            "not installed (Debian: apt-get install pgbackrest postgresql-15)".into()
        } else {
            e.to_string()
        },
    })?;
    if output.status.success() {
        return Ok(String::from_utf8_lossy(&output.stdout).into_owned());
    }
    let said = |b: &[u8]| String::from_utf8_lossy(b).trim().to_owned();
    Err(BackupError::Tool {
        command: line,
        message: format!("{} {}", said(&output.stderr), said(&output.stdout))
            .trim()
            .chars()
            .take(2000)
            .collect(),
    })
}

/// A pgBackRest command on the stanza with the configuration `config`.
pub(crate) fn pgbackrest(user: Option<&str>, config: &Path, args: &[&str]) -> Command {
    let mut c = command(user, "pgbackrest");
    c.arg(format!("--config={}", config.display()))
        .arg(format!("--stanza={STANZA}"))
        .args(args);
    c
}

/// The label of the newest backup in the repository (`pgbackrest info --output=json`).
pub(crate) fn newest_label(user: Option<&str>, config: &Path) -> Result<String, BackupError> {
    let json = run(pgbackrest(user, config, &["info", "--output=json"]))?;
    let info: serde_json::Value = serde_json::from_str(&json).map_err(|e| BackupError::Tool {
        command: "pgbackrest info".into(),
        message: format!("unreadable output: {e}"),
    })?;
    info.get(0)
        .and_then(|s| s.get("backup"))
        .and_then(serde_json::Value::as_array)
        .and_then(|b| b.last())
        .and_then(|b| b.get("label"))
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| BackupError::Tool {
            command: "pgbackrest info".into(),
            message: "the repository holds no backup".into(),
        })
}

/// The PostgreSQL programs' folder (`pg_ctl`, …) of the major version `version`.
pub(crate) fn bin(program: &str, major: u32) -> String {
    let debian = format!("/usr/lib/postgresql/{major}/bin/{program}");
    if Path::new(&debian).exists() {
        debian
    } else {
        program.to_owned()
    }
}
