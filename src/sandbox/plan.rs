//! Host-side preparation: everything the child needs, computed before the clone.
//!
//! The child of a clone from a multi-threaded process may not allocate or take locks, so every
//! path becomes a `CString` here, argv and envp become pointer arrays, and the mount layout
//! becomes a flat list of [`Op`]s the child replays with raw system calls.

use std::collections::HashSet;
use std::ffi::CString;
use std::os::raw::c_char;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::AtomicI32;
use std::sync::Arc;

use super::seccomp::Filters;
use super::{Mount, SandboxCommand, SandboxError, WORK_DIR};

/// `struct mount_attr` flags (stable kernel ABI, spelled out so the plan does not depend on
/// which of them a given libc release exports).
pub(crate) const MOUNT_ATTR_RDONLY: u64 = 0x1;
pub(crate) const MOUNT_ATTR_NOSUID: u64 = 0x2;
pub(crate) const MOUNT_ATTR_NODEV: u64 = 0x4;
pub(crate) const MOUNT_ATTR_NOEXEC: u64 = 0x8;

/// Device nodes bound from the host's `/dev` (userns mounts cannot create device nodes).
const DEVICES: [&str; 5] = ["null", "zero", "full", "random", "urandom"];

/// Host directories tried, in order, as the place to assemble the new root. The chosen one
/// is covered by a tmpfs in the sandbox's private mount namespace only, so it must not hold
/// any path the sandbox binds.
const STAGING_CANDIDATES: [&str; 9] = [
    "/mnt", "/tmp", "/media", "/srv", "/opt", "/run", "/var", "/home", "/boot",
];

/// Hostname inside the sandbox.
pub(crate) const HOSTNAME: &str = "sandbox";

/// One step of the mount layout, replayed by the child in order.
#[derive(Debug)]
pub(crate) enum Op {
    /// `mkdir(path, 0755)`; an existing entry is fine.
    MkDir(CString),
    /// Create an empty file to bind a file onto; an existing entry is fine.
    Touch(CString),
    Symlink {
        target: CString,
        path: CString,
    },
    /// Recursive bind with `attr` set on every mount of the tree (recursive so that flags
    /// locked on host submounts are never in the way). The source tree is cloned
    /// (`open_tree`) into `slot` before the init changes its filesystem ids, while it can still
    /// traverse everything the host user can; it is attached at `dst` afterwards.
    Bind {
        src: CString,
        dst: CString,
        attr: u64,
        slot: usize,
    },
    /// A fresh filesystem (`tmpfs`, `proc`, `overlay`).
    Mount {
        fstype: CString,
        dst: CString,
        flags: libc::c_ulong,
        data: CString,
    },
    /// `mount_setattr` on one mount, not recursive.
    SetAttr {
        path: CString,
        attr: u64,
    },
    /// `umount2(MNT_DETACH)`.
    Detach(CString),
    RmDir(CString),
}

/// Pointer arrays for `execve`. The pointers point into `CString`s owned by the same
/// [`ChildPlan`], which is never mutated after it is built.
#[derive(Debug)]
pub(crate) struct PtrArray(Vec<*const c_char>);

// SAFETY: the pointers are only read (by the child, in its own copy of memory) and point into
// heap buffers owned by the same immutable ChildPlan, which outlives every use.
unsafe impl Send for PtrArray {}
// SAFETY: as above; nothing ever writes through these pointers.
unsafe impl Sync for PtrArray {}

impl PtrArray {
    fn new(strings: &[CString]) -> PtrArray {
        let mut v: Vec<*const c_char> = strings.iter().map(|s| s.as_ptr()).collect();
        v.push(std::ptr::null());
        PtrArray(v)
    }

    pub(crate) fn as_ptr(&self) -> *const *const c_char {
        self.0.as_ptr()
    }
}

/// The file descriptors the child uses, as numbers valid in its copy of the fd table.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ChildFds {
    pub sync_r: libc::c_int,
    pub report_w: libc::c_int,
    pub stdin_r: libc::c_int,
    pub stdout_w: libc::c_int,
    pub stderr_w: libc::c_int,
    /// A pidfd of the host process: lets the init check the host is still alive after its
    /// credentials change (which clears the parent-death signal until re-armed).
    pub host_pidfd: libc::c_int,
    /// A descriptor of the work directory when it is given as `/proc/self/fd/N` (a detached
    /// tmpfs the host holds only by descriptor), kept open until the init has cloned it; -1
    /// otherwise.
    pub work_fd: libc::c_int,
}

impl ChildFds {
    /// The fds the init keeps, sorted, so it can close everything else with `close_range`.
    pub(crate) fn sorted(&self) -> [libc::c_int; 7] {
        let mut v = [
            self.work_fd,
            self.host_pidfd,
            self.sync_r,
            self.report_w,
            self.stdin_r,
            self.stdout_w,
            self.stderr_w,
        ];
        v.sort_unstable();
        v
    }
}

/// Everything the cloned child needs, ready to be used without allocating.
#[derive(Debug)]
pub(crate) struct ChildPlan {
    pub staging: CString,
    pub ops: Vec<Op>,
    /// Where the init keeps the cloned bind trees between the two phases (one per `Bind`).
    pub bind_slots: Vec<AtomicI32>,
    pub hostname: CString,
    pub program: CString,
    pub _argv: Vec<CString>,
    pub argv: PtrArray,
    pub _envp: Vec<CString>,
    pub envp: PtrArray,
    pub cwd: CString,
    pub rlimits: [(libc::c_int, libc::rlimit); 6],
    pub filters: Arc<Filters>,
    /// Whether the child may (and must) drop supplementary groups (host is root).
    pub drop_groups: bool,
    pub cap_last: libc::c_int,
    /// Probe mode: do everything except `execve`, then exit 0.
    pub probe: bool,
    pub fds: ChildFds,
    /// cgroup v1 `tasks` files the init writes `0` to (joining the run's cgroup) right after
    /// the host releases it, before it takes the namespace's ids (see `scope.rs`). Empty on
    /// cgroup v2 (the spawner moves the init) and without a cgroup.
    pub cgroup_tasks: Vec<CString>,
}

/// A plan plus the human descriptions of its ops (for error messages).
#[derive(Debug)]
pub(crate) struct Prepared {
    pub plan: ChildPlan,
    pub descriptions: Vec<String>,
}

/// Host facts fixed for the life of a [`super::Sandbox`].
#[derive(Debug, Clone)]
pub(crate) struct HostContext {
    pub host_is_root: bool,
    pub cap_last: libc::c_int,
    pub filters: Arc<Filters>,
}

fn cstr(what: &str, bytes: &[u8]) -> Result<CString, SandboxError> {
    CString::new(bytes).map_err(|_| {
        SandboxError::InvalidCommand(format!(
            "{what} contains a NUL byte: {:?}",
            String::from_utf8_lossy(bytes)
        ))
    })
}

fn path_c(what: &str, p: &Path) -> Result<CString, SandboxError> {
    cstr(what, p.as_os_str().as_bytes())
}

/// `staging` + absolute in-sandbox `target`.
fn staged(staging: &Path, target: &Path) -> PathBuf {
    let rel = target.strip_prefix("/").unwrap_or(target);
    if rel.as_os_str().is_empty() {
        staging.to_path_buf()
    } else {
        staging.join(rel)
    }
}

/// Checks that `target` is absolute and normalised (no `.`, `..`, empty or repeated parts).
fn check_target(target: &Path) -> Result<(), SandboxError> {
    let mut comps = target.components();
    if comps.next() != Some(Component::RootDir) {
        return Err(SandboxError::InvalidCommand(format!(
            "mount target {} must be an absolute path inside the sandbox",
            target.display()
        )));
    }
    let mut n = 0;
    for c in comps {
        match c {
            Component::Normal(_) => n += 1,
            _ => {
                return Err(SandboxError::InvalidCommand(format!(
                    "mount target {} must not contain `.` or `..`",
                    target.display()
                )))
            }
        }
    }
    if n == 0 {
        return Err(SandboxError::InvalidCommand(
            "a mount target cannot be the sandbox root `/`".into(),
        ));
    }
    for reserved in ["/proc", "/dev", WORK_DIR] {
        if target.starts_with(reserved) {
            return Err(SandboxError::InvalidCommand(format!(
                "mount target {} is inside {reserved}, which the sandbox provides itself",
                target.display()
            )));
        }
    }
    if target == Path::new("/tmp") {
        return Err(SandboxError::InvalidCommand(
            "mount target /tmp is the sandbox's private tmpfs; mount below it instead".into(),
        ));
    }
    Ok(())
}

/// Resolves every component but the last (so a symlink source is seen as a symlink).
fn resolve_source(source: &Path) -> Result<PathBuf, SandboxError> {
    if !source.is_absolute() {
        return Err(SandboxError::InvalidCommand(format!(
            "mount source {} must be an absolute host path",
            source.display()
        )));
    }
    let name = match source.file_name() {
        Some(n) => n,
        None => {
            // "/" or a path ending in "..": resolve it whole.
            return std::fs::canonicalize(source).map_err(|e| {
                SandboxError::InvalidCommand(format!("mount source {}: {e}", source.display()))
            });
        }
    };
    let parent = source.parent().unwrap_or(Path::new("/"));
    let parent = std::fs::canonicalize(parent).map_err(|e| {
        SandboxError::InvalidCommand(format!("mount source {}: {e}", source.display()))
    })?;
    Ok(parent.join(name))
}

/// Adds `MkDir` ops for every ancestor of `target` (inside the sandbox) not yet created.
fn mkdirs(
    ops: &mut Vec<(Op, String)>,
    created: &mut HashSet<PathBuf>,
    staging: &Path,
    target: &Path,
    include_self: bool,
) -> Result<(), SandboxError> {
    let mut chain: Vec<&Path> = target.ancestors().collect();
    chain.reverse();
    for p in chain {
        if p == Path::new("/") || (!include_self && p == target) {
            continue;
        }
        if created.insert(p.to_path_buf()) {
            ops.push((
                Op::MkDir(path_c("mount target", &staged(staging, p))?),
                format!("create directory {}", p.display()),
            ));
        }
    }
    Ok(())
}

fn tmpfs(
    staging: &Path,
    target: &str,
    flags: libc::c_ulong,
    data: &str,
) -> Result<(Op, String), SandboxError> {
    Ok((
        Op::Mount {
            fstype: cstr("fstype", b"tmpfs")?,
            dst: path_c("mount target", &staged(staging, Path::new(target)))?,
            flags,
            data: cstr("tmpfs options", data.as_bytes())?,
        },
        format!("mount tmpfs at {target}"),
    ))
}

/// Picks where to assemble the new root: an existing host directory that holds no source.
fn choose_staging(sources: &[PathBuf]) -> Result<PathBuf, SandboxError> {
    for cand in STAGING_CANDIDATES {
        let c = Path::new(cand);
        let is_dir = std::fs::symlink_metadata(c)
            .map(|m| m.is_dir())
            .unwrap_or(false);
        if is_dir && !sources.iter().any(|s| s.starts_with(c)) {
            return Ok(c.to_path_buf());
        }
    }
    Err(SandboxError::Setup(format!(
        "no host directory to assemble the sandbox root in: each of {} is missing or holds a \
         mounted path; keep work directories and mounts out of one of them",
        STAGING_CANDIDATES.join(", ")
    )))
}

fn next_slot(slots: &mut usize) -> usize {
    *slots += 1;
    *slots - 1
}

fn tmp_size(bytes: u64) -> u64 {
    // tmpfs reads size=0 as "unlimited"; never let a zero limit mean that.
    bytes.max(4096)
}

/// Inode cap of a writable tmpfs of `bytes`: one inode per 4 KiB of space (every file costs
/// kernel memory outside the size limit, so a size limit alone lets a program pin gigabytes
/// of it with millions of empty files), at least 1024.
pub(crate) fn tmp_inodes(bytes: u64) -> u64 {
    (tmp_size(bytes) / 4096).max(1024)
}

/// tmpfs options for a writable, size- and inode-capped tmpfs.
fn capped(bytes: u64, mode: &str) -> String {
    format!(
        "size={},nr_inodes={},mode={mode}",
        tmp_size(bytes),
        tmp_inodes(bytes)
    )
}

/// `N` when `path` is exactly `/proc/self/fd/N`.
fn proc_self_fd(path: &Path) -> Option<libc::c_int> {
    let rest = path.to_str()?.strip_prefix("/proc/self/fd/")?;
    if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    rest.parse().ok()
}

/// Validates `cmd` and computes the child's plan. Touches the host filesystem only to inspect
/// sources (metadata, canonical paths).
pub(crate) fn prepare(
    cmd: &SandboxCommand,
    host: &HostContext,
    fds: ChildFds,
    probe: bool,
) -> Result<Prepared, SandboxError> {
    let program = match cmd.argv.first() {
        Some(p) => p,
        None => return Err(SandboxError::InvalidCommand("argv is empty".into())),
    };
    if !probe && !program.starts_with('/') {
        return Err(SandboxError::InvalidCommand(format!(
            "argv[0] must be an absolute path inside the sandbox, got {program:?}"
        )));
    }
    let argv: Vec<CString> = cmd
        .argv
        .iter()
        .map(|a| cstr("argument", a.as_bytes()))
        .collect::<Result<_, _>>()?;
    let mut envp = Vec::with_capacity(cmd.env.len());
    for (k, v) in &cmd.env {
        if k.is_empty() || k.contains('=') {
            return Err(SandboxError::InvalidCommand(format!(
                "environment variable name {k:?} is empty or contains `=`"
            )));
        }
        envp.push(cstr("environment variable", format!("{k}={v}").as_bytes())?);
    }

    // Working directory: relative, normal components only.
    let cwd_rel = Path::new(&cmd.cwd);
    if cwd_rel
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return Err(SandboxError::InvalidCommand(format!(
            "cwd {:?} must be a relative path inside the work directory without `..`",
            cmd.cwd
        )));
    }
    let cwd = if probe {
        PathBuf::from("/")
    } else if cmd.cwd.is_empty() {
        PathBuf::from(WORK_DIR)
    } else {
        Path::new(WORK_DIR).join(cwd_rel)
    };

    let mut fds = fds;
    let work_dir = if probe {
        None
    } else if let Some(fd) = proc_self_fd(&cmd.work_dir) {
        // A directory the host holds only by descriptor (a detached tmpfs): the init, a copy
        // of this process, reaches it through the same path; canonicalising would lose it.
        if !cmd.work_dir.is_dir() {
            return Err(SandboxError::InvalidCommand(format!(
                "work directory {} is not an open directory",
                cmd.work_dir.display()
            )));
        }
        fds.work_fd = fd;
        Some(cmd.work_dir.clone())
    } else {
        let wd = std::fs::canonicalize(&cmd.work_dir).map_err(|e| {
            SandboxError::InvalidCommand(format!("work directory {}: {e}", cmd.work_dir.display()))
        })?;
        if !wd.is_dir() {
            return Err(SandboxError::InvalidCommand(format!(
                "work directory {} is not a directory",
                wd.display()
            )));
        }
        Some(wd)
    };

    // Resolve user mounts.
    enum Kind {
        Dir(PathBuf),
        File(PathBuf),
        Link(PathBuf),
        Overlay(PathBuf),
    }
    let mut user: Vec<(PathBuf, Kind)> = Vec::new();
    let mut targets = HashSet::new();
    for m in &cmd.mounts {
        let (target, kind) = match m {
            Mount::ReadOnly { source, target } => {
                check_target(target)?;
                let src = resolve_source(source)?;
                if src == Path::new("/") {
                    return Err(SandboxError::InvalidCommand(
                        "binding the host root `/` would expose the whole host".into(),
                    ));
                }
                let meta = std::fs::symlink_metadata(&src).map_err(|e| {
                    SandboxError::InvalidCommand(format!("mount source {}: {e}", src.display()))
                })?;
                let kind = if meta.file_type().is_symlink() {
                    let link = std::fs::read_link(&src).map_err(|e| {
                        SandboxError::InvalidCommand(format!("mount source {}: {e}", src.display()))
                    })?;
                    Kind::Link(link)
                } else if meta.is_dir() {
                    Kind::Dir(src)
                } else {
                    Kind::File(src)
                };
                (target.clone(), kind)
            }
            Mount::Overlay { lower, target } => {
                check_target(target)?;
                let src = std::fs::canonicalize(lower).map_err(|e| {
                    SandboxError::InvalidCommand(format!(
                        "overlay lower directory {}: {e}",
                        lower.display()
                    ))
                })?;
                if !src.is_dir() {
                    return Err(SandboxError::InvalidCommand(format!(
                        "overlay lower {} is not a directory",
                        src.display()
                    )));
                }
                (target.clone(), Kind::Overlay(src))
            }
        };
        if !targets.insert(target.clone()) {
            return Err(SandboxError::InvalidCommand(format!(
                "two mounts share the target {}",
                target.display()
            )));
        }
        user.push((target, kind));
    }
    // A target below a recreated symlink would be created through that link, possibly on a
    // host path before the root is switched: refuse.
    for (t, k) in &user {
        if let Kind::Link(_) = k {
            if let Some((other, _)) = user.iter().find(|(o, _)| o != t && o.starts_with(t)) {
                return Err(SandboxError::InvalidCommand(format!(
                    "mount target {} lies below {}, which is a symlink in the sandbox",
                    other.display(),
                    t.display()
                )));
            }
        }
    }
    // Parents before children.
    user.sort_by_key(|(t, _)| t.components().count());

    let mut sources: Vec<PathBuf> = DEVICES.iter().map(|d| Path::new("/dev").join(d)).collect();
    sources.extend(work_dir.iter().cloned());
    for (_, k) in &user {
        match k {
            Kind::Dir(s) | Kind::File(s) | Kind::Overlay(s) => sources.push(s.clone()),
            Kind::Link(_) => {}
        }
    }
    let staging = choose_staging(&sources)?;

    let nosuid_nodev = (libc::MS_NOSUID | libc::MS_NODEV) as libc::c_ulong;
    let mut ops: Vec<(Op, String)> = Vec::new();
    let mut created: HashSet<PathBuf> = HashSet::new();
    let mut slots = 0usize;
    let mut overlays = 0usize;
    ops.push(tmpfs(
        &staging,
        "/",
        nosuid_nodev,
        "size=1m,nr_inodes=4096,mode=0755",
    )?);

    // /proc: a fresh procfs of the sandbox's PID namespace.
    mkdirs(&mut ops, &mut created, &staging, Path::new("/proc"), true)?;
    ops.push((
        Op::Mount {
            fstype: cstr("fstype", b"proc")?,
            dst: path_c("target", &staged(&staging, Path::new("/proc")))?,
            flags: nosuid_nodev | libc::MS_NOEXEC as libc::c_ulong,
            // hidepid=2: processes the command may not ptrace (the init: it is not dumpable)
            // are invisible, so the host's argv and environment, which the init still holds
            // in its memory, cannot be read through /proc/1.
            data: cstr("proc options", b"hidepid=2")?,
        },
        "mount proc at /proc".into(),
    ));

    // /dev: a small read-only tmpfs with the harmless devices bound in.
    mkdirs(&mut ops, &mut created, &staging, Path::new("/dev"), true)?;
    ops.push(tmpfs(
        &staging,
        "/dev",
        (libc::MS_NOSUID | libc::MS_NOEXEC) as libc::c_ulong,
        "size=64k,nr_inodes=256,mode=0755",
    )?);
    for d in DEVICES {
        let dst = staged(&staging, &Path::new("/dev").join(d));
        ops.push((
            Op::Touch(path_c("target", &dst)?),
            format!("create /dev/{d}"),
        ));
        ops.push((
            Op::Bind {
                slot: next_slot(&mut slots),
                src: path_c("device", &Path::new("/dev").join(d))?,
                dst: path_c("target", &dst)?,
                attr: MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
            },
            format!("bind /dev/{d}"),
        ));
    }
    for (name, target) in [
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ] {
        ops.push((
            Op::Symlink {
                target: cstr("symlink", target.as_bytes())?,
                path: path_c("target", &staged(&staging, &Path::new("/dev").join(name)))?,
            },
            format!("create /dev/{name}"),
        ));
    }
    let shm = staged(&staging, Path::new("/dev/shm"));
    ops.push((Op::MkDir(path_c("target", &shm)?), "create /dev/shm".into()));
    ops.push(tmpfs(
        &staging,
        "/dev/shm",
        nosuid_nodev,
        &capped(cmd.limits.tmp_bytes, "1777"),
    )?);
    ops.push((
        Op::SetAttr {
            path: path_c("target", &staged(&staging, Path::new("/dev")))?,
            attr: MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
        },
        "make /dev read-only".into(),
    ));

    // /tmp: private, size-limited.
    mkdirs(&mut ops, &mut created, &staging, Path::new("/tmp"), true)?;
    ops.push(tmpfs(
        &staging,
        "/tmp",
        nosuid_nodev,
        &capped(cmd.limits.tmp_bytes, "1777"),
    )?);

    // /work: the only writable host directory.
    if let Some(wd) = &work_dir {
        mkdirs(&mut ops, &mut created, &staging, Path::new(WORK_DIR), true)?;
        ops.push((
            Op::Bind {
                slot: next_slot(&mut slots),
                src: path_c("work directory", wd)?,
                dst: path_c("target", &staged(&staging, Path::new(WORK_DIR)))?,
                attr: MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
            },
            format!("bind the work directory {} at {WORK_DIR}", wd.display()),
        ));
    }

    for (target, kind) in &user {
        let dst = staged(&staging, target);
        match kind {
            Kind::Dir(src) | Kind::File(src) => {
                // A directory is bound on a directory, a file on an empty file made for it.
                let is_dir = matches!(kind, Kind::Dir(_));
                mkdirs(&mut ops, &mut created, &staging, target, is_dir)?;
                if !is_dir {
                    ops.push((
                        Op::Touch(path_c("mount target", &dst)?),
                        format!("create {}", target.display()),
                    ));
                }
                ops.push((
                    Op::Bind {
                        slot: next_slot(&mut slots),
                        src: path_c("mount source", src)?,
                        dst: path_c("mount target", &dst)?,
                        attr: MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
                    },
                    format!("bind {} read-only at {}", src.display(), target.display()),
                ));
            }
            Kind::Link(link) => {
                mkdirs(&mut ops, &mut created, &staging, target, false)?;
                ops.push((
                    Op::Symlink {
                        target: path_c("symlink target", link)?,
                        path: path_c("mount target", &dst)?,
                    },
                    format!("create symlink {} -> {}", target.display(), link.display()),
                ));
            }
            Kind::Overlay(lower) => {
                if dst
                    .as_os_str()
                    .as_bytes()
                    .iter()
                    .any(|b| matches!(b, b',' | b':' | b'\\'))
                {
                    return Err(SandboxError::InvalidCommand(format!(
                        "overlay target {} contains `,`, `:` or `\\`",
                        target.display()
                    )));
                }
                mkdirs(&mut ops, &mut created, &staging, target, true)?;
                // The lower layer is bound at the target first (cloned while the init can
                // still reach it), then covered by the overlay, whose upper and work layers
                // live on a scratch tmpfs that is detached again once the overlay holds it.
                ops.push((
                    Op::Bind {
                        slot: next_slot(&mut slots),
                        src: path_c("overlay lower", lower)?,
                        dst: path_c("mount target", &dst)?,
                        attr: MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
                    },
                    format!("bind the overlay lower {}", lower.display()),
                ));
                let scratch = staging.join(format!(".overlay-{overlays}"));
                overlays += 1;
                ops.push((
                    Op::MkDir(path_c("overlay scratch", &scratch)?),
                    "create the overlay scratch directory".into(),
                ));
                ops.push((
                    Op::Mount {
                        fstype: cstr("fstype", b"tmpfs")?,
                        dst: path_c("overlay scratch", &scratch)?,
                        flags: nosuid_nodev,
                        data: cstr(
                            "tmpfs options",
                            capped(cmd.limits.tmp_bytes, "0755").as_bytes(),
                        )?,
                    },
                    format!("mount the overlay scratch tmpfs for {}", target.display()),
                ));
                let upper = scratch.join("upper");
                let work = scratch.join("work");
                ops.push((
                    Op::MkDir(path_c("overlay upper", &upper)?),
                    "create the overlay upper directory".into(),
                ));
                ops.push((
                    Op::MkDir(path_c("overlay work", &work)?),
                    "create the overlay work directory".into(),
                ));
                let mut data = b"lowerdir=".to_vec();
                data.extend_from_slice(dst.as_os_str().as_bytes());
                data.extend_from_slice(b",upperdir=");
                data.extend_from_slice(upper.as_os_str().as_bytes());
                data.extend_from_slice(b",workdir=");
                data.extend_from_slice(work.as_os_str().as_bytes());
                data.extend_from_slice(b",userxattr");
                ops.push((
                    Op::Mount {
                        fstype: cstr("fstype", b"overlay")?,
                        dst: path_c("mount target", &dst)?,
                        flags: nosuid_nodev,
                        data: cstr("overlay options", &data)?,
                    },
                    format!(
                        "mount an overlay of {} at {}",
                        lower.display(),
                        target.display()
                    ),
                ));
                ops.push((
                    Op::Detach(path_c("overlay scratch", &scratch)?),
                    "detach the overlay scratch tmpfs".into(),
                ));
                ops.push((
                    Op::RmDir(path_c("overlay scratch", &scratch)?),
                    "remove the overlay scratch directory".into(),
                ));
            }
        }
    }

    let limits = &cmd.limits;
    let cpu = (limits.cpu_time.as_secs() + u64::from(limits.cpu_time.subsec_nanos() > 0)).max(1);
    let rl = |soft: u64, hard: u64| libc::rlimit {
        rlim_cur: soft,
        rlim_max: hard,
    };
    // Non-root hosts: the init runs under the same kernel uid as the command, inside the same
    // per-namespace process count, so it gets one slot of its own.
    let nproc = if host.host_is_root {
        limits.processes
    } else {
        limits.processes.saturating_add(1)
    };
    let rlimits = [
        // Soft limit sends SIGXCPU, the hard limit one second later SIGKILL.
        (
            libc::RLIMIT_CPU as libc::c_int,
            rl(cpu, cpu.saturating_add(1)),
        ),
        (
            libc::RLIMIT_AS as libc::c_int,
            rl(limits.memory_bytes, limits.memory_bytes),
        ),
        (
            libc::RLIMIT_FSIZE as libc::c_int,
            rl(limits.file_size_bytes, limits.file_size_bytes),
        ),
        (
            libc::RLIMIT_NOFILE as libc::c_int,
            rl(limits.open_files, limits.open_files),
        ),
        (libc::RLIMIT_NPROC as libc::c_int, rl(nproc, nproc)),
        (libc::RLIMIT_CORE as libc::c_int, rl(0, 0)),
    ];

    let (ops, descriptions): (Vec<Op>, Vec<String>) = ops.into_iter().unzip();
    let argv_ptrs = PtrArray::new(&argv);
    let envp_ptrs = PtrArray::new(&envp);
    Ok(Prepared {
        plan: ChildPlan {
            staging: path_c("staging directory", &staging)?,
            ops,
            bind_slots: (0..slots).map(|_| AtomicI32::new(-1)).collect(),
            hostname: cstr("hostname", HOSTNAME.as_bytes())?,
            program: argv[0].clone(),
            _argv: argv,
            argv: argv_ptrs,
            _envp: envp,
            envp: envp_ptrs,
            cwd: path_c("cwd", &cwd)?,
            rlimits,
            filters: host.filters.clone(),
            drop_groups: host.host_is_root,
            cap_last: host.cap_last,
            probe,
            fds,
            cgroup_tasks: Vec::new(),
        },
        descriptions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::Limits;

    fn host() -> HostContext {
        HostContext {
            host_is_root: true,
            cap_last: 40,
            filters: Arc::new(crate::sandbox::seccomp::compile().unwrap()),
        }
    }

    fn cmd(work: &Path, mounts: Vec<Mount>) -> SandboxCommand {
        SandboxCommand {
            argv: vec!["/bin/true".into()],
            env: vec![("A".into(), "b".into())],
            mounts,
            work_dir: work.to_path_buf(),
            cwd: String::new(),
            stdin: Vec::new(),
            limits: Limits::default(),
        }
    }

    fn ro(source: &str, target: &str) -> Mount {
        Mount::ReadOnly {
            source: source.into(),
            target: target.into(),
        }
    }

    #[test]
    fn lays_out_binds_symlinks_and_parents_first() {
        let work = tempfile::tempdir().unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("real")).unwrap();
        std::os::unix::fs::symlink("real", dir.path().join("link")).unwrap();
        let link = dir.path().join("link");
        let real = dir.path().join("real");
        let mounts = vec![
            ro(real.to_str().unwrap(), "/opt/tool/sub"),
            ro(real.to_str().unwrap(), "/opt/tool"),
            ro(link.to_str().unwrap(), "/lnk"),
        ];
        let p = prepare(
            &cmd(work.path(), mounts),
            &host(),
            ChildFds::default(),
            false,
        )
        .unwrap();
        let d = &p.descriptions;
        let pos = |suffix: &str| {
            d.iter()
                .position(|s| s.ends_with(suffix))
                .unwrap_or_else(|| panic!("no step ending in {suffix:?} in {d:#?}"))
        };
        assert!(pos("read-only at /opt/tool") < pos("read-only at /opt/tool/sub"));
        // Shallower targets first.
        assert!(pos("create symlink /lnk -> real") < pos("read-only at /opt/tool/sub"));
        assert!(pos(" at /work") < pos("read-only at /opt/tool"));
        assert_eq!(
            p.plan.bind_slots.len(),
            5 + 1 + 2,
            "devices, work dir, two binds"
        );
        assert_eq!(p.plan.cwd.to_str().unwrap(), "/work");
    }

    #[test]
    fn refuses_bad_commands() {
        let work = tempfile::tempdir().unwrap();
        let bad = |c: SandboxCommand| {
            matches!(
                prepare(&c, &host(), ChildFds::default(), false),
                Err(SandboxError::InvalidCommand(_))
            )
        };
        assert!(bad(cmd(work.path(), vec![ro("/usr", "usr")])));
        assert!(bad(cmd(work.path(), vec![ro("/usr", "/a/../b")])));
        assert!(bad(cmd(work.path(), vec![ro("/usr", "/work/x")])));
        assert!(bad(cmd(work.path(), vec![ro("/usr", "/dev/x")])));
        assert!(bad(cmd(work.path(), vec![ro("/", "/host")])));
        assert!(bad(cmd(
            work.path(),
            vec![ro("/usr", "/x"), ro("/etc", "/x")]
        )));
        let mut c = cmd(work.path(), Vec::new());
        c.argv = vec!["relative".into()];
        assert!(bad(c));
        let mut c = cmd(work.path(), Vec::new());
        c.env = vec![("A=B".into(), "c".into())];
        assert!(bad(c));
        let mut c = cmd(work.path(), Vec::new());
        c.cwd = "../up".into();
        assert!(bad(c));
        let mut c = cmd(work.path(), Vec::new());
        c.argv = vec!["/bin/\0sh".into()];
        assert!(bad(c));
    }
}
