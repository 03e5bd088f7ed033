//! Language-aware syntax repair: delimiters, separators, unterminated literals and comments,
//! `=` for `==`, and constructs borrowed from the wrong language.
//!
//! Every strategy here works from a small per-language tokenizer ([`lex`]) that skips strings,
//! characters, comments, template literals, raw strings and Python triple quotes, so a `(`
//! inside a string never counts. The strategies propose several plausible candidates with
//! honest confidences: the heal loop validates each one, so a wrong guess costs one run.
//!
//! The tokenizer, the line index and the small helpers at the bottom are shared with the
//! Python and JavaScript strategies (`pub(crate)`).

use std::sync::Arc;

use crate::fix::{Edit, Fix, FixStrategy};
use crate::program::Program;
use crate::types::{CodeError, ErrorType, TargetLanguage};

pub fn strategies() -> Vec<Arc<dyn FixStrategy>> {
    vec![
        FnStrategy::arc("any.delimiters", delimiters),
        FnStrategy::arc("any.separators", separators),
        FnStrategy::arc("any.missing-colon", missing_colon),
        FnStrategy::arc("any.unterminated-string", unterminated_string),
        FnStrategy::arc("any.comments", comments),
        FnStrategy::arc("any.assignment-comparison", assignment_comparison),
        FnStrategy::arc("any.foreign-syntax", foreign_syntax),
    ]
}

// ---------------------------------------------------------------------------------------------
// Strategy plumbing shared by the syntax, Python and JavaScript strategies.

/// A strategy that is just a function.
pub(crate) struct FnStrategy {
    id: &'static str,
    suggest: fn(&str, &CodeError, &Program) -> Vec<Fix>,
}

impl FnStrategy {
    pub(crate) fn arc(
        id: &'static str,
        suggest: fn(&str, &CodeError, &Program) -> Vec<Fix>,
    ) -> Arc<dyn FixStrategy> {
        Arc::new(FnStrategy { id, suggest })
    }
}

impl FixStrategy for FnStrategy {
    fn id(&self) -> &str {
        self.id
    }

    fn suggest(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        (self.suggest)(self.id, error, program)
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
            applicability: crate::fix::FixApplicability::Safe,
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

pub(crate) fn edit(file: &str, start: usize, end: usize, text: &str) -> Edit {
    Edit {
        file: file.to_string(),
        byte_start: start,
        byte_end: end,
        replacement: text.to_string(),
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
        lang: program.language,
        lines,
        line,
        offset,
        end,
    })
}

/// A program file that fixes may edit, found by its program-relative (or sandbox) path.
pub(crate) fn editable_file<'a>(program: &'a Program, path: &str) -> Option<(&'a str, &'a str)> {
    let path = crate::diagnostics::program_path(path);
    let (name, text) = program.files.get_key_value(path)?;
    if program.protected.contains(path) {
        return None;
    }
    Some((name.as_str(), text.as_str()))
}

/// The editable source files of the program's language: where whole-program heuristics look
/// when an error (a failed test) points at a protected file or nowhere.
pub(crate) fn editable_sources(program: &Program) -> Vec<(&str, &str)> {
    program
        .files
        .iter()
        .filter(|(name, _)| !program.protected.contains(*name))
        .filter(|(name, _)| {
            let ext = name.rsplit('.').next().unwrap_or("");
            TargetLanguage::from_extension(ext) == Some(program.language)
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

// ---------------------------------------------------------------------------------------------
// Lines.

/// Byte offsets of line starts.
pub(crate) struct LineIndex {
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        if starts.len() > 1 && starts.last() == Some(&text.len()) {
            starts.pop();
        }
        LineIndex {
            starts,
            len: text.len(),
        }
    }

    pub(crate) fn count(&self) -> usize {
        self.starts.len()
    }

    /// Start and end (before the newline) of 1-based `line`.
    pub(crate) fn range(&self, text: &str, line: usize) -> (usize, usize) {
        let i = line.clamp(1, self.count()) - 1;
        let start = self.starts[i];
        let end = self.starts.get(i + 1).map_or(self.len, |s| s - 1);
        let end = if end > start && text.as_bytes().get(end - 1) == Some(&b'\r') {
            end - 1
        } else {
            end
        };
        (start, end.max(start))
    }

    /// 1-based line of a byte offset.
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset).max(1)
    }

    /// Byte offset of 1-based `line`, 1-based character `column` (0: the first non-blank
    /// character), clamped to the line's end.
    pub(crate) fn offset(&self, text: &str, line: usize, column: usize) -> usize {
        let (start, end) = self.range(text, line);
        let body = &text[start..end];
        if column == 0 {
            return start + (body.len() - body.trim_start().len());
        }
        body.char_indices()
            .nth(column - 1)
            .map_or(end, |(i, _)| start + i)
    }
}

/// The leading whitespace of the line containing `offset`.
pub(crate) fn indent_of(text: &str, lines: &LineIndex, line: usize) -> String {
    let (s, e) = lines.range(text, line);
    text[s..e]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

/// Indentation width (tabs count as 8 columns, as Python does).
pub(crate) fn indent_width(indent: &str) -> usize {
    indent
        .chars()
        .fold(0, |w, c| if c == '\t' { (w / 8 + 1) * 8 } else { w + 1 })
}

// ---------------------------------------------------------------------------------------------
// Tokenizer.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Ident,
    Number,
    /// Any string-like literal: strings, chars, template literals, regex literals.
    Str,
    Comment,
    Punct,
    Open,
    Close,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
    /// False for a string or block comment that runs to the end of its line or file.
    pub terminated: bool,
}

impl Token {
    pub(crate) fn text<'a>(&self, src: &'a str) -> &'a str {
        &src[self.start..self.end]
    }

    /// Whether the token can end an operand (`x`, `1`, `"s"`, `)`).
    pub(crate) fn ends_operand(&self, src: &str) -> bool {
        match self.kind {
            Kind::Number | Kind::Str | Kind::Close => true,
            Kind::Ident => !is_keyword_operator(self.text(src)),
            _ => false,
        }
    }

    /// Whether the token can start an operand.
    pub(crate) fn starts_operand(&self, src: &str) -> bool {
        match self.kind {
            Kind::Number | Kind::Str | Kind::Open => true,
            Kind::Ident => !is_keyword_operator(self.text(src)),
            _ => false,
        }
    }
}

/// Words that join operands rather than being one.
fn is_keyword_operator(word: &str) -> bool {
    matches!(
        word,
        "and"
            | "or"
            | "not"
            | "in"
            | "is"
            | "if"
            | "else"
            | "for"
            | "instanceof"
            | "of"
            | "as"
            | "from"
            | "return"
            | "lambda"
            | "typeof"
            | "new"
            | "await"
            | "yield"
            | "async"
            | "let"
            | "const"
            | "var"
            | "def"
            | "class"
            | "elif"
            | "while"
            | "with"
            | "import"
            | "case"
            | "func"
            | "fn"
            | "mut"
            | "pub"
            | "where"
            | "go"
            | "defer"
            | "match"
    )
}

const OPERATORS: &[&str] = &[
    ">>>=", "===", "!==", "...", "**=", "//=", ">>=", "<<=", ">>>", "&&=", "||=", "??=", "..=",
    "=>", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "&&", "||", "??",
    "?.", "::", ":=", "->", "**", "//", "<<", ">>", "++", "--", "<-", "..",
];

fn ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b'$' || b >= 0x80
}

fn ident_continue(b: u8) -> bool {
    ident_start(b) || b.is_ascii_digit()
}

/// Tokens of `src` for `lang`. Never fails: unknown bytes become one-byte punctuation.
pub(crate) fn lex(lang: TargetLanguage, src: &str) -> Vec<Token> {
    let b = src.as_bytes();
    let n = b.len();
    let mut out: Vec<Token> = Vec::new();
    let mut i = 0;
    let tok = |kind, start, end, terminated| Token {
        kind,
        start,
        end,
        terminated,
    };
    while i < n {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        // Comments.
        if lang == TargetLanguage::Python && c == b'#' {
            let end = line_end(b, i);
            out.push(tok(Kind::Comment, start, end, true));
            i = end;
            continue;
        }
        if lang != TargetLanguage::Python && c == b'/' && i + 1 < n && b[i + 1] == b'/' {
            let end = line_end(b, i);
            out.push(tok(Kind::Comment, start, end, true));
            i = end;
            continue;
        }
        if lang != TargetLanguage::Python && c == b'/' && i + 1 < n && b[i + 1] == b'*' {
            let (end, terminated) = block_comment(b, i, lang == TargetLanguage::Rust);
            out.push(tok(Kind::Comment, start, end, terminated));
            i = end;
            continue;
        }
        // Identifiers, with string prefixes where the language has them.
        if ident_start(c) {
            let mut j = i + 1;
            while j < n && ident_continue(b[j]) {
                j += 1;
            }
            let word = &src[i..j];
            if j < n {
                let q = b[j];
                let lower = word.to_ascii_lowercase();
                if lang == TargetLanguage::Python
                    && (q == b'\'' || q == b'"')
                    && matches!(
                        lower.as_str(),
                        "r" | "b" | "f" | "u" | "rb" | "br" | "fr" | "rf"
                    )
                {
                    let (end, terminated) = python_string(b, j);
                    out.push(tok(Kind::Str, start, end, terminated));
                    i = end;
                    continue;
                }
                if lang == TargetLanguage::Rust
                    && matches!(word, "r" | "br" | "cr")
                    && (q == b'"' || q == b'#')
                {
                    if let Some((end, terminated)) = rust_raw_string(b, j) {
                        out.push(tok(Kind::Str, start, end, terminated));
                        i = end;
                        continue;
                    }
                }
                if lang == TargetLanguage::Rust
                    && matches!(word, "b" | "c")
                    && (q == b'"' || q == b'\'')
                {
                    let (end, terminated) = quoted_literal(b, j, q, true);
                    out.push(tok(Kind::Str, start, end, terminated));
                    i = end;
                    continue;
                }
            }
            out.push(tok(Kind::Ident, start, j, true));
            i = j;
            continue;
        }
        if c.is_ascii_digit() || (c == b'.' && i + 1 < n && b[i + 1].is_ascii_digit()) {
            let mut j = i + 1;
            while j < n {
                let d = b[j];
                let exponent_sign = (d == b'+' || d == b'-')
                    && matches!(b[j - 1], b'e' | b'E')
                    && !src[i..j].starts_with("0x");
                let fraction = d == b'.' && j + 1 < n && b[j + 1].is_ascii_digit();
                if d.is_ascii_alphanumeric() || d == b'_' || fraction || exponent_sign {
                    j += 1;
                } else {
                    break;
                }
            }
            out.push(tok(Kind::Number, start, j, true));
            i = j;
            continue;
        }
        // Strings and characters.
        match (lang, c) {
            (TargetLanguage::Python, b'\'' | b'"') => {
                let (end, terminated) = python_string(b, i);
                out.push(tok(Kind::Str, start, end, terminated));
                i = end;
                continue;
            }
            (TargetLanguage::JavaScript, b'\'' | b'"') | (TargetLanguage::Go, b'"') => {
                let (end, terminated) = quoted_literal(b, i, c, false);
                out.push(tok(Kind::Str, start, end, terminated));
                i = end;
                continue;
            }
            (TargetLanguage::Rust, b'"') => {
                let (end, terminated) = quoted_literal(b, i, c, true);
                out.push(tok(Kind::Str, start, end, terminated));
                i = end;
                continue;
            }
            (TargetLanguage::Go, b'\'') => {
                let (end, terminated) = quoted_literal(b, i, c, false);
                out.push(tok(Kind::Str, start, end, terminated));
                i = end;
                continue;
            }
            (TargetLanguage::Rust, b'\'') => {
                if let Some(end) = rust_char(src, i) {
                    out.push(tok(Kind::Str, start, end, true));
                    i = end;
                } else {
                    // A lifetime or label: `'a`.
                    let mut j = i + 1;
                    while j < n && ident_continue(b[j]) {
                        j += 1;
                    }
                    out.push(tok(Kind::Ident, start, j, true));
                    i = j;
                }
                continue;
            }
            (TargetLanguage::Go, b'`') => {
                let end = src[i + 1..].find('`').map(|k| i + 1 + k + 1);
                out.push(tok(Kind::Str, start, end.unwrap_or(n), end.is_some()));
                i = end.unwrap_or(n);
                continue;
            }
            (TargetLanguage::JavaScript, b'`') => {
                let (end, terminated) = template_literal(b, i);
                out.push(tok(Kind::Str, start, end, terminated));
                i = end;
                continue;
            }
            (TargetLanguage::JavaScript, b'/') if regex_allowed(src, out.last()) => {
                let (end, terminated) = regex_literal(b, i);
                out.push(tok(Kind::Str, start, end, terminated));
                i = end;
                continue;
            }
            _ => {}
        }
        match c {
            b'(' | b'[' | b'{' => out.push(tok(Kind::Open, start, i + 1, true)),
            b')' | b']' | b'}' => out.push(tok(Kind::Close, start, i + 1, true)),
            _ => {
                let len = OPERATORS
                    .iter()
                    .find(|op| src[i..].starts_with(**op))
                    .map_or_else(
                        || src[i..].chars().next().map_or(1, char::len_utf8),
                        |op| op.len(),
                    );
                out.push(tok(Kind::Punct, start, i + len, true));
                i += len;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// Offset of the end of the line holding `i` (before `\r\n` or `\n`).
fn line_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i] != b'\n' {
        i += 1;
    }
    if i > 0 && b[i - 1] == b'\r' {
        i - 1
    } else {
        i
    }
}

fn block_comment(b: &[u8], i: usize, nested: bool) -> (usize, bool) {
    let mut depth = 0usize;
    let mut j = i;
    while j + 1 < b.len() {
        if b[j] == b'/' && b[j + 1] == b'*' {
            depth = if nested || depth == 0 {
                depth + 1
            } else {
                depth
            };
            j += 2;
        } else if b[j] == b'*' && b[j + 1] == b'/' {
            depth -= 1;
            j += 2;
            if depth == 0 {
                return (j, true);
            }
        } else {
            j += 1;
        }
    }
    (b.len(), false)
}

/// A quoted literal that ends at the matching quote; at a newline unless `multiline`.
fn quoted_literal(b: &[u8], i: usize, quote: u8, multiline: bool) -> (usize, bool) {
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'\n' if !multiline => return (line_end(b, j), false),
            c if c == quote => return (j + 1, true),
            _ => j += 1,
        }
    }
    (b.len(), false)
}

/// A Python string from its quote at `i` (raw strings too: a backslash still keeps the next
/// quote inside them).
fn python_string(b: &[u8], i: usize) -> (usize, bool) {
    let q = b[i];
    if i + 2 < b.len() && b[i + 1] == q && b[i + 2] == q {
        let mut j = i + 3;
        while j < b.len() {
            if b[j] == b'\\' {
                j += 2;
                continue;
            }
            if b[j] == q && j + 2 < b.len() && b[j + 1] == q && b[j + 2] == q {
                return (j + 3, true);
            }
            j += 1;
        }
        return (b.len(), false);
    }
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'\n' => return (if b[j - 1] == b'\r' { j - 1 } else { j }, false),
            c if c == q => return (j + 1, true),
            _ => j += 1,
        }
    }
    (b.len(), false)
}

fn rust_raw_string(b: &[u8], mut j: usize) -> Option<(usize, bool)> {
    let mut hashes = 0;
    while j < b.len() && b[j] == b'#' {
        hashes += 1;
        j += 1;
    }
    if j >= b.len() || b[j] != b'"' {
        return None;
    }
    j += 1;
    while j < b.len() {
        if b[j] == b'"'
            && b[j + 1..]
                .iter()
                .take(hashes)
                .filter(|c| **c == b'#')
                .count()
                == hashes
            && b.len() >= j + 1 + hashes
        {
            return Some((j + 1 + hashes, true));
        }
        j += 1;
    }
    Some((b.len(), false))
}

fn rust_char(src: &str, i: usize) -> Option<usize> {
    let rest = &src[i + 1..];
    let mut chars = rest.char_indices();
    let (_, c) = chars.next()?;
    if c == '\\' {
        // An escape: find the closing quote within a few characters on this line.
        let close = rest[1..].find(['\'', '\n'])? + 1;
        return (rest.as_bytes()[close] == b'\'' && close <= 10).then_some(i + 1 + close + 1);
    }
    if c == '\'' || c == '\n' {
        return None;
    }
    let (k, next) = chars.next()?;
    (next == '\'').then_some(i + 1 + k + 1)
}

fn template_literal(b: &[u8], i: usize) -> (usize, bool) {
    let mut j = i + 1;
    let mut depth = 0usize;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'`' if depth == 0 => return (j + 1, true),
            b'$' if depth == 0 && b.get(j + 1) == Some(&b'{') => {
                depth = 1;
                j += 2;
            }
            b'{' if depth > 0 => {
                depth += 1;
                j += 1;
            }
            b'}' if depth > 0 => {
                depth -= 1;
                j += 1;
            }
            q @ (b'\'' | b'"') if depth > 0 => j = quoted_literal(b, j, q, false).0,
            b'`' => j = template_literal(b, j).0,
            _ => j += 1,
        }
    }
    (b.len(), false)
}

fn regex_allowed(src: &str, prev: Option<&Token>) -> bool {
    match prev {
        None => true,
        Some(t) => match t.kind {
            Kind::Number | Kind::Str | Kind::Close => false,
            Kind::Ident => matches!(
                t.text(src),
                "return"
                    | "typeof"
                    | "case"
                    | "do"
                    | "else"
                    | "in"
                    | "of"
                    | "new"
                    | "delete"
                    | "void"
                    | "throw"
                    | "yield"
                    | "await"
                    | "instanceof"
            ),
            Kind::Punct => !matches!(t.text(src), "++" | "--"),
            Kind::Open | Kind::Comment => true,
        },
    }
}

fn regex_literal(b: &[u8], i: usize) -> (usize, bool) {
    let mut j = i + 1;
    let mut class = false;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'\n' => return (j, false),
            b'[' => {
                class = true;
                j += 1;
            }
            b']' => {
                class = false;
                j += 1;
            }
            b'/' if !class => {
                j += 1;
                while j < b.len() && ident_continue(b[j]) {
                    j += 1;
                }
                return (j, true);
            }
            _ => j += 1,
        }
    }
    (b.len(), false)
}

/// Tokens without comments.
pub(crate) fn code_tokens(lang: TargetLanguage, src: &str) -> Vec<Token> {
    lex(lang, src)
        .into_iter()
        .filter(|t| t.kind != Kind::Comment)
        .collect()
}

/// Index of the first token that ends after `offset`.
pub(crate) fn token_at(tokens: &[Token], offset: usize) -> usize {
    tokens.partition_point(|t| t.end <= offset)
}

/// Index of the closer matching the opener at token `open`.
pub(crate) fn matching_close(tokens: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (k, t) in tokens.iter().enumerate().skip(open) {
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(k);
                }
            }
            _ => {}
        }
    }
    None
}

/// Whether every delimiter in `src` is matched (strings and comments skipped).
pub(crate) fn balanced(lang: TargetLanguage, src: &str) -> bool {
    imbalances(src, &code_tokens(lang, src)).is_empty()
}

pub(crate) fn closer_for(open: &str) -> &'static str {
    match open {
        "(" => ")",
        "[" => "]",
        _ => "}",
    }
}

fn opener_for(close: &str) -> &'static str {
    match close {
        ")" => "(",
        "]" => "[",
        _ => "{",
    }
}

// ---------------------------------------------------------------------------------------------
// any.delimiters

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Imbalance {
    /// `open` was closed by the wrong closer `close`.
    Mismatch { open: usize, close: usize },
    /// `open` is never closed.
    Unclosed { open: usize },
    /// `close` closes nothing.
    Stray { close: usize },
}

/// Unbalanced delimiters, in source order (token indexes).
fn imbalances(src: &str, tokens: &[Token]) -> Vec<Imbalance> {
    let mut stack: Vec<usize> = Vec::new();
    let mut found = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        match t.kind {
            Kind::Open => stack.push(i),
            Kind::Close => {
                let want = opener_for(t.text(src));
                match stack.last() {
                    Some(&top) if tokens[top].text(src) == want => {
                        stack.pop();
                    }
                    Some(&top) => {
                        found.push(Imbalance::Mismatch {
                            open: top,
                            close: i,
                        });
                        // Recover: if a deeper opener matches, the ones above it are unclosed;
                        // otherwise this closer is the stray one.
                        if let Some(k) = stack.iter().rposition(|&o| tokens[o].text(src) == want) {
                            stack.truncate(k);
                        }
                    }
                    None => found.push(Imbalance::Stray { close: i }),
                }
            }
            _ => {}
        }
    }
    found.extend(stack.into_iter().map(|open| Imbalance::Unclosed { open }));
    found
}

/// How tightly a binary operator binds (higher binds tighter); None for anything else.
pub(crate) fn precedence(op: &str) -> Option<u8> {
    Some(match op {
        "||" | "or" | "??" => 1,
        "&&" | "and" => 2,
        "|" => 3,
        "^" => 4,
        "&" => 5,
        "==" | "!=" | "===" | "!==" => 6,
        "<" | ">" | "<=" | ">=" | "in" | "instanceof" | "is" => 7,
        "<<" | ">>" | ">>>" => 8,
        "+" | "-" => 9,
        "*" | "/" | "%" | "//" | "@" => 10,
        "**" => 11,
        _ => return None,
    })
}

/// `=` and the augmented assignments (`+=`, `//=`…), not comparisons or `=>`.
pub(crate) fn is_assignment(op: &str) -> bool {
    op == "="
        || (op.len() >= 2
            && op.ends_with('=')
            && !matches!(op, "==" | "!=" | "<=" | ">=" | "===" | "!==" | "=>"))
}

/// Where the closer for `tokens[open]` could go, between the opener and byte `limit`, with a
/// confidence for each: `(offset, confidence)`.
fn closing_positions(src: &str, tokens: &[Token], open: usize, limit: usize) -> Vec<(usize, f64)> {
    let opener = tokens[open].text(src);
    let prev = open.checked_sub(1).map(|p| &tokens[p]);
    // A grouping paren (not a call, not a condition) is where precedence tells us most.
    let grouping = opener == "("
        && prev.is_none_or(|p| {
            !p.ends_operand(src)
                && !matches!(p.text(src), "if" | "while" | "for" | "switch" | "elif")
        });
    let subscript = opener == "[" && prev.is_some_and(|p| p.ends_operand(src));
    let mut out: Vec<(usize, f64)> = Vec::new();
    let mut depth = 0i32;
    let mut min_inside: Option<u8> = None;
    let mut i = open + 1;
    while i < tokens.len() && tokens[i].end <= limit {
        let t = &tokens[i];
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            break;
        }
        if depth == 0 {
            // A parameter list ends before a return type: `(a: Vec<f32> -> f32 {`.
            if t.text(src) == "->" && i > open + 1 {
                out.push((tokens[i - 1].end, 0.55));
            }
            if let Some(p) = precedence(t.text(src)).filter(|_| t.kind != Kind::Str) {
                // Binary use only: an operator right after an operand.
                if i > open + 1 && tokens[i - 1].ends_operand(src) {
                    min_inside = Some(min_inside.map_or(p, |m| m.min(p)));
                }
            }
            if t.ends_operand(src) && !(t.kind == Kind::Open) {
                let next = tokens.get(i + 1).filter(|n| n.start < limit);
                let attached = next.is_some_and(|n| {
                    (n.kind == Kind::Open && n.start == t.end && n.text(src) != "{")
                        || matches!(n.text(src), "." | "?." | "::")
                });
                if !attached {
                    let conf = match next {
                        None => 0.5,
                        Some(n) => {
                            let op = n.text(src);
                            if subscript && is_assignment(op) {
                                0.6
                            } else if grouping
                                && precedence(op).is_some_and(|p| min_inside.is_some_and(|m| p > m))
                            {
                                0.55
                            } else if is_assignment(op) || matches!(op, ";" | "," | ":") {
                                0.4
                            } else {
                                0.3
                            }
                        }
                    };
                    out.push((t.end, conf));
                }
            }
        }
        i += 1;
    }
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
    out.truncate(5);
    out
}

/// End of the code on the line holding `offset`: before a trailing comment, whitespace, and
/// (for headers and statements) a final `:`, `;` or `{`.
fn code_end_of_line(lang: TargetLanguage, src: &str, lines: &LineIndex, offset: usize) -> usize {
    let line = lines.line_of(offset);
    let (ls, le) = lines.range(src, line);
    let toks = lex(lang, &src[ls..le]);
    let mut end = toks
        .iter()
        .rev()
        .find(|t| t.kind != Kind::Comment)
        .map_or(le, |t| ls + t.end);
    if let Some(last) = toks.iter().rev().find(|t| t.kind != Kind::Comment) {
        if matches!(last.text(&src[ls..le]), ":" | ";" | "{") && ls + last.start > offset {
            end = ls + last.start;
            // Keep `x) {` → insert before the space too.
            while end > offset && src.as_bytes()[end - 1] == b' ' {
                end -= 1;
            }
        }
    }
    end.max(offset.min(le))
}

fn delimiters(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    if !is_syntax(error) {
        return Vec::new();
    }
    let mut fixes = Fixes::new(id);
    let after = closer_after_error(error);
    let targets: Vec<(&str, &str, Option<usize>)> = match target(error, program) {
        Some(t) if after => {
            let at = end_of_token_at(&code_tokens(program.language, t.text), t.offset);
            vec![(t.file, t.text, Some(at))]
        }
        Some(t) => vec![(t.file, t.text, Some(t.offset))],
        None if error.location.is_none() => editable_sources(program)
            .into_iter()
            .map(|(f, t)| (f, t, None))
            .collect(),
        None => Vec::new(),
    };
    for (file, src, at) in targets {
        delimiter_fixes(&mut fixes, program.language, file, src, at);
    }
    fixes.done()
}

/// V8's `missing ) after argument list` points at the last token before the missing closer
/// (`f(a, b;` → `b`), not at the token that cannot follow it: the closer belongs after it.
fn closer_after_error(error: &CodeError) -> bool {
    let msg = message(error);
    msg.starts_with("missing ") && msg.contains(" after ")
}

/// The end of the token that contains `offset`, or `offset` when it is between tokens.
fn end_of_token_at(tokens: &[Token], offset: usize) -> usize {
    tokens
        .get(token_at(tokens, offset))
        .filter(|t| t.start <= offset)
        .map_or(offset, |t| t.end)
}

fn delimiter_fixes(
    fixes: &mut Fixes<'_>,
    lang: TargetLanguage,
    file: &str,
    src: &str,
    at: Option<usize>,
) {
    let tokens = code_tokens(lang, src);
    let lines = LineIndex::new(src);
    let found = imbalances(src, &tokens);
    if found.is_empty() {
        return;
    }
    // Block braces first: indentation says where a `}` is missing far better than nesting does.
    if lang != TargetLanguage::Python {
        for (offset, insert) in missing_block_closers(src, &tokens, &lines) {
            fixes.push(
                0.6,
                format!("insert the missing `}}` at line {}", lines.line_of(offset)),
                vec![edit(file, offset, offset, &insert)],
            );
        }
    }
    // Nearest problem to the error first.
    let mut ordered = found.clone();
    if let Some(at) = at {
        let dist = |im: &Imbalance| {
            let k = match im {
                Imbalance::Mismatch { open, .. } | Imbalance::Unclosed { open } => *open,
                Imbalance::Stray { close } => *close,
            };
            let off = tokens[k].start;
            if off <= at {
                at - off
            } else {
                (off - at) * 2
            }
        };
        ordered.sort_by_key(dist);
    }
    for im in ordered.into_iter().take(3) {
        match im {
            Imbalance::Mismatch { open, close } => {
                let o = tokens[open];
                let c = tokens[close];
                let want = closer_for(o.text(src));
                let limit = match at {
                    Some(a) if a > o.end && a <= c.start => a,
                    _ => c.start,
                };
                // A brace block that never closed is handled by the indentation pass; here
                // only statement-level delimiters.
                if o.text(src) != "{" {
                    let limit = limit.min(if lang == TargetLanguage::Python {
                        c.start
                    } else {
                        statement_end(src, &tokens, open, limit)
                    });
                    for (pos, conf) in closing_positions(src, &tokens, open, limit) {
                        fixes.push(
                            conf,
                            format!(
                                "close `{}` from line {} with `{want}` at line {}",
                                o.text(src),
                                lines.line_of(o.start),
                                lines.line_of(pos)
                            ),
                            vec![edit(file, pos, pos, want)],
                        );
                    }
                    fixes.push(
                        0.35,
                        format!(
                            "delete the unmatched `{}` at line {}",
                            o.text(src),
                            lines.line_of(o.start)
                        ),
                        vec![edit(file, o.start, o.end, "")],
                    );
                }
                fixes.push(
                    0.3,
                    format!(
                        "replace `{}` with `{want}` at line {}",
                        c.text(src),
                        lines.line_of(c.start)
                    ),
                    vec![edit(file, c.start, c.end, want)],
                );
            }
            Imbalance::Unclosed { open } => {
                let o = tokens[open];
                let want = closer_for(o.text(src));
                if o.text(src) == "{" && lang != TargetLanguage::Python {
                    let end = src.trim_end().len();
                    let indent = indent_of(src, &lines, lines.line_of(o.start));
                    fixes.push(
                        0.4,
                        "close the last open block at the end of the file",
                        vec![edit(file, end, end, &format!("\n{indent}}}"))],
                    );
                    continue;
                }
                let limit = match at {
                    Some(a) if a > o.end && lines.line_of(a) == lines.line_of(o.start) => a,
                    _ => code_end_of_line(lang, src, &lines, o.end),
                };
                let limit = limit.max(o.end);
                let mut positions = closing_positions(src, &tokens, open, limit);
                if positions.is_empty() {
                    positions.push((limit, 0.5));
                }
                for (pos, conf) in positions {
                    fixes.push(
                        conf,
                        format!(
                            "close `{}` from line {} with `{want}`",
                            o.text(src),
                            lines.line_of(o.start)
                        ),
                        vec![edit(file, pos, pos, want)],
                    );
                }
            }
            Imbalance::Stray { close } => {
                let c = tokens[close];
                // `fn name x: T)`: the parameter list lost its `(`.
                let line_start = lines.range(src, lines.line_of(c.start)).0;
                let head = token_at(&tokens, line_start);
                let def = (head..close)
                    .find(|&k| matches!(tokens[k].text(src), "fn" | "def" | "function" | "func"));
                if let Some(k) = def.filter(|_| c.text(src) == ")") {
                    let name = tokens.get(k + 1).filter(|n| n.kind == Kind::Ident);
                    if let Some(n) = name.filter(|_| {
                        tokens
                            .get(k + 2)
                            .is_some_and(|p| p.text(src) != "(" && p.text(src) != "<")
                    }) {
                        fixes.push(
                            0.6,
                            format!("open the parameter list of `{}`", n.text(src)),
                            vec![edit(file, n.end, tokens[k + 2].start, "(")],
                        );
                    }
                }
                let conf = if at.is_some_and(|a| a >= c.start && a <= c.end) {
                    0.55
                } else {
                    0.4
                };
                fixes.push(
                    conf,
                    format!(
                        "delete the unmatched `{}` at line {}",
                        c.text(src),
                        lines.line_of(c.start)
                    ),
                    vec![edit(file, c.start, c.end, "")],
                );
            }
        }
    }
}

/// For brace languages, the end of the statement an opener belongs to: the first `;` at the
/// opener's depth, or `limit`.
fn statement_end(src: &str, tokens: &[Token], open: usize, limit: usize) -> usize {
    let mut depth = 0i32;
    for t in &tokens[open + 1..] {
        if t.start >= limit {
            break;
        }
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close => depth -= 1,
            Kind::Punct if depth == 0 && t.text(src) == ";" => return t.start,
            _ => {}
        }
    }
    limit
}

/// Where indentation says a block's `}` is missing: a `{` ending its line opens a block whose
/// body is indented deeper; the first later line at or left of the opener's indentation that
/// does not start with a closer ends the block without one. Returns (offset, text to insert).
fn missing_block_closers(src: &str, tokens: &[Token], lines: &LineIndex) -> Vec<(usize, String)> {
    let mut stack: Vec<(usize, usize, String)> = Vec::new(); // (token, indent width, indent)
    let mut out = Vec::new();
    let mut last_line = 0;
    for (i, t) in tokens.iter().enumerate() {
        let line = lines.line_of(t.start);
        if line != last_line {
            last_line = line;
            let indent = indent_of(src, lines, line);
            let width = indent_width(&indent);
            if t.kind != Kind::Close {
                while let Some((_, w, ind)) = stack.last() {
                    if *w >= width && tokens[stack.last().map_or(0, |s| s.0)].text(src) == "{" {
                        out.push((lines.range(src, line).0, format!("{ind}}}\n")));
                        stack.pop();
                    } else {
                        break;
                    }
                }
            }
        }
        match t.kind {
            Kind::Open => {
                let ends_line = tokens
                    .get(i + 1)
                    .is_none_or(|n| lines.line_of(n.start) != line);
                // Only block openers take part; others are tracked with an infinite width.
                let indent = indent_of(src, lines, line);
                let width = if ends_line && t.text(src) == "{" {
                    indent_width(&indent)
                } else {
                    usize::MAX
                };
                stack.push((i, width, indent));
            }
            Kind::Close => {
                // Pop through unclosed statement-level openers to the matching one.
                let want = opener_for(t.text(src));
                while let Some((k, _, _)) = stack.pop() {
                    if tokens[k].text(src) == want {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    // Blocks still open at the end of the file close there, innermost first.
    let end = src.trim_end().len();
    for (_, w, ind) in stack.into_iter().rev() {
        if w != usize::MAX {
            out.push((end, format!("\n{ind}}}")));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// any.separators

fn separators(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    if !is_syntax(error) {
        return Vec::new();
    }
    let Some(t) = target(error, program) else {
        return Vec::new();
    };
    let msg = message(error);
    let mut fixes = Fixes::new(id);
    let tokens = code_tokens(t.lang, t.text);
    let i = token_at(&tokens, t.offset);
    let (Some(cur), Some(prev)) = (tokens.get(i), i.checked_sub(1).and_then(|p| tokens.get(p)))
    else {
        return Vec::new();
    };
    let src = t.text;
    let same_line = t.lines.line_of(prev.start) == t.lines.line_of(cur.start);
    // Two operands side by side: a missing `,` (`x y = p`, `for i c in`, `f(a b)`).
    if prev.ends_operand(src) && cur.starts_operand(src) && same_line {
        let conf = if t.lang == TargetLanguage::Python {
            0.5
        } else {
            0.4
        };
        fixes.push(
            conf,
            format!(
                "insert `,` between `{}` and `{}`",
                prev.text(src),
                cur.text(src)
            ),
            vec![edit(t.file, prev.end, prev.end, ",")],
        );
    }
    // A statement that ran into the next one: a missing `;`.
    if t.lang != TargetLanguage::Python
        && prev.ends_operand(src)
        && (!same_line || msg.contains("expected `;`") || msg.contains("expected ';'"))
    {
        fixes.push(
            0.45,
            format!("insert `;` after `{}`", prev.text(src)),
            vec![edit(t.file, prev.end, prev.end, ";")],
        );
    }
    // A separator of the wrong kind: `;` inside a call or list, `,` ending a statement.
    let sep = |tok: &Token| matches!(tok.text(src), ";" | "," | ":") && tok.kind == Kind::Punct;
    for tok in [cur, prev] {
        if !sep(tok) || lines_differ(&t.lines, tok, cur) {
            continue;
        }
        let inside = enclosing_open(src, &tokens, token_at(&tokens, tok.start));
        let wanted: &[&str] = match (tok.text(src), inside) {
            (";", Some("(" | "[")) => &[","],
            (";", Some("{")) if t.lang == TargetLanguage::Python => &[",", ":"],
            (";", _) => &[",", ":"],
            (",", None) => &[";", ":"],
            (",", Some(_)) => &[":", ";"],
            (_, Some("(" | "[")) => &[","],
            _ => &[",", ";"],
        };
        for (k, w) in wanted.iter().enumerate() {
            fixes.replace(
                0.45 - 0.1 * k as f64,
                format!("replace `{}` with `{w}`", tok.text(src)),
                t.file,
                tok.start,
                tok.end,
                w,
            );
        }
    }
    fixes.done()
}

fn lines_differ(lines: &LineIndex, a: &Token, b: &Token) -> bool {
    lines.line_of(a.start) != lines.line_of(b.start)
}

/// The innermost delimiter open at token `i`, if any.
pub(crate) fn enclosing_open<'s>(src: &'s str, tokens: &[Token], i: usize) -> Option<&'s str> {
    let mut depth = 0i32;
    for t in tokens[..i.min(tokens.len())].iter().rev() {
        match t.kind {
            Kind::Close => depth += 1,
            Kind::Open if depth == 0 => return Some(t.text(src)),
            Kind::Open => depth -= 1,
            _ => {}
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// any.missing-colon (Python block headers)

const PY_HEADERS: &[&str] = &[
    "def", "if", "elif", "else", "for", "while", "try", "except", "finally", "with", "class",
    "async", "match", "case",
];

fn missing_colon(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    if program.language != TargetLanguage::Python || !is_syntax(error) {
        return Vec::new();
    }
    let Some(t) = target(error, program) else {
        return Vec::new();
    };
    let msg = message(error);
    let explicit = msg.contains("expected ':'");
    let mut fixes = Fixes::new(id);
    // The header is the error's line, or the nearest header above it (a multi-line header, or
    // an error reported on the body's first line).
    for line in (t.line.saturating_sub(3).max(1)..=t.line).rev() {
        let (ls, le) = t.lines.range(t.text, line);
        let toks = lex(TargetLanguage::Python, &t.text[ls..le]);
        let code: Vec<&Token> = toks.iter().filter(|k| k.kind != Kind::Comment).collect();
        let (Some(first), Some(last)) = (code.first(), code.last()) else {
            continue;
        };
        let head = first.text(&t.text[ls..le]);
        if !PY_HEADERS.contains(&head) || last.text(&t.text[ls..le]) == ":" {
            continue;
        }
        // Balanced line only: a header still inside brackets continues below.
        let line_text = &t.text[ls..le];
        if !imbalances(line_text, &code.iter().map(|t| **t).collect::<Vec<_>>()).is_empty() {
            continue;
        }
        let at = ls + last.end;
        let conf = if explicit {
            0.7
        } else if line == t.line {
            0.5
        } else {
            0.4
        };
        fixes.push(
            conf,
            format!("add the missing `:` after the `{head}` header on line {line}"),
            vec![edit(t.file, at, at, ":")],
        );
        break;
    }
    fixes.done()
}

// ---------------------------------------------------------------------------------------------
// any.unterminated-string

fn unterminated_string(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    if !is_syntax(error) {
        return Vec::new();
    }
    let Some(t) = target(error, program) else {
        return Vec::new();
    };
    let src = t.text;
    let mut fixes = Fixes::new(id);
    let tokens = lex(t.lang, src);
    let (ls, le) = t.lines.range(src, t.line);
    // An unterminated literal on the error line (or the one the error names).
    let open = tokens.iter().find(|k| {
        k.kind == Kind::Str
            && !k.terminated
            && k.start >= ls
            && k.start <= le
            && !src[k.start..].starts_with('`')
    });
    if let Some(s) = open {
        unterminated_fixes(&mut fixes, &t, s);
    } else if matches!(t.lang, TargetLanguage::Rust | TargetLanguage::Go)
        && message(error).contains("character literal")
    {
        char_literal_fixes(&mut fixes, &t);
    }
    // A literal that closed too late: the error sits right after a string whose closing quote
    // belonged to the next literal (`'A.x() <= 'Z'` → the error is at `Z`).
    let i = token_at(&tokens, t.offset);
    if let Some(prev) = i.checked_sub(1).and_then(|p| tokens.get(p)) {
        let at_error = tokens
            .get(i)
            .is_some_and(|c| c.start == prev.end && c.kind == Kind::Ident);
        if prev.kind == Kind::Str && prev.terminated && at_error {
            let q = &src[prev.start..prev.start + 1];
            if q == "'" || q == "\"" {
                let body = &src[prev.start + 1..prev.end - 1];
                if let Some(k) = body
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .filter(|k| *k > 0)
                {
                    let at = prev.start + 1 + k;
                    fixes.push(
                        0.65,
                        format!("close the string after `{}`", &body[..k]),
                        vec![edit(t.file, at, at, q)],
                    );
                }
            }
        }
    }
    fixes.done()
}

/// Rust and Go character literals lexed as something else: `'({` → `'('{`, `)'` → `')'`.
fn char_literal_fixes(fixes: &mut Fixes<'_>, t: &Target<'_>) {
    let src = t.text;
    let (ls, le) = t.lines.range(src, t.line);
    let line = &src[ls..le];
    let Some(q) = line[..(t.offset - ls).min(line.len())]
        .rfind('\'')
        .or_else(|| line.find('\''))
    else {
        return;
    };
    let at = ls + q;
    // Close after the one character that follows the quote.
    if let Some(c) = src[at + 1..le]
        .chars()
        .next()
        .filter(|c| *c != '\'' && !c.is_whitespace())
    {
        let end = at + 1 + c.len_utf8();
        fixes.push(
            0.55,
            format!("close the character literal `'{c}'`"),
            vec![edit(t.file, end, end, "'")],
        );
    }
    // Or open it before the one character that precedes the quote.
    if let Some(c) = src[ls..at]
        .chars()
        .next_back()
        .filter(|c| !c.is_whitespace() && *c != '\'')
    {
        let start = at - c.len_utf8();
        fixes.push(
            0.5,
            format!("open the character literal `'{c}'`"),
            vec![edit(t.file, start, start, "'")],
        );
    }
}

fn unterminated_fixes(fixes: &mut Fixes<'_>, t: &Target<'_>, s: &Token) {
    let src = t.text;
    let lit = &src[s.start..s.end];
    // Skip a string prefix (f, r, b…) to the quote.
    let qpos = lit.find(['\'', '"']).unwrap_or(0);
    let q = &lit[qpos..qpos + 1];
    let body_start = s.start + qpos + 1;
    let body = &src[body_start..s.end];
    let body_trim = body.trim_end();
    let file = t.file;
    // Mismatched quotes: `'abc"` → `'abc'`.
    let other = if q == "'" { "\"" } else { "'" };
    if body_trim.ends_with(other) && !body_trim[..body_trim.len() - 1].contains(other) {
        let at = body_start + body_trim.len() - 1;
        fixes.replace(
            0.6,
            format!("end the string with {q} to match its opening quote"),
            file,
            at,
            at + 1,
            q,
        );
    }
    // The quote opened where one was meant to close: `== )" and x` → `== ")" and x`.
    let before = &src[..s.start];
    let run = before.len()
        - before
            .trim_end_matches(|c: char| !c.is_whitespace() && !"=(,[{".contains(c))
            .len();
    if run > 0 && run <= 3 && s.start == body_start - 1 {
        let at = s.start - run;
        // Punctuation glued to a quote (`)"`) is text far more often than code.
        let punct = src[at..s.start]
            .chars()
            .all(|c| !c.is_alphanumeric() && c != '_');
        fixes.push(
            if punct { 0.6 } else { 0.45 },
            format!("add the opening {q} before `{}`", &src[at..s.start]),
            vec![edit(file, at, at, q)],
        );
    }
    // Close it before the first piece of code that follows the text: `"a.charCodeAt(0)]`
    // → `"a".charCodeAt(0)]`, `"Yes;` → `"Yes";`, `a["0]` → `a["0"]`.
    let (ls, _) = t.lines.range(src, t.line);
    let prefix = &src[ls..s.start];
    let mut open_before: Vec<&str> = Vec::new();
    for tok in code_tokens(t.lang, prefix) {
        match tok.kind {
            Kind::Open => open_before.push(tok.text(prefix)),
            Kind::Close => {
                open_before.pop();
            }
            _ => {}
        }
    }
    let fstring = lit[..qpos].to_ascii_lowercase().contains('f') || q == "`";
    let mut brace_depth = 0usize;
    let mut count = 0;
    for (k, c) in body.char_indices() {
        if fstring && c == '{' {
            brace_depth += 1;
        }
        if fstring && c == '}' {
            brace_depth = brace_depth.saturating_sub(1);
            continue;
        }
        if k == 0 || count >= 3 || brace_depth > 0 {
            continue;
        }
        let rest = &body[k + c.len_utf8()..];
        let conf = match c {
            '.' if rest.find('(').is_some_and(|p| {
                p > 0 && rest[..p].chars().all(|c| c.is_alphanumeric() || c == '_')
            }) =>
            {
                0.6
            }
            ')' | ']' | '}'
                if open_before
                    .last()
                    .is_some_and(|o| closer_for(o).starts_with(c)) =>
            {
                0.55
            }
            ';' | ':' if rest.trim().is_empty() => 0.55,
            ';' | ',' | ')' | ']' | '}' | ':' => 0.4,
            _ => continue,
        };
        let at = body_start + k;
        fixes.push(
            conf,
            format!("close the string before `{c}`"),
            vec![edit(file, at, at, q)],
        );
        count += 1;
    }
    // Close it at the end of the line (before a final `;`, `:` or `{` the language needs).
    let end = body_start + body_trim.len();
    fixes.push(
        0.45,
        format!("close the string at the end of line {}", t.line),
        vec![edit(file, end, end, q)],
    );
    let tail_trim = body_trim.trim_end_matches([';', ':', '{', ' ', ')']);
    if tail_trim.len() < body_trim.len() && !tail_trim.is_empty() {
        let at = body_start + tail_trim.len();
        fixes.push(
            0.45,
            format!("close the string before the end of line {}", t.line),
            vec![edit(file, at, at, q)],
        );
    }
    // The line may be junk: drop it (a statement appending a stray string, for instance).
    let (ls, le) = t.lines.range(src, t.line);
    let whole = &src[ls..le];
    if t.lang != TargetLanguage::Python || !whole.trim_end().ends_with(':') {
        let end = if src.as_bytes().get(le) == Some(&b'\n') {
            le + 1
        } else {
            le
        };
        fixes.push(
            0.15,
            format!("delete line {}", t.line),
            vec![edit(file, ls, end, "")],
        );
    }
}

// ---------------------------------------------------------------------------------------------
// any.comments

fn comments(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    if !is_syntax(error) {
        return Vec::new();
    }
    let Some(t) = target(error, program) else {
        return Vec::new();
    };
    let mut fixes = Fixes::new(id);
    let src = t.text;
    let (ls, le) = t.lines.range(src, t.line);
    let line = &src[ls..le];
    let body = line.trim_start();
    let at = ls + (line.len() - body.len());
    match t.lang {
        TargetLanguage::Python => {
            if body.starts_with("//") {
                fixes.replace(0.6, "use `#` for a Python comment", t.file, at, at + 2, "#");
            }
            if body.starts_with("/*") {
                fixes.replace(0.5, "use `#` for a Python comment", t.file, at, at + 2, "#");
            }
        }
        _ => {
            if body.starts_with('#') && !body.starts_with("#[") && !body.starts_with("#!") {
                fixes.replace(
                    0.6,
                    format!("use `//` for a {} comment", t.lang),
                    t.file,
                    at,
                    at + 1,
                    "//",
                );
            }
            // `/ text`: a comment that lost a slash (it lexes as an unterminated regex).
            let lost_slash = body.starts_with('/')
                && !body.starts_with("//")
                && !body.starts_with("/*")
                && lex(t.lang, body)
                    .first()
                    .is_none_or(|k| k.kind != Kind::Str || !k.terminated);
            if lost_slash {
                fixes.replace(0.55, "complete the `//` comment", t.file, at, at + 1, "//");
            }
            // An unterminated block comment opened on this line.
            let tokens = lex(t.lang, src);
            if let Some(c) = tokens.iter().find(|k| {
                k.kind == Kind::Comment && !k.terminated && k.start >= ls && k.start <= le
            }) {
                fixes.replace(
                    0.5,
                    "delete the unterminated `/*`",
                    t.file,
                    c.start,
                    c.start + 2,
                    "",
                );
                fixes.push(
                    0.45,
                    format!("close the comment at the end of line {}", t.line),
                    vec![edit(t.file, le, le, " */")],
                );
            }
        }
    }
    fixes.done()
}

// ---------------------------------------------------------------------------------------------
// any.assignment-comparison

fn assignment_comparison(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    if !is_syntax(error) && !message(error).contains("left-hand side") {
        return Vec::new();
    }
    let Some(t) = target(error, program) else {
        return Vec::new();
    };
    let src = t.text;
    let mut fixes = Fixes::new(id);
    let tokens = code_tokens(t.lang, src);
    let eq = if t.lang == TargetLanguage::JavaScript {
        "==="
    } else {
        "=="
    };
    let (ls, le) = t.lines.range(src, t.line);
    let on_line: Vec<usize> = (0..tokens.len())
        .filter(|&k| tokens[k].start >= ls && tokens[k].end <= le)
        .collect();
    // `=` inside a condition: after if/elif/while, or anywhere in the error's span.
    let cond_start = on_line
        .iter()
        .position(|&k| matches!(tokens[k].text(src), "if" | "elif" | "while"));
    for (n, &k) in on_line.iter().enumerate() {
        let tok = &tokens[k];
        let in_span = t.end.is_some_and(|e| tok.start >= t.offset && tok.end <= e);
        if tok.text(src) == "="
            && tok.kind == Kind::Punct
            && (cond_start.is_some_and(|c| n > c) || in_span)
        {
            fixes.replace(
                0.6,
                format!("compare with `{eq}` instead of assigning with `=`"),
                t.file,
                tok.start,
                tok.end,
                eq,
            );
            if t.lang == TargetLanguage::JavaScript {
                fixes.replace(
                    0.45,
                    "compare with `==` instead of assigning with `=`",
                    t.file,
                    tok.start,
                    tok.end,
                    "==",
                );
            }
        }
        // `let x == 1` / `x == 1;` as a statement: an assignment was meant.
        if matches!(tok.text(src), "==" | "===")
            && tok.start >= t.offset.saturating_sub(1)
            && tok.start <= t.end.unwrap_or(t.offset) + 1
        {
            fixes.replace(
                0.55,
                "assign with `=` instead of comparing",
                t.file,
                tok.start,
                tok.end,
                "=",
            );
        }
        if matches!(tok.text(src), "==" | "===")
            && n >= 2
            && matches!(tokens[on_line[n - 2]].text(src), "let" | "const" | "var")
        {
            fixes.replace(
                0.6,
                "assign with `=` in the declaration",
                t.file,
                tok.start,
                tok.end,
                "=",
            );
        }
    }
    fixes.done()
}

// ---------------------------------------------------------------------------------------------
// any.foreign-syntax

/// Replacements for constructs from another language, for the given language.
fn foreign_replacement(
    lang: TargetLanguage,
    tok: &str,
    next: Option<&str>,
) -> Option<&'static str> {
    use TargetLanguage::*;
    Some(match (lang, tok) {
        (Python, "&&") => "and",
        (Python, "||") => "or",
        (Python, "!") if next != Some("=") => "not ",
        (Python, "===") => "==",
        (Python, "!==") => "!=",
        (Python, "null" | "nil" | "undefined") => "None",
        (Python, "true") => "True",
        (Python, "false") => "False",
        (Python, "this") => "self",
        (Python, "else") if next == Some("if") => "elif",
        (Python, "catch") => "except",
        (Python, "function" | "func" | "fn") => "def",
        (JavaScript, "elif") => "else if",
        (JavaScript, "and") => "&&",
        (JavaScript, "or") => "||",
        (JavaScript, "not") => "!",
        (JavaScript, "None" | "nil") => "null",
        (JavaScript, "True") => "true",
        (JavaScript, "False") => "false",
        (JavaScript, "self") => "this",
        (JavaScript, "def" | "func" | "fn") => "function",
        (Go, "elif") => "else if",
        (Go, "and") => "&&",
        (Go, "or") => "||",
        (Go, "not") => "!",
        (Go, "===") => "==",
        (Go, "!==") => "!=",
        (Go, "null" | "None" | "undefined") => "nil",
        (Go, "True") => "true",
        (Go, "False") => "false",
        (Go, "function" | "def" | "fn") => "func",
        (Rust, "elif") => "else if",
        (Rust, "and") => "&&",
        (Rust, "or") => "||",
        (Rust, "not") => "!",
        (Rust, "===") => "==",
        (Rust, "!==") => "!=",
        (Rust, "null" | "nil" | "undefined") => "None",
        (Rust, "True") => "true",
        (Rust, "False") => "false",
        (Rust, "function" | "def" | "func") => "fn",
        _ => return None,
    })
}

fn foreign_syntax(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    let name_error = matches!(error.error_type, ErrorType::UndefinedVariable);
    if !is_syntax(error) && !name_error {
        return Vec::new();
    }
    let Some(t) = target(error, program) else {
        return Vec::new();
    };
    let src = t.text;
    let mut fixes = Fixes::new(id);
    let tokens = code_tokens(t.lang, src);
    let (ls, le) = t.lines.range(src, t.line);
    let idx: Vec<usize> = (0..tokens.len())
        .filter(|&k| tokens[k].start >= ls && tokens[k].end <= le)
        .collect();
    for (n, &k) in idx.iter().enumerate() {
        let tok = &tokens[k];
        let text = tok.text(src);
        if name_error && !(tok.start <= t.offset && t.offset < tok.end.max(tok.start + 1)) {
            continue;
        }
        let next = idx.get(n + 1).map(|&j| tokens[j].text(src));
        let Some(rep) = foreign_replacement(t.lang, text, next) else {
            continue;
        };
        let near = tok.start <= t.offset + 1 && t.offset <= tok.end + 1;
        let conf = if near { 0.6 } else { 0.45 };
        if text == "else" && rep == "elif" {
            if let Some(&j) = idx.get(n + 1) {
                fixes.replace(conf, "use `elif`", t.file, tok.start, tokens[j].end, "elif");
            }
            continue;
        }
        if text == "!" {
            // `!x` → `not x`; keep the operand's spacing.
            let end = if src[tok.end..].starts_with(' ') {
                tok.end + 1
            } else {
                tok.end
            };
            fixes.replace(
                conf,
                "use `not` for Python negation",
                t.file,
                tok.start,
                end,
                "not ",
            );
            continue;
        }
        fixes.replace(
            conf,
            format!("replace `{text}` with `{rep}` ({} syntax)", t.lang),
            t.file,
            tok.start,
            tok.end,
            rep,
        );
    }
    fixes.done()
}

// ---------------------------------------------------------------------------------------------
// Shared helpers for name matching.

/// Optimal-string-alignment distance over characters (a swap of neighbours costs 1).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        d[i * w] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

/// The byte range of the whole word `name` on `line` (1-based) nearest `offset`, searching the
/// raw text so names inside template literals and f-strings are found too.
pub(crate) fn word_on_line(
    text: &str,
    lines: &LineIndex,
    line: usize,
    name: &str,
    offset: usize,
) -> Option<(usize, usize)> {
    let (ls, le) = lines.range(text, line);
    let body = &text[ls..le];
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    body.match_indices(name)
        .filter(|(k, _)| {
            body[..*k].chars().next_back().is_none_or(|c| !is_word(c))
                && body[k + name.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| !is_word(c))
        })
        .map(|(k, _)| (ls + k, ls + k + name.len()))
        .min_by_key(|(s, _)| s.abs_diff(offset))
}

/// How alike two names are, in [0, 1]: edit distance (case-insensitive counts half), with a
/// bonus when one is a prefix or a `_`-separated part of the other.
pub(crate) fn name_similarity(wrong: &str, candidate: &str) -> f64 {
    if wrong == candidate || wrong.is_empty() || candidate.is_empty() {
        return 0.0;
    }
    let lw = wrong.to_lowercase();
    let lc = candidate.to_lowercase();
    let longest = wrong.chars().count().max(candidate.chars().count()) as f64;
    let d = edit_distance(wrong, candidate) as f64;
    let di = edit_distance(&lw, &lc) as f64;
    let mut score = 1.0 - (di + (d - di) * 0.25) / longest;
    let shorter = lw.len().min(lc.len());
    let ratio = shorter as f64 / lw.len().max(lc.len()) as f64;
    if shorter >= 3 && ratio >= 0.4 && (lc.starts_with(&lw) || lw.starts_with(&lc)) {
        score = score.max(0.7);
    }
    if shorter >= 3
        && ratio >= 0.3
        && (lc.split('_').any(|p| p == lw) || lw.split('_').any(|p| p == lc))
    {
        score = score.max(0.65);
    }
    score.clamp(0.0, 1.0)
}

/// Candidates ordered by similarity to `wrong`, keeping those at least `min` alike.
pub(crate) fn closest<'a>(
    wrong: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    min: f64,
) -> Vec<(&'a str, f64)> {
    let mut scored: Vec<(&str, f64)> = candidates
        .into_iter()
        .map(|c| (c, name_similarity(wrong, c)))
        .filter(|(_, s)| *s >= min)
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    scored.dedup_by(|a, b| a.0 == b.0);
    scored
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::types::Location;

    /// Applies a fix's edits (non-overlapping) to one file's text.
    pub(crate) fn apply(text: &str, fix: &Fix) -> String {
        let mut edits = fix.edits.clone();
        edits.sort_by_key(|e| std::cmp::Reverse(e.byte_start));
        let mut out = text.to_string();
        for e in edits {
            out.replace_range(e.byte_start..e.byte_end, &e.replacement);
        }
        out
    }

    pub(crate) fn program(lang: TargetLanguage, file: &str, text: &str) -> Program {
        Program::new(lang, vec![(file.to_string(), text.to_string())]).unwrap()
    }

    pub(crate) fn err(
        ty: ErrorType,
        code: &str,
        msg: &str,
        file: &str,
        line: u32,
        col: u32,
    ) -> CodeError {
        CodeError::new(ty, msg)
            .with_code(code)
            .with_location(Location::new(file, line, col))
    }

    /// Every result text the strategies propose, best first.
    pub(crate) fn results(fixes: &[Fix], text: &str) -> Vec<String> {
        fixes.iter().map(|f| apply(text, f)).collect()
    }

    fn run(
        f: fn(&str, &CodeError, &Program) -> Vec<Fix>,
        lang: TargetLanguage,
        file: &str,
        text: &str,
        e: &CodeError,
    ) -> Vec<String> {
        let p = program(lang, file, text);
        let mut fixes = f("t", e, &p);
        fixes.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
        results(&fixes, text)
    }

    const PY: TargetLanguage = TargetLanguage::Python;
    const JS: TargetLanguage = TargetLanguage::JavaScript;
    const SYN: ErrorType = ErrorType::SyntaxError;

    #[test]
    fn lexer_skips_strings_comments_and_templates() {
        let src = "let a = '(' + `x${f({y: 1})}(` + /[(]/.source; // (\n/* ( */ b(\"]\")";
        let opens: Vec<&str> = lex(JS, src)
            .iter()
            .filter(|t| t.kind == Kind::Open || t.kind == Kind::Close)
            .map(|t| t.text(src))
            .collect();
        assert_eq!(opens, ["(", ")"]);
        let py = "s = '''(\n'''; t = r'\\'' # (\nu = f\"{x}(\"";
        let kinds: Vec<Kind> = lex(PY, py).iter().map(|t| t.kind).collect();
        assert_eq!(
            kinds,
            [
                Kind::Ident,
                Kind::Punct,
                Kind::Str,
                Kind::Punct,
                Kind::Ident,
                Kind::Punct,
                Kind::Str,
                Kind::Comment,
                Kind::Ident,
                Kind::Punct,
                Kind::Str
            ]
        );
        let rs = "fn f<'a>(c: char) -> &'a str { let r = r#\"(\"#; if c == '(' { \"}\" } else { \"\" } }";
        let braces: Vec<&str> = lex(TargetLanguage::Rust, rs)
            .iter()
            .filter(|t| matches!(t.kind, Kind::Open | Kind::Close))
            .map(|t| t.text(rs))
            .collect();
        assert_eq!(
            braces,
            ["<", ">", "(", ")", "{", "{", "}", "{", "}", "}"]
                .iter()
                .filter(|s| !matches!(**s, "<" | ">"))
                .copied()
                .collect::<Vec<_>>()
        );
        let go = "s := `(\n` + \"(\" + string('(')";
        let parens = lex(TargetLanguage::Go, go)
            .iter()
            .filter(|t| t.kind == Kind::Open)
            .count();
        assert_eq!(parens, 1);
        let unterminated = lex(PY, "x = 'abc\ny = 1");
        assert!(!unterminated[2].terminated);
        assert_eq!(unterminated[3].text("x = 'abc\ny = 1"), "y");
    }

    #[test]
    fn python_mismatched_paren_closes_where_precedence_needs_it() {
        let text = "def f(j, n):\n    return d[(j - 1 + n % n]\n";
        let e = err(
            SYN,
            "SyntaxError",
            "closing parenthesis ']' does not match opening parenthesis '('",
            "main.py",
            2,
            29,
        );
        let out = run(delimiters, PY, "main.py", text, &e);
        assert_eq!(out[0], "def f(j, n):\n    return d[(j - 1 + n) % n]\n");
        assert!(out.contains(&"def f(j, n):\n    return d[(j - 1 + n % n)]\n".to_string()));
        assert!(out.contains(&"def f(j, n):\n    return d[j - 1 + n % n]\n".to_string()));
    }

    #[test]
    fn js_missing_paren_after_argument_list_closes_after_the_error_token() {
        // V8 points at the last argument's last token (`0`), not at the `;`.
        let text = "function total(items) {\n  return items.reduce((a, b) => a + b, 0;\n}\nmodule.exports = { total };\n";
        let e = err(
            SYN,
            "SyntaxError",
            "missing ) after argument list",
            "main.js",
            2,
            40,
        );
        let out = run(delimiters, JS, "main.js", text, &e);
        assert_eq!(out[0], "function total(items) {\n  return items.reduce((a, b) => a + b, 0);\n}\nmodule.exports = { total };\n");
        // Never closed at all, the error token a call of its own.
        let text = "const x = foo(a, bar(1, 2)\n";
        let e = err(
            SYN,
            "SyntaxError",
            "missing ) after argument list",
            "main.js",
            1,
            26,
        );
        let out = run(delimiters, JS, "main.js", text, &e);
        assert_eq!(out[0], "const x = foo(a, bar(1, 2))\n");
        // Earlier positions in the argument list stay candidates, ranked below.
        let early = out
            .iter()
            .position(|o| o == "const x = foo(a), bar(1, 2)\n");
        assert!(early.is_some_and(|k| k > 0), "{out:?}");
    }

    #[test]
    fn python_never_closed_bracket_closes_at_end_of_line() {
        let text = "def f(d, j, n):\n    x = d[0][(j + 1) % n\n\n    return x\n";
        let e = err(SYN, "SyntaxError", "'[' was never closed", "main.py", 2, 13);
        let out = run(delimiters, PY, "main.py", text, &e);
        assert_eq!(
            out[0],
            "def f(d, j, n):\n    x = d[0][(j + 1) % n]\n\n    return x\n"
        );
    }

    #[test]
    fn js_subscript_closes_before_assignment() {
        let text = "function f(u, p) {\n    for (let i = 1; i < 3; i++) {\n        pre[i = u[p[i-1]];\n    }\n}\n";
        let e = err(SYN, "SyntaxError", "Unexpected token ';'", "main.js", 3, 26);
        let out = run(delimiters, JS, "main.js", text, &e);
        assert_eq!(out[0], "function f(u, p) {\n    for (let i = 1; i < 3; i++) {\n        pre[i] = u[p[i-1]];\n    }\n}\n");
    }

    #[test]
    fn js_condition_paren_closes_at_the_error() {
        let text = "function f(s, e) {\n  while (s < e) {\n    while (!ok(s[e]) && s < e e--;\n    s++;\n  }\n}\n";
        let e = err(
            SYN,
            "SyntaxError",
            "Unexpected identifier 'e'",
            "main.js",
            3,
            30,
        );
        let out = run(delimiters, JS, "main.js", text, &e);
        assert_eq!(out[0], "function f(s, e) {\n  while (s < e) {\n    while (!ok(s[e]) && s < e) e--;\n    s++;\n  }\n}\n");
    }

    #[test]
    fn js_missing_brace_goes_where_indentation_ends_the_block() {
        let text = "function f(c, d)\n{\n    for (let i = 0; i < c; i++) {\n        if (i) continue;\n        return i;\n    return -1;\n}\n\nmodule.exports = { f };\n";
        let e = CodeError::new(SYN, "Unexpected end of input").with_code("SyntaxError");
        let out = run(delimiters, JS, "main.js", text, &e);
        assert_eq!(out[0], "function f(c, d)\n{\n    for (let i = 0; i < c; i++) {\n        if (i) continue;\n        return i;\n    }\n    return -1;\n}\n\nmodule.exports = { f };\n");
        let text2 = "function f(x)\n{\n    let n = 0;\n    return n;\n\nmodule.exports = { f };\n";
        let out = run(delimiters, JS, "main.js", text2, &e);
        assert_eq!(
            out[0],
            "function f(x)\n{\n    let n = 0;\n    return n;\n\n}\nmodule.exports = { f };\n"
        );
    }

    #[test]
    fn rust_parameter_lists() {
        let rs = TargetLanguage::Rust;
        let text = "fn f(numbers: Vec<f32> -> f32 {\n    0.0\n}\n";
        let e = err(
            SYN,
            "E0000",
            "this file contains an unclosed delimiter",
            "lib.rs",
            1,
            5,
        );
        assert_eq!(
            run(delimiters, rs, "lib.rs", text, &e)[0],
            "fn f(numbers: Vec<f32>) -> f32 {\n    0.0\n}\n"
        );
        let text = "fn area x1: f32, y1: f32) -> f32\n{\n    x1 * y1\n}\n";
        let e = err(
            SYN,
            "E0000",
            "unexpected closing delimiter: `)`",
            "lib.rs",
            1,
            25,
        );
        assert_eq!(
            run(delimiters, rs, "lib.rs", text, &e)[0],
            "fn area(x1: f32, y1: f32) -> f32\n{\n    x1 * y1\n}\n"
        );
        let text = "fn f(c: char) -> i32 {\n    if c == '({\n        1\n    } else if c == )' {\n        2\n    } else { 0 }\n}\n";
        let e = err(
            SYN,
            "E0762",
            "unterminated character literal",
            "lib.rs",
            4,
            20,
        );
        assert_eq!(run(unterminated_string, rs, "lib.rs", text, &e)[0], "fn f(c: char) -> i32 {\n    if c == '({\n        1\n    } else if c == ')' {\n        2\n    } else { 0 }\n}\n");
        let e = err(
            SYN,
            "E0762",
            "unterminated character literal",
            "lib.rs",
            2,
            13,
        );
        assert_eq!(run(unterminated_string, rs, "lib.rs", text, &e)[0], "fn f(c: char) -> i32 {\n    if c == '('{\n        1\n    } else if c == )' {\n        2\n    } else { 0 }\n}\n");
    }

    #[test]
    fn stray_closer_is_deleted() {
        let text = "x = f(1))\n";
        let e = err(SYN, "SyntaxError", "unmatched ')'", "main.py", 1, 9);
        assert_eq!(run(delimiters, PY, "main.py", text, &e)[0], "x = f(1)\n");
    }

    #[test]
    fn missing_commas_between_operands() {
        let e = err(SYN, "SyntaxError", "invalid syntax", "main.py", 2, 7);
        let text = "def f(point):\n    x y = point\n";
        assert_eq!(
            run(separators, PY, "main.py", text, &e)[0],
            "def f(point):\n    x, y = point\n"
        );
        let text = "def f(a):\n    return ' '.join(a) ' '.join(a)\n";
        let e = err(SYN, "SyntaxError", "invalid syntax", "main.py", 2, 24);
        assert_eq!(
            run(separators, PY, "main.py", text, &e)[0],
            "def f(a):\n    return ' '.join(a), ' '.join(a)\n"
        );
        let text = "f(a; b);\n";
        let e = err(SYN, "SyntaxError", "Unexpected token ';'", "main.js", 1, 4);
        assert_eq!(run(separators, JS, "main.js", text, &e)[0], "f(a, b);\n");
    }

    #[test]
    fn python_headers_get_their_colon() {
        let text = "def f(xs):\n    for i, x in enumerate(xs)  # loop\n        print(i)\n";
        let e = err(SYN, "SyntaxError", "expected ':'", "main.py", 2, 30);
        assert_eq!(
            run(missing_colon, PY, "main.py", text, &e),
            ["def f(xs):\n    for i, x in enumerate(xs):  # loop\n        print(i)\n"]
        );
        let text = "def f(key: str) -> str\n    return key\n";
        let e = err(SYN, "SyntaxError", "expected ':'", "main.py", 1, 23);
        assert_eq!(
            run(missing_colon, PY, "main.py", text, &e),
            ["def f(key: str) -> str:\n    return key\n"]
        );
    }

    #[test]
    fn unterminated_strings_close_before_code() {
        let text = "function f(c) {\n    n[c.charCodeAt(0) - \"a.charCodeAt(0)]++;\n}\n";
        let e = err(
            SYN,
            "SyntaxError",
            "Invalid or unexpected token",
            "main.js",
            2,
            25,
        );
        let out = run(unterminated_string, JS, "main.js", text, &e);
        assert_eq!(
            out[0],
            "function f(c) {\n    n[c.charCodeAt(0) - \"a\".charCodeAt(0)]++;\n}\n"
        );
        let text = "x = 'ABC\"\ny = 1\n";
        let e = err(
            SYN,
            "SyntaxError",
            "unterminated string literal (detected at line 1)",
            "main.py",
            1,
            5,
        );
        assert_eq!(
            run(unterminated_string, PY, "main.py", text, &e)[0],
            "x = 'ABC'\ny = 1\n"
        );
        let text = "def f(c):\n    if c == \"(:\n        pass\n";
        let e = err(
            SYN,
            "SyntaxError",
            "unterminated string literal (detected at line 2)",
            "main.py",
            2,
            13,
        );
        assert_eq!(
            run(unterminated_string, PY, "main.py", text, &e)[0],
            "def f(c):\n    if c == \"(\":\n        pass\n"
        );
        let text = "def f(c):\n    if c == )\" and c:\n        pass\n";
        let e = err(
            SYN,
            "SyntaxError",
            "unterminated string literal (detected at line 2)",
            "main.py",
            2,
            14,
        );
        assert_eq!(
            run(unterminated_string, PY, "main.py", text, &e)[0],
            "def f(c):\n    if c == \")\" and c:\n        pass\n"
        );
        let text = "def f(a, b):\n    return f\"{a}/{b}\n";
        let e = err(
            SYN,
            "SyntaxError",
            "unterminated string literal (detected at line 2)",
            "main.py",
            2,
            12,
        );
        assert_eq!(
            run(unterminated_string, PY, "main.py", text, &e)[0],
            "def f(a, b):\n    return f\"{a}/{b}\"\n"
        );
    }

    #[test]
    fn string_that_closed_too_late_is_split() {
        let text = "if (c >= 'A.charCodeAt(0) && c <= 'Z'.charCodeAt(0)) {}\n";
        let e = err(
            SYN,
            "SyntaxError",
            "Unexpected identifier 'Z'",
            "main.js",
            1,
            36,
        );
        assert_eq!(
            run(unterminated_string, JS, "main.js", text, &e)[0],
            "if (c >= 'A'.charCodeAt(0) && c <= 'Z'.charCodeAt(0)) {}\n"
        );
    }

    #[test]
    fn comments_in_the_wrong_language() {
        let text = "function f(s) {\n    / Return 'A'\n    return s;\n}\n";
        let e = err(
            SYN,
            "SyntaxError",
            "Invalid regular expression: missing /",
            "main.js",
            2,
            5,
        );
        assert_eq!(
            run(comments, JS, "main.js", text, &e),
            ["function f(s) {\n    // Return 'A'\n    return s;\n}\n"]
        );
        let text = "fn main() {\n    # note\n}\n";
        let e = err(
            SYN,
            "E0000",
            "expected one of `!` or `[`, found `note`",
            "main.rs",
            2,
            5,
        );
        assert_eq!(
            run(comments, TargetLanguage::Rust, "main.rs", text, &e),
            ["fn main() {\n    // note\n}\n"]
        );
        let text = "x = 1\n// note\n";
        let e = err(SYN, "SyntaxError", "invalid syntax", "main.py", 2, 1);
        assert_eq!(run(comments, PY, "main.py", text, &e), ["x = 1\n# note\n"]);
        let text = "function f(n) {\n    /* if (n) {\n        return 1;\n    }\n    return 2;\n}\n";
        let e = err(
            SYN,
            "SyntaxError",
            "Invalid or unexpected token",
            "main.js",
            2,
            0,
        );
        assert_eq!(
            run(comments, JS, "main.js", text, &e)[0],
            "function f(n) {\n     if (n) {\n        return 1;\n    }\n    return 2;\n}\n"
        );
    }

    #[test]
    fn assignment_in_conditions_becomes_comparison() {
        let text = "for c in s:\n    if c = \"(\":\n        pass\n";
        let e = CodeError::new(
            SYN,
            "invalid syntax. Maybe you meant '==' or ':=' instead of '='?",
        )
        .with_code("SyntaxError")
        .with_location(Location::new("main.py", 2, 8).with_end(2, 15));
        assert_eq!(
            run(assignment_comparison, PY, "main.py", text, &e),
            ["for c in s:\n    if c == \"(\":\n        pass\n"]
        );
        let text = "if (x % 2 = 0) { y(); }\n";
        let e = err(
            SYN,
            "SyntaxError",
            "Invalid left-hand side in assignment",
            "main.js",
            1,
            5,
        );
        assert_eq!(
            run(assignment_comparison, JS, "main.js", text, &e),
            ["if (x % 2 === 0) { y(); }\n", "if (x % 2 == 0) { y(); }\n"]
        );
        let text = "let f == 1;\n";
        let e = err(SYN, "SyntaxError", "Unexpected token '=='", "main.js", 1, 7);
        assert_eq!(
            run(assignment_comparison, JS, "main.js", text, &e),
            ["let f = 1;\n"]
        );
    }

    #[test]
    fn foreign_operators_and_keywords() {
        let text = "if a && !b:\n    pass\n";
        let e = err(SYN, "SyntaxError", "invalid syntax", "main.py", 1, 6);
        let out = run(foreign_syntax, PY, "main.py", text, &e);
        assert_eq!(
            out,
            ["if a and !b:\n    pass\n", "if a && not b:\n    pass\n"]
        );
        let text = "if (a) {\n} elif (b) {\n}\n";
        let e = err(
            SYN,
            "SyntaxError",
            "Unexpected identifier 'elif'",
            "main.js",
            2,
            3,
        );
        assert_eq!(
            run(foreign_syntax, JS, "main.js", text, &e),
            ["if (a) {\n} else if (b) {\n}\n"]
        );
    }

    #[test]
    fn protected_files_are_never_edited() {
        let p = program(PY, "test_main.py", "x y = 1\n")
            .with_protected(["test_main.py".to_string()])
            .unwrap();
        let e = err(SYN, "SyntaxError", "invalid syntax", "test_main.py", 1, 3);
        assert!(separators("t", &e, &p).is_empty());
    }

    #[test]
    fn strategies_never_panic_on_odd_input() {
        let texts = [
            "x = 'é(\r\n  y = [1, 2\r\n",
            "é = \"ü\" + `${a(}` + /[/ + 'x\n#",
            "fn f<'a>(s: &'a str) { let c = '\\u{1F600}'; r#\"(\"# }",
            "\t\tif x = 1:\n  ü.push(1)\n/*",
            "",
            "(((\n]]]\n}}}",
        ];
        let messages = [
            ("SyntaxError", "invalid syntax"),
            ("SyntaxError", "Unexpected end of input"),
            ("SyntaxError", "missing ) after argument list"),
            ("TypeError", "can only concatenate str (not \"int\") to str"),
            (
                "TypeError",
                "list indices must be integers or slices, not float",
            ),
            ("IndentationError", "unexpected indent"),
            (
                "IndentationError",
                "expected an indented block after 'if' statement on line 1",
            ),
            (
                "TabError",
                "inconsistent use of tabs and spaces in indentation",
            ),
            ("NameError", "name 'ü' is not defined"),
            ("ReferenceError", "x is not defined"),
            ("TypeError", "ü.push is not a function"),
            ("TypeError", "Assignment to constant variable."),
            ("AttributeError", "'str' object has no attribute 'lenght'"),
            ("ValueError", "invalid literal"),
            ("IndexError", "list index out of range"),
            (
                "TypeError",
                "f() missing 1 required positional argument: 'x'",
            ),
        ];
        let mut all = strategies();
        all.extend(crate::fix::strategies::python::strategies());
        all.extend(crate::fix::strategies::javascript::strategies());
        for lang in TargetLanguage::ALL {
            for text in texts {
                let text = if text.trim().is_empty() { "x" } else { text };
                let file = match lang {
                    TargetLanguage::Rust => "main.rs",
                    TargetLanguage::Python => "main.py",
                    TargetLanguage::JavaScript => "main.js",
                    TargetLanguage::Go => "main.go",
                };
                let p = program(lang, file, text);
                for (code, msg) in messages {
                    for ty in [
                        ErrorType::SyntaxError,
                        ErrorType::UndefinedVariable,
                        ErrorType::TestFailure,
                    ] {
                        for line in 0..5 {
                            for col in [0, 1, 3, 7, 200] {
                                let e = err(ty.clone(), code, msg, file, line, col);
                                for s in &all {
                                    for fix in s.suggest(&e, &p) {
                                        let _ = apply(text, &fix);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn similarity_prefers_prefixes_and_case() {
        assert!(name_similarity("char", "char_value") >= 0.65);
        assert!(name_similarity("modal", "MOD") > name_similarity("modal", "m"));
        assert_eq!(
            closest("word3", ["word1", "word2", "id"], 0.5)
                .iter()
                .map(|c| c.0)
                .collect::<Vec<_>>(),
            ["word1", "word2"]
        );
    }
}
