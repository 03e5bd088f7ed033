//! `javascript.missing-new`: `Class constructor X cannot be invoked without 'new'`: `new` added
//! before the call.
//!
//! Why it is safe: calling a class without `new` always throws; adding it is the only way the call
//! can work.
//!
//! Example: `const p = Point(1, 2);` → `const p = new Point(1, 2);`.

use super::*;

/// Confidence of the fix: a class called without `new` throws; `new` is what it needs.
const CONFIDENCE: f64 = 0.7;

/// The `javascript.missing-new` rule.
pub(crate) struct MissingNew;

impl Rule for MissingNew {
    const META: RuleMeta = RuleMeta::new("javascript.missing-new", FixApplicability::Likely)
        .language(TargetLanguage::JavaScript);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let msg = message(error);
        // `Class constructor Foo cannot be invoked without 'new'`, `Constructor Map requires 'new'`.
        let class = msg
            .strip_prefix("Class constructor ")
            .and_then(|r| r.split_whitespace().next())
            .or_else(|| {
                msg.strip_prefix("Constructor ")
                    .and_then(|r| r.strip_suffix(" requires 'new'"))
            });
        let Some(class) = class else {
            return Vec::new();
        };
        let Some(t) = target(error, program) else {
            return Vec::new();
        };
        let tokens = code_tokens(JS, t.text);
        let mut fixes = Fixes::new(Self::META.id);
        if let Some(k) = ident_at(&t, &tokens, class) {
            let prev_new = k > 0 && tokens[k - 1].text(t.text) == "new";
            if !prev_new {
                fixes.replace(
                    CONFIDENCE,
                    format!("construct `{class}` with `new`"),
                    t.file,
                    tokens[k].start,
                    tokens[k].start,
                    "new ",
                );
            }
        }
        fixes.done()
    }
}
