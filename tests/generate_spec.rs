//! Specs: parsing, every validation error, and the examples rendered as tests in each
//! language, which must fail on a wrong implementation and pass on a right one (checked by the
//! sandboxed validator, with the real toolchains).

mod common;

use std::path::PathBuf;

use selfheal::generate::spec::{parse_signature, render_literal};
use selfheal::generate::Spec;
use selfheal::validate::Expect;
use selfheal::{ErrorType, TargetLanguage, ValidationResult};

use TargetLanguage::{Go, JavaScript, Python, Rust};

fn spec_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/specs")
        .join(name)
}

fn parse(text: &str) -> Spec {
    Spec::parse(text, "spec.toml").unwrap_or_else(|e| panic!("{e}"))
}

fn error(text: &str) -> String {
    match Spec::parse(text, "spec.toml") {
        Ok(spec) => panic!("expected an error, parsed {spec:?}"),
        Err(e) => e.to_string(),
    }
}

const HEAD: &str = "name = \"add\"\nlanguage = \"python\"\ndescription = \"adds\"\n";

#[test]
fn the_example_specs_parse() {
    let s = Spec::load(&spec_path("python_stats.toml")).unwrap();
    assert_eq!(s.name, "stats");
    assert_eq!(s.language, Python);
    assert_eq!(s.kind, "function");
    assert!(s.description.starts_with("Small statistics helpers."));
    let names: Vec<&str> = s.functions().iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["mean", "clamp_all"]);
    assert_eq!(s.examples.len(), 3);
    assert_eq!(s.examples[1].call, "clamp_all");
    assert_eq!(s.examples[1].args.len(), 3);
    assert_eq!(s.source_file(), "main.py");
    assert_eq!(
        s.examples_text(),
        "mean([1.0, 2.0, 4.5]) → 2.5\nclamp_all([-5, 3, 12], 0, 10) → [0, 3, 10]\nclamp_all([], 0, 1) → []\n"
    );

    let r = Spec::load(&spec_path("rust_words.toml")).unwrap();
    assert_eq!(r.language, Rust);
    let files = r.test_program_files();
    assert_eq!(files.len(), 1, "Rust's hand-written tests join tests.rs");
    assert_eq!(files[0].0, "tests.rs");
    assert!(files[0].1.starts_with("use super::*;\n"));
    assert!(files[0].1.contains("fn longest_of_nothing_is_empty()"));
    assert!(files[0].1.contains(
        "assert_eq!(longest(&[String::from(\"ab\"), String::from(\"abcd\"), String::from(\"xyzw\"), String::from(\"a\")]), String::from(\"abcd\"));"
    ));

    let j = Spec::load(&spec_path("javascript_strings.toml")).unwrap();
    assert_eq!(j.test_program_files()[0].0, "main.test.js");
    let g = Spec::load(&spec_path("go_numbers.toml")).unwrap();
    assert_eq!(g.test_program_files()[0].0, "main_test.go");
    assert_eq!(
        g.functions()[1].params.len(),
        2,
        "`a, b float64` is two parameters"
    );
    assert_eq!(
        g.examples_text(),
        "SumEvens([]int{1, 2, 3, 4}) → 6\nHypot(3.0, 4.0) → 5.0\n"
    );
}

#[test]
fn a_single_signature_needs_no_call_and_defaults_are_optional_arguments() {
    let s = parse(&format!(
        "{HEAD}signatures = [\"def add(a: int, b: int = 1) -> int\"]\n[[examples]]\nargs = [1]\nexpected = 2\n[[examples]]\nargs = [1, 5]\nexpected = 6\n"
    ));
    assert_eq!(s.examples[0].call, "add");
    assert_eq!(s.examples.len(), 2);
}

#[test]
fn every_validation_error_names_the_file_and_the_fix() {
    let sig = "signatures = [\"def add(a: int, b: int) -> int\"]\n";
    let ex = "[[examples]]\nargs = [1, 2]\nexpected = 3\n";
    let cases: Vec<(String, &str)> = vec![
        (
            format!("{HEAD}colour = \"red\"\n{sig}{ex}"),
            "spec.toml: line 4: unknown field `colour`, expected one of `name`, `language`, `description`, `kind`, `signatures`, `examples`, `test_file`, `constraints`, `implementation`, `telemetry`; remove it or fix its spelling",
        ),
        (
            format!("language = \"python\"\ndescription = \"d\"\n{sig}{ex}"),
            "spec.toml: missing `name`; add e.g. `name = \"word_count\"`",
        ),
        (
            format!("name = \"9lives\"\nlanguage = \"python\"\ndescription = \"d\"\n{sig}{ex}"),
            "spec.toml: `name = \"9lives\"` must start with a letter and hold only letters, digits, `_` and `-`",
        ),
        (
            format!("name = \"a\"\ndescription = \"d\"\n{sig}{ex}"),
            "spec.toml: missing `language`; add one of `rust`, `python`, `javascript`, `go`",
        ),
        (
            format!("name = \"a\"\nlanguage = \"cobol\"\ndescription = \"d\"\n{sig}{ex}"),
            "spec.toml: unknown `language = \"cobol\"`; use one of `rust`, `python`, `javascript`, `go`",
        ),
        (
            format!("name = \"a\"\nlanguage = \"python\"\n{sig}{ex}"),
            "spec.toml: missing `description`; say in prose what the program does",
        ),
        (
            format!("{HEAD}kind = \"two words\"\n{sig}{ex}"),
            "spec.toml: `kind = \"two words\"` must be one word, e.g. `function`",
        ),
        (
            format!("{HEAD}signatures = [\"add(a, b)\"]\n{ex}"),
            "spec.toml: signatures[0] `add(a, b)` is not a python function signature: it should start with `def NAME(`",
        ),
        (
            format!("{HEAD}signatures = [\"def add(a, b)\", \"def add(c)\"]\n{ex}"),
            "spec.toml: signatures[1]: function `add` is declared twice; keep one",
        ),
        (
            format!("{HEAD}{sig}[[examples]]\nargs = [1, 2]\n"),
            "spec.toml: example 1 has no `expected`; add the value the call returns",
        ),
        (
            format!("{HEAD}{ex}"),
            "spec.toml: example 1 needs a function to call: add `signatures = [...]` to the spec",
        ),
        (
            format!("{HEAD}signatures = [\"def add(a, b)\", \"def sub(a, b)\"]\n{ex}"),
            "spec.toml: example 1 has no `call` and the spec has 2 functions; add `call = \"NAME\"`",
        ),
        (
            format!("{HEAD}{sig}[[examples]]\ncall = \"mul\"\nargs = [1, 2]\nexpected = 2\n"),
            "spec.toml: example 1 calls `mul`, which no signature declares; add its signature or fix the name",
        ),
        (
            format!("{HEAD}{sig}{ex}[[examples]]\nargs = [1, 2, 3]\nexpected = 6\n"),
            "spec.toml: example 2 gives 3 arguments but `def add(a: int, b: int) -> int` takes 2; fix `args` or the signature",
        ),
        (
            "name = \"s\"\nlanguage = \"go\"\ndescription = \"d\"\nsignatures = [\"func Sum(xs []int) int\"]\n[[examples]]\nargs = [[1.5, 2]]\nexpected = 3\n[[examples]]\nargs = [{ a = 1 }]\nexpected = 1\n".into(),
            "spec.toml: example 2: argument 1 (`{ a = 1 }`): tables are not supported in go examples; use arrays or scalars",
        ),
        (
            "name = \"s\"\nlanguage = \"rust\"\ndescription = \"d\"\nsignatures = [\"fn len(s: &str) -> usize\"]\n[[examples]]\nargs = [[1]]\nexpected = 1\n".into(),
            "spec.toml: example 1: argument 1 (`[1]`): an array does not fit the type `&str`",
        ),
        (
            "name = \"s\"\nlanguage = \"go\"\ndescription = \"d\"\nsignatures = [\"func Div(a, b int) (int, error)\"]\n[[examples]]\nargs = [1, 2]\nexpected = 0\n".into(),
            "spec.toml: example 1: `func Div(a, b int) (int, error)` returns several values, which examples cannot compare; return one value",
        ),
        (
            format!("{HEAD}{sig}"),
            "spec.toml: the spec has no `[[examples]]` and no `[test_file]`, so nothing could show the program works; add at least one example",
        ),
        (
            format!("{HEAD}{sig}{ex}[test_file]\npath = \"checks.py\"\ncontents = \"assert True\"\n"),
            "spec.toml: [test_file] path = \"checks.py\" is not a python test file; name it `test_*.py` or `*_test.py`",
        ),
        (
            format!("{HEAD}{sig}{ex}[test_file]\npath = \"test_main.py\"\ncontents = \"assert True\"\n"),
            "spec.toml: [test_file] path = \"test_main.py\" is a file selfheal generates; choose another name",
        ),
        (
            format!("{HEAD}{sig}{ex}[test_file]\ncontents = \"x\"\nsource = \"t.py\"\n"),
            "spec.toml: [test_file] has both `contents` and `source`; keep one",
        ),
        (
            format!("{HEAD}{sig}{ex}[test_file]\nsource = \"t.py\"\n"),
            "spec.toml: [test_file] source = \"t.py\" needs the spec's directory; load the spec from a file",
        ),
        (
            format!("{HEAD}{sig}{ex}[test_file]\npath = \"test_x.py\"\n"),
            "spec.toml: [test_file] needs `contents = \"\"\"...\"\"\"` or `source = \"FILE\"`",
        ),
        (
            format!("{HEAD}{sig}{ex}[test_file]\ncontents = \"  \"\n"),
            "spec.toml: [test_file] is empty; give it tests or remove it",
        ),
        (
            "name = \"s\"\nlanguage = \"rust\"\ndescription = \"d\"\nsignatures = [\"fn f() -> i64\"]\n[[examples]]\nexpected = 1\n[test_file]\npath = \"tests/more.rs\"\ncontents = \"#[test]\\nfn t() {}\"\n".into(),
            "spec.toml: [test_file] path = \"tests/more.rs\" is not a rust test file; name it `tests.rs` (its tests join the example tests' module)",
        ),
        (
            "name = \"s\"\nlanguage = \"rust\"\ndescription = \"d\"\nsignatures = [\"fn f(n: String) -> i64\"]\n[[examples]]\nargs = [1]\nexpected = 1\n".into(),
            "spec.toml: example 1: argument 1 (`1`): the integer 1 does not fit the type `String`",
        ),
        (
            "name = \"s\"\nlanguage = \"rust\"\ndescription = \"d\"\nsignatures = [\"fn f() -> i64\"]\n[[examples]]\nexpected = 1.5\n".into(),
            "spec.toml: example 1: expected (`1.5`): the float 1.5 does not fit the type `i64`",
        ),
        (
            format!("{HEAD}{sig}{ex}[implementation]\nbodies.sub = \"return a - b\"\n"),
            "spec.toml: [implementation.bodies] has no body for `add`; add `add = \"...\"`",
        ),
        (
            format!("{HEAD}{sig}{ex}[implementation]\nbodies.add = \"return a + b\"\nbodies.sub = \"return a - b\"\n"),
            "spec.toml: [implementation.bodies] has a body for `sub`, which no signature declares; add its signature or remove the body",
        ),
        (
            format!("{HEAD}{sig}{ex}[implementation]\nimports = [\"import numpy as np\"]\nbodies.add = \"return a + b\"\n"),
            "spec.toml: [implementation] imports `numpy` (`import numpy as np`), which is not allowed; add it to `[constraints] allowed_dependencies` or use the standard library",
        ),
        (
            format!("{HEAD}{sig}{ex}[constraints]\nallowed = [\"numpy\"]\n"),
            "spec.toml: line 9: unknown field `allowed`, expected `allowed_dependencies`; remove it or fix its spelling",
        ),
        (
            format!("{HEAD}{sig}[[examples]]\nargs = [1, 2]\nexpected = 3\ncolour = \"red\"\n"),
            "spec.toml: line 8: unknown field `colour`, expected one of `call`, `args`, `expected`; remove it or fix its spelling",
        ),
    ];
    for (text, want) in cases {
        assert_eq!(error(&text), want, "for the spec:\n{text}");
    }
}

#[test]
fn an_allowed_dependency_and_the_standard_library_pass() {
    let s = parse(&format!(
        "{HEAD}signatures = [\"def add(a, b)\"]\n[[examples]]\nargs = [1, 2]\nexpected = 3\n[constraints]\nallowed_dependencies = [\"numpy\"]\n[implementation]\nimports = [\"import numpy as np\", \"import math\", \"from collections import Counter\"]\nbodies.add = \"return a + b\"\n"
    ));
    assert_eq!(s.constraints.allowed_dependencies, ["numpy"]);
    use selfheal::generate::spec::third_party_import;
    assert_eq!(
        third_party_import(Rust, "use regex::Regex;").as_deref(),
        Some("regex")
    );
    assert_eq!(third_party_import(Rust, "use std::fmt;"), None);
    assert_eq!(
        third_party_import(JavaScript, "const fs = require('fs');"),
        None
    );
    assert_eq!(
        third_party_import(JavaScript, "const _ = require('lodash/fp');").as_deref(),
        Some("lodash")
    );
    assert_eq!(third_party_import(Go, "\"strings\""), None);
    assert_eq!(
        third_party_import(Go, "\"github.com/stretchr/testify/assert\"").as_deref(),
        Some("github.com/stretchr/testify/assert")
    );
}

#[test]
fn a_test_file_source_is_read_next_to_the_spec() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("extra.py"),
        "from main import add\nassert add(2, 2) == 4\n",
    )
    .unwrap();
    let path = dir.path().join("add.toml");
    std::fs::write(
        &path,
        format!("{HEAD}signatures = [\"def add(a, b)\"]\n[test_file]\npath = \"test_extra.py\"\nsource = \"extra.py\"\n"),
    )
    .unwrap();
    let s = Spec::load(&path).unwrap();
    assert_eq!(
        s.test_program_files(),
        [(
            "test_extra.py".to_string(),
            "from main import add\nassert add(2, 2) == 4\n".to_string()
        )]
    );
    let missing = dir.path().join("none.toml");
    let e = Spec::load(&missing).unwrap_err().to_string();
    assert!(
        e.starts_with(&format!("{}: cannot read the spec: ", missing.display())),
        "{e}"
    );
}

#[test]
fn signatures_of_each_language() {
    let r = parse_signature(
        Rust,
        "pub fn merge<K: Ord, V>(a: HashMap<K, V>, f: impl Fn(i32) -> i32) -> Vec<(K, V)> {",
    )
    .unwrap();
    assert_eq!(r.name, "merge");
    assert_eq!(r.params.len(), 2);
    assert_eq!(r.params[0].ty.as_deref(), Some("HashMap<K, V>"));
    assert_eq!(r.params[1].ty.as_deref(), Some("impl Fn(i32) -> i32"));
    assert_eq!(r.returns.as_deref(), Some("Vec<(K, V)>"));
    let p = parse_signature(
        Python,
        "def f(self, a, *args, b: dict[str, int] = {}, **kw) -> None:",
    )
    .unwrap();
    assert_eq!(
        p.params.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert!(p.variadic);
    assert!(p.params[1].has_default);
    let j = parse_signature(JavaScript, "async function f(a, b = 2, ...rest)").unwrap();
    assert_eq!(j.params.len(), 2);
    assert!(j.variadic);
    let g = parse_signature(
        Go,
        "func Join(parts []string, sep string, extra ...int) string",
    )
    .unwrap();
    assert_eq!(g.params.len(), 2);
    assert!(g.variadic);
    assert_eq!(g.returns.as_deref(), Some("string"));
    assert_eq!(
        parse_signature(Go, "func (s *S) M()").unwrap_err(),
        "methods are not supported; declare a plain function"
    );
    assert_eq!(
        parse_signature(Rust, "fn f(a)").unwrap_err(),
        "parameter `a` has no type; write `name: Type`"
    );
}

#[test]
fn literals_in_each_language() {
    let v = |s: &str| -> toml::Value {
        toml::from_str::<toml::Table>(&format!("v = {s}")).unwrap()["v"].clone()
    };
    let cases: &[(TargetLanguage, &str, Option<&str>, &str)] = &[
        (Python, "true", None, "True"),
        (Python, "[1, 2.5, \"a\\\"b\"]", None, "[1, 2.5, \"a\\\"b\"]"),
        (Python, "{ k = [1] }", None, "{\"k\": [1]}"),
        (JavaScript, "false", None, "false"),
        (JavaScript, "{ k = \"v\" }", None, "{\"k\": \"v\"}"),
        (Rust, "3", Some("f64"), "3.0"),
        (Rust, "[1, 2]", Some("&[i64]"), "&[1, 2]"),
        (Rust, "[1, 2]", Some("Vec<i64>"), "vec![1, 2]"),
        (
            Rust,
            "[[1], []]",
            Some("Vec<Vec<u8>>"),
            "vec![vec![1], vec![]]",
        ),
        (
            Rust,
            "[\"a\"]",
            Some("Vec<String>"),
            "vec![String::from(\"a\")]",
        ),
        (Rust, "\"é\\n\"", Some("&str"), "\"é\\n\""),
        (Rust, "\"x\"", Some("char"), "'x'"),
        (Go, "[[1, 2], [3]]", Some("[][]int"), "[][]int{{1, 2}, {3}}"),
        (Go, "[\"a\"]", Some("[]string"), "[]string{\"a\"}"),
        (Go, "2.0", Some("float64"), "2.0"),
        (Go, "\"x\"", Some("rune"), "'x'"),
    ];
    for (lang, toml_value, ty, want) in cases {
        assert_eq!(
            render_literal(*lang, &v(toml_value), *ty).unwrap(),
            *want,
            "{lang} {toml_value} as {ty:?}"
        );
    }
    assert_eq!(
        render_literal(Go, &v("[1]"), None).unwrap_err(),
        "an array needs a declared type in Go (e.g. `xs []int`)"
    );
    assert_eq!(
        render_literal(Python, &v("nan"), None).unwrap_err(),
        "NaN has no literal; use a finite number"
    );
}

async fn validate(spec: &Spec, source: &str) -> ValidationResult {
    let program = spec.assemble(source).unwrap();
    for (path, _) in spec.test_program_files() {
        assert!(program.protected().contains(&path), "{path} is protected");
    }
    common::validator()
        .validate(&program, Expect::Test)
        .await
        .unwrap_or_else(|e| panic!("validation could not run: {e}"))
}

/// The rendered examples pass the right implementation and catch the wrong one, reporting a
/// test failure (not a compile error in the generated tests).
async fn assert_examples_discriminate(spec: &Spec, right: &str, wrong: &str) {
    let ok = validate(spec, right).await;
    assert!(
        ok.passed,
        "{}: the right implementation fails: {:?}\n{}",
        spec.name, ok.errors, ok.output
    );
    let bad = validate(spec, wrong).await;
    assert!(
        !bad.passed,
        "{}: the wrong implementation passes",
        spec.name
    );
    assert!(
        bad.errors
            .iter()
            .all(|e| e.error_type == ErrorType::TestFailure),
        "{}: {:?}\n{}",
        spec.name,
        bad.errors,
        bad.output
    );
}

#[tokio::test]
async fn python_examples_become_unittest_cases() {
    let spec = Spec::load(&spec_path("python_stats.toml")).unwrap();
    let right = "def mean(xs):\n    return sum(xs) / len(xs)\n\n\ndef clamp_all(xs, lo, hi):\n    return [min(max(x, lo), hi) for x in xs]\n";
    let wrong = "def mean(xs):\n    return sum(xs) / (len(xs) + 1)\n\n\ndef clamp_all(xs, lo, hi):\n    return [min(max(x, lo), hi) for x in xs]\n";
    assert_examples_discriminate(&spec, right, wrong).await;
}

#[tokio::test]
async fn rust_examples_become_test_functions() {
    let spec = Spec::load(&spec_path("rust_words.toml")).unwrap();
    let right = "pub fn count_words(text: &str) -> usize {\n    text.split_whitespace().count()\n}\n\npub fn longest(words: &[String]) -> String {\n    let mut best = String::new();\n    for w in words {\n        if w.len() > best.len() {\n            best = w.clone();\n        }\n    }\n    best\n}\n";
    // `>=` keeps the last of equals: "xyzw" instead of "abcd".
    let wrong = right.replace("w.len() > best.len()", "w.len() >= best.len()");
    assert_examples_discriminate(&spec, right, &wrong).await;
}

#[tokio::test]
async fn javascript_examples_become_assertions() {
    let spec = Spec::load(&spec_path("javascript_strings.toml")).unwrap();
    let right = "function capitalize(s) {\n  return s.length === 0 ? s : s[0].toUpperCase() + s.slice(1);\n}\nfunction words(sentence) {\n  return sentence.split(/\\s+/).filter((w) => w.length > 0).map((w) => w.toLowerCase());\n}\n";
    let wrong = right.replace(".filter((w) => w.length > 0)", "");
    assert_examples_discriminate(&spec, right, &wrong).await;
}

#[tokio::test]
async fn go_examples_become_test_functions() {
    let spec = Spec::load(&spec_path("go_numbers.toml")).unwrap();
    let right = "package main\n\nimport \"math\"\n\nfunc SumEvens(xs []int) int {\n\ttotal := 0\n\tfor _, x := range xs {\n\t\tif x%2 == 0 {\n\t\t\ttotal += x\n\t\t}\n\t}\n\treturn total\n}\n\nfunc Hypot(a, b float64) float64 {\n\treturn math.Sqrt(a*a + b*b)\n}\n";
    let wrong = right.replace("x%2 == 0", "x%2 == 1");
    assert_examples_discriminate(&spec, right, &wrong).await;
}

#[test]
fn imports_outside_the_constraints_are_reported_where_they_are() {
    let rust = parse(
        "name = \"r\"\nlanguage = \"rust\"\ndescription = \"d\"\nsignatures = [\"fn f() -> i64\"]\n[[examples]]\nexpected = 1\n[constraints]\nallowed_dependencies = [\"rand\"]\n",
    );
    let p = rust
        .assemble(
            "use std::fmt;\nuse rand::Rng;\nuse regex::Regex;\n\npub fn f() -> i64 {\n    1\n}\n",
        )
        .unwrap();
    let v = rust.dependency_violations(&p);
    assert_eq!(v.len(), 1);
    assert_eq!(
        v[0].message,
        "`regex` is not an allowed dependency (allowed: rand); use the standard library instead"
    );
    assert_eq!(v[0].code.as_deref(), Some("disallowed-dependency"));
    let loc = v[0].location.as_ref().unwrap();
    assert_eq!((loc.file.as_str(), loc.line), ("lib.rs", 3));

    let go = parse(
        "name = \"g\"\nlanguage = \"go\"\ndescription = \"d\"\nsignatures = [\"func F() string\"]\n[[examples]]\nexpected = \"a\"\n",
    );
    let p = go
        .assemble("package main\n\nimport (\n\t\"strings\"\n\t\"github.com/pkg/errors\"\n)\n\nfunc F() string {\n\treturn strings.ToLower(\"example.com/A\")\n}\n")
        .unwrap();
    let v = go.dependency_violations(&p);
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(
        v[0].message,
        "`github.com/pkg/errors` is not an allowed dependency (allowed: none besides the standard library); use the standard library instead"
    );
    assert_eq!(v[0].location.as_ref().unwrap().line, 5);
    // The protected tests may import what they like.
    assert!(go
        .dependency_violations(
            &go.assemble("package main\n\nfunc F() string { return \"a\" }\n")
                .unwrap()
        )
        .is_empty());
}
