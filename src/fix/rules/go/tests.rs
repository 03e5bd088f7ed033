//! Tests of the go rules.

use super::*;
use super::{
    builtin_helper::*, commented_code::*, define_assign::*, expected_token::*, exported_name::*,
    foreign_type::*, import_path::*, keyword_name::*, make_builtin::*, missing_import::*,
    missing_return::*, type_conversion::*, uncomment_definition::*, unused_import::*,
    unused_variable::*,
};
use crate::fix::apply_fix;
use crate::fix::FixStrategy;
use crate::types::ErrorType;

fn program(text: &str) -> Program {
    Program::new(
        TargetLanguage::Go,
        [
            ("main.go".to_string(), text.to_string()),
            ("main_test.go".to_string(), "package main\n".to_string()),
        ],
    )
    .unwrap()
    .with_protected(["main_test.go".to_string()])
    .unwrap()
}

fn err(error_type: ErrorType, code: &str, message: &str, line: u32, col: u32) -> CodeError {
    CodeError::new(error_type, message)
        .with_code(code)
        .with_location(Location::new("main.go", line, col))
}

fn results(strategy: &dyn FixStrategy, e: &CodeError, p: &Program) -> Vec<String> {
    strategy
        .suggest(e, p)
        .iter()
        .map(|f| apply_fix(p, f).unwrap().files()["main.go"].clone())
        .collect()
}

#[test]
fn table_has_std_packages() {
    let t = std_table();
    assert_eq!(t["strings"], ["strings"]);
    assert_eq!(t["rand"], ["math/rand", "crypto/rand"]);
    assert!(!t.values().flatten().any(|p| p.contains("internal")));
}

/// Every package in the generated table exists in the installed Go's `go list std`.
#[test]
fn table_matches_go_list_std() {
    let Ok(out) = std::process::Command::new("go")
        .args(["list", "std"])
        .env("GO111MODULE", "off")
        .output()
    else {
        return;
    };
    if !out.status.success() {
        return;
    }
    let live: std::collections::BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    for path in std_paths() {
        assert!(
            live.contains(path),
            "{path} is not in `go list std`; rerun scripts/gen-go-std.sh"
        );
    }
}

#[test]
fn adds_imports_to_blocks_single_imports_and_files_without() {
    let undefined = |line| {
        err(
            ErrorType::MissingImport,
            "missing_import",
            "undefined: strings",
            line,
            9,
        )
    };
    let p = program("package main\n\nimport (\n\t\"fmt\"\n)\n\nfunc f() string {\n\treturn strings.ToUpper(fmt.Sprint(1))\n}\n");
    assert_eq!(
        results(&MissingImport, &undefined(8), &p),
        ["package main\n\nimport (\n\t\"fmt\"\n\t\"strings\"\n)\n\nfunc f() string {\n\treturn strings.ToUpper(fmt.Sprint(1))\n}\n"]
    );
    let p = program("package main\n\nimport \"fmt\"\n\nfunc f() string {\n\treturn strings.ToUpper(fmt.Sprint(1))\n}\n");
    assert_eq!(
        results(&MissingImport, &undefined(6), &p),
        ["package main\n\nimport (\n\t\"fmt\"\n\t\"strings\"\n)\n\nfunc f() string {\n\treturn strings.ToUpper(fmt.Sprint(1))\n}\n"]
    );
    let p = program("package main\n\nfunc f() string {\n\treturn strings.ToUpper(\"a\")\n}\n");
    assert_eq!(
        results(&MissingImport, &undefined(4), &p),
        ["package main\n\nimport (\n\t\"strings\"\n)\n\nfunc f() string {\n\treturn strings.ToUpper(\"a\")\n}\n"]
    );
    // Ambiguous: math/rand first, then crypto/rand.
    let p = program("package main\n\nfunc f() int {\n\treturn rand.Intn(3)\n}\n");
    let e = err(
        ErrorType::MissingImport,
        "missing_import",
        "undefined: rand",
        4,
        9,
    );
    let fixes = MissingImport.suggest(&e, &p);
    assert_eq!(fixes.len(), 2);
    assert!(fixes[0].description.contains("math/rand"));
    assert!(fixes[0].confidence > fixes[1].confidence);
}

#[test]
fn corrects_import_paths() {
    let p = program("package main\n\nimport (\n\t\"unicoder\"\n)\n\nfunc f() bool {\n\treturn unicode.IsUpper('A')\n}\n");
    let e = err(
        ErrorType::MissingImport,
        "missing_package",
        "cannot find package \"unicoder\" in any of:",
        4,
        2,
    );
    assert_eq!(
        results(&ImportPath, &e, &p)[0],
        "package main\n\nimport (\n\t\"unicode\"\n)\n\nfunc f() bool {\n\treturn unicode.IsUpper('A')\n}\n"
    );
    // The qualifier is renamed with the path; an unused unknown import is removed instead.
    let p = program("package main\n\nimport (\n\t\"unicoder\"\n)\n\nfunc f() bool {\n\treturn unicoder.IsUpper('A')\n}\n");
    assert_eq!(
        results(&ImportPath, &e, &p)[0],
        "package main\n\nimport (\n\t\"unicode\"\n)\n\nfunc f() bool {\n\treturn unicode.IsUpper('A')\n}\n"
    );
    let p = program("package main\n\nimport (\n\t\"strings\"\n\t\"github.com/stringetchr/testify/assert\"\n)\n\nfunc f() string {\n\treturn strings.ToLower(\"A\")\n}\n");
    let e = err(
        ErrorType::MissingImport,
        "missing_package",
        "cannot find package \"github.com/stringetchr/testify/assert\" in any of:",
        5,
        2,
    );
    let out = results(&ImportPath, &e, &p);
    assert_eq!(out[0], "package main\n\nimport (\n\t\"strings\"\n)\n\nfunc f() string {\n\treturn strings.ToLower(\"A\")\n}\n");
    assert!(out[1].contains("\"github.com/stretchr/testify/assert\""));
}

#[test]
fn removes_unused_imports() {
    let p =
        program("package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc f() { fmt.Println() }\n");
    let e = err(
        ErrorType::CompilerError("unused_import".into()),
        "unused_import",
        "\"os\" imported but not used",
        5,
        2,
    );
    assert_eq!(
        results(&UnusedImport, &e, &p),
        ["package main\n\nimport (\n\t\"fmt\"\n)\n\nfunc f() { fmt.Println() }\n"]
    );
    let p = program("package main\n\nimport \"os\"\n\nfunc f() {}\n");
    let e = err(
        ErrorType::CompilerError("unused_import".into()),
        "unused_import",
        "\"os\" imported and not used",
        3,
        8,
    );
    assert_eq!(
        results(&UnusedImport, &e, &p),
        ["package main\n\n\nfunc f() {}\n"]
    );
}

#[test]
fn unused_variables() {
    let unused = |name: &str, line, col| {
        err(
            ErrorType::CompilerError("unused_variable".into()),
            "unused_variable",
            &format!("{name} declared but not used"),
            line,
            col,
        )
    };
    // Shadowing in an inner block: the fix is `=`.
    let p = program("package main\n\nfunc f(a int) int {\n\tvar m int\n\tif a > 0 {\n\t\tm := a\n\t}\n\treturn m\n}\n");
    let out = results(&UnusedVariable, &unused("m", 6, 3), &p);
    assert_eq!(out[0], "package main\n\nfunc f(a int) int {\n\tvar m int\n\tif a > 0 {\n\t\tm = a\n\t}\n\treturn m\n}\n");
    // A plain unused declaration: delete it, or mark it used.
    let p = program("package main\n\nfunc f() int {\n\tunused := 42\n\treturn 1\n}\n");
    assert_eq!(
        results(&UnusedVariable, &unused("unused", 4, 2), &p),
        [
            "package main\n\nfunc f() int {\n\treturn 1\n}\n",
            "package main\n\nfunc f() int {\n\tunused := 42\n\t_ = unused\n\treturn 1\n}\n"
        ]
    );
    // One of several names: discard it with `_`.
    let p = program("package main\n\nfunc f(xs []int) int {\n\ts := 0\n\tfor i, x := range xs {\n\t\ts += x\n\t}\n\treturn s\n}\n");
    let out = results(&UnusedVariable, &unused("i", 5, 6), &p);
    assert_eq!(out[0], "package main\n\nfunc f(xs []int) int {\n\ts := 0\n\tfor _, x := range xs {\n\t\ts += x\n\t}\n\treturn s\n}\n");
    // Go 1.20+ wording.
    let e = err(
        ErrorType::CompilerError("unused_variable".into()),
        "unused_variable",
        "declared and not used: i",
        5,
        6,
    );
    assert_eq!(results(&UnusedVariable, &e, &p)[0], out[0]);
}

#[test]
fn define_and_assign() {
    let p = program("package main\n\nfunc f(c rune) int {\n\tc := 'B'\n\treturn int(c)\n}\n");
    let e = err(
        ErrorType::CompilerError("assignment".into()),
        "assignment",
        "no new variables on left side of :=",
        4,
        4,
    );
    assert_eq!(
        results(&DefineAssign, &e, &p),
        [
            "package main\n\nfunc f(c rune) int {\n\tc = 'B'\n\treturn int(c)\n}\n",
            "package main\n\nfunc f(c rune) int {\n\treturn int(c)\n}\n"
        ]
    );
    let p = program("package main\n\nfunc f(a []int) {\n\ta[3] := 1\n}\n");
    let e = err(
        ErrorType::CompilerError("assignment".into()),
        "assignment",
        "expected identifier on left side of :=",
        4,
        2,
    );
    assert_eq!(
        results(&DefineAssign, &e, &p)[0],
        "package main\n\nfunc f(a []int) {\n\ta[3] = 1\n}\n"
    );
    let p = program(
        "package main\n\nfunc f(a int) int {\n\tif a*a := 4 {\n\t\treturn 1\n\t}\n\treturn 0\n}\n",
    );
    let e = err(
        ErrorType::CompilerError("assignment".into()),
        "assignment",
        "expected identifier on left side of :=",
        4,
        5,
    );
    let fixes = DefineAssign.suggest(&e, &p);
    let best = fixes
        .iter()
        .max_by(|a, b| a.confidence.total_cmp(&b.confidence))
        .unwrap();
    assert_eq!(
        apply_fix(&p, best).unwrap().files()["main.go"],
        "package main\n\nfunc f(a int) int {\n\tif a*a == 4 {\n\t\treturn 1\n\t}\n\treturn 0\n}\n"
    );
    // `for p = 1; …` with `p` undefined.
    let p = program(
        "package main\n\nfunc f(k int) int {\n\tfor p = 1; p < k; p++ {\n\t}\n\treturn 0\n}\n",
    );
    let e = err(
        ErrorType::UndefinedVariable,
        "undefined",
        "undefined: p",
        4,
        6,
    );
    assert_eq!(
        results(&DefineAssign, &e, &p),
        ["package main\n\nfunc f(k int) int {\n\tfor p := 1; p < k; p++ {\n\t}\n\treturn 0\n}\n"]
    );
}

#[test]
fn assignments_in_conditions() {
    let p = program("package main\n\nfunc f(n int) int {\n\tif n = 0 || n = 1 {\n\t\treturn 1\n\t}\n\treturn 0\n}\n");
    let e = err(
        ErrorType::SyntaxError,
        "syntax",
        "syntax error: unexpected =, expecting {",
        4,
        7,
    );
    assert_eq!(
        results(&DefineAssign, &e, &p),
        ["package main\n\nfunc f(n int) int {\n\tif n == 0 || n == 1 {\n\t\treturn 1\n\t}\n\treturn 0\n}\n"]
    );
}

#[test]
fn keyword_used_as_a_name() {
    let p = program("package main\n\nfunc f(n int) int {\n\tvar := make([]int, n)\n\tvar[0] = 1\n\treturn len(var)\n}\n");
    let e = err(
        ErrorType::SyntaxError,
        "syntax",
        "syntax error: unexpected :=, expecting name",
        4,
        6,
    );
    assert_eq!(
        results(&KeywordName, &e, &p),
        ["package main\n\nfunc f(n int) int {\n\tvals := make([]int, n)\n\tvals[0] = 1\n\treturn len(vals)\n}\n"]
    );
}

#[test]
fn commented_code_and_accumulation() {
    let p = program(
        "package main\n\nfunc f(o []int) int {\n\tx := o[0] // + 1 // 1-indexed\n\treturn x\n}\n",
    );
    let e = err(ErrorType::TestFailure, "test_failed", "Not equal", 4, 2);
    assert_eq!(
        results(&CommentedCode, &e, &p),
        ["package main\n\nfunc f(o []int) int {\n\tx := o[0]  + 1 // 1-indexed\n\treturn x\n}\n"]
    );
    let p = program("package main\n\nfunc f(s []int) int {\n\tans := 0\n\tfor i := 0; i < len(s); i++ {\n\t\tans := s[i]\n\t}\n\treturn ans\n}\n");
    let e = err(
        ErrorType::CompilerError("unused_variable".into()),
        "unused_variable",
        "ans declared but not used",
        6,
        3,
    );
    let out = results(&UnusedVariable, &e, &p);
    assert_eq!(out[1], "package main\n\nfunc f(s []int) int {\n\tans := 0\n\tfor i := 0; i < len(s); i++ {\n\t\tans += s[i]\n\t}\n\treturn ans\n}\n");
}

#[test]
fn missing_return() {
    let p = program(
        "package main\n\nfunc f(a int) (int, error) {\n\tif a > 0 {\n\t\treturn a, nil\n\t}\n}\n",
    );
    let e = err(
        ErrorType::CompilerError("missing_return".into()),
        "missing_return",
        "missing return",
        7,
        1,
    );
    assert_eq!(
        results(&MissingReturn, &e, &p),
        ["package main\n\nfunc f(a int) (int, error) {\n\tif a > 0 {\n\t\treturn a, nil\n\t}\n\treturn 0, nil\n}\n"]
    );
}

#[test]
fn conversions() {
    let p = program(
        "package main\n\nimport \"math\"\n\nfunc f(n int) float64 {\n\treturn math.Sqrt(n)\n}\n",
    );
    let e = err(
        ErrorType::TypeMismatch,
        "cannot_use",
        "cannot use n (variable of type int) as type float64 in argument to math.Sqrt",
        6,
        19,
    );
    assert_eq!(results(&TypeConversion, &e, &p), ["package main\n\nimport \"math\"\n\nfunc f(n int) float64 {\n\treturn math.Sqrt(float64(n))\n}\n"]);

    let p = program("package main\n\nfunc f(n int) string {\n\treturn n\n}\n");
    let e = err(
        ErrorType::TypeMismatch,
        "cannot_use",
        "cannot use n (variable of type int) as string value in return statement",
        4,
        9,
    );
    assert_eq!(
        results(&TypeConversion, &e, &p)[0],
        "package main\n\nimport (\n\t\"strconv\"\n)\n\nfunc f(n int) string {\n\treturn strconv.Itoa(n)\n}\n"
    );

    let p = program("package main\n\nfunc f(a int, b float64) float64 {\n\treturn a * b\n}\n");
    let e = err(
        ErrorType::TypeMismatch,
        "mismatched_types",
        "invalid operation: a * b (mismatched types int and float64)",
        4,
        9,
    );
    assert_eq!(
        results(&TypeConversion, &e, &p),
        [
            "package main\n\nfunc f(a int, b float64) float64 {\n\treturn float64(a) * b\n}\n",
            "package main\n\nfunc f(a int, b float64) float64 {\n\treturn a * int(b)\n}\n"
        ]
    );
}

#[test]
fn names() {
    let p = program("package main\n\nimport \"math\"\n\nfunc f(x float64) float64 {\n\treturn math.sqrt(x)\n}\n");
    let e = err(
        ErrorType::UndefinedVariable,
        "undefined_member",
        "sqrt not declared by package math",
        6,
        14,
    );
    assert_eq!(results(&ExportedName, &e, &p), ["package main\n\nimport \"math\"\n\nfunc f(x float64) float64 {\n\treturn math.Sqrt(x)\n}\n"]);

    let p = program("package main\n\nfunc min(a, b double) double {\n\treturn a\n}\n");
    let e = err(
        ErrorType::UndefinedVariable,
        "undefined",
        "undefined: double",
        3,
        16,
    );
    assert_eq!(
        results(&ForeignType, &e, &p)[0],
        "package main\n\nfunc min(a, b float64) float64 {\n\treturn a\n}\n"
    );

    let p = program("package main\n\nfunc f(a, b int) int {\n\treturn min(a, b)\n}\n");
    let e = err(
        ErrorType::UndefinedVariable,
        "undefined",
        "undefined: min",
        4,
        9,
    );
    assert_eq!(
        results(&BuiltinHelper, &e, &p),
        ["package main\n\nfunc f(a, b int) int {\n\treturn min(a, b)\n}\n\nfunc min(a, b int) int {\n\tif a < b {\n\t\treturn a\n\t}\n\treturn b\n}\n"]
    );

    let p = program("package main\n\nfunc f() []int {\n\treturn find([]int, 10)\n}\n");
    let e = err(
        ErrorType::UndefinedVariable,
        "undefined",
        "undefined: find",
        4,
        9,
    );
    assert_eq!(
        results(&MakeBuiltin, &e, &p),
        ["package main\n\nfunc f() []int {\n\treturn make([]int, 10)\n}\n"]
    );
}

#[test]
fn expected_tokens() {
    let p = program(
        "package main\n\nfunc f(n int) int {\n\tif n = 0 {\n\t\treturn 1\n\t}\n\treturn 0\n}\n",
    );
    let e = err(
        ErrorType::SyntaxError,
        "syntax",
        "expected '==', found '='",
        4,
        7,
    );
    assert_eq!(
        results(&ExpectedToken, &e, &p)[0],
        "package main\n\nfunc f(n int) int {\n\tif n == 0 {\n\t\treturn 1\n\t}\n\treturn 0\n}\n"
    );
}

#[test]
fn uncomments_definitions() {
    let p = program("package main\n\nfunc f() int {\n\t// total := 3\n\treturn total\n}\n");
    let e = err(
        ErrorType::UndefinedVariable,
        "undefined",
        "undefined: total",
        5,
        9,
    );
    assert_eq!(
        results(&UncommentDefinition, &e, &p),
        ["package main\n\nfunc f() int {\n\ttotal := 3\n\treturn total\n}\n"]
    );
    let p =
        program("package main\n\nfunc f() int {\n\t/*\n\ttotal := 3\n\t*/\n\treturn total\n}\n");
    let e = err(
        ErrorType::UndefinedVariable,
        "undefined",
        "undefined: total",
        7,
        9,
    );
    assert_eq!(
        results(&UncommentDefinition, &e, &p),
        ["package main\n\nfunc f() int {\n\t\n\ttotal := 3\n\t\n\treturn total\n}\n"]
    );
}
