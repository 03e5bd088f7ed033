//! `any.comments`: comment syntax of another language (`#` in Rust/Go/JavaScript, `//` in Python)
//! and unterminated block comments.
//!
//! Why it is safe: the text was meant as a comment: the fix only changes the comment marker or
//! closes the comment.
//!
//! Example: `# total of the row` → `// total of the row`.

use super::*;

/// Another language's line comment (`//` in Python, `#` elsewhere).
const FOREIGN_LINE_COMMENT: f64 = 0.6;
/// A C block comment opener in Python: its closer may remain.
const FOREIGN_BLOCK_COMMENT: f64 = 0.5;
/// A line starting with one `/` and text: the comment lost a slash.
const LOST_SLASH: f64 = 0.55;
/// An unterminated `/*` deleted: right when it was a slip, wrong when text follows.
const DELETE_UNTERMINATED: f64 = 0.5;
/// Closed at the end of its line: the comment may span more lines.
const CLOSE_AT_LINE_END: f64 = 0.45;

pub(crate) fn comments(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    let Some(t) = syntax_target(error, program) else {
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
                fixes.replace(
                    FOREIGN_LINE_COMMENT,
                    "use `#` for a Python comment",
                    t.file,
                    at,
                    at + 2,
                    "#",
                );
            }
            if body.starts_with("/*") {
                fixes.replace(
                    FOREIGN_BLOCK_COMMENT,
                    "use `#` for a Python comment",
                    t.file,
                    at,
                    at + 2,
                    "#",
                );
            }
        }
        _ => {
            if body.starts_with('#') && !body.starts_with("#[") && !body.starts_with("#!") {
                fixes.replace(
                    FOREIGN_LINE_COMMENT,
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
                fixes.replace(
                    LOST_SLASH,
                    "complete the `//` comment",
                    t.file,
                    at,
                    at + 1,
                    "//",
                );
            }
            // An unterminated block comment opened on this line.
            let tokens = lex(t.lang, src);
            if let Some(c) = tokens.iter().find(|k| {
                k.kind == Kind::Comment && !k.terminated && k.start >= ls && k.start <= le
            }) {
                fixes.replace(
                    DELETE_UNTERMINATED,
                    "delete the unterminated `/*`",
                    t.file,
                    c.start,
                    c.start + 2,
                    "",
                );
                fixes.push(
                    CLOSE_AT_LINE_END,
                    format!("close the comment at the end of line {}", t.line),
                    vec![edit(t.file, le, le, " */")],
                );
            }
        }
    }
    fixes.done()
}

/// The `any.comments` rule.
pub(crate) struct Comments;

impl Rule for Comments {
    const META: RuleMeta = RuleMeta::new("any.comments", FixApplicability::Likely);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        comments(Self::META.id, error, program)
    }
}
