//! `python.module-name`: `No module named 'X'`: the closest stdlib module name (`maths` → `math`),
//! or the import of a name that is a member, not a module.
//!
//! Why it is safe: the module does not exist; candidates are stdlib modules from the generated
//! table.
//!
//! Example: `import maths` → `import math`.

use super::*;

/// Standard modules less similar than this are not offered.
const MIN_MODULE_SIMILARITY: f64 = 0.6;
/// The base of a similar name; its similarity adds up to `SIMILAR_SCALE`.
const SIMILAR_BASE: f64 = 0.3;
/// How much a similar name's score adds.
const SIMILAR_SCALE: f64 = 0.4;
/// Each later candidate a little less likely.
const RANK_STEP: f64 = 0.05;
/// Members less similar than this are not offered.
const MIN_MEMBER_SIMILARITY: f64 = 0.5;
/// The name imported from another module that exports it: one of a few.
const OTHER_MODULE: f64 = 0.5;

pub(crate) fn module_name(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    let msg = message(error);
    let mut fixes = Fixes::new(id);
    let Some(t) = target(error, program) else {
        return Vec::new();
    };
    let tokens = code_tokens(PY, t.text);
    let (ls, le) = t.lines.range(t.text, t.line);
    let on_line = |word: &str| {
        tokens
            .iter()
            .find(|k| k.start >= ls && k.end <= le && k.text(t.text) == word)
            .copied()
    };
    if let Some(rest) = msg.strip_prefix("No module named ") {
        let Some(missing) = quoted(rest) else {
            return Vec::new();
        };
        let top = missing.split('.').next().unwrap_or(missing);
        if tables().stdlib.contains(top) {
            return Vec::new();
        }
        let Some(tok) = on_line(top) else {
            return Vec::new();
        };
        for (k, (candidate, score)) in
            closest(top, tables().stdlib.iter().copied(), MIN_MODULE_SIMILARITY)
                .into_iter()
                .take(3)
                .enumerate()
        {
            fixes.replace(
                SIMILAR_BASE + SIMILAR_SCALE * score - RANK_STEP * k as f64,
                format!("import the standard module `{candidate}`"),
                t.file,
                tok.start,
                tok.end,
                candidate,
            );
        }
    } else if msg.starts_with("cannot import name ") {
        // `cannot import name 'X' from 'M' (...)`
        let mut parts = msg.split('\'');
        let (Some(name), Some(module)) = (parts.nth(1), parts.nth(1)) else {
            return Vec::new();
        };
        let Some(tok) = on_line(name) else {
            return Vec::new();
        };
        if let Some(members) = module_members(module) {
            for (k, (candidate, score)) in
                closest(name, members.iter().copied(), MIN_MEMBER_SIMILARITY)
                    .into_iter()
                    .take(3)
                    .enumerate()
            {
                fixes.replace(
                    SIMILAR_BASE + SIMILAR_SCALE * score - RANK_STEP * k as f64,
                    format!("import `{candidate}` from `{module}`"),
                    t.file,
                    tok.start,
                    tok.end,
                    candidate,
                );
            }
        }
        if let Some(mtok) = on_line(module) {
            for other in modules_exporting(name).into_iter().take(2) {
                fixes.replace(
                    OTHER_MODULE,
                    format!("import `{name}` from `{other}`"),
                    t.file,
                    mtok.start,
                    mtok.end,
                    other,
                );
            }
        }
    }
    fixes.done()
}

/// The `python.module-name` rule.
pub(crate) struct ModuleName;

impl Rule for ModuleName {
    const META: RuleMeta = RuleMeta::new("python.module-name", FixApplicability::Likely)
        .language(TargetLanguage::Python);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        module_name(Self::META.id, error, program)
    }
}
