//! Healing type errors with the conversion the type pair calls for (`rust.operand-cast`,
//! `rust.typed-conversion`, `go.operand-conversion`, `go.integer-division`). Every heal is
//! re-validated independently by `assert_heals`, and the tests check values a wrong conversion
//! would get wrong (an integer division kept, a truncated float).

mod common;

use common::heal::assert_heals;
use common::programs::{go, rs};

#[tokio::test]
async fn rust_float_divided_by_a_length() {
    let p = rs(
        "pub fn average(v: &[f64]) -> f64 {\n    let s: f64 = v.iter().sum();\n    s / v.len()\n}\n",
        "use super::*;\n\n#[test]\nfn averages() {\n    assert_eq!(average(&[1.0, 2.0]), 1.5);\n}\n",
    );
    let r = assert_heals(&p, "type_mismatch").await;
    assert!(r.final_program.files()["lib.rs"].contains("s / v.len() as f64"));
}

#[tokio::test]
async fn rust_integer_quotient_expected_as_float() {
    let p = rs(
        "pub fn mean(sum: i32, n: i32) -> f64 {\n    let m: f64 = sum / n;\n    m\n}\n",
        "use super::*;\n\n#[test]\nfn halves() {\n    assert_eq!(mean(3, 2), 1.5);\n}\n",
    );
    let r = assert_heals(&p, "type_mismatch").await;
    assert!(r.final_program.files()["lib.rs"].contains("sum as f64 / n as f64"));
}

#[tokio::test]
async fn rust_numeric_string_literal_and_question_mark() {
    let p = rs(
        "use std::num::ParseIntError;\n\npub fn base() -> i32 {\n    let b: i32 = \"3\";\n    b\n}\n\nfn read(s: &str) -> Result<i32, ParseIntError> {\n    s.trim().parse()\n}\n\npub fn doubled(s: &str) -> Result<i32, ParseIntError> {\n    let n: i32 = read(s);\n    Ok(n * 2)\n}\n",
        "use super::*;\n\n#[test]\nfn values() {\n    assert_eq!(base(), 3);\n    assert_eq!(doubled(\" 4\"), Ok(8));\n    assert!(doubled(\"x\").is_err());\n}\n",
    );
    let r = assert_heals(&p, "type_mismatch").await;
    let lib = &r.final_program.files()["lib.rs"];
    assert!(lib.contains("let b: i32 = 3;"), "{lib}");
    assert!(lib.contains("let n: i32 = read(s)?;"), "{lib}");
}

#[tokio::test]
async fn rust_parse_with_the_error_returned() {
    let p = rs(
        "pub fn parse_total(line: &str) -> Result<i64, Box<dyn std::error::Error>> {\n    let n: i64 = line;\n    Ok(n + 1)\n}\n",
        "use super::*;\n\n#[test]\nfn parses() {\n    assert_eq!(parse_total(\"41\").unwrap(), 42);\n    assert!(parse_total(\"x\").is_err());\n}\n",
    );
    let r = assert_heals(&p, "type_mismatch").await;
    assert!(r.final_program.files()["lib.rs"].contains("line.trim().parse::<i64>()?"));
}

#[tokio::test]
async fn go_integer_operand_of_a_float_product() {
    let p = go(
        "package main\n\nfunc scale(r float64, k int) float64 {\n\treturn r * k\n}\n\nfunc main() {}\n",
        "package main\n\nimport \"testing\"\n\nfunc TestScale(t *testing.T) {\n\tif scale(1.5, 3) != 4.5 {\n\t\tt.Fatal(scale(1.5, 3))\n\t}\n}\n",
    );
    let r = assert_heals(&p, "type_mismatch").await;
    assert!(r.final_program.files()["main.go"].contains("return r * float64(k)"));
}

#[tokio::test]
async fn go_division_returned_as_float() {
    let p = go(
        "package main\n\nfunc average(xs []int) float64 {\n\tsum := 0\n\tfor _, x := range xs {\n\t\tsum += x\n\t}\n\treturn sum / len(xs)\n}\n\nfunc main() {}\n",
        "package main\n\nimport \"testing\"\n\nfunc TestAverage(t *testing.T) {\n\tif average([]int{1, 2}) != 1.5 {\n\t\tt.Fatal(average([]int{1, 2}))\n\t}\n}\n",
    );
    let r = assert_heals(&p, "type_mismatch").await;
    assert!(r.final_program.files()["main.go"].contains("return float64(sum) / float64(len(xs))"));
}

#[tokio::test]
async fn go_float_conversion_of_an_integer_quotient_under_a_failing_test() {
    let p = go(
        "package main\n\nfunc average(xs []int) float64 {\n\tsum := 0\n\tfor _, x := range xs {\n\t\tsum += x\n\t}\n\treturn float64(sum / len(xs))\n}\n\nfunc main() {}\n",
        "package main\n\nimport \"testing\"\n\nfunc TestAverage(t *testing.T) {\n\tif average([]int{1, 2}) != 1.5 {\n\t\tt.Fatal(average([]int{1, 2}))\n\t}\n}\n",
    );
    let r = assert_heals(&p, "test_failure").await;
    assert!(r.final_program.files()["main.go"].contains("return float64(sum) / float64(len(xs))"));
}
