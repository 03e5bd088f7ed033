//! A private, temporary copy of a program on the host: the sandbox's work directory.
//!
//! The host touches the directory only through a cap-std [`Dir`] handle, so a symlink the
//! sandboxed program plants (`out -> /etc/shadow`, `out -> ../other-sandbox`) can never make
//! the host read or write outside it.
//!
//! Where it lives ([`WorkspaceOptions`]):
//! - By default, on a tmpfs of its own, capped in size and inodes ([`WorkspaceCaps`]) and
//!   mounted nowhere on the host: the host holds it by a descriptor (the path it hands out is
//!   `/proc/self/fd/N`, valid in this process only), each sandbox mounts a clone of it at
//!   `/work`, and closing the descriptor frees it. Nothing the program writes ever reaches the
//!   host's filesystems, no other local user can reach it, and the sandbox's mount table shows
//!   no host path for it. Needs Linux 6.15+ (cloning a detached mount); when the tmpfs cannot be
//!   made, the workspace falls back to a host directory and says so ([`Workspace::capped`], a
//!   warning in the log).
//! - Otherwise, in a host directory: `<parent>/selfheal-XXXXXX/` (mode 0700, owned by the host
//!   user) holds the work directory `w/` (mode 0700, owned by the sandbox's user). Whatever the
//!   sandboxed program does to the modes of `w` (it owns it), the container keeps every other
//!   local user out while the directory lives. Its size is bounded only per file
//!   (RLIMIT_FSIZE).
//!
//! Removal ([`Workspace::remove`], or dropping the workspace) is built to succeed whatever the
//! program did to the tree: it restores owner permissions on every directory before entering
//! it (mode 000, read-only 0555), walks iteratively holding one directory descriptor at a time
//! (a chain deeper than the open-file limit, or longer than `PATH_MAX`, still goes), never
//! follows a symlink, and checks on the way back up that it returns to the directory it came
//! from. A removal that fails anyway is an error ([`WorkspaceError::Cleanup`]), never silent.

use std::ffi::{CStr, CString};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use cap_std::ambient_authority;
use cap_std::fs::Dir;

use crate::program::{check_relative_path, Program, ProgramError};

/// Directory inside the work directory where toolchain steps put build products.
pub const BUILD_DIR: &str = ".selfheal";

/// Name of the work directory inside its private container.
const WORK_NAME: &str = "w";

#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error("cannot create a work directory under {parent}: {source}")]
    Create {
        parent: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("work directory: {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
    /// The work directory could not be removed; it is left at `path`.
    #[error(
        "cannot remove the work directory {path}: {source}. Remove it by hand (as the user that \
         ran selfheal: chmod -R u+rwx, then rm -rf)"
    )]
    Cleanup {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(transparent)]
    Path(#[from] ProgramError),
}

/// Size and inode caps of a work directory on its own tmpfs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkspaceCaps {
    /// Bytes of file data (default 1 GiB; tmpfs pages are only used as they are written).
    pub bytes: u64,
    /// Files, directories and links together (default 262144).
    pub inodes: u64,
}

impl Default for WorkspaceCaps {
    fn default() -> Self {
        WorkspaceCaps {
            bytes: 1 << 30,
            inodes: 1 << 18,
        }
    }
}

/// Where a workspace lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkspaceOptions {
    /// `Some`: on its own capped tmpfs when the kernel allows (see the module docs); `None`:
    /// in a host directory.
    pub tmpfs: Option<WorkspaceCaps>,
}

impl Default for WorkspaceOptions {
    fn default() -> Self {
        WorkspaceOptions {
            tmpfs: Some(WorkspaceCaps::default()),
        }
    }
}

/// A temporary directory holding one program's files; removed by [`Workspace::remove`] or,
/// failing that, when dropped (a failure there is logged, since `Drop` cannot return it).
pub struct Workspace {
    /// `None` once removed. Declared first so the handle closes first.
    dir: Option<Dir>,
    /// The detached tmpfs holding the work directory, if it is on one.
    tmpfs: Option<OwnedFd>,
    /// The private container (mode 0700) holding the work directory (host directory only;
    /// empty otherwise).
    container: PathBuf,
    work: PathBuf,
}

impl Workspace {
    /// Writes the program's files into a fresh work directory with the default
    /// [`WorkspaceOptions`] (its own capped tmpfs where the kernel allows, else a directory
    /// under `parent`, the system temp dir when `None`). `owner` makes the directory writable
    /// by the sandbox's user.
    ///
    /// # Errors
    /// [`WorkspaceError::Create`] when the directory cannot be made, [`WorkspaceError::Io`] when
    /// a file cannot be written (anything created so far is removed again).
    pub fn create(
        parent: Option<&Path>,
        program: &Program,
        owner: Option<(u32, u32)>,
    ) -> Result<Workspace, WorkspaceError> {
        Workspace::create_with(parent, program, owner, WorkspaceOptions::default())
    }

    /// Like [`Workspace::create`], choosing where the directory lives.
    ///
    /// # Errors
    /// As [`Workspace::create`].
    pub fn create_with(
        parent: Option<&Path>,
        program: &Program,
        owner: Option<(u32, u32)>,
        options: WorkspaceOptions,
    ) -> Result<Workspace, WorkspaceError> {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        let parent_path = parent
            .map(Path::to_path_buf)
            .unwrap_or_else(std::env::temp_dir);
        let create_err = |source| WorkspaceError::Create {
            parent: parent_path.clone(),
            source,
        };
        let tmpfs = match options.tmpfs {
            Some(caps) if detached_mounts_clonable() => match detached_tmpfs(caps, owner) {
                Ok(fd) => Some(fd),
                Err(e) => {
                    tracing::warn!(
                        error = %e,
                        "cannot make a capped tmpfs for the work directory; using a host \
                         directory (size bounded per file only)"
                    );
                    None
                }
            },
            _ => None,
        };
        let mut workspace = match tmpfs {
            Some(fd) => Workspace {
                dir: None,
                work: PathBuf::from(format!("/proc/self/fd/{}", fd.as_raw_fd())),
                tmpfs: Some(fd),
                container: PathBuf::new(),
            },
            None => {
                let container = tempfile::Builder::new()
                    .prefix("selfheal-")
                    .permissions(std::fs::Permissions::from_mode(0o700))
                    .tempdir_in(&parent_path)
                    .map_err(create_err)?
                    .keep();
                let work = container.join(WORK_NAME);
                let workspace = Workspace {
                    dir: None,
                    tmpfs: None,
                    container,
                    work,
                };
                std::fs::DirBuilder::new()
                    .mode(0o700)
                    .create(&workspace.work)
                    .map_err(create_err)?;
                workspace
            }
        };
        workspace.dir =
            Some(Dir::open_ambient_dir(&workspace.work, ambient_authority()).map_err(create_err)?);
        workspace.create_dir(BUILD_DIR)?;
        for (path, text) in program.files() {
            workspace.write_text(path, text)?;
        }
        for (path, bytes) in program.data_files() {
            workspace.write_bytes(path, bytes)?;
        }
        if let Some((uid, gid)) = owner {
            workspace.chown_all(uid, gid)?;
        }
        Ok(workspace)
    }

    /// Whether the directory is on its own size- and inode-capped tmpfs (else a host
    /// directory, bounded per file only).
    pub fn capped(&self) -> bool {
        self.tmpfs.is_some()
    }

    /// The work directory's host path (what the sandbox mounts).
    pub fn host_path(&self) -> &Path {
        &self.work
    }

    fn dir(&self) -> Result<&Dir, WorkspaceError> {
        self.dir.as_ref().ok_or_else(|| WorkspaceError::Io {
            path: ".".into(),
            source: io::Error::new(io::ErrorKind::NotFound, "the workspace was removed"),
        })
    }

    /// Reads a file through the capability handle: fails rather than follow a symlink out.
    ///
    /// # Errors
    /// [`WorkspaceError::Path`] for a path leaving the directory, [`WorkspaceError::Io`] when
    /// the file cannot be read.
    pub fn read_text(&self, rel: &str) -> Result<String, WorkspaceError> {
        check_relative_path(rel)?;
        self.dir()?
            .read_to_string(rel)
            .map_err(|source| WorkspaceError::Io {
                path: rel.to_string(),
                source,
            })
    }

    /// Writes a file (creating parent directories) through the capability handle.
    ///
    /// # Errors
    /// As [`Workspace::read_text`].
    pub fn write_text(&self, rel: &str, text: &str) -> Result<(), WorkspaceError> {
        self.write_bytes(rel, text.as_bytes())
    }

    /// Writes a file of any bytes (a program's data file), creating its parent directories.
    pub fn write_bytes(&self, rel: &str, bytes: &[u8]) -> Result<(), WorkspaceError> {
        check_relative_path(rel)?;
        if let Some((parent, _)) = rel.rsplit_once('/') {
            self.create_dir(parent)?;
        }
        self.dir()?
            .write(rel, bytes)
            .map_err(|source| WorkspaceError::Io {
                path: rel.to_string(),
                source,
            })
    }

    fn create_dir(&self, rel: &str) -> Result<(), WorkspaceError> {
        self.dir()?
            .create_dir_all(rel)
            .map_err(|source| WorkspaceError::Io {
                path: rel.to_string(),
                source,
            })
    }

    /// Gives everything the host wrote to the sandbox user. Runs before any sandboxed code, so
    /// the tree holds only what the host created; `lchown` never follows a link regardless.
    fn chown_all(&self, uid: u32, gid: u32) -> Result<(), WorkspaceError> {
        fn walk(path: &Path, uid: u32, gid: u32) -> io::Result<()> {
            std::os::unix::fs::lchown(path, Some(uid), Some(gid))?;
            if std::fs::symlink_metadata(path)?.is_dir() {
                for entry in std::fs::read_dir(path)? {
                    walk(&entry?.path(), uid, gid)?;
                }
            }
            Ok(())
        }
        // The top directory is ours (or, on a tmpfs, reached through a /proc magic link, which
        // `lchown` would not follow): follow it; nothing below is followed.
        let top = || -> io::Result<()> {
            std::os::unix::fs::chown(&self.work, Some(uid), Some(gid))?;
            for entry in std::fs::read_dir(&self.work)? {
                walk(&entry?.path(), uid, gid)?;
            }
            Ok(())
        };
        top().map_err(|source| WorkspaceError::Io {
            path: ".".into(),
            source,
        })
    }

    /// Removes the work directory and its container, whatever the sandboxed program did to
    /// modes and depth. Only call it once no sandbox uses the directory any more.
    ///
    /// # Errors
    /// [`WorkspaceError::Cleanup`] naming what is left behind.
    pub fn remove(mut self) -> Result<(), WorkspaceError> {
        self.remove_now()
    }

    fn remove_now(&mut self) -> Result<(), WorkspaceError> {
        self.dir = None;
        // A tmpfs goes with its last reference (this one, once every sandbox is gone).
        self.tmpfs = None;
        if self.container.as_os_str().is_empty() {
            return Ok(());
        }
        let container = std::mem::take(&mut self.container);
        remove_tree(&container).map_err(|source| WorkspaceError::Cleanup {
            path: container,
            source,
        })
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        if let Err(e) = self.remove_now() {
            tracing::error!(error = %e, "work directory left behind");
        }
    }
}

/// Whether a sandbox can mount a clone of a detached mount (`open_tree` on an
/// `fsmount` descriptor from another mount namespace): Linux 6.15 and later.
fn detached_mounts_clonable() -> bool {
    static OK: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *OK.get_or_init(|| {
        // SAFETY: uname fills a zeroed struct.
        let mut u: libc::utsname = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        if unsafe { libc::uname(&mut u) } != 0 {
            return false;
        }
        // SAFETY: release is NUL-terminated by the kernel.
        let release = unsafe { CStr::from_ptr(u.release.as_ptr()) }.to_string_lossy();
        let mut parts = release
            .split(|c: char| !c.is_ascii_digit())
            .map(|p| p.parse::<u32>().unwrap_or(0));
        let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        (major, minor) >= (6, 15)
    })
}

const FSOPEN_CLOEXEC: libc::c_uint = 1;
const FSCONFIG_SET_STRING: libc::c_uint = 1;
const FSCONFIG_CMD_CREATE: libc::c_uint = 6;
const FSMOUNT_CLOEXEC: libc::c_uint = 1;
const MOUNT_ATTR_NOSUID: libc::c_uint = 0x2;
const MOUNT_ATTR_NODEV: libc::c_uint = 0x4;

/// The tmpfs options, prepared before any raw system call runs.
struct TmpfsPlan {
    options: Vec<(CString, CString)>,
}

impl TmpfsPlan {
    fn new(caps: WorkspaceCaps, owner: Option<(u32, u32)>) -> io::Result<TmpfsPlan> {
        let mut options = vec![
            ("size", caps.bytes.max(4096).to_string()),
            ("nr_inodes", caps.inodes.max(16).to_string()),
            ("mode", "0700".to_string()),
        ];
        if let Some((uid, gid)) = owner {
            options.push(("uid", uid.to_string()));
            options.push(("gid", gid.to_string()));
        }
        let options = options
            .into_iter()
            .map(|(k, v)| Ok((cstring(k.as_bytes())?, cstring(v.as_bytes())?)))
            .collect::<io::Result<_>>()?;
        Ok(TmpfsPlan { options })
    }

    /// fsopen, fsconfig, fsmount: raw system calls only (also runs in a forked child).
    /// Returns the mount descriptor or an errno.
    fn mount(&self) -> Result<libc::c_int, i32> {
        let errno = || {
            io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EIO)
        };
        // SAFETY: raw system calls on NUL-terminated strings owned by self.
        unsafe {
            let fs = libc::syscall(libc::SYS_fsopen, c"tmpfs".as_ptr(), FSOPEN_CLOEXEC);
            if fs < 0 {
                return Err(errno());
            }
            let fs = fs as libc::c_int;
            for (k, v) in &self.options {
                if libc::syscall(
                    libc::SYS_fsconfig,
                    fs,
                    FSCONFIG_SET_STRING,
                    k.as_ptr(),
                    v.as_ptr(),
                    0,
                ) < 0
                {
                    let e = errno();
                    libc::close(fs);
                    return Err(e);
                }
            }
            if libc::syscall(
                libc::SYS_fsconfig,
                fs,
                FSCONFIG_CMD_CREATE,
                std::ptr::null::<libc::c_char>(),
                std::ptr::null::<libc::c_void>(),
                0,
            ) < 0
            {
                let e = errno();
                libc::close(fs);
                return Err(e);
            }
            let m = libc::syscall(
                libc::SYS_fsmount,
                fs,
                FSMOUNT_CLOEXEC,
                MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
            );
            let e = errno();
            libc::close(fs);
            if m < 0 {
                return Err(e);
            }
            Ok(m as libc::c_int)
        }
    }
}

/// A detached, capped tmpfs (mode 0700, owned by `owner` when given), held by descriptor.
/// Root makes it directly; an ordinary user makes it in a throwaway user and mount namespace
/// (a forked child that sends the descriptor back), since mounting needs privilege over the
/// current mount namespace.
fn detached_tmpfs(caps: WorkspaceCaps, owner: Option<(u32, u32)>) -> io::Result<OwnedFd> {
    let plan = TmpfsPlan::new(caps, owner)?;
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        let fd = plan.mount().map_err(io::Error::from_raw_os_error)?;
        // SAFETY: a fresh descriptor we own.
        return Ok(unsafe { OwnedFd::from_raw_fd(fd) });
    }
    // SAFETY: these getters cannot fail.
    let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
    let files = [
        (c"/proc/self/setgroups", cstring(b"deny")?),
        (
            c"/proc/self/uid_map",
            cstring(format!("0 {uid} 1").as_bytes())?,
        ),
        (
            c"/proc/self/gid_map",
            cstring(format!("0 {gid} 1").as_bytes())?,
        ),
    ];
    let mut pair = [0 as libc::c_int; 2];
    // SAFETY: socketpair fills two descriptors.
    let r = unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC,
            0,
            pair.as_mut_ptr(),
        )
    };
    last_err(r, ())?;
    // SAFETY: both descriptors are fresh and ours.
    let (ours, theirs) = unsafe { (OwnedFd::from_raw_fd(pair[0]), OwnedFd::from_raw_fd(pair[1])) };
    // A fork without atfork handlers: the child runs raw system calls on prepared data only.
    // SAFETY: see above; the child never returns from the block below.
    let pid = unsafe {
        libc::syscall(
            libc::SYS_clone,
            libc::SIGCHLD as libc::c_ulong,
            0usize,
            0usize,
            0usize,
            0usize,
        )
    };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    if pid == 0 {
        // SAFETY: the child: raw system calls on data prepared before the fork, then _exit.
        unsafe {
            let errno = || *libc::__errno_location();
            if libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNS) < 0 {
                libc::_exit(errno());
            }
            for (path, data) in &files {
                let fd = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
                if fd < 0 {
                    libc::_exit(errno());
                }
                let n = data.as_bytes().len();
                if libc::write(fd, data.as_ptr() as *const libc::c_void, n) != n as isize {
                    libc::_exit(errno());
                }
                libc::close(fd);
            }
            let m = match plan.mount() {
                Ok(m) => m,
                Err(e) => libc::_exit(e),
            };
            let mut byte = 0u8;
            let mut iov = libc::iovec {
                iov_base: &mut byte as *mut u8 as *mut libc::c_void,
                iov_len: 1,
            };
            let mut cbuf = [0u64; 4];
            let mut msg: libc::msghdr = std::mem::zeroed();
            msg.msg_iov = &mut iov;
            msg.msg_iovlen = 1;
            msg.msg_control = cbuf.as_mut_ptr() as *mut libc::c_void;
            msg.msg_controllen = libc::CMSG_SPACE(4) as usize;
            let cmsg = libc::CMSG_FIRSTHDR(&msg);
            (*cmsg).cmsg_level = libc::SOL_SOCKET;
            (*cmsg).cmsg_type = libc::SCM_RIGHTS;
            (*cmsg).cmsg_len = libc::CMSG_LEN(4) as usize;
            std::ptr::write_unaligned(libc::CMSG_DATA(cmsg) as *mut libc::c_int, m);
            if libc::sendmsg(theirs.as_raw_fd(), &msg, 0) < 0 {
                libc::_exit(errno());
            }
            libc::_exit(0);
        }
    }
    drop(theirs);
    let received = (|| -> io::Result<OwnedFd> {
        let mut byte = 0u8;
        let mut iov = libc::iovec {
            iov_base: &mut byte as *mut u8 as *mut libc::c_void,
            iov_len: 1,
        };
        let mut cbuf = [0u64; 4];
        // SAFETY: a zeroed msghdr pointing at stack buffers that outlive the call.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cbuf.as_mut_ptr() as *mut libc::c_void;
        msg.msg_controllen = std::mem::size_of_val(&cbuf);
        // SAFETY: as above; MSG_CMSG_CLOEXEC marks the received descriptor close-on-exec.
        let n = unsafe { libc::recvmsg(ours.as_raw_fd(), &mut msg, libc::MSG_CMSG_CLOEXEC) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: the control buffer was filled by the kernel.
        let cmsg = unsafe { libc::CMSG_FIRSTHDR(&msg) };
        // SAFETY: checked non-null; the header is within cbuf.
        if cmsg.is_null()
            || unsafe { (*cmsg).cmsg_type } != libc::SCM_RIGHTS
            || unsafe { (*cmsg).cmsg_level } != libc::SOL_SOCKET
        {
            return Err(io::Error::other(
                "no mount descriptor from the tmpfs helper",
            ));
        }
        // SAFETY: an SCM_RIGHTS message carries one descriptor, now ours.
        let fd = unsafe { std::ptr::read_unaligned(libc::CMSG_DATA(cmsg) as *const libc::c_int) };
        // SAFETY: as above.
        Ok(unsafe { OwnedFd::from_raw_fd(fd) })
    })();
    let mut status = 0;
    // SAFETY: reap our own child.
    unsafe { libc::waitpid(pid as libc::pid_t, &mut status, 0) };
    match received {
        Ok(fd) => Ok(fd),
        Err(_) if libc::WIFEXITED(status) && libc::WEXITSTATUS(status) != 0 => {
            Err(io::Error::from_raw_os_error(libc::WEXITSTATUS(status)))
        }
        Err(e) => Err(e),
    }
}

fn cstring(name: &[u8]) -> io::Result<CString> {
    CString::new(name).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL in a name"))
}

fn last_err<T>(r: libc::c_int, v: T) -> io::Result<T> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(v)
    }
}

/// `openat(dirfd, name, O_DIRECTORY | O_NOFOLLOW)`: never through a symlink.
fn open_dir_at(dirfd: libc::c_int, name: &CStr) -> io::Result<OwnedFd> {
    // SAFETY: name is NUL-terminated; the returned descriptor is owned by the OwnedFd.
    let fd = unsafe {
        libc::openat(
            dirfd,
            name.as_ptr(),
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC,
        )
    };
    // SAFETY: fd is a fresh descriptor when non-negative.
    last_err(fd, ()).map(|()| unsafe { OwnedFd::from_raw_fd(fd) })
}

fn stat_at(dirfd: libc::c_int, name: &CStr) -> io::Result<libc::stat> {
    // SAFETY: zeroed stat is a valid out-parameter; name is NUL-terminated.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    let r = unsafe { libc::fstatat(dirfd, name.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) };
    last_err(r, st)
}

fn fstat(fd: &OwnedFd) -> io::Result<libc::stat> {
    // SAFETY: zeroed stat is a valid out-parameter of fstat on a descriptor we own.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    let r = unsafe { libc::fstat(fd.as_raw_fd(), &mut st) };
    last_err(r, st)
}

fn is_dir(st: &libc::stat) -> bool {
    st.st_mode & libc::S_IFMT == libc::S_IFDIR
}

/// Gives the owner full access to the directory `name` (a directory, checked by the caller;
/// `fchmodat` would follow a symlink, so never call it on one), keeping no other bits.
fn make_private_rwx(dirfd: libc::c_int, name: &CStr) -> io::Result<()> {
    // SAFETY: name is NUL-terminated.
    let r = unsafe { libc::fchmodat(dirfd, name.as_ptr(), 0o700, 0) };
    last_err(r, ())
}

fn unlink_at(dirfd: libc::c_int, name: &CStr, dir: bool) -> io::Result<()> {
    let flags = if dir { libc::AT_REMOVEDIR } else { 0 };
    // SAFETY: name is NUL-terminated.
    let r = unsafe { libc::unlinkat(dirfd, name.as_ptr(), flags) };
    last_err(r, ())
}

/// The names in a directory (without `.` and `..`), read through a duplicate of `fd`.
fn list(fd: &OwnedFd) -> io::Result<Vec<CString>> {
    // SAFETY: dup of a descriptor we own; fdopendir takes ownership of the duplicate.
    let dup = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 0) };
    last_err(dup, ())?;
    // SAFETY: dup is a directory descriptor we own; on failure we close it.
    let dirp = unsafe { libc::fdopendir(dup) };
    if dirp.is_null() {
        let e = io::Error::last_os_error();
        // SAFETY: dup is still ours when fdopendir failed.
        unsafe { libc::close(dup) };
        return Err(e);
    }
    // SAFETY: rewind so a re-listing of the same open directory starts at the beginning.
    unsafe { libc::rewinddir(dirp) };
    let mut names = Vec::new();
    let result = loop {
        // SAFETY: errno is thread-local; readdir returns NULL at the end or on error.
        unsafe { *libc::__errno_location() = 0 };
        // SAFETY: dirp is a valid DIR*.
        let ent = unsafe { libc::readdir(dirp) };
        if ent.is_null() {
            let e = io::Error::last_os_error();
            break if e.raw_os_error() == Some(0) {
                Ok(())
            } else {
                Err(e)
            };
        }
        // SAFETY: d_name is NUL-terminated inside the entry returned by readdir.
        let name = unsafe { CStr::from_ptr((*ent).d_name.as_ptr()) };
        if name.to_bytes() != b"." && name.to_bytes() != b".." {
            names.push(name.to_owned());
        }
    };
    // SAFETY: closes the DIR and its descriptor (the duplicate).
    unsafe { libc::closedir(dirp) };
    result.map(|()| names)
}

/// One directory being emptied: its name in its parent, identity, and entries still to do.
struct Frame {
    name: CString,
    dev: libc::dev_t,
    ino: libc::ino_t,
    pending: Vec<CString>,
}

/// Removes `path` and everything below it, restoring owner permissions on directories before
/// entering them, holding at most two directory descriptors at any time, and never following
/// a symlink. Meant for trees no process is changing any more (a finished sandbox's work
/// directory); it refuses to continue if a directory moved while it walked.
///
/// # Errors
/// The first system call that failed. A missing `path` is not an error.
pub fn remove_tree(path: &Path) -> io::Result<()> {
    let parent = path.parent().unwrap_or(Path::new("/"));
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let Some(name) = path.file_name() else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("refusing to remove {}", path.display()),
        ));
    };
    let name = cstring(name.as_bytes())?;
    let parent_fd = open_dir_at(libc::AT_FDCWD, &cstring(parent.as_os_str().as_bytes())?)?;
    let st = match stat_at(parent_fd.as_raw_fd(), &name) {
        Ok(st) => st,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if !is_dir(&st) {
        return unlink_at(parent_fd.as_raw_fd(), &name, false);
    }
    make_private_rwx(parent_fd.as_raw_fd(), &name)?;
    let mut cur = open_dir_at(parent_fd.as_raw_fd(), &name)?;
    let top = fstat(&cur)?;
    let mut stack = vec![Frame {
        name: name.clone(),
        dev: top.st_dev,
        ino: top.st_ino,
        pending: list(&cur)?,
    }];
    while let Some(frame) = stack.last_mut() {
        if let Some(entry) = frame.pending.pop() {
            let st = match stat_at(cur.as_raw_fd(), &entry) {
                Ok(st) => st,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            if !is_dir(&st) {
                unlink_at(cur.as_raw_fd(), &entry, false)?;
                continue;
            }
            make_private_rwx(cur.as_raw_fd(), &entry)?;
            match unlink_at(cur.as_raw_fd(), &entry, true) {
                Ok(()) => continue,
                Err(e) if matches!(e.raw_os_error(), Some(libc::ENOTEMPTY | libc::EEXIST)) => {}
                Err(e) => return Err(e),
            }
            let child = open_dir_at(cur.as_raw_fd(), &entry)?;
            let cst = fstat(&child)?;
            if cst.st_dev != st.st_dev || cst.st_ino != st.st_ino {
                return Err(io::Error::other("a directory changed while it was removed"));
            }
            let pending = list(&child)?;
            cur = child;
            stack.push(Frame {
                name: entry,
                dev: cst.st_dev,
                ino: cst.st_ino,
                pending,
            });
            continue;
        }
        // Everything listed is gone; pick up anything that appeared meanwhile.
        let again = list(&cur)?;
        if !again.is_empty() {
            frame.pending = again;
            continue;
        }
        let Some(done) = stack.pop() else {
            break;
        };
        let Some(up) = stack.last() else {
            // The top directory: remove it from the original parent.
            drop(cur);
            return unlink_at(parent_fd.as_raw_fd(), &done.name, true);
        };
        let parent = open_dir_at(cur.as_raw_fd(), c"..")?;
        let pst = fstat(&parent)?;
        if pst.st_dev != up.dev || pst.st_ino != up.ino {
            return Err(io::Error::other("a directory moved while it was removed"));
        }
        let _ = (done.dev, done.ino);
        cur = parent;
        unlink_at(cur.as_raw_fd(), &done.name, true)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::TargetLanguage;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn writes_files_and_refuses_to_follow_planted_symlinks() {
        let program = Program::new(
            TargetLanguage::Python,
            [("pkg/a.py".to_string(), "x = 1\n".to_string())],
        )
        .unwrap();
        let ws = on_host(&program);
        assert_eq!(ws.read_text("pkg/a.py").unwrap(), "x = 1\n");
        assert!(ws.host_path().join(BUILD_DIR).is_dir());

        let secret_dir = tempfile::tempdir().unwrap();
        let secret = secret_dir.path().join("secret.txt");
        std::fs::write(&secret, "top secret").unwrap();
        std::os::unix::fs::symlink(&secret, ws.host_path().join("link")).unwrap();
        std::os::unix::fs::symlink("../../../../../../../../", ws.host_path().join("up")).unwrap();
        assert!(ws.read_text("link").is_err());
        assert!(ws.write_text("link", "overwrite").is_err());
        assert_eq!(std::fs::read_to_string(&secret).unwrap(), "top secret");
        let escape = format!("up{}", secret.display());
        assert!(ws.read_text(&escape).is_err());
        assert!(ws.read_text("../x").is_err());
        // Removal does not follow the links either.
        let container = ws.host_path().parent().unwrap().to_path_buf();
        ws.remove().unwrap();
        assert!(!container.exists());
        assert_eq!(std::fs::read_to_string(&secret).unwrap(), "top secret");
    }

    #[test]
    fn live_work_directories_are_private() {
        let program =
            Program::new(TargetLanguage::Python, [("a.py".into(), "1\n".into())]).unwrap();
        let ws = on_host(&program);
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        assert!(!ws.capped());
        assert_eq!(mode(ws.host_path()), 0o700);
        assert_eq!(mode(ws.host_path().parent().unwrap()), 0o700);
        // On its own tmpfs (where the kernel allows): private, capped, and nowhere on disk.
        let ws = Workspace::create(None, &program, None).unwrap();
        if detached_mounts_clonable() {
            assert!(ws.capped());
            assert!(ws.host_path().starts_with("/proc/self/fd"));
            assert_eq!(mode(ws.host_path()), 0o700);
            assert_eq!(ws.read_text("a.py").unwrap(), "1\n");
            // SAFETY: statfs on a NUL-terminated path into a zeroed struct.
            let mut st: libc::statfs = unsafe { std::mem::zeroed() };
            let p = cstring(ws.host_path().as_os_str().as_bytes()).unwrap();
            assert_eq!(unsafe { libc::statfs(p.as_ptr(), &mut st) }, 0);
            assert_eq!(st.f_type, libc::TMPFS_MAGIC);
            assert_eq!(st.f_files, 1 << 18);
            assert_eq!(st.f_blocks * st.f_bsize as u64, 1 << 30);
        }
        ws.remove().unwrap();
    }

    fn on_host(program: &Program) -> Workspace {
        Workspace::create_with(None, program, None, WorkspaceOptions { tmpfs: None }).unwrap()
    }

    #[test]
    fn removes_hostile_modes_and_chains_deeper_than_the_fd_limit() {
        let base = tempfile::tempdir().unwrap();
        let root = base.path().join("t");
        std::fs::create_dir(&root).unwrap();
        let set = |p: &Path, m: u32| {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap()
        };
        std::fs::create_dir_all(root.join("locked/inner")).unwrap();
        std::fs::write(root.join("locked/inner/f"), "x").unwrap();
        set(&root.join("locked/inner"), 0o000);
        set(&root.join("locked"), 0o000);
        std::fs::create_dir(root.join("ro")).unwrap();
        std::fs::write(root.join("ro/f"), "x").unwrap();
        set(&root.join("ro"), 0o555);
        std::os::unix::fs::symlink("/", root.join("ro-link")).unwrap();
        // A chain far longer than PATH_MAX, built through descriptors.
        let mut fd = open_dir_at(
            libc::AT_FDCWD,
            &cstring(root.as_os_str().as_bytes()).unwrap(),
        )
        .unwrap();
        for _ in 0..3000 {
            // SAFETY: mkdirat with a static name.
            assert_eq!(
                unsafe { libc::mkdirat(fd.as_raw_fd(), c"dd".as_ptr(), 0o755) },
                0
            );
            fd = open_dir_at(fd.as_raw_fd(), c"dd").unwrap();
        }
        drop(fd);
        set(&root, 0o555);
        remove_tree(&root).unwrap();
        assert!(!root.exists());
        remove_tree(&root).unwrap();
    }
}
