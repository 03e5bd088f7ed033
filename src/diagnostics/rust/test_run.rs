//! A test step's libtest run, judged: per-test evidence and whether every announced test ran
//! to its end.

use super::*;

// ---------------------------------------------------------------------------------------------
// libtest, judged

/// Parses a test step's run of a libtest binary into errors and per-test evidence, and judges
/// whether the run proves that every announced test ran to its end.
///
/// The step passes only if: libtest announced `running N tests`; N result lines followed (each
/// test once); the `test result:` summary is there and its passed/failed/ignored counts equal
/// the result lines'; and the exit status agrees with the summary. Anything else is a
/// `TestFailure` with code [`TESTS_INCOMPLETE`] or [`TESTS_SUMMARY_MISMATCH`]. With
/// `-Zpanic-abort-tests` (see `toolchains/rust.toml`) each test runs in its own process whose
/// output libtest captures, so a test that exits reports [`TEST_EXITED`] and a test's own
/// printing never reaches the harness output.
///
/// Outside the `test` step (a program's own run) this is [`parse_libtest`].
pub fn parse_test_run(input: &ParseInput<'_>) -> Parsed {
    if input.step != "test" {
        return parse_libtest(input).into();
    }
    let text = format!("{}\n{}", input.stdout, input.stderr);
    let lines: Vec<&str> = text.lines().collect();
    let run = HarnessRun::read(&lines);
    let blocks = merged_blocks(&lines);

    let mut errors = Vec::new();
    let mut reports = Vec::new();
    for result in &run.results {
        let mut report = TestReport::new(result.name.clone(), result.outcome);
        report.duration = result.duration;
        let block = blocks
            .iter()
            .find(|(n, _)| *n == result.name)
            .map(|(_, b)| b.as_slice())
            .unwrap_or_default();
        // In-process runs name the panicking thread after the test; per-process runs call it
        // `main` and put it in the test's own block.
        let panics = find_panics(block);
        let panic = panics
            .first()
            .or_else(|| run.panics_outside.iter().find(|p| p.thread == result.name));
        if result.outcome == TestOutcome::Failed {
            let exited = block.iter().find_map(|l| {
                l.trim()
                    .strip_prefix("note: got unexpected return code ")
                    .map(str::to_string)
            });
            let mut error = CodeError::new(ErrorType::TestFailure, String::new());
            error.test_name = Some(result.name.clone());
            if let Some(status) = &exited {
                report.outcome = TestOutcome::Incomplete;
                error.message = format!(
                    "test {} exited with status {status} before it finished (a process exit \
                     inside the test); its result is unknown",
                    result.name
                );
                error.code = Some(TEST_EXITED.to_string());
                report.message = Some(error.message.clone());
            } else if let Some(p) = panic {
                error.message = p.message.join("\n");
                error.location = p.location.clone();
            } else {
                error.message = block_message(block);
            }
            if error.message.is_empty() {
                error.message = format!("test {} failed", result.name);
            }
            if exited.is_none() {
                if let Some(p) = panic {
                    let (expected, actual) = assert_values(&p.message);
                    report.expected = expected;
                    report.actual = actual;
                    report.assertion = p.location.clone();
                    report.message = p.message.first().cloned();
                } else {
                    report.message = error.message.lines().next().map(str::to_string);
                }
            }
            errors.push(error);
        }
        report.frames = report
            .assertion
            .iter()
            .filter(|l| input.program.files().contains_key(&l.file))
            .cloned()
            .collect();
        report.file = defining_file(input.program, &result.name, report.assertion.as_ref());
        reports.push(report);
    }
    let running = run.pending.clone();
    if let Some(name) = &running {
        let mut report = TestReport::new(name.clone(), TestOutcome::Incomplete);
        report.file = defining_file(input.program, name, None);
        reports.push(report);
    }

    let still_running: Vec<String> = running.iter().cloned().collect();
    if let Some(killed) = limits::limit_error_running(input, &still_running) {
        errors.push(killed);
        return Parsed::new(errors, reports);
    }
    if input.termination == Termination::Signaled
        || lines.iter().any(|l| l.starts_with("fatal runtime error"))
    {
        let fatal = lines
            .iter()
            .find(|l| l.starts_with("fatal runtime error"))
            .map(|l| l.to_string());
        let message = fatal.unwrap_or_else(|| {
            format!(
                "the test harness was killed by signal {}",
                input.exit_code.unwrap_or_default()
            )
        });
        let mut error =
            CodeError::new(ErrorType::CompilerError("crash".into()), message).with_code("crash");
        error.test_name = running.clone();
        errors.push(error);
        return Parsed::new(errors, reports);
    }

    if let Some(problem) = run.integrity(input.exit_code) {
        let (code, message) = problem;
        let mut error = CodeError::new(ErrorType::TestFailure, message).with_code(code);
        error.test_name = running;
        errors.push(error);
    } else if errors.is_empty() && input.exit_code != Some(0) {
        errors.push(harness_fallback(input, &lines));
    }
    Parsed::new(errors, reports)
}

/// One `test NAME ... RESULT` line.
#[derive(Debug)]
pub(super) struct TestLine {
    name: String,
    outcome: TestOutcome,
    duration: Option<std::time::Duration>,
}

/// libtest's `test result:` line.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Summary {
    ok: bool,
    passed: usize,
    failed: usize,
    ignored: usize,
}

/// What the harness said about the run as a whole.
#[derive(Debug, Default)]
pub(super) struct HarnessRun {
    /// `running N tests`.
    announced: Option<usize>,
    results: Vec<TestLine>,
    /// A test whose `test NAME ... ` line never got its result.
    pending: Option<String>,
    summary: Option<Summary>,
    /// Result lines for a name already reported.
    duplicates: Vec<String>,
    /// Panics outside the failure blocks (in-process runs print them there too).
    panics_outside: Vec<Panic>,
}

impl HarnessRun {
    fn read(lines: &[&str]) -> HarnessRun {
        let mut run = HarnessRun::default();
        let mut in_run = false;
        for line in lines {
            if run.announced.is_none() {
                if let Some(n) = running_line(line) {
                    run.announced = Some(n);
                    in_run = true;
                }
                continue;
            }
            if let Some(summary) = summary_line(line) {
                if run.summary.is_none() {
                    run.summary = Some(summary);
                }
                in_run = false;
                continue;
            }
            // Result lines end at the failure blocks (which hold the tests' own output).
            if line.trim_end() == "failures:" {
                in_run = false;
            }
            if !in_run {
                continue;
            }
            let Some((name, result)) = test_result_line(line) else {
                continue;
            };
            let Some(result) = result else {
                run.pending = Some(name);
                continue;
            };
            if run.pending.as_deref() == Some(name.as_str()) {
                run.pending = None;
            }
            let (word, rest) = result
                .split_once([' ', ','])
                .unwrap_or((result.as_str(), ""));
            let outcome = match word {
                "ok" => TestOutcome::Passed,
                "FAILED" => TestOutcome::Failed,
                "ignored" => TestOutcome::Skipped,
                // Anything else is not a result libtest writes.
                _ => continue,
            };
            if run.results.iter().any(|r| r.name == name) {
                run.duplicates.push(name);
                continue;
            }
            run.results.push(TestLine {
                name,
                outcome,
                duration: report_time(rest),
            });
        }
        run.panics_outside = find_panics(lines);
        run
    }

    /// The reason this run does not prove its tests ran to the end, if there is one.
    fn integrity(&self, exit_code: Option<i32>) -> Option<(&'static str, String)> {
        let Some(announced) = self.announced else {
            return Some((
                TESTS_INCOMPLETE,
                format!(
                    "the test binary exited with status {} before libtest announced its tests \
                     (no `running N tests` line)",
                    exit_code.map_or("unknown".into(), |c| c.to_string())
                ),
            ));
        };
        let finished = self.results.len();
        let Some(summary) = &self.summary else {
            let during = self
                .pending
                .as_ref()
                .map(|n| format!(", during test {n}"))
                .unwrap_or_default();
            return Some((
                TESTS_INCOMPLETE,
                format!(
                    "the test run ended before libtest's summary (exit status {}{during}): \
                     {announced} tests announced, {finished} finished",
                    exit_code.map_or("unknown".into(), |c| c.to_string())
                ),
            ));
        };
        if finished < announced {
            return Some((
                TESTS_INCOMPLETE,
                format!(
                    "libtest announced {announced} tests but reported {finished}: the others \
                     never ran to the end"
                ),
            ));
        }
        let count = |o: TestOutcome| self.results.iter().filter(|r| r.outcome == o).count();
        let seen = Summary {
            ok: count(TestOutcome::Failed) == 0,
            passed: count(TestOutcome::Passed),
            failed: count(TestOutcome::Failed),
            ignored: count(TestOutcome::Skipped),
        };
        if !self.duplicates.is_empty() || finished > announced || *summary != seen {
            return Some((
                TESTS_SUMMARY_MISMATCH,
                format!(
                    "libtest's summary does not agree with its test lines ({announced} \
                     announced; summary: {} passed, {} failed, {} ignored; lines: {} passed, {} \
                     failed, {} ignored{}): the output holds lines the harness did not write",
                    summary.passed,
                    summary.failed,
                    summary.ignored,
                    seen.passed,
                    seen.failed,
                    seen.ignored,
                    if self.duplicates.is_empty() {
                        String::new()
                    } else {
                        format!("; reported twice: {}", self.duplicates.join(", "))
                    }
                ),
            ));
        }
        if summary.ok != (exit_code == Some(0)) {
            return Some((
                TESTS_SUMMARY_MISMATCH,
                format!(
                    "libtest's summary says {} but the test binary exited with status {}",
                    if summary.ok { "ok" } else { "FAILED" },
                    exit_code.map_or("unknown".into(), |c| c.to_string())
                ),
            ));
        }
        None
    }
}

/// `running 3 tests` / `running 1 test` → the count.
pub(super) fn running_line(line: &str) -> Option<usize> {
    let rest = line.trim_end().strip_prefix("running ")?;
    let n = rest
        .strip_suffix(" tests")
        .or_else(|| rest.strip_suffix(" test"))?;
    n.parse().ok()
}

/// `test result: ok. 2 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.00s`.
pub(super) fn summary_line(line: &str) -> Option<Summary> {
    let rest = line.trim_end().strip_prefix("test result: ")?;
    let (verdict, counts) = rest.split_once(". ")?;
    let ok = match verdict {
        "ok" => true,
        "FAILED" => false,
        _ => return None,
    };
    let count = |what: &str| -> Option<usize> {
        counts.split(';').find_map(|part| {
            part.trim()
                .strip_suffix(what)
                .and_then(|n| n.trim().parse().ok())
        })
    };
    Some(Summary {
        ok,
        passed: count(" passed").or_else(|| count("passed"))?,
        failed: count(" failed").or_else(|| count("failed"))?,
        ignored: count(" ignored").or_else(|| count("ignored"))?,
    })
}

/// `<0.004s>` (libtest's `--report-time`) → the duration.
pub(super) fn report_time(rest: &str) -> Option<std::time::Duration> {
    let inner = rest.trim().strip_prefix('<')?.strip_suffix("s>")?;
    let secs: f64 = inner.parse().ok()?;
    // `try_`: a negative, NaN or too large (over u64::MAX seconds) figure is no duration.
    std::time::Duration::try_from_secs_f64(secs).ok()
}

/// The failure blocks, with a test's `stdout` and `stderr` blocks joined.
pub(super) fn merged_blocks<'a>(lines: &[&'a str]) -> Vec<(String, Vec<&'a str>)> {
    let mut merged: Vec<(String, Vec<&'a str>)> = Vec::new();
    for (name, body) in stdout_blocks(lines) {
        match merged.iter_mut().find(|(n, _)| *n == name) {
            Some((_, all)) => all.extend(body),
            None => merged.push((name, body)),
        }
    }
    merged
}

/// `assert_eq!`/`assert_ne!`'s `left:`/`right:` values, as (expected, actual): by the common
/// convention `assert_eq!(actual, expected)`, `right` is the expected value.
pub(super) fn assert_values(message: &[String]) -> (Option<String>, Option<String>) {
    let mut left: Option<String> = None;
    let mut right: Option<String> = None;
    // Which value the following lines continue (a multi-line `{:#?}` value), if any.
    let mut continuing_left = None;
    for line in message {
        if let Some(v) = line.strip_prefix("  left: ") {
            left = Some(v.to_string());
            continuing_left = Some(true);
        } else if let Some(v) = line.strip_prefix(" right: ") {
            right = Some(v.to_string());
            continuing_left = Some(false);
        } else if let Some(is_left) = continuing_left {
            let slot = if is_left { &mut left } else { &mut right };
            if let Some(text) = slot.as_mut() {
                text.push('\n');
                text.push_str(line);
            }
        }
    }
    (right, left)
}

/// The program file that defines test `name` (`tests::adds` → the file with `fn adds`),
/// preferring the file of the failing assertion.
pub(super) fn defining_file(
    program: &Program,
    name: &str,
    assertion: Option<&Location>,
) -> Option<String> {
    let function = name.rsplit("::").next().unwrap_or(name);
    let pattern = format!("fn {function}(");
    if let Some(loc) = assertion {
        if program
            .files()
            .get(&loc.file)
            .is_some_and(|t| t.contains(&pattern))
        {
            return Some(loc.file.clone());
        }
    }
    program
        .files()
        .iter()
        .find(|(_, text)| text.contains(&pattern))
        .map(|(path, _)| path.clone())
}
