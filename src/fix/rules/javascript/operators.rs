//! `javascript.operators`: `=>` and `...` where they do not belong (`=>` for `>=`, a spread outside
//! a call or literal).
//!
//! Why it is safe: the parser rejects the operator there; the fix replaces it with the one it was
//! most likely meant to be.
//!
//! Example: `if (a => b) {` → `if (a >= b) {`.

use super::*;

/// A spread `...` where the parser refuses one: a leftover.
const DROP_SPREAD: f64 = 0.6;
/// `=>` inside an object literal: a separator between entries, most often `,`.
const OBJECT_COMMA: f64 = 0.55;
/// Or the `:` of a key.
const OBJECT_COLON: f64 = 0.45;
/// `=>` in a condition: `>=` with its characters swapped.
const CONDITION_AT_LEAST: f64 = 0.5;
/// Or a comparison for equality, as `===`.
const CONDITION_STRICT_EQUAL: f64 = 0.45;
/// As `==`.
const CONDITION_LOOSE_EQUAL: f64 = 0.4;
/// Or `>` with a stray `=`.
const CONDITION_GREATER: f64 = 0.35;
/// `=>` elsewhere: `>=` swapped, one guess of several.
const STATEMENT_AT_LEAST: f64 = 0.35;
/// An assignment or a comparison: weaker guesses.
const STATEMENT_OTHER: f64 = 0.3;
/// `return -1 => "text";`: the arrow and what follows it are left over.
const DROP_ARROW_AFTER_RETURN: f64 = 0.5;
/// Elsewhere, dropping the rest of the statement may lose code.
const DROP_ARROW: f64 = 0.3;

/// The `javascript.operators` rule.
pub(crate) struct Operators;

impl Rule for Operators {
    const META: RuleMeta = RuleMeta::new("javascript.operators", FixApplicability::Likely)
        .language(TargetLanguage::JavaScript);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some((t, tokens, (ls, le))) = syntax_target(error, program).map(lexed) else {
            return Vec::new();
        };
        let src = t.text;
        let mut fixes = Fixes::new(Self::META.id);
        let msg = message(error);
        let on_line: Vec<usize> = (0..tokens.len())
            .filter(|&k| tokens[k].start >= ls && tokens[k].end <= le)
            .collect();
        if msg.contains("'...'") {
            for &k in &on_line {
                if tokens[k].text(src) == "..." {
                    fixes.replace(
                        DROP_SPREAD,
                        "delete the misplaced spread `...`",
                        t.file,
                        tokens[k].start,
                        tokens[k].end,
                        "",
                    );
                }
            }
        }
        if msg.contains("arrow function") || msg.contains("'=>'") {
            for &k in &on_line {
                if tokens[k].text(src) != "=>" {
                    continue;
                }
                let arrow = tokens[k];
                let first = tokens[on_line[0]].text(src);
                let in_object = crate::fix::text::enclosing_open(src, &tokens, k) == Some("{")
                    && !matches!(first, "if" | "while" | "return" | "for")
                    || (first == "return"
                        && on_line.get(1).is_some_and(|&j| tokens[j].text(src) == "{"));
                let in_condition =
                    matches!(first, "if" | "while" | "}") && src[ls..arrow.start].contains('(');
                let options: &[(&str, f64)] = if in_object {
                    &[(",", OBJECT_COMMA), (":", OBJECT_COLON)]
                } else if in_condition {
                    &[
                        (">=", CONDITION_AT_LEAST),
                        ("===", CONDITION_STRICT_EQUAL),
                        ("==", CONDITION_LOOSE_EQUAL),
                        (">", CONDITION_GREATER),
                    ]
                } else {
                    &[
                        (">=", STATEMENT_AT_LEAST),
                        ("=", STATEMENT_OTHER),
                        ("===", STATEMENT_OTHER),
                    ]
                };
                for (rep, conf) in options {
                    fixes.replace(
                        *conf,
                        format!("replace `=>` with `{rep}`"),
                        t.file,
                        arrow.start,
                        arrow.end,
                        rep,
                    );
                }
                // `return -1 => "text";`: drop the arrow and what follows it in the statement.
                let end = on_line
                    .iter()
                    .copied()
                    .filter(|&j| j > k)
                    .find(|&j| matches!(tokens[j].text(src), ";" | ")" | "}" | ","));
                let end = end.map_or(le, |j| tokens[j].start);
                let start = if k > 0 {
                    tokens[k - 1].end
                } else {
                    arrow.start
                };
                let conf = if first == "return" && !in_object {
                    DROP_ARROW_AFTER_RETURN
                } else {
                    DROP_ARROW
                };
                fixes.replace(conf, "delete the stray `=> …`", t.file, start, end, "");
            }
        }
        fixes.done()
    }
}
