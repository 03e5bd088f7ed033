//! Turning what the kernel reported into a [`Termination`], and bounded output capture.

use std::time::Duration;

use crate::types::Termination;

use super::Limits;

/// How much of the end of stderr is kept (besides the first `output_bytes`) for the
/// out-of-memory heuristic, whose messages come last.
pub(crate) const TAIL_BYTES: usize = 4096;

/// Messages runtimes print when an allocation fails under RLIMIT_AS:
/// Python (`MemoryError`), Rust (`memory allocation of N bytes failed`), Go and Node
/// (`out of memory`), C/C++ (`Cannot allocate memory`, `std::bad_alloc`).
const OOM_MARKERS: [&[u8]; 6] = [
    b"MemoryError",
    b"memory allocation of",
    b"out of memory",
    b"Out of memory",
    b"Cannot allocate memory",
    b"std::bad_alloc",
];

/// `strerror(EFBIG)`: what a program that ignores SIGXFSZ (CPython does) sees.
const FSIZE_MARKER: &[u8] = b"File too large";

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// What the command's wait status says, plus what the sandbox measured.
#[derive(Debug, Clone)]
pub(crate) struct Observed<'a> {
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    /// The wall-clock deadline passed and the sandbox killed the namespace before the command
    /// ended by itself.
    pub timed_out: bool,
    pub cpu_time: Duration,
    pub peak_memory_bytes: u64,
    /// The kernel's out-of-memory killer killed a process of the sandbox's own cgroup (its
    /// memory limit for all its processes together was reached).
    pub oom_killed: bool,
    /// The last bytes of stderr (at most [`TAIL_BYTES`]).
    pub stderr_tail: &'a [u8],
}

/// Maps an observation to a [`Termination`].
///
/// Limits enforced by rlimits are recognised by their signals (SIGXCPU, SIGXFSZ, or SIGKILL
/// once the CPU time reached the limit) and, for commands run through a shell, by the shell's
/// `128 + signal` exit code. Running out of memory under RLIMIT_AS has no signal of its own:
/// the allocation just fails, so it is a heuristic: a failure exit (non-zero, or
/// SIGABRT/SIGSEGV/SIGBUS/SIGKILL) whose stderr ends with a runtime's out-of-memory message,
/// or a SIGABRT/SIGSEGV/SIGBUS with peak resident memory at 80% of the limit or more.
pub(crate) fn classify(o: &Observed<'_>, limits: &Limits) -> Termination {
    if o.timed_out {
        return Termination::WallTimeout;
    }
    let sig = o.signal;
    if o.oom_killed && (sig.is_some() || matches!(o.exit_code, Some(c) if c != 0)) {
        return Termination::OutOfMemory;
    }
    let shell_sig = o
        .exit_code
        .and_then(|c| (129..=192).contains(&c).then(|| c - 128));
    if sig == Some(libc::SIGXCPU) || shell_sig == Some(libc::SIGXCPU) {
        return Termination::CpuLimit;
    }
    if sig == Some(libc::SIGKILL) && o.cpu_time >= limits.cpu_time {
        return Termination::CpuLimit;
    }
    if sig == Some(libc::SIGXFSZ) || shell_sig == Some(libc::SIGXFSZ) {
        return Termination::FileSizeLimit;
    }
    let failed = matches!(o.exit_code, Some(c) if c != 0)
        || matches!(
            sig,
            Some(libc::SIGABRT) | Some(libc::SIGSEGV) | Some(libc::SIGBUS) | Some(libc::SIGKILL)
        );
    if failed && OOM_MARKERS.iter().any(|m| contains(o.stderr_tail, m)) {
        return Termination::OutOfMemory;
    }
    let crashed = matches!(
        sig,
        Some(libc::SIGABRT) | Some(libc::SIGSEGV) | Some(libc::SIGBUS)
    );
    if crashed && o.peak_memory_bytes.saturating_mul(10) >= limits.memory_bytes.saturating_mul(8) {
        return Termination::OutOfMemory;
    }
    if failed && contains(o.stderr_tail, FSIZE_MARKER) {
        return Termination::FileSizeLimit;
    }
    if sig.is_some() {
        Termination::Signaled
    } else {
        Termination::Exited
    }
}

/// One captured stream: the first `limit` bytes, a count of everything, and a short tail.
#[derive(Debug)]
pub(crate) struct Capture {
    pub kept: Vec<u8>,
    pub total: u64,
    limit: usize,
    keep_tail: bool,
    pub tail: Vec<u8>,
}

impl Capture {
    pub(crate) fn new(limit: usize, keep_tail: bool) -> Capture {
        Capture {
            kept: Vec::new(),
            total: 0,
            limit,
            keep_tail,
            tail: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, data: &[u8]) {
        self.total = self.total.saturating_add(data.len() as u64);
        let room = self.limit.saturating_sub(self.kept.len());
        self.kept.extend_from_slice(&data[..room.min(data.len())]);
        if self.keep_tail {
            if data.len() >= TAIL_BYTES {
                self.tail.clear();
                self.tail
                    .extend_from_slice(&data[data.len() - TAIL_BYTES..]);
            } else {
                self.tail.extend_from_slice(data);
                if self.tail.len() > TAIL_BYTES {
                    let excess = self.tail.len() - TAIL_BYTES;
                    self.tail.drain(..excess);
                }
            }
        }
    }

    pub(crate) fn truncated(&self) -> bool {
        self.total > self.kept.len() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(exit: Option<i32>, sig: Option<i32>, tail: &[u8]) -> Observed<'_> {
        Observed {
            oom_killed: false,
            exit_code: exit,
            signal: sig,
            timed_out: false,
            cpu_time: Duration::from_millis(10),
            peak_memory_bytes: 1 << 20,
            stderr_tail: tail,
        }
    }

    /// What a row shows, the exit status, the signal, the stderr tail, and the termination it
    /// is classified as.
    type Case = (
        &'static str,
        Option<i32>,
        Option<i32>,
        &'static [u8],
        Termination,
    );

    const OBSERVED: &[Case] = &[
        ("a clean exit", Some(0), None, b"", Termination::Exited),
        (
            "a failing exit",
            Some(1),
            None,
            b"boom",
            Termination::Exited,
        ),
        (
            "SIGXCPU",
            None,
            Some(libc::SIGXCPU),
            b"",
            Termination::CpuLimit,
        ),
        (
            "a shell's exit status for SIGXFSZ",
            Some(128 + libc::SIGXFSZ),
            None,
            b"",
            Termination::FileSizeLimit,
        ),
        (
            "SIGXFSZ",
            None,
            Some(libc::SIGXFSZ),
            b"",
            Termination::FileSizeLimit,
        ),
        (
            "Python's MemoryError",
            Some(1),
            None,
            b"Traceback...\nMemoryError\n",
            Termination::OutOfMemory,
        ),
        (
            "Rust's failed allocation",
            None,
            Some(libc::SIGABRT),
            b"memory allocation of 1 bytes failed\n",
            Termination::OutOfMemory,
        ),
        (
            "a successful run that merely prints the word is not out of memory",
            Some(0),
            None,
            b"MemoryError",
            Termination::Exited,
        ),
        (
            "SIGSEGV",
            None,
            Some(libc::SIGSEGV),
            b"",
            Termination::Signaled,
        ),
    ];

    #[test]
    fn classifies_limits() {
        let l = Limits::default();
        for (case, exit, signal, tail, expected) in OBSERVED {
            assert_eq!(
                classify(&obs(*exit, *signal, tail), &l),
                *expected,
                "{case}"
            );
        }
        let mut k = obs(None, Some(libc::SIGKILL), b"");
        k.cpu_time = l.cpu_time;
        assert_eq!(classify(&k, &l), Termination::CpuLimit);
        let mut t = obs(None, Some(libc::SIGKILL), b"");
        t.timed_out = true;
        assert_eq!(classify(&t, &l), Termination::WallTimeout);
    }

    #[test]
    fn capture_bounds_and_counts() {
        let mut c = Capture::new(10, true);
        c.push(b"0123456");
        c.push(b"789abcdef");
        assert_eq!(c.kept, b"0123456789");
        assert_eq!(c.total, 16);
        assert!(c.truncated());
        assert_eq!(c.tail, b"0123456789abcdef");
        let big = vec![b'x'; TAIL_BYTES + 5];
        c.push(&big);
        assert_eq!(c.tail.len(), TAIL_BYTES);
        assert_eq!(c.kept.len(), 10);
    }
}
