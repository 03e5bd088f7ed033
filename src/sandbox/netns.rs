//! Network namespaces made ahead of time, off a run's critical path (hosts running as root).
//!
//! Creating a network namespace is the costliest of the seven a sandbox gets (about 1 ms of
//! `clone3`, more under load). When the host is root, one background thread makes them in
//! advance (`unshare(CLONE_NEWNET)`, loopback brought up) and hands their descriptors to the
//! spawner through a small bounded queue. The spawner enters one right before it clones a
//! sandbox and clones without `CLONE_NEWNET`, so the sandbox starts inside it.
//!
//! What stays the same: each namespace serves exactly one sandbox (taken from the queue, never
//! returned), holds nothing but a loopback interface that is up, and is freed when its last
//! process exits. What changes: the namespace belongs to the host's user namespace instead of
//! the sandbox's. The command sees no difference (it runs with no capabilities either way:
//! no ports below 1024, no raw sockets); only the sandbox's init loses the power to
//! reconfigure the namespace, which it used only to bring loopback up. When the queue is
//! empty, or the host is not root, the sandbox gets its namespace from its own `clone3` as
//! before.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Mutex, OnceLock};

/// How many namespaces wait ready at most: enough for a burst of runs on a small host, few
/// enough that idle hosts hold almost nothing (an empty namespace is a few KiB of kernel
/// memory).
pub(crate) const READY_NAMESPACES: usize = 4;

/// The ready namespaces; `None` when the host cannot make them (not root, or the first
/// attempt failed).
fn queue() -> Option<&'static Mutex<Receiver<OwnedFd>>> {
    static QUEUE: OnceLock<Option<Mutex<Receiver<OwnedFd>>>> = OnceLock::new();
    QUEUE
        .get_or_init(|| {
            // SAFETY: geteuid has no preconditions.
            if unsafe { libc::geteuid() } != 0 {
                return None;
            }
            let (tx, rx) = mpsc::sync_channel(READY_NAMESPACES);
            std::thread::Builder::new()
                .name("selfheal-netns-maker".into())
                .spawn(move || make_forever(tx))
                .ok()?;
            Some(Mutex::new(rx))
        })
        .as_ref()
}

/// Starts the maker thread (as root), so the first runs already find namespaces ready.
pub(crate) fn warm_up() {
    let _ = queue();
}

/// A ready network namespace for one sandbox, or `None` (not root, none ready yet, or the
/// maker stopped): then the sandbox's `clone3` makes its own. Never blocks.
pub(crate) fn take() -> Option<OwnedFd> {
    queue()?.lock().ok()?.try_recv().ok()
}

fn make_forever(tx: SyncSender<OwnedFd>) {
    let Ok(home) = open_own_netns() else {
        return;
    };
    loop {
        let made = make_one();
        // Back home whatever happened: this thread must not keep a sandbox's namespace alive.
        // SAFETY: setns on a namespace descriptor we own.
        if unsafe { libc::setns(home.as_raw_fd(), libc::CLONE_NEWNET) } < 0 {
            return;
        }
        match made {
            Ok(ns) => {
                if tx.send(ns).is_err() {
                    return;
                }
            }
            Err(e) => {
                tracing::debug!(error = %e, "no ready network namespaces: each sandbox makes its own");
                return;
            }
        }
    }
}

/// This thread's network namespace.
pub(crate) fn open_own_netns() -> std::io::Result<OwnedFd> {
    // SAFETY: open of a NUL-terminated path; the result is checked and owned.
    let fd = unsafe {
        libc::open(
            c"/proc/thread-self/ns/net".as_ptr(),
            libc::O_RDONLY | libc::O_CLOEXEC,
        )
    };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: a fresh descriptor we own.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Moves this thread into a new network namespace, prepares it and returns its descriptor.
fn make_one() -> std::io::Result<OwnedFd> {
    // SAFETY: unshare of this thread's network namespace only (allowed in a threaded process).
    if unsafe { libc::unshare(libc::CLONE_NEWNET) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    super::child::loopback_up().map_err(std::io::Error::from_raw_os_error)?;
    open_own_netns()
}
