//! Healing Go programs: one error of each kind (unused variables and imports included), then several at once.

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
