//! Code that runs in the cloned child: the sandbox's init (PID 1 of its PID namespace) and,
//! forked from it, the command.
//!
//! The clone is taken from a multi-threaded host, so the child owns a copy of memory in which
//! any lock (the allocator's included) may be held forever by a thread that does not exist
//! here. Everything below therefore uses only raw system calls on data prepared by the host
//! ([`ChildPlan`]): no allocation, no locks, no formatting, no panics (no indexing that could
//! fail, no `unwrap`). Failures are reported as fixed-size [`Record`]s on the report pipe.

use std::os::raw::{c_char, c_int, c_void};
use std::ptr;

use std::sync::atomic::{AtomicBool, Ordering};

use super::plan::{ChildPlan, Op};

/// Report record kinds.
pub(crate) const KIND_ERROR: u32 = 1;
pub(crate) const KIND_STATUS: u32 = 2;

/// Stages named in error records (the host turns them into messages).
pub(crate) const STAGE_SETSID: u32 = 1;
pub(crate) const STAGE_OP: u32 = 3;
pub(crate) const STAGE_PIVOT: u32 = 4;
pub(crate) const STAGE_ROOT_RO: u32 = 5;
pub(crate) const STAGE_LOOPBACK: u32 = 6;
pub(crate) const STAGE_HOSTNAME: u32 = 7;
pub(crate) const STAGE_FORK: u32 = 8;
pub(crate) const STAGE_RLIMIT: u32 = 9;
pub(crate) const STAGE_IDS: u32 = 10;
pub(crate) const STAGE_CAPS: u32 = 11;
pub(crate) const STAGE_NO_NEW_PRIVS: u32 = 12;
pub(crate) const STAGE_CHDIR: u32 = 13;
pub(crate) const STAGE_SECCOMP: u32 = 14;
pub(crate) const STAGE_EXEC: u32 = 15;
pub(crate) const STAGE_STDIO: u32 = 16;
pub(crate) const STAGE_CLONE_TREE: u32 = 17;
pub(crate) const STAGE_FSIDS: u32 = 18;
pub(crate) const STAGE_CGROUP: u32 = 19;

/// One report: `KIND_ERROR` (stage, index, errno in `value`) or `KIND_STATUS` (the command's
/// wait status in `value`, and the resource usage of every process the sandbox ran).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Record {
    pub kind: u32,
    pub stage: u32,
    pub index: u32,
    pub value: i32,
    pub cpu_us: u64,
    pub maxrss_kb: u64,
}

pub(crate) const RECORD_SIZE: usize = std::mem::size_of::<Record>();

/// `struct mount_attr` (linux/mount.h).
#[repr(C)]
struct MountAttr {
    attr_set: u64,
    attr_clr: u64,
    propagation: u64,
    userns_fd: u64,
}

/// `struct ifreq` with the flags member of its union.
#[repr(C)]
struct IfReqFlags {
    name: [u8; 16],
    flags: libc::c_short,
    _pad: [u8; 22],
}

/// `struct __user_cap_header_struct` / `__user_cap_data_struct`.
#[repr(C)]
struct CapHeader {
    version: u32,
    pid: c_int,
}
#[repr(C)]
#[derive(Clone, Copy)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}
const LINUX_CAPABILITY_VERSION_3: u32 = 0x2008_0522;

const OPEN_TREE_CLONE: u32 = 1;
const MOVE_MOUNT_F_EMPTY_PATH: u32 = 0x4;

/// Highest signal number (`_NSIG - 1`).
const MAX_SIGNAL: c_int = 64;

/// The signal the host sends the init at the wall-clock deadline: kill everything, reap it
/// and report the resource usage (see [`on_stop`]).
pub(crate) const STOP_SIGNAL: c_int = libc::SIGUSR1;

/// Set by [`on_stop`] (in the init's own copy of memory).
static STOP: AtomicBool = AtomicBool::new(false);

/// `STOP_SIGNAL` handler. Only a sender outside the sandbox's PID namespace (the host: its pid
/// reads as 0 here) counts; a sandboxed process sharing the init's kernel uid cannot end the
/// run early this way.
extern "C" fn on_stop(_sig: c_int, info: *mut libc::siginfo_t, _ctx: *mut c_void) {
    // SAFETY: the kernel passes a valid siginfo to an SA_SIGINFO handler.
    if !info.is_null() && unsafe { (*info).si_pid() } == 0 {
        STOP.store(true, Ordering::SeqCst);
    }
}

/// Installs [`on_stop`] without SA_RESTART, so the init's `wait4` returns EINTR on it.
fn install_stop_handler() {
    // SAFETY: sigaction with a zeroed struct plus handler and flags; the handler only stores
    // an atomic (async-signal-safe).
    unsafe {
        let mut act: libc::sigaction = std::mem::zeroed();
        act.sa_sigaction = on_stop as *const () as usize;
        act.sa_flags = libc::SA_SIGINFO;
        libc::sigaction(STOP_SIGNAL, &act, ptr::null_mut());
    }
}

fn errno() -> i32 {
    // SAFETY: __errno_location returns this thread's errno slot; always valid.
    unsafe { *libc::__errno_location() }
}

fn report(fd: c_int, kind: u32, stage: u32, index: u32, value: i32) {
    send(
        fd,
        &Record {
            kind,
            stage,
            index,
            value,
            ..Record::default()
        },
    );
}

fn send(fd: c_int, rec: &Record) {
    // SAFETY: writes RECORD_SIZE bytes from a live stack value. A record is smaller than
    // PIPE_BUF, so the write is atomic; if it fails there is nobody left to tell.
    unsafe {
        libc::write(fd, rec as *const Record as *const c_void, RECORD_SIZE);
    }
}

/// Reports a failure and exits the calling process.
fn fail(fd: c_int, stage: u32, index: u32, err: i32) -> ! {
    report(fd, KIND_ERROR, stage, index, err);
    // SAFETY: _exit is async-signal-safe and never returns.
    unsafe { libc::_exit(126) }
}

/// Closes every fd except `keep` (sorted ascending).
fn close_all_except(keep: &[c_int]) {
    let mut next: c_int = 0;
    for &fd in keep {
        if fd < 0 {
            continue;
        }
        if fd > next {
            // SAFETY: close_range only closes descriptors; no memory is touched.
            unsafe {
                libc::syscall(libc::SYS_close_range, next as u32, (fd - 1) as u32, 0u32);
            }
        }
        next = fd.wrapping_add(1);
    }
    // SAFETY: as above.
    unsafe {
        libc::syscall(libc::SYS_close_range, next as u32, u32::MAX, 0u32);
    }
}

/// Default dispositions and an empty mask: the host may ignore SIGPIPE (Rust programs do) or
/// block signals in the spawning thread; neither may leak into the sandbox.
fn reset_signals() {
    // SAFETY: sigaction with a zeroed struct installs SIG_DFL; EINVAL for SIGKILL, SIGSTOP and
    // libc-reserved signals is expected and harmless. rt_sigprocmask takes a kernel sigset
    // (8 bytes on Linux).
    unsafe {
        let mut act: libc::sigaction = std::mem::zeroed();
        act.sa_sigaction = libc::SIG_DFL;
        for sig in 1..=MAX_SIGNAL {
            libc::sigaction(sig, &act, ptr::null_mut());
        }
        let empty: u64 = 0;
        libc::syscall(
            libc::SYS_rt_sigprocmask,
            libc::SIG_SETMASK,
            &empty as *const u64,
            ptr::null_mut::<u64>(),
            8usize,
        );
    }
}

fn mount_setattr(path: *const c_char, attr: u64, recursive: bool) -> Result<(), i32> {
    let flags = libc::AT_SYMLINK_NOFOLLOW as u32
        | if recursive {
            libc::AT_RECURSIVE as u32
        } else {
            0
        };
    mount_setattr_at(libc::AT_FDCWD, path, flags, attr)
}

fn mount_setattr_at(dirfd: c_int, path: *const c_char, flags: u32, attr: u64) -> Result<(), i32> {
    mount_setattr_full(dirfd, path, flags, attr, 0)
}

fn mount_setattr_full(
    dirfd: c_int,
    path: *const c_char,
    flags: u32,
    attr: u64,
    propagation: u64,
) -> Result<(), i32> {
    let ma = MountAttr {
        attr_set: attr,
        attr_clr: 0,
        propagation,
        userns_fd: 0,
    };
    // SAFETY: path is a NUL-terminated string (owned by the plan or static); ma lives on the
    // stack.
    let r = unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            dirfd,
            path,
            flags,
            &ma as *const MountAttr,
            std::mem::size_of::<MountAttr>(),
        )
    };
    if r < 0 {
        Err(errno())
    } else {
        Ok(())
    }
}

/// Phase one of a bind: clone the source's mount tree (detached) and set its flags. Runs with
/// the init's original credentials, so it reaches whatever the host user can.
fn clone_tree(plan: &ChildPlan, src: &std::ffi::CStr, attr: u64, slot: usize) -> Result<(), i32> {
    let cell = match plan.bind_slots.get(slot) {
        Some(c) => c,
        None => return Err(libc::EINVAL),
    };
    // SAFETY: src is a NUL-terminated string owned by the plan.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_open_tree,
            libc::AT_FDCWD,
            src.as_ptr(),
            OPEN_TREE_CLONE | libc::O_CLOEXEC as u32 | libc::AT_RECURSIVE as u32,
        )
    };
    if fd < 0 {
        return Err(errno());
    }
    let fd = fd as c_int;
    cell.store(fd, Ordering::Relaxed);
    // Private: the clone would otherwise stay a peer or slave of the host's mount and keep
    // receiving mounts the host makes below it (with the host's flags, not ours).
    mount_setattr_full(
        fd,
        c"".as_ptr(),
        (libc::AT_EMPTY_PATH | libc::AT_RECURSIVE) as u32,
        attr,
        libc::MS_PRIVATE,
    )
}

fn run_op(plan: &ChildPlan, op: &Op) -> Result<(), i32> {
    // SAFETY (whole function): every pointer is a NUL-terminated CString owned by the plan.
    unsafe {
        match op {
            Op::MkDir(path) => {
                if libc::mkdir(path.as_ptr(), 0o755) < 0 && errno() != libc::EEXIST {
                    return Err(errno());
                }
            }
            Op::Touch(path) => {
                let fd = libc::open(
                    path.as_ptr(),
                    libc::O_WRONLY | libc::O_CREAT | libc::O_CLOEXEC | libc::O_NOFOLLOW,
                    0o644,
                );
                if fd < 0 {
                    if errno() != libc::EEXIST && errno() != libc::EROFS {
                        return Err(errno());
                    }
                } else {
                    libc::close(fd);
                }
            }
            Op::Symlink { target, path } => {
                if libc::symlink(target.as_ptr(), path.as_ptr()) < 0 {
                    return Err(errno());
                }
            }
            Op::Bind { dst, slot, .. } => {
                let fd = match plan.bind_slots.get(*slot) {
                    Some(c) => c.load(Ordering::Relaxed),
                    None => return Err(libc::EINVAL),
                };
                if libc::syscall(
                    libc::SYS_move_mount,
                    fd,
                    c"".as_ptr(),
                    libc::AT_FDCWD,
                    dst.as_ptr(),
                    MOVE_MOUNT_F_EMPTY_PATH,
                ) < 0
                {
                    return Err(errno());
                }
                libc::close(fd);
            }
            Op::Mount {
                fstype,
                dst,
                flags,
                data,
            } => {
                if libc::mount(
                    fstype.as_ptr(),
                    dst.as_ptr(),
                    fstype.as_ptr(),
                    *flags,
                    data.as_ptr() as *const c_void,
                ) < 0
                {
                    return Err(errno());
                }
            }
            Op::SetAttr { path, attr } => mount_setattr(path.as_ptr(), *attr, false)?,
            Op::Detach(path) => {
                if libc::umount2(path.as_ptr(), libc::MNT_DETACH) < 0 {
                    return Err(errno());
                }
            }
            Op::RmDir(path) => {
                if libc::rmdir(path.as_ptr()) < 0 {
                    return Err(errno());
                }
            }
        }
    }
    Ok(())
}

/// Brings the loopback interface up, unless it already is (a namespace the host made ready,
/// see `netns`, where the sandbox has no capability to change it).
pub(super) fn loopback_up() -> Result<(), i32> {
    // SAFETY: plain socket/ioctl/close on a zero-initialised, correctly sized ifreq.
    unsafe {
        let s = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        if s < 0 {
            return Err(errno());
        }
        let mut ifr = IfReqFlags {
            name: [0; 16],
            flags: 0,
            _pad: [0; 22],
        };
        ifr.name[0] = b'l';
        ifr.name[1] = b'o';
        let mut r = libc::ioctl(s, libc::SIOCGIFFLAGS, &mut ifr as *mut IfReqFlags);
        if r == 0 && ifr.flags & libc::IFF_UP as libc::c_short == 0 {
            ifr.flags |= (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
            r = libc::ioctl(s, libc::SIOCSIFFLAGS, &mut ifr as *mut IfReqFlags);
        }
        let e = errno();
        libc::close(s);
        if r < 0 {
            return Err(e);
        }
    }
    Ok(())
}

/// Moves the calling thread into the cgroup whose v1 `tasks` file is `path` (`0` names the
/// caller: the kernel then needs no grace period, see `scope.rs`).
fn join_cgroup(path: &std::ffi::CStr) -> Result<(), i32> {
    // SAFETY: open/write/close on a NUL-terminated path owned by the plan and a static byte.
    unsafe {
        let fd = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
        if fd < 0 {
            return Err(errno());
        }
        let r = libc::write(fd, b"0".as_ptr() as *const c_void, 1);
        let e = errno();
        libc::close(fd);
        if r != 1 {
            return Err(if r < 0 { e } else { libc::EIO });
        }
    }
    Ok(())
}

/// Reads one byte from the host's sync pipe; EOF (the host went away) ends the init.
fn wait_for_host(sync_r: c_int) {
    let mut byte = 0u8;
    loop {
        // SAFETY: reads one byte into a live stack value.
        let r = unsafe { libc::read(sync_r, &mut byte as *mut u8 as *mut c_void, 1) };
        if r == 1 {
            return;
        }
        if r < 0 && errno() == libc::EINTR {
            continue;
        }
        // SAFETY: _exit is async-signal-safe and never returns.
        unsafe { libc::_exit(125) }
    }
}

/// The clone's entry point: becomes the sandbox's init. Never returns.
///
/// # Safety
/// Must only be called in the child of a fork-like clone, with `plan` in its copy of memory.
pub(crate) unsafe fn init_main(plan: &ChildPlan) -> ! {
    let fds = plan.fds;
    let rep = fds.report_w;
    close_all_except(&fds.sorted());
    // Die with the host thread that cloned us (the spawner thread lives as long as the host).
    libc::prctl(
        libc::PR_SET_PDEATHSIG,
        libc::SIGKILL as libc::c_ulong,
        0,
        0,
        0,
    );
    reset_signals();
    install_stop_handler();

    // Phase one, with the original credentials: clone every bind source. It needs only the
    // capabilities the new user namespace gave us, not our id maps, so it runs while the host
    // writes them.
    for (i, op) in plan.ops.iter().enumerate() {
        if let Op::Bind {
            src, attr, slot, ..
        } = op
        {
            if let Err(e) = clone_tree(plan, src, *attr, *slot) {
                fail(rep, STAGE_CLONE_TREE, i as u32, e);
            }
        }
    }

    // Wait until the host has written our id maps (and, on cgroup v1, made the run's cgroup).
    // EOF means the host went away.
    wait_for_host(fds.sync_r);
    // Join the run's cgroup (v1) while our filesystem ids are still the host user's, which
    // owns the cgroup's files; everything started later is born inside it.
    for (i, path) in plan.cgroup_tasks.iter().enumerate() {
        if let Err(e) = join_cgroup(path) {
            fail(rep, STAGE_CGROUP, i as u32, e);
        }
    }
    // The init keeps the host's memory image (argv, environment) and full capabilities in the
    // namespace; being non-dumpable keeps the command (which may share its kernel uid) out of
    // /proc/1/mem, environ etc. Only now: it also makes our /proc files root-owned, which would
    // have stopped an unprivileged host from writing our id maps.
    libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);

    if libc::setsid() < 0 {
        fail(rep, STAGE_SETSID, 0, errno());
    }
    // Files created in filesystems mounted inside the namespace must be owned by an id mapped
    // in it; the init's kernel uid may not be (host root), so create them as the namespace's
    // root. This clears the parent-death signal and dumpability: restore both, then make sure
    // the host did not die in between (the signal would have been missed).
    libc::syscall(libc::SYS_setfsgid, 0u32);
    libc::syscall(libc::SYS_setfsuid, 0u32);
    if libc::syscall(libc::SYS_setfsuid, u32::MAX) != 0
        || libc::syscall(libc::SYS_setfsgid, u32::MAX) != 0
    {
        fail(rep, STAGE_FSIDS, 0, libc::EPERM);
    }
    libc::prctl(
        libc::PR_SET_PDEATHSIG,
        libc::SIGKILL as libc::c_ulong,
        0,
        0,
        0,
    );
    libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    let mut pfd = libc::pollfd {
        fd: fds.host_pidfd,
        events: libc::POLLIN,
        revents: 0,
    };
    if libc::poll(&mut pfd, 1, 0) != 0 {
        libc::_exit(125);
    }
    libc::close(fds.host_pidfd);
    // Phase two: build the new root.
    for (i, op) in plan.ops.iter().enumerate() {
        if let Err(e) = run_op(plan, op) {
            fail(rep, STAGE_OP, i as u32, e);
        }
    }
    // Switch to the new root and drop the host's mount tree from this namespace.
    if libc::chdir(plan.staging.as_ptr()) < 0 {
        fail(rep, STAGE_PIVOT, 0, errno());
    }
    if libc::syscall(libc::SYS_pivot_root, c".".as_ptr(), c".".as_ptr()) < 0 {
        fail(rep, STAGE_PIVOT, 1, errno());
    }
    if libc::umount2(c".".as_ptr(), libc::MNT_DETACH) < 0 {
        fail(rep, STAGE_PIVOT, 2, errno());
    }
    if libc::chdir(c"/".as_ptr()) < 0 {
        fail(rep, STAGE_PIVOT, 3, errno());
    }
    if let Err(e) = mount_setattr(
        c"/".as_ptr(),
        super::plan::MOUNT_ATTR_RDONLY
            | super::plan::MOUNT_ATTR_NOSUID
            | super::plan::MOUNT_ATTR_NODEV,
        false,
    ) {
        fail(rep, STAGE_ROOT_RO, 0, e);
    }
    if let Err(e) = loopback_up() {
        fail(rep, STAGE_LOOPBACK, 0, e);
    }
    if libc::sethostname(plan.hostname.as_ptr(), plan.hostname.as_bytes().len()) < 0 {
        fail(rep, STAGE_HOSTNAME, 0, errno());
    }
    // On cgroup v2 the host moves us into the run's cgroup while we build the root (moving
    // another process waits for an RCU grace period, which this overlaps); the command, and
    // everything it starts, must begin inside it, so wait for the host's second byte.
    wait_for_host(fds.sync_r);
    libc::close(fds.sync_r);

    // Start the command vfork-style: it shares our memory (on its own stack) until it execs,
    // so neither copying nor tearing down the host-sized address space is paid again. We are
    // suspended meanwhile, which is what makes sharing safe. (glibc's fork is out of the
    // question: it runs atfork handlers and takes locks.)
    let stack = libc::mmap(
        ptr::null_mut(),
        COMMAND_STACK,
        libc::PROT_READ | libc::PROT_WRITE,
        libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_STACK,
        -1,
        0,
    );
    if stack == libc::MAP_FAILED {
        fail(rep, STAGE_FORK, 0, errno());
    }
    let top = (stack as *mut u8).wrapping_add(COMMAND_STACK) as *mut c_void;
    let pid = libc::clone(
        command_entry,
        top,
        libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD,
        plan as *const ChildPlan as *mut c_void,
    );
    if pid < 0 {
        fail(rep, STAGE_FORK, 1, errno());
    }
    libc::close(fds.stdin_r);
    libc::close(fds.stdout_w);
    libc::close(fds.stderr_w);

    // Reap everything until the command itself ends, or the host asks us to stop at the
    // deadline.
    let mut status: c_int = libc::SIGKILL;
    let mut reaped = false;
    while !STOP.load(Ordering::SeqCst) {
        let mut st: c_int = 0;
        let r = libc::wait4(-1, &mut st, libc::__WALL, ptr::null_mut());
        if r == pid {
            status = st;
            reaped = true;
            break;
        }
        if r < 0 && errno() != libc::EINTR {
            // ECHILD: cannot happen while the command is unreaped; exit rather than spin.
            libc::_exit(124);
        }
    }
    // Then end every process left (daemons, grandchildren) and reap them, so that when the
    // status arrives on the host nothing of the sandbox runs any more and the host need not
    // wait for the namespaces to be torn down; reaping them here also folds their CPU time
    // and peak memory into ours, which is what the report carries (deadline included).
    // kill(-1) from a PID namespace's init reaches every other process of the namespace;
    // racing forks are caught by the kernel.
    libc::kill(-1, libc::SIGKILL);
    loop {
        let mut st: c_int = 0;
        let r = libc::wait4(-1, &mut st, libc::__WALL, ptr::null_mut());
        if r == pid && !reaped {
            status = st;
            reaped = true;
        }
        if r < 0 && errno() != libc::EINTR {
            break;
        }
    }
    let mut ru: libc::rusage = std::mem::zeroed();
    libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru);
    let us = |t: libc::timeval| (t.tv_sec.max(0) as u64) * 1_000_000 + t.tv_usec.max(0) as u64;
    send(
        rep,
        &Record {
            kind: KIND_STATUS,
            value: status,
            cpu_us: us(ru.ru_utime) + us(ru.ru_stime),
            maxrss_kb: ru.ru_maxrss.max(0) as u64,
            ..Record::default()
        },
    );
    libc::_exit(0);
}

/// Stack for the command between its vfork-style clone and `execve`.
const COMMAND_STACK: usize = 256 * 1024;

extern "C" fn command_entry(arg: *mut c_void) -> c_int {
    // SAFETY: `arg` is the init's `&ChildPlan`, alive (and not mutated) until we exec or
    // exit, since the init is suspended until then.
    unsafe { command_main(&*(arg as *const ChildPlan)) }
}

/// Drops every capability, including the bounding and ambient sets, so that nothing the
/// command executes (even as uid 0 of the namespace) regains any.
unsafe fn drop_capabilities(cap_last: c_int) -> Result<(), i32> {
    if libc::prctl(
        libc::PR_CAP_AMBIENT,
        libc::PR_CAP_AMBIENT_CLEAR_ALL,
        0,
        0,
        0,
    ) < 0
    {
        return Err(errno());
    }
    for cap in 0..=cap_last {
        if libc::prctl(libc::PR_CAPBSET_DROP, cap as libc::c_ulong, 0, 0, 0) < 0
            && errno() != libc::EINVAL
        {
            return Err(errno());
        }
    }
    let hdr = CapHeader {
        version: LINUX_CAPABILITY_VERSION_3,
        pid: 0,
    };
    let data = [CapData {
        effective: 0,
        permitted: 0,
        inheritable: 0,
    }; 2];
    if libc::syscall(libc::SYS_capset, &hdr as *const CapHeader, data.as_ptr()) < 0 {
        return Err(errno());
    }
    Ok(())
}

fn install_filter(prog: &[seccompiler::sock_filter]) -> Result<(), i32> {
    let fprog = libc::sock_fprog {
        len: prog.len() as libc::c_ushort,
        filter: prog.as_ptr() as *mut libc::sock_filter,
    };
    // SAFETY: fprog points at the plan's compiled program, which outlives this call; the
    // seccompiler sock_filter has the kernel layout.
    let r = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            0u32,
            &fprog as *const libc::sock_fprog,
        )
    };
    if r < 0 {
        Err(errno())
    } else {
        Ok(())
    }
}

/// The command process: limits, identity, working directory, stdio, seccomp, exec.
unsafe fn command_main(plan: &ChildPlan) -> ! {
    let fds = plan.fds;
    let rep = fds.report_w;
    // Stdio. The host guarantees every pipe fd is >= 3, so these cannot clobber each other.
    if libc::dup2(fds.stdin_r, 0) < 0
        || libc::dup2(fds.stdout_w, 1) < 0
        || libc::dup2(fds.stderr_w, 2) < 0
    {
        fail(rep, STAGE_STDIO, 0, errno());
    }
    // Keep only stdio and the (close-on-exec) report pipe.
    close_all_except(&[0, 1, 2, rep]);

    for (i, (res, lim)) in plan.rlimits.iter().enumerate() {
        if libc::setrlimit(*res as _, lim) < 0 {
            fail(rep, STAGE_RLIMIT, i as u32, errno());
        }
    }
    // Raw system calls: glibc's set*id wrappers broadcast the change to every thread it
    // believes exists (threads of the host that are absent here), which can deadlock.
    if libc::syscall(libc::SYS_setresgid, 0u32, 0u32, 0u32) < 0 {
        fail(rep, STAGE_IDS, 0, errno());
    }
    if plan.drop_groups
        && libc::syscall(libc::SYS_setgroups, 0usize, ptr::null::<libc::gid_t>()) < 0
    {
        fail(rep, STAGE_IDS, 1, errno());
    }
    if libc::syscall(libc::SYS_setresuid, 0u32, 0u32, 0u32) < 0 {
        fail(rep, STAGE_IDS, 2, errno());
    }
    if let Err(e) = drop_capabilities(plan.cap_last) {
        fail(rep, STAGE_CAPS, 0, e);
    }
    if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 {
        fail(rep, STAGE_NO_NEW_PRIVS, 0, errno());
    }
    if libc::chdir(plan.cwd.as_ptr()) < 0 {
        fail(rep, STAGE_CHDIR, 0, errno());
    }
    if let Err(e) = install_filter(&plan.filters.program) {
        fail(rep, STAGE_SECCOMP, 0, e);
    }
    if plan.probe {
        libc::_exit(0);
    }
    libc::execve(
        plan.program.as_ptr(),
        plan.argv.as_ptr(),
        plan.envp.as_ptr(),
    );
    fail(rep, STAGE_EXEC, 0, errno());
}
