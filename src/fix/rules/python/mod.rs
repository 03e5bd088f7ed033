//! Python-specific repairs: indentation, missing imports (from tables generated from the
//! interpreter), misspelt modules and attributes, slips from other languages, commented-out
//! definitions, and a few candidate edits for failing tests.
//!
//! The tables in `src/fix/tables/python_*.txt` come from `scripts/gen-python-stdlib.py`; a test
//! below re-runs it against /usr/bin/python3 and checks they still match.

#[allow(unused_imports)]
use crate::fix::text::*;
use crate::fix::Fix;
use crate::fix::{FixApplicability, Rule, RuleMeta};
use crate::lang::python::*;
use crate::program::Program;
use crate::types::{CodeError, ErrorType, TargetLanguage};
use std::collections::BTreeSet;

pub(crate) mod attribute;
pub(crate) mod indentation;
pub(crate) mod missing_argument;
pub(crate) mod missing_function;
pub(crate) mod missing_import;
pub(crate) mod missing_method;
pub(crate) mod module_name;
pub(crate) mod test_failure;
#[cfg(test)]
mod tests;
pub(crate) mod type_conversion;
pub(crate) mod uncomment;
pub(crate) mod undefined_name;

pub(crate) const PY: TargetLanguage = TargetLanguage::Python;

pub(crate) fn is_name_error(error: &CodeError) -> bool {
    error.error_type == ErrorType::UndefinedVariable
        || error.code.as_deref() == Some("NameError")
        || message(error).contains("is not defined")
}

/// The undefined name of a NameError (`name 'x' is not defined`).
pub(crate) fn undefined(error: &CodeError) -> Option<String> {
    let msg = message(error);
    let name = msg
        .strip_prefix("name ")
        .and_then(quoted)
        .or_else(|| quoted(msg))?;
    is_identifier(name).then(|| name.to_string())
}

/// The undefined name of a NameError and where the error points, in a file fixes may edit.
pub(crate) fn name_error_target<'p>(
    error: &CodeError,
    program: &'p Program,
) -> Option<(String, Target<'p>)> {
    if !is_name_error(error) {
        return None;
    }
    let name = undefined(error)?;
    Some((name, target(error, program)?))
}

/// Byte range of the identifier `name` at or nearest the error position on its line.
pub(crate) fn name_at(t: &Target<'_>, name: &str) -> Option<(usize, usize)> {
    let (ls, le) = t.lines.range(t.text, t.line);
    let tokens = code_tokens(PY, t.text);
    tokens
        .iter()
        .filter(|k| k.kind == Kind::Ident && k.start >= ls && k.end <= le && k.text(t.text) == name)
        .min_by_key(|k| k.start.abs_diff(t.offset))
        .map(|k| (k.start, k.end))
}

/// Where a new top-level import goes: after the docstring, `__future__` imports and the
/// existing import block at the head of the file.
pub(crate) fn import_offset(src: &str) -> usize {
    let tokens = lex(PY, src);
    let lines = LineIndex::new(src);
    // Never above a shebang or an encoding declaration: both must stay on the first lines.
    let mut offset = header_end(src);
    let mut i = 0;
    // A module docstring.
    while i < tokens.len() && tokens[i].kind == Kind::Comment {
        i += 1;
    }
    if tokens.get(i).is_some_and(|t| t.kind == Kind::Str) {
        offset = line_after(src, &lines, tokens[i].end);
        i += 1;
    }
    let mut line = 0;
    for t in &tokens[i..] {
        let l = lines.line_of(t.start);
        if l == line || t.kind == Kind::Comment {
            continue;
        }
        line = l;
        let (ls, _) = lines.range(src, l);
        if t.start != ls {
            // Indented: part of the previous statement (a parenthesised import list).
            continue;
        }
        match t.text(src) {
            "import" | "from" => {
                offset = line_after(src, &lines, statement_end(src, &tokens, t.start))
            }
            _ => break,
        }
    }
    offset
}

/// The end of the lines that must stay first: a shebang (line 1) and an encoding
/// declaration (PEP 263: a comment matching `coding[:=]` on line 1 or 2); 0 when neither.
pub(crate) fn header_end(src: &str) -> usize {
    let mut end = 0;
    for (n, line) in src.split_inclusive('\n').take(2).enumerate() {
        let t = line.trim_start();
        let shebang = n == 0 && line.starts_with("#!");
        let encoding = t.starts_with('#') && (t.contains("coding:") || t.contains("coding="));
        if shebang || encoding {
            end += line.len();
        } else {
            break;
        }
    }
    end
}

/// Offset of the start of the line after the one holding `offset`.
pub(crate) fn line_after(src: &str, lines: &LineIndex, offset: usize) -> usize {
    let (_, le) = lines.range(src, lines.line_of(offset));
    src[le..].find('\n').map_or(src.len(), |k| le + k + 1)
}

/// End of the (possibly parenthesised) statement starting at `start`.
pub(crate) fn statement_end(src: &str, tokens: &[Token], start: usize) -> usize {
    let mut depth = 0i32;
    let lines = LineIndex::new(src);
    let first_line = lines.line_of(start);
    let mut end = start;
    for t in tokens.iter().filter(|t| t.start >= start) {
        if depth == 0 && lines.line_of(t.start) != first_line && t.kind != Kind::Comment {
            break;
        }
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close => depth -= 1,
            _ => {}
        }
        end = t.end;
    }
    end
}

pub(crate) fn import_fix(fixes: &mut Fixes<'_>, conf: f64, file: &str, src: &str, line: &str) {
    let at = import_offset(src);
    let mut text = format!("{line}\n");
    if at == src.len() && !src.is_empty() && !src.ends_with('\n') {
        text.insert(0, '\n');
    }
    fixes.push(
        conf,
        format!("add `{line}`"),
        vec![edit(file, at, at, &text)],
    );
}

pub(crate) fn is_code_line(src: &str, lines: &LineIndex, line: usize) -> bool {
    let (s, e) = lines.range(src, line);
    let body = src[s..e].trim();
    !body.is_empty() && !body.starts_with('#')
}

/// Whether comment text reads as Python code rather than prose.
pub(crate) fn looks_like_code(text: &str) -> bool {
    let text = text.trim();
    if text.is_empty() || text.ends_with('.') && !text.ends_with("..") {
        return false;
    }
    let toks = code_tokens(PY, text);
    if toks.is_empty() {
        return false;
    }
    let has_op = toks.iter().any(|t| {
        matches!(
            t.text(text),
            "=" | "+="
                | "-="
                | "*="
                | "/="
                | "%="
                | "//="
                | "("
                | "["
                | "return"
                | "import"
                | "yield"
                | "break"
                | "continue"
        )
    });
    // Prose: several bare words in a row.
    let mut run = 0;
    let mut max_run = 0;
    for t in &toks {
        if t.kind == Kind::Ident {
            run += 1;
            max_run = max_run.max(run);
        } else {
            run = 0;
        }
    }
    has_op && max_run <= 2 && balanced(PY, text)
}

#[cfg(test)]
mod import_insertion_tests {
    use super::*;

    fn insert(src: &str) -> String {
        let at = import_offset(src);
        format!("{}import math\n{}", &src[..at], &src[at..])
    }

    #[test]
    fn imports_go_below_shebang_encoding_docstring_and_future_imports() {
        assert_eq!(insert("x = 1\n"), "import math\nx = 1\n");
        assert_eq!(
            insert("#!/usr/bin/env python3\nx = 1\n"),
            "#!/usr/bin/env python3\nimport math\nx = 1\n"
        );
        assert_eq!(
            insert("#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\nx = 1\n"),
            "#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\nimport math\nx = 1\n"
        );
        assert_eq!(
            insert("# vim: set fileencoding=latin-1 :\nx = 1\n"),
            "# vim: set fileencoding=latin-1 :\nimport math\nx = 1\n"
        );
        assert_eq!(
            insert("#!/usr/bin/env python3\n\"\"\"Doc.\"\"\"\nfrom __future__ import annotations\nimport os\n\nx = 1\n"),
            "#!/usr/bin/env python3\n\"\"\"Doc.\"\"\"\nfrom __future__ import annotations\nimport os\nimport math\n\nx = 1\n"
        );
        // A comment that is neither stays with the code below it.
        assert_eq!(
            insert("# helper\ndef f():\n    pass\n"),
            "import math\n# helper\ndef f():\n    pass\n"
        );
    }
}
