//! Human-readable text of the library's reports, as `selfheal` prints them.
//!
//! Every function returns plain text built from the report; text that came from a program
//! (its output, error messages, source context) is included as it is. Before printing it on a
//! terminal, pass it through [`crate::terminal::escape_controls`] (the CLI does), so that a
//! program's escape sequences cannot rewrite the report.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::api::{HealthMetrics, OutcomeLog};
use crate::cache::{CacheConfig, CacheStats, GcReport, ValidationCache};
use crate::fix::Fix;
use crate::generate::prelude::LanguagePrelude;
use crate::generate::Prelude;
use crate::learn::Learner;
use crate::plugin::{Plugin, PluginInfo, PluginKind};
use crate::toolchain::DoctorEntry;
use crate::types::{StepOutcome, TargetLanguage, TestOutcome, TestReport, ValidationResult};

/// The errors (with their source context and notes), then one line: language, `passed` or
/// `FAILED`, the number of errors and each step's wall time.
pub fn validation(result: &ValidationResult) -> String {
    let mut out = String::new();
    for error in &result.errors {
        let _ = writeln!(out, "{error}");
        if let Some(context) = &error.context {
            out.push_str(context);
        }
        for note in &error.notes {
            let _ = writeln!(out, "  = {note}");
        }
    }
    tests(&mut out, &result.tests);
    let steps: Vec<String> = result
        .steps
        .iter()
        .map(|s| format!("{} {:.0}ms", s.step, s.wall_time.as_secs_f64() * 1000.0))
        .collect();
    let _ = writeln!(
        out,
        "{}: {} ({} error{}; {})",
        result.language,
        if result.passed { "passed" } else { "FAILED" },
        result.errors.len(),
        if result.errors.len() == 1 { "" } else { "s" },
        steps.join(", ")
    );
    out
}

/// The judge's per-test evidence: a count line, then one line per test that did not pass
/// (outcome, name, where its assertion failed, message, expected and actual values).
fn tests(out: &mut String, tests: &[TestReport]) {
    if tests.is_empty() {
        return;
    }
    let count = |outcome| tests.iter().filter(|t| t.outcome == outcome).count();
    let mut others = Vec::new();
    for (outcome, label) in [
        (TestOutcome::Failed, "failed"),
        (TestOutcome::Incomplete, "incomplete"),
        (TestOutcome::Skipped, "skipped"),
    ] {
        let n = count(outcome);
        if n > 0 {
            others.push(format!("{n} {label}"));
        }
    }
    let _ = write!(
        out,
        "tests: {} of {} passed",
        count(TestOutcome::Passed),
        tests.len()
    );
    if others.is_empty() {
        out.push('\n');
    } else {
        let _ = writeln!(out, " ({})", others.join(", "));
    }
    for test in tests {
        let label = match test.outcome {
            TestOutcome::Passed | TestOutcome::Skipped => continue,
            TestOutcome::Failed => "FAILED",
            TestOutcome::Incomplete => "INCOMPLETE",
        };
        let _ = write!(out, "  {label} {}", test.name);
        if let Some(at) = &test.assertion {
            let _ = write!(out, " at {at}");
        }
        if let Some(message) = &test.message {
            let _ = write!(out, ": {message}");
        }
        out.push('\n');
        if let (Some(expected), Some(actual)) = (&test.expected, &test.actual) {
            let _ = writeln!(out, "    expected {expected}, actual {actual}");
        }
    }
}

/// What `selfheal run` adds after the program's own output: truncation and one line with
/// the termination, exit code, wall and CPU time and peak memory.
pub fn run_outcome(outcome: &StepOutcome) -> String {
    let mut out = String::new();
    if outcome.stdout_truncated || outcome.stderr_truncated {
        out.push_str("selfheal: output truncated at the capture limit\n");
    }
    let _ = writeln!(
        out,
        "selfheal: {:?}, exit code {}, {:.0} ms wall, {:.0} ms CPU, peak {} KiB",
        outcome.termination,
        outcome
            .exit_code
            .map_or_else(|| "-".to_string(), |c| c.to_string()),
        outcome.wall_time.as_secs_f64() * 1000.0,
        outcome.cpu_time.as_secs_f64() * 1000.0,
        outcome.peak_memory_bytes / 1024
    );
    out
}

/// `selfheal doctor`: the sandbox (`None`: usable), then each toolchain.
pub fn doctor(entries: &[DoctorEntry], sandbox: Option<&dyn std::fmt::Display>) -> String {
    let mut out = match sandbox {
        None => "sandbox: ok\n".to_string(),
        Some(e) => format!("sandbox: UNAVAILABLE: {e}\n"),
    };
    for entry in entries {
        let _ = writeln!(out, "{entry}");
    }
    out
}

/// The learned template prelude: learned lines and candidates with their counts.
pub fn prelude(snapshot: &BTreeMap<TargetLanguage, LanguagePrelude>, threshold: u32) -> String {
    if snapshot
        .values()
        .all(|p| p.learned() == 0 && p.candidates.is_empty())
    {
        return "prelude: nothing learned yet\n".to_string();
    }
    let mut out = format!("prelude (a line is learned after {threshold} heals insert it):\n");
    for (language, p) in snapshot {
        let language = language.to_string();
        for line in &p.lines {
            let _ = writeln!(out, "  {language:<10} learned    {line}");
        }
        for a in &p.anchored {
            let _ = writeln!(
                out,
                "  {language:<10} learned    {} (before `{}`)",
                a.line, a.before
            );
        }
        for (key, count) in &p.candidates {
            let line = match key.split_once('\n') {
                Some((line, before)) => format!("{line} (before `{before}`)"),
                None => key.clone(),
            };
            let _ = writeln!(out, "  {language:<10} seen {count}/{threshold} {line}");
        }
    }
    out
}

fn hit_rate(stats: &CacheStats) -> Option<String> {
    stats.hit_rate.map(|r| format!("{:.1}%", r * 100.0))
}

/// `selfheal cache stats`. `now_unix` dates the oldest entry.
pub fn cache_stats(path: &Path, stats: &CacheStats, now_unix: u64) -> String {
    let oldest = stats.oldest_entry_unix.map_or_else(
        || "-".to_string(),
        |t| format!("{}s ago (unix {t})", now_unix.saturating_sub(t)),
    );
    format!(
        "cache: {}\nentries: {}\nbytes: {} (max {})\nhits: {}, misses: {}, hit rate: {}\noldest entry: {oldest}\n",
        path.display(),
        stats.entries,
        stats.bytes,
        stats.max_bytes,
        stats.hits,
        stats.misses,
        hit_rate(stats).unwrap_or_else(|| "-".to_string()),
    )
}

/// `selfheal cache gc`.
pub fn cache_gc(report: &GcReport) -> String {
    format!(
        "checked {} entries: {} corrupt removed, {} evicted; now {} entries, {} bytes\n",
        report.checked, report.corrupt_removed, report.evicted, report.entries, report.bytes
    )
}

/// One row of the learner's table.
#[derive(Debug, Clone, Serialize)]
pub struct LearnedRow {
    pub language: TargetLanguage,
    pub signature: String,
    pub strategy: String,
    pub attempts: u64,
    /// Fixes on the path of a heal that ended passing.
    pub successes: u64,
    /// Fixes the heal loop rejected (`attempts - successes`).
    pub failures: u64,
    /// The learned confidence from a neutral prior of 0.5 (see [`crate::learn`]).
    pub confidence: f64,
}

/// Everything `selfheal stats` shows about a data dir.
#[derive(Debug, Clone, Serialize)]
pub struct DataDirStats {
    // Fields in key order: the JSON reads the same as a `serde_json::Map` of them.
    /// The validation cache's statistics; `None` when there is no cache, `Err` when it
    /// cannot be opened (another process holds it).
    #[serde(serialize_with = "cache_json")]
    pub cache: Option<Result<CacheStats, String>>,
    pub data_dir: PathBuf,
    pub health: HealthMetrics,
    pub learner: Vec<LearnedRow>,
    pub prelude: BTreeMap<TargetLanguage, LanguagePrelude>,
    #[serde(skip)]
    pub prelude_threshold: u32,
}

fn cache_json<S: serde::Serializer>(
    cache: &Option<Result<CacheStats, String>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match cache {
        Some(Ok(stats)) => stats.serialize(s),
        Some(Err(e)) => serde_json::json!({ "error": e }).serialize(s),
        None => s.serialize_none(),
    }
}

impl DataDirStats {
    /// Reads the outcome log, the learner, the prelude and (only if it exists: this never
    /// creates one) the validation cache of `data_dir`.
    pub fn gather(data_dir: &Path) -> DataDirStats {
        let prelude = Prelude::open(data_dir);
        let learner = Learner::open(data_dir)
            .entries()
            .into_iter()
            .map(|e| LearnedRow {
                confidence: e.confidence(0.5),
                language: e.language,
                signature: e.signature,
                strategy: e.strategy,
                attempts: e.attempts,
                successes: e.successes,
                failures: e.attempts.saturating_sub(e.successes),
            })
            .collect();
        let cache_config = CacheConfig::in_data_dir(data_dir);
        let cache = cache_config.path.exists().then(|| {
            ValidationCache::open(&cache_config)
                .map(|cache| cache.stats())
                .map_err(|e| e.to_string())
        });
        DataDirStats {
            data_dir: data_dir.to_path_buf(),
            health: OutcomeLog::open(Some(data_dir)).health(),
            learner,
            prelude: prelude.snapshot(),
            prelude_threshold: prelude.threshold(),
            cache,
        }
    }

    /// The human text of `selfheal stats`.
    pub fn render(&self) -> String {
        let h = &self.health;
        let mut out = format!(
            "data dir: {}\ngenerations: {} ({} passing, success rate {:.1}%)\n\
             repairs: {} ({:.2} per generation); average heal time {:.0} ms; confidence score {:.3}\n\n",
            self.data_dir.display(),
            h.total_generations,
            h.successful_generations,
            h.generation_success_rate * 100.0,
            h.total_repairs,
            h.average_repairs_per_generation,
            h.average_heal_time_ms,
            h.confidence_score
        );
        if self.learner.is_empty() {
            out.push_str("learner: nothing learned yet\n");
        } else {
            let _ = writeln!(
                out,
                "{:<10} {:<40} {:<32} {:>8} {:>9} {:>8} {:>10}",
                "language",
                "signature",
                "strategy",
                "attempts",
                "successes",
                "failures",
                "confidence"
            );
            for row in &self.learner {
                let _ = writeln!(
                    out,
                    "{:<10} {:<40} {:<32} {:>8} {:>9} {:>8} {:>10.3}",
                    row.language.to_string(),
                    row.signature,
                    row.strategy,
                    row.attempts,
                    row.successes,
                    row.failures,
                    row.confidence
                );
            }
        }
        out.push('\n');
        out.push_str(&prelude(&self.prelude, self.prelude_threshold));
        match &self.cache {
            Some(Ok(stats)) => {
                let _ = writeln!(
                    out,
                    "\nvalidation cache: {} entries, {} bytes (max {}); {} hits, {} misses{}",
                    stats.entries,
                    stats.bytes,
                    stats.max_bytes,
                    stats.hits,
                    stats.misses,
                    hit_rate(stats).map_or_else(String::new, |r| format!(" ({r} hit rate)"))
                );
            }
            Some(Err(e)) => {
                let _ = writeln!(out, "\nvalidation cache: cannot open: {e}");
            }
            None => {}
        }
        out
    }
}

/// One plugin, as `selfheal plugin list` and `plugin check` show it.
#[derive(Serialize)]
pub struct PluginRow<'a> {
    #[serde(flatten)]
    pub info: &'a PluginInfo,
    pub kind: PluginKind,
    pub file: Option<&'a Path>,
}

impl<'a> PluginRow<'a> {
    pub fn new(plugin: &'a Plugin) -> PluginRow<'a> {
        PluginRow {
            info: plugin.info(),
            kind: plugin.kind(),
            file: plugin.path(),
        }
    }

    /// The languages it serves, comma-separated, or `all`.
    pub fn languages(&self) -> String {
        if self.info.languages.is_empty() {
            "all".to_string()
        } else {
            let names: Vec<&str> = self.info.languages.iter().map(|l| l.name()).collect();
            names.join(",")
        }
    }

    /// `plugin check`: one `key: value` line per field.
    pub fn details(&self) -> String {
        format!(
            "name: {}\nversion: {}\nkind: {}\nlanguages: {}\ndescription: {}\ninterface: selfheal:plugin@{}\n",
            self.info.name,
            self.info.version,
            self.kind,
            self.languages(),
            self.info.description,
            crate::plugin::INTERFACE_VERSION
        )
    }
}

/// `plugin list`: a table of plugins, then the files that did not load.
pub fn plugin_table(rows: &[PluginRow<'_>], not_loaded: &[impl std::fmt::Display]) -> String {
    let mut out = format!(
        "{:<24} {:<10} {:<13} {:<24} {:<32} description\n",
        "name", "version", "kind", "languages", "file"
    );
    for row in rows {
        let _ = writeln!(
            out,
            "{:<24} {:<10} {:<13} {:<24} {:<32} {}",
            row.info.name,
            row.info.version,
            row.kind.to_string(),
            row.languages(),
            row.file
                .map_or_else(String::new, |f| f.display().to_string()),
            row.info.description
        );
    }
    for error in not_loaded {
        let _ = writeln!(out, "not loaded: {error}");
    }
    out
}

/// Fixes, numbered, each with its edits (`file start..end -> "replacement"`).
pub fn fixes(fixes: &[Fix]) -> String {
    if fixes.is_empty() {
        return "no fixes\n".to_string();
    }
    let mut out = String::new();
    for (i, fix) in fixes.iter().enumerate() {
        let _ = writeln!(
            out,
            "{}. {} (confidence {:.2})",
            i + 1,
            fix.description,
            fix.confidence
        );
        for edit in &fix.edits {
            let _ = writeln!(
                out,
                "   {} {}..{} -> {:?}",
                edit.file, edit.byte_start, edit.byte_end, edit.replacement
            );
        }
    }
    out
}

/// `selfheal heal`'s text: the report's summary and diff, each file written, and a reminder
/// when a repaired program was not written (`write_requested` false).
pub fn heal(
    report: &crate::heal::HealReport,
    written: &[PathBuf],
    write_requested: bool,
) -> String {
    let mut text = report.summary();
    if !report.diff.is_empty() {
        text = format!("{text}\n{}", report.diff);
    }
    wrote(&mut text, written);
    if report.healed && !report.initially_passing && !write_requested {
        text.push_str("(not written; pass --write to save the healed files)\n");
    }
    text
}

/// One `wrote PATH` line per file written.
fn wrote(text: &mut String, written: &[PathBuf]) {
    for path in written {
        let _ = writeln!(text, "wrote {}", path.display());
    }
}

/// `selfheal generate`'s text: the report's summary, each file written, and a reminder when
/// there was nowhere to write (`out_given` false).
pub fn generation(
    report: &crate::generate::GenerationReport,
    written: &[PathBuf],
    out_given: bool,
) -> String {
    let mut text = report.summary();
    wrote(&mut text, written);
    if !out_given {
        text.push_str("(not written; pass --out DIR to save the program)\n");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{CodeError, ErrorType, Termination};
    use std::time::Duration;

    fn step(step: &str, ms: u64) -> StepOutcome {
        StepOutcome {
            step: step.into(),
            command: vec![],
            exit_code: Some(1),
            signal: None,
            termination: Termination::Exited,
            wall_time: Duration::from_millis(ms),
            cpu_time: Duration::from_millis(ms / 2),
            peak_memory_bytes: 4096,
            stdout: String::new(),
            stderr: String::new(),
            stdout_truncated: false,
            stderr_truncated: true,
        }
    }

    #[test]
    fn validation_ends_with_the_verdict_line() {
        let mut error = CodeError::new(ErrorType::UndefinedVariable, "name 'x' is not defined");
        error.notes.push("did you mean `y`?".into());
        let result = ValidationResult {
            passed: false,
            language: TargetLanguage::Python,
            errors: vec![error.clone()],
            duration: Duration::ZERO,
            output: String::new(),
            steps: vec![step("check", 12), step("test", 40)],
            cached: false,
            tests: Vec::new(),
        };
        assert_eq!(
            validation(&result),
            format!(
                "{error}\n  = did you mean `y`?\npython: FAILED (1 error; check 12ms, test 40ms)\n"
            )
        );
    }

    #[test]
    fn per_test_evidence_comes_before_the_verdict() {
        let mut failed = TestReport::new("test_calc.py::test_add", TestOutcome::Failed);
        failed.assertion = Some(crate::types::Location::new("test_calc.py", 5, 5));
        failed.message = Some("AssertionError".into());
        failed.expected = Some("5".into());
        failed.actual = Some("-1".into());
        let result = ValidationResult {
            passed: false,
            language: TargetLanguage::Python,
            errors: Vec::new(),
            duration: Duration::ZERO,
            output: String::new(),
            steps: vec![step("test", 40)],
            cached: false,
            tests: vec![
                failed,
                TestReport::new("test_calc.py::test_zero", TestOutcome::Passed),
                TestReport::new("test_calc.py::test_big", TestOutcome::Incomplete),
            ],
        };
        assert_eq!(
            validation(&result),
            "tests: 1 of 3 passed (1 failed, 1 incomplete)\n  \
             FAILED test_calc.py::test_add at test_calc.py:5:5: AssertionError\n    \
             expected 5, actual -1\n  \
             INCOMPLETE test_calc.py::test_big\n\
             python: FAILED (0 errors; test 40ms)\n"
        );
    }

    #[test]
    fn run_outcome_reports_truncation_and_figures() {
        assert_eq!(
            run_outcome(&step("run", 10)),
            "selfheal: output truncated at the capture limit\n\
             selfheal: Exited, exit code 1, 10 ms wall, 5 ms CPU, peak 4 KiB\n"
        );
    }

    #[test]
    fn fixes_are_numbered_or_none() {
        assert_eq!(fixes(&[]), "no fixes\n");
    }
}
