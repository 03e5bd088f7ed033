//! Names in code and in error messages: identifiers, declarations, the undefined name an
//! error reports, commented-out definitions.

use std::collections::BTreeSet;

use super::*;
use crate::fix::{Edit, Fix, FixApplicability};
use crate::program::Program;
use crate::types::{CodeError, TargetLanguage};

/// What kind of name the message says is missing: members are looked up among members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameKind {
    /// A variable, function, type, macro or module.
    Value,
    /// A method, field or attribute reached through `.`.
    Member,
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
    let text = program.files().get(&loc.file)?;
    if program.protected().contains(&loc.file) {
        return None;
    }
    let start = find_word_on_line(text, loc.line, loc.column, name)?;
    Some((loc.file.clone(), start))
}

pub(crate) fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// True when `s` is an identifier: a letter or `_`, then letters, digits and `_` (Unicode).
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
pub(crate) fn skip_string(bytes: &[u8], start: usize) -> usize {
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
pub(crate) const DECLARING_KEYWORDS: &[&str] = &[
    "fn", "let", "mut", "const", "static", "struct", "enum", "trait", "type", "mod", "union",
    "func", "var", "def", "class", "function", "for", "as", "import", "from",
];

/// Names the program declares: after declaring keywords, inside parameter lists, on the left
/// of `:=`/`=`, and struct fields or object keys (`name:`).
pub(crate) fn declared_names(program: &Program) -> Vec<String> {
    let mut names = BTreeSet::new();
    for text in program.files().values() {
        let idents = identifiers(text, program.language());
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
    for (file, text) in program.files() {
        if program.protected().contains(file) {
            continue;
        }
        for e in commented_code(text, file, hash).into_iter().take(5) {
            fixes.push(Fix {
                strategy: id.to_string(),
                description: "uncomment the code cut off by a trailing comment".into(),
                confidence: 0.35,
                applicability: FixApplicability::Safe,
                edits: vec![e],
            });
        }
    }
    fixes
}

/// Byte index of a line comment marker outside string literals.
pub(crate) fn find_comment(line: &str, marker: &str) -> Option<usize> {
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
