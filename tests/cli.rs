//! The command line: exit codes, JSON output, and clear errors on bad input.

mod common;

use std::path::Path;
use std::process::Output;

use common::selfheal;

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

#[test]
fn bad_input_exits_2_with_a_message_naming_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["check".into(), write(dir.path(), "empty.py", b"")],
            "empty.py: the file is empty",
        ),
        (
            vec!["check".into(), write(dir.path(), "bin.py", b"ab\0cd")],
            "binary file",
        ),
        (
            vec![
                "check".into(),
                write(dir.path(), "latin1.py", b"x = '\xe9'\n"),
            ],
            "not valid UTF-8",
        ),
        (
            vec!["check".into(), write(dir.path(), "notes.txt", b"hello")],
            "cannot tell the language",
        ),
        (
            vec![
                "check".into(),
                dir.path().join("missing.py").display().to_string(),
            ],
            "no such file",
        ),
        (
            vec![
                "check".into(),
                "--lang".into(),
                "cobol".into(),
                write(dir.path(), "a.py", b"x=1\n"),
            ],
            "unknown language `cobol`",
        ),
        (
            vec![
                "check".into(),
                write(dir.path(), "big.py", &vec![b'#'; (1 << 20) + 10]),
            ],
            "over the 1048576-byte limit",
        ),
    ];
    for (args, expected) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = selfheal(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(expected),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    let out = selfheal(&["check"]);
    assert_eq!(out.status.code(), Some(2));
    let out = selfheal(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    let out = selfheal(&["run", "x.py", "--timeout", "-1"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn check_reports_errors_as_json_and_exits_1() {
    let example =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/programs/python-nameerror");
    let out = selfheal(&["check", "--format", "json", example.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let result: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["passed"], false);
    assert_eq!(result["language"], "python");
    let error = &result["errors"][0];
    assert_eq!(error["error_type"], "UndefinedVariable");
    assert_eq!(error["code"], "NameError");
    assert_eq!(error["location"]["file"], "main.py");
    assert_eq!(error["location"]["line"], 5);
    assert_eq!(error["location"]["column"], 12);
}

#[test]
fn check_passes_a_correct_program() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.py", b"def add(a, b):\n    return a + b\n");
    write(
        dir.path(),
        "test_main.py",
        b"from main import add\nassert add(2, 3) == 5\n",
    );
    let out = selfheal(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("python: passed"));
}

#[test]
fn run_feeds_stdin_and_reports_the_programs_output() {
    let dir = tempfile::tempdir().unwrap();
    let program = write(
        dir.path(),
        "main.py",
        b"import sys\nprint(sys.stdin.read().upper())\n",
    );
    let input = write(dir.path(), "input.txt", b"hello sandbox");
    let out = selfheal(&["run", &program, "--stdin", &input, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["success"], true);
    assert_eq!(report["program"]["stdout"], "HELLO SANDBOX\n");
}

#[test]
fn run_enforces_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let program = write(dir.path(), "main.py", b"import time\ntime.sleep(60)\n");
    let out = selfheal(&["run", &program, "--timeout", "1", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["program"]["termination"], "wall_timeout");
}

#[test]
fn run_enforces_the_memory_limit() {
    let dir = tempfile::tempdir().unwrap();
    let program = write(
        dir.path(),
        "main.py",
        b"x = bytearray(400 * 1024 * 1024)\nprint(len(x))\n",
    );
    let out = selfheal(&["run", &program, "--memory", "256", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["program"]["termination"], "out_of_memory");
}

#[test]
fn doctor_lists_every_toolchain() {
    let out = selfheal(&["doctor", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["sandbox"], "ok");
    let languages: Vec<&str> = report["toolchains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["language"].as_str().unwrap())
        .collect();
    assert_eq!(languages, ["rust", "python", "javascript", "go"]);
}

#[test]
fn a_single_rust_file_under_any_name_is_its_own_crate() {
    let dir = tempfile::tempdir().unwrap();
    let bin = write(
        dir.path(),
        "hello.rs",
        b"fn main() {\n    let v = vec![1, 2, 3];\n    println!(\"{}\", v.iter().sum::<i32>());\n}\n",
    );
    let out = selfheal(&["run", &bin, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["program"]["stdout"], "6\n");

    let lib = write(
        dir.path(),
        "util.rs",
        b"pub fn twice(x: i32) -> i32 {\n    x * 2\n}\n",
    );
    let out = selfheal(&["check", &lib]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}
