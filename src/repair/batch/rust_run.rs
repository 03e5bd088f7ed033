//! Rust candidates judged in one sandbox run through a mutant schema ([`super::rust_schemata`]):
//! the schema is compiled once by the test step's own compile (`rustc --test`), then the test
//! step's run of the test binary is repeated once per candidate with its switch set
//! (`SELFHEAL_MUTANT=K`), under the step's own CPU and wall-clock limits (`rust_batch.sh`, a
//! POSIX shell driver), stopping after the first candidate whose run exits 0. Each run is judged
//! by the test step's parser (`libtest`), after its `file:line:col` positions are rewritten into
//! the candidate's own lines.
//!
//! When the schema does not compile, rustc's JSON diagnostics give each error's byte spans in
//! the schema: the candidates whose text holds them are left out and the rest compiled again,
//! at most [`BUILD_ATTEMPTS`] rounds; a candidate left out is `None` (validated alone). What the
//! batch does not run: the check step (`rustc --emit=metadata` of the program as a library or
//! binary, without `--test`). A candidate only that compile would refuse can pass here; its
//! re-validation alone refuses it. A failure here is a failure alone too.

use std::path::Path;
use std::time::Duration;

use super::rust_schemata::Schema;
use crate::diagnostics::ParseInput;
use crate::program::Program;
use crate::sandbox::SandboxCommand;
use crate::toolchain::{PlannedCommand, StepKind};
use crate::types::{StepOutcome, TargetLanguage, Termination, ValidationResult};
use crate::validate::{ValidateError, Validator};

/// The driver, written into the batch's work directory.
pub const RUST_DRIVER: &str = include_str!("rust_batch.sh");

/// Where the driver, its plan and the results live in the work directory.
const DIR: &str = "selfheal_batch";
/// Compiles of a schema at most (the first, and after leaving out candidates that broke it).
pub const BUILD_ATTEMPTS: usize = 3;
/// Time the driver itself may take on top of the compile's and the candidates' limits.
const DRIVER_SLACK: Duration = Duration::from_secs(10);
/// Extra wall-clock time per candidate: `timeout`'s kill and the shell's start.
const PER_CANDIDATE_SLACK: Duration = Duration::from_secs(2);

/// Judges Rust `candidates` in one run per schema compile. Returns one entry per candidate, in
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
    let toolchain = validator.toolchain(TargetLanguage::Rust).await?;
    let Some((mut build, mut runner)) = test_commands(toolchain.plan(StepKind::Test, first)?)
    else {
        return Ok(verdicts);
    };
    for other in &candidates[1..] {
        let same = test_commands(toolchain.plan(StepKind::Test, other)?)
            .is_some_and(|(b, r)| b.argv == build.argv && r.argv == runner.argv);
        if !same {
            return Ok(verdicts);
        }
    }
    // Each candidate's run gets exactly the limits its test step would get alone; the compile
    // those of the test step's compile.
    let cap = validator.limit_cap();
    cap.apply(std::slice::from_mut(&mut runner));
    cap.apply(std::slice::from_mut(&mut build));
    let Some(root) = crate_root(&build, first) else {
        return Ok(verdicts);
    };
    let Some(mut schema) = Schema::build(candidates, &root) else {
        return Ok(verdicts);
    };
    for _ in 0..BUILD_ATTEMPTS {
        match run_schema(validator, &schema, &runner, &build).await? {
            Run::Built(results) => {
                for (index, run) in results {
                    if let (Some(program), Some(run)) = (candidates.get(index), run) {
                        verdicts[index] = Some(judged(program, &schema, index, &runner, run));
                    }
                }
                return Ok(verdicts);
            }
            Run::BuildFailed(diagnostics) => {
                match schema.without_build_errors(&error_spans(&diagnostics)) {
                    Some(smaller) => schema = smaller,
                    None => {
                        tracing::debug!("the Rust schema does not compile: {diagnostics}");
                        return Ok(verdicts);
                    }
                }
            }
            Run::Nothing => return Ok(verdicts),
        }
    }
    Ok(verdicts)
}

/// The test step's compile (`rustc --test`, JSON diagnostics) and its run of the test binary
/// (judged by `libtest`), if that is what the step runs.
fn test_commands(commands: Vec<PlannedCommand>) -> Option<(PlannedCommand, PlannedCommand)> {
    let [build, runner] = <[PlannedCommand; 2]>::try_from(commands).ok()?;
    let compiles_tests = build.parser == "rustc-json" && build.argv.iter().any(|a| a == "--test");
    (compiles_tests && runner.parser == "libtest").then_some((build, runner))
}

/// The crate root the compile names: its last argument that is one of the program's files.
fn crate_root(build: &PlannedCommand, program: &Program) -> Option<String> {
    let work = format!("{}/", crate::sandbox::WORK_DIR);
    build.argv.iter().rev().find_map(|a| {
        let path = a.strip_prefix(work.as_str()).unwrap_or(a);
        program.files().contains_key(path).then(|| path.to_string())
    })
}

/// The byte spans of every error in rustc's JSON diagnostics (each error's own spans and its
/// notes'), files relative to the program. An error without a span (but rustc's closing
/// "aborting due to …") is kept with none: it names no candidate.
fn error_spans(diagnostics: &str) -> Vec<Vec<(String, usize, usize)>> {
    fn collect(message: &serde_json::Value, out: &mut Vec<(String, usize, usize)>) {
        let work = format!("{}/", crate::sandbox::WORK_DIR);
        for span in message["spans"].as_array().into_iter().flatten() {
            let (Some(file), Some(start), Some(end)) = (
                span["file_name"].as_str(),
                span["byte_start"].as_u64(),
                span["byte_end"].as_u64(),
            ) else {
                continue;
            };
            let file = file
                .strip_prefix(work.as_str())
                .or_else(|| file.strip_prefix("./"))
                .unwrap_or(file);
            if let (Ok(start), Ok(end)) = (usize::try_from(start), usize::try_from(end)) {
                out.push((file.to_string(), start, end));
            }
        }
        for child in message["children"].as_array().into_iter().flatten() {
            collect(child, out);
        }
    }
    let mut errors = Vec::new();
    for line in diagnostics.lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let level = message["level"].as_str().unwrap_or("");
        let text = message["message"].as_str().unwrap_or("");
        if !level.starts_with("error") || text.starts_with("aborting due to") {
            continue;
        }
        let mut spans = Vec::new();
        collect(&message, &mut spans);
        errors.push(spans);
    }
    errors
}

/// One candidate's run, as the driver recorded it.
#[derive(Debug)]
struct CandidateRun {
    stdout: String,
    stderr: String,
    exit_code: Option<i32>,
    termination: Termination,
    wall_time: Duration,
}

enum Run {
    /// The schema compiled: each candidate's run (by candidate index), `None` when it did not
    /// run (the driver stopped after a pass, or the sandbox stopped the driver).
    Built(Vec<(usize, Option<CandidateRun>)>),
    /// The schema did not compile: rustc's JSON diagnostics.
    BuildFailed(String),
    /// The driver left no trace of the compile.
    Nothing,
}

/// Runs the driver over `schema` in one sandbox command.
async fn run_schema(
    validator: &Validator,
    schema: &Schema,
    runner: &PlannedCommand,
    build: &PlannedCommand,
) -> Result<Run, ValidateError> {
    let mutants: Vec<usize> = schema
        .included
        .iter()
        .enumerate()
        .filter(|(_, included)| **included)
        .map(|(index, _)| index + 1)
        .collect();
    let shell = if Path::new("/usr/bin/sh").exists() {
        "/usr/bin/sh"
    } else {
        "/bin/sh"
    };
    let wall = runner.limits.wall_time;
    let words = |argv: &[String]| argv.iter().map(|a| quote(a)).collect::<Vec<_>>().join(" ");
    let plan = format!(
        "sh={sh}\nwall={wall}\ncpu={cpu}\nmutants='{mutants}'\nbuild() {{ timeout -s KILL {build_wall} {build}; }}\nset -- {run}\n",
        sh = quote(shell),
        wall = wall.as_secs_f64(),
        cpu = runner.limits.cpu_time.as_secs().max(1),
        mutants = mutants
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(" "),
        build_wall = build.limits.wall_time.as_secs_f64(),
        build = words(&build.argv),
        run = words(&runner.argv),
    );
    let mut data = schema.program.data_files().clone();
    data.insert(format!("{DIR}/driver.sh"), RUST_DRIVER.as_bytes().to_vec());
    data.insert(format!("{DIR}/plan.sh"), plan.into_bytes());
    let program = match Program::from_parts(
        TargetLanguage::Rust,
        schema.program.files().clone(),
        Default::default(),
        schema.program.options().clone(),
        data,
    ) {
        Ok(program) => program,
        Err(e) => {
            tracing::debug!("no Rust batch: {e}");
            return Ok(Run::Nothing);
        }
    };
    let count = u32::try_from(mutants.len()).unwrap_or(u32::MAX);
    let mut limits = build.limits.clone();
    limits.wall_time = build
        .limits
        .wall_time
        .saturating_add(
            wall.saturating_add(PER_CANDIDATE_SLACK)
                .saturating_mul(count),
        )
        .saturating_add(DRIVER_SLACK);
    limits.cpu_time = runner.limits.cpu_time.max(build.limits.cpu_time);
    limits.memory_bytes = runner.limits.memory_bytes.max(build.limits.memory_bytes);
    let workspace = validator.workspace_for(&program)?;
    let outcome = validator
        .sandbox()
        .run(&SandboxCommand {
            argv: vec![shell.to_string(), format!("{DIR}/driver.sh")],
            env: build.env.clone(),
            mounts: build.mounts.clone(),
            work_dir: workspace.host_path().to_path_buf(),
            cwd: String::new(),
            stdin: Vec::new(),
            limits,
        })
        .await;
    let dir = workspace.host_path().join(DIR);
    let read = |name: String| {
        std::fs::read(dir.join(name))
            .ok()
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
    };
    let built = read("build.status".to_string()).map(|s| s.trim() == "0");
    let result = match built {
        None => Run::Nothing,
        Some(false) => Run::BuildFailed(read("build.err".to_string()).unwrap_or_default()),
        Some(true) => Run::Built(
            mutants
                .iter()
                .map(|&k| {
                    let run = candidate_run(
                        read(format!("out{k}")),
                        read(format!("err{k}")),
                        read(format!("status{k}")),
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
            "the Rust batch driver did not compile the schema; its candidates are validated alone"
        );
    }
    Ok(result)
}

/// A candidate's run from the driver's files: `None` unless its status and time were written.
fn candidate_run(
    stdout: Option<String>,
    stderr: Option<String>,
    status: Option<String>,
    ms: Option<String>,
    wall: Duration,
) -> Option<CandidateRun> {
    let status: i32 = status?.trim().parse().ok()?;
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
        stdout: stdout.unwrap_or_default(),
        stderr: stderr.unwrap_or_default(),
        exit_code: (termination == Termination::Exited).then_some(status),
        termination,
        wall_time,
    })
}

/// Single-quoted for a POSIX shell.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// One candidate's result, judged from its run as the test step's run of the test binary is
/// judged alone: the `libtest` parser, and the validator's account of a failure it cannot
/// explain.
fn judged(
    program: &Program,
    schema: &Schema,
    index: usize,
    runner: &PlannedCommand,
    run: CandidateRun,
) -> ValidationResult {
    let step = StepOutcome {
        step: StepKind::Test.name().to_string(),
        command: runner.argv.clone(),
        exit_code: run.exit_code,
        signal: None,
        termination: run.termination,
        wall_time: run.wall_time,
        cpu_time: Duration::ZERO,
        peak_memory_bytes: 0,
        stdout: schema.positions_for(index, &run.stdout),
        stderr: schema.positions_for(index, &run.stderr),
        stdout_truncated: false,
        stderr_truncated: false,
    };
    let input = ParseInput {
        language: TargetLanguage::Rust,
        step: StepKind::Test.name(),
        command: &runner.argv,
        exit_code: step.exit_code,
        termination: step.termination,
        stdout: &step.stdout,
        stderr: &step.stderr,
        program,
    };
    let (parsed_errors, tests) = match crate::diagnostics::parse_step(&runner.parser, &input) {
        Ok(parsed) => (parsed.errors, parsed.tests),
        Err(e) => {
            tracing::debug!("the Rust batch's run could not be parsed: {e}");
            (Vec::new(), Vec::new())
        }
    };
    let mut errors = Vec::new();
    for error in parsed_errors {
        if !errors.contains(&error) {
            errors.push(error);
        }
    }
    if !step.succeeded() && errors.is_empty() {
        errors.push(crate::validate::unexplained_failure(&step));
    }
    super::judged_in_batch(
        program,
        runner,
        errors,
        tests,
        run.exit_code,
        run.termination,
        run.wall_time,
    )
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
                None,
                Some(status.into()),
                Some(ms.into()),
                wall,
            )
            .unwrap()
        };
        assert_eq!(run("137", "2003").termination, Termination::WallTimeout);
        assert_eq!(run("137", "900").termination, Termination::CpuLimit);
        assert_eq!(run("152", "900").termination, Termination::CpuLimit);
        let failed = run("101", "20");
        assert_eq!(failed.termination, Termination::Exited);
        assert_eq!(failed.exit_code, Some(101));
        assert_eq!(run("137", "2003").exit_code, None);
        assert!(candidate_run(None, None, None, Some("1".into()), wall).is_none());
    }

    #[test]
    fn error_spans_come_from_every_error_and_its_notes() {
        let diagnostics = [
            r#"{"$message_type":"diagnostic","message":"mismatched types","level":"error","spans":[{"file_name":"src/lib.rs","byte_start":10,"byte_end":13}],"children":[{"message":"expected","level":"note","spans":[{"file_name":"/work/src/util.rs","byte_start":1,"byte_end":2}],"children":[]}]}"#,
            r#"{"$message_type":"diagnostic","message":"unused variable","level":"warning","spans":[{"file_name":"src/lib.rs","byte_start":0,"byte_end":1}],"children":[]}"#,
            r#"{"$message_type":"diagnostic","message":"aborting due to 1 previous error","level":"error","spans":[],"children":[]}"#,
            r#"{"$message_type":"diagnostic","message":"linking failed","level":"error","spans":[],"children":[]}"#,
            "not json",
        ]
        .join("\n");
        assert_eq!(
            error_spans(&diagnostics),
            [
                vec![
                    ("src/lib.rs".to_string(), 10, 13),
                    ("src/util.rs".to_string(), 1, 2)
                ],
                vec![]
            ]
        );
    }

    #[test]
    fn the_test_step_is_a_test_compile_and_a_libtest_run() {
        let command = |argv: &[&str], parser: &str| PlannedCommand {
            step: StepKind::Test,
            argv: argv.iter().map(|a| a.to_string()).collect(),
            parser: parser.into(),
            env: Vec::new(),
            mounts: Vec::new(),
            limits: Default::default(),
            cwd: String::new(),
        };
        let build = command(
            &["rustc", "--test", "-o", "/work/t", "/work/src/lib.rs"],
            "rustc-json",
        );
        let run = command(&["/work/t"], "libtest");
        assert!(test_commands(vec![build.clone(), run.clone()]).is_some());
        assert!(test_commands(vec![run.clone(), build.clone()]).is_none());
        assert!(test_commands(vec![run]).is_none());
        let program = Program::new(
            TargetLanguage::Rust,
            [("src/lib.rs".to_string(), "pub fn f() {}\n".to_string())],
        )
        .unwrap();
        assert_eq!(crate_root(&build, &program).as_deref(), Some("src/lib.rs"));
        assert_eq!(quote("it's"), "'it'\\''s'");
    }
}
