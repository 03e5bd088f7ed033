//! Saving programs to disk: the healed files back over the originals ([`write_back`]), or a
//! whole program into a directory ([`write_program`]).

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::program::{check_relative_path, Program, ProgramError};

/// Why a program could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Path(#[from] ProgramError),
    #[error("{}: cannot {action}: {source}", path.display())]
    Io {
        path: PathBuf,
        /// What failed: `create directory`, `create a temporary file`, `write`, `replace`.
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {problem}", path.display())]
    Destination { path: PathBuf, problem: String },
}

fn io(path: &Path, action: &'static str) -> impl FnOnce(std::io::Error) -> WriteError {
    let path = path.to_path_buf();
    move |source| WriteError::Io {
        path,
        action,
        source,
    }
}

/// Writes the files of `healed` that differ from `original` back under `root`, the path the
/// program was loaded from ([`Program::load`]: a project directory, or a single file, whose
/// name stands for itself). Returns the paths written, in the program's file order.
///
/// Atomic per file and staged as a whole: every changed file is first written and synced to
/// a temporary file in its own directory, and only when all are staged are they renamed into
/// place, so a failure leaves each file either whole and old or whole and new, and a failure
/// while staging changes nothing. A replaced file keeps its permissions (an executable script
/// stays executable). Files that are protected in `original` are never written, nor files
/// `healed` left unchanged.
///
/// # Errors
///
/// [`WriteError::Path`] for a file path that is absolute or leaves the root;
/// [`WriteError::Io`] naming the path and what failed.
pub fn write_back(
    root: &Path,
    original: &Program,
    healed: &Program,
) -> Result<Vec<PathBuf>, WriteError> {
    let single_file = !root.is_dir();
    let base = if single_file {
        root.parent().map(Path::to_path_buf).unwrap_or_default()
    } else {
        root.to_path_buf()
    };
    let mut staged = Vec::new();
    for (rel, text) in healed.files() {
        if original.protected().contains(rel) || original.files().get(rel) == Some(text) {
            continue;
        }
        check_relative_path(rel)?;
        let target =
            if single_file && Some(rel.as_str()) == root.file_name().and_then(|n| n.to_str()) {
                root.to_path_buf()
            } else {
                base.join(rel)
            };
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir).map_err(io(&dir, "create directory"))?;
        let mut temp =
            tempfile::NamedTempFile::new_in(&dir).map_err(io(&dir, "create a temporary file"))?;
        temp.write_all(text.as_bytes())
            .and_then(|()| temp.as_file().sync_all())
            .map_err(|e| io(temp.path(), "write")(e))?;
        if let Ok(meta) = std::fs::metadata(&target) {
            let _ = temp.as_file().set_permissions(meta.permissions());
        }
        staged.push((temp, target));
    }
    let mut written = Vec::new();
    for (temp, target) in staged {
        temp.persist(&target)
            .map_err(|e| io(&target, "replace")(e.error))?;
        written.push(target);
    }
    Ok(written)
}

/// Checks that `out` can receive a program: a new or empty directory, or with `force` any
/// directory (files of the program are then overwritten).
///
/// # Errors
///
/// [`WriteError::Destination`] when `out` is a file, or a non-empty directory without `force`.
pub fn check_out_dir(out: &Path, force: bool) -> Result<(), WriteError> {
    if out.exists() && !out.is_dir() {
        return Err(WriteError::Destination {
            path: out.to_path_buf(),
            problem: "not a directory".into(),
        });
    }
    if !force
        && out.is_dir()
        && std::fs::read_dir(out)
            .map_err(io(out, "read directory"))?
            .next()
            .is_some()
    {
        return Err(WriteError::Destination {
            path: out.to_path_buf(),
            problem: "the directory is not empty; choose another or pass --force".into(),
        });
    }
    Ok(())
}

/// Writes every file of `program` under `out` (creating directories), returning the paths.
///
/// # Errors
///
/// [`WriteError::Io`] naming the path that failed.
pub fn write_program(out: &Path, program: &Program) -> Result<Vec<PathBuf>, WriteError> {
    let sources = program
        .files()
        .iter()
        .map(|(path, text)| (path, text.as_bytes()));
    // Data files too (a generated program's telemetry contract and registry).
    let data = program
        .data_files()
        .iter()
        .map(|(path, bytes)| (path, bytes.as_slice()));
    let mut written = Vec::new();
    for (path, contents) in sources.chain(data) {
        check_relative_path(path)?;
        let target = out.join(path);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(io(dir, "create directory"))?;
        }
        std::fs::write(&target, contents).map_err(io(&target, "write"))?;
        written.push(target);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TargetLanguage;
    use std::os::unix::fs::PermissionsExt;

    fn program(files: &[(&str, &str)]) -> Program {
        Program::new(
            TargetLanguage::Python,
            files.iter().map(|(p, t)| (p.to_string(), t.to_string())),
        )
        .unwrap()
    }

    #[test]
    fn writes_changed_files_keeping_modes_and_skipping_protected_ones() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.py"), "old\n").unwrap();
        std::fs::write(dir.path().join("test_main.py"), "test\n").unwrap();
        std::fs::write(dir.path().join("same.py"), "same\n").unwrap();
        std::fs::set_permissions(
            dir.path().join("main.py"),
            std::fs::Permissions::from_mode(0o751),
        )
        .unwrap();
        let original = program(&[
            ("main.py", "old\n"),
            ("test_main.py", "test\n"),
            ("same.py", "same\n"),
        ])
        .with_protected(["test_main.py".to_string()])
        .unwrap();
        let healed = program(&[
            ("main.py", "new\n"),
            ("test_main.py", "tampered\n"),
            ("same.py", "same\n"),
            ("pkg/added.py", "added\n"),
        ]);
        let written = write_back(dir.path(), &original, &healed).unwrap();
        assert_eq!(
            written,
            [dir.path().join("main.py"), dir.path().join("pkg/added.py")]
        );
        let read = |p: &str| std::fs::read_to_string(dir.path().join(p)).unwrap();
        assert_eq!(read("main.py"), "new\n");
        assert_eq!(read("test_main.py"), "test\n");
        assert_eq!(read("pkg/added.py"), "added\n");
        let mode = std::fs::metadata(dir.path().join("main.py"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o751);
        // No temporary file is left beside the targets.
        let mut names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["main.py", "pkg", "same.py", "test_main.py"]);
    }

    #[test]
    fn a_single_file_is_written_in_place_under_its_own_name() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("script.py");
        std::fs::write(&file, "old\n").unwrap();
        let original = program(&[("script.py", "old\n")]);
        let healed = program(&[("script.py", "new\n")]);
        let written = write_back(&file, &original, &healed).unwrap();
        assert_eq!(written, std::slice::from_ref(&file));
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "new\n");
    }

    #[test]
    fn a_failure_while_staging_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.py"), "old\n").unwrap();
        // `b.py/x.py` cannot be created: `b.py` is a file.
        std::fs::write(dir.path().join("b.py"), "file\n").unwrap();
        let original = program(&[("a.py", "old\n"), ("b.py", "file\n")]);
        let healed = program(&[("a.py", "new\n"), ("b.py", "file\n"), ("b.py/x.py", "x\n")]);
        let error = write_back(dir.path(), &original, &healed).unwrap_err();
        assert!(
            error.to_string().contains("cannot create directory"),
            "{error}"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a.py")).unwrap(),
            "old\n"
        );
    }

    #[test]
    fn out_dir_must_be_new_or_empty_unless_forced() {
        let dir = tempfile::tempdir().unwrap();
        assert!(check_out_dir(&dir.path().join("new"), false).is_ok());
        assert!(check_out_dir(dir.path(), false).is_ok());
        std::fs::write(dir.path().join("f"), "x").unwrap();
        let e = check_out_dir(dir.path(), false).unwrap_err().to_string();
        assert!(e.ends_with("the directory is not empty; choose another or pass --force"));
        assert!(check_out_dir(dir.path(), true).is_ok());
        let e = check_out_dir(&dir.path().join("f"), true)
            .unwrap_err()
            .to_string();
        assert!(e.ends_with("f: not a directory"), "{e}");
        let p = program(&[("main.py", "x\n"), ("pkg/m.py", "y\n")]);
        let out = dir.path().join("out");
        assert_eq!(write_program(&out, &p).unwrap().len(), 2);
        assert_eq!(
            std::fs::read_to_string(out.join("pkg/m.py")).unwrap(),
            "y\n"
        );
    }
}
