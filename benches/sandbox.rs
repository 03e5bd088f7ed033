//! Cost of the sandbox over a bare spawn: `/bin/true` through `Sandbox::run` (fresh user,
//! mount, PID, network, IPC, UTS and cgroup namespaces, new root, seccomp, rlimits) versus
//! `std::process::Command::new("/bin/true")`.
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
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
