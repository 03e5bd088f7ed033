//! Go candidates judged in one sandbox run through a mutant schema ([`super::go_schemata`]):
//! the schema is compiled once by the test step's compile (`go test -c`), then the test binary
//! runs once per candidate with its switch set, with the flags `go test` gives it, under
//! `go tool test2json` (so the judge reads the same `go test -json` events as the test step's)
//! and under the test step's own per-candidate limits (`go_batch.sh`, a POSIX shell driver).
//!
//! When the schema does not compile, it is compiled once more without line directives, each
//! candidate's text marked, so the compiler's errors name the candidates that broke it; those
//! are left out and the rest compiled again, at most [`BUILD_ATTEMPTS`] rounds; a candidate
//! left out is `None` (validated alone). What the batch does not check: `go vet` (the check
//! step's, and the test step's own vet run) — a candidate vet would refuse can pass here, which
//! the re-validation alone of every pass catches; a failure here is a failure alone too.

use std::path::Path;
use std::time::Duration;

use super::go_schemata::Schema;
use crate::diagnostics::ParseInput;
use crate::program::Program;
use crate::sandbox::SandboxCommand;
use crate::toolchain::{PlannedCommand, StepKind};
use crate::types::{CodeError, ErrorType, TargetLanguage, Termination, ValidationResult};
use crate::validate::{ValidateError, Validator};

/// The driver, written into the batch's work directory.
pub const GO_DRIVER: &str = include_str!("go_batch.sh");

/// Where the driver, its plan, the test binary and the results live in the work directory.
const DIR: &str = "selfheal_batch";
/// Compiles of a schema at most (the first, and after leaving out candidates that broke it).
pub const BUILD_ATTEMPTS: usize = 3;
/// Time the driver itself may take on top of the compile's and the candidates' limits.
const DRIVER_SLACK: Duration = Duration::from_secs(10);
/// Extra wall-clock time per candidate: `timeout`'s kill and test2json's start.
const PER_CANDIDATE_SLACK: Duration = Duration::from_secs(2);

/// Judges Go `candidates` in one run per schema compile. Returns one entry per candidate, in
/// order; `None` for a candidate the batch did not judge.
///
/// # Errors
/// The toolchain cannot be resolved or planned, the work directory cannot be made or removed,
/// or the sandbox cannot run the driver.
pub(super) async fn judge(
    validator: &Validator,
    candidates: &[Program],
) -> Result<Vec<Option<ValidationResult>>, ValidateError> {
    let mut verdicts: Vec<Option<ValidationResult>> = candidates.iter().map(|_| None).collect();
    let Some(first) = candidates.first() else {
        return Ok(verdicts);
    };
    let toolchain = validator.toolchain(TargetLanguage::Go).await?;
    let Some(mut runner) = test_command(toolchain.plan(StepKind::Test, first)?) else {
        return Ok(verdicts);
    };
    for other in &candidates[1..] {
        let same = test_command(toolchain.plan(StepKind::Test, other)?)
            .is_some_and(|c| c.argv == runner.argv);
        if !same {
            return Ok(verdicts);
        }
    }
    let Some(mut build) = build_command(toolchain.plan(StepKind::Check, first)?) else {
        return Ok(verdicts);
    };
    // Each candidate gets exactly the limits its test step would get alone; the compile those
    // of the check step's compile.
    let cap = validator.limit_cap();
    cap.apply(std::slice::from_mut(&mut runner));
    cap.apply(std::slice::from_mut(&mut build));
    let Some(mut schema) = Schema::build(candidates) else {
        return Ok(verdicts);
    };
    for _ in 0..BUILD_ATTEMPTS {
        match run_schema(validator, &schema, &runner, &build, true).await? {
            Run::Built(results) => {
                for (index, result) in results {
                    if let (Some(program), Some(result)) = (candidates.get(index), result) {
                        verdicts[index] = judged(program, &runner, &result);
                    }
                }
                return Ok(verdicts);
            }
            Run::BuildFailed(output) => {
                // The directives give a switch's candidates one place: compile the schema
                // once more without them to name the candidates that broke it.
                let smaller = match schema.diagnostic() {
                    Some(diagnostic) => {
                        match run_schema(validator, &diagnostic, &runner, &build, false).await? {
                            Run::BuildFailed(exact) => diagnostic.without_build_errors(&exact),
                            _ => None,
                        }
                    }
                    None => None,
                };
                match smaller.or_else(|| schema.without_build_errors(&output)) {
                    Some(smaller) => schema = smaller,
                    None => {
                        tracing::debug!("the Go schema does not compile: {output}");
                        return Ok(verdicts);
                    }
                }
            }
            Run::Nothing => return Ok(verdicts),
        }
    }
    Ok(verdicts)
}

/// The test step's `go test -json` command, if that is all the step runs.
fn test_command(commands: Vec<PlannedCommand>) -> Option<PlannedCommand> {
    let [command] = <[PlannedCommand; 1]>::try_from(commands).ok()?;
    (command.parser == "go-test").then_some(command)
}

/// The check step's `go test -c -o /dev/null …` compile, writing the binary into the batch's
/// directory instead, and reporting every compile error (`-gcflags=-e`; the compiler stops at
/// ten otherwise), so one compile finds every candidate that breaks the schema.
fn build_command(commands: Vec<PlannedCommand>) -> Option<PlannedCommand> {
    let mut command = commands.into_iter().find(|c| {
        c.argv.get(1).map(String::as_str) == Some("test") && c.argv.iter().any(|a| a == "-c")
    })?;
    let output = command.argv.iter().position(|a| a == "-o")? + 1;
    *command.argv.get_mut(output)? = format!("{DIR}/t.test");
    if !command.argv.iter().any(|a| a.starts_with("-gcflags")) {
        command.argv.insert(2, "-gcflags=-e".to_string());
    }
    Some(command)
}

/// One candidate's run, as the driver recorded it.
#[derive(Debug)]
struct CandidateRun {
    events: String,
    exit_code: Option<i32>,
    termination: Termination,
    wall_time: Duration,
}

enum Run {
    /// The schema compiled: each candidate's run (by candidate index), `None` when it did not
    /// run (the driver stopped after a pass, or the sandbox stopped the driver).
    Built(Vec<(usize, Option<CandidateRun>)>),
    /// The schema did not compile: the compiler's output.
    BuildFailed(String),
    /// The driver left no trace of the compile.
    Nothing,
}

/// Runs the driver over `schema` in one sandbox command (only its compile unless
/// `run_candidates`).
async fn run_schema(
    validator: &Validator,
    schema: &Schema,
    runner: &PlannedCommand,
    build: &PlannedCommand,
    run_candidates: bool,
) -> Result<Run, ValidateError> {
    let mutants: Vec<usize> = schema
        .included
        .iter()
        .enumerate()
        .filter(|(_, included)| **included && run_candidates)
        .map(|(index, _)| index + 1)
        .collect();
    let shell = if Path::new("/usr/bin/sh").exists() {
        "/usr/bin/sh"
    } else {
        "/bin/sh"
    };
    let package =
        module_path(&schema.program).unwrap_or_else(|| format!("_{}", crate::sandbox::WORK_DIR));
    let wall = runner.limits.wall_time;
    let plan = format!(
        "go={go}\nsh={sh}\npackage={package}\nwall={wall}\ncpu={cpu}\nmutants='{mutants}'\nbuild() {{ {build}; }}\n",
        go = quote(&runner.argv[0]),
        sh = quote(shell),
        package = quote(&package),
        wall = wall.as_secs_f64(),
        cpu = runner.limits.cpu_time.as_secs().max(1),
        mutants = mutants
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(" "),
        build = build
            .argv
            .iter()
            .map(|a| quote(a))
            .collect::<Vec<_>>()
            .join(" "),
    );
    let mut data = schema.program.data_files().clone();
    data.insert(format!("{DIR}/driver.sh"), GO_DRIVER.as_bytes().to_vec());
    data.insert(format!("{DIR}/plan.sh"), plan.into_bytes());
    let program = match Program::from_parts(
        TargetLanguage::Go,
        schema.program.files().clone(),
        Default::default(),
        schema.program.options().clone(),
        data,
    ) {
        Ok(program) => program,
        Err(e) => {
            tracing::debug!("no Go batch: {e}");
            return Ok(Run::Nothing);
        }
    };
    let count = u32::try_from(mutants.len()).unwrap_or(u32::MAX);
    let mut limits = runner.limits.clone();
    limits.wall_time = build
        .limits
        .wall_time
        .saturating_add(
            wall.saturating_add(PER_CANDIDATE_SLACK)
                .saturating_mul(count),
        )
        .saturating_add(DRIVER_SLACK);
    limits.cpu_time = runner.limits.cpu_time.max(build.limits.cpu_time);
    let workspace = validator.workspace_for(&program)?;
    let outcome = validator
        .sandbox()
        .run(&SandboxCommand {
            argv: vec![shell.to_string(), format!("{DIR}/driver.sh")],
            env: runner.env.clone(),
            mounts: runner.mounts.clone(),
            work_dir: workspace.host_path().to_path_buf(),
            cwd: String::new(),
            stdin: Vec::new(),
            limits,
        })
        .await;
    let dir = workspace.host_path().join(DIR);
    let read = |name: String| std::fs::read_to_string(dir.join(name)).ok();
    let built = read("build.status".to_string()).map(|s| s.trim() == "0");
    let result = match built {
        None => Run::Nothing,
        Some(false) => Run::BuildFailed(read("build.txt".to_string()).unwrap_or_default()),
        Some(true) => Run::Built(
            mutants
                .iter()
                .map(|&k| {
                    let run = candidate_run(
                        read(format!("out{k}.json")),
                        read(format!("status{k}")),
                        read(format!("exit{k}")),
                        read(format!("ms{k}")),
                        wall,
                    );
                    (k - 1, run)
                })
                .collect(),
        ),
    };
    workspace.remove()?;
    let outcome = outcome?;
    if matches!(result, Run::Nothing) {
        tracing::warn!(
            exit_code = ?outcome.exit_code,
            termination = ?outcome.termination,
            "the Go batch driver did not compile the schema; its candidates are validated alone"
        );
    }
    Ok(result)
}

/// A candidate's run from the driver's files: `None` unless the binary's status, test2json's
/// status and the time were all written.
fn candidate_run(
    events: Option<String>,
    status: Option<String>,
    exit: Option<String>,
    ms: Option<String>,
    wall: Duration,
) -> Option<CandidateRun> {
    let status: i32 = status?.trim().parse().ok()?;
    let exit: i32 = exit?.trim().parse().ok()?;
    let ms: u64 = ms?.trim().parse().ok()?;
    let wall_time = Duration::from_millis(ms);
    // `timeout -s KILL` reports 128 + 9 for a run it stopped; so does a process the kernel
    // killed at its CPU limit's hard end (SIGXCPU, 128 + 24, at the soft one).
    let termination = match status {
        137 if wall_time >= wall => Termination::WallTimeout,
        137 | 152 => Termination::CpuLimit,
        s if s > 128 => Termination::Signaled,
        _ => Termination::Exited,
    };
    Some(CandidateRun {
        events: events.unwrap_or_default(),
        exit_code: (termination == Termination::Exited).then_some(exit),
        termination,
        wall_time,
    })
}

/// The import path `go test -json` names the root package by: the `module` of `go.mod` (module
/// mode), else none (GOPATH mode: `_` and the work directory).
fn module_path(program: &Program) -> Option<String> {
    program.files().get("go.mod")?.lines().find_map(|l| {
        l.trim()
            .strip_prefix("module ")
            .map(|m| m.trim().trim_matches('"').to_string())
    })
}

/// Single-quoted for a POSIX shell.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// One candidate's result, judged from its events as the test step's would be.
fn judged(
    program: &Program,
    runner: &PlannedCommand,
    run: &CandidateRun,
) -> Option<ValidationResult> {
    let input = ParseInput {
        language: TargetLanguage::Go,
        step: StepKind::Test.name(),
        command: &runner.argv,
        exit_code: run.exit_code,
        termination: run.termination,
        stdout: &run.events,
        stderr: "",
        program,
    };
    let parsed = crate::diagnostics::parse_step(&runner.parser, &input).ok()?;
    let mut errors = parsed.errors;
    let exited_cleanly = run.termination == Termination::Exited && run.exit_code == Some(0);
    if let Some(code) = crate::diagnostics::limits::limit_code(run.termination) {
        if !errors.iter().any(|e| e.code.as_deref() == Some(code)) {
            errors.push(crate::diagnostics::limits::limit_error_in(
                StepKind::Test.name(),
                code,
            ));
        }
    }
    if !exited_cleanly && errors.is_empty() {
        let mut error = CodeError::new(
            ErrorType::TestFailure,
            format!(
                "the test binary ended with status {} without a failing test",
                run.exit_code
                    .map_or("(none)".to_string(), |c| c.to_string())
            ),
        );
        error.step = StepKind::Test.name().to_string();
        errors.push(error);
    }
    Some(super::judged_in_batch(
        program,
        runner,
        errors,
        parsed.tests,
        run.exit_code,
        run.termination,
        run.wall_time,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_killed_at_the_wall_clock_is_a_timeout_and_earlier_a_cpu_limit() {
        let wall = Duration::from_secs(2);
        let run = |status: &str, ms: &str| {
            candidate_run(
                Some(String::new()),
                Some(status.into()),
                Some("1".into()),
                Some(ms.into()),
                wall,
            )
            .unwrap()
        };
        assert_eq!(run("137", "2003").termination, Termination::WallTimeout);
        assert_eq!(run("137", "900").termination, Termination::CpuLimit);
        assert_eq!(run("152", "900").termination, Termination::CpuLimit);
        let failed = run("1", "20");
        assert_eq!(failed.termination, Termination::Exited);
        assert_eq!(failed.exit_code, Some(1));
        assert_eq!(run("137", "2003").exit_code, None);
        assert!(candidate_run(None, None, Some("0".into()), Some("1".into()), wall).is_none());
    }

    #[test]
    fn the_build_writes_the_test_binary_into_the_batch_directory() {
        let command = |argv: &[&str]| PlannedCommand {
            step: StepKind::Check,
            argv: argv.iter().map(|a| a.to_string()).collect(),
            parser: "go-build".into(),
            env: Vec::new(),
            mounts: Vec::new(),
            limits: Default::default(),
            cwd: String::new(),
        };
        let build = build_command(vec![
            command(&["/go", "vet", "./..."]),
            command(&["/go", "test", "-c", "-o", "/dev/null", "-vet=off", "."]),
        ])
        .unwrap();
        assert_eq!(
            build.argv,
            [
                "/go",
                "test",
                "-gcflags=-e",
                "-c",
                "-o",
                "selfheal_batch/t.test",
                "-vet=off",
                "."
            ]
        );
        assert_eq!(quote("it's"), "'it'\\''s'");
    }
}
