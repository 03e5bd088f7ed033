//! `any.foreign-syntax`: constructs borrowed from another language: `&&`/`||` in Python,
//! `and`/`or`/`not` elsewhere, `elif`/`else if`, `true`/`True`, `null`/`None`/`nil`, `++` in
//! Python…
//!
//! Why it is safe: the construct does not exist in the target language, and the replacement is its
//! direct equivalent.
//!
//! Example: `if a && !b:` → `if a and not b:`.

use super::*;

/// A foreign keyword where the parser stopped: it caused the error.
const NEAR_ERROR: f64 = 0.6;
/// Elsewhere on the line: it may not be what the parser refused.
const ELSEWHERE: f64 = 0.45;

/// Replacements for constructs from another language, for the given language.
pub(crate) fn foreign_replacement(
    lang: TargetLanguage,
    tok: &str,
    next: Option<&str>,
) -> Option<&'static str> {
    use TargetLanguage::*;
    Some(match (lang, tok) {
        (Python, "&&") => "and",
        (Python, "||") => "or",
        (Python, "!") if next != Some("=") => "not ",
        (Python, "true") => "True",
        (Python, "false") => "False",
        (Python, "this") => "self",
        (Python, "else") if next == Some("if") => "elif",
        (Python, "catch") => "except",
        (JavaScript | Go | Rust, "elif") => "else if",
        (JavaScript | Go | Rust, "and") => "&&",
        (JavaScript | Go | Rust, "or") => "||",
        (JavaScript | Go | Rust, "not") => "!",
        (JavaScript | Go | Rust, "True") => "true",
        (JavaScript | Go | Rust, "False") => "false",
        (JavaScript, "self") => "this",
        (Python | Go | Rust, "===") => "==",
        (Python | Go | Rust, "!==") => "!=",
        (Python | Rust, "null" | "nil" | "undefined") => "None",
        (JavaScript, "None" | "nil") => "null",
        (Go, "null" | "None" | "undefined") => "nil",
        (_, "function" | "def" | "func" | "fn") if tok != function_keyword(lang) => {
            function_keyword(lang)
        }
        _ => return None,
    })
}

/// The keyword that starts a function definition in `lang`: what the other languages'
/// function keywords become.
fn function_keyword(lang: TargetLanguage) -> &'static str {
    match lang {
        TargetLanguage::Python => "def",
        TargetLanguage::JavaScript => "function",
        TargetLanguage::Go => "func",
        TargetLanguage::Rust => "fn",
    }
}

pub(crate) fn foreign_syntax(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    let name_error = matches!(error.error_type, ErrorType::UndefinedVariable);
    let Some(t) = target_if(is_syntax(error) || name_error, error, program) else {
        return Vec::new();
    };
    let src = t.text;
    let mut fixes = Fixes::new(id);
    let tokens = code_tokens(t.lang, src);
    let idx = t.tokens_on_line(&tokens);
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
        let conf = if near { NEAR_ERROR } else { ELSEWHERE };
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

/// The `any.foreign-syntax` rule.
pub(crate) struct ForeignSyntax;

impl Rule for ForeignSyntax {
    const META: RuleMeta = RuleMeta::new("any.foreign-syntax", FixApplicability::Likely);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        foreign_syntax(Self::META.id, error, program)
    }
}
