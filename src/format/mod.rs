//! Formatting a healed program the way its language formats code, only where the heal wrote.
//!
//! The formatter is the first `[[format]]` entry of the language's toolchain file installed on
//! the host (`rustfmt`, `gofmt`, `ruff`/`black`, `prettier`). It runs in the sandbox, like every
//! toolchain command, under the entry's limits: it reads a file of the healed program on stdin
//! and prints it formatted. Of what it prints, only the hunks touching lines the heal wrote are
//! kept ([`regions`]); every other line stays byte for byte as it was. The result must format to
//! the same text as the healed program does (so keeping only part of the formatter's changes
//! cannot have changed what the program says), and the heal loop validates it again before
//! returning it (`crate::heal`). Whenever any of this fails, the heal is returned unformatted
//! and [`FormatReport::reason`] says why: formatting never fails a heal.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::program::Program;
use crate::sandbox::SandboxCommand;
use crate::toolchain::{FormatCommand, ResolvedFormatter, ResolvedToolchain};
use crate::types::Termination;
use crate::validate::Validator;
use crate::workspace::Workspace;

pub mod regions;

/// Lines of a formatter's complaint kept in a reason.
const STDERR_LINES: usize = 3;

/// What formatting did to a healed program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormatStatus {
    /// Lines the heal wrote were reformatted; the result passed validation again.
    Formatted,
    /// The formatter would change nothing the heal wrote.
    AlreadyFormatted,
    /// Not formatted: no formatter, it failed, or its result could not be used (`reason`).
    Skipped,
}

/// The formatting step of a heal (`HealReport::format`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormatReport {
    /// What happened.
    pub status: FormatStatus,
    /// The formatter's name and version (`rustfmt 1.8.0-stable (…)`), when one was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatter: Option<String>,
    /// Files whose written lines were reformatted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// Why the program was left unformatted (`Skipped`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Time spent finding and running the formatter.
    pub duration_ms: f64,
    /// Time spent validating the formatted program again (0 when there was nothing to check).
    #[serde(default)]
    pub revalidation_ms: f64,
}

impl FormatReport {
    fn new(status: FormatStatus, formatter: Option<String>) -> FormatReport {
        FormatReport {
            status,
            formatter,
            files: Vec::new(),
            reason: None,
            duration_ms: 0.0,
            revalidation_ms: 0.0,
        }
    }

    /// A report of a program left unformatted, and why.
    pub fn skipped(reason: impl Into<String>) -> FormatReport {
        let mut report = FormatReport::new(FormatStatus::Skipped, None);
        report.reason = Some(reason.into());
        report
    }

    /// Turns this report into a skip (the formatter stays named), with the reason.
    pub fn skip(&mut self, reason: impl Into<String>) {
        self.status = FormatStatus::Skipped;
        self.files.clear();
        self.reason = Some(reason.into());
    }
}

/// A formatted program (when there is one to use) and the report.
#[derive(Debug, Clone, PartialEq)]
pub struct FormatOutcome {
    /// The healed program with its written lines formatted; `None` when nothing changed or
    /// formatting was skipped (then the healed program stands as it is).
    pub program: Option<Program>,
    /// What happened.
    pub report: FormatReport,
}

impl FormatOutcome {
    /// Nothing formatted, for `reason`.
    pub fn skipped(reason: impl Into<String>) -> FormatOutcome {
        FormatOutcome {
            program: None,
            report: FormatReport::skipped(reason),
        }
    }
}

/// Formats the lines of `healed` that differ from `original` with the first formatter of the
/// language's toolchain file installed on this host, in `validator`'s sandbox. Never fails:
/// every problem becomes a [`FormatStatus::Skipped`] report with its reason. Does not validate
/// the result (the heal loop does).
pub async fn format_changed(
    validator: &Validator,
    original: &Program,
    healed: &Program,
) -> FormatOutcome {
    let started = Instant::now();
    let mut outcome = match format_inner(validator, original, healed).await {
        Ok(outcome) => outcome,
        Err(reason) => FormatOutcome::skipped(reason),
    };
    outcome.report.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    outcome
}

/// What formatting a heal needs: the toolchain, the files the heal wrote that its formatter
/// handles, and the formatter found on this host.
struct Prepared {
    toolchain: std::sync::Arc<ResolvedToolchain>,
    written: Vec<String>,
    formatter: ResolvedFormatter,
}

/// `Ok(None)` when the heal wrote no file the formatter handles; `Err` says why nothing can be
/// formatted (no toolchain, no formatter installed). Starts no sandbox.
async fn prepare(
    validator: &Validator,
    original: &Program,
    healed: &Program,
) -> Result<Option<Prepared>, String> {
    let toolchain = validator
        .toolchain(healed.language())
        .await
        .map_err(|e| format!("the toolchain is not available: {e}"))?;
    let written: Vec<String> = healed
        .files()
        .iter()
        .filter(|(path, text)| {
            original.file(path) != Some(text.as_str())
                && !healed.is_protected(path)
                && toolchain.formats_file(path)
        })
        .map(|(path, _)| path.clone())
        .collect();
    if written.is_empty() {
        return Ok(None);
    }
    let formatter = {
        let toolchain = std::sync::Arc::clone(&toolchain);
        let env = validator.toolchain_env().clone();
        tokio::task::spawn_blocking(move || toolchain.formatter(&env))
            .await
            .map_err(|e| format!("finding the formatter was interrupted: {e}"))?
            .map_err(|e| e.to_string())?
    };
    Ok(Some(Prepared {
        toolchain,
        written,
        formatter,
    }))
}

/// Whether [`format_changed`] would run a formatter in a sandbox for this heal (a formatter is
/// installed and the heal wrote a file it handles), so that a caller that rations sandboxes
/// (a tenant's scheduler) takes a slot only when one runs. Starts no sandbox.
pub async fn runs_a_formatter(validator: &Validator, original: &Program, healed: &Program) -> bool {
    matches!(prepare(validator, original, healed).await, Ok(Some(_)))
}

async fn format_inner(
    validator: &Validator,
    original: &Program,
    healed: &Program,
) -> Result<FormatOutcome, String> {
    let Some(Prepared {
        toolchain,
        written,
        formatter,
    }) = prepare(validator, original, healed).await?
    else {
        return Ok(FormatOutcome {
            program: None,
            report: FormatReport::new(FormatStatus::AlreadyFormatted, None),
        });
    };
    let written: Vec<&String> = written.iter().collect();
    let named = if formatter.version.is_empty() {
        formatter.name.clone()
    } else {
        format!("{} ({})", formatter.name, formatter.version)
    };
    let run = Runner {
        validator,
        toolchain: &toolchain,
        formatter: &formatter,
        healed,
    };
    let result = run.all(original, &written).await;
    let mut report = FormatReport::new(FormatStatus::AlreadyFormatted, Some(named));
    match result {
        Err(reason) => {
            report.skip(reason);
            Ok(FormatOutcome {
                program: None,
                report,
            })
        }
        Ok(changes) if changes.is_empty() => Ok(FormatOutcome {
            program: None,
            report,
        }),
        Ok(changes) => {
            let mut program = healed.clone();
            for (path, text) in changes {
                program
                    .set_file(path.clone(), text)
                    .map_err(|e| format!("{path}: the formatted text cannot be used: {e}"))?;
                report.files.push(path);
            }
            report.status = FormatStatus::Formatted;
            Ok(FormatOutcome {
                program: Some(program),
                report,
            })
        }
    }
}

/// Runs one formatter over the files of one healed program.
struct Runner<'a> {
    validator: &'a Validator,
    toolchain: &'a ResolvedToolchain,
    formatter: &'a ResolvedFormatter,
    healed: &'a Program,
}

impl Runner<'_> {
    /// The new text of every written file the formatter changes, or why none can be used.
    async fn all(
        &self,
        original: &Program,
        written: &[&String],
    ) -> Result<Vec<(String, String)>, String> {
        let workspace = self
            .validator
            .workspace_for(self.healed)
            .map_err(|e| format!("cannot prepare a work directory: {e}"))?;
        let result = self.each(&workspace, original, written).await;
        if let Err(e) = workspace.remove() {
            tracing::warn!(error = %e, "cannot remove the formatter's work directory");
        }
        result
    }

    async fn each(
        &self,
        workspace: &Workspace,
        original: &Program,
        written: &[&String],
    ) -> Result<Vec<(String, String)>, String> {
        let mut changes = Vec::new();
        for path in written {
            let healed_text = self.healed.file(path).unwrap_or_default();
            let formatted = self.format(workspace, path, healed_text).await?;
            let before = original.file(path).unwrap_or_default();
            let merged = regions::keep_changed_regions(before, healed_text, &formatted);
            if merged == healed_text {
                continue;
            }
            // Keeping only part of the formatter's changes must not change what the program
            // says: the result has to format to exactly what the healed program formats to.
            if merged != formatted && self.format(workspace, path, &merged).await? != formatted {
                return Err(format!(
                    "{path}: the formatter's changes to the healed lines cannot be kept apart \
                     from its changes to the lines around them"
                ));
            }
            changes.push(((*path).clone(), merged));
        }
        Ok(changes)
    }

    /// `text` (a version of `path`) as the formatter prints it.
    async fn format(
        &self,
        workspace: &Workspace,
        path: &str,
        text: &str,
    ) -> Result<String, String> {
        let FormatCommand {
            argv,
            env,
            mounts,
            limits,
        } = self
            .toolchain
            .format_command(self.formatter, self.healed, path);
        let name = &self.formatter.name;
        let outcome = self
            .validator
            .sandbox()
            .run(&SandboxCommand {
                argv,
                env,
                mounts,
                work_dir: workspace.host_path().to_path_buf(),
                cwd: String::new(),
                stdin: text.as_bytes().to_vec(),
                limits,
            })
            .await
            .map_err(|e| format!("{name} could not run on {path}: {e}"))?;
        let stderr = String::from_utf8_lossy(&outcome.stderr);
        let complaint = {
            let lines: Vec<&str> = stderr.trim_end().lines().collect();
            let tail = lines[lines.len().saturating_sub(STDERR_LINES)..].join(" | ");
            if tail.is_empty() {
                tail
            } else {
                format!(": {tail}")
            }
        };
        match outcome.termination {
            Termination::Exited if outcome.exit_code == Some(0) => {}
            Termination::Exited => {
                return Err(format!(
                    "{name} failed on {path} (exit status {}){complaint}",
                    outcome.exit_code.unwrap_or_default()
                ))
            }
            other => {
                return Err(format!(
                    "{name} was stopped on {path} ({}){complaint}",
                    describe_termination(other)
                ))
            }
        }
        if outcome.stdout_truncated {
            return Err(format!(
                "{name} printed more than the output limit on {path}"
            ));
        }
        let formatted = String::from_utf8(outcome.stdout)
            .map_err(|_| format!("{name} printed text that is not UTF-8 for {path}"))?;
        if formatted.trim().is_empty() && !text.trim().is_empty() {
            return Err(format!("{name} printed nothing for {path}"));
        }
        Ok(formatted)
    }
}

fn describe_termination(t: Termination) -> &'static str {
    match t {
        Termination::Exited => "exited",
        Termination::Signaled => "killed by a signal",
        Termination::WallTimeout => "time limit",
        Termination::CpuLimit => "CPU time limit",
        Termination::OutOfMemory => "memory limit",
        Termination::FileSizeLimit => "file size limit",
    }
}
