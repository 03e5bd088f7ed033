//! `python.uncomment`: comments that define `name`: `# x = 1` (uncomment), `# Store the result x =
//! []` (the code after the prose goes on its own line).
//!
//! Why it is safe: the program uses the name and the commented line defines exactly that name.
//!
//! Example:
//!
//! ```text
//! # x = 1
//! print(x)
//! ```
//!
//! becomes
//!
//! ```text
//! x = 1
//! print(x)
//! ```

use super::*;

/// A commented-out definition of the missing name: uncommenting restores it.
const UNCOMMENT_DEFINITION: f64 = 0.55;
/// Prose then code on one comment line: the code moved to its own line.
const MOVE_OUT_OF_COMMENT: f64 = 0.5;

/// Comments that define `name`: `# x = 1` (uncomment), `# Store the result x = []` (the code
/// after the prose goes on its own line).
pub(crate) fn uncomment(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    let Some((name, t)) = name_error_target(error, program) else {
        return Vec::new();
    };
    let mut fixes = Fixes::new(id);
    comment_definitions(&mut fixes, t.file, t.text, &name);
    fixes.done()
}

pub(crate) fn comment_definitions(fixes: &mut Fixes<'_>, file: &str, src: &str, name: &str) {
    for tok in lex(PY, src).iter().filter(|k| k.kind == Kind::Comment) {
        let body = tok.text(src).trim_start_matches('#');
        let lead = body.len() - body.trim_start().len();
        let body_start = tok.start + (tok.text(src).len() - body.len()) + lead;
        let code = body.trim();
        // Where `name` is bound in the comment: `name =`, `def name(`, `for name in`, `import name`.
        let bound = code.match_indices(name).find(|(k, _)| {
            let before = &code[..*k];
            let after = code[k + name.len()..].trim_start();
            let boundary = before
                .chars()
                .last()
                .is_none_or(|c| !c.is_alphanumeric() && c != '_')
                && code[k + name.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| !c.is_alphanumeric() && c != '_');
            boundary
                && ((after.starts_with('=') && !after.starts_with("=="))
                    || before.ends_with("def ")
                    || before.ends_with("import ")
                    || (before.ends_with("for ") && after.starts_with("in "))
                    || after.starts_with(", ") && after.contains('='))
        });
        let Some((k, _)) = bound else {
            continue;
        };
        let stmt_start = statement_start(code, k);
        let stmt = &code[stmt_start..];
        if !looks_like_code(stmt) {
            continue;
        }
        let line_start = src[..tok.start].rfind('\n').map_or(0, |p| p + 1);
        let indent = &src[line_start..tok.start];
        let indent_ok = indent.chars().all(|c| c == ' ' || c == '\t');
        if stmt_start == 0 && indent_ok {
            fixes.replace(
                UNCOMMENT_DEFINITION,
                format!("uncomment the definition of `{name}`"),
                file,
                tok.start,
                body_start,
                "",
            );
        } else if indent_ok {
            // Prose then code: keep the prose as a comment, the code on the next line.
            let at = tok.start + (body_start - tok.start) + stmt_start;
            let prose_end =
                tok.start + (body_start - tok.start) + code[..stmt_start].trim_end().len();
            fixes.push(
                MOVE_OUT_OF_COMMENT,
                format!("move the definition of `{name}` out of the comment"),
                vec![edit(file, prose_end, at, format!("\n{indent}"))],
            );
        }
    }
}

/// Start of the statement that binds a name at byte `k` of `code`: back over a `def`/`for`/
/// `import` keyword or a tuple target (`a, b = …`).
pub(crate) fn statement_start(code: &str, k: usize) -> usize {
    let before = &code[..k];
    for kw in ["def ", "for ", "import ", "from "] {
        if let Some(p) = before.rfind(kw) {
            if before[p + kw.len()..].trim().is_empty() || kw == "import " || kw == "from " {
                return p;
            }
        }
    }
    // Tuple targets: `a, b = ...` — walk back over `ident, `.
    let mut start = k;
    let mut rest = before;
    while let Some(stripped) = rest.trim_end().strip_suffix(',') {
        let word_start = stripped
            .trim_end()
            .rfind(|c: char| !c.is_alphanumeric() && c != '_')
            .map_or(0, |p| p + 1);
        if word_start >= stripped.trim_end().len() {
            break;
        }
        start = word_start;
        rest = &stripped[..word_start];
    }
    start
}

/// The `python.uncomment` rule.
pub(crate) struct Uncomment;

impl Rule for Uncomment {
    const META: RuleMeta = RuleMeta::new("python.uncomment", FixApplicability::Likely)
        .language(TargetLanguage::Python);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        uncomment(Self::META.id, error, program)
    }
}
