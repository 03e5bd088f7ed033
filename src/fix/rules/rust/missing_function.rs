//! `rust.missing-function`: writes a function the program calls but never defined. Answers:
//! E0425 `cannot find function `f` in this scope`. Fix: `fn f(…) -> R { Default::default() }`
//! after the item that calls it, its parameters typed from the call's arguments and its return
//! type from what the call's position expects (an annotation, a return, an operand, `?`).
//!
//! Why it is safe: only the name's uses are read and a new item is added; nothing existing
//! changes. The body is a typed placeholder (never `todo!`), so the program compiles and its
//! tests, if any, say whether the placeholder is enough. Other rules' renames to an existing
//! name compete with it, and the heal loop validates every candidate.
//!
//! Example: `let total: i32 = sum_all(&v, 3);` with no `sum_all` gains
//! `fn sum_all(v: &[i32], arg2: i32) -> i32 { Default::default() }`.

use super::*;
use crate::fix::ErrorKind;

/// The call's position and arguments say every type.
const CONFIDENCE_TYPED: f64 = 0.45;
/// The return type comes from the function's name (`is_…` → `bool`).
const CONFIDENCE_NAMED: f64 = 0.4;
/// Some type is a guess (a type parameter, `i32`).
const CONFIDENCE_GUESSED: f64 = 0.3;
/// The three, by what the written signature rests on.
const CONFIDENCE: DefinitionConfidence = DefinitionConfidence {
    typed: CONFIDENCE_TYPED,
    named: CONFIDENCE_NAMED,
    guessed: CONFIDENCE_GUESSED,
};

/// Writes a function the program calls but never defined.
pub(crate) struct MissingFunction;

impl Rule for MissingFunction {
    const META: RuleMeta = RuleMeta::new("rust.missing-function", FixApplicability::Speculative)
        .language(TargetLanguage::Rust)
        .kinds(&[ErrorKind::UndefinedVariable, ErrorKind::Compiler])
        .codes(&["E0425"]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        define_function(error, program).unwrap_or_default()
    }
}

/// The fix writing the function the error names.
fn define_function(error: &CodeError, program: &Program) -> Option<Vec<Fix>> {
    if !message(error).starts_with("cannot find function `")
        || message(error).contains(" in module ")
        || message(error).contains(" in crate ")
    {
        return None;
    }
    let (name, _) = undefined_name(message(error))?;
    let t = UseSite::editable(error, program, TargetLanguage::Rust)?;
    let call = t.function_call(&name)?;
    let sig = rust_signature(call, t.text, &name)?;
    let item = top_level_item(call)?;
    let def = rust_fn_text(&name, &sig, None, "")?;
    let confidence = CONFIDENCE.of(sig.params_known, sig.ret_from);
    let at = item.end_byte();
    Some(insert_definition(
        MissingFunction::META.id,
        confidence,
        format!(
            "define the missing function `{name}` ({})",
            signature_line(&def)
        ),
        t.file,
        at,
        &format!("\n\n{def}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::text::testing::rust_undefined;

    /// The function written after the program for a call of a missing `name` at `(line, col)`.
    #[test]
    fn function_written_after_the_program() {
        for (case, text, at, name, def) in [
            (
                "typed from the arguments and the annotation",
                "fn main() {\n    let v = vec![1, 2];\n    let total: i64 = sum_all(&v, 3, \"x\");\n    println!(\"{total}\");\n}\n",
                (3, 22),
                "sum_all",
                "fn sum_all(v: &[i32], arg2: i32, arg3: &str) -> i64 {\n    Default::default()\n}\n",
            ),
            (
                "a statement call returns nothing, unknown arguments are generic",
                "fn main() {\n    let x = std::env::args();\n    report(x);\n}\n",
                (3, 5),
                "report",
                "fn report<T>(x: T) {\n}\n",
            ),
            (
                "a call under `?` returns the caller's result",
                "fn run() -> Result<u32, String> {\n    let n: u32 = load(\"a\")?;\n    Ok(n)\n}\n",
                (2, 18),
                "load",
                "fn load(arg1: &str) -> Result<u32, String> {\n    Ok(Default::default())\n}\n",
            ),
        ] {
            let msg = format!("cannot find function `{name}` in this scope");
            assert_eq!(
                rust_undefined(&MissingFunction, "E0425", text, at, &msg),
                [format!("{}\n\n{def}", text.trim_end())],
                "{case}"
            );
        }
    }

    #[test]
    fn values_and_module_paths_are_not_functions() {
        let text = "fn main() {\n    let x = limit;\n}\n";
        let msg = "cannot find value `limit` in this scope";
        assert!(rust_undefined(&MissingFunction, "E0425", text, (2, 13), msg).is_empty());
    }
}
