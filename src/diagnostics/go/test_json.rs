//! `go test -json` output, judged: per-test evidence, the tests the files declare, failures.

use super::*;

// ---------------------------------------------------------------------------------------------
// go test -json, judged

/// One `go test -json` (test2json) event.
#[derive(Debug, serde::Deserialize)]
pub(super) struct TestEvent {
    #[serde(rename = "Action")]
    action: String,
    #[serde(rename = "Package", default)]
    package: String,
    #[serde(rename = "Test", default)]
    test: Option<String>,
    #[serde(rename = "Elapsed", default)]
    elapsed: Option<f64>,
    #[serde(rename = "Output", default)]
    output: Option<String>,
}

/// What the events said about one test.
#[derive(Debug, Default)]
pub(super) struct EventTest {
    package: String,
    name: String,
    outcome: Option<TestOutcome>,
    elapsed: Option<f64>,
    output: Vec<String>,
}

/// What the events said about one package.
#[derive(Debug, Default)]
pub(super) struct EventPackage {
    name: String,
    /// `pass`, `fail` or `skip` (no test files), once the package ended.
    end: Option<String>,
    output: Vec<String>,
}

/// Parses a test step's `go test -json` run into errors and per-test evidence, and judges
/// whether the events prove that every test ran to its end.
///
/// Only the runner's events count, never text a program printed. The step passes only if every
/// test function found in the `_test.go` files (`func TestXxx(t *testing.T)`, files without
/// build constraints) has a `pass` (or `skip`) event, every test that started ended, and every
/// package ended cleanly. A test binary that exits in `init` or a `TestMain` that never calls
/// `m.Run` is [`TESTS_INCOMPLETE`]; `os.Exit` inside a test is [`TEST_EXITED`]. Errors and their
/// locations come from the same text parser as `go test -v` ([`parse_test`]), run over the
/// events' output.
///
/// Outside the `test` step (a program's own run) this is [`parse_test`].
pub fn parse_test_run(input: &ParseInput<'_>) -> Parsed {
    if input.step != "test" {
        return parse_test(input).into();
    }
    let program = input.program;
    let mut text = String::new();
    let mut events = Vec::new();
    for line in input.stdout.lines() {
        match line
            .starts_with('{')
            .then(|| serde_json::from_str::<TestEvent>(line).ok())
            .flatten()
        {
            Some(event) => {
                if let Some(output) = &event.output {
                    text.push_str(output);
                }
                events.push(event);
            }
            None => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    let text_input = ParseInput {
        stdout: &text,
        ..*input
    };
    let mut errors = parse_test(&text_input);
    for error in &mut errors {
        // Go 1.16+: the testing package turns `os.Exit(0)` inside a test into a panic.
        if error.code.as_deref() == Some("panic")
            && error
                .message
                .starts_with("unexpected call to os.Exit(0) during test")
        {
            error.error_type = ErrorType::TestFailure;
            error.code = Some(TEST_EXITED.to_string());
            error.message = format!(
                "test {} called os.Exit(0) before it finished; its result is unknown",
                error.test_name.as_deref().unwrap_or("(unknown)")
            );
        }
    }

    let mut tests: Vec<EventTest> = Vec::new();
    let mut packages: Vec<EventPackage> = Vec::new();
    for event in &events {
        if !packages.iter().any(|p| p.name == event.package) {
            packages.push(EventPackage {
                name: event.package.clone(),
                ..EventPackage::default()
            });
        }
        let Some(name) = &event.test else {
            if let Some(package) = packages.iter_mut().find(|p| p.name == event.package) {
                match event.action.as_str() {
                    "pass" | "fail" | "skip" => package.end = Some(event.action.clone()),
                    "output" => package.output.extend(event.output.clone()),
                    _ => {}
                }
            }
            continue;
        };
        let index = match tests
            .iter()
            .position(|t| t.package == event.package && &t.name == name)
        {
            Some(i) => i,
            None => {
                tests.push(EventTest {
                    package: event.package.clone(),
                    name: name.clone(),
                    ..EventTest::default()
                });
                tests.len() - 1
            }
        };
        let test = &mut tests[index];
        match event.action.as_str() {
            "pass" => test.outcome = Some(TestOutcome::Passed),
            "fail" => test.outcome = Some(TestOutcome::Failed),
            "skip" => test.outcome = Some(TestOutcome::Skipped),
            "output" => test.output.extend(event.output.clone()),
            _ => {}
        }
        if matches!(event.action.as_str(), "pass" | "fail" | "skip") {
            test.elapsed = event.elapsed;
        }
    }

    let module = module_path(program);
    let discovered = discover_tests(program);
    let mut reports: Vec<TestReport> = Vec::new();
    for test in &tests {
        let dir = package_dir(&test.package, module.as_deref());
        let top = test.name.split('/').next().unwrap_or(&test.name);
        let mut report = TestReport::new(
            test.name.clone(),
            test.outcome.unwrap_or(TestOutcome::Incomplete),
        );
        // `try_`: a negative, NaN or too large (over u64::MAX seconds) figure is no duration.
        report.duration = test
            .elapsed
            .and_then(|e| std::time::Duration::try_from_secs_f64(e).ok());
        report.file = discovered
            .iter()
            .find(|d| Some(d.dir.as_str()) == dir.as_deref() && d.name == top)
            .map(|d| d.file.clone());
        if test.outcome == Some(TestOutcome::Failed) {
            read_failure(&mut report, &test.output, dir.as_deref(), program);
        }
        if let Some(exited) = errors.iter().find(|e| {
            e.code.as_deref() == Some(TEST_EXITED) && e.test_name.as_deref() == Some(&test.name)
        }) {
            report.outcome = TestOutcome::Incomplete;
            report.message = Some(exited.message.clone());
        }
        reports.push(report);
    }

    // Judge: every package ended, every test that started ended, every test found ran.
    let build_failed = |package: &EventPackage| {
        package
            .output
            .iter()
            .any(|l| l.contains("[build failed]") || l.contains("[setup failed]"))
    };
    let mut missing: Vec<String> = Vec::new();
    for package in &packages {
        if build_failed(package) {
            continue;
        }
        if package.end.is_none() {
            missing.push(format!("package {} never ended", package.name));
        }
        let failed_test = tests
            .iter()
            .any(|t| t.package == package.name && t.outcome == Some(TestOutcome::Failed));
        if package.end.as_deref() == Some("pass") && failed_test {
            let mut error = CodeError::new(
                ErrorType::TestFailure,
                format!(
                    "go test reported package {} as passing although a test failed",
                    package.name
                ),
            )
            .with_code(TESTS_SUMMARY_MISMATCH);
            error.test_name = None;
            errors.push(error);
        }
    }
    for test in tests.iter().filter(|t| t.outcome.is_none()) {
        missing.push(format!("{} started but never ended", test.name));
    }
    let mut never_ran: Vec<&DiscoveredTest> = Vec::new();
    for found in &discovered {
        let package = packages
            .iter()
            .find(|p| package_dir(&p.name, module.as_deref()).as_deref() == Some(&found.dir));
        if package.is_some_and(build_failed) {
            continue;
        }
        let ran = package.is_some_and(|p| {
            tests
                .iter()
                .any(|t| t.package == p.name && t.name == found.name && t.outcome.is_some())
        });
        if !ran
            && !tests
                .iter()
                .any(|t| t.name == found.name && t.outcome.is_none())
        {
            never_ran.push(found);
            let mut report = TestReport::new(found.name.clone(), TestOutcome::Incomplete);
            report.file = Some(found.file.clone());
            reports.push(report);
        }
    }
    if !never_ran.is_empty() {
        let names: Vec<String> = never_ran
            .iter()
            .map(|d| format!("{} ({})", d.name, d.file))
            .collect();
        missing.push(format!(
            "{} never reported a result (did the test binary exit in `init`, or a `TestMain` \
             not call `m.Run`?)",
            names.join(", ")
        ));
    }
    if events.is_empty() && errors.is_empty() {
        missing.push("go test printed no `-json` events".to_string());
    }
    let killed = !matches!(input.termination, Termination::Exited);
    if !missing.is_empty() && !killed {
        let mut error = CodeError::new(
            ErrorType::TestFailure,
            format!(
                "the Go test run did not prove that every test ran to its end: {}",
                missing.join("; ")
            ),
        )
        .with_code(TESTS_INCOMPLETE);
        // The test that was running when the run ended, else the first that never ran.
        error.test_name = tests
            .iter()
            .find(|t| t.outcome.is_none())
            .map(|t| t.name.clone())
            .or_else(|| never_ran.first().map(|d| d.name.clone()));
        error.location = error.test_name.as_ref().and_then(|name| {
            discovered
                .iter()
                .find(|d| &d.name == name)
                .map(|d| Location::new(d.file.clone(), d.line, 1))
        });
        errors.push(error);
    }
    let all_passed = !packages.is_empty()
        && packages
            .iter()
            .all(|p| matches!(p.end.as_deref(), Some("pass") | Some("skip")));
    if input.exit_code == Some(0) && !all_passed && errors.is_empty() {
        errors.push(
            CodeError::new(
                ErrorType::TestFailure,
                "go test exited with status 0 but not every package passed",
            )
            .with_code(TESTS_SUMMARY_MISMATCH),
        );
    }
    Parsed::new(errors, reports)
}

/// A `func TestXxx(t *testing.T)` in a program's test file.
#[derive(Debug)]
pub(super) struct DiscoveredTest {
    /// The package directory, relative to the program root (`""` for the root).
    dir: String,
    file: String,
    line: u32,
    name: String,
}

/// GOOS and GOARCH names: a `_test.go` file ending in one of them (`x_windows_test.go`) is only
/// built there.
pub(super) const GO_PLATFORM_SUFFIXES: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "illumos",
    "ios",
    "js",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "wasip1",
    "windows",
    "386",
    "arm",
    "arm64",
    "mips",
    "mipsle",
    "mips64",
    "mips64le",
    "ppc64",
    "ppc64le",
    "riscv64",
    "s390x",
    "wasm",
    "loong64",
];

/// The test functions of every `_test.go` file that is always built (no build constraint, no
/// platform suffix, not under `testdata/` or a `_`/`.` directory): what `go test` must run.
pub(super) fn discover_tests(program: &Program) -> Vec<DiscoveredTest> {
    let mut found = Vec::new();
    for (path, text) in program.files() {
        let Some(stem) = path.strip_suffix("_test.go") else {
            continue;
        };
        let (dir, base) = path.rsplit_once('/').unwrap_or(("", path));
        if dir
            .split('/')
            .any(|c| c == "testdata" || c.starts_with('_') || c.starts_with('.'))
            || base.starts_with('_')
            || base.starts_with('.')
        {
            continue;
        }
        let stem_base = stem.rsplit('/').next().unwrap_or(stem);
        if stem_base
            .rsplit('_')
            .next()
            .is_some_and(|s| stem_base.contains('_') && GO_PLATFORM_SUFFIXES.contains(&s))
        {
            continue;
        }
        let header: Vec<&str> = text
            .lines()
            .take_while(|l| !l.trim_start().starts_with("package "))
            .collect();
        if header
            .iter()
            .any(|l| l.starts_with("//go:build") || l.starts_with("// +build"))
        {
            continue;
        }
        for (i, line) in text.lines().enumerate() {
            let Some(rest) = line.strip_prefix("func Test") else {
                continue;
            };
            let Some((suffix, params)) = rest.split_once('(') else {
                continue;
            };
            // `TestXxx`: the rest of the name must not start with a lower-case letter.
            if suffix.starts_with(|c: char| c.is_lowercase())
                || !suffix.chars().all(|c| c.is_alphanumeric() || c == '_')
            {
                continue;
            }
            let params = params.split(')').next().unwrap_or("");
            let mut words = params.split_whitespace();
            let (Some(_), Some("*testing.T"), None) = (words.next(), words.next(), words.next())
            else {
                continue;
            };
            found.push(DiscoveredTest {
                dir: dir.to_string(),
                file: path.clone(),
                line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                name: format!("Test{suffix}"),
            });
        }
    }
    found
}

/// The `module` path of the program's `go.mod`, if it has one.
pub(super) fn module_path(program: &Program) -> Option<String> {
    let text = program.files().get("go.mod")?;
    text.lines().find_map(|l| {
        l.trim()
            .strip_prefix("module ")
            .map(|m| m.trim().trim_matches('"').to_string())
    })
}

/// The program directory of a package import path: the module's (`example.com/calc/mathx` →
/// `mathx`) or, in GOPATH mode, the work directory's (`_/work/mathx` → `mathx`).
pub(super) fn package_dir(package: &str, module: Option<&str>) -> Option<String> {
    let local = format!("_{}", crate::sandbox::WORK_DIR);
    for root in module.into_iter().chain(std::iter::once(local.as_str())) {
        if package == root {
            return Some(String::new());
        }
        if let Some(rest) = package.strip_prefix(root).and_then(|r| r.strip_prefix('/')) {
            return Some(rest.to_string());
        }
    }
    None
}

/// The failing assertion of a test from its output: the first `file.go:LINE: message` log line
/// (in the test's package), testify's `expected:`/`actual  :` fields, and the program frames of
/// testify's `Error Trace`.
pub(super) fn read_failure(
    report: &mut TestReport,
    output: &[String],
    dir: Option<&str>,
    program: &Program,
) {
    let in_program = |printed: &str, line: u32| -> Option<Location> {
        let printed = program_path(printed);
        let candidates = [
            dir.filter(|d| !d.is_empty())
                .map(|d| format!("{d}/{printed}")),
            Some(printed.to_string()),
        ];
        candidates
            .into_iter()
            .flatten()
            .find(|f| program.files().contains_key(f))
            .map(|f| {
                let column = first_code_column(program, &f, line);
                Location::new(f, line, column)
            })
    };
    let lines: Vec<&str> = output.iter().flat_map(|o| o.lines()).collect();
    for line in &lines {
        let trimmed = line.trim();
        if report.assertion.is_none() {
            let located = trimmed
                .split_once(": ")
                .or_else(|| trimmed.strip_suffix(':').map(|place| (place, "")));
            if let Some((place, message)) = located {
                if let Some((file, no)) = place.rsplit_once(':') {
                    if let (true, Ok(no)) = (file.ends_with(".go"), no.parse::<u32>()) {
                        if let Some(location) = in_program(file, no) {
                            report.assertion = Some(location);
                            let message = message.trim();
                            report.message = (!message.is_empty()).then(|| message.to_string());
                            continue;
                        }
                    }
                }
            }
        }
        // testify: `\tLabel:\tvalue` fields.
        let fields: Vec<&str> = trimmed
            .split('\t')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .collect();
        match fields.as_slice() {
            ["Error Trace:", traces @ ..] => {
                for trace in traces {
                    if let Some((file, no)) = trace.rsplit_once(':') {
                        if let Some(location) = no.parse().ok().and_then(|n| in_program(file, n)) {
                            if !report.frames.contains(&location) {
                                report.frames.push(location);
                            }
                        }
                    }
                }
            }
            ["Error:", message] if report.message.as_deref().is_none_or(str::is_empty) => {
                report.message = Some(message.to_string());
            }
            [single] => {
                if let Some(v) = single.strip_prefix("expected: ") {
                    report.expected.get_or_insert_with(|| v.to_string());
                } else if let Some(v) = single.strip_prefix("actual  : ") {
                    report.actual.get_or_insert_with(|| v.to_string());
                }
            }
            _ => {}
        }
    }
    if report.frames.is_empty() {
        report.frames.extend(report.assertion.clone());
    }
}
