//! Batched validation: many behaviour-repair candidates judged in one sandbox run, as a filter.
//!
//! Validating candidates one sandbox run at a time pays the sandbox's set-up and the
//! interpreter's start-up (or the compile) once per candidate. For Python and JavaScript,
//! [`judge`] puts every candidate of a round into one work directory (`c0/`, `c1/`, … each a complete copy of its program) and runs a driver
//! there, in one sandbox command, that runs the language's judged test runner on each candidate
//! in turn under the test step's own per-candidate limits:
//!
//! - **Python** (`python_batch.py`): one warm interpreter forks a child per candidate (no
//!   program module is ever imported by the driver, so each child starts with fresh module
//!   state) and runs the runner in-process there.
//! - **JavaScript** (`javascript_batch.cjs`): one Node driver starts the judged runner once per
//!   candidate (a process per candidate, as the runner itself runs each test file in a child).
//! - **Go** ([`go_schemata`], `go_run.rs`): a mutant schema — one program holding every
//!   candidate's edit behind a runtime switch — is compiled once (`go test -c`), and its test
//!   binary runs once per candidate with its switch set, under `go tool test2json`.
//! - **Rust** ([`rust_schemata`], `rust_run.rs`): a mutant schema compiled once by the test
//!   step's `rustc --test`, its test binary run once per candidate with its switch set.
//!
//! Each candidate's record channel is judged exactly as the test step's
//! ([`crate::judge::judge`] with a secret of its own for Python and JavaScript; the
//! `go test -json` events by the Go test step's parser; the test binary's output by the Rust
//! test step's `libtest` parser). The result
//! is a filter, never the verdict: the heal loop validates a candidate that passed here again,
//! alone, in a fresh sandbox, before it reports it; a candidate that failed here is judged on
//! this evidence (no check step ran, nothing is cached). A candidate the batch could not judge
//! (the driver died, its runner never started, a Go or Rust edit the schema cannot hold) is `None`:
//! the caller validates it alone.
//!
//! Limits of the filter: the candidates share one work directory tree and one sandbox, so a
//! hostile candidate could disturb another candidate's run (only ever making the filter wrong,
//! which the re-validation alone catches for passes); a looping candidate costs one
//! per-candidate limit.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

use crate::diagnostics::ParseInput;
use crate::program::Program;
use crate::sandbox::SandboxCommand;
use crate::toolchain::{PlannedCommand, StepKind};
use crate::types::{StepOutcome, TargetLanguage, Termination, ValidationResult};
use crate::validate::{ValidateError, Validator};

mod go_run;
pub mod go_schemata;
mod rust_run;
pub mod rust_schemata;

/// The Python driver, written into the batch's work directory.
pub const PYTHON_DRIVER: &str = include_str!("python_batch.py");
/// The JavaScript driver, written into the batch's work directory.
pub const JAVASCRIPT_DRIVER: &str = include_str!("javascript_batch.cjs");

/// Where the driver, its plan and its results live inside the batch's work directory.
const DIR: &str = "selfheal_batch";
/// Time the driver itself may take on top of its candidates' limits.
const DRIVER_SLACK: Duration = Duration::from_secs(10);

/// Whether candidates of `language` can be judged in a batch (Python, JavaScript, Go and
/// Rust).
pub fn supports(language: TargetLanguage) -> bool {
    matches!(
        language,
        TargetLanguage::Python
            | TargetLanguage::JavaScript
            | TargetLanguage::Go
            | TargetLanguage::Rust
    )
}

/// Whether a batch can judge candidates derived from `program`: its language batches, it uses
/// no telemetry, and a Go program is one package (no Go file below the root). The heal loop
/// widens a round to `batch_beam` only then: a wide round validated one at a time would spend
/// the heal's budget.
pub fn can_judge(program: &Program) -> bool {
    let language = program.language();
    supports(language)
        && !uses_telemetry(program)
        && (language != TargetLanguage::Go
            || !program
                .files()
                .keys()
                .any(|p| p.ends_with(".go") && p.contains('/')))
}

/// One candidate's line in the driver's results file.
#[derive(Debug, Deserialize)]
struct DriverResult {
    index: usize,
    ended: String,
    exit_code: Option<i32>,
    wall_ms: f64,
    stdout: String,
}

/// Judges `candidates` (programs of one language, with the same tests) in one sandbox run of
/// their test step. Returns one entry per candidate, in order: `Some` with the result judged
/// from its runner's records (the test step alone: `steps` holds one outcome, `cached` is
/// false), or `None` when the batch could not judge it; every entry is `None` when the
/// language does not batch, there are fewer than two candidates, the candidates use telemetry,
/// or their test steps differ.
///
/// # Errors
/// The toolchain cannot be resolved or planned, the work directory cannot be made or removed,
/// or the sandbox cannot run the driver.
pub async fn judge(
    validator: &Validator,
    candidates: &[Program],
) -> Result<Vec<Option<ValidationResult>>, ValidateError> {
    let unjudged = || candidates.iter().map(|_| None).collect::<Vec<_>>();
    let Some(first) = candidates.first() else {
        return Ok(Vec::new());
    };
    let language = first.language();
    if candidates.len() < 2
        || !supports(language)
        || candidates
            .iter()
            .any(|p| p.language() != language || uses_telemetry(p))
    {
        return Ok(unjudged());
    }
    match language {
        TargetLanguage::Go => return go_run::judge(validator, candidates).await,
        TargetLanguage::Rust => return rust_run::judge(validator, candidates).await,
        _ => {}
    }
    let toolchain = validator.toolchain(language).await?;
    let mut runner = match single_judged_command(toolchain.plan(StepKind::Test, first)?) {
        Some(command) => command,
        None => return Ok(unjudged()),
    };
    for other in &candidates[1..] {
        let same = single_judged_command(toolchain.plan(StepKind::Test, other)?)
            .is_some_and(|c| c.argv == runner.argv);
        if !same {
            return Ok(unjudged());
        }
    }
    // Each candidate gets exactly the limits its test step would get alone.
    validator
        .limit_cap()
        .apply(std::slice::from_mut(&mut runner));
    let Some(combined) = combined_program(candidates, &runner) else {
        return Ok(unjudged());
    };
    let secrets: Vec<String> = candidates
        .iter()
        .map(|_| crate::judge::new_secret())
        .collect();
    let mut limits = runner.limits.clone();
    let count = u32::try_from(candidates.len()).unwrap_or(u32::MAX);
    // RLIMIT_CPU is per process: each candidate's process gets the step's CPU limit, and the
    // whole run at most every candidate's wall-clock limit.
    limits.wall_time = runner
        .limits
        .wall_time
        .saturating_mul(count)
        .saturating_add(DRIVER_SLACK);
    let driver = match language {
        TargetLanguage::JavaScript => "driver.cjs",
        _ => "driver.py",
    };
    let workspace = validator.workspace_for(&combined)?;
    let outcome = validator
        .sandbox()
        .run(&SandboxCommand {
            argv: vec![
                runner.argv[0].clone(),
                format!("{DIR}/{driver}"),
                format!("{DIR}/plan.json"),
            ],
            env: runner.env.clone(),
            mounts: runner.mounts.clone(),
            work_dir: workspace.host_path().to_path_buf(),
            cwd: String::new(),
            stdin: secrets.join("\n").into_bytes(),
            limits,
        })
        .await;
    let written = std::fs::read_to_string(workspace.host_path().join(DIR).join("results.jsonl"));
    workspace.remove()?;
    let outcome = outcome?;
    let Ok(written) = written else {
        tracing::warn!(
            exit_code = ?outcome.exit_code,
            termination = ?outcome.termination,
            "the batch driver wrote no results; its candidates are validated alone"
        );
        return Ok(unjudged());
    };
    let mut verdicts = unjudged();
    for line in written.lines() {
        let Ok(result) = serde_json::from_str::<DriverResult>(line) else {
            continue;
        };
        let (Some(program), Some(secret)) =
            (candidates.get(result.index), secrets.get(result.index))
        else {
            continue;
        };
        verdicts[result.index] = judged(program, &runner, secret, &result);
    }
    Ok(verdicts)
}

/// The one judged test-runner command of a test step, if that is all the step runs.
fn single_judged_command(commands: Vec<PlannedCommand>) -> Option<PlannedCommand> {
    let [command] = <[PlannedCommand; 1]>::try_from(commands).ok()?;
    crate::judge::is_judge(&command.parser).then_some(command)
}

fn uses_telemetry(program: &Program) -> bool {
    let contract = crate::compliance::CONTRACT_FILE;
    program.files().contains_key(contract)
        || program.data_files().contains_key(contract)
        || crate::compliance::uses_sdk(program)
}

/// Every candidate under `c<index>/`, with the driver and its plan under [`DIR`]. `None` when
/// the combined program would break a program limit (the candidates are then validated alone).
fn combined_program(candidates: &[Program], runner: &PlannedCommand) -> Option<Program> {
    let language = candidates.first()?.language();
    let mut files = BTreeMap::new();
    let mut data = BTreeMap::new();
    let mut directories = Vec::new();
    for (index, program) in candidates.iter().enumerate() {
        let directory = format!("c{index}");
        for (path, text) in program.files() {
            files.insert(format!("{directory}/{path}"), text.clone());
        }
        for (path, bytes) in program.data_files() {
            data.insert(format!("{directory}/{path}"), bytes.clone());
        }
        directories.push(directory);
    }
    let (driver, text) = match language {
        TargetLanguage::JavaScript => ("driver.cjs", JAVASCRIPT_DRIVER),
        _ => ("driver.py", PYTHON_DRIVER),
    };
    files.insert(format!("{DIR}/{driver}"), text.to_string());
    let plan = serde_json::json!({
        "runner": runner.argv,
        "candidates": directories,
        "wall": runner.limits.wall_time.as_secs_f64(),
        "cpu": runner.limits.cpu_time.as_secs_f64(),
        "results": format!("{DIR}/results.jsonl"),
    });
    files.insert(format!("{DIR}/plan.json"), plan.to_string());
    let options = candidates.first()?.options().clone();
    match Program::from_parts(language, files, Default::default(), options, data) {
        Ok(program) => Some(program),
        Err(e) => {
            tracing::debug!("no batch: {e}");
            None
        }
    }
}

/// One candidate's result, judged from its runner's records as the test step's would be.
/// `None` when its runner never spoke (it did not start: validate the candidate alone).
fn judged(
    program: &Program,
    runner: &PlannedCommand,
    secret: &str,
    result: &DriverResult,
) -> Option<ValidationResult> {
    let tag = format!("{secret} ");
    if !result.stdout.lines().any(|line| line.starts_with(&tag)) {
        return None;
    }
    let termination = match result.ended.as_str() {
        "timeout" => Termination::WallTimeout,
        "cpu" => Termination::CpuLimit,
        "signal" => Termination::Signaled,
        _ => Termination::Exited,
    };
    let input = ParseInput {
        language: program.language(),
        step: StepKind::Test.name(),
        command: &runner.argv,
        exit_code: result.exit_code,
        termination,
        stdout: &result.stdout,
        stderr: "",
        program,
    };
    let parsed = crate::judge::judge(&runner.parser, &input, Some(secret));
    let mut errors = parsed.errors;
    if let Some(code) = crate::diagnostics::limits::limit_code(termination) {
        if !errors.iter().any(|e| e.code.as_deref() == Some(code)) {
            errors.push(crate::diagnostics::limits::limit_error_in(
                StepKind::Test.name(),
                code,
            ));
        }
    }
    let wall_time = Duration::from_secs_f64(result.wall_ms.max(0.0) / 1000.0);
    Some(judged_in_batch(
        program,
        runner,
        errors,
        parsed.tests,
        result.exit_code,
        termination,
        wall_time,
    ))
}

/// A candidate's result as the batch judged it: the test step alone (no check step ran),
/// never cached. Its per-test evidence is recorded for localization as a validation records
/// it (never a verdict).
pub(super) fn judged_in_batch(
    program: &Program,
    runner: &PlannedCommand,
    errors: Vec<crate::types::CodeError>,
    tests: Vec<crate::types::TestReport>,
    exit_code: Option<i32>,
    termination: Termination,
    wall_time: Duration,
) -> ValidationResult {
    let exited_cleanly = termination == Termination::Exited && exit_code == Some(0);
    let validation = ValidationResult {
        passed: errors.is_empty() && exited_cleanly,
        language: program.language(),
        errors,
        duration: wall_time,
        output: String::new(),
        steps: vec![StepOutcome {
            step: StepKind::Test.name().to_string(),
            command: runner.argv.clone(),
            exit_code,
            signal: None,
            termination,
            wall_time,
            cpu_time: Duration::ZERO,
            peak_memory_bytes: 0,
            stdout: String::new(),
            stderr: String::new(),
            stdout_truncated: false,
            stderr_truncated: false,
        }],
        cached: false,
        tests,
    };
    super::evidence::remember(program, &validation);
    validation
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_batches() {
        assert!(supports(TargetLanguage::Python));
        assert!(supports(TargetLanguage::JavaScript));
        assert!(supports(TargetLanguage::Go));
        assert!(supports(TargetLanguage::Rust));
    }

    #[test]
    fn telemetry_and_go_sub_packages_are_not_judged_in_a_batch() {
        let program = |language, files: &[(&str, &str)]| {
            Program::new(
                language,
                files.iter().map(|(p, t)| (p.to_string(), t.to_string())),
            )
            .unwrap()
        };
        let go_main = ("main.go", "package main\n");
        let go_test = ("main_test.go", "package main\n");
        assert!(can_judge(&program(TargetLanguage::Go, &[go_main, go_test])));
        assert!(!can_judge(&program(
            TargetLanguage::Go,
            &[go_main, go_test, ("util/util.go", "package util\n")]
        )));
        assert!(can_judge(&program(
            TargetLanguage::Python,
            &[("main.py", "x = 1\n")]
        )));
        assert!(!can_judge(&program(
            TargetLanguage::Python,
            &[
                ("main.py", "x = 1\n"),
                (crate::compliance::CONTRACT_FILE, "[service]\n")
            ]
        )));
        assert!(can_judge(&program(
            TargetLanguage::Rust,
            &[("lib.rs", "fn f() {}\n")]
        )));
    }
}
