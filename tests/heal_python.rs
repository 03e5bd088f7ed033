//! Healing Python programs: one error of each kind, then several at once.

mod common;

use common::heal::assert_heals;
use selfheal::{Program, TargetLanguage};

const TEST: &str = "from main import *\n\nassert total([1, 2, 3]) == 6\nassert total([]) == 0\n";

fn py(main: &str, test: &str) -> Program {
    common::program(
        TargetLanguage::Python,
        &[("main.py", main), ("test_main.py", test)],
    )
    .with_protected(["test_main.py".to_string()])
    .unwrap()
}

#[tokio::test]
async fn undefined_name_typo() {
    let p = py(
        "def total(items):\n    result = 0\n    for item in items:\n        result += item\n    return reslt\n",
        TEST,
    );
    let r = assert_heals(&p, "undefined_variable").await;
    assert!(r.final_program.files()["main.py"].contains("    return result\n"));
}

#[tokio::test]
async fn missing_import() {
    let p = py(
        "def root(x):\n    return math.sqrt(x)\n",
        "from main import *\n\nassert root(9) == 3\n",
    );
    // Python reports the unimported module as an undefined name (NameError).
    let r = assert_heals(&p, "undefined_variable").await;
    assert!(r.final_program.files()["main.py"].contains("import math\n"));
}

#[tokio::test]
async fn missing_colon() {
    let p = py(
        "def total(items)\n    result = 0\n    for item in items:\n        result += item\n    return result\n",
        TEST,
    );
    let r = assert_heals(&p, "syntax").await;
    assert!(r.final_program.files()["main.py"].starts_with("def total(items):\n"));
}

#[tokio::test]
async fn missing_closing_delimiter() {
    let p = py(
        "def total(items):\n    return sum([x for x in items]\n",
        TEST,
    );
    let r = assert_heals(&p, "syntax").await;
    assert!(r.final_program.files()["main.py"].contains("sum([x for x in items])"));
}

#[tokio::test]
async fn type_mismatch_fixed_by_a_conversion() {
    let p = py(
        "def label(n):\n    return \"count: \" + n\n",
        "from main import *\n\nassert label(3) == \"count: 3\"\n",
    );
    let r = assert_heals(&p, "type_mismatch").await;
    assert!(r.final_program.files()["main.py"].contains("str(n)"));
}

#[tokio::test]
async fn several_errors_of_different_kinds() {
    let p = py(
        "def total(items)\n    result = 0\n    for item in items:\n        result += item\n    return reslt\n\n\ndef root(x):\n    return math.sqrt(x)\n",
        "from main import *\n\nassert total([1, 2, 3]) == 6\nassert root(16) == 4\n",
    );
    let r = assert_heals(&p, "syntax").await;
    assert!(r.strategies_kept.len() >= 3, "{:?}", r.strategies_kept);
}
