//! Evaluation: heal every case of a corpus (`docs/corpus-format.md`) and say how many healed.
//!
//! CONTRACT: [`EvalOptions`], [`CaseResult`] (one line of `RESULTS.jsonl`), [`GroupStats`],
//! [`EvalSummary`], `run(cases, Arc<Healer>, &EvalOptions, on_result) -> Vec<CaseResult>`,
//! `summarize(&[CaseResult], &[MalformedLine]) -> EvalSummary`, `render_table(&EvalSummary)`.
//!
//! In the tables, `healed` counts the cases that failed at first and pass after the heal, and
//! `rate` is `healed / (cases − initially passing)`: the share of the cases that needed a repair
//! and got one. `median ms` is the median heal duration over all cases of the group.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::corpus::{HealCase, MalformedLine};
use crate::heal::{HealReport, Healer, StopReason};

/// How to run an evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalOptions {
    /// Cases healed at the same time (validations are limited by the healer's own `jobs`).
    pub jobs: usize,
    /// Put each case's final files in its result.
    pub keep_code: bool,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
            keep_code: false,
        }
    }
}

/// What happened to one case: a line of the results file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseResult {
    pub id: String,
    pub language: String,
    /// The final program passes (also true when it passed to begin with).
    pub healed: bool,
    /// It passed before any repair.
    pub initially_passing: bool,
    /// Candidates tried (validated or refused).
    pub attempts: usize,
    pub rounds: u32,
    pub validations: usize,
    pub duration_ms: f64,
    /// Categories (`ErrorType` labels) of the errors before healing.
    pub initial_error_categories: Vec<String>,
    /// Strategies whose fixes are in the final program.
    pub strategies_kept: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<StopReason>,
    /// Signatures of the errors the final program still has.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub final_errors: Vec<String>,
    /// Why the heal itself failed (the case could not be validated, or the heal panicked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub meta: serde_json::Value,
    /// The final files, with `--keep-code`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<BTreeMap<String, String>>,
}

impl CaseResult {
    fn from_report(case: &HealCase, report: &HealReport, keep_code: bool) -> CaseResult {
        CaseResult {
            id: case.id.clone(),
            language: case.language.clone(),
            healed: report.healed,
            initially_passing: report.initially_passing,
            attempts: report.attempts.len(),
            rounds: report.rounds,
            validations: report.validations,
            duration_ms: report.duration_ms,
            initial_error_categories: report.initial_error_categories.clone(),
            strategies_kept: report.strategies_kept.clone(),
            stop_reason: Some(report.stop_reason),
            final_errors: report
                .final_errors
                .iter()
                .map(crate::learn::signature)
                .collect(),
            error: None,
            meta: case.meta.clone(),
            files: keep_code.then(|| report.final_program.files().clone()),
        }
    }

    fn failed(case: &HealCase, error: String, duration_ms: f64) -> CaseResult {
        CaseResult {
            id: case.id.clone(),
            language: case.language.clone(),
            healed: false,
            initially_passing: false,
            attempts: 0,
            rounds: 0,
            validations: 0,
            duration_ms,
            initial_error_categories: Vec::new(),
            strategies_kept: Vec::new(),
            stop_reason: None,
            final_errors: Vec::new(),
            error: Some(error),
            meta: case.meta.clone(),
            files: None,
        }
    }

    /// Needed a repair and got one.
    pub fn repaired(&self) -> bool {
        self.healed && !self.initially_passing
    }

    /// `meta.category`, or `-`.
    pub fn category(&self) -> &str {
        self.meta
            .get("category")
            .and_then(|c| c.as_str())
            .unwrap_or("-")
    }
}

/// Heals every case, at most `options.jobs` at a time. `on_result` sees each result as it
/// completes (for progress and streaming output); the returned results are in corpus order.
/// A case whose heal fails or panics gets a result with `error` set; the run goes on.
pub async fn run(
    cases: Vec<HealCase>,
    healer: Arc<Healer>,
    options: &EvalOptions,
    mut on_result: impl FnMut(&CaseResult),
) -> Vec<CaseResult> {
    let permits = Arc::new(Semaphore::new(options.jobs.max(1)));
    let keep_code = options.keep_code;
    let cases: Vec<Arc<HealCase>> = cases.into_iter().map(Arc::new).collect();
    let mut tasks = JoinSet::new();
    for (index, case) in cases.iter().enumerate() {
        let case = Arc::clone(case);
        let healer = Arc::clone(&healer);
        let permits = Arc::clone(&permits);
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let started = Instant::now();
            // The heal runs in its own task so that a panic in it is caught and reported.
            let inner = {
                let case = Arc::clone(&case);
                tokio::spawn(async move {
                    let program = case.program().map_err(|e| e.to_string())?;
                    healer
                        .heal_expecting(&program, case.expect)
                        .await
                        .map_err(|e| e.to_string())
                })
            };
            let elapsed = || started.elapsed().as_secs_f64() * 1000.0;
            let result = match inner.await {
                Ok(Ok(report)) => CaseResult::from_report(&case, &report, keep_code),
                Ok(Err(message)) => CaseResult::failed(&case, message, elapsed()),
                Err(join) if join.is_panic() => {
                    let payload = join.into_panic();
                    let message = payload
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_else(|| "unknown panic".to_string());
                    CaseResult::failed(&case, format!("the heal panicked: {message}"), elapsed())
                }
                Err(join) => {
                    CaseResult::failed(&case, format!("the heal was cancelled: {join}"), elapsed())
                }
            };
            (index, result)
        });
    }
    let mut results: Vec<Option<CaseResult>> = (0..cases.len()).map(|_| None).collect();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((index, result)) => {
                on_result(&result);
                results[index] = Some(result);
            }
            // The outer task only awaits the inner one; it cannot panic on its own.
            Err(e) => tracing::error!("an evaluation task failed: {e}"),
        }
    }
    results
        .into_iter()
        .zip(&cases)
        .map(|(result, case)| {
            result.unwrap_or_else(|| {
                CaseResult::failed(case, "the evaluation task failed".into(), 0.0)
            })
        })
        .collect()
}

/// Counts for one group of cases (a language, a category, or all).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupStats {
    pub group: String,
    pub cases: usize,
    pub initially_passing: usize,
    /// Failed at first and pass after the heal.
    pub healed: usize,
    /// Heals that could not run (validation failure, panic).
    pub errors: usize,
    /// `healed / (cases − initially_passing)`; `None` when every case passed at first.
    pub rate: Option<f64>,
    pub median_ms: f64,
}

impl GroupStats {
    fn of<'a>(group: &str, results: impl Iterator<Item = &'a CaseResult>) -> GroupStats {
        let results: Vec<&CaseResult> = results.collect();
        let cases = results.len();
        let initially_passing = results.iter().filter(|r| r.initially_passing).count();
        let healed = results.iter().filter(|r| r.repaired()).count();
        let errors = results.iter().filter(|r| r.error.is_some()).count();
        let needed = cases - initially_passing;
        let mut times: Vec<f64> = results.iter().map(|r| r.duration_ms).collect();
        times.sort_by(f64::total_cmp);
        let median_ms = match times.len() {
            0 => 0.0,
            n if n % 2 == 1 => times[n / 2],
            n => (times[n / 2 - 1] + times[n / 2]) / 2.0,
        };
        GroupStats {
            group: group.to_string(),
            cases,
            initially_passing,
            healed,
            errors,
            rate: (needed > 0).then(|| healed as f64 / needed as f64),
            median_ms,
        }
    }
}

/// The whole evaluation in numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalSummary {
    pub overall: GroupStats,
    pub by_language: Vec<GroupStats>,
    pub by_category: Vec<GroupStats>,
    /// Lines of the corpus that were skipped.
    pub malformed: Vec<MalformedLine>,
    /// Cases whose heal could not run, with the reason.
    pub failed_cases: Vec<(String, String)>,
}

pub fn summarize(results: &[CaseResult], malformed: &[MalformedLine]) -> EvalSummary {
    let languages: BTreeSet<&str> = results.iter().map(|r| r.language.as_str()).collect();
    let categories: BTreeSet<&str> = results.iter().map(CaseResult::category).collect();
    EvalSummary {
        overall: GroupStats::of("all", results.iter()),
        by_language: languages
            .into_iter()
            .map(|l| GroupStats::of(l, results.iter().filter(|r| r.language == l)))
            .collect(),
        by_category: categories
            .into_iter()
            .map(|c| GroupStats::of(c, results.iter().filter(|r| r.category() == c)))
            .collect(),
        malformed: malformed.to_vec(),
        failed_cases: results
            .iter()
            .filter_map(|r| r.error.as_ref().map(|e| (r.id.clone(), e.clone())))
            .collect(),
    }
}

/// The summary as text tables: by language, by category, then the total.
pub fn render_table(summary: &EvalSummary) -> String {
    let mut out = String::new();
    let header = |out: &mut String, title: &str| {
        out.push_str(&format!(
            "{:<14} {:>6} {:>8} {:>7} {:>7} {:>10}\n",
            title, "cases", "passing", "healed", "rate", "median ms"
        ));
    };
    let row = |out: &mut String, g: &GroupStats| {
        let rate = g
            .rate
            .map_or_else(|| "-".to_string(), |r| format!("{:.1}%", r * 100.0));
        out.push_str(&format!(
            "{:<14} {:>6} {:>8} {:>7} {:>7} {:>10.0}\n",
            g.group, g.cases, g.initially_passing, g.healed, rate, g.median_ms
        ));
    };
    header(&mut out, "language");
    for g in &summary.by_language {
        row(&mut out, g);
    }
    out.push('\n');
    header(&mut out, "category");
    for g in &summary.by_category {
        row(&mut out, g);
    }
    out.push('\n');
    row(&mut out, &summary.overall);
    out.push_str(
        "(passing: passed before any repair; healed: failed, then passed after the heal; \
         rate: healed / cases that failed)\n",
    );
    for (id, error) in &summary.failed_cases {
        out.push_str(&format!("case {id}: heal failed: {error}\n"));
    }
    for m in &summary.malformed {
        out.push_str(&format!("line {}: skipped: {}\n", m.line, m.message));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(
        id: &str,
        lang: &str,
        cat: &str,
        healed: bool,
        initially: bool,
        ms: f64,
    ) -> CaseResult {
        CaseResult {
            id: id.into(),
            language: lang.into(),
            healed,
            initially_passing: initially,
            attempts: 0,
            rounds: 0,
            validations: 1,
            duration_ms: ms,
            initial_error_categories: Vec::new(),
            strategies_kept: Vec::new(),
            stop_reason: None,
            final_errors: Vec::new(),
            error: None,
            meta: serde_json::json!({ "category": cat }),
            files: None,
        }
    }

    #[test]
    fn summarizes_by_language_and_category() {
        let results = vec![
            result("a", "go", "Syntax", true, false, 10.0),
            result("b", "go", "Logic", false, false, 30.0),
            result("c", "rust", "Syntax", true, true, 20.0),
            result("d", "rust", "Syntax", true, false, 40.0),
        ];
        let malformed = vec![MalformedLine {
            line: 3,
            message: "invalid case".into(),
        }];
        let s = summarize(&results, &malformed);
        assert_eq!(
            (
                s.overall.cases,
                s.overall.initially_passing,
                s.overall.healed
            ),
            (4, 1, 2)
        );
        assert_eq!(s.overall.rate, Some(2.0 / 3.0));
        assert_eq!(s.overall.median_ms, 25.0);
        assert_eq!(s.by_language[0].group, "go");
        assert_eq!(s.by_language[0].rate, Some(0.5));
        assert_eq!(s.by_category[0].group, "Logic");
        assert_eq!(s.by_category[1].healed, 2);
        let table = render_table(&s);
        assert!(table.contains("Syntax"), "{table}");
        assert!(table.contains("66.7%"), "{table}");
        assert!(table.contains("line 3: skipped: invalid case"), "{table}");
    }
}
