//! `python.missing-method`: writes a method the program calls on an instance of one of its own
//! classes. Answers: `AttributeError: 'C' object has no attribute 'm'` where `x.m(…)` is called
//! and `class C` is defined in the program. Fix: `def m(self, …):` at the end of the class body,
//! returning what the use or the name suggests (like `python.missing-function`).
//!
//! Why it is safe: only the call is read and a method is added to a class the program defines;
//! nothing existing changes.
//!
//! Example: `s.push(3)` on `class Stack:` gains `def push(self, arg1):\n        return None`.

use super::missing_function::{python_parameters, PYTHON_PLACEHOLDERS};
use super::*;
use crate::fix::ErrorKind;

/// The use or the name says what the method returns.
const CONFIDENCE_SHAPED: f64 = 0.4;
/// Nothing says it: `None`.
const CONFIDENCE_NONE: f64 = 0.3;

/// Writes a method the program calls on an instance of its own class.
pub(crate) struct MissingMethod;

impl Rule for MissingMethod {
    const META: RuleMeta = RuleMeta::new("python.missing-method", FixApplicability::Speculative)
        .language(TargetLanguage::Python)
        .kinds(&[ErrorKind::UndefinedVariable])
        .codes(&["AttributeError"]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        define_method(error, program).unwrap_or_default()
    }
}

/// The fix writing the method the error names into the program's class.
fn define_method(error: &CodeError, program: &Program) -> Option<Vec<Fix>> {
    let msg = message(error);
    let rest = msg.strip_prefix('\'')?;
    let (class, tail) = rest.split_once("' object has no attribute '")?;
    let name = tail.split('\'').next().filter(|n| is_identifier(n))?;
    if !is_identifier(class) {
        return None;
    }
    let site = UseSite::of(error, program, TargetLanguage::Python)?;
    let use_text = site.text;
    let call = site.call(name)?;
    let params = python_parameters(call, use_text);
    let (value, shaped) = PYTHON_PLACEHOLDERS.placeholder(call, use_text, name);
    let confidence = if shaped {
        CONFIDENCE_SHAPED
    } else {
        CONFIDENCE_NONE
    };
    let kinds = ["class_definition"];
    in_class_body(
        program,
        TargetLanguage::Python,
        &kinds,
        class,
        |def_file, text, body| {
            let first = body.start_byte();
            let indent: String = text[start_of_line(text, first)..first].to_string();
            if !indent.trim().is_empty() {
                return None; // `class C: pass` on one line
            }
            let self_params = if params.is_empty() {
                "self".to_string()
            } else {
                format!("self, {params}")
            };
            let at = end_of_line(text, body.end_byte());
            let def = format!("\n\n{indent}def {name}({self_params}):\n{indent}    return {value}");
            Some(insert_definition(
                MissingMethod::META.id,
                confidence,
                format!("define the method `{class}.{name}({self_params})`"),
                def_file,
                at,
                &def,
            ))
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::text::testing::{apply, err, program_with_test};
    use crate::fix::FixStrategy;

    #[test]
    fn method_at_the_end_of_the_class_from_a_protected_test() {
        let main = "class Stack:\n    def __init__(self):\n        self.items = []\n\n\ndef helper():\n    return 1\n";
        let test = "from main import *\n\ns = Stack()\ns.push(3)\nassert s.size() == 1\n";
        let p = program_with_test(
            TargetLanguage::Python,
            ("main.py", main),
            ("test_main.py", test),
        );
        // (the method the test calls, where, the method written)
        for (name, (line, col), method) in [
            ("push", (4, 1), "def push(self, arg1):\n        return None"),
            ("size", (5, 8), "def size(self):\n        return 0"),
        ] {
            let msg = format!("'Stack' object has no attribute '{name}'");
            let e = err(
                ErrorType::UndefinedVariable,
                "AttributeError",
                &msg,
                "test_main.py",
                line,
                col,
            );
            let fixes = MissingMethod.suggest(&e, &p);
            assert_eq!(fixes.len(), 1, "{name}");
            let fields = "        self.items = []\n";
            assert_eq!(
                apply(main, &fixes[0]),
                main.replace(fields, &format!("{fields}\n    {method}\n")),
                "{name}"
            );
        }
    }
}
