//! `go.stuttered-name`: reads a declared name that a run of one repeated character has
//! lengthened. Answers: `undefined: ansxxxx` where the function or the package declares a name
//! (`ans`) that the undefined one starts with and the rest is one character written again and
//! again (`kkkkk`), or where the name ends with its own last character repeated (`countttt`).
//! Generated code repeats a token when its sampling stutters; the edit distance of such a name
//! to the meant one is too large for the similar-name rules.
//!
//! Why it is safe: the name is undefined, the declared name is found by its exact prefix and
//! the tail is a run of one character (never a word: `ansTotal` is left alone); the heal loop
//! validates the result.
//!
//! Example: `ans := 0; …; return anskkkkk` → `return ans`.

use super::scope::UndefinedUse;
use super::*;
use crate::fix::ErrorKind;

/// The run is at least this long: `ansk` is as likely a new word as a stutter.
const MIN_RUN: usize = 3;
/// One declared name is the prefix: most likely the one meant.
const CONFIDENCE_ONLY: f64 = 0.55;
/// Several are (`an`, `ans`): the longest first.
const CONFIDENCE_ONE_OF: f64 = 0.4;

/// Reads a declared name that a repeated character has lengthened.
pub(crate) struct StutteredName;

impl Rule for StutteredName {
    const META: RuleMeta = RuleMeta::new("go.stuttered-name", FixApplicability::Speculative)
        .language(TargetLanguage::Go)
        .kinds(&[ErrorKind::UndefinedVariable, ErrorKind::Compiler]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some(undefined) = UndefinedUse::of(error, program) else {
            return Vec::new();
        };
        let (name, site) = (undefined.name, &undefined.site);
        let Some(use_node) = undefined.identifier() else {
            return Vec::new();
        };
        let declared = match undefined.function(use_node, program) {
            Some((_, declared)) => declared,
            None => super::scope::package_names(program),
        };
        let mut meant: Vec<&str> = declared
            .iter()
            .map(String::as_str)
            .filter(|d| stutters(name, d))
            .collect();
        meant.sort_by_key(|d| std::cmp::Reverse(d.len()));
        let confidence = if meant.len() == 1 {
            CONFIDENCE_ONLY
        } else {
            CONFIDENCE_ONE_OF
        };
        let mut fixes = Fixes::new(Self::META.id);
        for d in meant {
            fixes.replace(
                confidence,
                format!("`{name}` is `{d}` with a repeated character: read `{d}`"),
                site.file,
                use_node.start_byte(),
                use_node.end_byte(),
                d,
            );
        }
        fixes.done()
    }
}

/// Whether `name` is `declared` followed by one character repeated at least [`MIN_RUN`] times
/// (or by its own last character repeated at least `MIN_RUN - 1` more times).
fn stutters(name: &str, declared: &str) -> bool {
    let Some(tail) = name.strip_prefix(declared) else {
        return false;
    };
    let Some(c) = tail.chars().next() else {
        return false;
    };
    if declared.is_empty() || !tail.chars().all(|t| t == c) {
        return false;
    }
    let run = tail.chars().count();
    run >= MIN_RUN || (declared.ends_with(c) && run + 1 >= MIN_RUN)
}

#[cfg(test)]
mod tests {
    use super::super::testing::undefined_fixes;
    use super::*;
    use crate::fix::text::testing::{program, results};

    #[test]
    fn a_run_of_one_character_after_a_declared_name_is_dropped() {
        let text = "package main\n\nfunc count(xs []int) int {\n\tans := 0\n\tfor _, x := range xs {\n\t\tans += x\n\t}\n\treturn anskkkkk\n}\n";
        let p = program(TargetLanguage::Go, "main.go", text);
        let fixes = undefined_fixes(&StutteredName, &p, "anskkkkk", (8, 9));
        assert_eq!(
            results(&fixes, text),
            [text.replace("return anskkkkk", "return ans")]
        );
        assert_eq!(fixes[0].confidence, CONFIDENCE_ONLY);
    }

    #[test]
    fn the_last_letter_repeated_and_a_package_name() {
        let text = "package main\n\nvar total = 3\n\nfunc f() int {\n\treturn totalll\n}\n";
        let p = program(TargetLanguage::Go, "main.go", text);
        assert_eq!(
            results(
                &undefined_fixes(&StutteredName, &p, "totalll", (6, 9)),
                text
            ),
            [text.replace("return totalll", "return total")]
        );
    }

    #[test]
    fn a_word_or_a_short_run_is_no_stutter() {
        for (text, name, col) in [
            // A new word after a declared name.
            (
                "package main\n\nfunc f() int {\n\tans := 0\n\treturn ansTotal + ans\n}\n",
                "ansTotal",
                9,
            ),
            // Two letters: as likely a name of its own.
            (
                "package main\n\nfunc f() int {\n\tans := 0\n\treturn ansxx + ans\n}\n",
                "ansxx",
                9,
            ),
            // Mixed characters.
            (
                "package main\n\nfunc f() int {\n\tans := 0\n\treturn anskkjk + ans\n}\n",
                "anskkjk",
                9,
            ),
        ] {
            let p = program(TargetLanguage::Go, "main.go", text);
            assert!(
                undefined_fixes(&StutteredName, &p, name, (5, col)).is_empty(),
                "{name}"
            );
        }
        assert!(stutters("nnn", "n"));
        assert!(!stutters("nn", "n"));
        assert!(!stutters("ans", "ans"));
    }
}
