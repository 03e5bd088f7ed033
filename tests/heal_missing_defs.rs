//! Healing programs that use definitions they never wrote: functions, methods, enum variants,
//! struct fields, constants and derives, written from their uses (`rust.missing-*`,
//! `go.missing-*`, `python.missing-*`, `javascript.missing-*`). Every heal is re-validated
//! independently by `assert_heals`.

mod common;

use common::heal::assert_heals;
use common::programs::{go, js, py, rs};

fn kept(report: &selfheal::heal::HealReport, id: &str) -> bool {
    report.strategies_kept.iter().any(|s| s == id)
}

#[tokio::test]
async fn rust_function_typed_from_its_call() {
    let p = rs(
        "pub fn total(items: &[i32]) -> i32 {\n    let mut sum = 0;\n    for i in items {\n        sum += i;\n    }\n    let bonus: i32 = bonus_for(items.len());\n    sum + bonus\n}\n",
        "use super::*;\n\n#[test]\nfn sums() {\n    assert_eq!(total(&[1, 2, 3]), 6);\n}\n",
    );
    let r = assert_heals(&p, "undefined_variable").await;
    assert!(kept(&r, "rust.missing-function"), "{:?}", r.strategies_kept);
    assert!(r.final_program.files()["lib.rs"]
        .contains("fn bonus_for(arg1: usize) -> i32 {\n    Default::default()\n}"));
}

#[tokio::test]
async fn rust_constructor_method_and_variant() {
    let p = rs(
        "#[derive(Debug, PartialEq)]\npub enum Level {\n    Low,\n    High,\n}\n\npub struct Gauge {\n    pub level: Level,\n    pub reads: u32,\n}\n\npub fn classify(v: u32) -> Level {\n    if v < 10 {\n        Level::Low\n    } else if v < 20 {\n        Level::Medium\n    } else {\n        Level::High\n    }\n}\n\npub fn start() -> Gauge {\n    let mut g = Gauge::new(classify(0));\n    g.record(3);\n    g\n}\n",
        "use super::*;\n\n#[test]\nfn classifies() {\n    assert_eq!(classify(3), Level::Low);\n    assert_eq!(classify(30), Level::High);\n    assert_eq!(start().level, Level::Low);\n}\n",
    );
    let r = assert_heals(&p, "undefined_variable").await;
    let lib = &r.final_program.files()["lib.rs"];
    for id in ["rust.missing-variant", "rust.missing-method"] {
        assert!(kept(&r, id), "{id} not kept: {:?}", r.strategies_kept);
    }
    assert!(lib.contains("    High,\n    Medium,\n}"), "{lib}");
    // rustfmt lays out the constructor the rule wrote.
    assert!(
        lib.contains(
            "fn new(level: Level) -> Self {\n        Self {\n            level,\n            reads: Default::default(),\n        }\n    }"
        ),
        "{lib}"
    );
    assert!(lib.contains("fn record(&mut self, arg1: i32) {"), "{lib}");
}

#[tokio::test]
async fn rust_struct_field_and_derive() {
    let p = rs(
        "pub struct Point {\n    pub x: i32,\n}\n\npub fn origin() -> Point {\n    Point { x: 0, y: 0 }\n}\n",
        "use super::*;\n\n#[test]\nfn origin_is_zero() {\n    assert_eq!(origin(), Point { x: 0, y: 0 });\n}\n",
    );
    let r = assert_heals(&p, "undefined_variable").await;
    let lib = &r.final_program.files()["lib.rs"];
    assert!(kept(&r, "rust.missing-field"), "{:?}", r.strategies_kept);
    assert!(
        lib.contains("    pub x: i32,\n    y: i32,\n}") || lib.contains("    y: i32,"),
        "{lib}"
    );
    assert!(
        lib.contains("#[derive(") && lib.contains("PartialEq") && lib.contains("Debug"),
        "{lib}"
    );
}

#[tokio::test]
async fn rust_constant_from_the_other_operand() {
    let p = rs(
        "pub fn clamp_len(v: &[i32]) -> usize {\n    v.len().max(MIN_LEN)\n}\n\npub fn first(v: &[i32]) -> i32 {\n    if v.len() > MIN_LEN {\n        v[0]\n    } else {\n        -1\n    }\n}\n",
        "use super::*;\n\n#[test]\nfn firsts() {\n    assert_eq!(first(&[4, 5]), 4);\n    assert_eq!(first(&[]), -1);\n}\n",
    );
    let r = assert_heals(&p, "undefined_variable").await;
    assert!(r.final_program.files()["lib.rs"].contains("const MIN_LEN: usize = 0;"));
}

#[tokio::test]
async fn go_function_method_field_and_constant() {
    let p = go(
        "package main\n\nimport \"strings\"\n\ntype Stack struct {\n\titems []int\n}\n\nfunc (s *Stack) Push(x int) {\n\ts.items = append(s.items, x)\n\ts.pushes++\n\tlogPush(s, x)\n}\n\nfunc Label(s string) string {\n\treturn strings.Repeat(\"-\", Padding) + s\n}\n\nfunc main() {\n\ts := &Stack{}\n\ts.Push(1)\n\ts.Trim()\n}\n",
        "package main\n\nimport \"testing\"\n\nfunc TestStack(t *testing.T) {\n\ts := &Stack{}\n\ts.Push(4)\n\tif len(s.items) != 1 || Label(\"a\") != \"a\" {\n\t\tt.Fatal(\"wrong\")\n\t}\n}\n",
    );
    let r = assert_heals(&p, "undefined_variable").await;
    let main = &r.final_program.files()["main.go"];
    for id in [
        "go.missing-function",
        "go.missing-method",
        "go.missing-field",
        "go.missing-constant",
    ] {
        assert!(
            kept(&r, id),
            "{id} not kept: {:?}\n{main}",
            r.strategies_kept
        );
    }
    assert!(main.contains("\tpushes int\n"), "{main}");
    assert!(
        main.contains("func logPush(s *Stack, x int) {\n}"),
        "{main}"
    );
    assert!(main.contains("func (s *Stack) Trim() {\n}"), "{main}");
    assert!(main.contains("const Padding = 0\n"), "{main}");
}

#[tokio::test]
async fn go_helper_called_only_by_the_test() {
    let p = go(
        "package main\n\nfunc main() {}\n",
        "package main\n\nimport \"testing\"\n\nfunc TestEmpty(t *testing.T) {\n\tif countWords(\"\") != 0 {\n\t\tt.Fatal(\"wrong\")\n\t}\n}\n",
    );
    let r = assert_heals(&p, "undefined_variable").await;
    assert!(r.final_program.files()["main.go"]
        .contains("func countWords(arg1 string) int {\n\treturn 0\n}"));
}

#[tokio::test]
async fn python_function_and_method() {
    let p = py(
        "class Counter:\n    def __init__(self):\n        self.value = 0\n\n    def add(self, n):\n        check_positive(n)\n        self.value += n\n",
        "from main import *\n\nc = Counter()\nc.add(2)\nassert c.value == 2\nc.log_state()\n",
    );
    let r = assert_heals(&p, "undefined_variable").await;
    let main = &r.final_program.files()["main.py"];
    assert!(
        kept(&r, "python.missing-function"),
        "{:?}",
        r.strategies_kept
    );
    assert!(kept(&r, "python.missing-method"), "{:?}", r.strategies_kept);
    assert!(
        main.starts_with("def check_positive(n):\n    return None\n\n\nclass Counter:"),
        "{main}"
    );
    assert!(
        main.contains("    def log_state(self):\n        return None"),
        "{main}"
    );
}

#[tokio::test]
async fn javascript_function_and_method() {
    let p = js(
        "class Cart {\n  constructor() {\n    this.items = [];\n  }\n\n  add(item) {\n    this.items.push(item);\n    logAdded(item);\n  }\n}\n\nmodule.exports = { Cart };\n",
        "const { Cart } = require('./main.js');\nconst assert = require('assert');\nconst c = new Cart();\nc.add('a');\nassert.strictEqual(c.items.length, 1);\nc.clearCache();\n",
    );
    let r = assert_heals(&p, "undefined_variable").await;
    let main = &r.final_program.files()["main.js"];
    assert!(
        kept(&r, "javascript.missing-function"),
        "{:?}",
        r.strategies_kept
    );
    assert!(
        kept(&r, "javascript.missing-method"),
        "{:?}",
        r.strategies_kept
    );
    assert!(
        main.contains("function logAdded(item) {\n  return undefined;\n}"),
        "{main}"
    );
    assert!(
        main.contains("  clearCache() {\n    return undefined;\n  }\n}"),
        "{main}"
    );
}
