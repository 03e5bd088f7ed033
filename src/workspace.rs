//! A private, temporary copy of a program on the host: the sandbox's work directory.
//!
//! The host touches the directory only through a cap-std [`Dir`] handle, so a symlink the
//! sandboxed program plants (`out -> /etc/shadow`, `out -> ../other-sandbox`) can never make
//! the host read or write outside it.

use std::io;
use std::path::{Path, PathBuf};

use cap_std::ambient_authority;
use cap_std::fs::Dir;

use crate::program::{check_relative_path, Program, ProgramError};

/// Directory inside the work directory where toolchain steps put build products.
pub const BUILD_DIR: &str = ".selfheal";

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
    #[error(transparent)]
    Path(#[from] ProgramError),
}

/// A temporary directory holding one program's files; removed when dropped.
pub struct Workspace {
    // Declared before `temp` so the handle closes before the directory is removed.
    dir: Dir,
    temp: tempfile::TempDir,
}

impl Workspace {
    /// Writes the program's files into a fresh directory under `parent` (the system temp dir
    /// when `None`). `owner` makes the directory writable by the sandbox's user.
    pub fn create(
        parent: Option<&Path>,
        program: &Program,
        owner: Option<(u32, u32)>,
    ) -> Result<Workspace, WorkspaceError> {
        let parent_path = parent
            .map(Path::to_path_buf)
            .unwrap_or_else(std::env::temp_dir);
        let temp = tempfile::Builder::new()
            .prefix("selfheal-")
            .tempdir_in(&parent_path)
            .map_err(|source| WorkspaceError::Create {
                parent: parent_path.clone(),
                source,
            })?;
        let dir = Dir::open_ambient_dir(temp.path(), ambient_authority()).map_err(|source| {
            WorkspaceError::Create {
                parent: parent_path,
                source,
            }
        })?;
        let workspace = Workspace { dir, temp };
        workspace.create_dir(BUILD_DIR)?;
        for (path, text) in &program.files {
            workspace.write_text(path, text)?;
        }
        if let Some((uid, gid)) = owner {
            workspace.chown_all(uid, gid)?;
        }
        Ok(workspace)
    }

    /// The directory's host path (what the sandbox mounts).
    pub fn host_path(&self) -> &Path {
        self.temp.path()
    }

    /// Reads a file through the capability handle: fails rather than follow a symlink out.
    pub fn read_text(&self, rel: &str) -> Result<String, WorkspaceError> {
        check_relative_path(rel)?;
        self.dir
            .read_to_string(rel)
            .map_err(|source| WorkspaceError::Io {
                path: rel.to_string(),
                source,
            })
    }

    /// Writes a file (creating parent directories) through the capability handle.
    pub fn write_text(&self, rel: &str, text: &str) -> Result<(), WorkspaceError> {
        check_relative_path(rel)?;
        if let Some((parent, _)) = rel.rsplit_once('/') {
            self.create_dir(parent)?;
        }
        self.dir
            .write(rel, text)
            .map_err(|source| WorkspaceError::Io {
                path: rel.to_string(),
                source,
            })
    }

    fn create_dir(&self, rel: &str) -> Result<(), WorkspaceError> {
        self.dir
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
        walk(self.temp.path(), uid, gid).map_err(|source| WorkspaceError::Io {
            path: ".".into(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::TargetLanguage;

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
    }
}
