//! Remote validation on NATS JetStream (docs/scale.md): a real `nats-server -js` on loopback
//! with file storage, and workers that are child processes of the built binary.
//!
//! Requires `nats-server` on PATH (scripts/test.sh installs it).

mod common;
#[path = "serve_support/mod.rs"]
mod serve_support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream;
use selfheal::corpus::HealCase;
use selfheal::eval::{CaseResult, EvalOptions};
use selfheal::executor::topology::{
    self, DEAD_STREAM, JOBS_STREAM, RESULTS_BUCKET, WORKERS_BUCKET,
};
use selfheal::executor::{ExecutorError, NatsExecutor, RemoteOptions, Topology, WorkerStatus};
use selfheal::heal::{HealConfig, Healer};
use selfheal::validate::{Expect, Validator, ValidatorConfig};
use selfheal::{SelfHealingGenerator, TargetLanguage};

/// A `nats-server` with JetStream on a free loopback port, storing in a temp dir.
struct Server {
    port: u16,
    store: PathBuf,
    child: Child,
    _dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn spawn_server(port: u16, store: &Path) -> Child {
    let mut child = Command::new("nats-server")
        .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
        .arg(store)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot start nats-server ({e}): install it (scripts/test.sh does: apt-get install nats-server)")
        });
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return child;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("nats-server did not listen on {port}");
}

impl Server {
    fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("jetstream");
        let port = free_port();
        let child = spawn_server(port, &store);
        Server {
            port,
            store,
            child,
            _dir: dir,
        }
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Kills the server (SIGKILL: no clean shutdown, nothing flushed on the way out) and
    /// starts it again on the same store.
    fn crash_and_restart(&mut self) {
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGKILL);
        }
        let _ = self.child.wait();
        self.child = spawn_server(self.port, &self.store);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn terminate(child: &mut Child) -> std::process::ExitStatus {
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    child.wait().unwrap()
}

/// A `selfheal worker` child process.
struct WorkerProcess {
    child: Child,
    _data: tempfile::TempDir,
}

impl WorkerProcess {
    fn start(url: &str, extra: &[&str]) -> WorkerProcess {
        let data = tempfile::tempdir().unwrap();
        let log = std::fs::File::create(data.path().join("worker.log")).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_selfheal"))
            .args(["worker", "--nats", url, "--concurrency", "2"])
            .args(extra)
            .env("SELFHEAL_DATA_DIR", data.path())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start selfheal worker");
        WorkerProcess { child, _data: data }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM: the worker drains and exits 0.
    fn stop(mut self) {
        let status = terminate(&mut self.child);
        assert_eq!(status.code(), Some(0), "worker did not drain cleanly");
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn validator() -> Arc<Validator> {
    Arc::new(Validator::new(ValidatorConfig::default()).expect("validator"))
}

async fn executor(url: &str, options: RemoteOptions) -> NatsExecutor {
    NatsExecutor::connect(url, validator(), options)
        .await
        .expect("connect")
}

async fn js(url: &str) -> jetstream::Context {
    jetstream::new(async_nats::connect(url).await.unwrap())
}

/// Every live worker's heartbeat, keyed by pid.
/// The workers' heartbeats, or none when the listing does not end within 5 s: listing a
/// bucket's keys waits forever when an entry ages out (the bucket's `max_age`) between the
/// listing's start and its delivery, as a killed worker's heartbeat does. Callers poll again.
async fn heartbeats(js: &jetstream::Context) -> Vec<WorkerStatus> {
    tokio::time::timeout(Duration::from_secs(5), list_heartbeats(js))
        .await
        .unwrap_or_default()
}

async fn list_heartbeats(js: &jetstream::Context) -> Vec<WorkerStatus> {
    use futures_util::StreamExt;
    let Ok(bucket) = js.get_key_value(WORKERS_BUCKET).await else {
        return Vec::new();
    };
    let mut keys = bucket.keys().await.unwrap();
    let mut out = Vec::new();
    while let Some(key) = keys.next().await {
        if let Ok(Some(value)) = bucket.get(key.unwrap()).await {
            out.push(serde_json::from_slice(&value).unwrap());
        }
    }
    out
}

/// Every key in the shared result cache.
async fn stored_results(js: &jetstream::Context) -> Vec<String> {
    use futures_util::StreamExt;
    let bucket = js.get_key_value(RESULTS_BUCKET).await.unwrap();
    let mut keys: Vec<String> = bucket
        .keys()
        .await
        .unwrap()
        .map(|k| k.unwrap())
        .collect()
        .await;
    keys.sort();
    keys
}

/// Waits (bounded) until `n` workers have sent a heartbeat.
async fn wait_for_workers(js: &jetstream::Context, pids: &[u32]) -> Vec<WorkerStatus> {
    for _ in 0..600 {
        let beats = heartbeats(js).await;
        if pids.iter().all(|pid| beats.iter().any(|b| b.pid == *pid)) {
            return beats;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("workers {pids:?} never sent a heartbeat");
}

const TEST_MAIN: &str = "from main import *\n\nassert total([1, 2, 3]) == 6\n";

fn case(id: &str, main: &str) -> HealCase {
    case_with_test(id, main, TEST_MAIN)
}

fn case_with_test(id: &str, main: &str, test: &str) -> HealCase {
    serde_json::from_value(serde_json::json!({
        "id": id,
        "language": "python",
        "files": {
            "main.py": main,
            "test_main.py": test,
        },
        "protected": ["test_main.py"],
        "expect": "test",
    }))
    .unwrap()
}

fn corpus() -> Vec<HealCase> {
    vec![
        case("passing", "def total(items):\n    return sum(items)\n"),
        case(
            "healable",
            "def total(items):\n    result = 0\n    for item in items:\n        result += item\n    return reslt\n",
        ),
        case(
            "syntax",
            "def total(items)\n    return sum(items)\n",
        ),
        // No program passes a test that wants two answers to one question.
        case_with_test(
            "unhealable",
            "def total(items):\n    result = 0\n    for item in items:\n        result = item\n    return result\n",
            &format!("{TEST_MAIN}assert total([1, 2, 3]) == 7\n"),
        ),
    ]
}

fn healer(builder: selfheal::api::SelfHealingGeneratorBuilder) -> Arc<Healer> {
    let config = HealConfig {
        jobs: 2,
        ..HealConfig::default()
    };
    Arc::new(
        builder
            .heal_config(config)
            .in_memory()
            .build_healer()
            .unwrap(),
    )
}

async fn eval(healer: Arc<Healer>) -> Vec<CaseResult> {
    let options = EvalOptions {
        jobs: 2,
        keep_code: true,
    };
    selfheal::eval::run(corpus(), healer, &options, |_| {}).await
}

/// What must be equal between two evals: everything but the timings.
fn verdicts(results: &[CaseResult]) -> Vec<serde_json::Value> {
    results
        .iter()
        .map(|r| {
            assert_eq!(r.error, None, "case {} failed to run", r.id);
            serde_json::json!({
                "id": r.id,
                "healed": r.healed,
                "initially_passing": r.initially_passing,
                "attempts": r.attempts,
                "rounds": r.rounds,
                "validations": r.validations,
                "initial_error_categories": r.initial_error_categories,
                "strategies_kept": r.strategies_kept,
                "final_errors": r.final_errors,
                "files": r.files,
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_eval_on_three_workers_equals_a_local_eval_and_survives_a_server_crash_in_the_shared_cache(
) {
    let mut server = Server::start();
    let url = server.url();
    let workers: Vec<WorkerProcess> = (0..3).map(|_| WorkerProcess::start(&url, &[])).collect();
    let js = js(&url).await;
    wait_for_workers(&js, &workers.iter().map(|w| w.pid()).collect::<Vec<_>>()).await;

    let local = eval(healer(
        SelfHealingGenerator::builder()
            .validator(Validator::new(ValidatorConfig::default()).unwrap()),
    ))
    .await;
    let remote_executor = Arc::new(executor(&url, RemoteOptions::default()).await);
    let remote = eval(healer(
        SelfHealingGenerator::builder().checker(Arc::clone(&remote_executor) as _),
    ))
    .await;
    assert_eq!(verdicts(&remote), verdicts(&local));
    assert!(remote.iter().any(|r| r.healed && !r.initially_passing));
    assert!(remote.iter().any(|r| !r.healed));

    // Every job the server accepted ran exactly once, on one of the workers.
    let stats = remote_executor.stats();
    assert!(stats.submitted > 0, "{stats:?}");
    assert_eq!(stats.dead_lettered, 0);
    // Heartbeats lag by up to one beat: wait (bounded) for the counters to settle.
    let answered = |beats: &[WorkerStatus]| {
        beats
            .iter()
            .map(|b| b.executed + b.already_stored)
            .sum::<u64>()
    };
    let mut beats = Vec::new();
    for _ in 0..50 {
        beats = heartbeats(&js).await;
        if answered(&beats) == stats.submitted - stats.deduplicated {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        answered(&beats),
        stats.submitted - stats.deduplicated,
        "{beats:?} {stats:?}"
    );
    assert_eq!(
        beats.iter().map(|b| b.mismatched + b.failed).sum::<u64>(),
        0
    );

    // Every result the submitter was answered with was acknowledged after it was stored.
    // The server is killed (SIGKILL) with the workers still connected, and restarts on its
    // file storage: not one stored result is lost.
    let before = stored_results(&js).await;
    assert!(!before.is_empty());
    drop(js);
    server.crash_and_restart();
    let js = self::js(&url).await;
    assert_eq!(
        stored_results(&js).await,
        before,
        "stored results lost in the crash"
    );
    // The old workers reconnected on their own; they drain on SIGTERM and exit 0.
    for worker in workers {
        worker.stop();
    }
    drop(js);

    // Fresh workers, a fresh submitter: every validation is answered from the shared cache.
    let fresh: Vec<WorkerProcess> = (0..3).map(|_| WorkerProcess::start(&url, &[])).collect();
    let js = self::js(&url).await;
    wait_for_workers(&js, &fresh.iter().map(|w| w.pid()).collect::<Vec<_>>()).await;
    let again_executor = Arc::new(executor(&url, RemoteOptions::default()).await);
    let again = eval(healer(
        SelfHealingGenerator::builder().checker(Arc::clone(&again_executor) as _),
    ))
    .await;
    assert_eq!(verdicts(&again), verdicts(&local));
    let stats = again_executor.stats();
    assert_eq!(stats.submitted, 0, "{stats:?}");
    assert!(stats.cache_hits > 0);
    let beats = heartbeats(&js).await;
    assert_eq!(
        beats.iter().map(|b| b.executed).sum::<u64>(),
        0,
        "{beats:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_worker_killed_mid_job_loses_no_job() {
    let server = Server::start();
    let url = server.url();
    let js = js(&url).await;
    let first = WorkerProcess::start(&url, &["--ack-wait", "2"]);
    wait_for_workers(&js, &[first.pid()]).await;

    let program = common::program(
        TargetLanguage::Python,
        &[
            ("main.py", "def one():\n    return 1\n"),
            (
                "test_main.py",
                "import time\nfrom main import one\n\ntime.sleep(4)\nassert one() == 1\n",
            ),
        ],
    );
    let executor = Arc::new(executor(&url, RemoteOptions::default()).await);
    let running = {
        let executor = Arc::clone(&executor);
        tokio::spawn(async move { executor.validate(&program, Expect::Test).await })
    };
    // Mid-job: the worker reports it running.
    let mut seen = false;
    for _ in 0..600 {
        let beats = heartbeats(&js).await;
        if beats
            .iter()
            .any(|b| b.pid == first.pid() && b.in_flight == 1)
        {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(seen, "the worker never ran the job");
    unsafe {
        libc::kill(first.pid() as i32, libc::SIGKILL);
    }
    drop(first);

    let second = WorkerProcess::start(&url, &["--ack-wait", "2"]);
    let result = tokio::time::timeout(Duration::from_secs(120), running)
        .await
        .expect("the job was lost")
        .unwrap()
        .expect("the job failed");
    assert!(result.passed, "{:?}", result.errors);
    let beats = wait_for_workers(&js, &[second.pid()]).await;
    let second_beat = beats.iter().find(|b| b.pid == second.pid()).unwrap();
    // Its heartbeat may predate the job's end; the counters are exact once it stops.
    let _ = second_beat;
    let stats = executor.stats();
    assert_eq!((stats.submitted, stats.completed), (1, 1));
    second.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_poison_job_lands_in_the_dead_letter_subject_with_its_reason() {
    let server = Server::start();
    let url = server.url();
    let js = js(&url).await;
    let workers: Vec<WorkerProcess> = (0..2)
        .map(|_| WorkerProcess::start(&url, &["--max-deliver", "3"]))
        .collect();
    wait_for_workers(&js, &workers.iter().map(|w| w.pid()).collect::<Vec<_>>()).await;
    let executor = executor(&url, RemoteOptions::default()).await;

    // A job planned with a toolchain no worker has: refused (requeued) on every delivery,
    // never answered, then dead-lettered.
    let program = common::program(TargetLanguage::Python, &[("main.py", "print(1)\n")]);
    let mut job = executor.job(&program, Expect::Check).await.unwrap();
    job.fingerprint = "a-toolchain-no-worker-has".into();
    let err = executor.run_job(&job).await.unwrap_err();
    let ExecutorError::DeadLettered { key, reason } = &err else {
        panic!("expected a dead letter, got {err}");
    };
    assert_eq!(key, &job.result_key().unwrap().hex());
    assert!(
        reason.contains("toolchain fingerprint mismatch"),
        "{reason}"
    );
    assert!(reason.contains("delivery 3 of 3"), "{reason}");

    let dead = js.get_stream(DEAD_STREAM).await.unwrap();
    let letter = dead
        .get_last_raw_message_by_subject(&topology::dead_subject(job.queue_token()))
        .await
        .unwrap();
    let headers = letter.headers;
    assert_eq!(
        headers.get(topology::KEY_HEADER).map(|v| v.as_str()),
        Some(key.as_str())
    );
    assert!(headers
        .get(topology::REASON_HEADER)
        .unwrap()
        .as_str()
        .contains("toolchain fingerprint mismatch"));
    assert_eq!(
        selfheal::executor::Job::decode(&letter.payload).unwrap(),
        job,
        "the dead letter carries the job"
    );

    // Bytes that are no job at all: dead-lettered on the first delivery.
    js.publish(topology::job_subject("garbage"), "not a job".into())
        .await
        .unwrap()
        .await
        .unwrap();
    let mut found = None;
    for _ in 0..200 {
        if let Ok(m) = dead
            .get_last_raw_message_by_subject(&topology::dead_subject("_unreadable"))
            .await
        {
            found = Some(m);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let letter = found.expect("the unreadable job was not dead-lettered");
    assert_eq!(&letter.payload[..], b"not a job");
    let reason = letter
        .headers
        .get(topology::REASON_HEADER)
        .unwrap()
        .as_str()
        .to_string();
    assert!(reason.contains("the job does not decode"), "{reason}");
    assert_eq!(
        letter
            .headers
            .get(topology::DELIVERIES_HEADER)
            .map(|v| v.as_str()),
        Some("1")
    );
    // Heartbeats lag by up to one beat: wait for the counters to settle.
    let mut beats = Vec::new();
    for _ in 0..100 {
        beats = heartbeats(&js).await;
        if beats.iter().map(|b| b.dead_lettered).sum::<u64>() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Three deliveries of the mismatched job, none answered; two dead letters.
    assert_eq!(
        beats.iter().map(|b| b.mismatched).sum::<u64>(),
        3,
        "{beats:?}"
    );
    assert_eq!(
        beats.iter().map(|b| b.dead_lettered).sum::<u64>(),
        2,
        "{beats:?}"
    );
    assert_eq!(
        beats.iter().map(|b| b.executed).sum::<u64>(),
        0,
        "{beats:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn identical_jobs_in_flight_queue_once_and_a_full_tenant_queue_is_refused_like_a_quota() {
    // No workers: jobs stay pending.
    let server = Server::start();
    let url = server.url();
    let options = RemoteOptions {
        topology: Topology {
            pending_per_tenant: 2,
            ..Topology::default()
        },
        ..RemoteOptions::default()
    };
    let executor = Arc::new(executor(&url, options).await);
    let tenant = selfheal::tenant::TenantId::new("acme").unwrap();
    let scope = selfheal::cache::CacheScope::Tenant("acme".into());
    let acme = Arc::new(executor.for_tenant(tenant, Some(scope)));
    let programs: Vec<_> = (0..3)
        .map(|i| {
            common::program(
                TargetLanguage::Python,
                &[("main.py", &format!("print({i})\n"))],
            )
        })
        .collect();
    let mut waiting = Vec::new();
    // The same job twice, then another: two messages.
    for program in [&programs[0], &programs[0], &programs[1]] {
        let acme = Arc::clone(&acme);
        let program = program.clone();
        waiting.push(tokio::spawn(async move {
            acme.validate(&program, Expect::Check).await
        }));
    }
    let js = js(&url).await;
    let mut stream = js.get_stream(JOBS_STREAM).await.unwrap();
    for _ in 0..200 {
        if executor.stats().submitted == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(executor.stats().submitted, 3);
    assert_eq!(executor.stats().deduplicated, 1);
    assert_eq!(stream.info().await.unwrap().state.messages, 2);

    // The third distinct job: over the tenant's bound.
    let err = acme
        .validate(&programs[2], Expect::Check)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ExecutorError::QueueFull { ref tenant, limit: 2, .. } if tenant == "acme"),
        "{err}"
    );
    assert_eq!(err.refusal(), Some(selfheal::tenant::Refusal::Quota));
    // Another tenant is not held back by acme's queue.
    let other = executor.for_tenant(selfheal::tenant::TenantId::new("beta").unwrap(), None);
    let job = other.job(&programs[2], Expect::Check).await.unwrap();
    let beta = tokio::spawn(async move { other.run_job(&job).await });
    for _ in 0..200 {
        if executor.stats().submitted == 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(executor.stats().submitted, 4);
    beta.abort();
    for task in waiting {
        task.abort();
    }
}

/// `selfheal ARGS` with a fresh data dir: its exit code and its JSON report.
fn selfheal_json(args: &[&str]) -> (Option<i32>, serde_json::Value) {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_selfheal"))
        .args(args)
        .args(["--format", "json", "--data-dir", data_dir])
        .env("SELFHEAL_DATA_DIR", data_dir)
        .output()
        .expect("run selfheal");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("selfheal {args:?}: no JSON report ({e}); stderr: {stderr}"));
    (output.status.code(), report)
}

/// The fields of a report that must not depend on where validations ran (no timings).
fn verdict(report: &serde_json::Value, fields: &[&str]) -> serde_json::Value {
    fields
        .iter()
        .map(|f| (f.to_string(), report[*f].clone()))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn check_heal_and_eval_with_a_nats_executor_give_the_local_verdicts() {
    let server = Server::start();
    let url = server.url();
    let worker = WorkerProcess::start(&url, &[]);
    let js = js(&url).await;
    wait_for_workers(&js, &[worker.pid()]).await;

    let check_fields = ["passed", "errors", "localization"];
    let heal_fields = [
        "healed",
        "initially_passing",
        "stop_reason",
        "rounds",
        "validations",
        "final_program",
        "final_errors",
        "diff",
        "strategies_kept",
        "initial_errors",
    ];
    let remote = ["--executor", url.as_str()];
    let mut healed = 0;
    for case in corpus() {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in &case.files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let path = dir.path().to_str().unwrap();
        for (command, fields) in [("check", &check_fields[..]), ("heal", &heal_fields[..])] {
            let args = [command, path, "--no-cache", "--jobs", "1"];
            let args = if command == "check" {
                &args[..3]
            } else {
                &args[..]
            };
            let (local_code, local) = selfheal_json(args);
            let (remote_code, report) = selfheal_json(&[args, &remote[..]].concat());
            assert_eq!(remote_code, local_code, "{command} {}", case.id);
            assert_eq!(
                verdict(&report, fields),
                verdict(&local, fields),
                "{command} {}",
                case.id
            );
            healed += usize::from(command == "heal" && report["healed"] == true);
        }
    }
    // The corpus has passing, healable and unhealable cases: the verdicts were not all alike.
    assert!(healed >= 2 && healed < corpus().len(), "{healed} healed");

    // `eval --executor`: the results file equals the local one, case by case.
    let dir = tempfile::tempdir().unwrap();
    let corpus_path = dir.path().join("corpus.jsonl");
    let lines: Vec<String> = corpus()
        .iter()
        .map(|c| serde_json::to_string(c).unwrap())
        .collect();
    std::fs::write(&corpus_path, lines.join("\n")).unwrap();
    let eval_results = |out: &str, extra: &[&str]| {
        let out = dir.path().join(out);
        let args = [
            "eval",
            corpus_path.to_str().unwrap(),
            "--keep-code",
            "--no-cache",
        ];
        let (code, _) =
            selfheal_json(&[&args[..], &["--out", out.to_str().unwrap()], extra].concat());
        assert_eq!(code, Some(0));
        let text = std::fs::read_to_string(out).unwrap();
        let mut results: Vec<CaseResult> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        results.sort_by(|a, b| a.id.cmp(&b.id));
        assert_eq!(results.len(), corpus().len());
        verdicts(&results)
    };
    assert_eq!(
        eval_results("remote.jsonl", &remote),
        eval_results("local.jsonl", &[])
    );

    // The validations ran on the worker, not in the commands.
    let executed = executed_after(&js, 0).await;
    assert!(executed > 0, "the worker ran no job");

    // `generate --executor`: the template generator's program, healed on the worker, is the
    // local one.
    let spec =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/specs/python_needs_math.toml");
    let generate = ["generate", spec.to_str().unwrap(), "--no-cache"];
    let (local_code, local) = selfheal_json(&generate);
    let (remote_code, report) = selfheal_json(&[&generate[..], &remote[..]].concat());
    assert_eq!(remote_code, local_code);
    assert_eq!(report["passed"], true, "{report}");
    assert_eq!(
        verdict(&report, &["passed", "program"]),
        verdict(&local, &["passed", "program"])
    );
    assert!(
        executed_after(&js, executed).await > executed,
        "generate --executor ran nothing on the worker"
    );
    worker.stop();
}

/// The jobs the workers executed, once more than `before` (bounded wait: heartbeats lag).
async fn executed_after(js: &jetstream::Context, before: u64) -> u64 {
    let mut executed = 0;
    for _ in 0..50 {
        executed = heartbeats(js).await.iter().map(|b| b.executed).sum::<u64>();
        if executed > before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    executed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_tenant_without_cache_is_answered_when_it_sends_a_job_it_sent_before() {
    let server = Server::start();
    let url = server.url();
    let js = js(&url).await;
    let worker = WorkerProcess::start(&url, &[]);
    wait_for_workers(&js, &[worker.pid()]).await;
    // A short wait: before the fix, the second job was dropped as a duplicate of the first
    // (same message id within the duplicate window) and nobody ever answered it.
    let options = RemoteOptions {
        wait: Duration::from_secs(60),
        ..RemoteOptions::default()
    };
    let executor = executor(&url, options).await;
    let tenant = selfheal::tenant::TenantId::new("nocache").unwrap();
    let nocache = executor.for_tenant(tenant, None);
    let program = common::program(TargetLanguage::Python, &[("main.py", "print(1)\n")]);
    for round in 0..2 {
        let result = nocache
            .validate(&program, Expect::Check)
            .await
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        assert!(result.passed, "{:?}", result.errors);
        assert!(
            !result.cached,
            "round {round}: a tenant without cache was answered from one"
        );
    }
    let stats = executor.stats();
    assert_eq!((stats.submitted, stats.completed), (2, 2), "{stats:?}");
    assert_eq!(stats.cache_hits, 0);
    // Nothing of the tenant's went into the shared cache.
    assert!(stored_results(&js).await.is_empty());
    worker.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn serve_with_a_nats_executor_answers_checks_through_the_workers() {
    let server = Server::start();
    let url = server.url();
    let js = js(&url).await;
    let worker = WorkerProcess::start(&url, &[]);
    wait_for_workers(&js, &[worker.pid()]).await;

    // `fleet` validates on the workers (its own `executor`), `home` in the service's own
    // sandboxes (the service's default, local).
    let fleet = serve_support::TestTenant::new("fleet", &format!("executor = \"{url}\""));
    let home = serve_support::TestTenant::new("home", "");
    let data = tempfile::tempdir().unwrap();
    let service =
        serve_support::Server::start(&serve_support::config("", &[&fleet, &home]), data.path());
    let broken = serde_json::json!({
        "language": "python",
        "files": {"main.py": "def add(a, b)\n    return a + b\n"},
        "expect": "check"
    });
    let mut answers = Vec::new();
    for tenant in [&fleet, &home] {
        let mut verdicts = Vec::new();
        for body in [serve_support::python_ok(), broken.clone()] {
            let (status, _, answer) =
                serve_support::post(&service, Some(&tenant.key), "/v1/check", &body).await;
            assert_eq!(status, 200, "{}: {answer}", tenant.id);
            assert_eq!(answer["result"]["cached"], false, "{}: {answer}", tenant.id);
            verdicts.push((
                answer["result"]["passed"].clone(),
                answer["result"]["errors"].clone(),
            ));
        }
        answers.push(verdicts);
    }
    // The same verdicts wherever they ran.
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0][0].0, true);
    assert_eq!(answers[0][1].0, false);

    // Exactly fleet's two checks ran on the worker, and their results are in the shared
    // cache; home's ran in the service.
    let mut executed = 0;
    for _ in 0..50 {
        executed = heartbeats(&js)
            .await
            .iter()
            .map(|b| b.executed)
            .sum::<u64>();
        if executed >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(executed, 2);
    assert_eq!(stored_results(&js).await.len(), 2);

    // Asked again, fleet is answered from the shared cache (its own scope).
    let (status, _, again) = serve_support::post(
        &service,
        Some(&fleet.key),
        "/v1/check",
        &serve_support::python_ok(),
    )
    .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["result"]["passed"], true);
    assert_eq!(again["result"]["cached"], true, "{again}");
    worker.stop();
}
