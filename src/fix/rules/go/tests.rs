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

/// `undefined: NAME` at `line`:`col`.
fn undefined(name: &str, line: u32, col: u32) -> CodeError {
    err(
        ErrorType::UndefinedVariable,
        "undefined",
        &format!("undefined: {name}"),
        line,
        col,
    )
}

/// A compiler error whose code names its kind (`unused_import`, `assignment`, …).
fn compiler(code: &str, message: &str, line: u32, col: u32) -> CodeError {
    err(
        ErrorType::CompilerError(code.into()),
        code,
        message,
        line,
        col,
    )
}

fn syntax(message: &str, line: u32, col: u32) -> CodeError {
    err(ErrorType::SyntaxError, "syntax", message, line, col)
}

/// What a case expects of the rule's results (each the whole `main.go` after one fix).
enum Want {
    /// Exactly these, in this order.
    All(&'static [&'static str]),
    /// This one at this position of the results.
    At(usize, &'static str),
}
use Want::{All, At};

/// `rule` on the program whose `main.go` is `text`, for `error`.
struct Case {
    name: &'static str,
    rule: &'static dyn FixStrategy,
    text: &'static str,
    error: CodeError,
    want: Want,
}

/// Runs every case; a failure names its case.
fn check(cases: &[Case]) {
    for case in cases {
        let out = results(case.rule, &case.error, &program(case.text));
        match case.want {
            All(want) => assert_eq!(out, want, "case: {}", case.name),
            At(i, want) => assert_eq!(
                out.get(i).map(String::as_str),
                Some(want),
                "case: {}",
                case.name
            ),
        }
    }
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
    let not_imported = |name: &str, line| {
        err(
            ErrorType::MissingImport,
            "missing_import",
            &format!("undefined: {name}"),
            line,
            9,
        )
    };
    check(&[
        Case {
            name: "an import block gains the import",
            rule: &MissingImport,
            text: "package main\n\nimport (\n\t\"fmt\"\n)\n\nfunc f() string {\n\treturn strings.ToUpper(fmt.Sprint(1))\n}\n",
            error: not_imported("strings", 8),
            want: All(&["package main\n\nimport (\n\t\"fmt\"\n\t\"strings\"\n)\n\nfunc f() string {\n\treturn strings.ToUpper(fmt.Sprint(1))\n}\n"]),
        },
        Case {
            name: "a single import becomes a block",
            rule: &MissingImport,
            text: "package main\n\nimport \"fmt\"\n\nfunc f() string {\n\treturn strings.ToUpper(fmt.Sprint(1))\n}\n",
            error: not_imported("strings", 6),
            want: All(&["package main\n\nimport (\n\t\"fmt\"\n\t\"strings\"\n)\n\nfunc f() string {\n\treturn strings.ToUpper(fmt.Sprint(1))\n}\n"]),
        },
        Case {
            name: "a file without imports gains a block",
            rule: &MissingImport,
            text: "package main\n\nfunc f() string {\n\treturn strings.ToUpper(\"a\")\n}\n",
            error: not_imported("strings", 4),
            want: All(&["package main\n\nimport (\n\t\"strings\"\n)\n\nfunc f() string {\n\treturn strings.ToUpper(\"a\")\n}\n"]),
        },
    ]);
    // Ambiguous: math/rand first, then crypto/rand.
    let p = program("package main\n\nfunc f() int {\n\treturn rand.Intn(3)\n}\n");
    let fixes = MissingImport.suggest(&not_imported("rand", 4), &p);
    assert_eq!(fixes.len(), 2);
    assert!(fixes[0].description.contains("math/rand"));
    assert!(fixes[0].confidence > fixes[1].confidence);
}

#[test]
fn corrects_import_paths() {
    let missing = |path: &str, line| {
        err(
            ErrorType::MissingImport,
            "missing_package",
            &format!("cannot find package \"{path}\" in any of:"),
            line,
            2,
        )
    };
    check(&[
        Case {
            name: "the closest std path",
            rule: &ImportPath,
            text: "package main\n\nimport (\n\t\"unicoder\"\n)\n\nfunc f() bool {\n\treturn unicode.IsUpper('A')\n}\n",
            error: missing("unicoder", 4),
            want: At(0, "package main\n\nimport (\n\t\"unicode\"\n)\n\nfunc f() bool {\n\treturn unicode.IsUpper('A')\n}\n"),
        },
        // The qualifier is renamed with the path.
        Case {
            name: "the qualifier follows the path",
            rule: &ImportPath,
            text: "package main\n\nimport (\n\t\"unicoder\"\n)\n\nfunc f() bool {\n\treturn unicoder.IsUpper('A')\n}\n",
            error: missing("unicoder", 4),
            want: At(0, "package main\n\nimport (\n\t\"unicode\"\n)\n\nfunc f() bool {\n\treturn unicode.IsUpper('A')\n}\n"),
        },
    ]);
    // An unused unknown import is removed first; the close GOPATH path comes next.
    let p = program("package main\n\nimport (\n\t\"strings\"\n\t\"github.com/stringetchr/testify/assert\"\n)\n\nfunc f() string {\n\treturn strings.ToLower(\"A\")\n}\n");
    let out = results(
        &ImportPath,
        &missing("github.com/stringetchr/testify/assert", 5),
        &p,
    );
    assert_eq!(out[0], "package main\n\nimport (\n\t\"strings\"\n)\n\nfunc f() string {\n\treturn strings.ToLower(\"A\")\n}\n");
    assert!(out[1].contains("\"github.com/stretchr/testify/assert\""));
}

#[test]
fn removes_unused_imports() {
    check(&[
        Case {
            name: "a line of a block",
            rule: &UnusedImport,
            text:
                "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc f() { fmt.Println() }\n",
            error: compiler("unused_import", "\"os\" imported but not used", 5, 2),
            want: All(&["package main\n\nimport (\n\t\"fmt\"\n)\n\nfunc f() { fmt.Println() }\n"]),
        },
        Case {
            name: "a single import",
            rule: &UnusedImport,
            text: "package main\n\nimport \"os\"\n\nfunc f() {}\n",
            error: compiler("unused_import", "\"os\" imported and not used", 3, 8),
            want: All(&["package main\n\n\nfunc f() {}\n"]),
        },
    ]);
}

#[test]
fn unused_variables() {
    let unused = |name: &str, line, col| {
        compiler(
            "unused_variable",
            &format!("{name} declared but not used"),
            line,
            col,
        )
    };
    const RANGE: &str = "package main\n\nfunc f(xs []int) int {\n\ts := 0\n\tfor i, x := range xs {\n\t\ts += x\n\t}\n\treturn s\n}\n";
    const RANGE_DISCARDED: &str = "package main\n\nfunc f(xs []int) int {\n\ts := 0\n\tfor _, x := range xs {\n\t\ts += x\n\t}\n\treturn s\n}\n";
    check(&[
        Case {
            name: "shadowing in an inner block: the fix is `=`",
            rule: &UnusedVariable,
            text: "package main\n\nfunc f(a int) int {\n\tvar m int\n\tif a > 0 {\n\t\tm := a\n\t}\n\treturn m\n}\n",
            error: unused("m", 6, 3),
            want: At(0, "package main\n\nfunc f(a int) int {\n\tvar m int\n\tif a > 0 {\n\t\tm = a\n\t}\n\treturn m\n}\n"),
        },
        Case {
            name: "a plain unused declaration: delete it, or mark it used",
            rule: &UnusedVariable,
            text: "package main\n\nfunc f() int {\n\tunused := 42\n\treturn 1\n}\n",
            error: unused("unused", 4, 2),
            want: All(&[
                "package main\n\nfunc f() int {\n\treturn 1\n}\n",
                "package main\n\nfunc f() int {\n\tunused := 42\n\t_ = unused\n\treturn 1\n}\n",
            ]),
        },
        Case {
            name: "one of several names: discard it with `_`",
            rule: &UnusedVariable,
            text: RANGE,
            error: unused("i", 5, 6),
            want: At(0, RANGE_DISCARDED),
        },
        Case {
            name: "Go 1.20+ wording",
            rule: &UnusedVariable,
            text: RANGE,
            error: compiler("unused_variable", "declared and not used: i", 5, 6),
            want: At(0, RANGE_DISCARDED),
        },
    ]);
}

#[test]
fn define_and_assign() {
    check(&[
        Case {
            name: "no new variables: assign, or drop the redeclaration",
            rule: &DefineAssign,
            text: "package main\n\nfunc f(c rune) int {\n\tc := 'B'\n\treturn int(c)\n}\n",
            error: compiler("assignment", "no new variables on left side of :=", 4, 4),
            want: All(&[
                "package main\n\nfunc f(c rune) int {\n\tc = 'B'\n\treturn int(c)\n}\n",
                "package main\n\nfunc f(c rune) int {\n\treturn int(c)\n}\n",
            ]),
        },
        Case {
            name: "an index on the left of := is assigned",
            rule: &DefineAssign,
            text: "package main\n\nfunc f(a []int) {\n\ta[3] := 1\n}\n",
            error: compiler("assignment", "expected identifier on left side of :=", 4, 2),
            want: At(0, "package main\n\nfunc f(a []int) {\n\ta[3] = 1\n}\n"),
        },
        Case {
            name: "`for p = 1; …` with `p` undefined",
            rule: &DefineAssign,
            text: "package main\n\nfunc f(k int) int {\n\tfor p = 1; p < k; p++ {\n\t}\n\treturn 0\n}\n",
            error: undefined("p", 4, 6),
            want: All(&["package main\n\nfunc f(k int) int {\n\tfor p := 1; p < k; p++ {\n\t}\n\treturn 0\n}\n"]),
        },
        Case {
            name: "`for p = 1; …` with `p` read after the loop: `:=` would end with the loop",
            rule: &DefineAssign,
            text: "package main\n\nfunc f(k int) int {\n\tfor p = 1; p < k; p++ {\n\t}\n\treturn p\n}\n",
            error: undefined("p", 4, 6),
            want: All(&[]),
        },
        Case {
            name: "assignments in a condition compare",
            rule: &DefineAssign,
            text: "package main\n\nfunc f(n int) int {\n\tif n = 0 || n = 1 {\n\t\treturn 1\n\t}\n\treturn 0\n}\n",
            error: syntax("syntax error: unexpected =, expecting {", 4, 7),
            want: All(&["package main\n\nfunc f(n int) int {\n\tif n == 0 || n == 1 {\n\t\treturn 1\n\t}\n\treturn 0\n}\n"]),
        },
    ]);
    // In a condition, the most confident fix compares.
    let p = program(
        "package main\n\nfunc f(a int) int {\n\tif a*a := 4 {\n\t\treturn 1\n\t}\n\treturn 0\n}\n",
    );
    let e = compiler("assignment", "expected identifier on left side of :=", 4, 5);
    let fixes = DefineAssign.suggest(&e, &p);
    let best = fixes
        .iter()
        .max_by(|a, b| a.confidence.total_cmp(&b.confidence))
        .unwrap();
    assert_eq!(
        apply_fix(&p, best).unwrap().files()["main.go"],
        "package main\n\nfunc f(a int) int {\n\tif a*a == 4 {\n\t\treturn 1\n\t}\n\treturn 0\n}\n"
    );
}

#[test]
fn syntax_and_missing_code() {
    check(&[
        Case {
            name: "a keyword used as a name is renamed",
            rule: &KeywordName,
            text: "package main\n\nfunc f(n int) int {\n\tvar := make([]int, n)\n\tvar[0] = 1\n\treturn len(var)\n}\n",
            error: syntax("syntax error: unexpected :=, expecting name", 4, 6),
            want: All(&["package main\n\nfunc f(n int) int {\n\tvals := make([]int, n)\n\tvals[0] = 1\n\treturn len(vals)\n}\n"]),
        },
        Case {
            name: "the expected token replaces the found one",
            rule: &ExpectedToken,
            text: "package main\n\nfunc f(n int) int {\n\tif n = 0 {\n\t\treturn 1\n\t}\n\treturn 0\n}\n",
            error: syntax("expected '==', found '='", 4, 7),
            want: At(0, "package main\n\nfunc f(n int) int {\n\tif n == 0 {\n\t\treturn 1\n\t}\n\treturn 0\n}\n"),
        },
        Case {
            name: "code cut off by a trailing comment is uncommented",
            rule: &CommentedCode,
            text: "package main\n\nfunc f(o []int) int {\n\tx := o[0] // + 1 // 1-indexed\n\treturn x\n}\n",
            error: err(ErrorType::TestFailure, "test_failed", "Not equal", 4, 2),
            want: All(&["package main\n\nfunc f(o []int) int {\n\tx := o[0]  + 1 // 1-indexed\n\treturn x\n}\n"]),
        },
        Case {
            name: "a redeclaration in a loop accumulates",
            rule: &UnusedVariable,
            text: "package main\n\nfunc f(s []int) int {\n\tans := 0\n\tfor i := 0; i < len(s); i++ {\n\t\tans := s[i]\n\t}\n\treturn ans\n}\n",
            error: compiler("unused_variable", "ans declared but not used", 6, 3),
            want: At(1, "package main\n\nfunc f(s []int) int {\n\tans := 0\n\tfor i := 0; i < len(s); i++ {\n\t\tans += s[i]\n\t}\n\treturn ans\n}\n"),
        },
        Case {
            name: "a missing return returns the zero values",
            rule: &MissingReturn,
            text: "package main\n\nfunc f(a int) (int, error) {\n\tif a > 0 {\n\t\treturn a, nil\n\t}\n}\n",
            error: compiler("missing_return", "missing return", 7, 1),
            want: All(&["package main\n\nfunc f(a int) (int, error) {\n\tif a > 0 {\n\t\treturn a, nil\n\t}\n\treturn 0, nil\n}\n"]),
        },
    ]);
}

#[test]
fn conversions() {
    let mismatch =
        |code, message, line, col| err(ErrorType::TypeMismatch, code, message, line, col);
    check(&[
        Case {
            name: "a numeric argument is converted",
            rule: &TypeConversion,
            text: "package main\n\nimport \"math\"\n\nfunc f(n int) float64 {\n\treturn math.Sqrt(n)\n}\n",
            error: mismatch("cannot_use", "cannot use n (variable of type int) as type float64 in argument to math.Sqrt", 6, 19),
            want: All(&["package main\n\nimport \"math\"\n\nfunc f(n int) float64 {\n\treturn math.Sqrt(float64(n))\n}\n"]),
        },
        Case {
            name: "an int returned as a string is formatted",
            rule: &TypeConversion,
            text: "package main\n\nfunc f(n int) string {\n\treturn n\n}\n",
            error: mismatch("cannot_use", "cannot use n (variable of type int) as string value in return statement", 4, 9),
            want: At(0, "package main\n\nimport (\n\t\"strconv\"\n)\n\nfunc f(n int) string {\n\treturn strconv.Itoa(n)\n}\n"),
        },
        Case {
            name: "either mismatched operand is converted",
            rule: &TypeConversion,
            text: "package main\n\nfunc f(a int, b float64) float64 {\n\treturn a * b\n}\n",
            error: mismatch("mismatched_types", "invalid operation: a * b (mismatched types int and float64)", 4, 9),
            want: All(&[
                "package main\n\nfunc f(a int, b float64) float64 {\n\treturn float64(a) * b\n}\n",
                "package main\n\nfunc f(a int, b float64) float64 {\n\treturn a * int(b)\n}\n",
            ]),
        },
    ]);
}

#[test]
fn names() {
    check(&[
        Case {
            name: "a package member is exported",
            rule: &ExportedName,
            text: "package main\n\nimport \"math\"\n\nfunc f(x float64) float64 {\n\treturn math.sqrt(x)\n}\n",
            error: err(ErrorType::UndefinedVariable, "undefined_member", "sqrt not declared by package math", 6, 14),
            want: All(&["package main\n\nimport \"math\"\n\nfunc f(x float64) float64 {\n\treturn math.Sqrt(x)\n}\n"]),
        },
        Case {
            name: "another language's type is Go's",
            rule: &ForeignType,
            text: "package main\n\nfunc min(a, b double) double {\n\treturn a\n}\n",
            error: undefined("double", 3, 16),
            want: At(0, "package main\n\nfunc min(a, b float64) float64 {\n\treturn a\n}\n"),
        },
        Case {
            name: "an integer helper is defined",
            rule: &BuiltinHelper,
            text: "package main\n\nfunc f(a, b int) int {\n\treturn min(a, b)\n}\n",
            error: undefined("min", 4, 9),
            want: All(&["package main\n\nfunc f(a, b int) int {\n\treturn min(a, b)\n}\n\nfunc min(a, b int) int {\n\tif a < b {\n\t\treturn a\n\t}\n\treturn b\n}\n"]),
        },
        Case {
            name: "a call with a type first is make",
            rule: &MakeBuiltin,
            text: "package main\n\nfunc f() []int {\n\treturn find([]int, 10)\n}\n",
            error: undefined("find", 4, 9),
            want: All(&["package main\n\nfunc f() []int {\n\treturn make([]int, 10)\n}\n"]),
        },
        Case {
            name: "a definition in a line comment is uncommented",
            rule: &UncommentDefinition,
            text: "package main\n\nfunc f() int {\n\t// total := 3\n\treturn total\n}\n",
            error: undefined("total", 5, 9),
            want: All(&["package main\n\nfunc f() int {\n\ttotal := 3\n\treturn total\n}\n"]),
        },
        Case {
            name: "a definition in a block comment is uncommented",
            rule: &UncommentDefinition,
            text: "package main\n\nfunc f() int {\n\t/*\n\ttotal := 3\n\t*/\n\treturn total\n}\n",
            error: undefined("total", 7, 9),
            want: All(&["package main\n\nfunc f() int {\n\t\n\ttotal := 3\n\t\n\treturn total\n}\n"]),
        },
    ]);
}
