//! `javascript.uncomment`: an undefined name whose declaration is commented out (`// let total =
//! 0;`): the declaration uncommented.
//!
//! Why it is safe: the program uses the name and the commented line declares exactly that name.
//!
//! Example:
//!
//! ```text
//! // let total = 0;
//! total += x;
//! ```
//!
//! becomes
//!
//! ```text
//! let total = 0;
//! total += x;
//! ```

use super::*;

/// Confidence of the fix: the comment declares the missing name, but may be commented out
/// on purpose.
const CONFIDENCE: f64 = 0.55;

/// The `javascript.uncomment` rule.
pub(crate) struct Uncomment;

impl Rule for Uncomment {
    const META: RuleMeta = RuleMeta::new("javascript.uncomment", FixApplicability::Likely)
        .language(TargetLanguage::JavaScript);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some((name, t)) = not_defined_target(error, program) else {
            return Vec::new();
        };
        let src = t.text;
        let mut fixes = Fixes::new(Self::META.id);
        for c in lex(JS, src)
            .iter()
            .filter(|k| k.kind == Kind::Comment && src[k.start..].starts_with("//"))
        {
            let body = &src[c.start + 2..c.end];
            let trimmed = body.trim_start();
            let defines = [
                format!("let {name}"),
                format!("const {name}"),
                format!("var {name}"),
                format!("function {name}"),
                format!("{name} ="),
            ]
            .iter()
            .any(|p| trimmed.starts_with(p.as_str()));
            if defines && looks_like_code(trimmed) {
                let end = c.start + 2 + (body.len() - trimmed.len());
                fixes.replace(
                    CONFIDENCE,
                    format!("uncomment the declaration of `{name}`"),
                    t.file,
                    c.start,
                    end,
                    "",
                );
            }
        }
        fixes.done()
    }
}
