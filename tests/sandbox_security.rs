//! Adversarial tests of the sandbox: each scenario attacks one wall and asserts the exact
//! containment outcome.
//!
//! Every scenario runs twice when the tests run as root: in this process (host root, sandbox
//! root mapped to 65534), and again in a child process of this test binary running as uid/gid
//! 65534 (an ordinary user creating unprivileged user namespaces). The child is told which
//! scenario to run through `SANDBOX_TEST_UNPRIVILEGED`.

use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use selfheal::sandbox::{
    Limits, MemoryScope, Mount, RunOutcome, Sandbox, SandboxCommand, SandboxError,
};
use selfheal::workspace::{Workspace, WorkspaceCaps, WorkspaceOptions};
use selfheal::Termination;

const UNPRIVILEGED_ENV: &str = "SANDBOX_TEST_UNPRIVILEGED";
const SECRET_ENV: &str = "SANDBOX_TEST_HOST_SECRET";
const SECRET_VALUE: &str = "hunter2-host-only-secret";
const NOBODY: u32 = 65534;
const PYTHON: &str = "/usr/bin/python3";

fn sandbox() -> &'static Sandbox {
    static SB: OnceLock<Sandbox> = OnceLock::new();
    SB.get_or_init(|| match Sandbox::new() {
        Ok(sb) => sb,
        Err(e) => panic!("the sandbox is unavailable on this machine: {e}"),
    })
}

fn is_root() -> bool {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// A fresh work directory the sandbox can write, inside a per-process base directory.
fn work_dir() -> tempfile::TempDir {
    static BASE: OnceLock<tempfile::TempDir> = OnceLock::new();
    let base = BASE.get_or_init(|| {
        let d = tempfile::Builder::new()
            .prefix("selfheal-sandbox-tests-")
            .tempdir_in("/tmp")
            .unwrap();
        std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        d
    });
    let wd = tempfile::tempdir_in(base.path()).unwrap();
    if let Some((uid, gid)) = sandbox().work_dir_owner() {
        std::os::unix::fs::chown(wd.path(), Some(uid), Some(gid)).unwrap();
    }
    wd
}

fn system_mounts() -> Vec<Mount> {
    ["/usr", "/lib", "/lib64", "/bin", "/etc"]
        .iter()
        .filter(|p| Path::new(p).exists())
        .map(|p| Mount::ReadOnly {
            source: PathBuf::from(p),
            target: PathBuf::from(p),
        })
        .collect()
}

fn command(argv: &[&str], work: &Path) -> SandboxCommand {
    SandboxCommand {
        argv: argv.iter().map(|s| s.to_string()).collect(),
        env: vec![("PATH".into(), "/usr/bin:/bin".into())],
        mounts: system_mounts(),
        work_dir: work.to_path_buf(),
        cwd: String::new(),
        stdin: Vec::new(),
        limits: Limits {
            wall_time: Duration::from_secs(30),
            ..Limits::default()
        },
    }
}

fn python(code: &str, work: &Path) -> SandboxCommand {
    command(&[PYTHON, "-c", code], work)
}

fn try_run(cmd: &SandboxCommand) -> Result<RunOutcome, SandboxError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(sandbox().run(cmd))
}

fn run(cmd: &SandboxCommand) -> RunOutcome {
    match try_run(cmd) {
        Ok(o) => o,
        Err(e) => panic!("sandbox run of {:?} failed: {e}", cmd.argv),
    }
}

fn stdout(o: &RunOutcome) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn describe(o: &RunOutcome) -> String {
    format!(
        "termination {:?}, exit {:?}, signal {:?}\nstdout:\n{}\nstderr:\n{}",
        o.termination,
        o.exit_code,
        o.signal,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Asserts every directory on the way to `path` is searchable, and `path` executable, by
/// others (the unprivileged re-run executes this test binary as uid 65534).
fn assert_reachable_by_others(path: &Path) {
    let mut dir = path.parent();
    while let Some(d) = dir {
        let mode = std::fs::metadata(d).unwrap().permissions().mode();
        assert!(
            mode & 0o001 != 0,
            "the test binary {} is not reachable by uid {NOBODY}: directory {} has mode {:o} \
             (no search permission for others). Build into a world-searchable target directory \
             (CARGO_TARGET_DIR) to run the unprivileged half of these tests.",
            path.display(),
            d.display(),
            mode & 0o777
        );
        dir = d.parent();
    }
    let mode = std::fs::metadata(path).unwrap().permissions().mode();
    assert!(
        mode & 0o001 != 0,
        "the test binary {} is not executable by others (mode {:o})",
        path.display(),
        mode & 0o777
    );
}

/// Runs `scenario` here, and, when running as root, again as uid/gid 65534 in a child process
/// of this test binary.
fn everywhere(test_name: &str, scenario: fn()) {
    if std::env::var_os(UNPRIVILEGED_ENV).is_some() {
        assert!(!is_root(), "the unprivileged re-run is still root");
        scenario();
        return;
    }
    scenario();
    if !is_root() {
        return;
    }
    let exe = std::env::current_exe().unwrap();
    assert_reachable_by_others(&exe);
    use std::os::unix::process::CommandExt;
    let out = Command::new(&exe)
        .args([test_name, "--exact", "--nocapture", "--test-threads=1"])
        .env(UNPRIVILEGED_ENV, "1")
        .env(SECRET_ENV, SECRET_VALUE)
        .env("HOME", "/nonexistent")
        .current_dir("/")
        .uid(NOBODY)
        .gid(NOBODY)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "scenario {test_name} failed as uid {NOBODY}:\n{text}"
    );
    assert!(
        text.contains("1 passed"),
        "scenario {test_name} did not run as uid {NOBODY}:\n{text}"
    );
}

macro_rules! scenario {
    ($name:ident, $body:ident) => {
        #[test]
        fn $name() {
            everywhere(stringify!($name), $body);
        }
    };
}

// ---------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------

fn basic_io() {
    let wd = work_dir();
    std::fs::create_dir(wd.path().join("sub")).unwrap();
    if let Some((uid, gid)) = sandbox().work_dir_owner() {
        std::os::unix::fs::chown(wd.path().join("sub"), Some(uid), Some(gid)).unwrap();
    }
    let mut cmd = command(
        &[
            "/bin/sh",
            "-c",
            "pwd; cat; echo err >&2; echo made > here; exit 7",
        ],
        wd.path(),
    );
    cmd.cwd = "sub".into();
    cmd.stdin = b"from stdin\n".to_vec();
    let o = run(&cmd);
    assert_eq!(o.termination, Termination::Exited, "{}", describe(&o));
    assert_eq!(o.exit_code, Some(7));
    assert_eq!(o.signal, None);
    assert_eq!(stdout(&o), "/work/sub\nfrom stdin\n");
    assert_eq!(o.stderr, b"err\n");
    assert!(!o.stdout_truncated && !o.stderr_truncated);
    assert_eq!(
        std::fs::read_to_string(wd.path().join("sub/here")).unwrap(),
        "made\n"
    );
}
scenario!(runs_a_command_with_stdin_cwd_and_exit_code, basic_io);

fn exec_failure() {
    let wd = work_dir();
    let err = try_run(&command(&["/usr/bin/does-not-exist"], wd.path())).unwrap_err();
    match err {
        SandboxError::Exec { program, message } => {
            assert_eq!(program, "/usr/bin/does-not-exist");
            assert!(message.contains("No such file or directory"), "{message}");
        }
        other => panic!("expected an Exec error, got {other:?}"),
    }
}
scenario!(a_missing_program_is_an_exec_error, exec_failure);

fn fork_bomb() {
    let wd = work_dir();
    let code = r#"
import os, time
made = failed = 0
for _ in range(400):
    try:
        pid = os.fork()
    except OSError as e:
        failed += 1
        last = e.errno
        continue
    if pid == 0:
        time.sleep(60)
        os._exit(0)
    made += 1
print(made, failed, last)
"#;
    let mut cmd = python(code, wd.path());
    cmd.limits.processes = 32;
    let o = run(&cmd);
    assert_eq!(o.termination, Termination::Exited, "{}", describe(&o));
    assert_eq!(o.exit_code, Some(0));
    // The command itself is one of the 32 processes.
    assert_eq!(stdout(&o), format!("31 369 {}\n", libc::EAGAIN));
    // The host still spawns processes, and the sleepers died with the sandbox.
    assert!(Command::new("/bin/true").status().unwrap().success());
}
scenario!(a_fork_bomb_is_contained_by_the_process_limit, fork_bomb);

fn cpu_limit() {
    let wd = work_dir();
    let mut cmd = python("while True: pass", wd.path());
    cmd.limits.cpu_time = Duration::from_secs(1);
    let o = run(&cmd);
    assert_eq!(o.termination, Termination::CpuLimit, "{}", describe(&o));
    assert_eq!(o.signal, Some(libc::SIGXCPU));
    assert_eq!(o.exit_code, None);
    // The loop's own CPU time is reported, not the init's few milliseconds. Not "at least 1 s":
    // the kernel checks RLIMIT_CPU against tick-sampled time, which on a loaded machine runs
    // ahead of the precise time rusage reports (outside any sandbox, `prlimit --cpu=1 python3
    // -c 'while True: pass'` reported 0.89-0.98 s of CPU at a load average of 15).
    assert!(o.cpu_time >= Duration::from_millis(500), "{:?}", o.cpu_time);
}
scenario!(a_cpu_bound_loop_hits_the_cpu_limit, cpu_limit);

fn cpu_loop_wall_timeout() {
    let wd = work_dir();
    let mut cmd = python("while True: pass", wd.path());
    cmd.limits.cpu_time = Duration::from_secs(60);
    cmd.limits.wall_time = Duration::from_millis(1500);
    let o = run(&cmd);
    assert_eq!(o.termination, Termination::WallTimeout, "{}", describe(&o));
    assert_eq!(o.signal, Some(libc::SIGKILL));
    assert_eq!(o.exit_code, None);
}
scenario!(
    a_cpu_bound_loop_hits_the_wall_clock_deadline,
    cpu_loop_wall_timeout
);

fn sleep_past_deadline() {
    let wd = work_dir();
    // The sleeper writes a marker if it ever wakes up: it must not.
    let mut cmd = command(
        &["/bin/sh", "-c", "sleep 3; echo woke > /work/woke"],
        wd.path(),
    );
    cmd.limits.wall_time = Duration::from_secs(1);
    let started = Instant::now();
    let o = run(&cmd);
    assert_eq!(o.termination, Termination::WallTimeout, "{}", describe(&o));
    assert_eq!(o.exit_code, None);
    assert_eq!(o.signal, Some(libc::SIGKILL));
    assert!(o.wall_time >= Duration::from_secs(1), "{:?}", o.wall_time);
    assert!(started.elapsed() < Duration::from_secs(3));
    std::thread::sleep(Duration::from_millis(2500));
    assert!(!wd.path().join("woke").exists(), "the sleeper survived");
}
scenario!(
    sleeping_past_the_deadline_is_a_wall_timeout,
    sleep_past_deadline
);

fn memory_bomb() {
    let wd = work_dir();
    let code = "blocks = []\nwhile True:\n    blocks.append(bytearray(16 << 20))\n";
    let mut cmd = python(code, wd.path());
    cmd.limits.memory_bytes = 256 << 20;
    let o = run(&cmd);
    assert_eq!(o.termination, Termination::OutOfMemory, "{}", describe(&o));
    assert_eq!(o.exit_code, Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("MemoryError"));
    assert!(o.peak_memory_bytes <= 256 << 20, "{}", o.peak_memory_bytes);
}
scenario!(a_memory_bomb_runs_out_of_memory, memory_bomb);

/// Four processes of 300 MiB each under a 768 MiB limit: within RLIMIT_AS one by one, over
/// the limit together. With a cgroup the sandbox is out of memory; with rlimits only (an
/// unprivileged user on a host that delegates no cgroup) the run says its limit was per process.
fn memory_limit_across_processes() {
    let wd = work_dir();
    let code = r#"
import os, sys, time
children = []
for _ in range(4):
    pid = os.fork()
    if pid == 0:
        block = bytearray(b"\x01") * (300 << 20)
        time.sleep(2)
        os._exit(0)
    children.append(pid)
ok = all(os.waitpid(pid, 0)[1] == 0 for pid in children)
print("all finished" if ok else "some were killed")
sys.exit(0 if ok else 1)
"#;
    let mut cmd = python(code, wd.path());
    cmd.limits.memory_bytes = 768 << 20;
    let o = run(&cmd);
    let control = selfheal::sandbox::resource_control();
    // A root host with writable cgroup v1 hierarchies (this CI's layout) must use them.
    if is_root() && Path::new("/sys/fs/cgroup/memory/memory.limit_in_bytes").exists() {
        assert!(control.per_sandbox_memory(), "{control}");
    }
    if control.per_sandbox_memory() {
        assert_eq!(o.memory_scope, MemoryScope::PerSandbox);
        assert_eq!(o.termination, Termination::OutOfMemory, "{}", describe(&o));
        assert!(
            o.peak_memory_bytes <= (768 << 20) + (16 << 20),
            "peak {} over the limit",
            o.peak_memory_bytes
        );
    } else {
        assert_eq!(o.memory_scope, MemoryScope::PerProcess);
        assert_eq!(o.termination, Termination::Exited, "{}", describe(&o));
        assert_eq!(stdout(&o), "all finished\n");
    }
}
scenario!(
    memory_is_limited_per_sandbox_when_a_cgroup_is_usable,
    memory_limit_across_processes
);

fn output_flood() {
    let wd = work_dir();
    let mut cmd = command(
        &[
            "/bin/sh",
            "-c",
            "head -c 3000000 /dev/zero; head -c 500000 /dev/zero >&2; echo done >&2",
        ],
        wd.path(),
    );
    cmd.limits.output_bytes = 4096;
    let o = run(&cmd);
    assert_eq!(o.termination, Termination::Exited, "{}", describe(&o));
    assert_eq!(o.exit_code, Some(0));
    assert_eq!(o.stdout.len(), 4096);
    assert_eq!(o.stdout_total_bytes, 3_000_000);
    assert!(o.stdout_truncated);
    assert_eq!(o.stderr.len(), 4096);
    assert_eq!(o.stderr_total_bytes, 500_005);
    assert!(o.stderr_truncated);
}
scenario!(an_output_flood_is_truncated_and_counted, output_flood);

fn network() {
    let wd = work_dir();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let code = format!(
        r#"
import socket
print(sorted(name for _, name in socket.if_nameindex()))
s = socket.socket()
s.settimeout(5)
try:
    s.connect(("127.0.0.1", {port}))
    print("connected")
except OSError as e:
    print(type(e).__name__)
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen()
c = socket.create_connection(srv.getsockname())
print("loopback works")
try:
    socket.create_connection(("1.1.1.1", 80), timeout=5)
    print("internet")
except OSError as e:
    print(type(e).__name__, e.errno)
"#
    );
    let o = run(&python(&code, wd.path()));
    assert_eq!(o.exit_code, Some(0), "{}", describe(&o));
    assert_eq!(
        stdout(&o),
        format!(
            "['lo']\nConnectionRefusedError\nloopback works\nOSError {}\n",
            libc::ENETUNREACH
        )
    );
    match listener.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("the host listener saw a connection: {other:?}"),
    }
}
scenario!(only_loopback_exists_and_the_host_is_unreachable, network);

/// Two sandboxes running at once never share a network: one listens on a loopback port for
/// a few seconds while the other keeps trying to connect to it. (As root, network namespaces
/// are made ahead of time; each must still serve exactly one sandbox.)
fn separate_networks() {
    // Below the ephemeral range (32768-60999 by default): a connect to a port in that range
    // with nobody listening can, once in tens of thousands of tries, pick the same port as
    // its own source and connect to itself.
    const PORT: u16 = 20113;
    let listener = std::thread::spawn(|| {
        let wd = work_dir();
        let code = format!(
            r#"
import socket, time
srv = socket.socket()
srv.bind(("127.0.0.1", {PORT}))
srv.listen()
print("listening")
time.sleep(5)
"#
        );
        run(&python(&code, wd.path()))
    });
    let wd = work_dir();
    let code = format!(
        r#"
import socket, time
outcome = "refused"
end = time.monotonic() + 5
while time.monotonic() < end:
    try:
        socket.create_connection(("127.0.0.1", {PORT}), timeout=1)
        outcome = "connected"
        break
    except OSError:
        time.sleep(0.05)
print(outcome)
"#
    );
    let connector = run(&python(&code, wd.path()));
    let listener = listener.join().unwrap();
    assert_eq!(stdout(&listener), "listening\n", "{}", describe(&listener));
    assert_eq!(stdout(&connector), "refused\n", "{}", describe(&connector));
}
scenario!(
    sandboxes_running_at_once_have_separate_networks,
    separate_networks
);

fn host_files_invisible() {
    let wd = work_dir();
    let other = work_dir();
    std::fs::write(other.path().join("other-marker"), "other sandbox").unwrap();
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    let code = format!(
        r#"
import os
try:
    open("/etc/shadow").read()
    print("shadow readable")
except OSError as e:
    print("shadow", type(e).__name__)
for p in ["/root", "/home", {home:?}, {other:?}, "/work/other-marker", "/tmp/selfheal-sandbox-tests", "/proc/1/root/etc"]:
    print(p, os.path.exists(p))
print(sorted(os.listdir("/")))
print(sorted(os.listdir("/tmp")), sorted(os.listdir("/work")))
"#,
        home = home,
        other = other.path().to_string_lossy()
    );
    let o = run(&python(&code, wd.path()));
    assert_eq!(o.exit_code, Some(0), "{}", describe(&o));
    let expected = format!(
        "shadow PermissionError\n/root False\n/home False\n{home} False\n{other} False\n\
         /work/other-marker False\n/tmp/selfheal-sandbox-tests False\n/proc/1/root/etc False\n\
         ['bin', 'dev', 'etc', 'lib', 'lib64', 'proc', 'tmp', 'usr', 'work']\n[] []\n",
        other = other.path().display()
    );
    assert_eq!(stdout(&o), expected);
}
scenario!(
    host_files_homes_and_other_work_dirs_are_invisible,
    host_files_invisible
);

fn read_only_outside_work() {
    let wd = work_dir();
    let code = r#"
import errno
for p in ["/x", "/usr/x", "/etc/passwd", "/bin/sh", "/dev/x", "/proc/x", "/work/ok", "/tmp/ok", "/dev/shm/ok"]:
    try:
        open(p, "a").close()
        print(p, "written")
    except OSError as e:
        print(p, errno.errorcode[e.errno])
"#;
    let o = run(&python(code, wd.path()));
    assert_eq!(o.exit_code, Some(0), "{}", describe(&o));
    assert_eq!(
        stdout(&o),
        // New files: the read-only mount refuses. Existing host files: permission is checked
        // first (the sandbox user does not own them), and the mount is read-only anyway.
        "/x EROFS\n/usr/x EROFS\n/etc/passwd EACCES\n/bin/sh EACCES\n/dev/x EROFS\n/proc/x ENOENT\n\
         /work/ok written\n/tmp/ok written\n/dev/shm/ok written\n"
    );
    assert!(wd.path().join("ok").exists());
}
scenario!(writing_outside_work_fails, read_only_outside_work);

fn grandchild_dies() {
    let wd = work_dir();
    let cmd = command(
        &[
            "/bin/sh",
            "-c",
            "(sleep 1; echo alive > /work/marker) >/dev/null 2>&1 & echo started",
        ],
        wd.path(),
    );
    let o = run(&cmd);
    assert_eq!(o.termination, Termination::Exited, "{}", describe(&o));
    assert_eq!(o.exit_code, Some(0));
    assert_eq!(stdout(&o), "started\n");
    assert!(!wd.path().join("marker").exists());
    std::thread::sleep(Duration::from_millis(2000));
    assert!(
        !wd.path().join("marker").exists(),
        "a grandchild outlived the sandbox"
    );
}
scenario!(
    a_grandchild_that_outlives_its_parent_is_killed,
    grandchild_dies
);

fn planted_symlink() {
    let wd = work_dir();
    let secret_dir = tempfile::tempdir_in(wd.path().parent().unwrap()).unwrap();
    let secret = secret_dir.path().join("secret.txt");
    std::fs::write(&secret, "TOPSECRET").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::os::unix::fs::symlink(&secret, wd.path().join("abs")).unwrap();
    let rel = Path::new("..")
        .join(secret_dir.path().file_name().unwrap())
        .join("secret.txt");
    std::os::unix::fs::symlink(&rel, wd.path().join("rel")).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", wd.path().join("etc")).unwrap();
    let o = run(&command(
        &[
            "/bin/sh",
            "-c",
            "cat /work/abs; echo \"abs $?\"; cat /work/rel; echo \"rel $?\"; \
             cat /work/etc >/dev/null; echo \"etc $?\"",
        ],
        wd.path(),
    ));
    assert_eq!(o.exit_code, Some(0), "{}", describe(&o));
    // The links resolve inside the sandbox's own root, where the host file does not exist
    // (the sandbox's /etc is the read-only bind, so /etc/hostname resolves there: harmless).
    assert_eq!(stdout(&o), "abs 1\nrel 1\netc 0\n");
    assert!(!String::from_utf8_lossy(&o.stderr).contains("TOPSECRET"));
}
scenario!(a_planted_symlink_cannot_reach_host_files, planted_symlink);

fn environment() {
    let wd = work_dir();
    let mut cmd = command(&["/usr/bin/env"], wd.path());
    cmd.env = vec![("ONLY".into(), "this".into())];
    let o = run(&cmd);
    assert_eq!(o.exit_code, Some(0), "{}", describe(&o));
    assert_eq!(stdout(&o), "ONLY=this\n");
    // The init still holds the host's environment and argv in its memory: the command must
    // not be able to read them through /proc.
    let code = r#"
import os
print(sorted(p for p in os.listdir("/proc") if p.isdigit()) == [str(os.getpid())])
for p in ["/proc/1/environ", "/proc/1/cmdline"]:
    try:
        data = open(p, "rb").read()
        print(p, "read", len(data))
    except OSError as e:
        print(p, type(e).__name__)
"#;
    let o = run(&python(code, wd.path()));
    assert_eq!(o.exit_code, Some(0), "{}", describe(&o));
    assert_eq!(
        stdout(&o),
        "True\n/proc/1/environ FileNotFoundError\n/proc/1/cmdline FileNotFoundError\n"
    );
    if let Ok(secret) = std::env::var(SECRET_ENV) {
        assert_eq!(secret, SECRET_VALUE);
        assert!(!String::from_utf8_lossy(&o.stdout).contains(SECRET_VALUE));
    }
}
scenario!(the_environment_is_exactly_the_given_one, environment);

fn forbidden_syscalls() {
    let wd = work_dir();
    let code = r#"
import ctypes, errno, threading
libc = ctypes.CDLL(None, use_errno=True)
def call(name, *args):
    r = getattr(libc, name)(*args)
    return "OK" if r != -1 else errno.errorcode[ctypes.get_errno()]
print("ptrace", call("ptrace", 0, 0, None, None))
print("mount", call("mount", b"none", b"/tmp", b"tmpfs", 0, None))
print("umount", call("umount2", b"/work", 2))
print("unshare_user", call("unshare", 0x10000000))
print("unshare_mount", call("unshare", 0x00020000))
print("chroot", call("chroot", b"/tmp"))
print("keyctl", call("syscall", 250, 0, 0, 0, 0))
print("bpf", call("syscall", 321, 0, 0, 0))
print("clone_newuser", call("syscall", 56, 0x10000000 | 17, 0, 0, 0, 0))
print("clone3", call("syscall", 435, 0, 0))
print("personality_set", call("personality", 0x0040000))
print("personality_query", "OK" if libc.personality(0xffffffff) != -1 else "fail")
print("x32_getpid", call("syscall", 0x40000000 | 39))
t = threading.Thread(target=lambda: None)
t.start(); t.join()
print("threads OK")
"#;
    let o = run(&python(code, wd.path()));
    assert_eq!(o.exit_code, Some(0), "{}", describe(&o));
    assert_eq!(
        stdout(&o),
        "ptrace EPERM\nmount EPERM\numount EPERM\nunshare_user EPERM\nunshare_mount EPERM\n\
         chroot EPERM\nkeyctl EPERM\nbpf EPERM\nclone_newuser EPERM\nclone3 ENOSYS\n\
         personality_set EPERM\npersonality_query OK\nx32_getpid ENOSYS\nthreads OK\n"
    );
}
scenario!(
    ptrace_mount_unshare_and_friends_are_refused,
    forbidden_syscalls
);

fn file_size_limit() {
    let wd = work_dir();
    let mut cmd = command(
        &[
            "/bin/sh",
            "-c",
            "exec head -c 5000000 /dev/zero > /work/big",
        ],
        wd.path(),
    );
    cmd.limits.file_size_bytes = 1 << 20;
    let o = run(&cmd);
    assert_eq!(
        o.termination,
        Termination::FileSizeLimit,
        "{}",
        describe(&o)
    );
    assert_eq!(o.signal, Some(libc::SIGXFSZ));
    assert_eq!(
        std::fs::metadata(wd.path().join("big")).unwrap().len(),
        1 << 20
    );
    // CPython ignores SIGXFSZ and sees EFBIG instead: still the file-size limit.
    let mut cmd = python("open('/work/big2', 'wb').write(b'x' * 3000000)", wd.path());
    cmd.limits.file_size_bytes = 1 << 20;
    let o = run(&cmd);
    assert_eq!(
        o.termination,
        Termination::FileSizeLimit,
        "{}",
        describe(&o)
    );
    assert_eq!(o.exit_code, Some(1));
}
scenario!(the_file_size_limit_is_enforced, file_size_limit);

fn overlay() {
    let wd = work_dir();
    let lower = tempfile::tempdir_in(wd.path().parent().unwrap()).unwrap();
    std::fs::set_permissions(lower.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(lower.path().join("cached"), "warm").unwrap();
    std::fs::set_permissions(
        lower.path().join("cached"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let mut cmd = command(
        &[
            "/bin/sh",
            "-c",
            "cat /cache/cached; echo new > /cache/new; cat /cache/new; rm /cache/cached; ls /cache",
        ],
        wd.path(),
    );
    cmd.mounts.push(Mount::Overlay {
        lower: lower.path().to_path_buf(),
        target: PathBuf::from("/cache"),
    });
    let o = run(&cmd);
    assert_eq!(o.exit_code, Some(0), "{}", describe(&o));
    assert_eq!(stdout(&o), "warmnew\nnew\n");
    // The lower layer is untouched.
    assert_eq!(
        std::fs::read_to_string(lower.path().join("cached")).unwrap(),
        "warm"
    );
    assert!(!lower.path().join("new").exists());
}
scenario!(an_overlay_keeps_its_lower_layer_intact, overlay);

fn concurrent_runs() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap();
    let dirs: Vec<_> = (0..8).map(|_| work_dir()).collect();
    let outcomes = rt.block_on(async {
        let mut tasks = Vec::new();
        for (i, d) in dirs.iter().enumerate() {
            let cmd = command(
                &[
                    "/bin/sh",
                    "-c",
                    &format!("echo {i} > /work/id; cat /work/id"),
                ],
                d.path(),
            );
            tasks.push(tokio::spawn(async move { sandbox().run(&cmd).await }));
        }
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap().unwrap());
        }
        out
    });
    for (i, o) in outcomes.iter().enumerate() {
        assert_eq!(stdout(o), format!("{i}\n"), "{}", describe(o));
    }
}
scenario!(concurrent_runs_are_isolated, concurrent_runs);

#[test]
fn a_cancelled_run_leaves_nothing_running() {
    let wd = work_dir();
    let cmd = command(
        &["/bin/sh", "-c", "sleep 2; echo late > /work/late"],
        wd.path(),
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let r = tokio::time::timeout(Duration::from_millis(300), sandbox().run(&cmd)).await;
        assert!(r.is_err(), "the run should still have been going");
    });
    std::thread::sleep(Duration::from_millis(2500));
    assert!(!wd.path().join("late").exists());
}

#[test]
fn invalid_commands_are_refused() {
    let wd = work_dir();
    let mut cmd = command(&["sh"], wd.path());
    assert!(matches!(
        try_run(&cmd),
        Err(SandboxError::InvalidCommand(_))
    ));
    cmd.argv = vec!["/bin/sh".into()];
    cmd.cwd = "../escape".into();
    assert!(matches!(
        try_run(&cmd),
        Err(SandboxError::InvalidCommand(_))
    ));
    cmd.cwd = String::new();
    cmd.mounts.push(Mount::ReadOnly {
        source: PathBuf::from("/"),
        target: PathBuf::from("/host"),
    });
    assert!(matches!(
        try_run(&cmd),
        Err(SandboxError::InvalidCommand(_))
    ));
    let mut cmd = command(&["/bin/sh"], wd.path());
    cmd.mounts.push(Mount::ReadOnly {
        source: PathBuf::from("/usr"),
        target: PathBuf::from("/proc/x"),
    });
    assert!(matches!(
        try_run(&cmd),
        Err(SandboxError::InvalidCommand(_))
    ));
}

#[test]
fn work_dir_owner_matches_the_host_identity() {
    let owner = sandbox().work_dir_owner();
    if is_root() {
        assert_eq!(owner, Some((NOBODY, NOBODY)));
    } else {
        assert_eq!(owner, None);
    }
}

// ---------------------------------------------------------------------------------------
// Hardening (issue 14): clean-up, cancellation, kernel surface, accounting, tmpfs caps
// ---------------------------------------------------------------------------------------

fn workspace_with(tmpfs: Option<WorkspaceCaps>) -> Workspace {
    let program = selfheal::Program::new(
        selfheal::TargetLanguage::Python,
        [("main.py".to_string(), "print(1)\n".to_string())],
    )
    .unwrap();
    Workspace::create_with(
        None,
        &program,
        sandbox().work_dir_owner(),
        WorkspaceOptions { tmpfs },
    )
    .unwrap()
}

/// A real workspace in a host directory (private container, owned by the sandbox's user):
/// the fallback whose clean-up must survive anything.
fn workspace() -> Workspace {
    workspace_with(None)
}

/// A real workspace on its own capped tmpfs, as validation makes by default on this kernel.
fn tmpfs_workspace(caps: WorkspaceCaps) -> Workspace {
    let ws = workspace_with(Some(caps));
    assert!(
        ws.capped(),
        "no capped tmpfs work directory on this host (needs Linux 6.15+)"
    );
    ws
}

/// Every path below `dir` whose mode carries set-user-ID or set-group-ID bits (walks as the
/// test user; directories it cannot read are reported as such).
fn setid_files(dir: &Path, found: &mut Vec<String>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            found.push(format!("{}: unreadable: {e}", dir.display()));
            return;
        }
    };
    for entry in entries {
        let path = entry.unwrap().path();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        if meta.permissions().mode() & 0o6000 != 0 {
            found.push(path.display().to_string());
        }
        if meta.is_dir() {
            setid_files(&path, found);
        }
    }
}

fn setuid_files_cannot_be_made() {
    let ws = workspace();
    let code = r#"
import ctypes, errno, os, shutil
libc = ctypes.CDLL(None, use_errno=True)
shutil.copy(os.path.realpath("/usr/bin/python3"), "/work/py")
def attempt(name, f):
    try:
        f()
        print(name, "OK")
    except OSError as e:
        print(name, errno.errorcode[e.errno])
def sys(name, *args):
    r = libc.syscall(*args)
    print(name, "OK" if r >= 0 else errno.errorcode[ctypes.get_errno()])
attempt("chmod_suid", lambda: os.chmod("/work/py", 0o4755))
attempt("chmod_sgid", lambda: os.chmod("/work/py", 0o2755))
fd = os.open("/work/py", os.O_RDONLY)
attempt("fchmod", lambda: os.fchmod(fd, 0o4755))
attempt("open_creat", lambda: os.close(os.open("/work/s1", os.O_CREAT | os.O_WRONLY, 0o4755)))
attempt("mknod", lambda: os.mknod("/work/s2", 0o104755))
attempt("tmpfile", lambda: os.close(os.open("/work", os.O_TMPFILE | os.O_WRONLY, 0o4755)))
sys("fchmodat2", 452, -100, b"/work/py", 0o4755, 0)
sys("openat2", 437, -100, b"/work/s3", None, 0)
attempt("chmod_plain", lambda: os.chmod("/work/py", 0o755))
setid = [os.path.join(d, n) for d, ds, fs in os.walk("/work") for n in ds + fs
         if os.lstat(os.path.join(d, n)).st_mode & 0o6000]
print("setid", setid)
print("nosuid", bool(os.statvfs("/work").f_flag & os.ST_NOSUID))
os.chmod("/work", 0o555)
"#;
    let o = run(&python(code, ws.host_path()));
    assert_eq!(o.exit_code, Some(0), "{}", describe(&o));
    assert_eq!(
        stdout(&o),
        "chmod_suid EPERM\nchmod_sgid EPERM\nfchmod EPERM\nopen_creat EPERM\nmknod EPERM\n\
         tmpfile EPERM\nfchmodat2 EPERM\nopenat2 ENOSYS\nchmod_plain OK\nsetid []\nnosuid True\n"
    );
    // Seen from the host too: no set-id file exists in the work directory.
    let mut found = Vec::new();
    std::fs::set_permissions(ws.host_path(), std::fs::Permissions::from_mode(0o700)).ok();
    setid_files(ws.host_path(), &mut found);
    assert_eq!(found, Vec::<String>::new());
    let container = ws.host_path().parent().unwrap().to_path_buf();
    ws.remove().unwrap();
    assert!(!container.exists());
}
scenario!(
    setuid_files_cannot_be_made_in_the_work_dir,
    setuid_files_cannot_be_made
);

/// The host's soft open-file limit, lowered to 1024 first if it is higher (cleanup must not
/// depend on it, and the chain below must be deeper than it).
fn low_nofile_limit() -> u64 {
    // SAFETY: getrlimit/setrlimit on this process with a valid struct.
    unsafe {
        let mut rl: libc::rlimit = std::mem::zeroed();
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl), 0);
        if rl.rlim_cur > 1024 {
            rl.rlim_cur = 1024;
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &rl), 0);
        }
        rl.rlim_cur
    }
}

fn hostile_trees_are_removed() {
    let ws = workspace();
    let depth = low_nofile_limit() + 500;
    let code = format!(
        r#"
import os
os.makedirs("/work/locked/inner")
open("/work/locked/inner/f", "w").write("x")
os.chmod("/work/locked/inner", 0)
os.chmod("/work/locked", 0)
os.makedirs("/work/ro/sub")
open("/work/ro/sub/f", "w").write("x")
os.chmod("/work/ro/sub", 0o555)
os.chmod("/work/ro", 0o555)
os.symlink("/", "/work/root-link")
os.chdir("/work")
for i in range({depth}):
    os.mkdir("d")
    os.chdir("d")
os.chmod(".", 0)
os.chdir("/work")
os.chmod("/work", 0o555)
print("built")
"#
    );
    let mut cmd = python(&code, ws.host_path());
    cmd.limits.open_files = 64;
    let o = run(&cmd);
    assert_eq!(o.exit_code, Some(0), "{}", describe(&o));
    assert_eq!(stdout(&o), "built\n");
    let container = ws.host_path().parent().unwrap().to_path_buf();
    let mode = std::fs::metadata(&container).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o700, "the container must stay private while live");
    ws.remove().unwrap();
    assert!(!container.exists(), "{} survived", container.display());
}
scenario!(
    mode_000_read_only_and_deeper_than_the_fd_limit_trees_are_removed,
    hostile_trees_are_removed
);

/// A removal the host cannot complete is an error naming what is left, never silent. A mount
/// point inside the work directory stands in for what the kernel refuses to remove (EBUSY);
/// only root can make one on the host, so this runs as root only.
#[test]
fn a_failed_clean_up_is_an_error_naming_what_is_left() {
    use std::os::unix::ffi::OsStrExt;
    if !is_root() {
        return;
    }
    let ws = workspace();
    let container = ws.host_path().parent().unwrap().to_path_buf();
    let busy = ws.host_path().join("busy");
    std::fs::create_dir(&busy).unwrap();
    let target = std::ffi::CString::new(busy.as_os_str().as_bytes()).unwrap();
    // SAFETY: mount(2) with valid C strings and no data.
    let mounted = unsafe {
        libc::mount(
            c"none".as_ptr(),
            target.as_ptr(),
            c"tmpfs".as_ptr(),
            0,
            std::ptr::null(),
        )
    };
    assert_eq!(mounted, 0, "cannot mount a tmpfs at {}", busy.display());
    let result = ws.remove();
    // SAFETY: umount2(2) on the mount made above.
    let unmounted = unsafe { libc::umount2(target.as_ptr(), libc::MNT_DETACH) };
    assert_eq!(unmounted, 0);
    let err = result.expect_err("removing a tree that holds a mount point must fail");
    let text = err.to_string();
    match &err {
        selfheal::workspace::WorkspaceError::Cleanup { path, .. } => {
            assert_eq!(path, &container, "{text}")
        }
        other => panic!("expected a clean-up error, got {other:?}"),
    }
    assert!(
        text.contains(&container.display().to_string()) && text.contains("Remove it by hand"),
        "{text}"
    );
    assert!(container.exists());
    std::fs::remove_dir_all(&container).unwrap();
}

fn work_dir_stays_private() {
    let ws = workspace();
    let container = ws.host_path().parent().unwrap().to_path_buf();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode(&container), 0o700);
    assert_eq!(mode(ws.host_path()), 0o700);
    // The program owns its work directory and may open it up; the container stays shut.
    let o = run(&command(
        &[
            "/bin/sh",
            "-c",
            "chmod 0777 /work && echo secret > /work/f && chmod 0644 /work/f",
        ],
        ws.host_path(),
    ));
    assert_eq!(o.exit_code, Some(0), "{}", describe(&o));
    assert_eq!(mode(&container), 0o700);
    // SAFETY: geteuid cannot fail.
    let me = unsafe { libc::geteuid() };
    use std::os::unix::fs::MetadataExt;
    assert_eq!(std::fs::metadata(&container).unwrap().uid(), me);
    if is_root() {
        // Another local user cannot read the program's files.
        use std::os::unix::process::CommandExt;
        let out = Command::new("/bin/cat")
            .arg(ws.host_path().join("f"))
            .uid(NOBODY - 1)
            .gid(NOBODY - 1)
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("Permission denied"));
    }
    ws.remove().unwrap();
}
scenario!(live_work_directories_stay_private, work_dir_stays_private);

/// Host pids whose command line contains `marker`.
fn processes_with(marker: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if text.contains(marker) {
                found.push(format!("{name}: {text}"));
            }
        }
    }
    found
}

fn dropped_run_cleans_up() {
    // Unique per run (the root and unprivileged halves may overlap with other tests).
    let marker = format!("30.{}", std::process::id());
    let ws = workspace();
    let container = ws.host_path().parent().unwrap().to_path_buf();
    let cmd = command(&["/bin/sleep", &marker], ws.host_path());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        // What an embedder cancelling a heal drops: the run and its workspace together.
        let job = async move {
            let outcome = sandbox().run(&cmd).await;
            drop(ws);
            outcome
        };
        tokio::pin!(job);
        let waited = async {
            loop {
                if !processes_with(&marker).is_empty() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        tokio::select! {
            r = &mut job => panic!("the run ended by itself: {r:?}"),
            _ = tokio::time::timeout(Duration::from_secs(20), waited) => {}
        }
        assert!(
            !processes_with(&marker).is_empty(),
            "the sandboxed sleep never started"
        );
        // `job` is dropped here, mid-run.
    });
    assert_eq!(processes_with(&marker), Vec::<String>::new());
    assert!(!container.exists(), "{} survived", container.display());
}
scenario!(
    dropping_a_run_kills_its_processes_and_removes_its_work_dir,
    dropped_run_cleans_up
);

fn kernel_surface() {
    let wd = work_dir();
    let code = r#"
import ctypes, errno, socket
libc = ctypes.CDLL(None, use_errno=True)
def sys(name, *args):
    r = libc.syscall(*args)
    print(name, "OK" if r >= 0 else errno.errorcode[ctypes.get_errno()])
params = ctypes.create_string_buffer(120)
sys("io_uring_setup", 425, 4, params)
sys("io_uring_enter", 426, 0, 0, 0, 0, None, 0)
sys("io_uring_register", 427, 0, 0, None, 0)
sys("memfd_secret", 447, 0)
buf = ctypes.create_string_buffer(8)
iov = (ctypes.c_void_p * 2)(ctypes.addressof(buf), 8)
sys("process_vm_readv", 310, 1, iov, 1, iov, 1, 0)
sys("process_vm_writev", 311, 1, iov, 1, iov, 1, 0)
sys("pidfd_getfd", 438, 0, 0, 0)
for name, fam, kind in [("unix", 1, 1), ("inet", 2, 1), ("inet6", 10, 1), ("netlink", 16, 3),
                        ("packet", 17, 3), ("vsock", 40, 1), ("bluetooth", 31, 1),
                        ("alg", 38, 5), ("rds", 21, 5), ("key", 15, 3)]:
    try:
        socket.socket(fam, kind).close()
        print(name, "OK")
    except OSError as e:
        print(name, errno.errorcode[e.errno])
try:
    socket.socketpair(40, 1)
    print("socketpair_vsock OK")
except OSError as e:
    print("socketpair_vsock", errno.errorcode[e.errno])
"#;
    let o = run(&python(code, wd.path()));
    assert_eq!(o.exit_code, Some(0), "{}", describe(&o));
    assert_eq!(
        stdout(&o),
        "io_uring_setup EPERM\nio_uring_enter EPERM\nio_uring_register EPERM\nmemfd_secret EPERM\n\
         process_vm_readv EPERM\nprocess_vm_writev EPERM\npidfd_getfd EPERM\nunix OK\ninet OK\n\
         inet6 OK\nnetlink OK\npacket EPERM\nvsock EPERM\nbluetooth EPERM\nalg EPERM\nrds EPERM\n\
         key EPERM\nsocketpair_vsock EPERM\n"
    );
}
scenario!(
    io_uring_vsock_and_foreign_socket_families_are_refused,
    kernel_surface
);

fn sibling_memory() {
    let wd = work_dir();
    // The parent holds a secret (as a judge runner holds its nonce) and makes itself
    // non-dumpable; its child (the program under test) tries every way into its memory.
    let code = r#"
import ctypes, errno, os, sys
libc = ctypes.CDLL(None, use_errno=True)
secret = ctypes.create_string_buffer(b"sibling-secret-4242")
assert libc.prctl(4, 0, 0, 0, 0) == 0  # PR_SET_DUMPABLE 0
victim = os.getpid()
addr = ctypes.addressof(secret)
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    out = []
    try:
        with open(f"/proc/{victim}/mem", "rb") as f:
            f.seek(addr)
            out.append("mem " + f.read(19).decode())
    except OSError as e:
        out.append("mem " + errno.errorcode[e.errno])
    for what in ["environ", "maps"]:
        try:
            open(f"/proc/{victim}/{what}", "rb").read()
            out.append(what + " read")
        except OSError as e:
            out.append(what + " " + errno.errorcode[e.errno])
    out.append("visible " + str(str(victim) in os.listdir("/proc")))
    buf = ctypes.create_string_buffer(19)
    local = (ctypes.c_void_p * 2)(ctypes.addressof(buf), 19)
    remote = (ctypes.c_void_p * 2)(addr, 19)
    n = libc.syscall(310, victim, local, 1, remote, 1, 0)
    out.append("vm_readv " + (buf.value.decode() if n > 0 else errno.errorcode[ctypes.get_errno()]))
    os.write(w, "\n".join(out).encode())
    os._exit(0)
os.close(w)
os.waitpid(pid, 0)
print(os.read(r, 4096).decode())
"#;
    let o = run(&python(code, wd.path()));
    assert_eq!(o.exit_code, Some(0), "{}", describe(&o));
    let out = stdout(&o);
    assert!(!out.contains("sibling-secret-4242"), "{out}");
    assert_eq!(
        out,
        "mem ENOENT\nenviron ENOENT\nmaps ENOENT\nvisible False\nvm_readv EPERM\n"
    );
}
scenario!(
    a_non_dumpable_process_memory_is_out_of_reach_of_other_sandboxed_processes,
    sibling_memory
);

/// Reads `len` bytes at `addr` of host process `pid` through `/proc/PID/mem`.
fn read_host_memory(pid: u32, addr: u64, len: usize) -> std::io::Result<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    let mem = std::fs::File::open(format!("/proc/{pid}/mem"))?;
    let mut buf = vec![0u8; len];
    mem.read_exact_at(&mut buf, addr)?;
    Ok(buf)
}

fn other_sandbox_memory() {
    // A dumpable process in one sandbox holds a secret; a process in a concurrent sandbox,
    // running as the same kernel uid and told its host pid and the secret's address, tries
    // every way into it. The host (same uid when unprivileged) can read it, so the victim is
    // a real target: only the namespaces stand in the way.
    let secret = format!("cross-sandbox-secret-{:016x}", rand::random::<u64>());
    let marker = format!("victim-{}-{:x}", std::process::id(), rand::random::<u32>());
    let victim_dir = work_dir();
    let attacker_dir = work_dir();
    let victim_code = r#"
import ctypes, os, sys, time
secret = ctypes.create_string_buffer(sys.stdin.buffer.read())
with open("/work/addr.tmp", "w") as f:
    f.write(str(ctypes.addressof(secret)))
os.rename("/work/addr.tmp", "/work/addr")
deadline = time.monotonic() + 25
while not os.path.exists("/work/done") and time.monotonic() < deadline:
    time.sleep(0.02)
"#;
    let mut victim = command(&[PYTHON, "-c", victim_code, &marker], victim_dir.path());
    victim.stdin = secret.clone().into_bytes();
    let attacker_code = r#"
import ctypes, errno, os, sys
pid, addr = int(sys.argv[1]), int(sys.argv[2])
libc = ctypes.CDLL(None, use_errno=True)
def name(e):
    return errno.errorcode.get(e, str(e))
out = []
for what in ["mem", "environ", "cmdline", "maps"]:
    try:
        with open(f"/proc/{pid}/{what}", "rb") as f:
            if what == "mem":
                f.seek(addr)
            f.read(64)
        out.append(what + " read")
    except OSError as e:
        out.append(what + " " + name(e.errno))
try:
    os.kill(pid, 0)
    out.append("kill delivered")
except OSError as e:
    out.append("kill " + name(e.errno))
fd = libc.syscall(434, pid, 0)  # pidfd_open
out.append("pidfd_open " + ("opened" if fd >= 0 else name(ctypes.get_errno())))
buf = ctypes.create_string_buffer(64)
local = (ctypes.c_void_p * 2)(ctypes.addressof(buf), 64)
remote = (ctypes.c_void_p * 2)(addr, 64)
n = libc.syscall(310, pid, local, 1, remote, 1, 0)  # process_vm_readv
out.append("vm_readv " + ("read" if n > 0 else name(ctypes.get_errno())))
me = os.getpid()
others = sorted(int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != me)
out.append("others " + str(others))
# Whatever is readable at the victim's address in every process this sandbox can see.
seen = b""
for p in [me] + others:
    try:
        with open(f"/proc/{p}/mem", "rb") as f:
            f.seek(addr)
            seen += f.read(64)
    except OSError:
        pass
print("\n".join(out))
sys.stdout.flush()
os.write(1, seen)
"#;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (victim_outcome, attacker_outcome) = rt.block_on(async {
        let victim_run = tokio::spawn(async move { sandbox().run(&victim).await });
        let addr_file = victim_dir.path().join("addr");
        let waited = async {
            while !addr_file.exists() {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(20), waited)
            .await
            .expect("the victim never published its address");
        let addr: u64 = std::fs::read_to_string(&addr_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let found = processes_with(&marker);
        assert_eq!(found.len(), 1, "the victim's host process: {found:?}");
        let host_pid: u32 = found[0].split(':').next().unwrap().parse().unwrap();
        let from_host = read_host_memory(host_pid, addr, secret.len())
            .expect("the host, same uid, reads the dumpable victim's memory");
        assert_eq!(
            from_host,
            secret.as_bytes(),
            "the victim's secret is at {addr:#x}"
        );
        let attacker = command(
            &[
                PYTHON,
                "-c",
                attacker_code,
                &host_pid.to_string(),
                &addr.to_string(),
            ],
            attacker_dir.path(),
        );
        let attacker_outcome = sandbox().run(&attacker).await;
        std::fs::write(victim_dir.path().join("done"), "").unwrap();
        let victim_outcome = victim_run.await.unwrap();
        (victim_outcome, attacker_outcome)
    });
    let victim_outcome = victim_outcome.unwrap();
    assert_eq!(
        victim_outcome.exit_code,
        Some(0),
        "{}",
        describe(&victim_outcome)
    );
    let o = attacker_outcome.unwrap();
    assert_eq!(o.exit_code, Some(0), "{}", describe(&o));
    assert!(
        !o.stdout
            .windows(secret.len())
            .any(|w| w == secret.as_bytes()),
        "the secret leaked: {}",
        describe(&o)
    );
    let expected = "mem ENOENT\nenviron ENOENT\ncmdline ENOENT\nmaps ENOENT\nkill ESRCH\n\
                    pidfd_open ESRCH\nvm_readv EPERM\nothers []\n";
    assert!(stdout(&o).starts_with(expected), "{}", describe(&o));
}
scenario!(
    a_dumpable_process_memory_is_out_of_reach_of_another_sandbox_with_the_same_uid,
    other_sandbox_memory
);

fn timeout_accounting() {
    let wd = work_dir();
    // The loop reports its own CPU time as it goes (a line once it passed 1.1 s, so a loaded
    // machine shows up as such rather than as a wrong figure); the sandbox's must cover it.
    let code = r#"
import sys, time
last = 0
while True:
    t = time.process_time()
    if t - last >= 0.1:
        last = t
        sys.stdout.write(f"{t:.3f}\n" if t < 1.1 else f"{t:.3f} burnt\n")
        sys.stdout.flush()
"#;
    let mut cmd = python(code, wd.path());
    cmd.limits.cpu_time = Duration::from_secs(60);
    cmd.limits.wall_time = Duration::from_secs(6);
    let o = run(&cmd);
    assert_eq!(o.termination, Termination::WallTimeout, "{}", describe(&o));
    assert_eq!(o.signal, Some(libc::SIGKILL));
    let out = stdout(&o);
    assert!(
        out.contains("burnt"),
        "the loop got less than 1.1 s of CPU in 6 s of wall time (machine overloaded?): {out}"
    );
    let own: f64 = out
        .lines()
        .last()
        .and_then(|l| l.split(' ').next())
        .and_then(|l| l.parse().ok())
        .unwrap_or_else(|| panic!("no progress line: {}", describe(&o)));
    assert!(
        o.cpu_time.as_secs_f64() >= own,
        "reported {:?} CPU, the loop itself saw {own} s",
        o.cpu_time
    );
    assert!(
        o.cpu_time >= Duration::from_millis(1100),
        "{:?}",
        o.cpu_time
    );
    // CPython's resident set: a few MiB, far below the limit.
    assert!(
        (2 << 20..=256 << 20).contains(&o.peak_memory_bytes),
        "peak {}",
        o.peak_memory_bytes
    );
}

scenario!(
    a_timed_out_busy_loop_reports_its_cpu_time_and_peak_memory,
    timeout_accounting
);

fn tmpfs_caps() {
    let wd = work_dir();
    let code = r#"
import errno, os
for d in ["/tmp", "/dev/shm"]:
    n = 0
    try:
        while n < 2_000_000:
            open(f"{d}/{n}", "w").close()
            n += 1
        print(d, "files", n)
    except OSError as e:
        print(d, errno.errorcode[e.errno], n)
    for i in range(n):
        os.unlink(f"{d}/{i}")
chunk = b"x" * (1 << 20)
written = 0
try:
    i = 0
    while written < 3 << 30:
        with open(f"/tmp/big{i}", "wb") as f:
            for _ in range(32):
                f.write(chunk)
                written += len(chunk)
        i += 1
    print("wrote", written)
except OSError as e:
    print("write", errno.errorcode[e.errno], written >> 20)
"#;
    let mut cmd = python(code, wd.path());
    cmd.limits.tmp_bytes = 64 << 20;
    cmd.limits.wall_time = Duration::from_secs(60);
    let o = run(&cmd);
    assert_eq!(o.exit_code, Some(0), "{}", describe(&o));
    let inodes = 64 << 20 >> 12;
    // The root directory of each tmpfs takes one inode.
    assert_eq!(
        stdout(&o),
        format!(
            "/tmp ENOSPC {n}\n/dev/shm ENOSPC {n}\nwrite ENOSPC 64\n",
            n = inodes - 1
        )
    );
}
scenario!(tmp_and_shm_are_capped_in_size_and_inodes, tmpfs_caps);

fn capped_work_dir() {
    let ws = tmpfs_workspace(WorkspaceCaps {
        bytes: 64 << 20,
        inodes: 4096,
    });
    let temp = std::env::temp_dir();
    let code = format!(
        r#"
import errno, os
print(open("/work/main.py").read(), end="")
print("nosuid", bool(os.statvfs("/work").f_flag & os.ST_NOSUID))
mounts = open("/proc/self/mountinfo").read()
work = [l for l in mounts.splitlines() if l.split()[4] == "/work"][0]
print("work", work.split()[3], work.split(" - ")[1].split()[0])
print("host paths", [w for w in ["selfheal-", {temp:?} + "/", "/proc/self/fd"] if w in mounts])
n = 0
try:
    while n < 2_000_000:
        open(f"/work/f{{n}}", "w").close()
        n += 1
    print("files", n)
except OSError as e:
    print("files", errno.errorcode[e.errno], n)
for i in range(n):
    os.unlink(f"/work/f{{i}}")
chunk = b"x" * (1 << 20)
written = 0
try:
    i = 0
    while written < 3 << 30:
        with open(f"/work/big{{i}}", "wb") as f:
            for _ in range(32):
                f.write(chunk)
                written += len(chunk)
        i += 1
    print("wrote", written)
except OSError as e:
    print("write", errno.errorcode[e.errno], written >> 20)
for name in os.listdir("/work"):
    if name.startswith("big"):
        os.unlink("/work/" + name)
with open("/work/out.txt", "w") as f:
    f.write("result")
"#,
        temp = temp.to_string_lossy()
    );
    let mut cmd = python(&code, ws.host_path());
    cmd.limits.wall_time = Duration::from_secs(60);
    let o = run(&cmd);
    assert_eq!(o.exit_code, Some(0), "{}", describe(&o));
    let out = stdout(&o);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("print(1)"));
    assert_eq!(lines.next(), Some("nosuid True"));
    // The work directory is a tmpfs root, not a host path.
    assert_eq!(lines.next(), Some("work / tmpfs"));
    assert_eq!(lines.next(), Some("host paths []"));
    // The inode cap counts the root, .selfheal and main.py.
    assert_eq!(lines.next(), Some("files ENOSPC 4093"));
    let write = lines.next().unwrap_or_default();
    // 64 MiB minus what the program's own files take.
    assert!(
        write == "write ENOSPC 63" || write == "write ENOSPC 64",
        "{write}\n{}",
        describe(&o)
    );
    assert_eq!(ws.read_text("out.txt").unwrap(), "result");
    ws.remove().unwrap();
}
scenario!(
    the_work_dir_is_a_capped_tmpfs_that_shows_no_host_path,
    capped_work_dir
);

fn dropped_run_on_tmpfs() {
    let marker = format!("31.{}", std::process::id());
    let ws = tmpfs_workspace(WorkspaceCaps::default());
    let fd_path = ws.host_path().to_path_buf();
    let cmd = command(&["/bin/sleep", &marker], ws.host_path());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let job = async move {
            let outcome = sandbox().run(&cmd).await;
            drop(ws);
            outcome
        };
        tokio::pin!(job);
        let waited = async {
            while processes_with(&marker).is_empty() {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        tokio::select! {
            r = &mut job => panic!("the run ended by itself: {r:?}"),
            _ = tokio::time::timeout(Duration::from_secs(20), waited) => {}
        }
        assert!(!processes_with(&marker).is_empty());
    });
    assert_eq!(processes_with(&marker), Vec::<String>::new());
    // The descriptor holding the tmpfs is closed (or reused by something else).
    let still = std::fs::read_link(&fd_path)
        .map(|t| t.to_string_lossy().into_owned())
        .unwrap_or_default();
    assert_ne!(still, "/", "the work tmpfs is still held");
}
scenario!(
    dropping_a_run_on_a_tmpfs_work_dir_kills_it_and_frees_the_tmpfs,
    dropped_run_on_tmpfs
);
