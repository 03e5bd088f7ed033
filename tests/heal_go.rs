//! Healing Go programs: one error of each kind (unused variables and imports included), several
//! at once, and declarations written from their uses.

mod common;

use common::heal::assert_heals;
use selfheal::{Program, TargetLanguage};

const TEST: &str = "package main\n\nimport \"testing\"\n\nfunc TestTotal(t *testing.T) {\n\tif total([]int{1, 2, 3}) != 6 {\n\t\tt.Fatal(\"wrong total\")\n\t}\n}\n";

fn go(main: &str, test: &str) -> Program {
    common::program(
        TargetLanguage::Go,
        &[("main.go", main), ("main_test.go", test)],
    )
    .with_protected(["main_test.go".to_string()])
    .unwrap()
}

const MAIN_FN: &str = "\nfunc main() {}\n";

fn with_main(code: &str) -> String {
    format!("{code}{MAIN_FN}")
}

#[tokio::test]
async fn undefined_name_typo() {
    let p = go(
        &with_main("package main\n\nfunc total(items []int) int {\n\tresult := 0\n\tfor _, item := range items {\n\t\tresult += item\n\t}\n\treturn reslt\n}\n"),
        TEST,
    );
    let r = assert_heals(&p, "undefined_variable").await;
    assert!(r.final_program.files()["main.go"].contains("\treturn result\n"));
}

#[tokio::test]
async fn missing_import() {
    let p = go(
        &with_main("package main\n\nfunc shout(s string) string {\n\treturn strings.ToUpper(s)\n}\n"),
        "package main\n\nimport \"testing\"\n\nfunc TestShout(t *testing.T) {\n\tif shout(\"hi\") != \"HI\" {\n\t\tt.Fatal(\"wrong\")\n\t}\n}\n",
    );
    let r = assert_heals(&p, "missing_import").await;
    assert!(r.final_program.files()["main.go"].contains("\"strings\""));
}

#[tokio::test]
async fn missing_closing_brace() {
    let p = go(
        &with_main("package main\n\nfunc total(items []int) int {\n\tresult := 0\n\tfor _, item := range items {\n\t\tresult += item\n\treturn result\n}\n"),
        TEST,
    );
    assert_heals(&p, "syntax").await;
}

#[tokio::test]
async fn type_mismatch_fixed_by_a_conversion() {
    let p = go(
        &with_main("package main\n\nimport \"math\"\n\nfunc root(n int) float64 {\n\treturn math.Sqrt(n)\n}\n"),
        "package main\n\nimport \"testing\"\n\nfunc TestRoot(t *testing.T) {\n\tif root(9) != 3 {\n\t\tt.Fatal(root(9))\n\t}\n}\n",
    );
    let r = assert_heals(&p, "type_mismatch").await;
    assert!(r.final_program.files()["main.go"].contains("math.Sqrt(float64(n))"));
}

#[tokio::test]
async fn unused_variable() {
    let p = go(
        &with_main("package main\n\nfunc total(items []int) int {\n\tresult := 0\n\tcount := len(items)\n\tfor _, item := range items {\n\t\tresult += item\n\t}\n\treturn result\n}\n"),
        TEST,
    );
    let r = assert_heals(&p, "compiler:unused_variable").await;
    assert!(
        !r.final_program.files()["main.go"].contains("\tcount := len(items)\n")
            || r.final_program.files()["main.go"].contains("_ = count")
    );
}

#[tokio::test]
async fn unused_import() {
    let p = go(
        &with_main("package main\n\nimport \"os\"\n\nfunc total(items []int) int {\n\tresult := 0\n\tfor _, item := range items {\n\t\tresult += item\n\t}\n\treturn result\n}\n"),
        TEST,
    );
    let r = assert_heals(&p, "compiler:unused_import").await;
    assert!(!r.final_program.files()["main.go"].contains("\"os\""));
}

#[tokio::test]
async fn several_errors_of_different_kinds() {
    let p = go(
        &with_main("package main\n\nimport \"os\"\n\nfunc total(items []int) int {\n\tresult := 0\n\tfor _, item := range items {\n\t\tresult += item\n\t}\n\treturn reslt\n}\n\nfunc shout(s string) string {\n\treturn strings.ToUpper(s)\n}\n"),
        "package main\n\nimport \"testing\"\n\nfunc TestBoth(t *testing.T) {\n\tif total([]int{1, 2}) != 3 || shout(\"a\") != \"A\" {\n\t\tt.Fatal(\"wrong\")\n\t}\n}\n",
    );
    let r = assert_heals(&p, "undefined_variable").await;
    assert!(r.strategies_kept.len() >= 2, "{:?}", r.strategies_kept);
}

// Declarations written from their uses (issue 16): each heal ends with the exact program.

#[tokio::test]
async fn parameters_without_types_are_typed_from_the_calls_and_the_missing_one_added() {
    let p = go(
        &with_main("package main\n\nfunc perimeter(a, b) float64 {\n\treturn a + b + c\n}\n"),
        "package main\n\nimport \"testing\"\n\nfunc TestPerimeter(t *testing.T) {\n\tif perimeter(3, 4, 5.5) != 12.5 {\n\t\tt.Fatal(perimeter(3, 4, 5.5))\n\t}\n}\n",
    );
    let r = assert_heals(&p, "undefined_variable").await;
    assert_eq!(
        r.final_program.files()["main.go"],
        with_main(
            "package main\n\nfunc perimeter(a, b, c float64) float64 {\n\treturn a + b + c\n}\n"
        ),
        "{}",
        r.summary()
    );
    assert!(r
        .strategies_kept
        .iter()
        .any(|s| s == "go.untyped-parameters"));
}

#[tokio::test]
async fn a_loop_variable_read_after_the_loop_is_declared_at_the_top_of_the_function() {
    let p = go(
        &with_main("package main\n\nfunc firstRepeat(xs []int) int {\n\tfor i = 1; i < len(xs); i++ {\n\t\tif xs[i] == xs[i-1] {\n\t\t\tbreak\n\t\t}\n\t}\n\treturn i\n}\n"),
        "package main\n\nimport \"testing\"\n\nfunc TestFirstRepeat(t *testing.T) {\n\tif firstRepeat([]int{1, 2, 2, 3}) != 2 || firstRepeat([]int{1, 2, 3}) != 3 {\n\t\tt.Fatal(\"wrong\")\n\t}\n}\n",
    );
    let r = assert_heals(&p, "undefined_variable").await;
    assert_eq!(
        r.final_program.files()["main.go"],
        with_main("package main\n\nfunc firstRepeat(xs []int) int {\n\tvar i int\n\tfor i = 1; i < len(xs); i++ {\n\t\tif xs[i] == xs[i-1] {\n\t\t\tbreak\n\t\t}\n\t}\n\treturn i\n}\n"),
        "{}",
        r.summary()
    );
}

#[tokio::test]
async fn a_slice_indexed_one_past_its_end_is_allocated_long_enough() {
    let p = go(
        &with_main("package main\n\nfunc squares(n int) []int {\n\tsq := make([]int, n)\n\tfor i := 1; i <= n; i++ {\n\t\tsq[i] = i * i\n\t}\n\treturn sq[1:]\n}\n"),
        "package main\n\nimport \"testing\"\n\nfunc TestSquares(t *testing.T) {\n\tgot := squares(3)\n\tif len(got) != 3 || got[0] != 1 || got[2] != 9 {\n\t\tt.Fatal(got)\n\t}\n}\n",
    );
    let r = assert_heals(&p, "compiler:panic").await;
    assert_eq!(
        r.final_program.files()["main.go"],
        with_main("package main\n\nfunc squares(n int) []int {\n\tsq := make([]int, n+1)\n\tfor i := 1; i <= n; i++ {\n\t\tsq[i] = i * i\n\t}\n\treturn sq[1:]\n}\n"),
        "{}",
        r.summary()
    );
}

#[tokio::test]
async fn a_missing_modulus_constant_gets_a_modulus_not_zero() {
    let p = go(
        &with_main("package main\n\nfunc powMod(b, e int) int {\n\tr := 1\n\tfor i := 0; i < e; i++ {\n\t\tr = r * b % MOD\n\t}\n\treturn r\n}\n"),
        "package main\n\nimport \"testing\"\n\nfunc TestPowMod(t *testing.T) {\n\tif powMod(2, 40) != 511620083 {\n\t\tt.Fatal(powMod(2, 40))\n\t}\n}\n",
    );
    let r = assert_heals(&p, "undefined_variable").await;
    assert_eq!(
        r.final_program.files()["main.go"],
        with_main("package main\n\nconst MOD = 1000000007\n\nfunc powMod(b, e int) int {\n\tr := 1\n\tfor i := 0; i < e; i++ {\n\t\tr = r * b % MOD\n\t}\n\treturn r\n}\n"),
        "{}",
        r.summary()
    );
}

#[tokio::test]
async fn a_body_reading_a_parameter_by_another_name_reads_the_parameter() {
    let p = go(
        &with_main("package main\n\nfunc total(values []int) int {\n\tresult := 0\n\tfor _, item := range items {\n\t\tresult += item\n\t}\n\treturn result\n}\n"),
        TEST,
    );
    let r = assert_heals(&p, "undefined_variable").await;
    assert_eq!(
        r.final_program.files()["main.go"],
        with_main("package main\n\nfunc total(values []int) int {\n\tresult := 0\n\tfor _, item := range values {\n\t\tresult += item\n\t}\n\treturn result\n}\n"),
        "{}",
        r.summary()
    );
    assert!(r.strategies_kept.iter().any(|s| s == "go.parameter-name"));
}
