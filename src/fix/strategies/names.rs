//! `any.similar-name`: an undefined name is probably a misspelling of a name that exists.
//!
//! The undefined name is read from the error message (each toolchain's wording), the candidates
//! are the names the program declares (a lexical scan: identifiers after `fn`/`let`/`func`/`def`/
//! …, and parameter lists) plus the language's keywords, builtins and common std members, and
//! the closest few by optimal-string-alignment distance replace the name at the error location.
//!
//! This module also holds the small text helpers the other strategies share (positions,
//! identifiers, comments).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::fix::{Edit, Fix, FixStrategy};
use crate::program::Program;
use crate::types::{CodeError, ErrorType, TargetLanguage};

pub fn strategies() -> Vec<Arc<dyn FixStrategy>> {
    vec![Arc::new(SimilarName)]
}

/// Most candidates proposed for one undefined name.
const MAX_CANDIDATES: usize = 3;

/// Replaces an undefined name by the closest defined or well-known names.
pub struct SimilarName;

/// What kind of name the message says is missing: members are looked up among members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameKind {
    /// A variable, function, type, macro or module.
    Value,
    /// A method, field or attribute reached through `.`.
    Member,
}

impl FixStrategy for SimilarName {
    fn id(&self) -> &str {
        "any.similar-name"
    }

    fn suggest(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some((name, kind)) = undefined_name(&error.message) else {
            return Vec::new();
        };
        // Messages that name an undefined thing are not always categorised as such (Python's
        // AttributeError, JavaScript's TypeError); the message pattern is what counts here.
        if matches!(
            error.error_type,
            ErrorType::SyntaxError | ErrorType::TestFailure | ErrorType::TelemetryMismatch
        ) {
            return Vec::new();
        }
        let Some((file, start)) = name_position(error, program, &name) else {
            return Vec::new();
        };
        let end = start + name.len();
        let candidates = candidates(program, kind);
        ranked_similar(&name, &candidates)
            .into_iter()
            .take(MAX_CANDIDATES)
            .enumerate()
            .map(|(rank, (candidate, score, declared))| {
                let base = if declared { 0.75 } else { 0.65 };
                let norm = score / name.chars().count().max(candidate.chars().count()) as f64;
                Fix {
                    strategy: self.id().to_string(),
                    description: format!("replace `{name}` by the similar name `{candidate}`"),
                    confidence: base * (1.0 - norm) - 0.05 * rank as f64,
                    applicability: crate::fix::FixApplicability::Safe,
                    edits: vec![Edit {
                        file: file.clone(),
                        byte_start: start,
                        byte_end: end,
                        replacement: candidate,
                    }],
                }
            })
            .collect()
    }
}

/// The name an error message says is undefined, and whether it is a member.
pub(crate) fn undefined_name(message: &str) -> Option<(String, NameKind)> {
    let first = message.lines().next().unwrap_or("").trim();
    let member = |s: &str| (s.to_string(), NameKind::Member);
    let value = |s: &str| (s.to_string(), NameKind::Value);
    // rustc: the name is the first backticked text.
    for prefix in [
        "no method named `",
        "no field `",
        "no function or associated item named `",
        "no associated item named `",
        "no variant or associated item named `",
        "no variant named `",
    ] {
        if let Some(rest) = first.strip_prefix(prefix) {
            return rest
                .split('`')
                .next()
                .filter(|n| is_identifier(n))
                .map(member);
        }
    }
    if first.starts_with("cannot find ")
        || first.starts_with("failed to resolve: use of undeclared")
        || first.starts_with("failed to resolve: use of unresolved")
        || first.starts_with("use of undeclared")
        || first.starts_with("use of unresolved")
    {
        let name = first.split('`').nth(1)?;
        return is_identifier(name).then(|| value(name));
    }
    // Go.
    for prefix in ["undefined: ", "undeclared name: "] {
        if let Some(rest) = first.strip_prefix(prefix) {
            let rest = rest.trim();
            if let Some((_, member_name)) = rest.rsplit_once('.') {
                return is_identifier(member_name).then(|| member(member_name));
            }
            return is_identifier(rest).then(|| value(rest));
        }
    }
    if let Some(idx) = first.find(" has no field or method ") {
        let rest = &first[idx + " has no field or method ".len()..];
        let name = rest
            .split(|c: char| !is_ident_char(c))
            .next()
            .filter(|n| is_identifier(n))?;
        return Some(member(name));
    }
    if let Some((name, _)) = first.split_once(" not declared by package ") {
        return is_identifier(name.trim()).then(|| member(name.trim()));
    }
    // Python.
    if let Some(rest) = first
        .strip_prefix("NameError: ")
        .unwrap_or(first)
        .strip_prefix("name '")
    {
        if let Some((name, tail)) = rest.split_once('\'') {
            if tail.contains("is not defined") && is_identifier(name) {
                return Some(value(name));
            }
        }
    }
    if let Some(idx) = first.find(" has no attribute '") {
        let rest = &first[idx + " has no attribute '".len()..];
        let name = rest.split('\'').next()?;
        return is_identifier(name).then(|| member(name));
    }
    // JavaScript.
    if let Some(idx) = first.find("(reading '") {
        let name = first[idx + "(reading '".len()..].split('\'').next()?;
        return is_identifier(name).then(|| member(name));
    }
    let js = first
        .strip_prefix("ReferenceError: ")
        .or_else(|| first.strip_prefix("TypeError: "))
        .unwrap_or(first);
    if let Some(name) = js.strip_suffix(" is not defined") {
        return is_identifier(name).then(|| value(name));
    }
    if let Some(expr) = js.strip_suffix(" is not a function") {
        return match expr.rsplit_once('.') {
            Some((_, m)) if is_identifier(m) => Some(member(m)),
            Some(_) => None,
            None => is_identifier(expr).then(|| value(expr)),
        };
    }
    None
}

/// Where `name` is in the program for this error: the exact column when the name starts
/// there, else the occurrence on the error's line nearest to the column.
pub(crate) fn name_position(
    error: &CodeError,
    program: &Program,
    name: &str,
) -> Option<(String, usize)> {
    let loc = error.location.as_ref()?;
    let text = program.files.get(&loc.file)?;
    if program.protected.contains(&loc.file) {
        return None;
    }
    let start = find_word_on_line(text, loc.line, loc.column, name)?;
    Some((loc.file.clone(), start))
}

/// Byte offset of the whole-word occurrence of `word` on `line` nearest to `column`
/// (1-based, in characters); an occurrence at or after the column wins a tie.
pub(crate) fn find_word_on_line(text: &str, line: u32, column: u32, word: &str) -> Option<usize> {
    let (line_start, line_end) = line_bounds(text, line)?;
    let target = line_col_to_byte(text, line, column).unwrap_or(line_start);
    let line_text = &text[line_start..line_end];
    let mut best: Option<(usize, usize)> = None;
    for (idx, _) in line_text.match_indices(word) {
        let abs = line_start + idx;
        if !is_word_at(text, abs, word.len()) {
            continue;
        }
        let dist = if abs >= target {
            (abs - target) * 2
        } else {
            (target - abs) * 2 + 1
        };
        if best.is_none_or(|(d, _)| dist < d) {
            best = Some((dist, abs));
        }
    }
    best.map(|(_, abs)| abs)
}

/// True when `text[start..start+len]` is not part of a longer identifier.
pub(crate) fn is_word_at(text: &str, start: usize, len: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[start + len..].chars().next();
    !before.is_some_and(is_ident_char) && !after.is_some_and(is_ident_char)
}

/// Byte range of line `line` (1-based), without its line terminator.
pub(crate) fn line_bounds(text: &str, line: u32) -> Option<(usize, usize)> {
    if line == 0 {
        return None;
    }
    let mut start = 0usize;
    for _ in 1..line {
        start += text[start..].find('\n')? + 1;
    }
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let end = if end > start && text.as_bytes()[end - 1] == b'\r' {
        end - 1
    } else {
        end
    };
    Some((start, end))
}

/// Byte offset of 1-based (line, column), columns counting characters; a column past the end
/// of the line is the end of the line.
pub(crate) fn line_col_to_byte(text: &str, line: u32, column: u32) -> Option<usize> {
    let (start, end) = line_bounds(text, line)?;
    let skip = column.saturating_sub(1) as usize;
    Some(
        text[start..end]
            .char_indices()
            .nth(skip)
            .map_or(end, |(i, _)| start + i),
    )
}

/// The 1-based line number of byte offset `pos`.
pub(crate) fn line_of(text: &str, pos: usize) -> u32 {
    let pos = pos.min(text.len());
    text.as_bytes()[..pos]
        .iter()
        .filter(|b| **b == b'\n')
        .count() as u32
        + 1
}

pub(crate) fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

pub(crate) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_') && chars.all(is_ident_char)
}

/// Every identifier token outside comments and string literals, with its byte offset.
pub(crate) fn identifiers(text: &str, language: TargetLanguage) -> Vec<(usize, &str)> {
    let bytes = text.as_bytes();
    let hash_comments = language == TargetLanguage::Python;
    let quote_strings = matches!(
        language,
        TargetLanguage::Python | TargetLanguage::JavaScript
    );
    let mut out = Vec::new();
    let mut i = 0usize;
    while i < bytes.len() {
        let b = bytes[i];
        if (b == b'/' && bytes.get(i + 1) == Some(&b'/') && !hash_comments)
            || (b == b'#' && hash_comments)
        {
            i = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
        } else if b == b'/' && bytes.get(i + 1) == Some(&b'*') && !hash_comments {
            i = text[i + 2..]
                .find("*/")
                .map_or(bytes.len(), |n| i + 2 + n + 2);
        } else if b == b'"' || b == b'`' || (b == b'\'' && quote_strings) {
            i = skip_string(bytes, i);
        } else if b == b'\'' {
            // Rust/Go: a character literal (`'x'`, `'\n'`), else a lifetime tick.
            if bytes.get(i + 1) == Some(&b'\\') {
                i = skip_string(bytes, i);
            } else {
                let next_len = text[i + 1..].chars().next().map_or(1, char::len_utf8);
                i += if bytes.get(i + 1 + next_len) == Some(&b'\'') {
                    next_len + 2
                } else {
                    1
                };
            }
        } else if b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 {
            let start = i;
            let end = text[i..]
                .char_indices()
                .find(|(_, c)| !is_ident_char(*c))
                .map_or(text.len(), |(n, _)| i + n);
            if end == start {
                i += text[i..].chars().next().map_or(1, char::len_utf8);
                continue;
            }
            let word = &text[start..end];
            if word
                .chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_')
            {
                out.push((start, word));
            }
            i = end;
        } else if b.is_ascii_digit() {
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'.')
            {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    out
}

/// The index just after the string literal starting at `start` (its quote char), honouring
/// backslash escapes; the end of the line or text for an unterminated one.
fn skip_string(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\n' if quote != b'`' && quote != b'"' => return i,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Keywords after which a declared name follows.
const DECLARING_KEYWORDS: &[&str] = &[
    "fn", "let", "mut", "const", "static", "struct", "enum", "trait", "type", "mod", "union",
    "func", "var", "def", "class", "function", "for", "as", "import", "from",
];

/// Names the program declares: after declaring keywords, inside parameter lists, on the left
/// of `:=`/`=`, and struct fields or object keys (`name:`).
pub(crate) fn declared_names(program: &Program) -> Vec<String> {
    let mut names = BTreeSet::new();
    for text in program.files.values() {
        let idents = identifiers(text, program.language);
        // Inside the parameter list right after `fn name`, `func name`, `def name`, …
        let mut in_params = false;
        for (n, (pos, word)) in idents.iter().enumerate() {
            let prev = n.checked_sub(1).map(|p| idents[p]);
            let between_prev = prev.map_or("", |(p, w)| &text[p + w.len()..*pos]);
            let end = pos + word.len();
            let next_start = idents.get(n + 1).map_or(text.len(), |(p, _)| *p);
            let after = &text[end..next_start];
            let after_trim = after.trim_start_matches([' ', '\t']);
            let declared = in_params
                || prev.is_some_and(|(_, p)| {
                    DECLARING_KEYWORDS.contains(&p) && between_prev.trim().is_empty()
                })
                || after_trim.starts_with(":=")
                || (after_trim.starts_with(':') && !after_trim.starts_with("::"))
                || (after_trim.starts_with('=') && !after_trim.starts_with("=="))
                || after_trim.starts_with(',');
            if declared {
                names.insert(word.to_string());
            }
            if in_params && after.contains(')') {
                in_params = false;
            }
            if prev.is_some_and(|(_, p)| matches!(p, "fn" | "func" | "def" | "function"))
                && after_trim.starts_with('(')
                && !after.contains(')')
            {
                in_params = true;
            }
        }
    }
    names.into_iter().collect()
}

/// Identifiers reached through `.` anywhere in the program (methods, fields, attributes).
fn member_names(program: &Program) -> Vec<String> {
    let mut out = Vec::new();
    for text in program.files.values() {
        for (pos, word) in identifiers(text, program.language) {
            if text[..pos].ends_with('.') {
                out.push(word.to_string());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// A candidate name and whether the program itself declares it.
type Candidate = (String, bool);

fn candidates(program: &Program, kind: NameKind) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    match kind {
        NameKind::Value => {
            out.extend(declared_names(program).into_iter().map(|n| (n, true)));
            out.extend(
                builtin_values(program.language)
                    .iter()
                    .map(|n| (n.to_string(), false)),
            );
        }
        NameKind::Member => {
            out.extend(member_names(program).into_iter().map(|n| (n, true)));
            out.extend(declared_names(program).into_iter().map(|n| (n, true)));
            out.extend(
                builtin_members(program.language)
                    .iter()
                    .map(|n| (n.to_string(), false)),
            );
        }
    }
    out
}

/// Candidates close enough to `name`, best first: (candidate, score, declared).
fn ranked_similar(name: &str, candidates: &[Candidate]) -> Vec<(String, f64, bool)> {
    let mut scored: BTreeMap<String, (f64, bool)> = BTreeMap::new();
    for (candidate, declared) in candidates {
        if candidate == name {
            continue;
        }
        let Some(score) = similarity_score(name, candidate) else {
            continue;
        };
        let entry = scored
            .entry(candidate.clone())
            .or_insert((score, *declared));
        entry.1 |= *declared;
    }
    let mut ranked: Vec<(String, f64, bool)> =
        scored.into_iter().map(|(c, (s, d))| (c, s, d)).collect();
    ranked.sort_by(|a, b| a.1.total_cmp(&b.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
    ranked
}

/// How far `candidate` is from `name` (lower is closer), or `None` when too far to be a typo.
pub(crate) fn similarity_score(name: &str, candidate: &str) -> Option<f64> {
    let (ln, lc) = (name.chars().count(), candidate.chars().count());
    let exact = osa_distance(name, candidate) as f64;
    let folded = osa_distance(&name.to_lowercase(), &candidate.to_lowercase()) as f64;
    // A difference only in case costs half an edit.
    let mut score = exact.min(folded + 0.5);
    // `is_upper` → `is_uppercase`: a long shared prefix is a strong hint.
    let (short, long) = if ln <= lc {
        (name, candidate)
    } else {
        (candidate, name)
    };
    if short.chars().count() >= 4 && long.to_lowercase().starts_with(&short.to_lowercase()) {
        score = score.min(1.0 + 0.25 * (ln.abs_diff(lc)) as f64);
    }
    let longest = ln.max(lc) as f64;
    let allowed = match ln.min(lc) {
        // `N` vs `n` are as likely two different variables as one typo.
        0..=1 => return None,
        2 => 0.5,
        3..=4 => 1.0,
        5..=7 => 2.0,
        _ => 3.0,
    };
    (score <= allowed && score / longest <= 0.5).then_some(score)
}

/// Optimal string alignment distance (Damerau-Levenshtein without repeated edits of a
/// substring): insertions, deletions, substitutions and adjacent transpositions cost 1.
pub(crate) fn osa_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[n][m]
}

/// Keywords, builtins and well-known globals a name may be a misspelling of.
pub(crate) fn builtin_values(language: TargetLanguage) -> &'static [&'static str] {
    match language {
        TargetLanguage::Rust => &[
            "as",
            "break",
            "const",
            "continue",
            "crate",
            "else",
            "enum",
            "false",
            "fn",
            "for",
            "if",
            "impl",
            "in",
            "let",
            "loop",
            "match",
            "mod",
            "move",
            "mut",
            "pub",
            "ref",
            "return",
            "self",
            "Self",
            "static",
            "struct",
            "super",
            "trait",
            "true",
            "type",
            "unsafe",
            "use",
            "where",
            "while",
            "dyn",
            "println",
            "print",
            "eprintln",
            "eprint",
            "format",
            "vec",
            "panic",
            "assert",
            "assert_eq",
            "assert_ne",
            "write",
            "writeln",
            "unreachable",
            "matches",
            "dbg",
            "Some",
            "None",
            "Ok",
            "Err",
            "Vec",
            "String",
            "Box",
            "Option",
            "Result",
            "i8",
            "i16",
            "i32",
            "i64",
            "i128",
            "isize",
            "u8",
            "u16",
            "u32",
            "u64",
            "u128",
            "usize",
            "f32",
            "f64",
            "bool",
            "char",
            "str",
            "drop",
            "Default",
            "Clone",
            "Copy",
            "Iterator",
            "ToString",
            "From",
            "Into",
            "HashMap",
            "HashSet",
            "BTreeMap",
            "BTreeSet",
            "VecDeque",
        ],
        TargetLanguage::Go => &[
            "break",
            "case",
            "chan",
            "const",
            "continue",
            "default",
            "defer",
            "else",
            "fallthrough",
            "for",
            "func",
            "go",
            "goto",
            "if",
            "import",
            "interface",
            "map",
            "package",
            "range",
            "return",
            "select",
            "struct",
            "switch",
            "type",
            "var",
            "append",
            "cap",
            "close",
            "complex",
            "copy",
            "delete",
            "imag",
            "len",
            "make",
            "new",
            "panic",
            "print",
            "println",
            "real",
            "recover",
            "true",
            "false",
            "nil",
            "iota",
            "int",
            "int8",
            "int16",
            "int32",
            "int64",
            "uint",
            "uint8",
            "uint16",
            "uint32",
            "uint64",
            "uintptr",
            "float32",
            "float64",
            "complex64",
            "complex128",
            "string",
            "bool",
            "byte",
            "rune",
            "error",
            "any",
            "fmt",
            "strings",
            "strconv",
            "math",
            "sort",
            "errors",
            "os",
            "bytes",
            "unicode",
            "time",
        ],
        TargetLanguage::Python => &[
            "False",
            "None",
            "True",
            "and",
            "as",
            "assert",
            "async",
            "await",
            "break",
            "class",
            "continue",
            "def",
            "del",
            "elif",
            "else",
            "except",
            "finally",
            "for",
            "from",
            "global",
            "if",
            "import",
            "in",
            "is",
            "lambda",
            "nonlocal",
            "not",
            "or",
            "pass",
            "raise",
            "return",
            "try",
            "while",
            "with",
            "yield",
            "abs",
            "all",
            "any",
            "bin",
            "bool",
            "bytes",
            "chr",
            "dict",
            "dir",
            "divmod",
            "enumerate",
            "filter",
            "float",
            "format",
            "frozenset",
            "getattr",
            "hasattr",
            "hash",
            "hex",
            "id",
            "input",
            "int",
            "isinstance",
            "issubclass",
            "iter",
            "len",
            "list",
            "map",
            "max",
            "min",
            "next",
            "object",
            "oct",
            "open",
            "ord",
            "pow",
            "print",
            "range",
            "repr",
            "reversed",
            "round",
            "set",
            "setattr",
            "slice",
            "sorted",
            "str",
            "sum",
            "super",
            "tuple",
            "type",
            "zip",
            "self",
            "math",
            "collections",
            "itertools",
            "functools",
            "heapq",
            "re",
            "string",
            "Exception",
            "ValueError",
            "TypeError",
            "KeyError",
            "IndexError",
        ],
        TargetLanguage::JavaScript => &[
            "break",
            "case",
            "catch",
            "class",
            "const",
            "continue",
            "debugger",
            "default",
            "delete",
            "do",
            "else",
            "export",
            "extends",
            "false",
            "finally",
            "for",
            "function",
            "if",
            "import",
            "in",
            "instanceof",
            "let",
            "new",
            "null",
            "return",
            "super",
            "switch",
            "this",
            "throw",
            "true",
            "try",
            "typeof",
            "undefined",
            "var",
            "void",
            "while",
            "yield",
            "async",
            "await",
            "of",
            "console",
            "Math",
            "JSON",
            "Array",
            "Object",
            "String",
            "Number",
            "Boolean",
            "Map",
            "Set",
            "parseInt",
            "parseFloat",
            "isNaN",
            "Infinity",
            "NaN",
            "Date",
            "RegExp",
            "Promise",
            "Symbol",
            "Error",
            "require",
            "module",
            "exports",
            "setTimeout",
            "BigInt",
        ],
    }
}

/// Common methods and fields of the standard library's types.
pub(crate) fn builtin_members(language: TargetLanguage) -> &'static [&'static str] {
    match language {
        TargetLanguage::Rust => &[
            "len",
            "push",
            "pop",
            "insert",
            "remove",
            "contains",
            "contains_key",
            "iter",
            "iter_mut",
            "into_iter",
            "map",
            "filter",
            "filter_map",
            "fold",
            "sum",
            "product",
            "collect",
            "enumerate",
            "zip",
            "rev",
            "chars",
            "bytes",
            "char_indices",
            "split",
            "split_whitespace",
            "lines",
            "trim",
            "trim_start",
            "trim_end",
            "to_string",
            "to_owned",
            "to_uppercase",
            "to_lowercase",
            "to_ascii_uppercase",
            "to_ascii_lowercase",
            "is_uppercase",
            "is_lowercase",
            "is_ascii_uppercase",
            "is_ascii_lowercase",
            "is_alphabetic",
            "is_numeric",
            "is_alphanumeric",
            "is_ascii_alphabetic",
            "is_ascii_alphanumeric",
            "is_whitespace",
            "is_ascii_digit",
            "is_digit",
            "to_digit",
            "from_digit",
            "is_empty",
            "clone",
            "unwrap",
            "expect",
            "unwrap_or",
            "unwrap_or_default",
            "sort",
            "sort_unstable",
            "sort_by",
            "sort_by_key",
            "dedup",
            "reverse",
            "join",
            "concat",
            "starts_with",
            "ends_with",
            "find",
            "position",
            "any",
            "all",
            "max",
            "min",
            "max_by",
            "min_by",
            "max_by_key",
            "min_by_key",
            "abs",
            "pow",
            "powi",
            "powf",
            "sqrt",
            "floor",
            "ceil",
            "round",
            "trunc",
            "get",
            "get_mut",
            "keys",
            "values",
            "values_mut",
            "entry",
            "or_insert",
            "or_insert_with",
            "extend",
            "retain",
            "truncate",
            "swap",
            "first",
            "last",
            "windows",
            "chunks",
            "step_by",
            "take",
            "skip",
            "take_while",
            "skip_while",
            "count",
            "nth",
            "parse",
            "as_str",
            "as_bytes",
            "push_str",
            "replace",
            "repeat",
            "with_capacity",
            "new",
            "from",
            "default",
            "is_some",
            "is_none",
            "is_ok",
            "is_err",
            "ok",
            "map_or",
            "and_then",
            "checked_add",
            "checked_sub",
            "checked_mul",
            "wrapping_add",
            "saturating_sub",
            "to_vec",
            "into",
            "copied",
            "cloned",
            "flat_map",
            "flatten",
            "peekable",
            "next",
            "chain",
            "rem_euclid",
            "signum",
            "min_element",
            "last_mut",
            "first_mut",
            "binary_search",
            "split_at",
            "split_off",
            "drain",
            "capacity",
            "clear",
            "push_back",
            "push_front",
            "pop_back",
            "pop_front",
            "front",
            "back",
            "union",
            "intersection",
            "difference",
            "is_subset",
            "upper",
            "lower",
            "exp",
            "ln",
            "log10",
            "log2",
            "sin",
            "cos",
            "tan",
            "hypot",
            "to_radians",
            "to_degrees",
            "is_nan",
            "count_ones",
            "leading_zeros",
            "trailing_zeros",
            "eq",
            "cmp",
            "partial_cmp",
        ],
        TargetLanguage::Go => &[
            "Println",
            "Printf",
            "Sprintf",
            "Sprint",
            "Print",
            "Errorf",
            "Contains",
            "Index",
            "Split",
            "Join",
            "Fields",
            "TrimSpace",
            "Trim",
            "ToUpper",
            "ToLower",
            "Replace",
            "ReplaceAll",
            "HasPrefix",
            "HasSuffix",
            "Repeat",
            "Itoa",
            "Atoi",
            "Sqrt",
            "Pow",
            "Abs",
            "Max",
            "Min",
            "Floor",
            "Ceil",
            "Round",
            "Inf",
            "MaxInt",
            "MinInt",
            "MaxInt64",
            "MinInt64",
            "MaxInt32",
            "Ints",
            "Strings",
            "Slice",
            "Sort",
            "Len",
            "Less",
            "Swap",
            "IsUpper",
            "IsLower",
            "IsDigit",
            "IsLetter",
            "IsSpace",
            "ToTitle",
            "Count",
            "Builder",
            "WriteString",
            "String",
            "Cbrt",
            "Log",
            "Log2",
            "Log10",
            "Mod",
            "Trunc",
            "FormatInt",
            "ParseInt",
            "ParseFloat",
            "Equal",
            "EqualFold",
            "Title",
        ],
        TargetLanguage::Python => &[
            "append",
            "extend",
            "insert",
            "remove",
            "pop",
            "clear",
            "index",
            "count",
            "sort",
            "reverse",
            "copy",
            "keys",
            "values",
            "items",
            "get",
            "update",
            "setdefault",
            "split",
            "rsplit",
            "join",
            "strip",
            "lstrip",
            "rstrip",
            "upper",
            "lower",
            "replace",
            "startswith",
            "endswith",
            "find",
            "rfind",
            "format",
            "isdigit",
            "isalpha",
            "isalnum",
            "isspace",
            "isupper",
            "islower",
            "title",
            "capitalize",
            "zfill",
            "add",
            "discard",
            "union",
            "intersection",
            "difference",
            "most_common",
            "sqrt",
            "floor",
            "ceil",
            "gcd",
            "factorial",
            "inf",
            "pi",
            "heappush",
            "heappop",
            "defaultdict",
            "Counter",
            "deque",
            "appendleft",
            "popleft",
            "encode",
            "decode",
            "splitlines",
            "swapcase",
            "ljust",
            "rjust",
            "center",
        ],
        TargetLanguage::JavaScript => &[
            "length",
            "push",
            "pop",
            "shift",
            "unshift",
            "slice",
            "splice",
            "concat",
            "join",
            "reverse",
            "sort",
            "indexOf",
            "lastIndexOf",
            "includes",
            "find",
            "findIndex",
            "filter",
            "map",
            "reduce",
            "reduceRight",
            "forEach",
            "some",
            "every",
            "keys",
            "values",
            "entries",
            "split",
            "substring",
            "substr",
            "toUpperCase",
            "toLowerCase",
            "trim",
            "trimStart",
            "trimEnd",
            "charAt",
            "charCodeAt",
            "fromCharCode",
            "codePointAt",
            "startsWith",
            "endsWith",
            "replace",
            "replaceAll",
            "repeat",
            "padStart",
            "padEnd",
            "toString",
            "toFixed",
            "log",
            "floor",
            "ceil",
            "round",
            "abs",
            "max",
            "min",
            "sqrt",
            "pow",
            "random",
            "trunc",
            "sign",
            "has",
            "get",
            "set",
            "add",
            "delete",
            "size",
            "fill",
            "flat",
            "flatMap",
            "from",
            "isArray",
            "assign",
            "parse",
            "stringify",
            "match",
            "test",
            "localeCompare",
            "isInteger",
            "MAX_SAFE_INTEGER",
            "MIN_SAFE_INTEGER",
            "POSITIVE_INFINITY",
            "NEGATIVE_INFINITY",
            "PI",
            "hypot",
            "log2",
            "log10",
            "cbrt",
            "at",
            "clear",
        ],
    }
}

/// Removes the comment marker from a commented-out line of code that defines `name` and is
/// written before `before` (the line where the name is used), nearest first. Returns edits for
/// each such line: `// let x = 1;` → `let x = 1;`.
pub(crate) fn uncomment_definitions(
    text: &str,
    file: &str,
    name: &str,
    before_line: u32,
    patterns: &[String],
) -> Vec<Edit> {
    let mut out = Vec::new();
    let mut offset = 0usize;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let line_no = n as u32 + 1;
        let start = offset;
        offset += line.len();
        if line_no >= before_line {
            break;
        }
        let indent = line.len() - line.trim_start().len();
        let rest = &line[indent..];
        let Some(code) = rest.strip_prefix("//") else {
            continue;
        };
        let marker_len = if code.starts_with(' ') { 3 } else { 2 };
        let code = code.trim();
        if patterns.iter().any(|p| {
            code.strip_prefix(p.as_str())
                .and_then(|r| r.strip_prefix(name))
                .is_some_and(|r| !r.starts_with(is_ident_char))
        }) || code
            .strip_prefix(name)
            .is_some_and(|r| r.trim_start().starts_with(":=") || r.trim_start().starts_with(", "))
        {
            out.push(Edit {
                file: file.to_string(),
                byte_start: start + indent,
                byte_end: start + indent + marker_len,
                replacement: String::new(),
            });
        }
    }
    out.reverse();
    out
}

/// Trailing comments that hold code cut off from the statement before them
/// (`x := order[i] // + 1`, `if a.abs() // < t {`): removing the `//` marker puts it back. Only
/// comments starting with an operator or closing delimiter count: prose never does. Returns the
/// marker edits, first line first.
pub(crate) fn commented_code(text: &str, file: &str, hash_comments: bool) -> Vec<Edit> {
    let marker = if hash_comments { "#" } else { "//" };
    let mut out = Vec::new();
    let mut offset = 0usize;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let Some(idx) = find_comment(line, marker) else {
            continue;
        };
        if line[..idx].trim().is_empty() {
            continue;
        }
        let comment = &line[idx + marker.len()..];
        let body = comment.trim_start();
        let looks_like_code = body.starts_with([
            '+', '-', '*', '/', '%', '<', '>', '=', '&', '|', ')', ']', '}', '.',
        ]) && !body.starts_with("//")
            && !body.starts_with("->")
            && body.chars().nth(1).is_some_and(|c| {
                c == ' ' || c == '=' || c.is_alphanumeric() || "&|<>(".contains(c)
            });
        // `acc + x) // n as f32;`: a division written as `//` (the statement goes on).
        let trimmed = body.trim_end();
        let division = !hash_comments
            && body.starts_with(|c: char| c.is_alphanumeric() || c == '_' || c == '(')
            && (trimmed.ends_with(';') || trimmed.ends_with('{'))
            && !line[..idx].trim_end().ends_with([';', '{', '}', ','])
            && !trimmed.contains(". ");
        if looks_like_code {
            out.push(Edit {
                file: file.to_string(),
                byte_start: start + idx,
                byte_end: start + idx + marker.len(),
                replacement: String::new(),
            });
        } else if division {
            out.push(Edit {
                file: file.to_string(),
                byte_start: start + idx,
                byte_end: start + idx + marker.len(),
                replacement: "/".to_string(),
            });
        }
    }
    out
}

/// One fix per commented-out code fragment in the program's editable files.
pub(crate) fn commented_code_fixes(id: &str, program: &Program, hash: bool) -> Vec<Fix> {
    let mut fixes = Vec::new();
    for (file, text) in &program.files {
        if program.protected.contains(file) {
            continue;
        }
        for e in commented_code(text, file, hash).into_iter().take(5) {
            fixes.push(Fix {
                strategy: id.to_string(),
                description: "uncomment the code cut off by a trailing comment".into(),
                confidence: 0.35,
                applicability: crate::fix::FixApplicability::Safe,
                edits: vec![e],
            });
        }
    }
    fixes
}

/// Byte index of a line comment marker outside string literals.
fn find_comment(line: &str, marker: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) if b == b'\\' => i += 1,
            Some(_) => {}
            None if b == b'"' || b == b'`' => quote = Some(b),
            None if line[i..].starts_with(marker) => return Some(i),
            None => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Location;

    fn program(language: TargetLanguage, file: &str, text: &str) -> Program {
        Program::new(language, [(file.to_string(), text.to_string())]).unwrap()
    }

    fn apply(p: &Program, fix: &Fix) -> String {
        let out = crate::fix::apply_fix(p, fix).unwrap();
        out.files.values().next().unwrap().clone()
    }

    #[test]
    fn extracts_undefined_names_from_each_toolchain() {
        let v = |s: &str| Some((s.to_string(), NameKind::Value));
        let m = |s: &str| Some((s.to_string(), NameKind::Member));
        assert_eq!(
            undefined_name("cannot find value `totl` in this scope"),
            v("totl")
        );
        assert_eq!(
            undefined_name("cannot find macro `pritnln` in this scope"),
            v("pritnln")
        );
        assert_eq!(
            undefined_name("failed to resolve: use of undeclared type `HashMpa`"),
            v("HashMpa")
        );
        assert_eq!(
            undefined_name(
                "no method named `lenght` found for struct `Vec<i32>` in the current scope"
            ),
            m("lenght")
        );
        assert_eq!(undefined_name("undefined: x"), v("x"));
        assert_eq!(undefined_name("undeclared name: fmtt"), v("fmtt"));
        assert_eq!(undefined_name("undefined: strings.Contain"), m("Contain"));
        assert_eq!(
            undefined_name(
                "p.Nme undefined (type Person has no field or method Nme, but does have Name)"
            ),
            m("Nme")
        );
        assert_eq!(
            undefined_name("sqrt not declared by package math"),
            m("sqrt")
        );
        assert_eq!(
            undefined_name("NameError: name 'lenght' is not defined"),
            v("lenght")
        );
        assert_eq!(undefined_name("name 'Fasle' is not defined"), v("Fasle"));
        assert_eq!(
            undefined_name("AttributeError: 'list' object has no attribute 'apend'"),
            m("apend")
        );
        assert_eq!(
            undefined_name("ReferenceError: lenght is not defined"),
            v("lenght")
        );
        assert_eq!(
            undefined_name("TypeError: Cannot read properties of undefined (reading 'lenght')"),
            m("lenght")
        );
        assert_eq!(
            undefined_name("TypeError: arr.pussh is not a function"),
            m("pussh")
        );
        assert_eq!(undefined_name("mismatched types"), None);
    }

    #[test]
    fn distance_and_similarity() {
        assert_eq!(osa_distance("pritnln", "println"), 1);
        assert_eq!(osa_distance("retrun", "return"), 1);
        assert_eq!(osa_distance("lenght", "length"), 1);
        assert_eq!(osa_distance("kitten", "sitting"), 3);
        assert_eq!(similarity_score("Fasle", "False"), Some(1.0));
        assert_eq!(similarity_score("Fasle", "false"), Some(1.5));
        assert_eq!(similarity_score("is_upper", "is_uppercase"), Some(2.0));
        assert_eq!(similarity_score("x", "y"), None);
        assert_eq!(similarity_score("size", "len"), None);
    }

    #[test]
    fn rust_misspelled_local() {
        let text = "fn f() -> i32 {\n    let total = 1;\n    totl\n}\n";
        let p = program(TargetLanguage::Rust, "lib.rs", text);
        let e = CodeError::new(
            ErrorType::UndefinedVariable,
            "cannot find value `totl` in this scope",
        )
        .with_code("E0425")
        .with_location(Location::new("lib.rs", 3, 5));
        let fixes = SimilarName.suggest(&e, &p);
        assert_eq!(fixes[0].edits[0].replacement, "total");
        assert_eq!(
            apply(&p, &fixes[0]),
            "fn f() -> i32 {\n    let total = 1;\n    total\n}\n"
        );
        assert!(fixes.len() <= MAX_CANDIDATES);
    }

    #[test]
    fn keyword_and_macro_typos() {
        let text = "fn main() {\n    pritnln!(\"hi\");\n}\n";
        let p = program(TargetLanguage::Rust, "main.rs", text);
        let e = CodeError::new(
            ErrorType::UndefinedVariable,
            "cannot find macro `pritnln` in this scope",
        )
        .with_location(Location::new("main.rs", 2, 5));
        let fixes = SimilarName.suggest(&e, &p);
        assert_eq!(
            apply(&p, &fixes[0]),
            "fn main() {\n    println!(\"hi\");\n}\n"
        );

        let text = "def f(x):\n    return Fasle\n";
        let p = program(TargetLanguage::Python, "main.py", text);
        let e = CodeError::new(ErrorType::UndefinedVariable, "name 'Fasle' is not defined")
            .with_location(Location::new("main.py", 2, 5));
        let fixes = SimilarName.suggest(&e, &p);
        // The location is the start of the statement: the name is found on the line.
        assert_eq!(apply(&p, &fixes[0]), "def f(x):\n    return False\n");
    }

    #[test]
    fn javascript_member_typo() {
        let text = "function f(a) {\n  return a.lenght;\n}\n";
        let p = program(TargetLanguage::JavaScript, "main.js", text);
        let e = CodeError::new(
            ErrorType::UndefinedVariable,
            "TypeError: Cannot read properties of undefined (reading 'lenght')",
        )
        .with_location(Location::new("main.js", 2, 10));
        let fixes = SimilarName.suggest(&e, &p);
        assert_eq!(
            apply(&p, &fixes[0]),
            "function f(a) {\n  return a.length;\n}\n"
        );
    }

    #[test]
    fn go_parameter_and_builtin() {
        let text =
            "package main\n\nfunc area(width, height int) int {\n\treturn widht * height\n}\n";
        let p = program(TargetLanguage::Go, "main.go", text);
        let e = CodeError::new(ErrorType::UndefinedVariable, "undefined: widht")
            .with_code("undefined")
            .with_location(Location::new("main.go", 4, 9));
        let fixes = SimilarName.suggest(&e, &p);
        assert_eq!(
            apply(&p, &fixes[0]),
            "package main\n\nfunc area(width, height int) int {\n\treturn width * height\n}\n"
        );
    }

    #[test]
    fn no_fix_without_a_close_name() {
        let text = "fn f() {\n    zzqx\n}\n";
        let p = program(TargetLanguage::Rust, "lib.rs", text);
        let e = CodeError::new(
            ErrorType::UndefinedVariable,
            "cannot find value `zzqx` in this scope",
        )
        .with_location(Location::new("lib.rs", 2, 5));
        assert!(SimilarName.suggest(&e, &p).is_empty());
    }

    #[test]
    fn identifiers_skip_comments_strings_and_chars() {
        let text = "let a = 'x'; // b\nlet c = \"d\"; /* e */ fn f<'g>() {}";
        let words: Vec<&str> = identifiers(text, TargetLanguage::Rust)
            .into_iter()
            .map(|(_, w)| w)
            .collect();
        assert_eq!(words, ["let", "a", "let", "c", "fn", "f", "g"]);
    }

    #[test]
    fn positions() {
        let text = "ab\ncé d\n";
        assert_eq!(line_bounds(text, 2), Some((3, 8)));
        assert_eq!(line_col_to_byte(text, 2, 3), Some(6));
        assert_eq!(line_of(text, 6), 2);
        assert_eq!(find_word_on_line("x xy x", 1, 4, "x"), Some(5));
    }

    #[test]
    fn finds_commented_out_code() {
        let text = "x := order[i] // + 1 // Convert\ny := 2 // the answer\nif a.abs() // < t {\n";
        let edits = commented_code(text, "m", false);
        let starts: Vec<usize> = edits.iter().map(|e| e.byte_start).collect();
        assert_eq!(starts, [14, 64]);
        let edits = commented_code(
            "let m = s.fold(0.0, f) // n as f32;\nlet y = 1; // keep it;\n",
            "m",
            false,
        );
        assert_eq!(edits.len(), 1);
        assert_eq!(
            (edits[0].byte_start, edits[0].replacement.as_str()),
            (23, "/")
        );
    }

    #[test]
    fn uncomments_a_definition() {
        let text = "fn f() -> i32 {\n    // let x = 2;\n    x\n}\n";
        let edits = uncomment_definitions(
            text,
            "lib.rs",
            "x",
            3,
            &["let ".to_string(), "let mut ".to_string()],
        );
        assert_eq!(edits.len(), 1);
        let p = program(TargetLanguage::Rust, "lib.rs", text);
        let fix = Fix {
            strategy: "t".into(),
            description: String::new(),
            confidence: 0.5,
            applicability: crate::fix::FixApplicability::Safe,
            edits,
        };
        assert_eq!(
            apply(&p, &fix),
            "fn f() -> i32 {\n    let x = 2;\n    x\n}\n"
        );
    }
}
