//! `python.missing-import`: `name 'X' is not defined` for a stdlib module or a name a stdlib module
//! exports: `import X` / `from M import X` after the file's imports.
//!
//! Why it is safe: nothing in the program defines the name and the stdlib does; the import adds the
//! definition without touching other code.
//!
//! Example:
//!
//! ```text
//! print(sqrt(2))
//! ```
//!
//! becomes
//!
//! ```text
//! from math import sqrt
//! print(sqrt(2))
//! ```

use super::*;

/// A module is never called: `string(x)` wants `str(x)`, not `import string`.
const IMPORT_CALLED_MODULE: f64 = 0.3;
/// A standard module's name used unimported: `import` it.
const IMPORT_MODULE: f64 = 0.65;
/// A name a standard module exports: `from module import name`.
const IMPORT_FROM: f64 = 0.6;
/// Each later module exporting it clearly less likely.
const RANK_STEP: f64 = 0.1;
/// The module is already imported: qualifying the name beats another import.
const QUALIFY_BONUS: f64 = 0.05;

/// Whether the name at `end` is called: `name(`.
pub(crate) fn is_called(src: &str, end: usize) -> bool {
    src[end..].trim_start_matches([' ', '\t']).starts_with('(')
}

pub(crate) fn missing_import(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    let Some((name, t)) = name_error_target(error, program) else {
        return Vec::new();
    };
    let mut fixes = Fixes::new(id);
    let called = name_at(&t, &name).is_some_and(|(_, e)| is_called(t.text, e));
    if tables().stdlib.contains(name.as_str()) {
        // A module is never called; `string(x)` wants `str(x)`, not `import string`.
        import_fix(
            &mut fixes,
            if called {
                IMPORT_CALLED_MODULE
            } else {
                IMPORT_MODULE
            },
            t.file,
            t.text,
            &format!("import {name}"),
        );
    }
    for (k, module) in modules_exporting(&name).into_iter().take(3).enumerate() {
        let conf = IMPORT_FROM - RANK_STEP * k as f64;
        import_fix(
            &mut fixes,
            conf,
            t.file,
            t.text,
            &format!("from {module} import {name}"),
        );
        // The module may be imported already: qualify the name instead.
        let imported = t
            .text
            .lines()
            .any(|l| l.trim() == format!("import {module}"));
        if imported {
            if let Some((s, e)) = name_at(&t, &name) {
                fixes.replace(
                    conf + QUALIFY_BONUS,
                    format!("use `{module}.{name}`"),
                    t.file,
                    s,
                    e,
                    &format!("{module}.{name}"),
                );
            }
        }
    }
    fixes.done()
}

/// The `python.missing-import` rule.
pub(crate) struct MissingImport;

impl Rule for MissingImport {
    const META: RuleMeta = RuleMeta::new("python.missing-import", FixApplicability::Likely)
        .language(TargetLanguage::Python);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        missing_import(Self::META.id, error, program)
    }
}
