//! The learned prelude: lines the template generator adds because healing kept adding them.
//!
//! After each heal of a template-generated program, [`Prelude::observe`] compares the
//! generated source with the healed one. A header line the heal inserted (`import math`,
//! `use std::collections::HashMap;`, Go's `"strings"`) counts once for its language, and so
//! does an attribute inserted right before a given line (`#[derive(Debug)]` before
//! `pub struct Point {`, Python's `@dataclass` before `class P:`). At `threshold` heals
//! (default 3) the line is learned: header lines join the language's prelude, which templates
//! render; anchored lines are inserted before their line after rendering. The next program
//! then compiles without that repair. Stored as JSON in the data dir (`prelude.json`, written
//! atomically under a lock); `selfheal prelude reset [LANG]` clears it.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::heal::HealReport;
use crate::program::Program;
use crate::types::TargetLanguage;

/// The prelude's file in the data dir.
pub const PRELUDE_FILE: &str = "prelude.json";
/// Heals inserting the same line before it joins the prelude.
pub const DEFAULT_THRESHOLD: u32 = 3;

/// What is learned for one language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LanguagePrelude {
    /// Header lines rendered into every template program of the language, in the order
    /// learned.
    pub lines: Vec<String>,
    /// Lines inserted before a given line wherever it appears in a rendered program.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub anchored: Vec<AnchoredLine>,
    /// Lines seen inserted by heals but fewer than `threshold` times: key → heals. The key is
    /// the line, or for an anchored line `line` + `\n` + `before`.
    pub candidates: BTreeMap<String, u32>,
}

/// `line`, inserted right before any line whose trimmed text is `before`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnchoredLine {
    pub line: String,
    pub before: String,
}

/// One insertion a heal made, as the prelude counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Insertion {
    Header(String),
    Anchored(AnchoredLine),
}

impl Insertion {
    fn key(&self) -> String {
        match self {
            Insertion::Header(line) => line.clone(),
            Insertion::Anchored(a) => format!("{}\n{}", a.line, a.before),
        }
    }
}

impl LanguagePrelude {
    fn knows(&self, insertion: &Insertion) -> bool {
        match insertion {
            Insertion::Header(line) => self.lines.contains(line),
            Insertion::Anchored(a) => self.anchored.contains(a),
        }
    }

    /// Learned items (header and anchored lines).
    pub fn learned(&self) -> usize {
        self.lines.len() + self.anchored.len()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct PreludeFile {
    #[serde(default)]
    languages: BTreeMap<TargetLanguage, LanguagePrelude>,
}

/// The learned preludes of every language, persisted in a data dir (or in memory).
#[derive(Debug)]
pub struct Prelude {
    path: Option<PathBuf>,
    threshold: u32,
    state: Mutex<PreludeFile>,
}

impl Prelude {
    /// The prelude stored in `data_dir` (empty when there is none yet or it cannot be read:
    /// a prelude is an optimisation, never a reason to fail).
    pub fn open(data_dir: &Path) -> Prelude {
        let path = data_dir.join(PRELUDE_FILE);
        let state = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!(
                    "{}: unreadable prelude ({e}); starting empty",
                    path.display()
                );
                PreludeFile::default()
            }),
            Err(_) => PreludeFile::default(),
        };
        Prelude {
            path: Some(path),
            threshold: DEFAULT_THRESHOLD,
            state: Mutex::new(state),
        }
    }

    pub fn in_memory() -> Prelude {
        Prelude {
            path: None,
            threshold: DEFAULT_THRESHOLD,
            state: Mutex::new(PreludeFile::default()),
        }
    }

    /// Heals inserting the same line before it is learned (at least 1).
    pub fn with_threshold(mut self, threshold: u32) -> Prelude {
        self.threshold = threshold.max(1);
        self
    }

    pub fn threshold(&self) -> u32 {
        self.threshold
    }

    /// The learned lines of `language`.
    pub fn lines(&self, language: TargetLanguage) -> Vec<String> {
        self.lock()
            .languages
            .get(&language)
            .map(|l| l.lines.clone())
            .unwrap_or_default()
    }

    /// Everything learned, per language.
    pub fn snapshot(&self) -> BTreeMap<TargetLanguage, LanguagePrelude> {
        self.lock().languages.clone()
    }

    /// The anchored lines learned for `language`.
    pub fn anchored(&self, language: TargetLanguage) -> Vec<AnchoredLine> {
        self.lock()
            .languages
            .get(&language)
            .map(|l| l.anchored.clone())
            .unwrap_or_default()
    }

    /// `text` with every learned anchored line of `language` inserted before its anchor
    /// (indented like it), unless the line is there already.
    pub fn apply_anchored(&self, language: TargetLanguage, text: &str) -> String {
        let anchored = self.anchored(language);
        if anchored.is_empty() {
            return text.to_string();
        }
        let mut out: Vec<String> = Vec::new();
        for line in text.lines() {
            for a in anchored.iter().filter(|a| line.trim() == a.before) {
                let present = out
                    .iter()
                    .rev()
                    .take_while(|l| is_attribute(language, l))
                    .any(|l| l.trim() == a.line);
                if !present {
                    let indent = &line[..line.len() - line.trim_start().len()];
                    out.push(format!("{indent}{}", a.line));
                }
            }
            out.push(line.to_string());
        }
        let mut joined = out.join("\n");
        if text.ends_with('\n') {
            joined.push('\n');
        }
        joined
    }

    /// Counts the lines `report` inserted into `generated`'s source `file`; returns what was
    /// learned now.
    pub fn observe(
        &self,
        generated: &Program,
        file: &str,
        report: &HealReport,
    ) -> std::io::Result<Vec<Insertion>> {
        if report.strategies_kept.is_empty() {
            return Ok(Vec::new());
        }
        let language = generated.language();
        let (Some(before), Some(after)) = (
            generated.files().get(file),
            report.final_program.files().get(file),
        ) else {
            return Ok(Vec::new());
        };
        let inserted = insertions(language, before, after);
        if inserted.is_empty() {
            return Ok(Vec::new());
        }
        let mut state = self.lock();
        let _file_lock = self.file_lock()?;
        // Another process may have counted since this one opened the prelude.
        self.reload(&mut state);
        let entry = state.languages.entry(language).or_default();
        let mut learned = Vec::new();
        for insertion in inserted {
            if entry.knows(&insertion) {
                continue;
            }
            let key = insertion.key();
            let count = entry.candidates.entry(key.clone()).or_insert(0);
            *count += 1;
            if *count >= self.threshold {
                entry.candidates.remove(&key);
                match &insertion {
                    Insertion::Header(line) => entry.lines.push(line.clone()),
                    Insertion::Anchored(a) => entry.anchored.push(a.clone()),
                }
                tracing::info!(%language, line = %key.replace('\n', " before "), "prelude learned a line");
                learned.push(insertion);
            }
        }
        self.save(&state)?;
        Ok(learned)
    }

    /// Forgets what was learned for `language` (every language when `None`); returns the
    /// number of learned lines dropped.
    pub fn reset(&self, language: Option<TargetLanguage>) -> std::io::Result<usize> {
        let mut state = self.lock();
        let _file_lock = self.file_lock()?;
        self.reload(&mut state);
        let dropped = match language {
            Some(l) => state.languages.remove(&l).map_or(0, |p| p.learned()),
            None => {
                let n = state.languages.values().map(LanguagePrelude::learned).sum();
                state.languages.clear();
                n
            }
        };
        self.save(&state)?;
        Ok(dropped)
    }

    /// Replaces `state` with the file's contents when there is a readable file.
    fn reload(&self, state: &mut PreludeFile) {
        let Some(path) = &self.path else { return };
        if let Ok(bytes) = std::fs::read(path) {
            if let Ok(on_disk) = serde_json::from_slice(&bytes) {
                *state = on_disk;
            }
        }
    }

    /// An exclusive lock on `prelude.json.lock` for a read-modify-write across processes
    /// (released when the file closes); `None` in memory.
    fn file_lock(&self) -> std::io::Result<Option<std::fs::File>> {
        use std::os::fd::AsRawFd;
        let Some(path) = &self.path else {
            return Ok(None);
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path.with_extension("json.lock"))?;
        // SAFETY: flock on a descriptor this function owns; no memory is shared.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(Some(file))
    }

    fn save(&self, state: &PreludeFile) -> std::io::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let bytes = serde_json::to_vec_pretty(state).map_err(std::io::Error::other)?;
        // Write a sibling and rename it over: readers see the old file or the new one.
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        tmp.write_all(&bytes)?;
        tmp.as_file().sync_all()?;
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PreludeFile> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// What a heal inserted into `before` to make `after`: header lines `before` lacks, and
/// attribute lines inserted right before an unchanged line.
pub fn insertions(language: TargetLanguage, before: &str, after: &str) -> Vec<Insertion> {
    let mut out: Vec<Insertion> = inserted_header_lines(language, before, after)
        .into_iter()
        .map(Insertion::Header)
        .collect();
    let diff = similar::TextDiff::from_lines(before, after);
    let changes: Vec<_> = diff.iter_all_changes().collect();
    for (i, change) in changes.iter().enumerate() {
        if change.tag() != similar::ChangeTag::Insert {
            continue;
        }
        let line = change.value().trim();
        if !is_attribute(language, line) {
            continue;
        }
        // The anchor: the next line, unchanged, past any other inserted attributes.
        let anchor = changes[i + 1..].iter().find(|c| {
            !(c.tag() == similar::ChangeTag::Insert && is_attribute(language, c.value()))
        });
        if let Some(anchor) = anchor.filter(|c| c.tag() == similar::ChangeTag::Equal) {
            let before = anchor.value().trim();
            if !before.is_empty() {
                let a = Insertion::Anchored(AnchoredLine {
                    line: line.to_string(),
                    before: before.to_string(),
                });
                if !out.contains(&a) {
                    out.push(a);
                }
            }
        }
    }
    out
}

/// An attribute or decorator line, which belongs to the item below it.
fn is_attribute(language: TargetLanguage, line: &str) -> bool {
    let t = line.trim();
    match language {
        TargetLanguage::Rust => t.starts_with("#[") && t.ends_with(']'),
        TargetLanguage::Python => t.starts_with('@') && t.len() > 1,
        TargetLanguage::JavaScript | TargetLanguage::Go => false,
    }
}

/// The header lines of `after` that `before` lacks, normalised (Go import specs as `"path"`).
pub fn inserted_header_lines(language: TargetLanguage, before: &str, after: &str) -> Vec<String> {
    let had: Vec<String> = before
        .lines()
        .filter_map(|l| header_line(language, l))
        .collect();
    let mut out = Vec::new();
    for line in after.lines() {
        if let Some(h) = header_line(language, line) {
            if !had.contains(&h) && !out.contains(&h) {
                out.push(h);
            }
        }
    }
    out
}

/// `line` as a prelude line when it is one a prelude may carry: a top-level import (or crate
/// attribute) that means the same wherever it is put in the header.
pub fn header_line(language: TargetLanguage, line: &str) -> Option<String> {
    let trimmed = line.trim();
    match language {
        TargetLanguage::Python => {
            let top_level = !line.starts_with(char::is_whitespace);
            (top_level
                && (trimmed.starts_with("import ")
                    || trimmed.starts_with("from ") && trimmed.contains(" import ")))
            .then(|| trimmed.to_string())
        }
        TargetLanguage::Rust => {
            let top_level = !line.starts_with(char::is_whitespace);
            (top_level
                && ((trimmed.starts_with("use ") && trimmed.ends_with(';'))
                    || trimmed.starts_with("#![")))
            .then(|| trimmed.to_string())
        }
        TargetLanguage::JavaScript => {
            let top_level = !line.starts_with(char::is_whitespace);
            let require = (trimmed.starts_with("const ")
                || trimmed.starts_with("let ")
                || trimmed.starts_with("var "))
                && trimmed.contains("= require(");
            (top_level && (require || trimmed.starts_with("import ") && trimmed.contains(" from ")))
                .then(|| trimmed.to_string())
        }
        TargetLanguage::Go => {
            // `import "strings"` or a spec inside an import block: `"strings"`, `str "strings"`.
            let spec = trimmed.strip_prefix("import ").unwrap_or(trimmed);
            let quoted = spec.rsplit(' ').next()?;
            let valid = quoted.len() > 2
                && quoted.starts_with('"')
                && quoted.ends_with('"')
                && spec.matches('"').count() == 2
                && !quoted[1..quoted.len() - 1].contains(char::is_whitespace);
            valid.then(|| spec.to_string())
        }
    }
}

/// For Go, the package name an import spec brings in (`"math/rand"` → `rand`): Go refuses
/// unused imports, so a learned Go import is rendered only where its package is used.
pub fn go_package_name(spec: &str) -> Option<&str> {
    let mut parts = spec.split_whitespace();
    let first = parts.next()?;
    if parts.next().is_some() {
        // An alias: `r "math/rand"`.
        return Some(first);
    }
    let path = first.trim_matches('"');
    let last = path.rsplit('/').next()?;
    // `gopkg.in/yaml.v2` is package yaml; `example.com/foo-go` is usually foo.
    Some(last.split('.').next().unwrap_or(last))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lines_per_language() {
        use TargetLanguage::*;
        assert_eq!(
            header_line(Python, "import math").as_deref(),
            Some("import math")
        );
        assert_eq!(header_line(Python, "    import math"), None);
        assert_eq!(header_line(Python, "x = 1"), None);
        assert_eq!(
            header_line(Rust, "use std::collections::HashMap;").as_deref(),
            Some("use std::collections::HashMap;")
        );
        assert_eq!(
            header_line(Go, "\t\"strings\"").as_deref(),
            Some("\"strings\"")
        );
        assert_eq!(header_line(Go, "import \"os\"").as_deref(), Some("\"os\""));
        assert_eq!(header_line(Go, "import ("), None);
        assert_eq!(header_line(Go, "\tfmt.Println(\"a\")"), None);
        assert_eq!(
            header_line(JavaScript, "const path = require('path');").as_deref(),
            Some("const path = require('path');")
        );
        assert_eq!(go_package_name("\"math/rand\""), Some("rand"));
        assert_eq!(go_package_name("r \"math/rand\""), Some("r"));
    }

    #[test]
    fn inserted_lines_ignore_what_was_there() {
        let before = "import os\n\ndef f():\n    return os.sep\n";
        let after = "import math\nimport os\n\ndef f():\n    import sys\n    return os.sep\n";
        assert_eq!(
            inserted_header_lines(TargetLanguage::Python, before, after),
            ["import math"]
        );
    }

    #[test]
    fn an_inserted_derive_is_anchored_to_its_item() {
        let before = "pub struct P {\n    x: i64,\n}\n";
        let after = "#[derive(Debug)]\npub struct P {\n    x: i64,\n}\n";
        assert_eq!(
            insertions(TargetLanguage::Rust, before, after),
            [Insertion::Anchored(AnchoredLine {
                line: "#[derive(Debug)]".into(),
                before: "pub struct P {".into()
            })]
        );
        let p = Prelude::in_memory();
        p.lock()
            .languages
            .entry(TargetLanguage::Rust)
            .or_default()
            .anchored
            .push(AnchoredLine {
                line: "#[derive(Debug)]".into(),
                before: "pub struct P {".into(),
            });
        let nested = "mod m {\n    pub struct P {\n    }\n}\n";
        assert_eq!(
            p.apply_anchored(TargetLanguage::Rust, nested),
            "mod m {\n    #[derive(Debug)]\n    pub struct P {\n    }\n}\n"
        );
        // Already there: not doubled.
        assert_eq!(p.apply_anchored(TargetLanguage::Rust, after), after);
    }

    #[test]
    fn reset_of_one_language_keeps_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let p = Prelude::open(dir.path());
        {
            let mut s = p.lock();
            s.languages
                .entry(TargetLanguage::Python)
                .or_default()
                .lines
                .push("import math".into());
            s.languages
                .entry(TargetLanguage::Go)
                .or_default()
                .lines
                .push("\"strings\"".into());
        }
        assert_eq!(p.reset(Some(TargetLanguage::Python)).unwrap(), 1);
        let reopened = Prelude::open(dir.path());
        assert!(reopened.lines(TargetLanguage::Python).is_empty());
        assert_eq!(reopened.lines(TargetLanguage::Go), ["\"strings\""]);
    }
}
