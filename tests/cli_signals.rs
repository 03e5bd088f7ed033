//! SIGINT and SIGTERM to a running `selfheal` stop its sandboxes, remove its work directories
//! and exit with 128 + the signal number.

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

fn spawn(args: &[&str], tmp: &Path, data: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_selfheal"))
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

fn interrupt(command: &[&str], signal: libc::c_int, code: i32) {
    let tmp = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let program = tempfile::tempdir().unwrap();
    let token = unique_sleep();
    sleeping_program(program.path(), &token);
    let mut args = command.to_vec();
    let path = program.path().display().to_string();
    args.push(&path);
    let mut child = spawn(&args, tmp.path(), data.path());
    wait_until_started(&mut child, &token);
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
