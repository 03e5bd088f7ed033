//! Healing Go programs whose repair writes what the program lacks and the tests decide it: a
//! helper called but never written gets a body built from its parameters; a constant that
//! sizes a table gets a bound; a name lengthened by a repeated character reads the declared
//! one; a loop variable read after its loop is declared for the function, not the loop. Each
//! heal is re-validated independently (`assert_heals`).

mod common;

use common::heal::assert_heals;
use selfheal::{Program, TargetLanguage};

fn go(main: &str, test: &str) -> Program {
    common::program(
        TargetLanguage::Go,
        &[("main.go", main), ("main_test.go", test)],
    )
    .with_protected(["main_test.go".to_string()])
    .unwrap()
}

/// A helper called in a loop but never written: `go.missing-function` writes it with zero
/// results (which compiles and fails the tests), then `go.placeholder-body` fills it.
#[tokio::test]
async fn a_helper_never_written_gets_a_body_from_its_parameters() {
    let p = go(
        "package main\n\nfunc fib(n int) int {\n\ta, b := 0, 1\n\tfor i := 0; i < n; i++ {\n\t\ta, b = advance(a, b)\n\t}\n\treturn a\n}\n\nfunc main() {}\n",
        "package main\n\nimport \"testing\"\n\nfunc TestFib(t *testing.T) {\n\tfor n, want := range []int{0, 1, 1, 2, 3, 5, 8, 13} {\n\t\tif got := fib(n); got != want {\n\t\t\tt.Fatalf(\"fib(%d) = %d, want %d\", n, got, want)\n\t\t}\n\t}\n}\n",
    );
    let r = assert_heals(&p, "undefined_variable").await;
    let main = &r.final_program.files()["main.go"];
    assert!(
        r.strategies_kept.iter().any(|s| s == "go.missing-function")
            && r.strategies_kept.iter().any(|s| s == "go.placeholder-body"),
        "{}",
        r.summary()
    );
    assert!(main.contains("func advance("), "{main}");
    // `return b, a + b` or `return a + b, a`: both step Fibonacci; the tests decide.
    assert!(!main.contains("return 0, 0"), "{main}");
}

/// A stub left by the generator (`return 0`) is filled when the tests fail.
#[tokio::test]
async fn a_stub_returning_zero_is_filled_when_the_tests_fail() {
    let p = go(
        "package main\n\n// area of a w × h rectangle\nfunc area(w int, h int) int {\n\treturn 0\n}\n\nfunc main() {}\n",
        "package main\n\nimport \"testing\"\n\nfunc TestArea(t *testing.T) {\n\tif area(3, 4) != 12 || area(5, 5) != 25 {\n\t\tt.Fatal(area(3, 4))\n\t}\n}\n",
    );
    let r = assert_heals(&p, "test_failure").await;
    assert_eq!(
        r.final_program.files()["main.go"],
        "package main\n\n// area of a w × h rectangle\nfunc area(w int, h int) int {\n\treturn w * h\n}\n\nfunc main() {}\n",
        "{}",
        r.summary()
    );
}

/// A table sized by a constant never declared: zero would leave nothing to index.
#[tokio::test]
async fn a_missing_table_size_gets_a_bound_and_a_stuttered_name_reads_the_declared_one() {
    let p = go(
        "package main\n\nfunc paths(n int) int {\n\tdp := make([][]int, MaxN)\n\tfor i := range dp {\n\t\tdp[i] = make([]int, MaxN)\n\t}\n\tfor i := 0; i <= n; i++ {\n\t\tdp[i][0], dp[0][i] = 1, 1\n\t}\n\tfor i := 1; i <= n; i++ {\n\t\tfor j := 1; j <= n; j++ {\n\t\t\tdp[i][j] = dp[i-1][j] + dp[i][j-1]\n\t\t}\n\t}\n\tresult := dp[n][n]\n\treturn resultttt\n}\n\nfunc main() {}\n",
        "package main\n\nimport \"testing\"\n\nfunc TestPaths(t *testing.T) {\n\tif paths(2) != 6 || paths(3) != 20 {\n\t\tt.Fatal(paths(2), paths(3))\n\t}\n}\n",
    );
    let r = assert_heals(&p, "undefined_variable").await;
    let main = &r.final_program.files()["main.go"];
    assert!(main.contains("const MaxN = 1000\n"), "{main}");
    assert!(main.contains("\treturn result\n"), "{main}");
}

/// Four loop variables read after their loops and a bound read by another name: declared at
/// the function's top, not with `:=` in each loop's header (which would end with the loop).
#[tokio::test]
async fn loop_variables_read_after_their_loops_are_declared_for_the_function() {
    let p = go(
        "package main\n\nfunc plateau(n int, a []int) int {\n\tfor lo = 1; lo < size; lo++ {\n\t\tif a[lo] != a[0] {\n\t\t\tbreak\n\t\t}\n\t}\n\tfor hi = size - 1; hi >= lo; hi-- {\n\t\tif a[hi] != a[size-1] {\n\t\t\tbreak\n\t\t}\n\t}\n\treturn hi - lo + 1\n}\n\nfunc main() {}\n",
        "package main\n\nimport \"testing\"\n\nfunc TestPlateau(t *testing.T) {\n\tif plateau(5, []int{1, 1, 2, 3, 3}) != 1 || plateau(4, []int{1, 2, 2, 1}) != 2 {\n\t\tt.Fatal(plateau(5, []int{1, 1, 2, 3, 3}))\n\t}\n}\n",
    );
    let r = assert_heals(&p, "undefined_variable").await;
    let main = &r.final_program.files()["main.go"];
    assert!(main.contains("\tvar lo, hi int\n"), "{main}");
    assert!(!main.contains(":="), "{main}");
    assert!(!main.contains("size"), "{main}");
}
