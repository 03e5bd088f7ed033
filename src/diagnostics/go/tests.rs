use super::test_log::*;
use super::*;
use crate::diagnostics::test_support::headline;
use crate::types::TargetLanguage;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/diagnostics/go");

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap()
}

/// The program a fixture was captured from (`<case>/main.go`, `<case>/main_test.go`).
fn program(case: &str) -> Program {
    let dir = format!("{FIXTURES}/{case}");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "go") {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            files.push((name, std::fs::read_to_string(&path).unwrap()));
        }
    }
    Program::new(TargetLanguage::Go, files).unwrap()
}

fn run(
    parser: fn(&ParseInput<'_>) -> Vec<CodeError>,
    case: &str,
    command: &[&str],
    output: &str,
    termination: Termination,
) -> Vec<CodeError> {
    let program = program(case);
    let command: Vec<String> = command.iter().map(|s| s.to_string()).collect();
    let (stdout, stderr) = output.split_once("<<STDERR>>\n").unwrap_or((output, ""));
    let step = if command.get(1).is_some_and(|c| c == "test") {
        "test"
    } else {
        "check"
    };
    let input = ParseInput {
        language: TargetLanguage::Go,
        step,
        command: &command,
        exit_code: (termination == Termination::Exited).then_some(1),
        termination,
        stdout,
        stderr,
        program: &program,
    };
    parser(&input)
}

/// [`run`] on the fixture `<case>/<file>` of a command that exited.
fn exited(
    parser: fn(&ParseInput<'_>) -> Vec<CodeError>,
    case: &str,
    command: &[&str],
    file: &str,
) -> Vec<CodeError> {
    let output = fixture(&format!("{case}/{file}"));
    run(parser, case, command, &output, Termination::Exited)
}

const BUILD: &[&str] = &["go", "build", "-o", "/dev/null", "."];
const VET: &[&str] = &["go", "vet", "."];
const TEST: &[&str] = &["go", "test", "-count=1", "-v", "."];

fn summary(errors: &[CodeError]) -> Vec<(ErrorType, String, u32, u32)> {
    errors
        .iter()
        .map(|e| {
            let l = e.location.as_ref().unwrap();
            assert_eq!(l.file, "main.go");
            (
                e.error_type.clone(),
                e.code.clone().unwrap(),
                l.line,
                l.column,
            )
        })
        .collect()
}

#[test]
fn syntax_error() {
    let errors = exited(parse_build, "syntax", BUILD, "build.txt");
    assert_eq!(
        summary(&errors),
        vec![(ErrorType::SyntaxError, "syntax".into(), 4, 17)]
    );
    assert_eq!(
        errors[0].message,
        "syntax error: unexpected newline in argument list; possibly missing comma or )"
    );
    // go vet reports the same file through go/parser, with its own wording.
    let errors = exited(parse_build, "syntax", VET, "vet.txt");
    assert_eq!(
        summary(&errors),
        vec![(ErrorType::SyntaxError, "syntax".into(), 4, 17)]
    );
    assert_eq!(
        errors[0].message,
        "missing ',' before newline in argument list"
    );
}

/// The errors of the `undefined` fixture, from `go build` and from `go test` alike.
fn undefined_summary() -> Vec<(ErrorType, String, u32, u32)> {
    vec![
        (ErrorType::UndefinedVariable, "undefined".into(), 4, 9),
        (
            ErrorType::UndefinedVariable,
            "undefined_member".into(),
            6,
            30,
        ),
        (ErrorType::MissingImport, "missing_import".into(), 7, 35),
    ]
}

#[test]
fn undefined_names_members_and_missing_imports() {
    let errors = exited(parse_build, "undefined", BUILD, "build.txt");
    assert_eq!(summary(&errors), undefined_summary());
    assert_eq!(errors[0].message, "undefined: totl");
    assert_eq!(
        errors[1].message,
        "s.Lenn undefined (type T has no field or method Lenn)"
    );
    assert_eq!(errors[2].message, "undefined: strings");
}

#[test]
fn unused_import_and_variable() {
    let errors = exited(parse_build, "unused", BUILD, "build.txt");
    let unused_import = ErrorType::CompilerError("unused_import".into());
    let unused_var = ErrorType::CompilerError("unused_variable".into());
    assert_eq!(
        summary(&errors),
        vec![
            (unused_import, "unused_import".into(), 3, 8),
            (unused_var, "unused_variable".into(), 6, 2),
        ]
    );
    assert_eq!(errors[0].message, "imported and not used: \"os\"");
    assert_eq!(errors[1].message, "x declared but not used");
}

#[test]
fn type_mismatches() {
    let errors = exited(parse_build, "types", BUILD, "build.txt");
    assert_eq!(
        summary(&errors),
        vec![
            (ErrorType::TypeMismatch, "cannot_use".into(), 4, 9),
            (ErrorType::TypeMismatch, "mismatched_types".into(), 8, 14),
            (ErrorType::TypeMismatch, "argument_count".into(), 12, 8),
        ]
    );
    // The have/want lines after "not enough arguments" become notes.
    assert_eq!(errors[2].notes, vec!["have (number)", "want (int, int64)"]);
}

#[test]
fn assignment_errors() {
    let errors = exited(parse_build, "assign", BUILD, "build.txt");
    let assign = ErrorType::CompilerError("assignment".into());
    assert_eq!(
        summary(&errors),
        vec![
            (assign.clone(), "assignment".into(), 5, 2),
            (assign, "assignment".into(), 6, 10),
        ]
    );
}

#[test]
fn failed_test_with_t_errorf() {
    let errors = exited(parse_test, "errorf", TEST, "test.txt");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let e = &errors[0];
    assert_eq!(
        headline(e),
        (
            ErrorType::TestFailure,
            Some("test_failed"),
            "add(2, 2) = 5, want 4",
            Some("TestAdd")
        )
    );
    let l = e.location.as_ref().unwrap();
    assert_eq!((l.file.as_str(), l.line, l.column), ("main_test.go", 7, 3));
}

#[test]
fn failed_test_with_testify() {
    let errors = exited(parse_test, "testify", TEST, "test.txt");
    assert_eq!(errors.len(), 2, "{errors:#?}");
    let e = &errors[0];
    assert_eq!(e.error_type, ErrorType::TestFailure);
    assert_eq!(e.test_name.as_deref(), Some("TestAdd"));
    assert_eq!(e.message, "Not equal:\nexpected: 4\nactual  : 5");
    let l = e.location.as_ref().unwrap();
    assert_eq!((l.file.as_str(), l.line, l.column), ("main_test.go", 10, 2));
    // The second failing assertion of the same test is kept as a note.
    assert_eq!(e.notes.len(), 1);
    assert!(
        e.notes[0].starts_with("main_test.go:11: Not equal:"),
        "{:?}",
        e.notes
    );
    let e = &errors[1];
    assert_eq!(e.test_name.as_deref(), Some("TestTable/zero"));
    assert_eq!(e.message, "Should be true\nmessages: add(0, 0) should be 0");
    let l = e.location.as_ref().unwrap();
    assert_eq!((l.file.as_str(), l.line, l.column), ("main_test.go", 16, 3));
}

#[test]
fn panic_in_test() {
    // Captured outside the sandbox: frames point into the capture directory; the
    // sandbox shows them under /work, which is what the parser maps to program files.
    let output = fixture("panic/test.txt").replace("/tmp/gofx/panic", "/work");
    let errors = run(parse_test, "panic", TEST, &output, Termination::Exited);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let e = &errors[0];
    assert_eq!(
        headline(e),
        (
            ErrorType::CompilerError("panic".into()),
            Some("panic"),
            "runtime error: index out of range [5] with length 3",
            Some("TestAt")
        )
    );
    let l = e.location.as_ref().unwrap();
    assert_eq!((l.file.as_str(), l.line, l.column), ("main.go", 4, 2));
}

#[test]
fn build_errors_inside_go_test() {
    let errors = exited(parse_test, "undefined", TEST, "test.txt");
    assert_eq!(summary(&errors), undefined_summary());
}

#[test]
fn missing_main_and_missing_package() {
    let output = "\n<<STDERR>>\n# _/work\nruntime.main_main·f: function main is undeclared in the main package\n";
    let errors = run(parse_build, "errorf", BUILD, output, Termination::Exited);
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].error_type,
        ErrorType::CompilerError("missing_main".into())
    );
    assert_eq!(
        errors[0].message,
        "function main is undeclared in the main package"
    );

    let output = "main.go:3:8: cannot find package \"unicoder\" in any of:\n\t/usr/lib/go-1.19/src/unicoder (from $GOROOT)\n\t/usr/share/gocode/src/unicoder (from $GOPATH)\n";
    let errors = run(parse_build, "errorf", BUILD, output, Termination::Exited);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].error_type, ErrorType::MissingImport);
    assert_eq!(errors[0].code.as_deref(), Some("missing_package"));
    assert_eq!(errors[0].notes.len(), 2);
}

#[test]
fn timeout_names_the_running_test() {
    let output = "=== RUN   TestAdd\n--- PASS: TestAdd (0.00s)\n=== RUN   TestLoop\n";
    let errors = run(parse_test, "errorf", TEST, output, Termination::WallTimeout);
    assert_eq!(errors.len(), 1);
    let e = &errors[0];
    assert_eq!(
        headline(e),
        (
            ErrorType::TestFailure,
            Some("timeout"),
            crate::diagnostics::limits::limit_message("timeout"),
            Some("TestLoop")
        )
    );
    assert_eq!(
        e.notes,
        ["command: go test -count=1 -v .", "still running: TestLoop"]
    );
    let errors = run(parse_test, "errorf", TEST, "", Termination::OutOfMemory);
    assert_eq!(errors[0].error_type, ErrorType::TestFailure);
    assert_eq!(errors[0].code.as_deref(), Some("out_of_memory"));
    // `go test`'s own deadline is the same limit, Go's words as a note.
    let deadline = "=== RUN   TestLoop\npanic: test timed out after 2s\n\trunning tests:\n\t\tTestLoop (2s)\n\ngoroutine 1 [running]:\ntesting.(*M).startAlarm.func1()\n\t/usr/lib/go/src/testing/testing.go:2373 +0x1dc\nFAIL\t_/work\t2.010s\n";
    let errors = run(parse_test, "errorf", TEST, deadline, Termination::Exited);
    assert_eq!(errors[0].error_type, ErrorType::TestFailure);
    assert_eq!(errors[0].code.as_deref(), Some("timeout"));
    assert_eq!(errors[0].test_name.as_deref(), Some("TestLoop"));
    assert_eq!(errors[0].notes, ["test timed out after 2s"]);
    // CPU time is its own limit (it used to share `timeout` in Go and Rust).
    let errors = run(parse_test, "errorf", TEST, output, Termination::CpuLimit);
    assert_eq!(errors[0].error_type, ErrorType::TestFailure);
    assert_eq!(errors[0].code.as_deref(), Some("cpu_limit"));
    // A build stopped at a limit is a compiler error of that kind.
    let errors = run(parse_build, "errorf", BUILD, "", Termination::WallTimeout);
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].error_type,
        ErrorType::CompilerError("timeout".into())
    );
    assert_eq!(errors[0].code.as_deref(), Some("timeout"));
}

#[test]
fn passing_run_gives_no_errors() {
    let program = program("errorf");
    let command: Vec<String> = TEST.iter().map(|s| s.to_string()).collect();
    let input = ParseInput {
        language: TargetLanguage::Go,
        step: "test",
        command: &command,
        exit_code: Some(0),
        termination: Termination::Exited,
        stdout: "=== RUN   TestAdd\n--- PASS: TestAdd (0.00s)\nPASS\nok  \t_/work\t0.002s\n",
        stderr: "",
        program: &program,
    };
    assert!(parse_test(&input).is_empty());
}
