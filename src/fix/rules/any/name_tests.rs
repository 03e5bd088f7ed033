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
    let v = |s: &str| Some((s.to_string(), NameKind::Value));
    let m = |s: &str| Some((s.to_string(), NameKind::Member));
    assert_eq!(
        undefined_name("cannot find value `totl` in this scope"),
        v("totl")
    );
    assert_eq!(
        undefined_name("cannot find macro `pritnln` in this scope"),
        v("pritnln")
    );
    assert_eq!(
        undefined_name("failed to resolve: use of undeclared type `HashMpa`"),
        v("HashMpa")
    );
    assert_eq!(
        undefined_name("no method named `lenght` found for struct `Vec<i32>` in the current scope"),
        m("lenght")
    );
    assert_eq!(undefined_name("undefined: x"), v("x"));
    assert_eq!(undefined_name("undeclared name: fmtt"), v("fmtt"));
    assert_eq!(undefined_name("undefined: strings.Contain"), m("Contain"));
    assert_eq!(
        undefined_name(
            "p.Nme undefined (type Person has no field or method Nme, but does have Name)"
        ),
        m("Nme")
    );
    assert_eq!(
        undefined_name("sqrt not declared by package math"),
        m("sqrt")
    );
    assert_eq!(
        undefined_name("NameError: name 'lenght' is not defined"),
        v("lenght")
    );
    assert_eq!(undefined_name("name 'Fasle' is not defined"), v("Fasle"));
    assert_eq!(
        undefined_name("AttributeError: 'list' object has no attribute 'apend'"),
        m("apend")
    );
    assert_eq!(
        undefined_name("ReferenceError: lenght is not defined"),
        v("lenght")
    );
    assert_eq!(
        undefined_name("TypeError: Cannot read properties of undefined (reading 'lenght')"),
        m("lenght")
    );
    assert_eq!(
        undefined_name("TypeError: arr.pussh is not a function"),
        m("pussh")
    );
    assert_eq!(undefined_name("mismatched types"), None);
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

#[test]
fn rust_misspelled_local() {
    let text = "fn f() -> i32 {\n    let total = 1;\n    totl\n}\n";
    let p = program(TargetLanguage::Rust, "lib.rs", text);
    let e = CodeError::new(
        ErrorType::UndefinedVariable,
        "cannot find value `totl` in this scope",
    )
    .with_code("E0425")
    .with_location(Location::new("lib.rs", 3, 5));
    let fixes = SimilarName.suggest(&e, &p);
    assert_eq!(fixes[0].edits[0].replacement, "total");
    assert_eq!(
        apply(&p, &fixes[0]),
        "fn f() -> i32 {\n    let total = 1;\n    total\n}\n"
    );
    assert!(fixes.len() <= MAX_CANDIDATES);
}

#[test]
fn keyword_and_macro_typos() {
    let text = "fn main() {\n    pritnln!(\"hi\");\n}\n";
    let p = program(TargetLanguage::Rust, "main.rs", text);
    let e = CodeError::new(
        ErrorType::UndefinedVariable,
        "cannot find macro `pritnln` in this scope",
    )
    .with_location(Location::new("main.rs", 2, 5));
    let fixes = SimilarName.suggest(&e, &p);
    assert_eq!(
        apply(&p, &fixes[0]),
        "fn main() {\n    println!(\"hi\");\n}\n"
    );

    let text = "def f(x):\n    return Fasle\n";
    let p = program(TargetLanguage::Python, "main.py", text);
    let e = CodeError::new(ErrorType::UndefinedVariable, "name 'Fasle' is not defined")
        .with_location(Location::new("main.py", 2, 5));
    let fixes = SimilarName.suggest(&e, &p);
    // The location is the start of the statement: the name is found on the line.
    assert_eq!(apply(&p, &fixes[0]), "def f(x):\n    return False\n");
}

#[test]
fn javascript_member_typo() {
    let text = "function f(a) {\n  return a.lenght;\n}\n";
    let p = program(TargetLanguage::JavaScript, "main.js", text);
    let e = CodeError::new(
        ErrorType::UndefinedVariable,
        "TypeError: Cannot read properties of undefined (reading 'lenght')",
    )
    .with_location(Location::new("main.js", 2, 10));
    let fixes = SimilarName.suggest(&e, &p);
    assert_eq!(
        apply(&p, &fixes[0]),
        "function f(a) {\n  return a.length;\n}\n"
    );
}

#[test]
fn go_parameter_and_builtin() {
    let text = "package main\n\nfunc area(width, height int) int {\n\treturn widht * height\n}\n";
    let p = program(TargetLanguage::Go, "main.go", text);
    let e = CodeError::new(ErrorType::UndefinedVariable, "undefined: widht")
        .with_code("undefined")
        .with_location(Location::new("main.go", 4, 9));
    let fixes = SimilarName.suggest(&e, &p);
    assert_eq!(
        apply(&p, &fixes[0]),
        "package main\n\nfunc area(width, height int) int {\n\treturn width * height\n}\n"
    );
}

#[test]
fn no_fix_without_a_close_name() {
    let text = "fn f() {\n    zzqx\n}\n";
    let p = program(TargetLanguage::Rust, "lib.rs", text);
    let e = CodeError::new(
        ErrorType::UndefinedVariable,
        "cannot find value `zzqx` in this scope",
    )
    .with_location(Location::new("lib.rs", 2, 5));
    assert!(SimilarName.suggest(&e, &p).is_empty());
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
