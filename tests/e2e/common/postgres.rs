//! PostgreSQL clusters of a test's own, for what the shared server must not undergo: stopped
//! (outages), restarted (WAL archiving), backed up and restored, replicated and promoted. Run as
//! `postgres` when the test runs as root (PostgreSQL refuses root).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Debian's PostgreSQL 15 programs.
pub const BIN: &str = "/usr/lib/postgresql/15/bin";

/// The user PostgreSQL runs as: `postgres` when the test runs as root.
pub fn os_user() -> Option<&'static str> {
    nix::unistd::geteuid().is_root().then_some("postgres")
}

/// `program`, run as [`os_user`].
pub fn as_owner(program: &str) -> Command {
    match os_user() {
        Some(user) => {
            let mut c = Command::new("runuser");
            c.args(["-u", user, "--", program]);
            c
        }
        None => Command::new(program),
    }
}

/// A PostgreSQL program of [`BIN`], run as [`os_user`].
pub fn tool(name: &str) -> Command {
    as_owner(&format!("{BIN}/{name}"))
}

/// Runs `c`, which must succeed.
pub fn run(mut c: Command) {
    let out = c.output().expect("runs");
    assert!(
        out.status.success(),
        "{c:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A folder PostgreSQL's user may write in (its clusters, sockets, backups).
pub fn lab() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    if let Some(user) = os_user() {
        let u = nix::unistd::User::from_name(user).unwrap().unwrap();
        nix::unistd::chown(dir.path(), Some(u.uid), Some(u.gid)).unwrap();
    }
    dir
}

/// A cluster in a folder of a [`lab`], stopped when dropped.
pub struct Cluster {
    pub data: PathBuf,
    pub port: u16,
}

impl Cluster {
    /// `initdb` (trust, C.UTF-8), listening on 127.0.0.1 at a free port with its socket in
    /// `base`, started.
    pub fn start_new(base: &Path, name: &str) -> Self {
        let data = base.join(name);
        let mut init = tool("initdb");
        init.arg("-D").arg(&data).args([
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ]);
        run(init);
        let cluster = Self::adopt(data, free_port());
        cluster.configure(base);
        cluster.pg_ctl("start");
        cluster
    }

    /// A cluster made otherwise (restored, a replica) at `data`, to answer at `port`.
    pub fn adopt(data: PathBuf, port: u16) -> Self {
        Self { data, port }
    }

    /// Appends its port, address and socket folder to its configuration.
    pub fn configure(&self, socket_dir: &Path) {
        let conf = format!(
            "\nport = {}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\nfsync = off\n",
            self.port,
            socket_dir.display()
        );
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(self.data.join("postgresql.auto.conf"))
            .unwrap();
        std::io::Write::write_all(&mut f, conf.as_bytes()).unwrap();
    }

    /// The `undermap` database's URL.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/undermap", self.port)
    }

    /// `pg_ctl start|stop|restart|promote`, waiting for it.
    pub fn pg_ctl(&self, what: &str) {
        let mut c = tool("pg_ctl");
        c.arg("-D")
            .arg(&self.data)
            .arg("-l")
            .arg(self.data.with_extension("log"))
            .args(["-w", "-m", "fast", what]);
        run(c);
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = tool("pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "stop"])
            .output();
    }
}
