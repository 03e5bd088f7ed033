//! `python.module-name`: `No module named 'X'`: the closest stdlib module name (`maths` → `math`),
//! or the import of a name that is a member, not a module.
//!
//! Why it is safe: the module does not exist; candidates are stdlib modules from the generated
//! table.
//!
//! Example: `import maths` → `import math`.

use super::*;

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
        for (k, (candidate, score)) in closest(top, tables().stdlib.iter().copied(), 0.6)
            .into_iter()
            .take(3)
            .enumerate()
        {
            fixes.replace(
                0.3 + 0.4 * score - 0.05 * k as f64,
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
            for (k, (candidate, score)) in closest(name, members.iter().copied(), 0.5)
                .into_iter()
                .take(3)
                .enumerate()
            {
                fixes.replace(
                    0.3 + 0.4 * score - 0.05 * k as f64,
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
                    0.5,
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
