//! The host side: [`Sandbox`], launching, waiting, capturing, probing.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use tokio::io::unix::AsyncFd;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::unix::pipe;
use tracing::Instrument;

use super::child::{self, Record, KIND_ERROR, KIND_STATUS, RECORD_SIZE};
use super::outcome::{classify, Capture, Observed};
use super::plan::{self, ChildFds, HostContext, Prepared};
use super::scope::RunCgroup;
use super::seccomp;
use super::spawn::{self, IdMap, Request, SpawnFailure, SpawnResult, Spawned};
use super::{Limits, RunOutcome, SandboxCommand, SandboxError};
use crate::types::Termination;

/// Host uid/gid the sandbox's root maps to when the host runs as root (`nobody`).
pub const DEFAULT_ROOT_MAPPING: (u32, u32) = (65534, 65534);

/// How long output pipes may stay open after the sandbox died (only a descriptor leaked into
/// an unrelated host process that has not yet exec'd can hold them).
const OUTPUT_GRACE: Duration = Duration::from_secs(2);

/// How long the init gets, after the deadline, to kill and reap the sandbox's processes and
/// report their resource usage before it is killed itself (then only its own usage is known).
const STOP_GRACE: Duration = Duration::from_secs(2);

/// Runs commands in fresh namespaces. Cheap to clone; `Send + Sync`.
///
/// `run` needs a tokio runtime with IO and time drivers enabled (`enable_all`).
#[derive(Debug, Clone)]
pub struct Sandbox {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    host: HostContext,
    ids: IdMap,
}

fn read_sysctl(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
}

/// Creates a close-on-exec pipe whose ends are both >= 3 (so the child's `dup2` onto 0..2
/// can never clobber another of its pipes, even in a host whose stdio is closed).
fn pipe_pair() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: pipe2 writes two descriptors into the array.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both descriptors were just created and are owned by nobody else.
    let (r, w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    Ok((high(r)?, high(w)?))
}

fn high(fd: OwnedFd) -> io::Result<OwnedFd> {
    if fd.as_raw_fd() >= 3 {
        return Ok(fd);
    }
    // SAFETY: F_DUPFD_CLOEXEC returns a new descriptor we own; `fd` is closed on drop.
    let n = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 3) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: n is a fresh descriptor.
    Ok(unsafe { OwnedFd::from_raw_fd(n) })
}

fn set_nonblocking(fd: &OwnedFd) -> io::Result<()> {
    // SAFETY: fcntl on a descriptor we own.
    unsafe {
        let flags = libc::fcntl(fd.as_raw_fd(), libc::F_GETFL);
        if flags < 0 || libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK) < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// The host's ends of a launched sandbox.
struct HostEnds {
    /// Kept open for the whole run so writing stdin never meets a closed pipe (no SIGPIPE
    /// in hosts that do not ignore it).
    stdin_r: OwnedFd,
    stdin_w: OwnedFd,
    stdout_r: OwnedFd,
    stderr_r: OwnedFd,
    report_r: OwnedFd,
    descriptions: Vec<String>,
}

/// Kills and reaps a spawned init unless the run finished normally (cancellation safety).
///
/// The reap is synchronous: when the guard is gone, so is every process of the sandbox (the
/// kernel lets a PID namespace's init finish exiting only after all its other processes
/// have died), so a caller that drops a run and then removes the work directory cannot race
/// a process still writing into it. Killing a namespace takes milliseconds, longer only for
/// processes with gigabytes to unmap.
struct Guard {
    spawned: Option<Spawned>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(s) = self.spawned.take() {
            spawn::kill(&s.pidfd);
            loop {
                let mut status = 0;
                // SAFETY: waitpid on our own child.
                let r = unsafe { libc::waitpid(s.pid, &mut status, libc::__WALL) };
                if r < 0 && io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                    continue;
                }
                if r < 0 {
                    // ECHILD: an embedder's `waitpid(-1)` reaped it; wait on the pidfd instead.
                    let mut pfd = libc::pollfd {
                        fd: s.pidfd.as_raw_fd(),
                        events: libc::POLLIN,
                        revents: 0,
                    };
                    // SAFETY: poll on one pollfd we own.
                    unsafe { libc::poll(&mut pfd, 1, 10_000) };
                }
                break;
            }
        }
    }
}

/// What the report pipe said: the first error, and the command's status.
#[derive(Debug, Clone, Copy, Default)]
struct Records {
    error: Option<Record>,
    status: Option<Record>,
    /// Bytes of a record split across reads.
    partial: [u8; RECORD_SIZE],
    partial_len: usize,
}

impl Records {
    fn feed(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let take = (RECORD_SIZE - self.partial_len).min(data.len());
            self.partial[self.partial_len..self.partial_len + take].copy_from_slice(&data[..take]);
            self.partial_len += take;
            data = &data[take..];
            if self.partial_len == RECORD_SIZE {
                self.partial_len = 0;
                let rec = decode(&self.partial);
                match rec.kind {
                    KIND_ERROR if self.error.is_none() => self.error = Some(rec),
                    KIND_STATUS => self.status = Some(rec),
                    _ => {}
                }
            }
        }
    }
}

fn decode(b: &[u8; RECORD_SIZE]) -> Record {
    let u32_at = |i: usize| {
        let mut w = [0u8; 4];
        w.copy_from_slice(&b[i..i + 4]);
        u32::from_ne_bytes(w)
    };
    let u64_at = |i: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[i..i + 8]);
        u64::from_ne_bytes(w)
    };
    Record {
        kind: u32_at(0),
        stage: u32_at(4),
        index: u32_at(8),
        value: u32_at(12) as i32,
        cpu_us: u64_at(16),
        maxrss_kb: u64_at(24),
    }
}

/// Reads records until the status arrives or the pipe ends.
async fn read_records(rx: &mut pipe::Receiver, records: &mut Records) {
    let mut buf = [0u8; RECORD_SIZE * 4];
    while records.status.is_none() {
        match rx.read(&mut buf).await {
            Ok(0) => break,
            Ok(n) => records.feed(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
}

/// Reads whatever records are already in the pipe (the writers are gone).
fn drain_records(rx: &mut pipe::Receiver, records: &mut Records) {
    let mut buf = [0u8; RECORD_SIZE * 4];
    loop {
        match rx.try_read(&mut buf) {
            Ok(0) => break,
            Ok(n) => records.feed(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
}

/// Reads every record already written (probe; the writers are gone, so this ends at EOF).
fn read_records_sync(fd: &OwnedFd) -> Records {
    let mut records = Records::default();
    let mut buf = [0u8; RECORD_SIZE * 4];
    loop {
        // SAFETY: reads into a stack buffer of the given length.
        let n = unsafe {
            libc::read(
                fd.as_raw_fd(),
                buf.as_mut_ptr() as *mut libc::c_void,
                buf.len(),
            )
        };
        if n > 0 {
            records.feed(&buf[..n as usize]);
            continue;
        }
        if n < 0 && io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
            continue;
        }
        break records;
    }
}

fn stage_name(rec: &Record, descriptions: &[String]) -> String {
    let s = match rec.stage {
        child::STAGE_SETSID => "start a new session",
        child::STAGE_OP => {
            return descriptions
                .get(rec.index as usize)
                .cloned()
                .unwrap_or_else(|| format!("mount step {}", rec.index))
        }
        child::STAGE_PIVOT => "switch to the new root (pivot_root)",
        child::STAGE_ROOT_RO => "make the new root read-only",
        child::STAGE_LOOPBACK => "bring up the loopback interface",
        child::STAGE_HOSTNAME => "set the hostname",
        child::STAGE_FORK => "fork the command",
        child::STAGE_RLIMIT => "set resource limits",
        child::STAGE_IDS => "switch to the sandbox user",
        child::STAGE_CAPS => "drop capabilities",
        child::STAGE_NO_NEW_PRIVS => "set no_new_privs",
        child::STAGE_CHDIR => "enter the working directory",
        child::STAGE_SECCOMP => "install the seccomp filter",
        child::STAGE_EXEC => "execute the program",
        child::STAGE_STDIO => "connect stdin/stdout/stderr",
        child::STAGE_CLONE_TREE => {
            return format!(
                "clone the mount source for: {}",
                descriptions
                    .get(rec.index as usize)
                    .map(String::as_str)
                    .unwrap_or("a bind mount")
            )
        }
        child::STAGE_FSIDS => "switch the filesystem ids to the sandbox user",
        child::STAGE_CGROUP => "join the sandbox's cgroup",
        _ => "set up the sandbox",
    };
    s.to_string()
}

fn error_from_record(
    rec: &Record,
    descriptions: &[String],
    cmd: &SandboxCommand,
    cwd: &str,
) -> SandboxError {
    let err = io::Error::from_raw_os_error(rec.value);
    let program = cmd.argv.first().cloned().unwrap_or_default();
    match rec.stage {
        child::STAGE_EXEC => SandboxError::Exec {
            message: format!(
                "execve failed: {err}{}",
                if rec.value == libc::ENOENT {
                    " (is it, and the interpreter/libraries it needs, mounted in the sandbox?)"
                } else {
                    ""
                }
            ),
            program,
        },
        child::STAGE_CHDIR => SandboxError::Exec {
            program,
            message: format!("cannot enter the working directory {cwd}: {err}"),
        },
        _ => SandboxError::Setup(format!("cannot {}: {err}", stage_name(rec, descriptions))),
    }
}

fn spawn_error(f: SpawnFailure) -> SandboxError {
    let (reason, fix) = diagnose(
        &format!("{} failed: {}", f.step, f.error),
        f.error.raw_os_error(),
    );
    SandboxError::Unavailable { reason, fix }
}

/// Explains why namespaces are refused, with the command that fixes it.
fn diagnose(what: &str, errno: Option<i32>) -> (String, String) {
    // SAFETY: geteuid cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    if read_sysctl("/proc/sys/user/max_user_namespaces").as_deref() == Some("0") {
        return (
            format!("user namespaces are disabled (user.max_user_namespaces = 0); {what}"),
            "sysctl -w user.max_user_namespaces=15000 (persist it in /etc/sysctl.d/)".into(),
        );
    }
    if !root && read_sysctl("/proc/sys/kernel/unprivileged_userns_clone").as_deref() == Some("0") {
        return (
            format!("unprivileged user namespaces are disabled; {what}"),
            "sysctl -w kernel.unprivileged_userns_clone=1 (persist it in /etc/sysctl.d/)".into(),
        );
    }
    if !root
        && read_sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns").as_deref()
            == Some("1")
    {
        return (
            format!("AppArmor restricts unprivileged user namespaces; {what}"),
            "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or give this program an \
             AppArmor profile with `userns,`"
                .into(),
        );
    }
    if errno == Some(libc::ENOSYS) {
        return (
            format!("the kernel lacks a required system call; {what}"),
            "run on Linux 5.12 or newer (clone3, pidfds, mount_setattr, close_range)".into(),
        );
    }
    if errno == Some(libc::ENOSPC) {
        return (
            format!("the user namespace limit is exhausted; {what}"),
            "raise it: sysctl -w user.max_user_namespaces=15000".into(),
        );
    }
    (
        format!("creating the sandbox's namespaces was refused; {what}"),
        "if this runs in a container, allow clone3/unshare/mount with CLONE_NEWUSER in its \
         seccomp profile (docker: --security-opt seccomp=unconfined, or a custom profile) and \
         do not drop user namespaces; otherwise check that user namespaces are enabled \
         (sysctl user.max_user_namespaces)"
            .into(),
    )
}

impl Sandbox {
    /// Probes the kernel (once per process) and returns a sandbox, or
    /// [`SandboxError::Unavailable`] with the reason and the fix. When the host runs as root,
    /// the sandbox's root maps to host uid/gid 65534 (`nobody`).
    pub fn new() -> Result<Sandbox, SandboxError> {
        Sandbox::with_root_mapping(DEFAULT_ROOT_MAPPING.0, DEFAULT_ROOT_MAPPING.1)
    }

    /// Like [`Sandbox::new`], choosing the unprivileged host uid/gid the sandbox's root maps to
    /// when the host runs as root (ignored otherwise: an ordinary user can only map itself).
    pub fn with_root_mapping(uid: u32, gid: u32) -> Result<Sandbox, SandboxError> {
        if uid == 0 || gid == 0 {
            return Err(SandboxError::InvalidCommand(
                "the sandbox's root must map to an unprivileged host uid/gid, not 0 (the kernel \
                 exempts host root from RLIMIT_NPROC)"
                    .into(),
            ));
        }
        // SAFETY: these getters cannot fail.
        let (euid, egid) = unsafe { (libc::geteuid(), libc::getegid()) };
        let host_is_root = euid == 0;
        let ids = if host_is_root {
            IdMap::Root { uid, gid }
        } else {
            IdMap::User {
                uid: euid,
                gid: egid,
            }
        };
        let filters = seccomp::compile().map_err(|reason| SandboxError::Unavailable {
            reason,
            fix: "run on x86_64 or aarch64 Linux".into(),
        })?;
        let cap_last = read_sysctl("/proc/sys/kernel/cap_last_cap")
            .and_then(|s| s.parse().ok())
            .unwrap_or(63);
        let sandbox = Sandbox {
            inner: Arc::new(Inner {
                host: HostContext {
                    host_is_root,
                    cap_last,
                    filters: Arc::new(filters),
                },
                ids,
            }),
        };
        static VERDICT: OnceLock<Result<(), (String, String)>> = OnceLock::new();
        match VERDICT.get_or_init(|| sandbox.probe()) {
            Ok(()) => Ok(sandbox),
            Err((reason, fix)) => Err(SandboxError::Unavailable {
                reason: reason.clone(),
                fix: fix.clone(),
            }),
        }
    }

    /// The host uid/gid that must own the work directory so the sandbox can write it: the
    /// mapped ids when the host is root, `None` (leave as is) for an ordinary user, whose own
    /// files the sandbox already owns.
    pub fn work_dir_owner(&self) -> Option<(u32, u32)> {
        match self.inner.ids {
            IdMap::Root { uid, gid } => Some((uid, gid)),
            IdMap::User { .. } => None,
        }
    }

    fn launch(
        &self,
        cmd: &SandboxCommand,
        probe: bool,
        cgroup: Option<std::sync::mpsc::Receiver<Result<Arc<RunCgroup>, String>>>,
        cgroup_tasks: &[PathBuf],
        reply: Box<dyn FnOnce(SpawnResult) + Send>,
    ) -> Result<HostEnds, SandboxError> {
        let (stdin_r, stdin_w) = pipe_pair()?;
        let (stdout_r, stdout_w) = pipe_pair()?;
        let (stderr_r, stderr_w) = pipe_pair()?;
        let (report_r, report_w) = pipe_pair()?;
        let (sync_r, sync_w) = pipe_pair()?;
        let fds = ChildFds {
            sync_r: sync_r.as_raw_fd(),
            report_w: report_w.as_raw_fd(),
            stdin_r: stdin_r.as_raw_fd(),
            stdout_w: stdout_w.as_raw_fd(),
            stderr_w: stderr_w.as_raw_fd(),
            host_pidfd: spawn::host_pidfd()?,
            work_fd: -1,
        };
        let Prepared {
            mut plan,
            descriptions,
        } = plan::prepare(cmd, &self.inner.host, fds, probe)?;
        plan.cgroup_tasks = cgroup_tasks
            .iter()
            .map(|p| {
                std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).map_err(|_| {
                    SandboxError::Setup(format!(
                        "the cgroup path {} contains a NUL byte",
                        p.display()
                    ))
                })
            })
            .collect::<Result<_, _>>()?;
        set_nonblocking(&report_r)?;
        spawn::submit(Request {
            plan: Arc::new(plan),
            child_fds: vec![sync_r, report_w, stdout_w, stderr_w],
            sync_w,
            ids: self.inner.ids,
            cgroup,
            reply,
        })
        .map_err(|e| SandboxError::Setup(format!("cannot reach the sandbox spawner: {e}")))?;
        Ok(HostEnds {
            stdin_r,
            stdin_w,
            stdout_r,
            stderr_r,
            report_r,
            descriptions,
        })
    }

    /// Runs one command to completion (or to its wall-clock deadline).
    pub async fn run(&self, cmd: &SandboxCommand) -> Result<RunOutcome, SandboxError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(SandboxError::Setup(
                "Sandbox::run must be awaited inside a tokio runtime with IO and time enabled"
                    .into(),
            ));
        }
        let program = cmd.argv.first().map(String::as_str).unwrap_or_default();
        let span = tracing::info_span!(
            "sandbox.run",
            process.executable.name = program,
            process.command_line = %cmd.argv.join(" "),
            process.exit.code = tracing::field::Empty,
            selfheal.signal = tracing::field::Empty,
            selfheal.termination = tracing::field::Empty,
            selfheal.wall_ms = tracing::field::Empty,
            selfheal.cpu_ms = tracing::field::Empty,
            selfheal.peak_memory_bytes = tracing::field::Empty,
            selfheal.overhead_ms = tracing::field::Empty,
            error.type = tracing::field::Empty,
        );
        let result = self.run_inner(cmd).instrument(span.clone()).await;
        match &result {
            Ok(outcome) => {
                if let Some(code) = outcome.exit_code {
                    span.record("process.exit.code", i64::from(code));
                }
                if let Some(signal) = outcome.signal {
                    span.record("selfheal.signal", i64::from(signal));
                }
                let kill = kill_reason(outcome.termination);
                span.record(
                    "selfheal.termination",
                    kill.unwrap_or(match outcome.termination {
                        Termination::Signaled => "signaled",
                        _ => "exited",
                    }),
                );
                span.record("selfheal.wall_ms", outcome.wall_time.as_secs_f64() * 1000.0);
                span.record("selfheal.cpu_ms", outcome.cpu_time.as_secs_f64() * 1000.0);
                span.record(
                    "selfheal.peak_memory_bytes",
                    i64::try_from(outcome.peak_memory_bytes).unwrap_or(i64::MAX),
                );
                if let Some(reason) = kill {
                    span.record("error.type", reason);
                    crate::telemetry::metrics().sandbox_kills.add(
                        1,
                        &[crate::telemetry::kv(
                            crate::telemetry::attr::KILL_REASON,
                            reason,
                        )],
                    );
                }
            }
            Err(_) => {
                span.record("error.type", "sandbox_error");
            }
        }
        result
    }

    async fn run_inner(&self, cmd: &SandboxCommand) -> Result<RunOutcome, SandboxError> {
        let limits = &cmd.limits;
        let start = Instant::now();
        let control = super::resource_control();
        // The run's cgroup is made while the spawner clones the init (the spawner waits for it
        // before the init may join it or start the command), so making it adds no time of its
        // own. Its name is chosen now: on cgroup v1 the init's plan names its files.
        let cgroup_name = super::scope::unique_name();
        let (made_tx, made_rx) = if control.per_sandbox_memory() {
            let (tx, rx) = std::sync::mpsc::sync_channel(1);
            (Some(tx), Some(rx))
        } else {
            (None, None)
        };
        let cgroup_tasks = RunCgroup::self_join_files(control, &cgroup_name);
        // The reply carries a `Guard`: a run cancelled before the spawn finished, or after it
        // but before this future took the reply, still kills and reaps its init (whoever
        // drops the unreceived reply does), and only then removes its cgroup, which the
        // spawned init holds.
        let (tx, rx) = tokio::sync::oneshot::channel::<Result<Guard, SpawnFailure>>();
        let ends = self.launch(
            cmd,
            false,
            made_rx,
            &cgroup_tasks,
            Box::new(move |r| {
                // Sending fails when the run was cancelled: the guard comes back and is
                // dropped here.
                let _ = tx.send(r.map(|s| Guard { spawned: Some(s) }));
            }),
        )?;
        let cgroup = match made_tx {
            None => None,
            Some(made_tx) => match RunCgroup::create(control, limits, &cgroup_name) {
                Ok(Some(cgroup)) => {
                    let cgroup = Arc::new(cgroup);
                    // A spawner that already failed no longer listens; its reply says why.
                    let _ = made_tx.send(Ok(Arc::clone(&cgroup)));
                    Some(cgroup)
                }
                Ok(None) => {
                    let _ = made_tx.send(Err("no cgroup was made".into()));
                    None
                }
                Err(e) => {
                    let _ = made_tx.send(Err(e.to_string()));
                    return Err(SandboxError::Setup(format!(
                        "cannot make the sandbox's cgroup ({e}); the host's cgroups changed \
                         since selfheal started: restart it"
                    )));
                }
            },
        };
        // From here on, dropping `guard` (cancellation, early error) kills and reaps the init.
        let mut guard = match rx.await {
            Ok(Ok(g)) => g,
            Ok(Err(f)) => return Err(spawn_error(f)),
            Err(_) => {
                return Err(SandboxError::Setup(
                    "the sandbox spawner dropped the request".into(),
                ))
            }
        };
        // Host-side set-up ends here; the rest of the sandbox's cost is after the status report.
        let spawned_at = Instant::now();
        let Some((pid, pidfd_copy)) = guard.spawned.as_ref().map(|s| (s.pid, s.pidfd.try_clone()))
        else {
            return Err(SandboxError::Setup(
                "the sandbox spawner replied without an init".into(),
            ));
        };
        // SAFETY: the AsyncFd owns the OwnedFd, which stays open until the AsyncFd is dropped.
        let pidfd =
            unsafe { AsyncFd::register_with_interest(pidfd_copy?, tokio::io::Interest::READABLE) }
                .map_err(|e| SandboxError::Io(e.into_parts().1))?;
        let deadline = tokio::time::Instant::from_std(start + limits.wall_time);

        let HostEnds {
            stdin_r,
            stdin_w,
            stdout_r,
            stderr_r,
            report_r,
            descriptions,
        } = ends;
        let mut out_rx = pipe::Receiver::from_owned_fd(stdout_r)?;
        let mut err_rx = pipe::Receiver::from_owned_fd(stderr_r)?;
        let mut report_rx = pipe::Receiver::from_owned_fd(report_r)?;
        let stdin_tx = if cmd.stdin.is_empty() {
            drop(stdin_w);
            None
        } else {
            Some(pipe::Sender::from_owned_fd(stdin_w)?)
        };

        let mut out_cap = Capture::new(limits.output_bytes, false);
        let mut err_cap = Capture::new(limits.output_bytes, true);
        let mut records = Records::default();
        let done = tokio::sync::Notify::new();

        let waiter = async {
            let feeder = async {
                if let Some(mut tx) = stdin_tx {
                    // A command that exits without reading all of stdin is not an error.
                    let _ = tx.write_all(&cmd.stdin).await;
                } // dropping the sender is the command's EOF
            };
            tokio::pin!(feeder);
            // The init reports the command's status once every process of the sandbox is
            // dead and reaped; EOF without a status means the init itself died.
            let reported = async {
                let timed_out = tokio::select! {
                    _ = read_records(&mut report_rx, &mut records) => false,
                    _ = tokio::time::sleep_until(deadline) => true,
                };
                if timed_out {
                    // Ask the init to kill and reap everything and report what it all used,
                    // then kill it regardless (which takes the whole PID namespace with it).
                    spawn::signal(pidfd.get_ref(), child::STOP_SIGNAL);
                    let _ = tokio::time::timeout(
                        STOP_GRACE,
                        read_records(&mut report_rx, &mut records),
                    )
                    .await;
                    spawn::kill(pidfd.get_ref());
                }
                timed_out
            };
            tokio::pin!(reported);
            let mut fed = false;
            let timed_out = loop {
                tokio::select! {
                    t = &mut reported => break t,
                    _ = &mut feeder, if !fed => fed = true,
                }
            };
            done.notify_one();
            (timed_out, Instant::now())
        };
        let readers = async {
            let both = async {
                tokio::join!(
                    capture(&mut out_rx, &mut out_cap),
                    capture(&mut err_rx, &mut err_cap)
                )
            };
            tokio::select! {
                _ = both => {}
                _ = async { done.notified().await; tokio::time::sleep(OUTPUT_GRACE).await } => {
                    tracing::warn!("sandbox output pipes stayed open after the sandbox ended");
                }
            }
        };
        let ((timed_out, finished_at), ()) = tokio::join!(waiter, readers);
        drop(stdin_r);

        let mut rusage = None;
        if records.status.is_some() && !timed_out {
            // Everything in the sandbox is gone; the init is exiting. Reap it off the
            // critical path (its namespaces' teardown can take a while).
            if let Some(s) = guard.spawned.take() {
                reap_later(s, pidfd);
            }
        } else {
            // Wait for the init (and with it the whole namespace) to be gone.
            let _ = pidfd.readable().await?;
            drain_records(&mut report_rx, &mut records);
            rusage = reap(&mut guard).await;
        }
        let wall_time = start.elapsed();
        // Overhead: spawning into fresh namespaces, plus draining and reaping after the
        // command's status arrived (the init's own set-up before execve counts as the command's).
        let overhead = (spawned_at - start) + finished_at.elapsed();
        crate::telemetry::metrics()
            .sandbox_overhead
            .record(overhead.as_secs_f64(), &[]);
        tracing::Span::current().record("selfheal.overhead_ms", overhead.as_secs_f64() * 1000.0);
        let (cpu_time, rusage_peak) = match (&records.status, rusage) {
            (Some(rec), _) => (
                Duration::from_micros(rec.cpu_us),
                rec.maxrss_kb.saturating_mul(1024),
            ),
            (None, Some(ru)) => (
                tv(ru.ru_utime) + tv(ru.ru_stime),
                (ru.ru_maxrss.max(0) as u64).saturating_mul(1024),
            ),
            (None, None) => (Duration::ZERO, 0),
        };
        // With a cgroup: all the sandbox's processes together, the figure its limit bounds.
        let peak_memory_bytes = cgroup
            .as_deref()
            .and_then(RunCgroup::peak_memory_bytes)
            .unwrap_or(rusage_peak);
        let oom_killed = cgroup.as_deref().is_some_and(RunCgroup::oom_killed);
        let memory_scope = if cgroup.is_some() {
            super::MemoryScope::PerSandbox
        } else {
            super::MemoryScope::PerProcess
        };
        // Whoever drops the last reference removes the cgroup, which may retry (and sleep) for
        // a moment after the reap: never on this runtime thread.
        if let Some(cgroup) = cgroup {
            drop(tokio::task::spawn_blocking(move || drop(cgroup)));
        }
        let cwd = if cmd.cwd.is_empty() {
            super::WORK_DIR.to_string()
        } else {
            format!("{}/{}", super::WORK_DIR, cmd.cwd)
        };
        if let Some(rec) = records.error {
            return Err(error_from_record(&rec, &descriptions, cmd, &cwd));
        }
        let (exit_code, signal, timed_out) = match records.status {
            _ if timed_out => (None, Some(libc::SIGKILL), true),
            Some(rec) => {
                let ws = rec.value;
                if libc::WIFEXITED(ws) {
                    (Some(libc::WEXITSTATUS(ws)), None, false)
                } else if libc::WIFSIGNALED(ws) {
                    (None, Some(libc::WTERMSIG(ws)), false)
                } else {
                    (None, None, false)
                }
            }
            None => {
                return Err(SandboxError::Setup(format!(
                    "the sandbox init (pid {pid}) died without reporting; was it killed from \
                     outside?"
                )))
            }
        };
        let termination = classify(
            &Observed {
                exit_code,
                signal,
                timed_out,
                cpu_time,
                peak_memory_bytes,
                oom_killed,
                stderr_tail: &err_cap.tail,
            },
            limits,
        );
        tracing::debug!(
            ?termination,
            ?exit_code,
            ?signal,
            wall_ms = wall_time.as_millis() as u64,
            "sandbox run finished"
        );
        let stdout_truncated = out_cap.truncated();
        let stderr_truncated = err_cap.truncated();
        Ok(RunOutcome {
            exit_code,
            signal,
            termination,
            wall_time,
            cpu_time,
            peak_memory_bytes,
            stdout: out_cap.kept,
            stderr: err_cap.kept,
            stdout_total_bytes: out_cap.total,
            stderr_total_bytes: err_cap.total,
            stdout_truncated,
            stderr_truncated,
            memory_scope,
        })
    }

    /// Runs a trivial child through the real path (namespaces, mounts, pivot, ids, caps,
    /// seccomp; everything but `execve`) and explains any refusal.
    fn probe(&self) -> Result<(), (String, String)> {
        let cmd = SandboxCommand {
            argv: vec!["selfheal-sandbox-probe".into()],
            env: Vec::new(),
            mounts: Vec::new(),
            work_dir: PathBuf::new(),
            cwd: String::new(),
            stdin: Vec::new(),
            limits: Limits::default(),
        };
        let (tx, rx) = std::sync::mpsc::channel::<SpawnResult>();
        let ends = self
            .launch(
                &cmd,
                true,
                None,
                &[],
                Box::new(move |r| {
                    if let Err(std::sync::mpsc::SendError(Ok(s))) = tx.send(r) {
                        drop(Guard { spawned: Some(s) });
                    }
                }),
            )
            .map_err(|e| {
                (
                    format!("cannot prepare the probe: {e}"),
                    "see the error".into(),
                )
            })?;
        let spawned = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(Ok(s)) => s,
            Ok(Err(f)) => {
                return Err(diagnose(
                    &format!("{} failed: {}", f.step, f.error),
                    f.error.raw_os_error(),
                ))
            }
            Err(_) => {
                return Err((
                    "the sandbox spawner did not answer within 30 s".into(),
                    "check the host's load and thread limits".into(),
                ))
            }
        };
        let mut pfd = libc::pollfd {
            fd: spawned.pidfd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let mut guard = Guard {
            spawned: Some(spawned),
        };
        // SAFETY: poll on one pollfd we own.
        let r = unsafe { libc::poll(&mut pfd, 1, 10_000) };
        if r <= 0 {
            return Err((
                "the sandbox probe did not finish within 10 s".into(),
                "check the host's load".into(),
            ));
        }
        let records = read_records_sync(&ends.report_r);
        if let Some(s) = guard.spawned.take() {
            let mut status = 0;
            // SAFETY: the init has exited (pidfd readable); reap it.
            unsafe { libc::waitpid(s.pid, &mut status, libc::__WALL) };
        }
        if let Some(rec) = records.error {
            let what = format!(
                "the probe could not {}: {}",
                stage_name(&rec, &ends.descriptions),
                io::Error::from_raw_os_error(rec.value)
            );
            return if rec.stage == child::STAGE_SECCOMP {
                Err((
                    what,
                    "use a kernel built with CONFIG_SECCOMP_FILTER, and allow seccomp in the \
                     container runtime"
                        .into(),
                ))
            } else {
                Err(diagnose(&what, Some(rec.value)))
            };
        }
        match records.status {
            Some(rec) if libc::WIFEXITED(rec.value) && libc::WEXITSTATUS(rec.value) == 0 => Ok(()),
            Some(rec) => Err((
                format!("the sandbox probe ended with wait status {:#x}", rec.value),
                "report this as a bug with your kernel version".into(),
            )),
            None => Err((
                "the sandbox probe's init died without reporting".into(),
                "check dmesg for the kernel's reason (LSM denials, OOM)".into(),
            )),
        }
    }
}

fn tv(t: libc::timeval) -> Duration {
    Duration::from_secs(t.tv_sec.max(0) as u64) + Duration::from_micros(t.tv_usec.max(0) as u64)
}

async fn capture(rx: &mut pipe::Receiver, cap: &mut Capture) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match rx.read(&mut buf).await {
            Ok(0) => break,
            Ok(n) => cap.push(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
}

/// Reaps an init that is already on its way out, without making anyone wait for it.
/// The run's cgroup, if any, is removed once the init is gone, on a blocking thread: the
/// kernel may refuse the `rmdir` for a moment after the reap, and the retries sleep.
fn reap_later(s: Spawned, pidfd: AsyncFd<OwnedFd>) {
    tokio::spawn(async move {
        let _ = pidfd.readable().await;
        let mut status = 0;
        // SAFETY: waitpid on our own child, which has exited (or is about to).
        let r = unsafe { libc::waitpid(s.pid, &mut status, libc::WNOHANG | libc::__WALL) };
        if r == 0 || s.cgroup.is_some() {
            let _ = tokio::task::spawn_blocking(move || {
                if r == 0 {
                    let mut status = 0;
                    // SAFETY: as above, blocking.
                    unsafe { libc::waitpid(s.pid, &mut status, libc::__WALL) };
                }
                drop(s);
            })
            .await;
        }
    });
}

/// Reaps the init and returns its resource usage, which includes every process of the
/// namespace (the init reaps them all, and the kernel folds their usage into it).
async fn reap(guard: &mut Guard) -> Option<libc::rusage> {
    let s = guard.spawned.take()?;
    let pid = s.pid;
    // SAFETY: zeroed rusage is a valid out-parameter.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let mut status = 0;
    // SAFETY: wait4 on our own child with valid out-pointers.
    let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG | libc::__WALL, &mut ru) };
    if r == pid {
        return Some(ru);
    }
    if r < 0 {
        // ECHILD: the embedding program reaped it (a `waitpid(-1)` reaper). The status came
        // through the report pipe; only the resource usage is lost.
        return None;
    }
    tokio::task::spawn_blocking(move || {
        // SAFETY: zeroed rusage is a valid out-parameter.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        let mut status = 0;
        // SAFETY: as above, blocking.
        let r = unsafe { libc::wait4(pid, &mut status, libc::__WALL, &mut ru) };
        drop(s);
        (r == pid).then_some(ru)
    })
    .await
    .ok()
    .flatten()
}

/// The `selfheal.sandbox.kills` reason of a termination the sandbox caused, if it did.
fn kill_reason(termination: Termination) -> Option<&'static str> {
    match termination {
        Termination::WallTimeout => Some("wall_timeout"),
        Termination::CpuLimit => Some("cpu_limit"),
        Termination::OutOfMemory => Some("out_of_memory"),
        Termination::FileSizeLimit => Some("file_size_limit"),
        Termination::Exited | Termination::Signaled => None,
    }
}
