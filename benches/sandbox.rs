//! Cost of the sandbox over a bare spawn: `/bin/true` through `Sandbox::run` (fresh user,
//! mount, PID, network, IPC, UTS and cgroup namespaces, new root, seccomp, rlimits) versus
//! `std::process::Command::new("/bin/true")`.
//!
//! Also: the same with the work directory on its own tmpfs (the default workspace), and making
//! plus removing a workspace (once per validation).
//!
//! Run: `cargo bench --bench sandbox`. Target: at most +2 ms at the median.

use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use selfheal::sandbox::{Limits, Mount, Sandbox, SandboxCommand};

fn bench(c: &mut Criterion) {
    let sandbox = match Sandbox::new() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("skipping the sandbox benchmark: {e}");
            return;
        }
    };
    let work = tempfile::tempdir().expect("a temporary work directory");
    if let Some((uid, gid)) = sandbox.work_dir_owner() {
        std::os::unix::fs::chown(work.path(), Some(uid), Some(gid)).expect("chown the work dir");
    }
    let mounts = ["/usr", "/lib", "/lib64", "/bin"]
        .iter()
        .filter(|p| std::path::Path::new(p).exists())
        .map(|p| Mount::ReadOnly {
            source: PathBuf::from(p),
            target: PathBuf::from(p),
        })
        .collect();
    let cmd = SandboxCommand {
        argv: vec!["/bin/true".into()],
        env: vec![("PATH".into(), "/usr/bin:/bin".into())],
        mounts,
        work_dir: work.path().to_path_buf(),
        cwd: String::new(),
        stdin: Vec::new(),
        limits: Limits::default(),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");

    let mut group = c.benchmark_group("spawn_true");
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("bare_std_command", |b| {
        b.iter(|| {
            let status = std::process::Command::new("/bin/true")
                .status()
                .expect("spawn /bin/true");
            assert!(status.success());
        })
    });
    group.bench_function("sandboxed", |b| {
        b.to_async(&rt).iter(|| async {
            let out = sandbox.run(&cmd).await.expect("sandboxed /bin/true");
            assert_eq!(out.exit_code, Some(0));
        })
    });
    // The same command with the work directory on its own capped tmpfs (the default
    // workspace), cloned into the sandbox from the host's descriptor.
    let program = selfheal::Program::new(
        selfheal::TargetLanguage::Python,
        [("main.py".to_string(), "print(1)\n".to_string())],
    )
    .expect("a program");
    let ws = selfheal::workspace::Workspace::create(None, &program, sandbox.work_dir_owner())
        .expect("a workspace");
    if ws.capped() {
        let mut on_tmpfs = cmd.clone();
        on_tmpfs.work_dir = ws.host_path().to_path_buf();
        group.bench_function("sandboxed_tmpfs_work_dir", |b| {
            b.to_async(&rt).iter(|| async {
                let out = sandbox.run(&on_tmpfs).await.expect("sandboxed /bin/true");
                assert_eq!(out.exit_code, Some(0));
            })
        });
    }
    // Once per validation, not per command: making and removing the work directory.
    group.bench_function("workspace_create_remove", |b| {
        b.iter(|| {
            selfheal::workspace::Workspace::create(None, &program, sandbox.work_dir_owner())
                .expect("a workspace")
                .remove()
                .expect("removed")
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
