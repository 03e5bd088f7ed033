//! Terminal-safe output: what a program prints cannot rewrite the human report (escape
//! sequences are shown, not obeyed); the JSON output carries the program's text unchanged.

mod common;

use common::{assert_exit, selfheal, stdout_json};

/// Erase the line, return to its start, and claim success in green.
const SPOOF: &str = "\\x1b[2K\\r\\x1b[32mPASS\\x1b[0m";
/// The same, as the terminal would receive it.
const RAW: &str = "\x1b[2K\r\x1b[32mPASS\x1b[0m";

fn program(dir: &std::path::Path) {
    std::fs::write(
        dir.join("main.py"),
        format!("def add(a, b):\n    return a - b\n\nif __name__ == '__main__':\n    print('{SPOOF}')\n    raise SystemExit('{SPOOF}')\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("test_main.py"),
        format!("from main import add\nprint('{SPOOF}')\nassert add(1, 2) == 3, '{SPOOF}'\n"),
    )
    .unwrap();
}

/// No byte a terminal would obey: ESC, CR, or any other control but newline and tab.
fn assert_inert(text: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|&c| c.is_control() && c != '\n' && c != '\t')
        .collect();
    assert!(bad.is_empty(), "raw controls {bad:?} in:\n{text}");
}

fn strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

#[test]
fn check_shows_a_failing_tests_escape_sequences_and_json_keeps_them_raw() {
    let dir = tempfile::tempdir().unwrap();
    program(dir.path());
    let path = dir.path().display().to_string();
    let out = selfheal(&["check", "--expect", "test", "--no-cache", &path]);
    assert_exit(&out, 1);
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    assert_inert(&stdout);
    assert_inert(&String::from_utf8_lossy(&out.stderr));
    assert!(
        stdout.contains(r"\x1b[2K\r\x1b[32mPASS\x1b[0m"),
        "the spoof is not shown escaped:\n{stdout}"
    );
    assert!(
        stdout
            .lines()
            .last()
            .unwrap()
            .starts_with("python: FAILED ("),
        "{stdout}"
    );

    let out = selfheal(&[
        "check",
        "--expect",
        "test",
        "--no-cache",
        "--format",
        "json",
        &path,
    ]);
    assert_exit(&out, 1);
    let json = stdout_json(&out);
    assert_eq!(json["passed"], false);
    let mut texts = Vec::new();
    strings(&json["errors"], &mut texts);
    assert!(
        texts.iter().any(|t| t.contains(RAW)),
        "no error carries the raw text: {texts:?}"
    );
}

#[test]
fn run_shows_the_programs_escape_sequences_and_json_keeps_them_raw() {
    let dir = tempfile::tempdir().unwrap();
    program(dir.path());
    let main = dir.path().join("main.py").display().to_string();
    let out = selfheal(&["run", &main]);
    assert_exit(&out, 1);
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    let stderr = String::from_utf8(out.stderr.clone()).unwrap();
    assert_eq!(stdout, format!("{}\n", r"\x1b[2K\r\x1b[32mPASS\x1b[0m"));
    assert_inert(&stderr);
    // The program's own stderr, between the error naming its exit and selfheal's summary.
    assert!(
        stderr.lines().any(|l| l == r"\x1b[2K\r\x1b[32mPASS\x1b[0m"),
        "{stderr}"
    );
    assert!(
        stderr.contains("selfheal: Exited, exit code 1,"),
        "{stderr}"
    );

    let out = selfheal(&["run", "--format", "json", &main]);
    assert_exit(&out, 1);
    let json = stdout_json(&out);
    assert_eq!(json["program"]["stdout"], format!("{RAW}\n"));
    assert_eq!(json["program"]["stderr"], format!("{RAW}\n"));
}
