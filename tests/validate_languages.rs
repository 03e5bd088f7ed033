//! End to end: real programs, real toolchains, in the sandbox. Each case asserts the category,
//! code and exact location the validator reports for one kind of error in one language.

mod common;

use selfheal::validate::Expect;
use selfheal::{CodeError, ErrorType, TargetLanguage, ValidationResult};

use TargetLanguage::{Go, JavaScript, Python, Rust};

async fn validate(
    language: TargetLanguage,
    files: &[(&str, &str)],
    expect: Expect,
) -> ValidationResult {
    let program = common::program(language, files);
    common::validator()
        .validate(&program, expect)
        .await
        .unwrap_or_else(|e| panic!("validation could not run: {e}"))
}

/// Asserts the first error's category, code and location.
fn assert_first(
    result: &ValidationResult,
    error_type: ErrorType,
    code: Option<&str>,
    (file, line, column): (&str, u32, u32),
) -> CodeError {
    assert!(
        !result.passed,
        "expected a failure, got a pass:\n{}",
        result.output
    );
    let error = result
        .errors
        .first()
        .unwrap_or_else(|| panic!("no errors parsed from:\n{}", result.output))
        .clone();
    assert_eq!(error.error_type, error_type, "{error:?}\n{}", result.output);
    assert_eq!(error.code.as_deref(), code, "{error:?}");
    let loc = error
        .location
        .clone()
        .unwrap_or_else(|| panic!("no location: {error:?}"));
    assert_eq!(
        (loc.file.as_str(), loc.line, loc.column),
        (file, line, column),
        "{error:?}"
    );
    assert!(
        error
            .context
            .as_deref()
            .is_some_and(|c| c.contains(&format!(">{line:>5} |"))),
        "{error:?}"
    );
    error
}

// ---------------------------------------------------------------- Rust

const RUST_TEST_ROOT: &str =
    "pub fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n\n#[cfg(test)]\nmod tests;\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_undefined_name() {
    let r = validate(
        Rust,
        &[(
            "lib.rs",
            "pub fn f() -> i32 {\n    let x = 1;\n    x + y\n}\n",
        )],
        Expect::Check,
    )
    .await;
    assert_first(
        &r,
        ErrorType::UndefinedVariable,
        Some("E0425"),
        ("lib.rs", 3, 9),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_mismatched_types_carry_the_compiler_suggestion_data() {
    let r = validate(
        Rust,
        &[("lib.rs", "pub fn f() -> i32 {\n    \"hello\"\n}\n")],
        Expect::Check,
    )
    .await;
    assert_first(&r, ErrorType::TypeMismatch, Some("E0308"), ("lib.rs", 2, 5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_unresolved_import() {
    let r = validate(
        Rust,
        &[(
            "lib.rs",
            "use std::collections::HashMapp;\n\npub fn f() {}\n",
        )],
        Expect::Check,
    )
    .await;
    let e = assert_first(
        &r,
        ErrorType::MissingImport,
        Some("E0432"),
        ("lib.rs", 1, 5),
    );
    assert!(!e.suggestions.is_empty(), "rustc suggests HashMap: {e:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_syntax_error() {
    let r = validate(
        Rust,
        &[("lib.rs", "pub fn f() -> i32 {\n    let x = 1\n    x\n}\n")],
        Expect::Check,
    )
    .await;
    let e = assert_first(&r, ErrorType::SyntaxError, None, ("lib.rs", 2, 14));
    assert!(e.message.contains("expected `;`"), "{e:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_mutability_error() {
    let r = validate(
        Rust,
        &[(
            "lib.rs",
            "pub fn f() -> i32 {\n    let x = 1;\n    x = 2;\n    x\n}\n",
        )],
        Expect::Check,
    )
    .await;
    assert_first(
        &r,
        ErrorType::CompilerError("borrow".into()),
        Some("E0384"),
        ("lib.rs", 3, 5),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_failing_test_names_the_test() {
    let tests = "use super::*;\n\n#[test]\nfn adds() {\n    assert_eq!(add(1, 2), 4);\n}\n";
    let r = validate(
        Rust,
        &[("lib.rs", RUST_TEST_ROOT), ("tests.rs", tests)],
        Expect::Test,
    )
    .await;
    let e = assert_first(&r, ErrorType::TestFailure, None, ("tests.rs", 5, 5));
    assert_eq!(e.test_name.as_deref(), Some("tests::adds"));
    assert!(e.message.contains("left == right"), "{e:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_program_using_the_dependency_set_passes() {
    let lib = "use rand::Rng;\nuse regex::Regex;\n\npub fn roll() -> u32 {\n    rand::thread_rng().gen_range(1..=6)\n}\n\npub fn digits(s: &str) -> bool {\n    Regex::new(r\"^\\d+$\").unwrap().is_match(s)\n}\n\npub fn hash(s: &str) -> String {\n    format!(\"{:x}\", md5::compute(s))\n}\n\n#[cfg(test)]\nmod tests;\n";
    let tests = "use super::*;\n\n#[test]\nfn works() {\n    assert!((1..=6).contains(&roll()));\n    assert!(digits(\"123\"));\n    assert_eq!(hash(\"\"), \"d41d8cd98f00b204e9800998ecf8427e\");\n}\n";
    let r = validate(Rust, &[("lib.rs", lib), ("tests.rs", tests)], Expect::Test).await;
    assert!(r.passed, "{:?}\n{}", r.errors, r.output);
    assert_eq!(r.steps.len(), 3, "check, test build, test run");
}

// ---------------------------------------------------------------- Python

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_syntax_error() {
    let r = validate(Python, &[("main.py", "def f(:\n    pass\n")], Expect::Check).await;
    assert_first(
        &r,
        ErrorType::SyntaxError,
        Some("SyntaxError"),
        ("main.py", 1, 7),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_indentation_error() {
    let r = validate(
        Python,
        &[("main.py", "def f():\nreturn 1\n")],
        Expect::Check,
    )
    .await;
    assert_first(
        &r,
        ErrorType::SyntaxError,
        Some("IndentationError"),
        ("main.py", 2, 1),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_static_pass_finds_undefined_names_without_running() {
    // The program would delete a file if it ran; the static pass must find the error anyway.
    let src = "import os\n\nos.remove('main.py')\n\ndef area(r):\n    return pi * r * r\n";
    let r = validate(Python, &[("main.py", src)], Expect::Check).await;
    let e = assert_first(
        &r,
        ErrorType::UndefinedVariable,
        Some("NameError"),
        ("main.py", 6, 12),
    );
    assert!(e.message.contains("pi"), "{e:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_static_pass_finds_unresolvable_imports() {
    let src = "import json\nimport numpyy\n\nprint(json.dumps(1))\n";
    let r = validate(Python, &[("main.py", src)], Expect::Check).await;
    assert_first(
        &r,
        ErrorType::MissingImport,
        Some("ModuleNotFoundError"),
        ("main.py", 2, 8),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_type_error_in_test_run() {
    let main = "def add(a, b):\n    return a + b\n";
    let test = "from main import add\nadd(1, \"x\")\n";
    let r = validate(
        Python,
        &[("main.py", main), ("test_main.py", test)],
        Expect::Test,
    )
    .await;
    assert_first(
        &r,
        ErrorType::TypeMismatch,
        Some("TypeError"),
        ("main.py", 2, 12),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_failed_assertion_is_a_test_failure() {
    let main = "def add(a, b):\n    return a - b\n";
    let test = "from main import add\n\ndef test_add():\n    assert add(2, 3) == 5, 'add(2, 3) should be 5'\n\ntest_add()\n";
    let r = validate(
        Python,
        &[("main.py", main), ("test_main.py", test)],
        Expect::Test,
    )
    .await;
    let e = assert_first(
        &r,
        ErrorType::TestFailure,
        Some("AssertionError"),
        ("test_main.py", 4, 12),
    );
    assert_eq!(e.test_name.as_deref(), Some("test_add"));
    assert!(e.message.contains("add(2, 3) should be 5"), "{e:?}");
}

// ---------------------------------------------------------------- JavaScript

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn javascript_syntax_error() {
    let r = validate(JavaScript, &[("main.js", "const x = ;\n")], Expect::Check).await;
    assert_first(
        &r,
        ErrorType::SyntaxError,
        Some("SyntaxError"),
        ("main.js", 1, 11),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn javascript_reference_error() {
    let main = "function f() {\n  return y;\n}\nmodule.exports = { f };\n";
    let test = "const { f } = require('./main.js');\nf();\n";
    let r = validate(
        JavaScript,
        &[("main.js", main), ("main.test.js", test)],
        Expect::Test,
    )
    .await;
    // Found by the static pass (at the name itself) before the test runs.
    let e = assert_first(
        &r,
        ErrorType::UndefinedVariable,
        Some("ReferenceError"),
        ("main.js", 2, 10),
    );
    assert_eq!(e.step, "check");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn javascript_type_error() {
    let main = "function f() {\n  return BigInt(1) + 1;\n}\nmodule.exports = { f };\n";
    let test = "const { f } = require('./main.js');\nf();\n";
    let r = validate(
        JavaScript,
        &[("main.js", main), ("main.test.js", test)],
        Expect::Test,
    )
    .await;
    assert_first(
        &r,
        ErrorType::TypeMismatch,
        Some("TypeError"),
        ("main.js", 2, 20),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn javascript_failed_assertion() {
    let main = "function add(a, b) {\n  return a - b;\n}\nmodule.exports = { add };\n";
    let test = "const assert = require('assert');\nconst { add } = require('./main.js');\nassert.strictEqual(add(2, 3), 5);\n";
    let r = validate(
        JavaScript,
        &[("main.js", main), ("main.test.js", test)],
        Expect::Test,
    )
    .await;
    let e = assert_first(
        &r,
        ErrorType::TestFailure,
        Some("AssertionError"),
        ("main.test.js", 3, 8),
    );
    assert!(e.message.contains("-1 !== 5"), "{e:?}");
}

// ---------------------------------------------------------------- Go

const GO_MAIN_HEAD: &str = "package main\n\nimport \"fmt\"\n\nfunc main() {\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn go_syntax_error() {
    let src = format!("{GO_MAIN_HEAD}\tfmt.Println(\"x\"\n}}\n");
    let r = validate(Go, &[("main.go", &src)], Expect::Check).await;
    assert_first(
        &r,
        ErrorType::SyntaxError,
        Some("syntax"),
        ("main.go", 6, 17),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn go_undefined_name() {
    let src = format!("{GO_MAIN_HEAD}\tfmt.Println(y)\n}}\n");
    let r = validate(Go, &[("main.go", &src)], Expect::Check).await;
    assert_first(
        &r,
        ErrorType::UndefinedVariable,
        Some("undefined"),
        ("main.go", 6, 14),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn go_imported_and_not_used() {
    let src =
        "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc main() {\n\tfmt.Println(1)\n}\n";
    let r = validate(Go, &[("main.go", src)], Expect::Check).await;
    assert_first(
        &r,
        ErrorType::CompilerError("unused_import".into()),
        Some("unused_import"),
        ("main.go", 5, 2),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn go_type_mismatch() {
    let src = format!("{GO_MAIN_HEAD}\tvar x int = \"s\"\n\tfmt.Println(x)\n}}\n");
    let r = validate(Go, &[("main.go", &src)], Expect::Check).await;
    assert_first(
        &r,
        ErrorType::TypeMismatch,
        Some("cannot_use"),
        ("main.go", 6, 14),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn go_failed_testify_assertion() {
    let main = "package main\n\nfunc Add(a, b int) int {\n\treturn a - b\n}\n\nfunc main() {}\n";
    let test = "package main\n\nimport (\n\t\"testing\"\n\n\t\"github.com/stretchr/testify/assert\"\n)\n\nfunc TestAdd(t *testing.T) {\n\tassert.Equal(t, 5, Add(2, 3))\n}\n";
    let r = validate(
        Go,
        &[("main.go", main), ("main_test.go", test)],
        Expect::Test,
    )
    .await;
    let e = assert_first(
        &r,
        ErrorType::TestFailure,
        Some("test_failed"),
        ("main_test.go", 10, 2),
    );
    assert!(e.message.contains("expected: 5"), "{e:?}");
    assert_eq!(e.test_name.as_deref(), Some("TestAdd"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passing_programs_pass_in_every_language() {
    let cases: [(TargetLanguage, &[(&str, &str)]); 4] = [
        (Rust, &[("main.rs", "fn main() {\n    println!(\"hi\");\n}\n")]),
        (Python, &[("main.py", "def f():\n    return 1\n"), ("test_main.py", "from main import f\nassert f() == 1\n")]),
        (JavaScript, &[("main.js", "module.exports = { f: () => 1 };\n"), ("main.test.js", "const { f } = require('./main.js');\nif (f() !== 1) throw new Error('bad');\n")]),
        (Go, &[("main.go", "package main\n\nfunc F() int { return 1 }\n\nfunc main() {}\n"), ("main_test.go", "package main\n\nimport \"testing\"\n\nfunc TestF(t *testing.T) {\n\tif F() != 1 {\n\t\tt.Fatal(\"bad\")\n\t}\n}\n")]),
    ];
    for (language, files) in cases {
        let program = common::program(language, files);
        let r = common::validator()
            .validate(&program, Expect::for_program(&program))
            .await
            .unwrap();
        assert!(r.passed, "{language}: {:?}\n{}", r.errors, r.output);
        assert!(r.errors.is_empty());
    }
}
