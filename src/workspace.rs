//! A private, temporary copy of a program on the host: the sandbox's work directory.
//!
//! The host touches the directory only through a cap-std [`Dir`] handle, so a symlink the
//! sandboxed program plants (`out -> /etc/shadow`, `out -> ../other-sandbox`) can never make
//! the host read or write outside it.
//!
//! Layout: `<parent>/selfheal-XXXXXX/` (mode 0700, owned by the host user) holds the work
//! directory `w/` (mode 0700, owned by the sandbox's user). Whatever the sandboxed program does
//! to the modes of `w` (it owns it), the container keeps every other local user out while the
//! directory lives.
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

/// A temporary directory holding one program's files; removed by [`Workspace::remove`] or,
/// failing that, when dropped (a failure there is logged, since `Drop` cannot return it).
pub struct Workspace {
    /// `None` once removed. Declared before `container` so the handle closes first.
    dir: Option<Dir>,
    /// The private container (mode 0700) holding the work directory.
    container: PathBuf,
    work: PathBuf,
}

impl Workspace {
    /// Writes the program's files into a fresh directory under `parent` (the system temp dir
    /// when `None`). `owner` makes the directory writable by the sandbox's user.
    ///
    /// # Errors
    /// [`WorkspaceError::Create`] when the directory cannot be made, [`WorkspaceError::Io`] when
    /// a file cannot be written (anything created so far is removed again).
    pub fn create(
        parent: Option<&Path>,
        program: &Program,
        owner: Option<(u32, u32)>,
    ) -> Result<Workspace, WorkspaceError> {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        let parent_path = parent
            .map(Path::to_path_buf)
            .unwrap_or_else(std::env::temp_dir);
        let create_err = |source| WorkspaceError::Create {
            parent: parent_path.clone(),
            source,
        };
        let container = tempfile::Builder::new()
            .prefix("selfheal-")
            .permissions(std::fs::Permissions::from_mode(0o700))
            .tempdir_in(&parent_path)
            .map_err(create_err)?
            .keep();
        let work = container.join(WORK_NAME);
        let mut workspace = Workspace {
            dir: None,
            container,
            work,
        };
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&workspace.work)
            .map_err(create_err)?;
        workspace.dir =
            Some(Dir::open_ambient_dir(&workspace.work, ambient_authority()).map_err(create_err)?);
        workspace.create_dir(BUILD_DIR)?;
        for (path, text) in &program.files {
            workspace.write_text(path, text)?;
        }
        if let Some((uid, gid)) = owner {
            workspace.chown_all(uid, gid)?;
        }
        Ok(workspace)
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
        check_relative_path(rel)?;
        if let Some((parent, _)) = rel.rsplit_once('/') {
            self.create_dir(parent)?;
        }
        self.dir()?
            .write(rel, text)
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
        walk(&self.work, uid, gid).map_err(|source| WorkspaceError::Io {
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
    loop {
        let Some(frame) = stack.last_mut() else {
            break;
        };
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
        let ws = Workspace::create(None, &program, None).unwrap();
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
        let ws = Workspace::create(None, &program, None).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode(ws.host_path()), 0o700);
        assert_eq!(mode(ws.host_path().parent().unwrap()), 0o700);
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
