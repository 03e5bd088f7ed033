//! Tests of `any.similar-name` and the name helpers of the text toolkit.

use super::similar_name::*;
use super::*;
#[allow(unused_imports)]
use crate::fix::text::*;
use crate::fix::FixStrategy;
use crate::types::Location;

fn program(language: TargetLanguage, file: &str, text: &str) -> Program {
    Program::new(language, [(file.to_string(), text.to_string())]).unwrap()
}

fn apply(p: &Program, fix: &Fix) -> String {
    let out = crate::fix::apply_fix(p, fix).unwrap();
    out.files().values().next().unwrap().clone()
}

#[test]
fn extracts_undefined_names_from_each_toolchain() {
    use NameKind::{Member, Value};
    for (message, want) in [
        (
            "cannot find value `totl` in this scope",
            Some(("totl", Value)),
        ),
        (
            "cannot find macro `pritnln` in this scope",
            Some(("pritnln", Value)),
        ),
        (
            "failed to resolve: use of undeclared type `HashMpa`",
            Some(("HashMpa", Value)),
        ),
        (
            "no method named `lenght` found for struct `Vec<i32>` in the current scope",
            Some(("lenght", Member)),
        ),
        ("undefined: x", Some(("x", Value))),
        ("undeclared name: fmtt", Some(("fmtt", Value))),
        ("undefined: strings.Contain", Some(("Contain", Member))),
        (
            "p.Nme undefined (type Person has no field or method Nme, but does have Name)",
            Some(("Nme", Member)),
        ),
        ("sqrt not declared by package math", Some(("sqrt", Member))),
        (
            "NameError: name 'lenght' is not defined",
            Some(("lenght", Value)),
        ),
        ("name 'Fasle' is not defined", Some(("Fasle", Value))),
        (
            "AttributeError: 'list' object has no attribute 'apend'",
            Some(("apend", Member)),
        ),
        (
            "ReferenceError: lenght is not defined",
            Some(("lenght", Value)),
        ),
        (
            "TypeError: Cannot read properties of undefined (reading 'lenght')",
            Some(("lenght", Member)),
        ),
        (
            "TypeError: arr.pussh is not a function",
            Some(("pussh", Member)),
        ),
        ("mismatched types", None),
    ] {
        let want = want.map(|(name, kind)| (name.to_string(), kind));
        assert_eq!(undefined_name(message), want, "{message}");
    }
}

#[test]
fn distance_and_similarity() {
    assert_eq!(edit_distance("pritnln", "println"), 1);
    assert_eq!(edit_distance("retrun", "return"), 1);
    assert_eq!(edit_distance("lenght", "length"), 1);
    assert_eq!(edit_distance("kitten", "sitting"), 3);
    assert_eq!(similarity_score("Fasle", "False"), Some(1.0));
    assert_eq!(similarity_score("Fasle", "false"), Some(1.5));
    assert_eq!(similarity_score("is_upper", "is_uppercase"), Some(2.0));
    assert_eq!(similarity_score("x", "y"), None);
    assert_eq!(similarity_score("size", "len"), None);
}

/// One file of one language.
type File = (TargetLanguage, &'static str);

/// The program of `text` and what `any.similar-name` proposes for an undefined-name error
/// (`code`, when the toolchain gives one, and `msg`) at `line`:`col` of it.
fn similar_names(
    (language, file): File,
    text: &str,
    code: Option<&str>,
    msg: &str,
    (line, col): (u32, u32),
) -> (Program, Vec<Fix>) {
    let p = program(language, file, text);
    let mut e = CodeError::new(ErrorType::UndefinedVariable, msg)
        .with_location(Location::new(file, line, col));
    if let Some(code) = code {
        e = e.with_code(code);
    }
    let fixes = SimilarName.suggest(&e, &p);
    assert!(
        fixes.len() <= MAX_CANDIDATES,
        "{msg}: {} fixes",
        fixes.len()
    );
    (p, fixes)
}

#[test]
fn rust_misspelled_local() {
    let text = "fn f() -> i32 {\n    let total = 1;\n    totl\n}\n";
    let (p, fixes) = similar_names(
        (TargetLanguage::Rust, "lib.rs"),
        text,
        Some("E0425"),
        "cannot find value `totl` in this scope",
        (3, 5),
    );
    assert_eq!(fixes[0].edits[0].replacement, "total");
    assert_eq!(
        apply(&p, &fixes[0]),
        "fn f() -> i32 {\n    let total = 1;\n    total\n}\n"
    );
}

/// Misspelled names of every language: (case, file, text, code, message, line and column,
/// the best fix's result; `None`: no fix at all).
#[test]
fn misspelled_names_become_the_close_name_in_scope() {
    use TargetLanguage::*;
    for (case, file, text, code, msg, at, want) in [
        (
            "rust: a macro typo",
            (Rust, "main.rs"),
            "fn main() {\n    pritnln!(\"hi\");\n}\n",
            None,
            "cannot find macro `pritnln` in this scope",
            (2, 5),
            Some("fn main() {\n    println!(\"hi\");\n}\n"),
        ),
        (
            "python: a keyword typo found on the statement's line",
            (Python, "main.py"),
            "def f(x):\n    return Fasle\n",
            None,
            "name 'Fasle' is not defined",
            (2, 5),
            Some("def f(x):\n    return False\n"),
        ),
        (
            "javascript: a member typo",
            (JavaScript, "main.js"),
            "function f(a) {\n  return a.lenght;\n}\n",
            None,
            "TypeError: Cannot read properties of undefined (reading 'lenght')",
            (2, 10),
            Some("function f(a) {\n  return a.length;\n}\n"),
        ),
        (
            "go: a parameter typo",
            (Go, "main.go"),
            "package main\n\nfunc area(width, height int) int {\n\treturn widht * height\n}\n",
            Some("undefined"),
            "undefined: widht",
            (4, 9),
            Some(
                "package main\n\nfunc area(width, height int) int {\n\treturn width * height\n}\n",
            ),
        ),
        (
            "rust: no fix without a close name",
            (Rust, "lib.rs"),
            "fn f() {\n    zzqx\n}\n",
            None,
            "cannot find value `zzqx` in this scope",
            (2, 5),
            None,
        ),
    ] {
        let (p, fixes) = similar_names(file, text, code, msg, at);
        let best = fixes.first().map(|f| apply(&p, f));
        assert_eq!(best.as_deref(), want, "{case}");
    }
}

#[test]
fn identifiers_skip_comments_strings_and_chars() {
    let text = "let a = 'x'; // b\nlet c = \"d\"; /* e */ fn f<'g>() {}";
    let words: Vec<&str> = identifiers(text, TargetLanguage::Rust)
        .into_iter()
        .map(|(_, w)| w)
        .collect();
    assert_eq!(words, ["let", "a", "let", "c", "fn", "f", "g"]);
}

#[test]
fn positions() {
    let text = "ab\ncé d\n";
    assert_eq!(line_bounds(text, 2), Some((3, 8)));
    assert_eq!(line_col_to_byte(text, 2, 3), Some(6));
    assert_eq!(line_of(text, 6), 2);
    assert_eq!(find_word_on_line("x xy x", 1, 4, "x"), Some(5));
}

#[test]
fn finds_commented_out_code() {
    let text = "x := order[i] // + 1 // Convert\ny := 2 // the answer\nif a.abs() // < t {\n";
    let edits = commented_code(text, "m", false);
    let starts: Vec<usize> = edits.iter().map(|e| e.byte_start).collect();
    assert_eq!(starts, [14, 64]);
    let edits = commented_code(
        "let m = s.fold(0.0, f) // n as f32;\nlet y = 1; // keep it;\n",
        "m",
        false,
    );
    assert_eq!(edits.len(), 1);
    assert_eq!(
        (edits[0].byte_start, edits[0].replacement.as_str()),
        (23, "/")
    );
}

#[test]
fn uncomments_a_definition() {
    let text = "fn f() -> i32 {\n    // let x = 2;\n    x\n}\n";
    let edits = uncomment_definitions(
        text,
        "lib.rs",
        "x",
        3,
        &["let ".to_string(), "let mut ".to_string()],
    );
    assert_eq!(edits.len(), 1);
    let p = program(TargetLanguage::Rust, "lib.rs", text);
    let fix = Fix {
        strategy: "t".into(),
        description: String::new(),
        confidence: 0.5,
        applicability: crate::fix::FixApplicability::Safe,
        edits,
    };
    assert_eq!(
        apply(&p, &fix),
        "fn f() -> i32 {\n    let x = 2;\n    x\n}\n"
    );
}
