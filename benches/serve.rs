//! Load benchmark of `selfheal serve` on loopback (bounded in time and count).
//!
//! Starts the built binary with 4 tenants, warms each tenant's cache, then measures, with 1, 8
//! and 64 concurrent clients spread over the 4 tenants (requests per second, p50 and p99):
//! - cached checks (`POST /v1/check` of a program the tenant validated before: answered from
//!   its own cache scope, no sandbox);
//! - warm heals (a one-error Python program whose every validation is cached);
//! - heals (a one-error Python program made unique per request, so every validation runs in a
//!   sandbox: the original, the candidates, the passing one).
//!
//! Then fairness: tenant `t0` floods with 61 clients while `t1`-`t3` have one client each, for
//! cached checks and for fresh checks (one sandbox each, so the tenants compete for the host's
//! sandboxes); each tenant's completed requests, share and p50/p99.
//!
//! Each phase sends new requests for a fixed time (at most `MAX_REQUESTS` per client) and then
//! waits for those in flight; requests per second are completed requests over the whole
//! phase. Only to 127.0.0.1; the service is stopped at the end. Run: `cargo bench --bench serve`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use selfheal::serve::auth::{generate_key, hash_key};

/// Sending time of a phase answered from caches.
const PHASE: Duration = Duration::from_secs(5);
/// Sending time of a phase whose requests run sandboxes.
const SANDBOX_PHASE: Duration = Duration::from_secs(20);
const MAX_REQUESTS: usize = 20_000;
const TENANTS: usize = 4;

struct Service {
    child: Child,
    base: String,
    keys: Vec<String>,
    _dir: tempfile::TempDir,
}

impl Drop for Service {
    fn drop(&mut self) {
        // SAFETY: kill(2) on our own child.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let _ = self.child.wait();
    }
}

fn start() -> Service {
    let dir = tempfile::tempdir().expect("temp dir");
    let keys: Vec<String> = (0..TENANTS).map(|_| generate_key()).collect();
    let mut config = String::from("listen = \"127.0.0.1:0\"\nworkers = 8\nsync_wait_ms = 60000\n");
    for (i, key) in keys.iter().enumerate() {
        config.push_str(&format!(
            "[[tenants]]\nid = \"t{i}\"\nkeys = [\"{}\"]\n[tenants.limits]\nmax_queued_jobs = 1000\ncpu_seconds_per_minute = 120\n\
             [tenants.service]\nrequests_per_minute = 100000000\nmax_running_jobs = 8\n",
            hash_key(key)
        ));
    }
    let path = dir.path().join("serve.toml");
    std::fs::write(&path, config).expect("write config");
    let mut child = Command::new(env!("CARGO_BIN_EXE_selfheal"))
        .args(["serve", "--config"])
        .arg(&path)
        .arg("--data-dir")
        .arg(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start selfheal serve");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("listening on http://").nth(1) {
                let _ = tx.send(rest.split_whitespace().next().unwrap_or("").to_string());
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("the service did not start");
    Service {
        child,
        base: format!("http://{addr}"),
        keys,
        _dir: dir,
    }
}

fn check_body() -> serde_json::Value {
    serde_json::json!({
        "language": "python",
        "files": {"main.py": "def add(a, b):\n    return a + b\n"},
        "expect": "check"
    })
}

/// A one-error program (`reslt`); `marker` makes it a program no cache holds.
fn heal_body(marker: &str) -> serde_json::Value {
    serde_json::json!({
        "language": "python",
        "files": {"main.py": format!("# {marker}\ndef total(items):\n    result = 0\n    for item in items:\n        result += item\n    return reslt\n")},
        "expect": "check"
    })
}

/// A passing program with a test no cache holds (`marker`): one sandbox.
fn fresh_check_body(marker: &str) -> serde_json::Value {
    serde_json::json!({
        "language": "python",
        "files": {
            "main.py": format!("# {marker}\ndef add(a, b):\n    return a + b\n"),
            "test_main.py": "from main import add\n\ndef test_add():\n    assert add(2, 3) == 5\n"
        },
        "expect": "test"
    })
}

/// What a phase sends: the route and the body of client `c`'s `n`th request.
#[derive(Clone, Copy)]
enum Workload {
    CachedCheck,
    WarmHeal,
    Heal,
    FreshCheck,
}

impl Workload {
    fn path(self) -> &'static str {
        match self {
            Workload::CachedCheck | Workload::FreshCheck => "/v1/check",
            Workload::WarmHeal | Workload::Heal => "/v1/heal",
        }
    }

    fn body(self, run: u64, client: usize, n: usize) -> serde_json::Value {
        let marker = format!("run {run} client {client} request {n}");
        match self {
            Workload::CachedCheck => check_body(),
            Workload::WarmHeal => heal_body("warm"),
            Workload::Heal => heal_body(&marker),
            Workload::FreshCheck => fresh_check_body(&marker),
        }
    }

    fn sending_time(self) -> Duration {
        match self {
            Workload::CachedCheck | Workload::WarmHeal => PHASE,
            Workload::Heal | Workload::FreshCheck => SANDBOX_PHASE,
        }
    }
}

/// One request, followed to its job's end when answered `202`; its latency, or `None` when it
/// did not succeed.
async fn once(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    key: &str,
    body: &serde_json::Value,
) -> Option<Duration> {
    let started = Instant::now();
    let response = client
        .post(format!("{base}{path}"))
        .bearer_auth(key)
        .json(body)
        .send()
        .await
        .ok()?;
    let status = response.status().as_u16();
    let mut job: serde_json::Value = response.json().await.ok()?;
    if status == 202 {
        let url = format!("{base}/v1/jobs/{}", job["id"].as_str()?);
        while !matches!(
            job["state"].as_str(),
            Some("succeeded" | "failed" | "cancelled")
        ) {
            tokio::time::sleep(Duration::from_millis(20)).await;
            job = client
                .get(&url)
                .bearer_auth(key)
                .send()
                .await
                .ok()?
                .json()
                .await
                .ok()?;
        }
    } else if status != 200 {
        return None;
    }
    (job["state"] == "succeeded").then(|| started.elapsed())
}

/// What a phase measured: latencies per tenant, failures, and the phase's whole time (sending
/// plus the requests still in flight at its end).
struct Measured {
    per_tenant: Vec<Vec<Duration>>,
    failures: usize,
    elapsed: Duration,
}

/// `clients` concurrent loops sending `workload` for its sending time; client `i` uses
/// `tenant_of(i)`.
async fn phase(
    service: &Service,
    workload: Workload,
    clients: usize,
    tenant_of: impl Fn(usize) -> usize,
) -> Measured {
    static RUN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let run = RUN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(128)
        .build()
        .expect("client");
    let base = Arc::new(service.base.clone());
    let started = Instant::now();
    let deadline = started + workload.sending_time();
    let mut tasks = Vec::new();
    for i in 0..clients {
        let tenant = tenant_of(i);
        let key = service.keys[tenant].clone();
        let (client, base) = (client.clone(), base.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut failures = 0;
            let mut n = 0;
            while Instant::now() < deadline && n < MAX_REQUESTS {
                let body = workload.body(run, i, n);
                n += 1;
                match once(&client, &base, workload.path(), &key, &body).await {
                    Some(d) => latencies.push(d),
                    None => failures += 1,
                }
            }
            (tenant, latencies, failures)
        }));
    }
    let mut per_tenant = vec![Vec::new(); TENANTS];
    let mut failures = 0;
    for task in tasks {
        let (tenant, latencies, failed) = task.await.expect("client task");
        per_tenant[tenant].extend(latencies);
        failures += failed;
    }
    Measured {
        per_tenant,
        failures,
        elapsed: started.elapsed(),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn summarize(label: &str, clients: usize, m: &Measured) {
    let mut all: Vec<Duration> = m.per_tenant.iter().flatten().copied().collect();
    all.sort();
    println!(
        "| {label} | {clients} | {:.1} | {} | {} | {} | {} | {:.1} s |",
        all.len() as f64 / m.elapsed.as_secs_f64(),
        ms(percentile(&all, 0.5)),
        ms(percentile(&all, 0.99)),
        all.len(),
        m.failures,
        m.elapsed.as_secs_f64(),
    );
}

/// `t0` floods with 61 clients, `t1`-`t3` send with one client each.
async fn flood(service: &Service, label: &str, workload: Workload) {
    let m = phase(service, workload, 64, |i| if i < 61 { 0 } else { i - 60 }).await;
    let total: usize = m.per_tenant.iter().map(Vec::len).sum();
    println!(
        "\nflood, {label}: t0 with 61 clients, t1-t3 with 1 client each, {:.1} s, {} failed",
        m.elapsed.as_secs_f64(),
        m.failures
    );
    println!("| tenant | clients | requests | share | per client req/s | p50 | p99 |");
    println!("|---|---|---|---|---|---|---|");
    for (t, latencies) in m.per_tenant.iter().enumerate() {
        let mut sorted = latencies.clone();
        sorted.sort();
        let clients = if t == 0 { 61 } else { 1 };
        println!(
            "| t{t} | {clients} | {} | {:.1}% | {:.2} | {} | {} |",
            sorted.len(),
            100.0 * sorted.len() as f64 / total.max(1) as f64,
            sorted.len() as f64 / clients as f64 / m.elapsed.as_secs_f64(),
            ms(percentile(&sorted, 0.5)),
            ms(percentile(&sorted, 0.99)),
        );
    }
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing to run.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    selfheal::tls::ensure_crypto_provider();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let service = start();
    runtime.block_on(async {
        let client = reqwest::Client::new();
        // Warm every tenant's cache (its own scope: each must validate once).
        for key in &service.keys {
            for (path, body) in [("/v1/check", check_body()), ("/v1/heal", heal_body("warm"))] {
                once(&client, &service.base, path, key, &body)
                    .await
                    .expect("warm-up request failed");
            }
        }
        println!("| workload | clients | req/s | p50 | p99 | requests | failed | phase |");
        println!("|---|---|---|---|---|---|---|---|");
        for (label, workload) in [
            ("cached check", Workload::CachedCheck),
            ("warm heal", Workload::WarmHeal),
            ("heal (sandboxes)", Workload::Heal),
        ] {
            for clients in [1, 8, 64] {
                let m = phase(&service, workload, clients, |i| i % TENANTS).await;
                summarize(label, clients, &m);
            }
        }
        flood(&service, "cached checks", Workload::CachedCheck).await;
        flood(
            &service,
            "fresh checks (one sandbox each)",
            Workload::FreshCheck,
        )
        .await;
    });
    drop(service);
}
