//! SIGINT and SIGTERM to a running `selfheal` stop its sandboxes, remove its work directories
//! and exit with 128 + the signal number; an embedder dropping a heal future gets the same
//! clean-up.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// A token no other process on the host has in its command line: `sleep <token>`.
fn unique_sleep() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    format!(
        "29.{}{:03}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A Python program whose test (or, for `run`, whose main) sleeps in a child process.
fn sleeping_program(dir: &Path, token: &str) {
    let body = format!("import subprocess\nsubprocess.run(['sleep', '{token}'])\n");
    std::fs::write(
        dir.join("main.py"),
        format!(
            "def add(a, b):\n    return a + b\n\nif __name__ == '__main__':\n    {}\n",
            body.trim_end().replace('\n', "\n    ")
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("test_main.py"),
        format!("from main import add\n{body}assert add(1, 2) == 3\n"),
    )
    .unwrap();
}

fn spawn(args: &[&str], tmp: &Path, data: &Path, uid: Option<u32>) -> Child {
    use std::os::unix::process::CommandExt;
    let mut command = Command::new(env!("CARGO_BIN_EXE_selfheal"));
    if let Some(uid) = uid {
        command
            .uid(uid)
            .gid(uid)
            .env("HOME", "/nonexistent")
            .env("SELFHEAL_CACHE_DIR", data.join("cache"));
    }
    command
        .args(args)
        .env("TMPDIR", tmp)
        .env("SELFHEAL_DATA_DIR", data)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run selfheal")
}

/// Waits until the program's `sleep <token>` runs.
///
/// Where the kernel allows, work directories live on a detached tmpfs and never appear in
/// TMPDIR; elsewhere they are `$TMPDIR/selfheal-*` directories. Either way TMPDIR must be
/// empty once selfheal has exited.
fn wait_until_started(child: &mut Child, token: &str) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while sleepers(token).is_empty() {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output_ref();
            panic!("selfheal ended ({status}) before the program started:\n{out}");
        }
        assert!(Instant::now() < deadline, "the program never started");
        std::thread::sleep(Duration::from_millis(20));
    }
}

trait OutputText {
    fn wait_with_output_ref(&mut self) -> String;
}

impl OutputText for Child {
    fn wait_with_output_ref(&mut self) -> String {
        use std::io::Read;
        let mut text = String::new();
        if let Some(mut s) = self.stdout.take() {
            let _ = s.read_to_string(&mut text);
        }
        if let Some(mut s) = self.stderr.take() {
            let _ = s.read_to_string(&mut text);
        }
        text
    }
}

/// Processes whose command line is `sleep <token>`.
fn sleepers(token: &str) -> Vec<PathBuf> {
    let wanted = format!("sleep\0{token}\0");
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| std::fs::read(p.join("cmdline")).is_ok_and(|c| c.ends_with(wanted.as_bytes())))
        .collect()
}

/// The sandbox cgroups a selfheal process with this pid made (`selfheal-<pid>-<n>`), if the
/// host lets it make any.
fn cgroups_of(pid: u32) -> Vec<PathBuf> {
    let prefix = format!("selfheal-{pid}-");
    let mut found = Vec::new();
    let mut stack = vec![PathBuf::from("/sys/fs/cgroup")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            if !entry.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            if entry.file_name().to_string_lossy().starts_with(&prefix) {
                found.push(entry.path());
            } else if stack.len() < 10_000 {
                stack.push(entry.path());
            }
        }
    }
    found
}

fn interrupt(command: &[&str], signal: libc::c_int, code: i32) {
    interrupt_as(command, signal, code, None);
}

/// Interrupts `selfheal <command> <program>` once its program runs, as this user or as `uid`.
fn interrupt_as(command: &[&str], signal: libc::c_int, code: i32, uid: Option<u32>) {
    let dir = || {
        let d = tempfile::tempdir().unwrap();
        if let Some(uid) = uid {
            std::os::unix::fs::chown(d.path(), Some(uid), Some(uid)).unwrap();
        }
        d
    };
    let (tmp, data, program) = (dir(), dir(), dir());
    let token = unique_sleep();
    sleeping_program(program.path(), &token);
    if let Some(uid) = uid {
        for f in ["main.py", "test_main.py"] {
            std::os::unix::fs::chown(program.path().join(f), Some(uid), Some(uid)).unwrap();
        }
    }
    let mut args = command.to_vec();
    let path = program.path().display().to_string();
    args.push(&path);
    let mut child = spawn(&args, tmp.path(), data.path(), uid);
    let child_pid = child.id();
    wait_until_started(&mut child, &token);
    // A host that gives this user cgroups: the sandbox is in its own (checked gone below).
    if uid.is_none() && selfheal::sandbox::resource_control().per_sandbox_memory() {
        assert!(!cgroups_of(child_pid).is_empty(), "no sandbox cgroup");
    }
    // SAFETY: kill(2) on our own child.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, signal) }, 0);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(left.is_empty(), "{args:?} left {left:?} in TMPDIR");
    // The kernel ends the sandbox's other processes once its init is gone; give it a moment.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !sleepers(&token).is_empty() {
        assert!(
            Instant::now() < deadline,
            "{args:?}: a sandboxed process survived: {:?}",
            sleepers(&token)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Nor does a sandbox cgroup (removed once the sandbox is reaped).
    assert_eq!(cgroups_of(child_pid), Vec::<PathBuf>::new(), "{args:?}");
}

#[test]
fn sigint_stops_check_cleans_up_and_exits_130() {
    interrupt(
        &["check", "--expect", "test", "--no-cache"],
        libc::SIGINT,
        130,
    );
}

#[test]
fn sigterm_stops_heal_cleans_up_and_exits_143() {
    interrupt(
        &["heal", "--expect", "test", "--no-cache"],
        libc::SIGTERM,
        143,
    );
}

#[test]
fn sigint_stops_run_cleans_up_and_exits_130() {
    interrupt(&["run"], libc::SIGINT, 130);
}

#[test]
fn sigterm_stops_check_cleans_up_and_exits_143() {
    interrupt(
        &["check", "--expect", "test", "--no-cache"],
        libc::SIGTERM,
        143,
    );
}

fn is_root() -> bool {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// The same clean-up for an unprivileged user (no cgroup, work directories it owns): run
/// only when the tests run as root, which can become uid 65534.
#[test]
fn sigint_stops_an_unprivileged_check_cleans_up_and_exits_130() {
    if !is_root() {
        // Already unprivileged: the tests above are this case.
        return;
    }
    interrupt_as(
        &["check", "--expect", "test", "--no-cache"],
        libc::SIGINT,
        130,
        Some(65534),
    );
}

#[test]
fn sigterm_stops_an_unprivileged_heal_cleans_up_and_exits_143() {
    if !is_root() {
        return;
    }
    interrupt_as(
        &["heal", "--expect", "test", "--no-cache"],
        libc::SIGTERM,
        143,
        Some(65534),
    );
}

/// What a signal does to the command line, an embedder gets by dropping the heal future: the
/// validation's sandboxes are killed (with every process in them), its work directories and
/// its cgroups removed, by the time the drop returns.
#[test]
fn dropping_a_heal_future_stops_its_sandboxes_and_removes_its_work_dirs() {
    use selfheal::heal::{HealConfig, Healer};
    use selfheal::validate::{Expect, Validator, ValidatorConfig};
    use std::sync::Arc;

    let work_root = tempfile::tempdir().unwrap();
    let token = unique_sleep();
    let dir = tempfile::tempdir().unwrap();
    sleeping_program(dir.path(), &token);
    let program = selfheal::Program::load(dir.path(), None).unwrap();
    let validator = Validator::new(ValidatorConfig {
        work_root: Some(work_root.path().to_path_buf()),
        ..ValidatorConfig::default()
    })
    .unwrap();
    let healer = Healer::new(
        Arc::new(validator),
        selfheal::fix::FixEngine::builtin(),
        Arc::new(selfheal::learn::Learner::in_memory()),
        HealConfig {
            max_retries: 3,
            timeout: Duration::from_secs(600),
            jobs: 2,
            beam: 2,
            expect: Some(Expect::Test),
            ..HealConfig::default()
        },
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let heal = healer.heal(&program);
        tokio::pin!(heal);
        let started = async {
            while sleepers(&token).is_empty() {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        tokio::select! {
            r = &mut heal => panic!("the heal ended before its program slept: {r:?}"),
            _ = tokio::time::timeout(Duration::from_secs(120), started) => {}
        }
        assert!(!sleepers(&token).is_empty(), "the program never started");
        // `heal` is dropped here, mid-validation.
    });
    // A validation running in a spawned task is cancelled when the runtime next polls it, so
    // allow the runtime a moment (it keeps running; nothing else is waited for).
    let left = || -> Vec<std::ffi::OsString> {
        std::fs::read_dir(work_root.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while !sleepers(&token).is_empty()
        || !left().is_empty()
        || !cgroups_of(std::process::id()).is_empty()
    {
        assert!(
            Instant::now() < deadline,
            "after the drop: processes {:?}, work root {:?}, cgroups {:?}",
            sleepers(&token),
            left(),
            cgroups_of(std::process::id())
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(runtime);
}

/// A process's parent pid and state, from `/proc/PID/stat` (`None` once it is reaped).
fn parent_and_state(pid: u32) -> Option<(u32, char)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces; the fields after it are not.
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split(' ');
    let state = fields.next()?.chars().next()?;
    let parent = fields.next()?.parse().ok()?;
    Some((parent, state))
}

/// A cgroup v1 freezer cgroup holding one process, frozen; dropping it thaws the process and
/// removes the cgroup (so a failing test leaves nothing frozen).
struct Frozen {
    dir: PathBuf,
}

impl Frozen {
    /// `None` when this host has no writable cgroup v1 freezer.
    fn freeze(pid: u32) -> Option<Frozen> {
        let root = Path::new("/sys/fs/cgroup/freezer");
        if !root.join("cgroup.procs").exists() {
            return None;
        }
        let dir = root.join(format!("selfheal-test-{}-{pid}", std::process::id()));
        std::fs::create_dir(&dir).ok()?;
        let frozen = Frozen { dir };
        std::fs::write(frozen.dir.join("cgroup.procs"), pid.to_string()).unwrap();
        std::fs::write(frozen.dir.join("freezer.state"), "FROZEN").unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::fs::read_to_string(frozen.dir.join("freezer.state"))
            .unwrap()
            .trim()
            != "FROZEN"
        {
            assert!(
                Instant::now() < deadline,
                "the freezer did not freeze {pid}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        Some(frozen)
    }
}

impl Drop for Frozen {
    fn drop(&mut self) {
        let _ = std::fs::write(self.dir.join("freezer.state"), "THAWED");
        // Emptied once its process has died (it was killed while frozen).
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::fs::remove_dir(&self.dir).is_err() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Interrupts `selfheal heal` twice while the first interrupt's clean-up cannot finish, as
/// this user or as `uid`: the sandboxed `sleep` is frozen (cgroup v1 freezer: a frozen process
/// does not die of SIGKILL until thawed), so the sandbox's init, killed by the clean-up, waits
/// for it and is never reaped, and the clean-up blocks. The second SIGINT must end selfheal at
/// once with 130: it does so without the clean-up's closing message, while the frozen process
/// still exists (so the clean-up did not finish). Once thawed, the kernel finishes the kill and
/// nothing of the sandbox is left.
fn second_sigint_while_stuck(uid: Option<u32>) {
    if !is_root() {
        eprintln!("skipped: freezing a sandboxed process needs root (a cgroup v1 freezer)");
        return;
    }
    let dir = || {
        let d = tempfile::tempdir().unwrap();
        if let Some(uid) = uid {
            std::os::unix::fs::chown(d.path(), Some(uid), Some(uid)).unwrap();
        }
        d
    };
    let (tmp, data, program) = (dir(), dir(), dir());
    let token = unique_sleep();
    sleeping_program(program.path(), &token);
    if let Some(uid) = uid {
        for f in ["main.py", "test_main.py"] {
            std::os::unix::fs::chown(program.path().join(f), Some(uid), Some(uid)).unwrap();
        }
    }
    let path = program.path().display().to_string();
    let args = ["heal", "--expect", "test", "--no-cache", &path];
    let mut child = spawn(&args, tmp.path(), data.path(), uid);
    wait_until_started(&mut child, &token);
    let sleeper = sleepers(&token)[0].clone();
    let sleep_pid: u32 = sleeper
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let (python, _) = parent_and_state(sleep_pid).expect("the sleep's parent");
    let Some(frozen) = Frozen::freeze(sleep_pid) else {
        eprintln!("skipped: this host has no cgroup v1 freezer to hold the clean-up");
        // SAFETY: kill(2) on our own child.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGKILL) };
        let _ = child.wait();
        return;
    };
    let pid = child.id() as libc::pid_t;
    let child_pid = child.id();
    // SAFETY: kill(2) on our own child.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    // The clean-up has begun once the sandbox's processes are being killed: the sleep's
    // parent (the Python test) dies with the init. selfheal arms the second signal before it
    // starts cleaning up.
    let deadline = Instant::now() + Duration::from_secs(60);
    while parent_and_state(python).is_some_and(|(_, state)| state != 'Z' && state != 'X') {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output_ref();
            panic!("selfheal ended ({status}) although its clean-up cannot finish:\n{out}");
        }
        assert!(Instant::now() < deadline, "the first SIGINT killed nothing");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "selfheal ended although its clean-up cannot finish:\n{}",
        child.wait_with_output_ref()
    );
    // SAFETY: kill(2) on our own child, which has not been reaped (try_wait said so).
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the second SIGINT did not end selfheal"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    let out = child.wait_with_output_ref();
    assert_eq!(status.code(), Some(130), "{out}");
    assert!(
        !out.contains("interrupted by"),
        "the first signal's clean-up finished, so the second signal was not what ended it:\n{out}"
    );
    assert!(
        Path::new("/proc").join(sleep_pid.to_string()).exists(),
        "the frozen process died before the thaw, so the clean-up was not stuck"
    );
    // Thawed, the frozen process dies of the pending SIGKILL and the init with it.
    drop(frozen);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !sleepers(&token).is_empty() {
        assert!(
            Instant::now() < deadline,
            "a sandboxed process survived the thaw: {:?}",
            sleepers(&token)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Exiting at once skipped removing the sandbox's cgroups (the next selfheal process would
    // sweep them once empty); remove them here.
    let deadline = Instant::now() + Duration::from_secs(10);
    for cgroup in cgroups_of(child_pid) {
        while std::fs::remove_dir(&cgroup).is_err() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn a_second_sigint_ends_heal_at_once_while_the_clean_up_is_stuck() {
    second_sigint_while_stuck(None);
}

#[test]
fn a_second_sigint_ends_an_unprivileged_heal_at_once_while_the_clean_up_is_stuck() {
    second_sigint_while_stuck(Some(65534));
}
