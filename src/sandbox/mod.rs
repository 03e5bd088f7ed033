//! Runs one command on a private copy of a program, where it cannot hurt anyone.
//!
//! THREAT MODEL. The command is hostile: generated code, its tests and its build scripts may
//! try anything. It runs in fresh user, mount, PID, network, IPC, UTS and cgroup namespaces,
//! cloned from one long-lived spawner thread inside the host process (no helper binary):
//! - Files: the root is an empty, read-only tmpfs holding only read-only, nosuid, nodev binds
//!   of what the toolchain needs, a fresh `/proc` (`hidepid=2`: the init, which still holds
//!   the host's argv and environment in memory, is invisible), a minimal `/dev` (null, zero,
//!   full, random, urandom, shm), a private `/tmp`, and the work directory at [`WORK_DIR`]
//!   (nosuid, nodev; by default a clone of the workspace's own capped tmpfs, see
//!   `workspace.rs`). Every tmpfs is capped in size and inodes. The host's tree is detached after `pivot_root`; nothing else is reachable,
//!   not even through symlinks planted in the work directory (they resolve inside the
//!   sandbox's own root).
//! - Identity: the command runs as uid/gid 0 of its user namespace, mapped to an unprivileged
//!   host id (65534 when the host is root, the invoking user otherwise), with no capabilities
//!   (bounding, ambient and inheritable sets emptied), no supplementary groups when the host
//!   is root, and `no_new_privs`.
//! - Kernel surface: a seccomp filter refuses mounts, namespace changes, ptrace,
//!   process_vm_*, pidfd_getfd, keyrings, BPF, perf, io_uring, memfd_secret, socket families
//!   other than AF_UNIX/INET/INET6/NETLINK (AF_VSOCK included), set-user/group-ID mode bits,
//!   module/kexec/reboot/swap/clock calls and similar, and the x32 ABI (see `seccomp.rs`).
//! - Network: an empty network namespace with only loopback up.
//! - Resources: a cgroup per run where the host allows it (memory and processes of the whole
//!   sandbox), rlimits (CPU, address space, file size, open files, processes, no core
//!   dumps), a wall-clock deadline at which the init is asked to kill and reap everything and
//!   report the CPU time and peak memory of all of it (then killed itself), bounded output
//!   capture. Dropping a run kills the namespace and returns only once it is gone. When the command exits, the init kills and reaps every remaining process
//!   of the namespace before reporting; if the host dies, the init gets SIGKILL and the
//!   kernel kills the rest.
//! - Other sandboxes: each has its own namespaces, loopback, `/tmp` and process count; the
//!   init is not dumpable, so even a sandbox sharing its kernel uid (host not root) cannot
//!   ptrace or read the init's memory. No process outside the sandbox's PID namespace can be
//!   named from inside it, so another sandbox's processes are out of reach (`/proc/PID/*`
//!   ENOENT, `kill`/`pidfd_open` ESRCH) even as the same kernel uid.
//! - Environment: exactly [`SandboxCommand::env`]; nothing inherited.
//!
//! IMPLEMENTATION. `Sandbox::run` prepares everything on the host (`plan.rs`: C strings, argv
//! and envp arrays, the mount steps, the compiled seccomp filter), hands it to the spawner
//! thread (`spawn.rs`), which `clone3`s the init with every namespace and a pidfd, writes the
//! id maps and releases it. The init (`child.rs`: raw system calls only, since it is a copy
//! of a multi-threaded process) clones each bind source while it still has the host user's
//! view, builds the new root, pivots, and starts the command vfork-style; the command sets
//! its rlimits, drops ids and capabilities, installs seccomp and execs. The host (`host.rs`)
//! feeds stdin, drains stdout/stderr into bounded buffers, waits for the init's status record
//! or the deadline, and classifies the end (`outcome.rs`).
//!
//! Needs Linux 5.12+ (clone3, pidfds, open_tree/move_mount, mount_setattr, close_range) with
//! user namespaces enabled, and a tokio runtime with IO and time drivers for `run`.
//!
//! Out of scope: kernel exploits (the sandbox shrinks, but does not remove, the kernel's attack
//! surface), CPU contention between sandboxes, memory per sandbox on a host without a usable
//! cgroup (then RLIMIT_AS is per process, so N processes may use N times the limit, bounded by
//! the process limit; see [`resource_control`]; with one, each run has its own cgroup,
//! `scope.rs`), a dumpable process's memory read by another process of the same
//! sandbox (they share a uid; one sandbox is one trust domain, see `docs/sandbox.md` for the
//! mitigations considered), and timing side channels. Running out of memory is recognised
//! heuristically (see `outcome.rs`).
//!
//! CONTRACT (other modules rely on these names and signatures; keep them):
//! - [`Limits`], [`Mount`], [`SandboxCommand`], [`RunOutcome`], [`SandboxError`]
//! - `Sandbox::new() -> Result<Sandbox, SandboxError>` probes the kernel once and refuses
//!   (`SandboxError::Unavailable`) with the reason and the fix when namespaces/seccomp are missing.
//! - `Sandbox::run(&self, &SandboxCommand) -> Result<RunOutcome, SandboxError>` (async).
//! - `Sandbox::work_dir_owner(&self) -> Option<(u32, u32)>`: the host uid/gid that must own the
//!   work directory so the sandboxed process can write it (`None`: leave ownership as is).
//! - [`WORK_DIR`]: where the work directory appears inside the sandbox.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::types::Termination;

mod bpf_dispatch;
mod cgroup;
mod child;
mod host;
mod netns;
mod outcome;
mod plan;
mod scope;
mod seccomp;
mod spawn;

pub use cgroup::{resource_control, ResourceControl};
pub use host::{Sandbox, DEFAULT_ROOT_MAPPING};

/// Where the program's work directory is mounted inside the sandbox (read-write).
pub const WORK_DIR: &str = "/work";

/// Resource limits for one sandboxed command.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Limits {
    /// Wall-clock deadline; at expiry the whole process tree is killed.
    #[serde(with = "humantime_secs")]
    pub wall_time: Duration,
    /// CPU time (RLIMIT_CPU), per process.
    #[serde(with = "humantime_secs")]
    pub cpu_time: Duration,
    /// Address space per process (RLIMIT_AS), bytes.
    pub memory_bytes: u64,
    /// Largest file a process may write (RLIMIT_FSIZE), bytes.
    pub file_size_bytes: u64,
    /// Open file descriptors per process (RLIMIT_NOFILE).
    pub open_files: u64,
    /// Processes/threads in the sandbox (RLIMIT_NPROC, counted per sandbox user namespace).
    pub processes: u64,
    /// Bytes kept of stdout and of stderr each; the rest is counted and discarded.
    pub output_bytes: usize,
    /// Size of the sandbox's private `/tmp` (tmpfs), bytes.
    pub tmp_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            wall_time: Duration::from_secs(10),
            cpu_time: Duration::from_secs(10),
            memory_bytes: 2 << 30,
            file_size_bytes: 64 << 20,
            open_files: 256,
            processes: 128,
            output_bytes: 1 << 20,
            tmp_bytes: 256 << 20,
        }
    }
}

/// A path made visible inside the sandbox.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Mount {
    /// Bind `source` (host path; file or directory; symlinks are recreated as symlinks)
    /// read-only, nosuid, nodev at `target` (absolute path inside the sandbox).
    ReadOnly { source: PathBuf, target: PathBuf },
    /// An overlay at `target` whose lower layer is the host directory `lower` (never modified)
    /// and whose upper layer lives in the sandbox's private tmpfs: writes are visible to the
    /// command and vanish with it. Used for warm build caches (e.g. GOCACHE).
    Overlay { lower: PathBuf, target: PathBuf },
}

/// One command to run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxCommand {
    /// argv[0] must be an absolute path inside the sandbox.
    pub argv: Vec<String>,
    /// The complete environment (nothing is inherited from the host).
    pub env: Vec<(String, String)>,
    /// Read-only paths the command needs (toolchain, libraries).
    pub mounts: Vec<Mount>,
    /// Host directory mounted read-write at [`WORK_DIR`].
    pub work_dir: PathBuf,
    /// Working directory relative to [`WORK_DIR`] ("" = the work directory itself).
    pub cwd: String,
    /// Bytes fed to stdin, then EOF.
    pub stdin: Vec<u8>,
    pub limits: Limits,
}

/// What happened to a command.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunOutcome {
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub termination: Termination,
    pub wall_time: Duration,
    pub cpu_time: Duration,
    pub peak_memory_bytes: u64,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// Total bytes the command wrote, including what was discarded.
    pub stdout_total_bytes: u64,
    pub stderr_total_bytes: u64,
    pub stdout_truncated: bool,
    pub stderr_truncated: bool,
    /// What `limits.memory_bytes` bounded in this run (see [`resource_control`]).
    #[serde(default)]
    pub memory_scope: MemoryScope,
}

/// What a memory limit applies to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemoryScope {
    /// Each process on its own (RLIMIT_AS): a sandbox may use up to `processes × memory_bytes`.
    #[default]
    PerProcess,
    /// All of the sandbox's processes together (a cgroup).
    PerSandbox,
}

/// Why a command could not be run (as opposed to running and failing).
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The kernel or environment forbids what the sandbox needs; selfheal refuses to run code.
    #[error("the sandbox cannot run here: {reason}. Fix: {fix}")]
    Unavailable { reason: String, fix: String },
    #[error("invalid sandbox command: {0}")]
    InvalidCommand(String),
    #[error("cannot start {program} in the sandbox: {message}")]
    Exec { program: String, message: String },
    #[error("sandbox setup failed: {0}")]
    Setup(String),
    #[error("sandbox I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// Serde for durations as (fractional) seconds.
mod humantime_secs {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let secs = f64::deserialize(d)?;
        Duration::try_from_secs_f64(secs).map_err(serde::de::Error::custom)
    }
}
