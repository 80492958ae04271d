//! Backups of a PostGIS store: pgBackRest backs up the whole PostgreSQL cluster (full,
//! differential or incremental) and archives every WAL segment, so that a restore can stop at
//! any moment the kept backups cover; the file store's bytes go beside it by hash.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::{Connection, PgConnection};
use undermap_store::PgStore;

use super::pgbackrest::{self, Server};
use super::{BackupError, BackupType};

/// What the server says about itself.
async fn server(store: &PgStore) -> Result<(Server, String, String), BackupError> {
    let show = |name: &'static str| async move {
        sqlx::query_scalar::<_, String>(&format!("SHOW {name}"))
            .fetch_one(store.pool())
            .await
            .map_err(|e| {
                BackupError::NotSetUp(format!(
                    "reading the server's {name} (a superuser's or pg_read_all_settings' right): {e}"
                ))
            })
    };
    let data_directory = PathBuf::from(show("data_directory").await?);
    let port = show("port")
        .await?
        .parse()
        .map_err(|e| BackupError::NotSetUp(format!("the server's port: {e}")))?;
    let sockets = show("unix_socket_directories").await?;
    let socket_directory = sockets
        .split(',')
        .map(str::trim)
        .find(|s| !s.is_empty())
        .map(PathBuf::from)
        .ok_or_else(|| {
            BackupError::NotSetUp(
                "the server listens on no Unix socket; pgBackRest runs on the database's host \
                 and connects through one (unix_socket_directories)"
                    .into(),
            )
        })?;
    let archive_mode = show("archive_mode").await?;
    let archive_command = show("archive_command").await?;
    Ok((
        Server {
            data_directory,
            port,
            socket_directory,
        },
        archive_mode,
        archive_command,
    ))
}

/// Sets up `dir` for the store's cluster: pgBackRest's configuration and folders, and the
/// server's `archive_mode` / `archive_command` (`ALTER SYSTEM`). Whether the server must be
/// restarted before the first backup (archive_mode takes effect at start).
pub(crate) async fn init(store: &PgStore, dir: &Path) -> Result<bool, BackupError> {
    let (server, mode, command) = server(store).await?;
    let ours = pgbackrest::archive_command(dir);
    if !command.is_empty() && command != "(disabled)" && command != ours {
        return Err(BackupError::NotSetUp(format!(
            "the server archives its WAL with {command:?} already (another backup?); undermap \
             will not replace it and break that chain. To move to pgBackRest in {}, run \
             `ALTER SYSTEM RESET archive_command` first",
            dir.display()
        )));
    }
    let user = pgbackrest::run_as(&server.data_directory)?;
    for sub in ["repo", "log", "lock", "spool"] {
        let p = dir.join(sub);
        std::fs::create_dir_all(&p).map_err(BackupError::io("creating", &p))?;
    }
    let config = dir.join("pgbackrest.conf");
    super::manifest::write_atomically(&config, pgbackrest::config_text(dir, &server).as_bytes())?;
    pgbackrest::give_to(dir, user.as_deref())?;
    for (name, value) in [("archive_mode", "on".to_owned()), ("archive_command", ours)] {
        sqlx::query(&format!(
            "ALTER SYSTEM SET {name} = '{}'",
            value.replace('\'', "''")
        ))
        .execute(store.pool())
        .await
        .map_err(|e| BackupError::NotSetUp(format!("setting {name} (a superuser's right): {e}")))?;
    }
    sqlx::query("SELECT pg_reload_conf()")
        .execute(store.pool())
        .await
        .map_err(|e| BackupError::NotSetUp(format!("reloading the configuration: {e}")))?;
    if mode == "off" {
        return Ok(true);
    }
    pgbackrest::run(pgbackrest::pgbackrest(
        user.as_deref(),
        &config,
        &["stanza-create"],
    ))?;
    // Archiving works end to end: a WAL segment switched and found in the repository.
    pgbackrest::run(pgbackrest::pgbackrest(user.as_deref(), &config, &["check"]))?;
    Ok(false)
}

/// A backup of the cluster into `dir`'s repository; its label.
pub(crate) async fn backup(
    store: &PgStore,
    dir: &Path,
    kind: BackupType,
) -> Result<String, BackupError> {
    let config = dir.join("pgbackrest.conf");
    let init = || {
        format!(
            "run `undermap backup --init --to {}` first (then restart PostgreSQL if it says so)",
            dir.display()
        )
    };
    if !config.is_file() {
        return Err(BackupError::NotSetUp(format!(
            "{} holds no pgBackRest configuration: {}",
            dir.display(),
            init()
        )));
    }
    let (server, mode, command) = server(store).await?;
    if mode == "off" || command != pgbackrest::archive_command(dir) {
        return Err(BackupError::NotSetUp(format!(
            "the server does not archive its WAL into {} (archive_mode {mode}, archive_command \
             {command:?}): {}",
            dir.display(),
            init()
        )));
    }
    let user = pgbackrest::run_as(&server.data_directory)?;
    if !dir
        .join("repo/backup")
        .join(pgbackrest::STANZA)
        .join("backup.info")
        .is_file()
    {
        pgbackrest::run(pgbackrest::pgbackrest(
            user.as_deref(),
            &config,
            &["stanza-create"],
        ))?;
    }
    let kind = format!("--type={}", kind.as_str());
    pgbackrest::run(pgbackrest::pgbackrest(
        user.as_deref(),
        &config,
        &["backup", &kind],
    ))?;
    pgbackrest::newest_label(user.as_deref(), &config)
}

/// Where and how to restore a cluster.
pub(crate) struct ClusterRestore<'a> {
    /// The backup folder (possibly just unsealed).
    pub from: &'a Path,
    /// The new data directory (missing or empty).
    pub pg_data: &'a Path,
    /// The restored server's port.
    pub port: u16,
    /// Where to stop replaying the WAL (the latest archived moment without it).
    pub target_time: Option<DateTime<Utc>>,
    /// How to connect to the restored server once it runs.
    pub url: &'a str,
}

/// Restores the cluster into a new data directory, starts it and waits until it has replayed
/// the WAL up to the target and been promoted.
pub(crate) async fn restore(r: ClusterRestore<'_>) -> Result<(), BackupError> {
    if r.pg_data.exists()
        && std::fs::read_dir(r.pg_data)
            .map_err(BackupError::io("listing", r.pg_data))?
            .next()
            .is_some()
    {
        return Err(BackupError::Invalid(format!(
            "{} is not empty; a restore goes into a new data directory, never over a cluster",
            r.pg_data.display()
        )));
    }
    let repo = r.from.join("repo");
    let user = pgbackrest::run_as(&repo)?;
    let parent = r.pg_data.parent().unwrap_or(Path::new("/"));
    std::fs::create_dir_all(r.pg_data).map_err(BackupError::io("creating", r.pg_data))?;
    pgbackrest::give_to(r.pg_data, user.as_deref())?;
    // The restored server fetches WAL through this configuration while it recovers; it is
    // removed once the server is promoted. Its log and lock folders are the restore's own.
    let work = tempfile::Builder::new()
        .prefix(".undermap-restore-")
        .tempdir_in(parent)
        .map_err(BackupError::io("creating a folder in", parent))?;
    let config = work.path().join("restore.conf");
    std::fs::write(
        &config,
        format!(
            "[global]\nrepo1-path={repo}\nlog-path={w}/log\nlock-path={w}/lock\nlog-level-console=warn\n\n[{stanza}]\npg1-path={data}\npg1-port={port}\n",
            repo = repo.display(),
            w = work.path().display(),
            stanza = pgbackrest::STANZA,
            data = r.pg_data.display(),
            port = r.port,
        ),
    )
    .map_err(BackupError::io("writing", &config))?;
    pgbackrest::give_to(work.path(), user.as_deref())?;
    let mut args = vec![
        "restore".to_owned(),
        "--archive-mode=off".to_owned(),
        format!("--recovery-option=port={}", r.port),
    ];
    if let Some(t) = r.target_time {
        args.push("--type=time".into());
        args.push(format!("--target={}", t.format("%Y-%m-%d %H:%M:%S%.6f+00")));
        args.push("--target-action=promote".into());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    pgbackrest::run(pgbackrest::pgbackrest(user.as_deref(), &config, &args))?;
    write_missing_config(r.pg_data, r.port, user.as_deref())?;
    let major = std::fs::read_to_string(r.pg_data.join("PG_VERSION"))
        .map_err(BackupError::io("reading", &r.pg_data.join("PG_VERSION")))?
        .trim()
        .parse()
        .unwrap_or(15);
    let log = r.pg_data.join("restore-start.log");
    let mut start = pgbackrest::command(user.as_deref(), &pgbackrest::bin("pg_ctl", major));
    start
        .arg("-D")
        .arg(r.pg_data)
        .arg("-l")
        .arg(&log)
        .args(["-w", "-t", "600", "start"]);
    pgbackrest::run(start)?;
    wait_promoted(r.url, r.pg_data, &log).await?;
    drop(work);
    Ok(())
}

/// Every file the restored archive names (projects' files, paper records' scans) is in `files`:
/// the WAL may have carried the database past the last time the files were backed up, and a
/// record without its bytes is a loss to say, not to hide.
pub(crate) async fn files_named_are_kept(
    url: &str,
    files: &undermap_store::FileStore,
) -> Result<(), BackupError> {
    let failed = |e: sqlx::Error| BackupError::Tool {
        command: "reading the restored archive's files".into(),
        message: e.to_string(),
    };
    let mut c = PgConnection::connect(url).await.map_err(failed)?;
    let named: Vec<String> = sqlx::query_scalar(
        "SELECT sha256 FROM project_files UNION SELECT sha256 FROM legacy_scans ORDER BY 1",
    )
    .fetch_all(&mut c)
    .await
    .map_err(failed)?;
    let mut missing = Vec::new();
    for hash in &named {
        let hash: undermap_store::ContentHash = hash.parse()?;
        if !files.contains(&hash).await? {
            missing.push(hash.to_string());
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(BackupError::Mismatch(format!(
        "the cluster is restored and running, but {} of the {} files its archive names are not \
         in the backup (kept after the last `undermap backup`?), e.g. {}; look for them in the \
         file store itself",
        missing.len(),
        named.len(),
        missing[0]
    )))
}

/// A data directory restored from a Debian cluster has no `postgresql.conf` / `pg_hba.conf`
/// (Debian keeps them in /etc/postgresql): minimal ones are written, local connections only.
fn write_missing_config(data: &Path, port: u16, user: Option<&str>) -> Result<(), BackupError> {
    let conf = data.join("postgresql.conf");
    if !conf.exists() {
        std::fs::write(
            &conf,
            format!(
                "# Written by `undermap restore`: the backup's cluster kept its configuration \
                 elsewhere.\nlisten_addresses = 'localhost'\nport = {port}\n\
                 unix_socket_directories = '/var/run/postgresql'\n"
            ),
        )
        .map_err(BackupError::io("writing", &conf))?;
        pgbackrest::give_to(&conf, user)?;
    }
    let hba = data.join("pg_hba.conf");
    if !hba.exists() {
        std::fs::write(
            &hba,
            "local all all peer\nhost all all 127.0.0.1/32 scram-sha-256\nhost all all ::1/128 scram-sha-256\n",
        )
        .map_err(BackupError::io("writing", &hba))?;
        pgbackrest::give_to(&hba, user)?;
    }
    Ok(())
}

/// Waits until the restored server accepts writes (recovery done, promoted); then drops the
/// settings only recovery needed.
async fn wait_promoted(url: &str, data: &Path, log: &Path) -> Result<(), BackupError> {
    let deadline = std::time::Instant::now() + Duration::from_hours(1);
    let stopped = || BackupError::Tool {
        command: "starting the restored server".into(),
        message: format!(
            "it stopped while recovering (a target time beyond the archived WAL, or before the \
             backup's end?); its log: {}",
            log.display()
        ),
    };
    loop {
        let state = async {
            let mut c = PgConnection::connect(url).await?;
            sqlx::query_scalar::<_, bool>("SELECT pg_is_in_recovery()")
                .fetch_one(&mut c)
                .await
                .map(|r| (c, r))
        }
        .await;
        match state {
            Ok((mut c, false)) => {
                for setting in [
                    "restore_command",
                    "recovery_target_time",
                    "recovery_target_action",
                ] {
                    sqlx::query(&format!("ALTER SYSTEM RESET {setting}"))
                        .execute(&mut c)
                        .await
                        .map_err(|e| BackupError::Tool {
                            command: format!("ALTER SYSTEM RESET {setting}"),
                            message: e.to_string(),
                        })?;
                }
                let _ = sqlx::query("SELECT pg_reload_conf()").execute(&mut c).await;
                return Ok(());
            }
            // The server answered with an error (authentication, no such database): waiting
            // changes nothing.
            Err(sqlx::Error::Database(e)) => {
                return Err(BackupError::Tool {
                    command: "connecting to the restored server".into(),
                    message: format!(
                        "{e}; it runs on {} (connect through its socket, or give the --store URL \
                         what it needs), its log: {}",
                        data.display(),
                        log.display()
                    ),
                })
            }
            Ok((_, true)) | Err(_) if !data.join("postmaster.pid").exists() => {
                return Err(stopped())
            }
            Ok((_, true)) | Err(_) if std::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Ok((_, true)) => {
                return Err(BackupError::Tool {
                    command: "waiting for recovery".into(),
                    message: "the restored server was still recovering after an hour".into(),
                })
            }
            Err(e) => {
                return Err(BackupError::Tool {
                    command: "connecting to the restored server".into(),
                    message: e.to_string(),
                })
            }
        }
    }
}
