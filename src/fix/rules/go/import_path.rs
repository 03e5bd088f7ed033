//! `go.import-path`: corrects a misspelled import path. Answers: `cannot find package "unicoder"`.
//! Fix: the closest std or GOPATH package path.
//!
//! Why it is safe: the Go compiler or vet names the exact problem at this position; the fix changes
//! only what the message points at, and the heal loop validates it before keeping it.
//!
//! Example: `import "unicoder"` → `import "unicode"`.

use super::*;

/// An unknown package nothing uses: the import itself is the mistake.
const REMOVE_UNUSED_IMPORT: f64 = 0.75;
/// A similar path whose package the file uses: its similarity times this.
const USED_SCALE: f64 = 0.8;
/// A similar path nothing uses: weaker.
const UNUSED_SCALE: f64 = 0.5;
/// Each later candidate clearly less likely.
const RANK_STEP: f64 = 0.1;

/// Packages outside std that Go programs here may import (the toolchain's GOPATH).
pub(crate) const GOPATH_PACKAGES: &[&str] = &[
    "github.com/stretchr/testify/assert",
    "github.com/stretchr/testify/require",
    "github.com/stretchr/testify/mock",
    "github.com/stretchr/testify/suite",
];

pub(crate) fn std_paths() -> impl Iterator<Item = &'static str> {
    std_table().values().flatten().copied()
}

/// Corrects a misspelled import path.
pub struct ImportPath;

impl Rule for ImportPath {
    const META: RuleMeta = RuleMeta::new("go.import-path", FixApplicability::Likely)
        .language(TargetLanguage::Go)
        .codes(&["missing_package"]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some((loc, text)) = error_file(error, program) else {
            return Vec::new();
        };
        let msg = &error.message;
        let bad = msg
            .split('"')
            .nth(1)
            .or_else(|| {
                msg.strip_prefix("package ")
                    .and_then(|r| r.split_whitespace().next())
            })
            .unwrap_or("");
        if bad.is_empty() {
            return Vec::new();
        }
        let quoted = format!("\"{bad}\"");
        let Some(pos) = text.find(&quoted) else {
            return Vec::new();
        };
        let last = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
        let bad_name = last(bad);
        let used = |name: &str| {
            identifiers(text, TargetLanguage::Go)
                .iter()
                .any(|(p, w)| *w == name && text[p + w.len()..].starts_with('.'))
        };
        let line_range = full_line(text, crate::fix::text::line_of(text, pos));
        let mut fixes = Vec::new();
        let mut scored: Vec<(usize, &str)> = std_paths()
            .chain(GOPATH_PACKAGES.iter().copied())
            .map(|p| (edit_distance(bad, p), p))
            .filter(|(d, p)| *d > 0 && *d <= (p.len() / 4).max(2))
            .collect();
        scored.sort();
        scored.truncate(3);
        let any_used = used(&bad_name) || scored.iter().any(|(_, p)| used(&last(p)));
        if !any_used {
            // Nothing in this file uses the package: the import itself is the mistake (a
            // corrected path would only be "imported and not used").
            if let Some((ls, le)) = line_range.filter(|(ls, le)| text[*ls..*le].trim() == quoted) {
                fixes.push(fix(
                    Self::META.id,
                    format!("remove the import of the unknown, unused package \"{bad}\""),
                    REMOVE_UNUSED_IMPORT,
                    vec![edit(&loc.file, ls, le, "")],
                ));
            }
        }
        for (rank, (d, path)) in scored.into_iter().enumerate() {
            let scale = if any_used { USED_SCALE } else { UNUSED_SCALE };
            let conf =
                scale * (1.0 - d as f64 / path.len().max(1) as f64) - RANK_STEP * rank as f64;
            let mut edits = vec![edit(&loc.file, pos + 1, pos + 1 + bad.len(), path)];
            // `unicoder.IsLetter` → `unicode.IsLetter`: the qualifier follows the package name.
            let new_name = last(path);
            if new_name != bad_name {
                edits.extend(
                    identifiers(text, TargetLanguage::Go)
                        .into_iter()
                        .filter(|(p, w)| *w == bad_name && text[p + w.len()..].starts_with('.'))
                        .map(|(p, w)| edit(&loc.file, p, p + w.len(), new_name.clone())),
                );
            }
            fixes.push(fix(
                Self::META.id,
                format!("import \"{path}\" instead of the unknown \"{bad}\""),
                conf,
                edits,
            ));
        }
        fixes
    }
}
