//! `go.define-assign`: `:=` / `=` / `==` confusions. Answers: `no new variables on left side of
//! :=`, `non-name … on left side of :=`, `undefined: x` at `x = …`. Fix: `:=` ↔ `=`, `:=` → `==` in
//! conditions.
//!
//! Why it is safe: Go reports the exact operator; the fix swaps `:=`, `=` and `==` on that line
//! only, which keeps the same variables.
//!
//! Example: `x := 2 // x already declared` → `x = 2`.

use super::*;

/// `if a = b {`: a condition compares.
const COMPARE_IN_CONDITION: f64 = 0.7;
/// `:=` with every name on the left declared already: an assignment was meant.
const ASSIGN_EXISTING: f64 = 0.7;
/// Deleting the statement drops what it assigns: a guess.
const DELETE_REDECLARATION: f64 = 0.35;
/// `if a[i] := b {`: an assignment in a condition is rarely meant.
const ASSIGN_IN_CONDITION: f64 = 0.35;
/// There a comparison is.
const COMPARE_DEFINE_IN_CONDITION: f64 = 0.65;
/// `a[i] := v` outside a condition: an assignment to what is not a new name.
const ASSIGN_NOT_NEW: f64 = 0.65;
/// A comparison as a statement does nothing: unlikely.
const COMPARE_OUTSIDE_CONDITION: f64 = 0.3;
/// `x = v` with `x` never declared: `:=` declares it.
const DECLARE_UNDEFINED: f64 = 0.6;

/// `:=` / `=` / `==` confusions.
pub struct DefineAssign;

impl Rule for DefineAssign {
    const META: RuleMeta =
        RuleMeta::new("go.define-assign", FixApplicability::Safe).language(TargetLanguage::Go);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some((loc, text, (line_start, line))) = error_line(error, program) else {
            return Vec::new();
        };
        let file = loc.file.as_str();
        let id = Self::META.id;
        let msg = error.message.as_str();
        let mut fixes = Vec::new();
        let stmt = line.trim_start();
        let in_condition = stmt.starts_with("if ")
            || stmt.starts_with("} else if ")
            || stmt.starts_with("for ") && stmt.matches(';').count() < 2
            || stmt.starts_with("switch ")
            || stmt.starts_with("return ");
        let condition_misuse = msg.contains("unexpected =, expecting {")
            || msg.contains("expected '==', found '='")
            || (msg.contains(":=") && msg.ends_with("as value"));
        if condition_misuse && in_condition {
            // `if a = 0 || b = 1 {` / `if x := y {`: every assignment in the condition meant `==`.
            let cond_end = line.rfind('{').unwrap_or(line.len());
            let cond = &line[..cond_end];
            let bytes = cond.as_bytes();
            let mut edits = Vec::new();
            let mut i = 0;
            while i < bytes.len() {
                let prev = if i > 0 { bytes[i - 1] } else { b' ' };
                if bytes[i] == b':' && bytes.get(i + 1) == Some(&b'=') {
                    edits.push(edit(file, line_start + i, line_start + i + 2, "=="));
                    i += 2;
                    continue;
                }
                if bytes[i] == b'='
                    && bytes.get(i + 1) != Some(&b'=')
                    && !b"=!<>:+-*/%&|^".contains(&prev)
                {
                    edits.push(edit(file, line_start + i, line_start + i + 1, "=="));
                }
                if bytes[i] == b'=' && bytes.get(i + 1) == Some(&b'=') {
                    i += 2;
                    continue;
                }
                i += 1;
            }
            if !edits.is_empty() {
                fixes.push(fix(
                    id,
                    "compare with `==` in the condition".into(),
                    COMPARE_IN_CONDITION,
                    edits,
                ));
            }
        }
        if msg.contains("no new variables on left side of :=") {
            if let Some(d) = define_op(line) {
                let d = line_start + d;
                fixes.push(fix(
                    id,
                    "assign with `=`: every name on the left already exists".into(),
                    ASSIGN_EXISTING,
                    vec![edit(file, d, d + 2, "=")],
                ));
                if let Some((ls, le)) = full_line(text, loc.line) {
                    if !stmt.starts_with("for ") && !stmt.starts_with("if ") && !stmt.ends_with('{')
                    {
                        fixes.push(fix(
                            id,
                            "delete the redundant redeclaration".into(),
                            DELETE_REDECLARATION,
                            vec![edit(file, ls, le, "")],
                        ));
                    }
                }
            }
        } else if msg.contains("on left side of :=") {
            // `a[i] := v`, `p.x := v` (needs `=`) or `if a := b {` (meant `==`).
            if let Some(d) = define_op(line) {
                let d = line_start + d;
                let (assign, compare) = if in_condition {
                    (ASSIGN_IN_CONDITION, COMPARE_DEFINE_IN_CONDITION)
                } else {
                    (ASSIGN_NOT_NEW, COMPARE_OUTSIDE_CONDITION)
                };
                fixes.push(fix(
                    id,
                    "assign with `=`: the left side is not a new name".into(),
                    assign,
                    vec![edit(file, d, d + 2, "=")],
                ));
                fixes.push(fix(
                    id,
                    "compare with `==`".into(),
                    compare,
                    vec![edit(file, d, d + 2, "==")],
                ));
            }
        } else if code(error) == "undefined" {
            // `x = v` (or `for x = 0; …`) where `x` was never declared: declare it with `:=`.
            let Some((name, crate::fix::text::NameKind::Value)) = undefined_name(msg) else {
                return fixes;
            };
            let Some(pos) = find_word_on_line(text, loc.line, loc.column, &name) else {
                return fixes;
            };
            let before = text[line_start..pos].trim();
            let starts_stmt = before.is_empty()
                || before == "for"
                || before.ends_with(',') && !before.contains('(');
            let rest = &text[pos + name.len()..];
            let rest_trim = rest.trim_start_matches([' ', '\t']);
            let eq_offset = if rest_trim.starts_with('=') && !rest_trim.starts_with("==") {
                Some(rest.len() - rest_trim.len())
            } else if rest_trim.starts_with(',') {
                // `x, y = …`: find the `=` of this statement on the line.
                let line_rest = &text[pos..line_start + line.len()];
                line_rest.find(" = ").map(|i| i + 1 - name.len())
            } else {
                None
            };
            // `for x := …` declares `x` for the loop only: when the function reads `x` after
            // the loop, `:=` would leave that use undefined (or shadow a later declaration),
            // and the declaration belongs at the function's top (`go.undeclared-variable`).
            let loop_only = before == "for" && read_after_loop(text, pos, &name);
            if let (true, Some(off), false) = (starts_stmt, eq_offset, loop_only) {
                let eq = pos + name.len() + off;
                fixes.push(fix(
                    id,
                    format!("declare `{name}` with `:=`"),
                    DECLARE_UNDEFINED,
                    vec![edit(file, eq, eq + 1, ":=")],
                ));
            }
        }
        fixes
    }
}

/// Whether the function holding the `for` statement whose header is at `pos` uses `name`
/// after that statement ends.
fn read_after_loop(text: &str, pos: usize, name: &str) -> bool {
    let Some(tree) = parse_tree(TargetLanguage::Go, text) else {
        return false;
    };
    let Some(at) = tree.root_node().descendant_for_byte_range(pos, pos) else {
        return false;
    };
    let mut node = Some(at);
    while let Some(n) = node {
        if n.kind() == "for_statement" {
            break;
        }
        node = n.parent();
    }
    let Some(for_statement) = node else {
        return false;
    };
    let Some(function) = super::scope::enclosing_function(for_statement) else {
        return false;
    };
    all_nodes(function).into_iter().any(|n| {
        n.kind() == "identifier"
            && n.start_byte() >= for_statement.end_byte()
            && node_text(n, text) == name
    })
}
