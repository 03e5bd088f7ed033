//! Building fixes: the `Fixes` collector, `fix`/`edit` constructors and where an error points
//! (`Target`).

use super::*;
use crate::fix::{Edit, Fix, FixApplicability};
use crate::program::Program;
use crate::types::{CodeError, ErrorType, TargetLanguage};

/// The error's code, or "" when the toolchain gave none.
pub(crate) fn code(error: &CodeError) -> &str {
    error.code.as_deref().unwrap_or("")
}

/// A fix of rule `id` (its applicability is capped by the rule's declaration).
pub(crate) fn fix(id: &str, description: String, confidence: f64, edits: Vec<Edit>) -> Fix {
    Fix {
        strategy: id.to_string(),
        description,
        confidence,
        applicability: FixApplicability::Safe,
        edits,
    }
}

/// Replace `start..end` of `file` with `replacement`.
pub(crate) fn edit(file: &str, start: usize, end: usize, replacement: impl Into<String>) -> Edit {
    Edit {
        file: file.to_string(),
        byte_start: start,
        byte_end: end,
        replacement: replacement.into(),
    }
}

/// Collects fixes for one strategy, dropping duplicates (same edits) and keeping the first.
pub(crate) struct Fixes<'a> {
    id: &'a str,
    pub(crate) list: Vec<Fix>,
}

impl<'a> Fixes<'a> {
    pub(crate) fn new(id: &'a str) -> Fixes<'a> {
        Fixes {
            id,
            list: Vec::new(),
        }
    }

    pub(crate) fn push(
        &mut self,
        confidence: f64,
        description: impl Into<String>,
        edits: Vec<Edit>,
    ) {
        if edits.is_empty() || self.list.iter().any(|f| f.edits == edits) {
            return;
        }
        self.list.push(Fix {
            strategy: self.id.to_string(),
            description: description.into(),
            confidence,
            applicability: FixApplicability::Safe,
            edits,
        });
    }

    pub(crate) fn replace(
        &mut self,
        confidence: f64,
        description: impl Into<String>,
        file: &str,
        start: usize,
        end: usize,
        text: &str,
    ) {
        self.push(confidence, description, vec![edit(file, start, end, text)]);
    }

    pub(crate) fn done(self) -> Vec<Fix> {
        self.list
    }
}

/// The same slip made several times (`for (i == 2; …)` in three loops) must be fixed
/// everywhere at once for a test to notice: one more fix with every edit of a kind.
pub(crate) fn combine_repeated(fixes: &mut Fixes<'_>, from: usize) {
    let mut kinds: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, fix) in fixes.list.iter().enumerate().skip(from) {
        let kind = fix
            .description
            .split(" on line ")
            .next()
            .unwrap_or("")
            .to_string();
        match kinds.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, members)) => members.push(i),
            None => kinds.push((kind, vec![i])),
        }
    }
    for (kind, members) in kinds {
        if members.len() < 2 {
            continue;
        }
        let mut edits: Vec<_> = members
            .iter()
            .flat_map(|&i| fixes.list[i].edits.clone())
            .collect();
        edits.sort();
        let disjoint = edits
            .windows(2)
            .all(|w| w[0].file != w[1].file || w[0].byte_end <= w[1].byte_start);
        if !disjoint {
            continue;
        }
        let conf = members
            .iter()
            .map(|&i| fixes.list[i].confidence)
            .fold(0.0, f64::max)
            + 0.05;
        fixes.push(
            conf,
            format!("{kind} everywhere ({} places)", members.len()),
            edits,
        );
    }
}

/// Where an error points: an editable file of the program and a byte offset in it.
pub(crate) struct Target<'a> {
    pub file: &'a str,
    pub text: &'a str,
    pub lang: TargetLanguage,
    pub lines: LineIndex,
    /// 1-based line of the error.
    pub line: usize,
    /// Byte offset of the error position.
    pub offset: usize,
    /// Byte offset of the end of the error span, when the toolchain gave one.
    pub end: Option<usize>,
}

impl Target<'_> {
    /// The indexes of `tokens` (lexed from the whole file) that lie wholly on the error's line.
    pub(crate) fn tokens_on_line(&self, tokens: &[Token]) -> Vec<usize> {
        let (ls, le) = self.lines.range(self.text, self.line);
        (0..tokens.len())
            .filter(|&k| tokens[k].start >= ls && tokens[k].end <= le)
            .collect()
    }
}

/// The editable (not protected) file an error points at, with the position as a byte offset.
pub(crate) fn target<'a>(error: &CodeError, program: &'a Program) -> Option<Target<'a>> {
    let loc = error.location.as_ref()?;
    let (file, text) = editable_file(program, &loc.file)?;
    let lines = LineIndex::new(text);
    let line = (loc.line as usize).clamp(1, lines.count());
    let offset = lines.offset(text, line, loc.column as usize);
    let end = match (loc.end_line, loc.end_column) {
        (Some(l), Some(c)) if l as usize >= line => Some(
            lines
                .offset(text, (l as usize).min(lines.count()), c as usize)
                .max(offset),
        ),
        _ => None,
    };
    Some(Target {
        file,
        text,
        lang: program.language(),
        lines,
        line,
        offset,
        end,
    })
}

/// The target of a syntax (parse) error: the prelude of the syntax-repair rules, which have
/// nothing to offer for any other error or for one outside the program's editable files.
pub(crate) fn syntax_target<'a>(error: &CodeError, program: &'a Program) -> Option<Target<'a>> {
    target_if(is_syntax(error), error, program)
}

/// The error's [`target`] when `answers` (the rule's test of the error) holds: a rule's
/// prelude, `let Some(t) = target_if(…, error, program) else { return Vec::new(); };`.
pub(crate) fn target_if<'a>(
    answers: bool,
    error: &CodeError,
    program: &'a Program,
) -> Option<Target<'a>> {
    if !answers {
        return None;
    }
    target(error, program)
}

/// A program file that fixes may edit, found by its program-relative (or sandbox) path.
pub(crate) fn editable_file<'a>(program: &'a Program, path: &str) -> Option<(&'a str, &'a str)> {
    let path = crate::diagnostics::program_path(path);
    let (name, text) = program.files().get_key_value(path)?;
    if program.protected().contains(path) {
        return None;
    }
    Some((name.as_str(), text.as_str()))
}

/// The editable source files of the program's language: where whole-program heuristics look
/// when an error (a failed test) points at a protected file or nowhere.
pub(crate) fn editable_sources(program: &Program) -> Vec<(&str, &str)> {
    program
        .files()
        .iter()
        .filter(|(name, _)| !program.protected().contains(*name))
        .filter(|(name, _)| {
            let ext = name.rsplit('.').next().unwrap_or("");
            TargetLanguage::from_extension(ext) == Some(program.language())
        })
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect()
}

/// The error's message without a leading `Kind: ` prefix (`SyntaxError: x` → `x`).
pub(crate) fn message(error: &CodeError) -> &str {
    let m = error.message.trim();
    match m.split_once(": ") {
        Some((head, rest))
            if !head.is_empty()
                && head
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
                && head.ends_with("Error") =>
        {
            rest
        }
        _ => m,
    }
}

/// True when the error is a syntax (parse) error, whatever the parser called it.
pub(crate) fn is_syntax(error: &CodeError) -> bool {
    error.error_type == ErrorType::SyntaxError
        || matches!(
            error.code.as_deref(),
            Some("SyntaxError" | "IndentationError" | "TabError")
        )
}

/// The first single-quoted (or backquoted) name in a message: `name 'x' is not defined` → `x`.
pub(crate) fn quoted(msg: &str) -> Option<&str> {
    for q in ['\'', '`', '"'] {
        if let Some(start) = msg.find(q) {
            let rest = &msg[start + q.len_utf8()..];
            if let Some(end) = rest.find(q) {
                return Some(&rest[..end]);
            }
        }
    }
    None
}
