//! Tests of the rust rules.

use super::*;
use super::{
    clone_moved::*, expected_token::*, foreign_syntax::*, function_to_method::*, method_misname::*,
    missing_import::*, missing_mut::*, type_conversion::*, uncomment_definition::*,
};
use crate::fix::apply_fix;
use crate::fix::FixStrategy;

fn program(text: &str) -> Program {
    crate::fix::text::testing::program_with_test(
        TargetLanguage::Rust,
        ("lib.rs", text),
        ("tests.rs", "use super::*;\n#[test]\nfn t() {}\n"),
    )
}

fn err(error_type: ErrorType, code: Option<&str>, message: &str, line: u32, col: u32) -> CodeError {
    let mut e =
        CodeError::new(error_type, message).with_location(Location::new("lib.rs", line, col));
    e.code = code.map(str::to_string);
    e
}

/// The text after applying each fix, in the order proposed.
fn results(strategy: &dyn FixStrategy, e: &CodeError, p: &Program) -> Vec<String> {
    strategy
        .suggest(e, p)
        .iter()
        .map(|f| apply_fix(p, f).unwrap().files()["lib.rs"].clone())
        .collect()
}

#[test]
fn std_table_is_well_formed() {
    let table = std_table();
    assert!(table.values().map(Vec::len).sum::<usize>() >= 200);
    assert_eq!(table["HashMap"], ["std::collections::HashMap"]);
    assert_eq!(
        table["Ordering"],
        ["std::cmp::Ordering", "std::sync::atomic::Ordering"]
    );
    for (name, paths) in table {
        for path in paths {
            assert!(path.ends_with(name), "{name} {path}");
            assert!(path.split("::").all(is_identifier), "{path}");
        }
    }
}

/// Every table path must resolve: compile `use path as _;` for all of them (std only; the
/// `rand`/`regex` entries need the dependency crates).
#[test]
fn std_table_paths_exist() {
    let Ok(rustc) = which("rustc") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut src = String::from("#![allow(unused_imports, deprecated)]\n");
    for paths in std_table().values() {
        for path in paths.iter().filter(|p| p.starts_with("std::")) {
            src.push_str(&format!("use {path} as _;\n"));
        }
    }
    std::fs::write(dir.path().join("t.rs"), src).unwrap();
    let out = std::process::Command::new(rustc)
        .args([
            "--edition",
            "2021",
            "--crate-type",
            "lib",
            "--emit",
            "metadata",
            "t.rs",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn which(bin: &str) -> Result<std::path::PathBuf, ()> {
    let path = std::env::var_os("PATH").ok_or(())?;
    std::env::split_paths(&path)
        .map(|d| d.join(bin))
        .find(|p| p.is_file())
        .ok_or(())
}

#[test]
fn imports_a_std_type_after_existing_uses() {
    let p = program("use std::fmt;\n\nfn f() -> usize {\n    let m: HashMap<i32, i32> = HashMap::new();\n    m.len()\n}\n");
    let e = err(
        ErrorType::UndefinedVariable,
        Some("E0412"),
        "cannot find type `HashMap` in this scope",
        4,
        12,
    );
    assert_eq!(
        results(&MissingImport, &e, &p),
        ["use std::fmt;\nuse std::collections::HashMap;\n\nfn f() -> usize {\n    let m: HashMap<i32, i32> = HashMap::new();\n    m.len()\n}\n"]
    );
    // Ambiguous names give one fix per path, the common one first.
    let p = program("fn f(a: i32, b: i32) -> Ordering {\n    a.cmp(&b)\n}\n");
    let e = err(
        ErrorType::UndefinedVariable,
        Some("E0412"),
        "cannot find type `Ordering` in this scope",
        1,
        25,
    );
    let fixes = MissingImport.suggest(&e, &p);
    assert_eq!(fixes.len(), 2);
    assert_eq!(fixes[0].edits[0].replacement, "use std::cmp::Ordering;\n");
    assert_eq!(fixes[0].edits[0].byte_start, 0);
    assert!(fixes[0].confidence > fixes[1].confidence);
}

#[test]
fn import_goes_to_the_crate_root_for_errors_in_protected_tests() {
    let p = program(" use std::fmt;\nfn f() {}\n");
    let mut e = err(
        ErrorType::UndefinedVariable,
        Some("E0425"),
        "cannot find function `max` in this scope",
        3,
        1,
    );
    e.location = Some(Location::new("tests.rs", 3, 1));
    assert_eq!(
        results(&MissingImport, &e, &p),
        [" use std::fmt;\n use std::cmp::max;\nfn f() {}\n"]
    );
}

#[test]
fn use_insertion_skips_nested_uses_and_multiline_uses() {
    let text = "#![allow(dead_code)]\nuse std::{\n    fmt,\n};\nmod m {\n    use std::io;\n}\n";
    assert_eq!(use_insertion_point(text), text.find("mod m").unwrap());
    assert_eq!(use_insertion_point("//! doc\nfn f() {}\n"), 8);
}

/// What a rule's fixes must give, as the text of `lib.rs` after each fix in the order proposed.
enum Want<'a> {
    /// Exactly these texts.
    All(&'a [&'a str]),
    /// This text first.
    First(&'a str),
    /// This text at this place.
    Nth(usize, &'a str),
    /// This text somewhere.
    Has(&'a str),
}

/// Checks what `strategy` proposes for `e` in the program of `text`.
fn check(strategy: &dyn FixStrategy, text: &str, e: &CodeError, want: Want<'_>) {
    let out = results(strategy, e, &program(text));
    match want {
        Want::All(texts) => assert_eq!(out, texts, "{text}"),
        Want::First(first) => assert_eq!(out[0], first, "{text}"),
        Want::Nth(i, nth) => assert_eq!(out[i], nth, "{text}"),
        Want::Has(one) => assert!(out.iter().any(|o| o == one), "{text}: {out:?}"),
    }
}

#[test]
fn adds_mut_to_let_and_params() {
    for (text, code, msg, (line, col), want) in [
        (
            "fn f() -> i32 {\n    let x = 1;\n    x = 2;\n    x\n}\n",
            "E0384",
            "cannot assign twice to immutable variable `x`",
            (3, 5),
            "fn f() -> i32 {\n    let mut x = 1;\n    x = 2;\n    x\n}\n",
        ),
        (
            "fn f() {\n    let (a, v) = (1, Vec::new());\n    v.push(a);\n}\n",
            "E0596",
            "cannot borrow `v` as mutable, as it is not declared as mutable",
            (3, 5),
            "fn f() {\n    let (a, mut v) = (1, Vec::new());\n    v.push(a);\n}\n",
        ),
        (
            "fn f(v: &Vec<i32>) {\n    v.push(1);\n}\n",
            "E0596",
            "cannot borrow `*v` as mutable, as it is behind a `&` reference",
            (2, 5),
            "fn f(v: &mut Vec<i32>) {\n    v.push(1);\n}\n",
        ),
        (
            "fn f(n: i32) -> i32 {\n    n += 1;\n    n\n}\n",
            "E0384",
            "cannot assign to immutable argument `n`",
            (2, 5),
            "fn f(mut n: i32) -> i32 {\n    n += 1;\n    n\n}\n",
        ),
    ] {
        let borrow = ErrorType::CompilerError("borrow".into());
        let e = err(borrow, Some(code), msg, line, col);
        check(&MissingMut, text, &e, Want::All(&[want]));
    }
}

fn mismatch(line: u32, col: u32, end_col: u32, label: &str) -> CodeError {
    let mut e = err(
        ErrorType::TypeMismatch,
        Some("E0308"),
        "mismatched types",
        line,
        col,
    );
    e.location = Some(Location::new("lib.rs", line, col).with_end(line, end_col));
    e.notes.push(label.to_string());
    e
}

#[test]
fn type_conversions() {
    use Want::*;
    for (text, (line, col, end), label, want) in [
        (
            "fn f() -> String {\n    \"hi\"\n}\n",
            (2, 5, 9),
            "expected `String`, found `&str`",
            First("fn f() -> String {\n    \"hi\".to_string()\n}\n"),
        ),
        (
            "fn f(x: usize) -> i32 {\n    x\n}\n",
            (2, 5, 6),
            "expected `i32`, found `usize`",
            First("fn f(x: usize) -> i32 {\n    x as i32\n}\n"),
        ),
        (
            "fn f() -> i32 {\n    let x: i32 = 2.0;\n    x\n}\n",
            (2, 18, 21),
            "expected `i32`, found floating-point number",
            First("fn f() -> i32 {\n    let x: i32 = 2;\n    x\n}\n"),
        ),
        (
            "fn f(x: i32) -> Option<i32> {\n    x\n}\n",
            (2, 5, 6),
            "expected `Option<i32>`, found `i32`",
            All(&["fn f(x: i32) -> Option<i32> {\n    Some(x)\n}\n"]),
        ),
        (
            "fn g(s: &str) {}\nfn f(s: String) {\n    g(s)\n}\n",
            (3, 7, 8),
            "expected `&str`, found `String`",
            First("fn g(s: &str) {}\nfn f(s: String) {\n    g(&s)\n}\n"),
        ),
        // `append` of one element is `push`.
        (
            "fn f(v: &mut Vec<i32>, x: i32) {\n    v.append(x);\n}\n",
            (2, 14, 15),
            "expected `&mut Vec<i32>`, found `i32`",
            All(&["fn f(v: &mut Vec<i32>, x: i32) {\n    v.push(x);\n}\n"]),
        ),
    ] {
        check(
            &TypeConversion,
            text,
            &mismatch(line, col, end, label),
            want,
        );
    }
}

/// An undefined-name error (`E0599`, `E0425`…) at `line`:`col` of `lib.rs`, with `notes`.
fn undefined(code: &str, msg: &str, (line, col): (u32, u32), notes: &[&str]) -> CodeError {
    let mut e = err(ErrorType::UndefinedVariable, Some(code), msg, line, col);
    e.notes.extend(notes.iter().map(|n| n.to_string()));
    e
}

#[test]
fn method_misnames_and_iterators() {
    use Want::*;
    for (text, msg, at, notes, want) in [
        (
            "fn f(v: Vec<i32>) -> usize {\n    v.size()\n}\n",
            "no method named `size` found for struct `Vec<i32>` in the current scope",
            (2, 7),
            &[][..],
            All(&["fn f(v: Vec<i32>) -> usize {\n    v.len()\n}\n"]),
        ),
        (
            "fn f(v: Vec<f32>) -> f32 {\n    v.fold(0.0, |a, b| a + b)\n}\n",
            "no method named `fold` found for struct `Vec<f32>` in the current scope",
            (2, 7),
            &["`Vec<f32>` is not an iterator"][..],
            First("fn f(v: Vec<f32>) -> f32 {\n    v.iter().fold(0.0, |a, b| a + b)\n}\n"),
        ),
        (
            "fn f() -> Vec<i32> {\n    Vec::create()\n}\n",
            "no function or associated item named `create` found for struct `Vec<_, _>` in the current scope",
            (2, 10),
            &[][..],
            All(&["fn f() -> Vec<i32> {\n    Vec::new()\n}\n"]),
        ),
        // The comparison methods take references.
        (
            "fn f(a: u32, b: u32) -> bool {\n    a.smaller_or_equal(b)\n}\n",
            "no method named `smaller_or_equal` found for type `u32` in the current scope",
            (2, 7),
            &[][..],
            All(&["fn f(a: u32, b: u32) -> bool {\n    a.le(&b)\n}\n"]),
        ),
    ] {
        check(&MethodMisname, text, &undefined("E0599", msg, at, notes), want);
    }
}

#[test]
fn free_function_becomes_method() {
    for (text, msg, want) in [
        (
            "fn f(a: f64) -> f64 {\n    round(a * 100.0) / 100.0\n}\n",
            "cannot find function `round` in this scope",
            "fn f(a: f64) -> f64 {\n    (a * 100.0).round() / 100.0\n}\n",
        ),
        (
            "fn f(a: i32) -> i32 {\n    pow(a, 2)\n}\n",
            "cannot find function `pow` in this scope",
            "fn f(a: i32) -> i32 {\n    a.pow(2)\n}\n",
        ),
    ] {
        let e = undefined("E0425", msg, (2, 5), &[]);
        check(&FunctionToMethod, text, &e, Want::All(&[want]));
    }
}

/// Checks `rust.expected-token` on parser errors: `(text, message, (line, col), want)`.
fn expected_token_cases<const N: usize>(cases: [(&str, &str, (u32, u32), Want<'_>); N]) {
    for (text, msg, (line, col), want) in cases {
        let e = err(ErrorType::SyntaxError, None, msg, line, col);
        check(&ExpectedToken, text, &e, want);
    }
}

#[test]
fn expected_tokens() {
    use Want::*;
    let let_eq = "fn f() -> i32 {\n    let x == 1;\n    x\n}\n";
    let let_assign = "fn f() -> i32 {\n    let x = 1;\n    x\n}\n";
    expected_token_cases([
        (
            "fn f(a f64) -> f64 {\n    a\n}\n",
            "expected one of `:`, `@`, or `|`, found `f64`",
            (1, 8),
            First("fn f(a: f64) -> f64 {\n    a\n}\n"),
        ),
        (let_eq, "unexpected `==`", (2, 11), All(&[let_assign])),
        (
            let_eq,
            "expected `=`, found `==`",
            (2, 11),
            First(let_assign),
        ),
        (
            "fn f(mut c: i32) {\n    for c >= 1 {\n        c /= 2;\n    }\n}\n",
            "missing `in` in `for` loop",
            (2, 10),
            First("fn f(mut c: i32) {\n    while c >= 1 {\n        c /= 2;\n    }\n}\n"),
        ),
    ]);
}

#[test]
fn every_let_comparison_and_stray_tokens() {
    use Want::*;
    expected_token_cases([
        (
            "fn f() -> i32 {\n    let mut a == 1;\n    const B: i32 == 2;\n    a == a.max(B);\n    if a == B { 1 } else { a }\n}\n",
            "unexpected `==`",
            (2, 15),
            Nth(1, "fn f() -> i32 {\n    let mut a = 1;\n    const B: i32 = 2;\n    a = a.max(B);\n    if a == B { 1 } else { a }\n}\n"),
        ),
        (
            "fn f(c: char) -> i32 {\n    if c == '(';{\n        1\n    } else { 0 }\n}\n",
            "expected `{`, found `;`",
            (2, 16),
            Has("fn f(c: char) -> i32 {\n    if c == '('{\n        1\n    } else { 0 }\n}\n"),
        ),
        (
            "fn f(n: usize) {\n    for i; in 0..n {\n        for j; in 0..i {}\n    }\n}\n",
            "missing `in` in `for` loop",
            (2, 10),
            All(&["fn f(n: usize) {\n    for i in 0..n {\n        for j in 0..i {}\n    }\n}\n"]),
        ),
        // Every stray `;` before a block.
        (
            "fn f(c: char) -> i32 {\n    if c == 'a';{\n        1\n    } else if c == 'b'; {\n        2\n    } else { 0 }\n}\n",
            "expected `{`, found `;`",
            (2, 16),
            Has("fn f(c: char) -> i32 {\n    if c == 'a'{\n        1\n    } else if c == 'b' {\n        2\n    } else { 0 }\n}\n"),
        ),
    ]);
}

#[test]
fn foreign_syntax() {
    use Want::*;
    let import = "import std::fmt;\nfunc f() -> Vec<i32> {\n    set n = 2;\n    set mut v = vec[0; n];\n    v\n}\n";
    let path = "use std:{cmp:max};\nfn f() -> i32 {\n    let a = 1; # one\n    max(a, 2)\n}\n";
    for (text, msg, (line, col), want) in [
        (import, "expected item, found `import`", (1, 1), Has("use std::fmt;\nfunc f() -> Vec<i32> {\n    set n = 2;\n    set mut v = vec[0; n];\n    v\n}\n")),
        (import, "expected item, found `import`", (1, 1), Has("import std::fmt;\nfunc f() -> Vec<i32> {\n    let n = 2;\n    let mut v = vec[0; n];\n    v\n}\n")),
        (import, "expected item, found `import`", (1, 1), Has("import std::fmt;\nfunc f() -> Vec<i32> {\n    set n = 2;\n    set mut v = vec![0; n];\n    v\n}\n")),
        (path, "expected `::`, found `:`", (1, 8), Has("use std:{cmp:max};\nfn f() -> i32 {\n    let a = 1; // one\n    max(a, 2)\n}\n")),
        (path, "expected `::`, found `:`", (1, 8), Has("use std::{cmp::max};\nfn f() -> i32 {\n    let a = 1; # one\n    max(a, 2)\n}\n")),
        (
            "fn f(x: f64) -> f64 {\n    do x * 2.0\n}\n",
            "expected expression, found reserved keyword `do`",
            (2, 5),
            First("fn f(x: f64) -> f64 {\n    x * 2.0\n}\n"),
        ),
    ] {
        let e = err(ErrorType::SyntaxError, None, msg, line, col);
        check(&ForeignSyntax, text, &e, want);
    }
}

#[test]
fn clone_at_the_move_site() {
    let mut e = err(
        ErrorType::CompilerError("borrow".into()),
        Some("E0382"),
        "borrow of moved value: `s`",
        3,
        5,
    );
    e.notes.push("lib.rs:2:13: value moved here".into());
    check(
        &CloneMoved,
        "fn f(s: String) -> usize {\n    let t = s;\n    s.len() + t.len()\n}\n",
        &e,
        Want::All(&[
            "fn f(s: String) -> usize {\n    let t = s.clone();\n    s.len() + t.len()\n}\n",
            "fn f(s: String) -> usize {\n    let t = &s;\n    s.len() + t.len()\n}\n",
        ]),
    );
}

#[test]
fn uncomments_a_definition() {
    let e = undefined(
        "E0425",
        "cannot find value `total` in this scope",
        (3, 5),
        &[],
    );
    check(
        &UncommentDefinition,
        "fn f() -> i32 {\n    // let total = 3;\n    total\n}\n",
        &e,
        Want::All(&["fn f() -> i32 {\n    let total = 3;\n    total\n}\n"]),
    );
}
