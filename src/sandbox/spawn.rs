//! The spawner thread: the one long-lived thread that clones every sandbox.
//!
//! `PR_SET_PDEATHSIG` fires when the *thread* that created a process exits, not the process.
//! Tokio's blocking threads come and go, so cloning from them would kill sandboxes at random;
//! one dedicated thread that lives as long as the host makes "the host died" the only trigger.

use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::mpsc;
use std::sync::{Arc, OnceLock};

use super::child;
use super::netns;
use super::plan::ChildPlan;
use super::scope::RunCgroup;

/// `struct clone_args` (CLONE_ARGS_SIZE_VER0 fields).
#[repr(C)]
#[derive(Default)]
struct CloneArgs {
    flags: u64,
    pidfd: u64,
    child_tid: u64,
    parent_tid: u64,
    exit_signal: u64,
    stack: u64,
    stack_size: u64,
    tls: u64,
}

const NAMESPACES: u64 = (libc::CLONE_NEWUSER
    | libc::CLONE_NEWNS
    | libc::CLONE_NEWPID
    | libc::CLONE_NEWNET
    | libc::CLONE_NEWIPC
    | libc::CLONE_NEWUTS
    | libc::CLONE_NEWCGROUP) as u64;

/// How the sandbox's ids map onto the host.
#[derive(Debug, Clone, Copy)]
pub(crate) enum IdMap {
    /// Host is root: sandbox uid/gid 0 is this unprivileged host uid/gid; setgroups stays
    /// allowed so the child can drop root's supplementary groups.
    Root { uid: u32, gid: u32 },
    /// Ordinary user: sandbox 0 is the user; setgroups must be denied first.
    User { uid: u32, gid: u32 },
}

/// A running sandbox init.
#[derive(Debug)]
pub(crate) struct Spawned {
    pub pid: libc::pid_t,
    pub pidfd: OwnedFd,
    /// The run's cgroup, if any. Kept with the init so that whoever reaps it removes the
    /// cgroup only afterwards (a cgroup with a process in it cannot be removed).
    pub cgroup: Option<Arc<RunCgroup>>,
}

/// Why a spawn failed, with the step, for diagnosis.
#[derive(Debug)]
pub(crate) struct SpawnFailure {
    pub step: &'static str,
    pub error: std::io::Error,
}

pub(crate) type SpawnResult = Result<Spawned, SpawnFailure>;

pub(crate) struct Request {
    pub plan: Arc<ChildPlan>,
    /// The child's ends of the pipes; closed in the host right after the clone.
    pub child_fds: Vec<OwnedFd>,
    pub sync_w: OwnedFd,
    pub ids: IdMap,
    /// The run's own cgroup, which the init joins before it starts the command. The host
    /// makes it while the spawner clones (so making it costs no time of its own) and sends
    /// it, or why it could not, here; `None` when the host uses no cgroup.
    pub cgroup: Option<mpsc::Receiver<Result<Arc<RunCgroup>, String>>>,
    pub reply: Box<dyn FnOnce(SpawnResult) + Send>,
}

fn spawner() -> Result<&'static mpsc::Sender<Request>, std::io::Error> {
    static SPAWNER: OnceLock<mpsc::Sender<Request>> = OnceLock::new();
    if let Some(s) = SPAWNER.get() {
        return Ok(s);
    }
    let (tx, rx) = mpsc::channel::<Request>();
    // Racing initialisers: the loser's thread sees its channel closed and exits at once.
    std::thread::Builder::new()
        .name("selfheal-sandbox-spawner".into())
        .spawn(move || {
            netns::warm_up();
            for req in rx {
                let result = spawn_one(&req);
                let Request {
                    child_fds, reply, ..
                } = req;
                drop(child_fds);
                reply(result);
            }
        })?;
    Ok(SPAWNER.get_or_init(|| tx))
}

/// A pidfd of this (host) process, opened once; every sandbox init inherits it.
pub(crate) fn host_pidfd() -> Result<libc::c_int, std::io::Error> {
    static HOST: OnceLock<OwnedFd> = OnceLock::new();
    if let Some(fd) = HOST.get() {
        return Ok(fd.as_raw_fd());
    }
    // SAFETY: pidfd_open on our own pid; returns a new close-on-exec descriptor.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, libc::getpid(), 0u32) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: fd is a fresh descriptor we own.
    let owned = unsafe { OwnedFd::from_raw_fd(fd as libc::c_int) };
    Ok(HOST.get_or_init(|| owned).as_raw_fd())
}

/// Hands `req` to the spawner thread; its `reply` is called with the outcome.
pub(crate) fn submit(req: Request) -> Result<(), std::io::Error> {
    spawner()?
        .send(req)
        .map_err(|_| std::io::Error::other("the sandbox spawner thread has stopped"))
}

fn fail(step: &'static str, error: std::io::Error) -> SpawnFailure {
    SpawnFailure { step, error }
}

fn spawn_one(req: &Request) -> SpawnResult {
    let ready_netns = entered_ready_netns(req.ids);
    let mut flags = NAMESPACES | libc::CLONE_PIDFD as u64;
    if ready_netns.is_some() {
        flags &= !(libc::CLONE_NEWNET as u64);
    }
    let mut pidfd: libc::c_int = -1;
    let args = CloneArgs {
        flags,
        pidfd: &mut pidfd as *mut libc::c_int as u64,
        exit_signal: libc::SIGCHLD as u64,
        ..CloneArgs::default()
    };
    // SAFETY: a fork-like clone3 (no CLONE_VM, no new stack): the child continues here with
    // a private copy of memory. It only runs `init_main`, which is async-signal-safe and never
    // returns, on the plan it owns a copy of.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_clone3,
            &args as *const CloneArgs,
            std::mem::size_of::<CloneArgs>(),
        )
    };
    if ret == 0 {
        // SAFETY: we are the child of the clone above.
        unsafe { child::init_main(&req.plan) }
    }
    if let Some(home) = ready_netns {
        leave_ready_netns(&home);
    }
    if ret < 0 {
        return Err(fail("clone3", std::io::Error::last_os_error()));
    }
    let pid = ret as libc::pid_t;
    // SAFETY: CLONE_PIDFD stored a fresh descriptor we now own.
    let pidfd = unsafe { OwnedFd::from_raw_fd(pidfd) };
    let mut spawned = Spawned {
        pid,
        pidfd,
        cgroup: None,
    };
    if let Err(e) = write_maps(pid, req.ids) {
        // It may have failed while cloning its mount sources (it does that meanwhile): then
        // it exits at once, and its error record says why.
        if exited_within(&spawned, 100) {
            return Ok(spawned);
        }
        kill_and_reap(&spawned);
        return Err(e);
    }
    // On cgroup v1 the init joins the run's cgroup itself as soon as it is released, so the
    // cgroup must exist by then; on v2 the spawner moves it while it builds its root.
    let joins_itself = !req.plan.cgroup_tasks.is_empty();
    if joins_itself {
        receive_cgroup(req, &mut spawned)?;
    }
    // Release the init: it builds the sandbox's root meanwhile.
    if let Err(e) = release(req) {
        kill_and_reap(&spawned);
        return Err(fail("release the sandbox init", e));
    }
    // Move it into the run's cgroup (v2); it starts the command only after the second byte, so
    // nothing the command runs is ever outside the cgroup. (The pipe cannot break: the
    // request still holds the init's read end.)
    if !joins_itself {
        receive_cgroup(req, &mut spawned)?;
    }
    let procs = spawned
        .cgroup
        .as_deref()
        .map(RunCgroup::procs_files)
        .unwrap_or_default();
    for procs in &procs {
        if let Err(e) = std::fs::write(procs, pid.to_string()) {
            if exited_within(&spawned, 0) {
                // It failed while building the root; its error record says why.
                return Ok(spawned);
            }
            kill_and_reap(&spawned);
            return Err(fail("join the sandbox cgroup", e));
        }
    }
    if let Err(e) = release(req) {
        kill_and_reap(&spawned);
        return Err(fail("start the sandboxed command", e));
    }
    Ok(spawned)
}

/// Takes the run's cgroup from the host (which makes it while the spawner clones), or kills
/// and reaps the init when it could not be made or the run was cancelled meanwhile.
fn receive_cgroup(req: &Request, spawned: &mut Spawned) -> Result<(), SpawnFailure> {
    let Some(made) = &req.cgroup else {
        return Ok(());
    };
    let why = match made.recv() {
        Ok(Ok(cgroup)) => {
            spawned.cgroup = Some(cgroup);
            return Ok(());
        }
        Ok(Err(e)) => e,
        // The run was dropped before its cgroup was made.
        Err(_) => "the run was cancelled".to_string(),
    };
    kill_and_reap(spawned);
    Err(fail("make the sandbox cgroup", std::io::Error::other(why)))
}

/// As root, enters a network namespace made ahead of time (see [`netns`]) so that the clone
/// can skip making one; returns this thread's own namespace to go back to after the clone.
/// `None` (the clone makes the namespace) for an ordinary user or when none is ready.
fn entered_ready_netns(ids: IdMap) -> Option<OwnedFd> {
    if !matches!(ids, IdMap::Root { .. }) {
        return None;
    }
    let ready = netns::take()?;
    let home = netns::open_own_netns().ok()?;
    // SAFETY: setns on namespace descriptors we own; only this thread moves.
    (unsafe { libc::setns(ready.as_raw_fd(), libc::CLONE_NEWNET) } == 0).then_some(home)
}

/// Back to the spawner's own network namespace, so that it does not keep the last sandbox's
/// alive. (Were this to fail, the next clone still gets a namespace of its own: a ready one
/// entered again, or one `clone3` makes.)
fn leave_ready_netns(home: &OwnedFd) {
    // SAFETY: setns on a namespace descriptor we own; only this thread moves.
    if unsafe { libc::setns(home.as_raw_fd(), libc::CLONE_NEWNET) } < 0 {
        tracing::debug!(
            error = %std::io::Error::last_os_error(),
            "the sandbox spawner could not return to its network namespace"
        );
    }
}

/// Writes one byte to the init's sync pipe.
fn release(req: &Request) -> std::io::Result<()> {
    loop {
        // SAFETY: one byte from a static to a pipe we own.
        let r = unsafe { libc::write(req.sync_w.as_raw_fd(), b"1".as_ptr() as *const _, 1) };
        if r == 1 {
            return Ok(());
        }
        let e = std::io::Error::last_os_error();
        if r < 0 && e.raw_os_error() == Some(libc::EINTR) {
            continue;
        }
        return Err(e);
    }
}

/// Whether the init has exited (its pidfd is readable), waiting up to `ms` milliseconds.
fn exited_within(s: &Spawned, ms: libc::c_int) -> bool {
    let mut pfd = libc::pollfd {
        fd: s.pidfd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: poll on one pollfd we own.
    unsafe { libc::poll(&mut pfd, 1, ms) == 1 }
}

fn write_file(path: &str, data: &str, step: &'static str) -> Result<(), SpawnFailure> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| fail(step, e))?;
    f.write_all(data.as_bytes()).map_err(|e| fail(step, e))
}

fn write_maps(pid: libc::pid_t, ids: IdMap) -> Result<(), SpawnFailure> {
    let (IdMap::Root { uid, gid } | IdMap::User { uid, gid }) = ids;
    // An unprivileged user may write gid_map only once setgroups is denied; root keeps it
    // allowed (see `IdMap::Root`).
    if matches!(ids, IdMap::User { .. }) {
        write_file(&format!("/proc/{pid}/setgroups"), "deny", "write setgroups")?;
    }
    write_file(
        &format!("/proc/{pid}/uid_map"),
        &format!("0 {uid} 1\n"),
        "write uid_map",
    )?;
    write_file(
        &format!("/proc/{pid}/gid_map"),
        &format!("0 {gid} 1\n"),
        "write gid_map",
    )
}

/// Sends SIGKILL through the pidfd (never a recycled pid).
pub(crate) fn kill(pidfd: &OwnedFd) {
    signal(pidfd, libc::SIGKILL);
}

/// Sends `sig` through the pidfd (never a recycled pid); a process already gone is fine.
pub(crate) fn signal(pidfd: &OwnedFd, sig: libc::c_int) {
    // SAFETY: pidfd_send_signal on a pidfd we own; no memory is passed.
    unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            pidfd.as_raw_fd(),
            sig,
            std::ptr::null::<libc::siginfo_t>(),
            0u32,
        );
    }
}

fn kill_and_reap(s: &Spawned) {
    kill(&s.pidfd);
    let mut status = 0;
    // SAFETY: waits for our own child; it was just killed, so this returns promptly.
    unsafe {
        libc::waitpid(s.pid, &mut status, libc::__WALL);
    }
}
