//! A program: a language, its source files (text), its data files (any bytes: what the program
//! reads at run time), and the paths no fix may touch.
//!
//! Every stage takes and returns `Program` values; only [`Program::load`] reads the disk, and it
//! rejects bad input (binary or non-UTF-8 sources, unsafe paths, oversized projects, a directory
//! in several languages) with an error that names the file and the problem.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::types::TargetLanguage;

/// Largest single file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 1 << 20;
/// Largest whole program accepted, in bytes.
pub const MAX_PROGRAM_BYTES: usize = 8 << 20;
/// Most files accepted in one program.
pub const MAX_FILES: usize = 512;
/// Most data files (non-source files: `config.json`, `testdata/…`) in one program.
pub const MAX_DATA_FILES: usize = 64;
/// Largest single data file accepted, in bytes.
pub const MAX_DATA_FILE_BYTES: usize = 1 << 20;
/// Largest total of a program's data files, in bytes.
pub const MAX_DATA_BYTES: usize = 4 << 20;

/// Directories never read when loading a project (build output, VCS, dependencies).
const SKIPPED_DIRS: &[&str] = &[
    ".git",
    "target",
    "node_modules",
    "__pycache__",
    ".venv",
    "venv",
    ".hg",
    ".svn",
];

/// A program to validate or heal.
///
/// A `Program` that exists is valid: every constructor ([`Program::new`],
/// [`Program::from_parts`], [`Program::load`], deserialization) and every mutator
/// ([`Program::set_file`], [`Program::remove_file`], …) checks the invariants of
/// [`Program::from_parts`], so later stages never re-check them. The fields are read through
/// accessors ([`Program::language`], [`Program::files`], …).
///
/// The serialized form (JSON) is the fields below by name; cache keys and corpora depend on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ProgramData")]
pub struct Program {
    language: TargetLanguage,
    /// Relative path → file text. Ordered, so hashing and diffs are deterministic.
    files: BTreeMap<String, String>,
    /// Paths no fix may change or delete (tests, oracles).
    #[serde(default)]
    protected: BTreeSet<String>,
    /// Toolchain options as strings, e.g. `edition = "2021"` for Rust.
    #[serde(default)]
    options: BTreeMap<String, String>,
    /// Relative path → contents of the files the program reads but that are not its sources
    /// (any bytes). Copied into the sandbox beside the sources and part of the cache key;
    /// never edited by a fix. Bounded by [`MAX_DATA_FILES`], [`MAX_DATA_FILE_BYTES`] and
    /// [`MAX_DATA_BYTES`].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    data_files: BTreeMap<String, Vec<u8>>,
}

/// A program as it is serialized, before the checks: what [`Program`] deserializes through, so
/// that a program read from JSON is checked like one built in memory.
#[derive(Deserialize)]
struct ProgramData {
    language: TargetLanguage,
    files: BTreeMap<String, String>,
    #[serde(default)]
    protected: BTreeSet<String>,
    #[serde(default)]
    options: BTreeMap<String, String>,
    #[serde(default)]
    data_files: BTreeMap<String, Vec<u8>>,
}

impl TryFrom<ProgramData> for Program {
    type Error = ProgramError;

    fn try_from(data: ProgramData) -> Result<Program, ProgramError> {
        Program::from_parts(
            data.language,
            data.files,
            data.protected,
            data.options,
            data.data_files,
        )
    }
}

/// Why a program was rejected.
#[derive(Debug, thiserror::Error)]
pub enum ProgramError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}: no such file or directory")]
    NotFound(PathBuf),
    #[error("the program has no files")]
    Empty,
    #[error("{0}: the file is empty; give it some source code or remove it")]
    EmptyFile(String),
    #[error(
        "{0}: looks like a binary file (it contains NUL bytes); selfheal only takes source text"
    )]
    Binary(String),
    #[error("{0}: not valid UTF-8 text; re-encode it as UTF-8")]
    NotUtf8(String),
    #[error("{path}: unsafe file name ({why}); use a relative path inside the project")]
    UnsafePath { path: String, why: &'static str },
    #[error("{path}: {size} bytes is over the {limit}-byte limit for one file")]
    FileTooLarge {
        path: String,
        size: usize,
        limit: usize,
    },
    #[error(
        "the program is {size} bytes, over the {limit}-byte limit; split it or raise the limit"
    )]
    ProgramTooLarge { size: usize, limit: usize },
    #[error("the program has more than {0} files")]
    TooManyFiles(usize),
    #[error(
        "the program has no {language} source file (no {ext} file among {files}); give the \
         right language or add a source"
    )]
    NoSourceOfLanguage {
        language: TargetLanguage,
        /// The expected extension, e.g. `.py`.
        ext: &'static str,
        /// The program's file names, comma-separated.
        files: String,
    },
    #[error("cannot tell the language of {0}: no .rs, .py, .js or .go file; pass --lang")]
    UnknownLanguage(PathBuf),
    #[error("{0} is marked protected but is not one of the program's files")]
    UnknownProtectedPath(String),
    #[error("{0} is protected (a test or an oracle); it cannot be changed or removed, change the code under test instead")]
    ProtectedFile(String),
    #[error("{0} is not one of the program's files")]
    NoSuchFile(String),
    #[error("the program has more than {0} data files; remove the files it does not read")]
    TooManyDataFiles(usize),
    #[error("{path}: data file of {size} bytes is over the {limit}-byte limit for one data file")]
    DataFileTooLarge {
        path: String,
        size: usize,
        limit: usize,
    },
    #[error("the program's data files total {size} bytes, over the {limit}-byte limit")]
    DataTooLarge { size: usize, limit: usize },
    #[error("{0} is both a source file and a data file")]
    DataFileShadowsSource(String),
    #[error(
        "{path} holds sources in several languages ({found}); pick one with {flags} (the other \
         files are then kept as data files)",
        found = languages.iter().map(|(l, n)| format!("{l}: {n} file{}", if *n == 1 { "" } else { "s" })).collect::<Vec<_>>().join(", "),
        flags = languages.iter().map(|(l, _)| format!("`--lang {l}`")).collect::<Vec<_>>().join(" or ")
    )]
    MixedLanguages {
        path: PathBuf,
        /// Each language found, with its number of source files.
        languages: Vec<(TargetLanguage, usize)>,
    },
}

impl Program {
    /// A program from in-memory files, checked like [`Program::from_parts`].
    ///
    /// # Errors
    /// As [`Program::from_parts`].
    pub fn new(
        language: TargetLanguage,
        files: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Program, ProgramError> {
        Program::from_parts(
            language,
            files.into_iter().collect(),
            BTreeSet::new(),
            BTreeMap::new(),
            BTreeMap::new(),
        )
    }

    /// A program from all its parts, checked: everything [`Program::check`] checks (at least
    /// one file, at most [`MAX_FILES`], safe relative paths that stay inside the program,
    /// non-empty UTF-8 text without NUL bytes, the size limits, protected paths that are files
    /// of the program, the data-file limits), and that at least one file is a source of
    /// `language` (a `.py` file for Python, `go.mod` or a `.go` file for Go).
    ///
    /// # Errors
    /// The first check that fails, as a [`ProgramError`] naming the file and the problem.
    pub fn from_parts(
        language: TargetLanguage,
        files: BTreeMap<String, String>,
        protected: BTreeSet<String>,
        options: BTreeMap<String, String>,
        data_files: BTreeMap<String, Vec<u8>>,
    ) -> Result<Program, ProgramError> {
        let program = Program {
            language,
            files,
            protected,
            options,
            data_files,
        };
        program.check()?;
        program.check_source_of_language()?;
        Ok(program)
    }

    /// The language the program is written in.
    pub fn language(&self) -> TargetLanguage {
        self.language
    }

    /// Relative path → source text, ordered by path (so hashing and diffs are deterministic).
    pub fn files(&self) -> &BTreeMap<String, String> {
        &self.files
    }

    /// The text of the source file at `path`, if the program has one.
    pub fn file(&self, path: &str) -> Option<&str> {
        self.files.get(path).map(String::as_str)
    }

    /// The paths no fix may change or delete (tests, oracles).
    pub fn protected(&self) -> &BTreeSet<String> {
        &self.protected
    }

    /// Whether `path` is protected.
    pub fn is_protected(&self, path: &str) -> bool {
        self.protected.contains(path)
    }

    /// Toolchain options as strings, e.g. `edition = "2021"` for Rust. Empty by default.
    pub fn options(&self) -> &BTreeMap<String, String> {
        &self.options
    }

    /// Relative path → contents of the files the program reads but that are not its sources.
    /// Empty by default.
    pub fn data_files(&self) -> &BTreeMap<String, Vec<u8>> {
        &self.data_files
    }

    /// Sets the text of the source file at `path` (adding the file when it is new), checked:
    /// the path must be safe and not protected or a data file, the text non-empty text without
    /// NUL bytes, and the file and program within their size limits. On an error the program
    /// is unchanged.
    ///
    /// # Errors
    /// [`ProgramError::ProtectedFile`] for a protected path; otherwise the check that failed.
    pub fn set_file(
        &mut self,
        path: impl Into<String>,
        text: impl Into<String>,
    ) -> Result<(), ProgramError> {
        let (path, text) = (path.into(), text.into());
        if self.protected.contains(&path) {
            return Err(ProgramError::ProtectedFile(path));
        }
        check_relative_path(&path)?;
        check_source_text(&path, &text)?;
        if self.data_files.contains_key(&path) {
            return Err(ProgramError::DataFileShadowsSource(path));
        }
        let old = self.files.get(&path).map_or(0, String::len);
        if old == 0 && self.files.len() >= MAX_FILES {
            return Err(ProgramError::TooManyFiles(MAX_FILES));
        }
        let size = self.size_bytes() - old + text.len();
        if size > MAX_PROGRAM_BYTES {
            return Err(ProgramError::ProgramTooLarge {
                size,
                limit: MAX_PROGRAM_BYTES,
            });
        }
        self.files.insert(path, text);
        Ok(())
    }

    /// The program with the source file at `path` set to `text`, checked as
    /// [`Program::set_file`].
    ///
    /// # Errors
    /// As [`Program::set_file`].
    pub fn with_file(
        mut self,
        path: impl Into<String>,
        text: impl Into<String>,
    ) -> Result<Program, ProgramError> {
        self.set_file(path, text)?;
        Ok(self)
    }

    /// Removes the source file at `path` and returns its text. On an error the program is
    /// unchanged.
    ///
    /// # Errors
    /// [`ProgramError::NoSuchFile`] when there is no such file,
    /// [`ProgramError::ProtectedFile`] when it is protected, and
    /// [`ProgramError::NoSourceOfLanguage`] when it is the program's last source of its
    /// language.
    pub fn remove_file(&mut self, path: &str) -> Result<String, ProgramError> {
        if self.protected.contains(path) {
            return Err(ProgramError::ProtectedFile(path.to_string()));
        }
        let Some(text) = self.files.remove(path) else {
            return Err(ProgramError::NoSuchFile(path.to_string()));
        };
        if let Err(e) = self.check_source_of_language() {
            self.files.insert(path.to_string(), text);
            return Err(e);
        }
        Ok(text)
    }

    /// Adds a test (or oracle) file and protects it; a file already at `path` keeps its text
    /// and becomes protected.
    ///
    /// # Errors
    /// As [`Program::set_file`] for a new file.
    pub fn with_protected_file(
        mut self,
        path: impl Into<String>,
        text: impl Into<String>,
    ) -> Result<Program, ProgramError> {
        let path = path.into();
        if !self.files.contains_key(&path) {
            self.set_file(path.clone(), text)?;
        }
        self.protected.insert(path);
        Ok(self)
    }

    fn check_source_of_language(&self) -> Result<(), ProgramError> {
        if self
            .files
            .keys()
            .any(|name| belongs_to(self.language, name))
        {
            return Ok(());
        }
        Err(ProgramError::NoSourceOfLanguage {
            language: self.language,
            ext: source_extension(self.language),
            files: self.files.keys().cloned().collect::<Vec<_>>().join(", "),
        })
    }

    /// Adds a data file (any bytes), checked like one loaded from disk.
    ///
    /// # Errors
    /// An unsafe path, a path that is also a source, or a limit exceeded.
    pub fn with_data_file(
        mut self,
        path: impl Into<String>,
        contents: impl Into<Vec<u8>>,
    ) -> Result<Program, ProgramError> {
        self.data_files.insert(path.into(), contents.into());
        self.check()?;
        Ok(self)
    }

    /// Marks paths as protected. Each must be one of the program's files.
    ///
    /// # Errors
    /// [`ProgramError::UnknownProtectedPath`] for a path that is not a file of the program.
    pub fn with_protected(
        mut self,
        paths: impl IntoIterator<Item = String>,
    ) -> Result<Program, ProgramError> {
        for path in paths {
            if !self.files.contains_key(&path) {
                return Err(ProgramError::UnknownProtectedPath(path));
            }
            self.protected.insert(path);
        }
        Ok(self)
    }

    /// Sets a toolchain option (e.g. `edition` = `2018` for Rust), replacing an earlier value.
    pub fn with_option(mut self, key: impl Into<String>, value: impl Into<String>) -> Program {
        self.options.insert(key.into(), value.into());
        self
    }

    /// Checks the invariants every stage relies on: at least one file, safe relative paths,
    /// non-empty text, size limits, protected paths that exist.
    pub fn check(&self) -> Result<(), ProgramError> {
        if self.files.is_empty() {
            return Err(ProgramError::Empty);
        }
        if self.files.len() > MAX_FILES {
            return Err(ProgramError::TooManyFiles(MAX_FILES));
        }
        let mut total = 0usize;
        for (path, text) in &self.files {
            check_relative_path(path)?;
            check_source_text(path, text)?;
            total += text.len();
        }
        if total > MAX_PROGRAM_BYTES {
            return Err(ProgramError::ProgramTooLarge {
                size: total,
                limit: MAX_PROGRAM_BYTES,
            });
        }
        for path in &self.protected {
            if !self.files.contains_key(path) {
                return Err(ProgramError::UnknownProtectedPath(path.clone()));
            }
        }
        self.check_data_files()
    }

    fn check_data_files(&self) -> Result<(), ProgramError> {
        if self.data_files.len() > MAX_DATA_FILES {
            return Err(ProgramError::TooManyDataFiles(MAX_DATA_FILES));
        }
        let mut total = 0usize;
        for (path, bytes) in &self.data_files {
            check_relative_path(path)?;
            if self.files.contains_key(path) {
                return Err(ProgramError::DataFileShadowsSource(path.clone()));
            }
            if bytes.len() > MAX_DATA_FILE_BYTES {
                return Err(ProgramError::DataFileTooLarge {
                    path: path.clone(),
                    size: bytes.len(),
                    limit: MAX_DATA_FILE_BYTES,
                });
            }
            total += bytes.len();
        }
        if total > MAX_DATA_BYTES {
            return Err(ProgramError::DataTooLarge {
                size: total,
                limit: MAX_DATA_BYTES,
            });
        }
        Ok(())
    }

    /// Loads a single source file or a project directory. `language` overrides detection.
    ///
    /// In a directory, files whose extension belongs to the language are its sources (and, for
    /// Go, `go.mod`); every other regular file is a data file (bounded, see
    /// [`MAX_DATA_FILES`]). Symlinks, hidden files, build output and VCS directories are
    /// skipped. Test files are protected.
    ///
    /// # Errors
    /// Besides unreadable or oversized input: a directory holding sources in several languages
    /// and no `language` is [`ProgramError::MixedLanguages`], never silently one of them.
    pub fn load(path: &Path, language: Option<TargetLanguage>) -> Result<Program, ProgramError> {
        let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ProgramError::NotFound(path.to_path_buf()),
            _ => ProgramError::Io {
                path: path.to_path_buf(),
                source: e,
            },
        })?;
        let mut files = BTreeMap::new();
        let mut others: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        if meta.is_dir() {
            let mut total = 0usize;
            collect_dir(path, path, &mut files, &mut others, &mut total)?;
            if language.is_none() {
                let found = languages_in(&files);
                if found.len() > 1 {
                    return Err(ProgramError::MixedLanguages {
                        path: path.to_path_buf(),
                        languages: found,
                    });
                }
            }
        } else {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .ok_or_else(|| ProgramError::NotFound(path.to_path_buf()))?;
            files.insert(name.clone(), read_text(path, &name)?);
        }
        let language = match language {
            Some(lang) => lang,
            None => detect_language(&files)
                .ok_or_else(|| ProgramError::UnknownLanguage(path.to_path_buf()))?,
        };
        // Another language's sources (with `--lang`) are data files, kept as they are.
        let (files, foreign): (BTreeMap<_, _>, BTreeMap<_, _>) = files
            .into_iter()
            .partition(|(name, _)| belongs_to(language, name));
        others.extend(
            foreign
                .into_iter()
                .map(|(name, text)| (name, text.into_bytes())),
        );
        if files.is_empty() {
            return Err(ProgramError::Empty);
        }
        let protected = files
            .keys()
            .filter(|name| is_test_file(language, name))
            .cloned()
            .collect();
        Program::from_parts(language, files, protected, BTreeMap::new(), others)
    }

    /// Total size of the program's text in bytes.
    pub fn size_bytes(&self) -> usize {
        self.files.values().map(String::len).sum()
    }

    /// The files the toolchain treats as tests.
    pub fn test_files(&self) -> impl Iterator<Item = &str> {
        self.files
            .keys()
            .map(String::as_str)
            .filter(move |name| is_test_file(self.language, name))
    }
}

/// Rejects an empty text, NUL bytes (binary) and a file over [`MAX_FILE_BYTES`].
fn check_source_text(path: &str, text: &str) -> Result<(), ProgramError> {
    if text.trim().is_empty() {
        return Err(ProgramError::EmptyFile(path.to_string()));
    }
    if text.contains('\0') {
        return Err(ProgramError::Binary(path.to_string()));
    }
    if text.len() > MAX_FILE_BYTES {
        return Err(ProgramError::FileTooLarge {
            path: path.to_string(),
            size: text.len(),
            limit: MAX_FILE_BYTES,
        });
    }
    Ok(())
}

/// Rejects absolute paths, `..`, empty components and names no file system should see.
pub fn check_relative_path(path: &str) -> Result<(), ProgramError> {
    let bad = |why| {
        Err(ProgramError::UnsafePath {
            path: path.to_string(),
            why,
        })
    };
    if path.is_empty() {
        return bad("empty name");
    }
    if path.starts_with('/') || path.starts_with('\\') {
        return bad("absolute path");
    }
    if path.contains('\0') || path.chars().any(|c| c.is_control()) {
        return bad("control character in name");
    }
    if path.contains('\\') {
        return bad("backslash in name");
    }
    for component in Path::new(path).components() {
        match component {
            Component::Normal(_) => {}
            Component::ParentDir => return bad("contains `..`"),
            Component::CurDir => return bad("contains `.`"),
            Component::RootDir | Component::Prefix(_) => return bad("absolute path"),
        }
    }
    if path.split('/').any(str::is_empty) {
        return bad("empty path component");
    }
    Ok(())
}

/// Whether a file is one of the language's test files (protected by default): the one
/// definition, from the toolchain files ([`crate::lang::is_test_file`]).
pub use crate::lang::is_test_file;

/// The extension of `language`'s sources, for messages.
fn source_extension(language: TargetLanguage) -> &'static str {
    match language {
        TargetLanguage::Rust => ".rs",
        TargetLanguage::Python => ".py",
        TargetLanguage::JavaScript => ".js",
        TargetLanguage::Go => ".go",
    }
}

/// The language whose sources have `name`'s extension.
fn language_of(name: &str) -> Option<TargetLanguage> {
    let ext = Path::new(name).extension().and_then(|e| e.to_str());
    TargetLanguage::from_extension(ext.unwrap_or(""))
}

fn belongs_to(language: TargetLanguage, name: &str) -> bool {
    language_of(name) == Some(language) || (language == TargetLanguage::Go && name == "go.mod")
}

/// The languages whose sources are among `files` (by extension), with their file counts.
pub fn languages_in(files: &BTreeMap<String, String>) -> Vec<(TargetLanguage, usize)> {
    TargetLanguage::ALL
        .iter()
        .map(|lang| {
            let n = files
                .keys()
                .filter(|name| language_of(name) == Some(*lang))
                .count();
            (*lang, n)
        })
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// The language most of the files are written in (by extension), ties broken by a fixed order.
pub fn detect_language(files: &BTreeMap<String, String>) -> Option<TargetLanguage> {
    let mut counts = [0usize; 4];
    for name in files.keys() {
        if let Some(lang) = language_of(name) {
            if let Some(i) = TargetLanguage::ALL.iter().position(|l| *l == lang) {
                counts[i] += 1;
            }
        }
    }
    let (best, count) = counts
        .iter()
        .enumerate()
        .max_by_key(|(i, c)| (**c, usize::MAX - i))?;
    (*count > 0).then(|| TargetLanguage::ALL[best])
}

fn read_text(path: &Path, name: &str) -> Result<String, ProgramError> {
    let meta = std::fs::metadata(path).map_err(|source| ProgramError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if meta.len() > MAX_FILE_BYTES as u64 {
        return Err(ProgramError::FileTooLarge {
            path: name.to_string(),
            size: usize::try_from(meta.len()).unwrap_or(usize::MAX),
            limit: MAX_FILE_BYTES,
        });
    }
    let bytes = std::fs::read(path).map_err(|source| ProgramError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if bytes.contains(&0) {
        return Err(ProgramError::Binary(name.to_string()));
    }
    String::from_utf8(bytes).map_err(|_| ProgramError::NotUtf8(name.to_string()))
}

/// Reads one data file, within the data limits.
fn read_data(
    path: &Path,
    rel: &str,
    data: &mut BTreeMap<String, Vec<u8>>,
) -> Result<(), ProgramError> {
    if data.len() >= MAX_DATA_FILES {
        return Err(ProgramError::TooManyDataFiles(MAX_DATA_FILES));
    }
    let io = |source| ProgramError::Io {
        path: path.to_path_buf(),
        source,
    };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > MAX_DATA_FILE_BYTES as u64 {
        return Err(ProgramError::DataFileTooLarge {
            path: rel.to_string(),
            size: usize::try_from(size).unwrap_or(usize::MAX),
            limit: MAX_DATA_FILE_BYTES,
        });
    }
    let bytes = std::fs::read(path).map_err(io)?;
    let total: usize = data.values().map(Vec::len).sum::<usize>() + bytes.len();
    if total > MAX_DATA_BYTES {
        return Err(ProgramError::DataTooLarge {
            size: total,
            limit: MAX_DATA_BYTES,
        });
    }
    data.insert(rel.to_string(), bytes);
    Ok(())
}

fn collect_dir(
    root: &Path,
    dir: &Path,
    files: &mut BTreeMap<String, String>,
    data: &mut BTreeMap<String, Vec<u8>>,
    total: &mut usize,
) -> Result<(), ProgramError> {
    let entries = std::fs::read_dir(dir).map_err(|source| ProgramError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut entries: Vec<_> =
        entries
            .collect::<Result<_, _>>()
            .map_err(|source| ProgramError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        // Symlinks are skipped: a project is its own regular files, never what they point at.
        let file_type = entry.file_type().map_err(|source| ProgramError::Io {
            path: path.clone(),
            source,
        })?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if file_type.is_dir() {
            if !SKIPPED_DIRS.contains(&name.as_str()) && !name.starts_with('.') {
                collect_dir(root, &path, files, data, total)?;
            }
            continue;
        }
        if !file_type.is_file() {
            continue;
        }
        if name.starts_with('.') {
            continue;
        }
        let rel = path
            .strip_prefix(root)
            .map_err(|_| ProgramError::NotFound(path.clone()))?
            .to_string_lossy()
            .into_owned();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if TargetLanguage::from_extension(ext).is_none() && name != "go.mod" {
            read_data(&path, &rel, data)?;
            continue;
        }
        let text = read_text(&path, &rel)?;
        *total += text.len();
        if *total > MAX_PROGRAM_BYTES {
            return Err(ProgramError::ProgramTooLarge {
                size: *total,
                limit: MAX_PROGRAM_BYTES,
            });
        }
        if files.len() >= MAX_FILES {
            return Err(ProgramError::TooManyFiles(MAX_FILES));
        }
        files.insert(rel, text);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
