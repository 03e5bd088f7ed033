//! `python.missing-method`: writes a method the program calls on an instance of one of its own
//! classes. Answers: `AttributeError: 'C' object has no attribute 'm'` where `x.m(…)` is called
//! and `class C` is defined in the program. Fix: `def m(self, …):` at the end of the class body,
//! returning what the use or the name suggests (like `python.missing-function`).
//!
//! Why it is safe: only the call is read and a method is added to a class the program defines;
//! nothing existing changes.
//!
//! Example: `s.push(3)` on `class Stack:` gains `def push(self, arg1):\n        return None`.

use super::missing_function::{python_parameters, python_placeholder};
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
        let msg = message(error);
        let Some(rest) = msg.strip_prefix('\'') else {
            return Vec::new();
        };
        let Some((class, tail)) = rest.split_once("' object has no attribute '") else {
            return Vec::new();
        };
        let Some(name) = tail.split('\'').next().filter(|n| is_identifier(n)) else {
            return Vec::new();
        };
        if !is_identifier(class) {
            return Vec::new();
        }
        let Some(site) = UseSite::of(error, program, TargetLanguage::Python) else {
            return Vec::new();
        };
        let use_text = site.text;
        let Some(call) = site.call(name) else {
            return Vec::new();
        };
        let params = python_parameters(call, use_text);
        let (value, shaped) = python_placeholder(call, use_text, name);
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
                let def =
                    format!("\n\n{indent}def {name}({self_params}):\n{indent}    return {value}");
                Some(insert_definition(
                    Self::META.id,
                    confidence,
                    format!("define the method `{class}.{name}({self_params})`"),
                    def_file,
                    at,
                    &def,
                ))
            },
        )
        .unwrap_or_default()
    }
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
        let e = err(
            ErrorType::UndefinedVariable,
            "AttributeError",
            "'Stack' object has no attribute 'push'",
            "test_main.py",
            4,
            1,
        );
        let fixes = MissingMethod.suggest(&e, &p);
        assert_eq!(fixes.len(), 1);
        assert_eq!(
            apply(main, &fixes[0]),
            main.replace(
                "        self.items = []\n",
                "        self.items = []\n\n    def push(self, arg1):\n        return None\n"
            )
        );
        let e = err(
            ErrorType::UndefinedVariable,
            "AttributeError",
            "'Stack' object has no attribute 'size'",
            "test_main.py",
            5,
            8,
        );
        let fixes = MissingMethod.suggest(&e, &p);
        assert_eq!(
            apply(main, &fixes[0]),
            main.replace(
                "        self.items = []\n",
                "        self.items = []\n\n    def size(self):\n        return 0\n"
            )
        );
    }
}
