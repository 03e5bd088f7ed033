//! `javascript.const-assignment`: `Assignment to constant variable`: the `const` declaration of the
//! assigned name becomes `let`.
//!
//! Why it is safe: the program assigns the variable on purpose; `let` allows exactly that and
//! changes nothing else.
//!
//! Example: `const total = 0; total += x;` → `let total = 0; total += x;`.

use super::*;

/// Confidence of the fix: the program does reassign the name, so `let` is what it needs.
const CONFIDENCE: f64 = 0.7;

/// The `javascript.const-assignment` rule.
pub(crate) struct ConstAssignment;

impl Rule for ConstAssignment {
    const META: RuleMeta = RuleMeta::new("javascript.const-assignment", FixApplicability::Likely)
        .language(TargetLanguage::JavaScript);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        if !message(error).starts_with("Assignment to constant variable") {
            return Vec::new();
        }
        let Some((t, tokens, (ls, le))) = lexed_target(error, program) else {
            return Vec::new();
        };
        let src = t.text;
        let mut fixes = Fixes::new(Self::META.id);
        let decls = declarations(src, &tokens);
        // The assigned names on the error line: `x = `, `x += `, `x++`, `++x`.
        for k in 0..tokens.len() {
            let tk = tokens[k];
            if tk.start < ls || tk.end > le || tk.kind != Kind::Ident {
                continue;
            }
            let next = tokens.get(k + 1).map_or("", |n| n.text(src));
            let prev = k.checked_sub(1).map_or("", |p| tokens[p].text(src));
            let assigned = (next.ends_with('=')
                && !matches!(next, "==" | "===" | "!=" | "!==" | "<=" | ">="))
                || matches!(next, "++" | "--")
                || matches!(prev, "++" | "--");
            if !assigned || prev == "." {
                continue;
            }
            let name = tk.text(src);
            let Some(d) = visible(&decls, tk.start)
                .into_iter()
                .rev()
                .find(|d| d.name == name)
            else {
                continue;
            };
            // The `const` keyword of that declaration.
            let di = token_at(&tokens, d.at);
            if let Some(c) = (0..di)
                .rev()
                .take(64)
                .find(|&j| matches!(tokens[j].text(src), "const" | "let" | "var"))
            {
                if tokens[c].text(src) == "const" {
                    fixes.replace(
                        CONFIDENCE,
                        format!("declare `{name}` with `let` so it can be reassigned"),
                        t.file,
                        tokens[c].start,
                        tokens[c].end,
                        "let",
                    );
                }
            }
        }
        fixes.done()
    }
}
