//! `selfheal eval`: a corpus with a malformed line, a passing case, a healable case and an
//! unhealable one.

mod common;

use common::selfheal;

const TEST_MAIN: &str = "from main import *\n\nassert total([1, 2, 3]) == 6\n";

fn case(id: &str, main: &str, category: &str) -> String {
    case_with_test(id, main, TEST_MAIN, category)
}

fn case_with_test(id: &str, main: &str, test: &str, category: &str) -> String {
    serde_json::json!({
        "id": id,
        "language": "python",
        "files": {
            "main.py": main,
            "test_main.py": test,
        },
        "protected": ["test_main.py"],
        "expect": "test",
        "meta": { "source": "test", "category": category },
    })
    .to_string()
}

fn corpus(dir: &std::path::Path) -> std::path::PathBuf {
    let lines = [
        case("passing", "def total(items):\n    return sum(items)\n", "Syntax"),
        "{\"id\": \"broken\", \"language\": ".to_string(),
        case(
            "healable",
            "def total(items):\n    result = 0\n    for item in items:\n        result += item\n    return reslt\n",
            "Reference",
        ),
        // No program passes a test that wants two answers to one question (a one-edit logic
        // bug would not do: the behaviour repair heals those).
        case_with_test(
            "unhealable",
            "def total(items):\n    result = 0\n    for item in items:\n        result = item\n    return result\n",
            "from main import *\n\nassert total([1, 2, 3]) == 6\nassert total([1, 2, 3]) == 7\n",
            "Logic",
        ),
    ];
    let path = dir.join("corpus.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

#[test]
fn eval_prints_the_table_and_writes_results() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = corpus(dir.path());
    let results = dir.path().join("results.jsonl");
    let out = selfheal(&[
        "eval",
        corpus.to_str().unwrap(),
        "--jobs",
        "2",
        "--max-retries",
        "2",
        "--out",
        results.to_str().unwrap(),
        "--keep-code",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");

    // The malformed line is reported with its number and skipped.
    assert!(
        stderr.contains("corpus.jsonl:2: skipped: invalid case"),
        "{stderr}"
    );
    assert!(stdout.contains("line 2: skipped"), "{stdout}");

    // By language: 3 cases, 1 passing at first, 1 healed of the 2 that failed.
    let row = |name: &str| -> Vec<String> {
        stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no row {name} in\n{stdout}"))
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    assert_eq!(row("python")[1..5], ["3", "1", "1", "50.0%"]);
    assert_eq!(row("Reference")[1..5], ["1", "0", "1", "100.0%"]);
    assert_eq!(row("Logic")[1..5], ["1", "0", "0", "0.0%"]);
    assert_eq!(row("Syntax")[1..5], ["1", "1", "0", "-"]);
    assert_eq!(row("all")[1..5], ["3", "1", "1", "50.0%"]);

    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&results)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    let by_id = |id: &str| lines.iter().find(|l| l["id"] == id).unwrap();
    for line in &lines {
        for field in [
            "id",
            "language",
            "healed",
            "initially_passing",
            "attempts",
            "duration_ms",
            "initial_error_categories",
            "strategies_kept",
            "meta",
            "files",
        ] {
            assert!(line.get(field).is_some(), "{field} missing in {line}");
        }
        assert_eq!(line["language"], "python");
    }
    let passing = by_id("passing");
    assert_eq!(
        (
            passing["healed"].as_bool(),
            passing["initially_passing"].as_bool()
        ),
        (Some(true), Some(true))
    );
    assert_eq!(passing["attempts"], 0);

    let healed = by_id("healable");
    assert_eq!(healed["healed"], true);
    assert_eq!(healed["initially_passing"], false);
    assert_eq!(healed["initial_error_categories"][0], "undefined_variable");
    assert!(!healed["strategies_kept"].as_array().unwrap().is_empty());
    assert!(healed["files"]["main.py"]
        .as_str()
        .unwrap()
        .contains("return result\n"));
    assert_eq!(healed["meta"]["category"], "Reference");

    let unhealable = by_id("unhealable");
    assert_eq!(unhealable["healed"], false);
    assert_eq!(unhealable["initial_error_categories"][0], "test_failure");
    assert!(unhealable["rounds"].as_u64().unwrap() <= 2);
}

#[test]
fn eval_json_summary_and_strategy_restriction() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = corpus(dir.path());
    // Only rustc's machine-applicable suggestions: nothing fixes a Python typo.
    let out = selfheal(&[
        "eval",
        corpus.to_str().unwrap(),
        "--max-retries",
        "1",
        "--strategies",
        "rust.machine-applicable",
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["overall"]["cases"], 3);
    assert_eq!(summary["overall"]["initially_passing"], 1);
    assert_eq!(summary["overall"]["healed"], 0);
    assert_eq!(summary["malformed"][0]["line"], 2);
    assert_eq!(summary["by_language"][0]["group"], "python");

    let out = selfheal(&[
        "eval",
        corpus.to_str().unwrap(),
        "--strategies",
        "no.such-strategy",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown strategy `no.such-strategy`"),
        "{stderr}"
    );
    assert!(stderr.contains("rust.machine-applicable"), "{stderr}");

    let out = selfheal(&["eval", "/nonexistent/corpus.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
}
