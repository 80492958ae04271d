//! A service that survives losing a node: two real `undermap serve` processes behind HAProxy on
//! one PostgreSQL primary, reading their index from a streaming replica (`--read-store`). Under
//! load from a bounded client one server is killed: only requests in flight on it may fail, and
//! they are counted. The primary is stopped: reads answer from memory, writes get 503, and the
//! servers recover on their own when it returns. Then the primary is lost for good: the replica
//! is promoted and the servers pointed at it (the runbook in docs/operations.md).
//! `make cluster-test` runs this alone.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::backup::{ok, undermap};
use crate::common::postgres::{free_port, lab, run, tool, Cluster};
use crate::common::{self, demo_dir};

/// Concurrent clients of the load, each sending a request every `PACE` at most: about 80 a
/// second, under the administrator role's 100.
const CLIENTS: usize = 8;
const PACE: Duration = Duration::from_millis(100);

/// One `undermap serve` process, killed when dropped.
struct Server {
    child: Child,
}

impl Server {
    fn start(cwd: &Path, store: &str, read_store: Option<&str>, port: u16) -> Self {
        let mut c = undermap(cwd);
        c.args([
            "--store",
            store,
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ]);
        if let Some(r) = read_store {
            c.args(["--read-store", r]);
        }
        let child = c
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Self { child }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// HAProxy in the foreground, killed when dropped.
struct Balancer(Child);

impl Drop for Balancer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// HAProxy on `port` balancing `backends`, health-checked on `/readyz` every 500 ms (docs/operations.md).
fn balancer(dir: &Path, port: u16, backends: &[u16]) -> Balancer {
    let servers = backends
        .iter()
        .enumerate()
        .fold(String::new(), |mut all, (i, p)| {
            all.push_str(&format!("    server s{i} 127.0.0.1:{p} check\n"));
            all
        });
    let cfg = dir.join("haproxy.cfg");
    std::fs::write(
        &cfg,
        format!(
            "global\n    maxconn 256\n\ndefaults\n    mode http\n    timeout connect 1s\n    timeout client 30s\n    timeout server 30s\n    option redispatch\n    option forwardfor\n    retries 2\n    retry-on conn-failure empty-response response-timeout\n\nfrontend undermap\n    bind 127.0.0.1:{port}\n    default_backend servers\n\nbackend servers\n    balance roundrobin\n    http-request disable-l7-retry if !{{ method GET HEAD }}\n    option httpchk GET /readyz\n    http-check expect status 200\n    default-server inter 500ms fall 2 rise 1\n{servers}"
        ),
    )
    .unwrap();
    let child = Command::new("haproxy")
        .arg("-f")
        .arg(&cfg)
        .arg("-db")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("haproxy (Debian: apt-get install haproxy)");
    Balancer(child)
}

async fn wait_for(what: &str, limit: Duration, mut check: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while started.elapsed() < limit {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what}: not within {limit:?}");
}

async fn status(client: &reqwest::Client, url: &str) -> u16 {
    client
        .get(url)
        .send()
        .await
        .map_or(0, |r| r.status().as_u16())
}

async fn dig(client: &reqwest::Client, base: &str) -> u16 {
    client
        .post(format!("{base}/v1/excavation-checks"))
        .json(&json!({"area": common::square_crs84(108.987_665_44, 28.449_672_82, 24.0), "depth_m": 1.5}))
        .send()
        .await
        .map_or(0, |r| r.status().as_u16())
}

/// What the load saw.
#[derive(Default)]
struct Tally {
    ok: AtomicU64,
    failed: AtomicU64,
    in_flight: AtomicU64,
    slowest_ms: AtomicU64,
    /// Failed answers by status (0: no answer).
    failures: std::sync::Mutex<std::collections::BTreeMap<u16, u64>>,
}

/// `CLIENTS` clients reading a layer's features through the balancer until `stop`.
fn load(
    client: &reqwest::Client,
    url: String,
    stop: &Arc<AtomicBool>,
    tally: &Arc<Tally>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..CLIENTS)
        .map(|_| {
            let (client, url, stop, tally) =
                (client.clone(), url.clone(), stop.clone(), tally.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    tally.in_flight.fetch_add(1, Ordering::SeqCst);
                    let started = Instant::now();
                    let r = client.get(&url).send().await;
                    let code = r.as_ref().map_or(0, |r| r.status().as_u16());
                    let good = code == 200;
                    if !good {
                        *tally.failures.lock().unwrap().entry(code).or_default() += 1;
                    }
                    if let Ok(r) = r {
                        let _ = r.bytes().await;
                    }
                    tally.in_flight.fetch_sub(1, Ordering::SeqCst);
                    let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
                    tally.slowest_ms.fetch_max(ms, Ordering::Relaxed);
                    if good { &tally.ok } else { &tally.failed }.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(PACE.saturating_sub(started.elapsed())).await;
                }
            })
        })
        .collect()
}

#[tokio::test]
async fn the_cluster_survives_a_killed_server_a_primary_outage_and_a_promotion() {
    let lab = lab();
    let base = lab.path();
    let primary = Cluster::start_new(base, "primary");
    // The balancer's X-Forwarded-For names the clients (rate limits, the audit trail).
    std::fs::write(
        base.join("undermap.toml"),
        "trusted_proxies = [\"127.0.0.1\"]\n",
    )
    .unwrap();
    ok(undermap(base)
        .args(["--store", &primary.url(), "ingest", "--department", "water"])
        .arg(demo_dir().join("water.geojson")));
    ok(undermap(base).args([
        "--store",
        &primary.url(),
        "users",
        "add",
        "operator",
        "--role",
        "admin",
    ]));
    let out = ok(undermap(base).args(["--store", &primary.url(), "keys", "create", "operator"]));
    let key = out
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap()
        .trim()
        .to_owned();

    // The streaming replica.
    let replica = Cluster::adopt(base.join("replica"), free_port());
    let mut copy = tool("pg_basebackup");
    copy.args([
        "-h",
        "127.0.0.1",
        "-p",
        &primary.port.to_string(),
        "-U",
        "postgres",
        "-R",
        "-X",
        "stream",
        "-c",
        "fast",
        "-D",
    ])
    .arg(&replica.data);
    run(copy);
    replica.configure(base);
    replica.pg_ctl("start");

    // Two servers (the first makes the ticket key both sign with) behind the balancer.
    let client = common::client_with(&key);
    let ports = [free_port(), free_port()];
    let mut servers = Vec::new();
    for port in ports {
        servers.push(Server::start(
            base,
            &primary.url(),
            Some(&replica.url()),
            port,
        ));
        wait_for("a server ready", Duration::from_mins(1), async || {
            status(&client, &format!("http://127.0.0.1:{port}/readyz")).await == 200
        })
        .await;
    }
    let lb_port = free_port();
    let _balancer = balancer(base, lb_port, &ports);
    let lb = format!("http://127.0.0.1:{lb_port}");
    let items =
        format!("{lb}/ogc/collections/water/items?limit=20&bbox=108.986,28.448,108.989,28.451");
    wait_for("the balancer", Duration::from_secs(20), async || {
        status(&client, &items).await == 200
    })
    .await;

    // A delivery on the primary reaches the servers' indexes through the replica.
    let valve = base.join("valve.geojson");
    std::fs::write(&valve, crate::backup::valve("CL-V1", 0.0).to_string()).unwrap();
    ok(undermap(base)
        .args(["--store", &primary.url(), "ingest", "--department", "water"])
        .arg(&valve));
    for port in ports {
        let url = format!("http://127.0.0.1:{port}/ogc/collections/water/items/CL-V1");
        wait_for(
            "the delivery in each index",
            Duration::from_secs(20),
            async || status(&client, &url).await == 200,
        )
        .await;
    }

    // One server killed under load.
    let (stop, tally) = (Arc::new(AtomicBool::new(false)), Arc::new(Tally::default()));
    let clients = load(&client, items.clone(), &stop, &tally);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = tally.ok.load(Ordering::SeqCst);
    let in_flight = tally.in_flight.load(Ordering::SeqCst);
    servers[0].kill();
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.await.unwrap();
    }
    let (done, failed) = (
        tally.ok.load(Ordering::SeqCst),
        tally.failed.load(Ordering::SeqCst),
    );
    println!(
        "killed a server under load: {done} requests answered ({} after the kill), {failed} failed {:?}, {in_flight} in flight at the kill, slowest {} ms",
        done - before,
        tally.failures.lock().unwrap(),
        tally.slowest_ms.load(Ordering::SeqCst)
    );
    // At most the requests in flight at the kill may fail: never more than there are clients.
    assert!(
        failed <= CLIENTS as u64,
        "{failed} failed, more than could have been in flight on the killed server"
    );
    assert!(
        done - before > 100,
        "the balancer moved the traffic: {} after the kill",
        done - before
    );

    // Back to two; then the primary stops: reads from memory, writes refused with 503.
    servers[0] = Server::start(base, &primary.url(), Some(&replica.url()), ports[0]);
    let first = format!("http://127.0.0.1:{}/readyz", ports[0]);
    wait_for("the restarted server", Duration::from_mins(1), async || {
        status(&client, &first).await == 200
    })
    .await;
    assert_eq!(dig(&client, &lb).await, 201);
    primary.pg_ctl("stop");
    wait_for("writes refused", Duration::from_secs(20), async || {
        dig(&client, &lb).await == 503
    })
    .await;
    for _ in 0..10 {
        assert_eq!(
            status(&client, &items).await,
            200,
            "reads answer from memory"
        );
    }
    let ready: Value = client
        .get(format!("{lb}/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["status"], "degraded", "{ready}");
    let outage = Instant::now();
    primary.pg_ctl("start");
    wait_for(
        "writes again once the primary is back",
        Duration::from_secs(30),
        async || dig(&client, &lb).await == 201,
    )
    .await;
    println!(
        "primary back: writes accepted {} ms after its start",
        outage.elapsed().as_millis()
    );

    // The primary lost for good: promote the replica, point the servers at it, one at a time.
    let lost = Instant::now();
    primary.pg_ctl("stop");
    replica.pg_ctl("promote");
    wait_for(
        "the promoted replica takes writes",
        Duration::from_secs(30),
        async || {
            sqlx::PgPool::connect(&replica.url()).await.is_ok_and(|p| {
                drop(p);
                true
            })
        },
    )
    .await;
    for (i, port) in ports.into_iter().enumerate() {
        servers[i].kill();
        servers[i] = Server::start(base, &replica.url(), None, port);
        let url = format!("http://127.0.0.1:{port}/readyz");
        wait_for(
            "a server on the new primary",
            Duration::from_mins(1),
            async || status(&client, &url).await == 200,
        )
        .await;
    }
    wait_for(
        "writes on the new primary",
        Duration::from_secs(30),
        async || dig(&client, &lb).await == 201,
    )
    .await;
    println!(
        "primary lost: writes accepted on the promoted replica {} ms after the primary stopped \
         (promotion, both servers restarted one at a time)",
        lost.elapsed().as_millis()
    );
    assert_eq!(
        status(&client, &format!("{lb}/ogc/collections/water/items/CL-V1")).await,
        200
    );
}
