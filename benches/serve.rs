//! Load benchmark of `selfheal serve` on loopback (bounded in time and count).
//!
//! Starts the built binary with 4 tenants, warms each tenant's cache, then measures:
//! - cached checks (`POST /v1/check`, answered from the tenant's cache) with 1, 8 and 64
//!   concurrent clients spread over the 4 tenants: requests per second, p50 and p99 latency;
//! - heals of a one-error Python program whose validations are all cached (warm heals), the
//!   same way;
//! - fairness: tenant `t0` floods with 61 clients while `t1`–`t3` have one client each; each
//!   tenant's completed requests, share and p50/p99.
//!
//! Each phase runs for `PHASE` (at most `MAX_REQUESTS` requests per client), only to
//! 127.0.0.1, and the service is stopped at the end. Run: `cargo bench --bench serve`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use selfheal::serve::auth::{generate_key, hash_key};

const PHASE: Duration = Duration::from_secs(5);
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
            "[[tenants]]\nid = \"t{i}\"\nkeys = [\"{}\"]\n[tenants.limits]\nmax_queued_jobs = 1000\n\
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

fn heal_body() -> serde_json::Value {
    serde_json::json!({
        "language": "python",
        "files": {"main.py": "def total(items):\n    result = 0\n    for item in items:\n        result += item\n    return reslt\n"},
        "expect": "check"
    })
}

/// One request; its latency, or `None` when it did not succeed.
async fn once(
    client: &reqwest::Client,
    url: &str,
    key: &str,
    body: &serde_json::Value,
) -> Option<Duration> {
    let started = Instant::now();
    let response = client
        .post(url)
        .bearer_auth(key)
        .json(body)
        .send()
        .await
        .ok()?;
    let ok = response.status().as_u16() == 200;
    let job: serde_json::Value = response.json().await.ok()?;
    (ok && job["state"] == "succeeded").then(|| started.elapsed())
}

/// `clients` concurrent loops for PHASE; client `i` uses `tenant_of(i)`. Returns per-tenant
/// latencies and the failures.
async fn phase(
    service: &Service,
    path: &str,
    body: serde_json::Value,
    clients: usize,
    tenant_of: impl Fn(usize) -> usize,
) -> (Vec<Vec<Duration>>, usize) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(128)
        .build()
        .expect("client");
    let url = Arc::new(format!("{}{path}", service.base));
    let body = Arc::new(body);
    let deadline = Instant::now() + PHASE;
    let mut tasks = Vec::new();
    for i in 0..clients {
        let tenant = tenant_of(i);
        let key = service.keys[tenant].clone();
        let (client, url, body) = (client.clone(), url.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut failures = 0;
            while Instant::now() < deadline && latencies.len() + failures < MAX_REQUESTS {
                match once(&client, &url, &key, &body).await {
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
    (per_tenant, failures)
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

fn summarize(label: &str, clients: usize, per_tenant: &[Vec<Duration>], failures: usize) {
    let mut all: Vec<Duration> = per_tenant.iter().flatten().copied().collect();
    all.sort();
    println!(
        "| {label} | {clients} | {:.0} | {} | {} | {} | {failures} |",
        all.len() as f64 / PHASE.as_secs_f64(),
        ms(percentile(&all, 0.5)),
        ms(percentile(&all, 0.99)),
        all.len(),
    );
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
            for (path, body) in [("/v1/check", check_body()), ("/v1/heal", heal_body())] {
                let url = format!("{}{path}", service.base);
                once(&client, &url, key, &body)
                    .await
                    .expect("warm-up request failed");
            }
        }
        println!("| workload | clients | req/s | p50 | p99 | requests | failed |");
        println!("|---|---|---|---|---|---|---|");
        for (label, path, body) in [
            ("cached check", "/v1/check", check_body()),
            ("warm heal", "/v1/heal", heal_body()),
        ] {
            for clients in [1, 8, 64] {
                let (per_tenant, failures) =
                    phase(&service, path, body.clone(), clients, |i| i % TENANTS).await;
                summarize(label, clients, &per_tenant, failures);
            }
        }
        // One tenant floods (61 clients), three have one client each.
        let (per_tenant, failures) = phase(&service, "/v1/check", check_body(), 64, |i| {
            if i < 61 {
                0
            } else {
                i - 60
            }
        })
        .await;
        let total: usize = per_tenant.iter().map(Vec::len).sum();
        println!("\nflood: t0 with 61 clients, t1-t3 with 1 client each, cached checks, {failures} failed");
        println!("| tenant | clients | requests | share | per client req/s | p50 | p99 |");
        println!("|---|---|---|---|---|---|---|");
        for (t, latencies) in per_tenant.iter().enumerate() {
            let mut sorted = latencies.clone();
            sorted.sort();
            let clients = if t == 0 { 61 } else { 1 };
            println!(
                "| t{t} | {clients} | {} | {:.1}% | {:.0} | {} | {} |",
                sorted.len(),
                100.0 * sorted.len() as f64 / total.max(1) as f64,
                sorted.len() as f64 / clients as f64 / PHASE.as_secs_f64(),
                ms(percentile(&sorted, 0.5)),
                ms(percentile(&sorted, 0.99)),
            );
        }
    });
    drop(service);
}
