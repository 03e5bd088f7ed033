//! `any.compiler-suggestion`: the toolchain's own suggested replacements, as fixes.
//!
//! rustc attaches replacements to its diagnostics at four applicability levels; other parsers
//! put "did you mean" hints in the same place (as `MaybeIncorrect`). Each suggestion becomes a
//! fix whose confidence follows its applicability, and one more fix applies every
//! machine-applicable suggestion of the error at once (what `cargo fix` would do).
//!
//! `rust.machine-applicable` proposes only the machine-applicable ones: it measures how far
//! "cargo fix"-style healing gets on its own.
//!
//! Why it is safe: the toolchain proposed the replacement itself; each fix's applicability is the
//! compiler's own level (machine-applicable ones are what `cargo fix` applies).
//!
//! Example: rustc's "add `;` here" on `let x = 1` → `let x = 1;`.

use crate::fix::{Edit, Fix, FixApplicability, Rule, RuleMeta};
use crate::program::Program;
use crate::types::{Applicability, CodeError, CompilerSuggestion, Replacement};

/// Turns an error's compiler suggestions into fixes (`any.compiler-suggestion`).
pub(crate) struct CompilerSuggestions;

/// Turns only an error's machine-applicable compiler suggestions into fixes
/// (`rust.machine-applicable`, opt-in: not in the built-in engine).
pub(crate) struct MachineApplicable;

impl Rule for CompilerSuggestions {
    const META: RuleMeta = RuleMeta::new("any.compiler-suggestion", FixApplicability::Safe);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        suggestions(Self::META.id, false, error, program)
    }
}

impl Rule for MachineApplicable {
    const META: RuleMeta = RuleMeta::new("rust.machine-applicable", FixApplicability::Safe);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        suggestions(Self::META.id, true, error, program)
    }
}

/// Confidence in a machine-applicable suggestion.
const MACHINE_APPLICABLE: f64 = 0.9;
/// Confidence in a "maybe incorrect" suggestion (and other parsers' "did you mean" hints).
const MAYBE_INCORRECT: f64 = 0.6;
/// Confidence in a suggestion of unspecified applicability.
const UNSPECIFIED: f64 = 0.5;
/// Confidence in a suggestion with placeholders.
const HAS_PLACEHOLDERS: f64 = 0.2;
/// Most confidence in a suggestion whose text still holds a placeholder (`/* Type */`).
const PLACEHOLDER_TEXT: f64 = 0.05;
/// Confidence in applying every machine-applicable suggestion of the error at once.
const ALL_MACHINE_APPLICABLE: f64 = 0.92;

/// The strategy's confidence in a suggestion at each applicability level.
fn confidence(applicability: Applicability) -> f64 {
    match applicability {
        Applicability::MachineApplicable => MACHINE_APPLICABLE,
        Applicability::MaybeIncorrect => MAYBE_INCORRECT,
        Applicability::Unspecified => UNSPECIFIED,
        Applicability::HasPlaceholders => HAS_PLACEHOLDERS,
    }
}

/// Placeholder text rustc puts in `HasPlaceholders` suggestions; code with it never compiles.
fn has_placeholder(text: &str) -> bool {
    text.contains("/* ") && text.contains(" */")
        || text.contains("/* value */")
        || text.contains("/* Type */")
}

fn suggestions(id: &str, machine_only: bool, error: &CodeError, program: &Program) -> Vec<Fix> {
    let mut fixes = Vec::new();
    let mut machine_edits: Vec<Edit> = Vec::new();
    let mut machine_count = 0usize;
    for suggestion in &error.suggestions {
        let machine = suggestion.applicability == Applicability::MachineApplicable;
        if machine_only && !machine {
            continue;
        }
        for alternative in alternatives(&suggestion.replacements) {
            let Some(edits) = to_edits(&alternative, program) else {
                continue;
            };
            let mut conf = confidence(suggestion.applicability);
            let mut applicability = FixApplicability::of_compiler(suggestion.applicability);
            if alternative.iter().any(|r| has_placeholder(&r.text)) {
                // Kept (someone may fill it in), but it cannot compile as it is.
                conf = conf.min(PLACEHOLDER_TEXT);
                applicability = FixApplicability::Speculative;
            }
            if machine && !overlaps_any(&edits, &machine_edits) {
                machine_edits.extend(edits.iter().cloned());
                machine_count += 1;
            }
            fixes.push(Fix {
                strategy: id.to_string(),
                description: describe(suggestion, &alternative),
                confidence: conf,
                applicability,
                edits,
            });
        }
    }
    if machine_count > 1 {
        fixes.push(Fix {
            strategy: id.to_string(),
            description: format!(
                "apply all {machine_count} machine-applicable compiler suggestions"
            ),
            confidence: ALL_MACHINE_APPLICABLE,
            applicability: FixApplicability::Safe,
            edits: machine_edits,
        });
    }
    fixes
}

/// rustc lists alternative suggestions ("consider importing one of these") as replacements of
/// one child diagnostic, all at the same place; multipart suggestions (wrap in `Some(…)`) are
/// disjoint replacements that belong together. Replacements are grouped in order, a new group
/// starting whenever one overlaps a replacement already in the current group.
fn alternatives(replacements: &[Replacement]) -> Vec<Vec<Replacement>> {
    let mut groups: Vec<Vec<Replacement>> = Vec::new();
    for r in replacements {
        let clash = groups.last().is_some_and(|g| {
            g.iter().any(|o| {
                o.file == r.file && clash((o.byte_start, o.byte_end), (r.byte_start, r.byte_end))
            })
        });
        match groups.last_mut() {
            Some(g) if !clash => g.push(r.clone()),
            _ => groups.push(vec![r.clone()]),
        }
    }
    groups
}

/// Edits for replacements in program files that may be changed; `None` when any replacement
/// is outside the program or in a protected file (half a suggestion is no suggestion).
fn to_edits(replacements: &[Replacement], program: &Program) -> Option<Vec<Edit>> {
    replacements
        .iter()
        .map(|r| {
            let text = program.files().get(&r.file)?;
            let ok = !program.protected().contains(&r.file)
                && r.byte_start <= r.byte_end
                && r.byte_end <= text.len()
                && text.is_char_boundary(r.byte_start)
                && text.is_char_boundary(r.byte_end);
            ok.then(|| Edit {
                file: r.file.clone(),
                byte_start: r.byte_start,
                byte_end: r.byte_end,
                replacement: r.text.clone(),
            })
        })
        .collect()
}

fn overlaps_any(edits: &[Edit], others: &[Edit]) -> bool {
    edits.iter().any(|e| {
        others.iter().any(|o| {
            o.file == e.file && clash((o.byte_start, o.byte_end), (e.byte_start, e.byte_end))
        })
    })
}

/// Two byte ranges of one file clash when they overlap or start at the same point (two
/// insertions there have no order).
fn clash((a_start, a_end): (usize, usize), (b_start, b_end): (usize, usize)) -> bool {
    a_start == b_start || (b_start < a_end && a_start < b_end)
}

fn describe(suggestion: &CompilerSuggestion, replacements: &[Replacement]) -> String {
    let message = suggestion.message.trim();
    match replacements {
        [one] if one.text.trim().is_empty() && one.byte_start < one.byte_end => {
            format!("compiler: {message} (remove text)")
        }
        [one] => format!("compiler: {message}: `{}`", one.text.trim()),
        _ => format!("compiler: {message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::{apply_fix, FixStrategy};
    use crate::types::{ErrorType, TargetLanguage};

    fn program() -> Program {
        crate::fix::text::testing::program_with_test(
            TargetLanguage::Rust,
            ("lib.rs", "fn f() -> i32 {\n    let x = 1\n    x\n}\n"),
            ("tests.rs", "#[test]\nfn t() {}\n"),
        )
    }

    fn suggestion(
        applicability: Applicability,
        parts: &[(usize, usize, &str)],
    ) -> CompilerSuggestion {
        CompilerSuggestion {
            message: "help".into(),
            applicability,
            replacements: parts
                .iter()
                .map(|(s, e, t)| Replacement {
                    file: "lib.rs".into(),
                    byte_start: *s,
                    byte_end: *e,
                    text: t.to_string(),
                })
                .collect(),
        }
    }

    /// `lib.rs` after applying `fix` to `p`.
    fn lib_rs_after(p: &Program, fix: &Fix) -> String {
        apply_fix(p, fix).unwrap().files()["lib.rs"].clone()
    }

    fn error(suggestions: Vec<CompilerSuggestion>) -> CodeError {
        let mut e = CodeError::new(ErrorType::SyntaxError, "expected `;`, found `x`");
        e.suggestions = suggestions;
        e
    }

    #[test]
    fn machine_applicable_semicolon() {
        let p = program();
        let e = error(vec![suggestion(
            Applicability::MachineApplicable,
            &[(29, 29, ";")],
        )]);
        let fixes = CompilerSuggestions.suggest(&e, &p);
        assert_eq!(fixes.len(), 1);
        assert_eq!(fixes[0].confidence, 0.9);
        assert_eq!(fixes[0].strategy, "any.compiler-suggestion");
        assert_eq!(
            lib_rs_after(&p, &fixes[0]),
            "fn f() -> i32 {\n    let x = 1;\n    x\n}\n"
        );
    }

    #[test]
    fn confidence_follows_applicability() {
        let p = program();
        let e = error(vec![
            suggestion(Applicability::MaybeIncorrect, &[(24, 25, "y")]),
            suggestion(Applicability::Unspecified, &[(24, 25, "z")]),
            suggestion(Applicability::HasPlaceholders, &[(28, 29, "/* value */")]),
        ]);
        let fixes = CompilerSuggestions.suggest(&e, &p);
        let confs: Vec<f64> = fixes.iter().map(|f| f.confidence).collect();
        assert_eq!(confs, [0.6, 0.5, 0.05]);
        assert!(MachineApplicable.suggest(&e, &p).is_empty());
        assert_eq!(MachineApplicable.id(), "rust.machine-applicable");
    }

    #[test]
    fn alternatives_become_separate_fixes_and_multipart_stays_together() {
        let p = program();
        // Two alternative imports at the same point, then a two-part wrap in `Some(…)`.
        let e = error(vec![
            suggestion(
                Applicability::MaybeIncorrect,
                &[
                    (0, 0, "use std::cmp::Ordering;\n"),
                    (0, 0, "use std::sync::atomic::Ordering;\n"),
                ],
            ),
            suggestion(
                Applicability::MaybeIncorrect,
                &[(34, 34, "Some("), (35, 35, ")")],
            ),
        ]);
        let fixes = CompilerSuggestions.suggest(&e, &p);
        assert_eq!(fixes.len(), 3);
        assert_eq!(fixes[0].edits.len(), 1);
        assert_eq!(
            fixes[1].edits[0].replacement,
            "use std::sync::atomic::Ordering;\n"
        );
        assert_eq!(
            lib_rs_after(&p, &fixes[2]),
            "fn f() -> i32 {\n    let x = 1\n    Some(x)\n}\n"
        );
    }

    #[test]
    fn all_machine_applicable_at_once() {
        let p = program();
        let e = error(vec![
            suggestion(Applicability::MachineApplicable, &[(29, 29, ";")]),
            suggestion(Applicability::MachineApplicable, &[(24, 24, "mut ")]),
            suggestion(Applicability::MaybeIncorrect, &[(34, 35, "y")]),
        ]);
        let fixes = CompilerSuggestions.suggest(&e, &p);
        let all = fixes.iter().find(|f| f.edits.len() == 2).unwrap();
        assert_eq!(all.confidence, 0.92);
        assert_eq!(
            lib_rs_after(&p, all),
            "fn f() -> i32 {\n    let mut x = 1;\n    x\n}\n"
        );
        // The machine-applicable-only strategy offers the same two and their combination.
        assert_eq!(MachineApplicable.suggest(&e, &p).len(), 3);
    }

    #[test]
    fn skips_protected_and_out_of_range_replacements() {
        let p = program();
        let mut s = suggestion(Applicability::MachineApplicable, &[(0, 0, "x")]);
        s.replacements[0].file = "tests.rs".into();
        let far = suggestion(Applicability::MachineApplicable, &[(1000, 1000, "x")]);
        assert!(CompilerSuggestions
            .suggest(&error(vec![s, far]), &p)
            .is_empty());
    }
}
