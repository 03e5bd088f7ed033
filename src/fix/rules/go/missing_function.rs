//! `go.missing-function`: writes a function the program calls but never defined. Answers:
//! `undefined: name` where `name(…)` is called. Fix: `func name(…) R { return <zero> }` after
//! the declaration that calls it (at the end of the program's file when a protected test calls
//! it), parameters typed from the arguments (`any` where the text does not say) and results
//! from the call's position: a `var` type, the enclosing function's results for a `return`, the
//! other operand, `v, err :=` (a trailing `error`), else what the name suggests.
//!
//! Why it is safe: only the calls are read and a new function is added; nothing existing
//! changes. The body returns the zero values, so the program compiles and its tests say
//! whether that is enough.
//!
//! Example: `total := sumAll(xs)` with no `sumAll` gains
//! `func sumAll(xs []int) int { return 0 }`.

use super::*;
use crate::fix::ErrorKind;

/// The call's position and arguments say every type.
const CONFIDENCE_TYPED: f64 = 0.45;
/// The results come from the name.
const CONFIDENCE_NAMED: f64 = 0.4;
/// A parameter is `any` or the result is `int` for want of anything better.
const CONFIDENCE_GUESSED: f64 = 0.3;
/// The three, by what the signature rests on.
const CONFIDENCE: DefinitionConfidence = DefinitionConfidence {
    typed: CONFIDENCE_TYPED,
    named: CONFIDENCE_NAMED,
    guessed: CONFIDENCE_GUESSED,
};

/// Names other rules define better (`go.builtin-helper`).
const LEFT_TO_OTHERS: &[&str] = &["min", "max", "abs"];

/// Writes a function the program calls but never defined.
pub(crate) struct MissingFunction;

impl Rule for MissingFunction {
    const META: RuleMeta = RuleMeta::new("go.missing-function", FixApplicability::Speculative)
        .language(TargetLanguage::Go)
        .kinds(&[ErrorKind::UndefinedVariable, ErrorKind::Compiler]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some(name) =
            super::scope::undefined_identifier(error).filter(|n| !LEFT_TO_OTHERS.contains(n))
        else {
            return Vec::new();
        };
        let Some(site) = UseSite::of(error, program, TargetLanguage::Go) else {
            return Vec::new();
        };
        let (file, use_text) = (site.file, site.text);
        let Some(call) = site
            .name_node(name)
            .filter(|n| n.kind() == "identifier")
            .and_then(call_of)
        else {
            return Vec::new();
        };
        let sig = go_signature(call, use_text, name);
        let def = go_fn_text(name, &sig, None);
        let confidence = CONFIDENCE.of(sig.params_known, sig.ret_from);
        let (def_file, at, insert) = match editable_file(program, file) {
            Some((f, _)) => {
                let Some(item) = top_level_item(call) else {
                    return Vec::new();
                };
                (f, item.end_byte(), format!("\n\n{def}"))
            }
            None => {
                let Some((f, text)) = definition_file(program, file) else {
                    return Vec::new();
                };
                let trimmed = text.trim_end().len();
                (f, trimmed, format!("\n\n{def}"))
            }
        };
        insert_definition(
            Self::META.id,
            confidence,
            format!(
                "define the missing function `{name}` ({})",
                signature_line(&def)
            ),
            def_file,
            at,
            &insert,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{undefined_in, undefined_results};
    use super::*;
    use crate::fix::text::testing::{program, program_with_test};
    use crate::fix::FixStrategy;

    #[test]
    fn function_typed_from_arguments_and_the_declared_variable() {
        let text = "package main\n\nfunc main() {\n\txs := []int{1, 2}\n\tvar avg float64 = mean(xs, len(xs))\n\t_ = avg\n}\n";
        let p = program(TargetLanguage::Go, "main.go", text);
        assert_eq!(
            undefined_results(&MissingFunction, &p, text, "mean", (5, 20)),
            [format!(
                "{}\n\nfunc mean(xs []int, arg2 int) float64 {{\n\treturn 0\n}}\n",
                text.trim_end()
            )]
        );
    }

    #[test]
    fn a_protected_test_calling_it_puts_it_in_the_program() {
        let main = "package main\n\nfunc main() {}\n";
        let test = "package main\n\nimport \"testing\"\n\nfunc TestX(t *testing.T) {\n\tif !isPrime(7) {\n\t\tt.Fatal(\"x\")\n\t}\n}\n";
        let p = program_with_test(
            TargetLanguage::Go,
            ("main.go", main),
            ("main_test.go", test),
        );
        let fixes = MissingFunction.suggest(&undefined_in("isPrime", "main_test.go", (6, 6)), &p);
        assert_eq!(fixes.len(), 1);
        assert_eq!(fixes[0].edits[0].file, "main.go");
        assert_eq!(
            fixes[0].edits[0].replacement,
            "\n\nfunc isPrime(arg1 int) bool {\n\treturn false\n}"
        );
    }
}
