//! Runs host commands (probes, dependency builds) with a deadline and bounded output.
//!
//! These run on the host, outside the sandbox, and only ever execute the toolchain's own
//! binaries with arguments from the toolchain file: never a program's code.

use std::io::Read;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// Output kept per stream; a probe that prints more is broken, a build log is cut.
const MAX_OUTPUT: usize = 32 << 20;

pub(crate) struct Output {
    pub(crate) status: ExitStatus,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Output {
    /// The last `n` lines of stderr (then stdout), for error messages.
    pub(crate) fn tail(&self, n: usize) -> String {
        let text = if self.stderr.trim().is_empty() {
            &self.stdout
        } else {
            &self.stderr
        };
        let lines: Vec<&str> = text.trim_end().lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }
}

/// Describes a command for error messages.
pub(crate) fn describe(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `cmd` with stdin closed, capturing stdout and stderr. Kills it at `timeout`.
pub(crate) fn run(cmd: &mut Command, timeout: Duration) -> Result<Output, String> {
    let deadline = Instant::now() + timeout;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start: {e}"))?;
    let (tx, rx) = mpsc::channel();
    let mut readers = 0;
    if let Some(out) = child.stdout.take() {
        spawn_reader(out, 0, tx.clone());
        readers += 1;
    }
    if let Some(err) = child.stderr.take() {
        spawn_reader(err, 1, tx.clone());
        readers += 1;
    }
    drop(tx);
    let mut streams = [Vec::new(), Vec::new()];
    // Both pipes reach EOF when the child (and anything it spawned) exits: no polling needed
    // in the common case.
    while readers > 0 {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((index, bytes)) => {
                streams[index] = bytes;
                readers -= 1;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                // Best effort: the child may have exited between the timeout and the kill.
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("timed out after {:.1} s", timeout.as_secs_f64()));
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    // The pipes are closed; the child has exited or is about to.
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(2)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("timed out after {:.1} s", timeout.as_secs_f64()));
            }
            Err(e) => return Err(format!("cannot wait: {e}")),
        }
    };
    let [stdout, stderr] = streams;
    Ok(Output {
        status,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    })
}

fn spawn_reader(
    mut stream: impl Read + Send + 'static,
    index: usize,
    tx: mpsc::Sender<(usize, Vec<u8>)>,
) {
    thread::spawn(move || {
        let mut kept = Vec::new();
        let mut buf = [0u8; 16 * 1024];
        loop {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let room = MAX_OUTPUT.saturating_sub(kept.len());
                    kept.extend_from_slice(&buf[..n.min(room)]);
                }
            }
        }
        // The receiver is gone only if `run` already gave up (timeout).
        let _ = tx.send((index, kept));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_output_and_status() {
        let out = run(
            Command::new("/bin/sh").args(["-c", "echo out; echo err >&2; exit 3"]),
            Duration::from_secs(10),
        )
        .unwrap();
        assert_eq!(out.stdout, "out\n");
        assert_eq!(out.stderr, "err\n");
        assert_eq!(out.status.code(), Some(3));
        assert_eq!(out.tail(5), "err");
    }

    #[test]
    fn kills_at_deadline() {
        let err = run(
            Command::new("/bin/sh").args(["-c", "sleep 5"]),
            Duration::from_millis(100),
        )
        .err()
        .unwrap();
        assert!(err.contains("timed out"), "{err}");
    }

    #[test]
    fn missing_program_is_an_error() {
        let err = run(
            &mut Command::new("/nonexistent/selfheal-x"),
            Duration::from_secs(1),
        )
        .err()
        .unwrap();
        assert!(err.contains("cannot start"), "{err}");
    }
}
