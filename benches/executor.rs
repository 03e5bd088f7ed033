//! Remote validation on NATS JetStream against the in-process executor (docs/scale.md).
//!
//! Starts `nats-server -js` on a free loopback port with a temp store, and `selfheal worker`
//! processes (`--concurrency 1` each, so N workers are N job slots). For two job kinds, a
//! cheap one (a Python check: the queue's cost is most visible) and a realistic one (a Rust
//! check: a compile), it measures:
//!
//! - `executor_latency_<kind>`: one job at a time, in process and through the queue with one
//!   worker. The difference of the two is the queue's overhead per job.
//! - `executor_throughput_<kind>`: a batch of jobs (all in flight at once), in process with at
//!   most N validations at a time and on N workers, N = 1, 2, 3: jobs per second.
//!
//! Every job is unique (a counter in the program), so neither the shared result cache nor the
//! duplicate window answers one. Without `nats-server` on PATH the remote half is skipped
//! with a message and the in-process baseline still runs. Bounded: flat sampling, 10 samples.
//! Run: `cargo bench --bench executor`.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, SamplingMode,
    Throughput,
};
use futures_util::{stream, StreamExt};
use selfheal::executor::topology::WORKERS_BUCKET;
use selfheal::executor::{NatsExecutor, RemoteOptions};
use selfheal::heal::Checker;
use selfheal::validate::{Expect, Validator, ValidatorConfig};
use selfheal::{Program, TargetLanguage};

const RUST_SOURCE: &str = "use std::collections::HashMap;\n\npub fn word_counts(text: &str) -> HashMap<&str, usize> {\n    let mut counts = HashMap::new();\n    for word in text.split_whitespace() {\n        *counts.entry(word).or_insert(0) += 1;\n    }\n    counts\n}\n";

/// Makes every job's program (and so its cache key) unique.
static NONCE: AtomicU64 = AtomicU64::new(0);

#[derive(Clone, Copy)]
enum Kind {
    PythonCheck,
    RustCheck,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::PythonCheck => "python_check",
            Kind::RustCheck => "rust_check",
        }
    }

    /// Jobs in flight per throughput iteration.
    fn batch(self) -> usize {
        match self {
            Kind::PythonCheck => 12,
            Kind::RustCheck => 6,
        }
    }

    fn program(self) -> Program {
        let n = NONCE.fetch_add(1, Ordering::Relaxed);
        let (language, file, text) = match self {
            Kind::PythonCheck => (
                TargetLanguage::Python,
                "main.py",
                format!("def total(items):\n    return sum(items) + {n}\n"),
            ),
            Kind::RustCheck => (
                TargetLanguage::Rust,
                "lib.rs",
                format!("{RUST_SOURCE}\npub const NONCE: u64 = {n};\n"),
            ),
        };
        Program::new(language, [(file.to_string(), text)]).expect("program")
    }
}

/// A `nats-server` with JetStream on a free loopback port, storing in a temp dir.
struct Server {
    port: u16,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Server {
    /// `None` (with the reason printed) when `nats-server` cannot be started.
    fn start() -> Option<Server> {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let spawned = Command::new("nats-server")
            .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
            .arg(dir.path().join("jetstream"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(e) => {
                eprintln!(
                    "executor bench: nats-server cannot be started ({e}); skipping the NATS \
                     half (install it: apt-get install nats-server, or scripts/test.sh)"
                );
                return None;
            }
        };
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(Server {
                    port,
                    child,
                    _dir: dir,
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        eprintln!("executor bench: nats-server did not listen on {port}; skipping the NATS half");
        None
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// CPU time (user + system) a process has used so far, in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // After the command name (in parentheses, it may hold spaces) come the fields from the
    // state (field 3) on: utime is field 14, stime 15.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    let ticks = |field: usize| fields.get(field - 3).and_then(|f| f.parse::<f64>().ok());
    // SAFETY: sysconf has no preconditions.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    match (ticks(14), ticks(15)) {
        (Some(user), Some(system)) if per_second > 0.0 => (user + system) / per_second,
        _ => 0.0,
    }
}

/// The server's CPU time and the number of jobs made, at some moment.
struct Mark {
    cpu: f64,
    jobs: u64,
    at: std::time::Instant,
}

impl Mark {
    fn now(server: u32) -> Mark {
        Mark {
            cpu: cpu_seconds(server),
            jobs: NONCE.load(Ordering::Relaxed),
            at: std::time::Instant::now(),
        }
    }

    /// Prints the server's CPU time since this mark, per second and per job.
    fn report(&self, server: u32, what: &str) {
        let now = Mark::now(server);
        let (cpu, jobs) = (now.cpu - self.cpu, now.jobs - self.jobs);
        let seconds = now.at.duration_since(self.at).as_secs_f64();
        let per_job = if jobs == 0 {
            0.0
        } else {
            cpu * 1000.0 / jobs as f64
        };
        println!(
            "executor bench: {what}: nats-server used {:.0} ms CPU in {seconds:.1} s ({:.1}% of \
             a core) for {jobs} jobs: {per_job:.2} ms CPU per job",
            cpu * 1000.0,
            100.0 * cpu / seconds.max(1e-9),
        );
    }
}

/// `selfheal worker --concurrency 1` processes.
struct Fleet {
    url: String,
    workers: Vec<(Child, tempfile::TempDir)>,
}

impl Fleet {
    /// Exactly `n` workers, each with a heartbeat in the bucket.
    async fn resize(&mut self, n: usize, js: &async_nats::jetstream::Context) {
        while self.workers.len() > n {
            let (mut child, _data) = self.workers.pop().expect("a worker");
            // SAFETY: kill(2) on our own child; SIGTERM makes it drain and drop its heartbeat.
            unsafe {
                libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
            }
            let _ = child.wait();
        }
        while self.workers.len() < n {
            let data = tempfile::tempdir().expect("temp dir");
            let child = Command::new(env!("CARGO_BIN_EXE_selfheal"))
                .args(["worker", "--nats", &self.url, "--concurrency", "1"])
                .env("SELFHEAL_DATA_DIR", data.path())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start selfheal worker");
            self.workers.push((child, data));
        }
        for _ in 0..600 {
            if live_workers(js).await == n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{n} workers never all sent a heartbeat");
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        for (child, _) in &mut self.workers {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

async fn live_workers(js: &async_nats::jetstream::Context) -> usize {
    let Ok(bucket) = js.get_key_value(WORKERS_BUCKET).await else {
        return 0;
    };
    match bucket.keys().await {
        Ok(keys) => keys.count().await,
        Err(_) => 0,
    }
}

/// Runs `jobs` unique jobs of `kind`, at most `parallel` at a time, and checks each passed.
async fn run(checker: &dyn Checker, kind: Kind, jobs: usize, parallel: usize) {
    let programs: Vec<Program> = (0..jobs).map(|_| kind.program()).collect();
    stream::iter(programs)
        .map(|program| async move {
            let result = checker
                .check(&program, Expect::Check)
                .await
                .unwrap_or_else(|e| panic!("{}: {}", kind.name(), e.0));
            assert!(result.passed, "{}: {:?}", kind.name(), result.errors);
        })
        .buffer_unordered(parallel)
        .collect::<Vec<()>>()
        .await;
}

fn bounded<M: criterion::measurement::Measurement>(group: &mut BenchmarkGroup<'_, M>) {
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let validator = Arc::new(Validator::new(ValidatorConfig::default()).expect("validator"));
    let local: Arc<dyn Checker> =
        Arc::new(Validator::new(ValidatorConfig::default()).expect("validator"));
    let server = Server::start();
    let mut remote = server.as_ref().map(|server| {
        runtime.block_on(async {
            let executor = NatsExecutor::connect(
                &server.url(),
                Arc::clone(&validator),
                RemoteOptions::default(),
            )
            .await
            .expect("connect to nats-server");
            let js = async_nats::jetstream::new(
                async_nats::connect(server.url()).await.expect("connect"),
            );
            let fleet = Fleet {
                url: server.url(),
                workers: Vec::new(),
            };
            (Arc::new(executor) as Arc<dyn Checker>, js, fleet)
        })
    });

    let server_pid = server.as_ref().map(|s| s.child.id());
    for kind in [Kind::PythonCheck, Kind::RustCheck] {
        let mut group = c.benchmark_group(format!("executor_latency_{}", kind.name()));
        bounded(&mut group);
        group.bench_function("in_process", |b| {
            b.to_async(&runtime)
                .iter(|| run(local.as_ref(), kind, 1, 1))
        });
        if let (Some((executor, js, fleet)), Some(pid)) = (&mut remote, server_pid) {
            runtime.block_on(fleet.resize(1, js));
            let mark = Mark::now(pid);
            group.bench_function("nats_1_worker", |b| {
                b.to_async(&runtime)
                    .iter(|| run(executor.as_ref(), kind, 1, 1))
            });
            mark.report(pid, &format!("{} one at a time", kind.name()));
        }
        group.finish();

        let mut group = c.benchmark_group(format!("executor_throughput_{}", kind.name()));
        bounded(&mut group);
        group.throughput(Throughput::Elements(kind.batch() as u64));
        for n in 1..=3 {
            group.bench_with_input(BenchmarkId::new("in_process", n), &n, |b, &n| {
                b.to_async(&runtime)
                    .iter(|| run(local.as_ref(), kind, kind.batch(), n))
            });
            if let (Some((executor, js, fleet)), Some(pid)) = (&mut remote, server_pid) {
                runtime.block_on(fleet.resize(n, js));
                let mark = Mark::now(pid);
                group.bench_with_input(BenchmarkId::new("nats_workers", n), &n, |b, _| {
                    b.to_async(&runtime)
                        .iter(|| run(executor.as_ref(), kind, kind.batch(), kind.batch()))
                });
                mark.report(pid, &format!("{} on {n} workers", kind.name()));
            }
        }
        group.finish();
    }
    // What idle workers cost the server: each looks at the queue every 20 ms.
    if let (Some((_, js, fleet)), Some(pid)) = (&mut remote, server_pid) {
        runtime.block_on(fleet.resize(3, js));
        let mark = Mark::now(pid);
        std::thread::sleep(Duration::from_secs(5));
        mark.report(pid, "3 idle workers");
    }
    // Workers first (they drain against a live server), then the server.
    drop(remote);
    drop(server);
}

criterion_group!(benches, bench);
criterion_main!(benches);
