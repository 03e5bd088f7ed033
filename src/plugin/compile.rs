//! Compiling a component under a bound on time and memory.
//!
//! Cranelift's cost grows with the shape of the code, not just its size (a 2.2 MB component
//! can take minutes of CPU and hundreds of MB), and wasmtime cannot cancel a compilation. So it
//! runs in a forked child process: `RLIMIT_CPU` caps its CPU time, `RLIMIT_AS` its memory
//! (address space above what the child inherited), and the parent kills it at the wall-clock
//! deadline. The child writes the compiled form (`Engine::precompile_component`) to an
//! anonymous file and exits; the parent deserializes it. Nothing the component contains runs
//! in the child: it is only compiled.
//!
//! The child is a copy of a multi-threaded process with only the forking thread in it, so it
//! compiles on that one thread (an engine with parallel compilation off: a thread pool
//! inherited from the parent has no threads in the child) and leaves with `_exit`.

use std::io::{Read, Seek, Write};
use std::os::fd::{AsRawFd, FromRawFd};
use std::time::{Duration, Instant};

use wasmtime::component::Component;
use wasmtime::Engine;

use super::PluginError;

/// Exit code of a child whose compilation returned an error (its message is in the file).
const EXIT_COMPILE_ERROR: i32 = 3;
/// Exit code of a child whose compilation panicked.
const EXIT_PANIC: i32 = 4;

/// How much longer than its CPU bound a compilation may take on the wall clock: on a loaded
/// machine a compile that fits its CPU budget must not be refused for waiting on the cores,
/// while a child stuck without using CPU is still killed.
pub const WALL_CLOCK_FACTOR: u32 = 4;

/// The bounds of one compilation.
#[derive(Debug, Clone, Copy)]
pub struct CompileBounds {
    /// CPU time (rounded up to whole seconds); the wall-clock deadline is
    /// [`WALL_CLOCK_FACTOR`] times this.
    pub timeout: Duration,
    /// Address space the compilation may add to what the child inherited.
    pub memory_bytes: usize,
}

/// Compiles `bytes` with `compiler` (same configuration as `engine`, serial compilation) in a
/// child process under `bounds`, and loads the result into `engine`.
///
/// # Errors
///
/// [`PluginError::CompileTimeout`] past the deadline or the CPU limit,
/// [`PluginError::CompileMemory`] when the compiler ran out of its memory bound,
/// [`PluginError::Compile`] when the component does not compile or the child cannot be run.
pub fn compile_bounded(
    engine: &Engine,
    compiler: &Engine,
    bytes: &[u8],
    bounds: CompileBounds,
) -> Result<Component, PluginError> {
    let fail = |what: &str, e: std::io::Error| PluginError::Compile(format!("{what}: {e}"));
    let mut out = tempfile::tempfile().map_err(|e| fail("cannot create the output file", e))?;
    let out_fd = out.as_raw_fd();
    let started = Instant::now();
    // SAFETY: the child only runs `child`, which allocates and compiles on its one thread
    // and leaves with `_exit` (no destructors, no atexit handlers, no return into the caller).
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(fail(
            "cannot start the compiler process",
            std::io::Error::last_os_error(),
        ));
    }
    if pid == 0 {
        // SAFETY: in the child, see above.
        unsafe { child(compiler, bytes, out_fd, bounds) }
    }
    let status = wait_until(pid, started + bounds.timeout * WALL_CLOCK_FACTOR)
        .map_err(|e| fail("cannot wait for the compiler process", e))?;
    let Some(status) = status else {
        return Err(PluginError::CompileTimeout {
            limit: bounds.timeout,
        });
    };
    let mut output = Vec::new();
    out.seek(std::io::SeekFrom::Start(0))
        .and_then(|_| out.read_to_end(&mut output))
        .map_err(|e| fail("cannot read the compiled component", e))?;
    if libc::WIFSIGNALED(status) {
        return Err(match libc::WTERMSIG(status) {
            libc::SIGXCPU | libc::SIGKILL => PluginError::CompileTimeout {
                limit: bounds.timeout,
            },
            // An allocation refused under RLIMIT_AS aborts the process.
            libc::SIGABRT => PluginError::CompileMemory {
                limit: bounds.memory_bytes,
            },
            signal => PluginError::Compile(format!("the compiler process died of signal {signal}")),
        });
    }
    match libc::WEXITSTATUS(status) {
        0 => {
            // SAFETY: `output` is what `Engine::precompile_component` produced in our own
            // child for an engine of this configuration, passed through an anonymous file no
            // other process can open; `deserialize` still checks the header and engine.
            unsafe { Component::deserialize(engine, &output) }
                .map_err(|e| PluginError::Compile(format!("{e:#}")))
        }
        EXIT_COMPILE_ERROR => {
            let message = String::from_utf8_lossy(&output);
            // Out of memory can also surface as an error (an mmap refused) rather than abort.
            if message.contains("Cannot allocate memory") || message.contains("out of memory") {
                return Err(PluginError::CompileMemory {
                    limit: bounds.memory_bytes,
                });
            }
            Err(PluginError::Compile(message.into_owned()))
        }
        EXIT_PANIC => Err(PluginError::Compile("the compiler panicked".into())),
        code => Err(PluginError::Compile(format!(
            "the compiler process exited with code {code}"
        ))),
    }
}

/// Waits for `pid` until `deadline`; `None` when it had to be killed.
fn wait_until(pid: libc::pid_t, deadline: Instant) -> std::io::Result<Option<libc::c_int>> {
    let mut pause = Duration::from_micros(200);
    loop {
        let mut status = 0;
        // SAFETY: an all-zero rusage is a valid value.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: wait4 on our own child.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
            tracing::debug!(
                cpu_s = seconds(usage.ru_utime) + seconds(usage.ru_stime),
                peak_rss_kib = usage.ru_maxrss,
                "plugin compiler process ended"
            );
            return Ok(Some(status));
        }
        if r < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() != std::io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
        let now = Instant::now();
        if now >= deadline {
            // SAFETY: our own child, not yet reaped (so its pid cannot have been reused).
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, &mut status, 0);
            }
            return Ok(None);
        }
        std::thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(20));
    }
}

/// The child: limits itself, compiles, writes the result (or the error) and exits.
///
/// # Safety
///
/// Only in the child of `fork`.
unsafe fn child(compiler: &Engine, bytes: &[u8], out_fd: libc::c_int, bounds: CompileBounds) -> ! {
    let cpu = bounds.timeout.as_secs() + u64::from(bounds.timeout.subsec_nanos() > 0);
    let cpu = cpu.max(1) as libc::rlim_t;
    let cpu_limit = libc::rlimit {
        rlim_cur: cpu,
        rlim_max: cpu + 1,
    };
    // Memory the parent allocated and freed before the fork is reused first, uncounted.
    let inherited = address_space().unwrap_or(0);
    let memory = inherited.saturating_add(bounds.memory_bytes) as libc::rlim_t;
    let memory_limit = libc::rlimit {
        rlim_cur: memory,
        rlim_max: memory,
    };
    // SAFETY: plain syscalls on this process.
    if libc::setrlimit(libc::RLIMIT_CPU, &cpu_limit) != 0
        || libc::setrlimit(libc::RLIMIT_AS, &memory_limit) != 0
    {
        libc::_exit(EXIT_PANIC);
    }
    // SAFETY: the parent's file, shared with us; ManuallyDrop leaves closing to `_exit`.
    let mut out = std::mem::ManuallyDrop::new(std::fs::File::from_raw_fd(out_fd));
    let compiled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        compiler.precompile_component(bytes)
    }));
    let code = match compiled {
        Ok(Ok(code)) => match out.write_all(&code) {
            Ok(()) => 0,
            Err(_) => EXIT_PANIC,
        },
        Ok(Err(e)) => {
            let _ = out.write_all(format!("{e:#}").as_bytes());
            EXIT_COMPILE_ERROR
        }
        Err(_) => EXIT_PANIC,
    };
    libc::_exit(code)
}

/// This process's address space in bytes (`/proc/self/statm`'s first field, in pages).
fn address_space() -> Option<usize> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: usize = statm.split_whitespace().next()?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    Some(pages.saturating_mul(usize::try_from(page).ok()?))
}
