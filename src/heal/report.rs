//! The repair history: what the heal loop tried, what it kept, and where it ended.

use serde::{Deserialize, Serialize};

use super::model::ModelUse;
use crate::program::Program;
use crate::types::CodeError;

/// Why the loop stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The program passed before any repair.
    AlreadyPassing,
    /// A candidate passed.
    Healed,
    /// Every kept program was expanded and no strategy proposed a new, applicable fix.
    NoCandidates,
    /// `max_retries` rounds ran without a passing program.
    MaxRetries,
    /// The wall-clock budget ran out.
    Timeout,
}

/// One candidate: a fix applied to a program the loop had kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    /// 1-based round in which it was tried.
    pub round: u32,
    /// The kept program it was derived from (0 is the original).
    pub parent: usize,
    /// Its own number among kept programs, when kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<usize>,
    /// Signatures of the parent's errors.
    pub errors_before: Vec<String>,
    /// Signature(s) of the error(s) the fix targeted.
    pub targets: Vec<String>,
    /// The strategy id (`heal.combined` for the top fixes of several errors applied together).
    pub strategy: String,
    /// For `heal.combined`: the strategies of the fixes it combines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub combined_from: Vec<String>,
    /// What the fix does, in words (the strategy's description).
    pub description: String,
    /// The confidence it was ranked by (learned; see [`crate::learn`]).
    pub confidence: f64,
    /// The strategy's own confidence, before learning.
    pub strategy_confidence: f64,
    /// Unified diff of the candidate against its parent.
    pub diff: String,
    /// Signatures of the candidate's errors; `None` when it was never validated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors_after: Option<Vec<String>>,
    /// Errors the candidate revealed: hidden behind the errors it fixed, reported now that
    /// they are gone (`file:line:col: message`). Such a candidate is kept as progress.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revealed: Vec<String>,
    /// Validation time of the candidate.
    pub duration_ms: f64,
    /// The candidate passed (the heal ended with it).
    pub passed: bool,
    /// The candidate made progress and joined the search (see [`super::Verdict`]).
    pub kept: bool,
    /// Why it was kept or not (progress made, errors added, refused, not applicable…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Its part in a batched run ([`crate::repair::batch`]), if it was in one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<BatchRole>,
}

impl Attempt {
    /// An attempt of round `round` on the kept program `parent` (whose errors have the
    /// signatures `errors_before`), before anything is known of it: no fix described, no
    /// diff, not validated, not kept, no reason.
    pub(super) fn unvalidated(round: u32, parent: usize, errors_before: Vec<String>) -> Attempt {
        Attempt {
            round,
            parent,
            node: None,
            errors_before,
            targets: Vec::new(),
            strategy: String::new(),
            combined_from: Vec::new(),
            description: String::new(),
            confidence: 0.0,
            strategy_confidence: 0.0,
            diff: String::new(),
            errors_after: None,
            revealed: Vec::new(),
            duration_ms: 0.0,
            passed: false,
            kept: false,
            reason: None,
            batch: None,
        }
    }
}

/// What a batched run (a filter) did with a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchRole {
    /// It failed its tests in the batch: judged on the batch's evidence, never validated alone.
    Filtered,
    /// It passed in the batch, then was validated alone in a fresh sandbox: its verdict is
    /// that validation's.
    Revalidated,
}

/// Everything a heal did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealReport {
    /// The final program passes (true as well when it passed to begin with).
    pub healed: bool,
    /// The original program passed: nothing was tried.
    pub initially_passing: bool,
    /// Why the search ended.
    pub stop_reason: StopReason,
    /// Rounds that validated at least one candidate.
    pub rounds: u32,
    /// Every candidate tried, in order, kept or not.
    pub attempts: Vec<Attempt>,
    /// The passing program when healed; otherwise the kept program with the fewest errors
    /// (the original when nothing helped).
    pub final_program: Program,
    /// The errors the final program still has.
    pub final_errors: Vec<CodeError>,
    /// Unified diff of the final program against the original.
    pub diff: String,
    /// Wall-clock time of the whole heal.
    pub duration_ms: f64,
    /// Validations run, the original's and the formatted program's (see `format`) included
    /// (a batched run's candidates are not validations: see `batch_runs`).
    pub validations: usize,
    /// Batched runs of behaviour-repair candidates (`crate::repair::batch`), each one
    /// sandbox run judging several candidates as a filter.
    #[serde(default)]
    pub batch_runs: usize,
    /// Candidates those batched runs judged.
    #[serde(default)]
    pub batch_judged: usize,
    /// Candidates not validated because an identical program had been validated already.
    pub duplicates_skipped: usize,
    /// Fixes refused because they would have changed a protected file.
    pub protected_refusals: usize,
    /// Strategies whose fixes are in the final program, in the order they were applied.
    pub strategies_kept: Vec<String>,
    /// The original program's errors.
    pub initial_errors: Vec<CodeError>,
    /// Their categories (`ErrorType` labels), de-duplicated, in order of appearance.
    pub initial_error_categories: Vec<String>,
    /// The model's requests and token usage, when the healer has a model (`heal --model`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelUse>,
    /// The formatting of the lines the heal wrote (`crate::format`); `None` when the heal did
    /// not pass, changed nothing, or formatting is off (`Healer::with_formatting`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<crate::format::FormatReport>,
}

impl HealReport {
    /// Number of fixes in the final program (the path from the original to it).
    pub fn repairs(&self) -> usize {
        self.strategies_kept.len()
    }

    /// A short human-readable history: one line per attempt, then the outcome.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        if self.initially_passing {
            out.push_str("the program already passes; nothing to heal\n");
            return out;
        }
        for e in &self.initial_errors {
            out.push_str(&format!("error: {e}\n"));
        }
        for a in &self.attempts {
            let verdict = if a.passed {
                "PASSES".to_string()
            } else if a.kept {
                "kept".to_string()
            } else {
                "dropped".to_string()
            };
            out.push_str(&format!(
                "round {} [{}] {} (confidence {:.2}): {}",
                a.round, a.strategy, a.description, a.confidence, verdict
            ));
            if let Some(reason) = &a.reason {
                out.push_str(&format!(": {reason}"));
            }
            out.push('\n');
        }
        let outcome = match self.stop_reason {
            StopReason::Healed => "healed".to_string(),
            StopReason::AlreadyPassing => "already passing".to_string(),
            StopReason::NoCandidates => "NOT healed: no strategy has a fix left to try".to_string(),
            StopReason::MaxRetries => format!("NOT healed: {} rounds spent", self.rounds),
            StopReason::Timeout => "NOT healed: time budget spent".to_string(),
        };
        out.push_str(&format!(
            "{outcome} ({} round{}, {} validation{}, {:.0} ms)\n",
            self.rounds,
            if self.rounds == 1 { "" } else { "s" },
            self.validations,
            if self.validations == 1 { "" } else { "s" },
            self.duration_ms
        ));
        if let Some(m) = &self.model {
            out.push_str(&format!(
                "model {}: {} request{} ({} usable), {} prompt + {} completion = {} tokens\n",
                m.name,
                m.requests,
                if m.requests == 1 { "" } else { "s" },
                m.usable_replies,
                m.usage.prompt_tokens,
                m.usage.completion_tokens,
                m.usage.total_tokens
            ));
        }
        if let Some(f) = &self.format {
            out.push_str(&format_line(f));
        }
        if !self.healed {
            for e in &self.final_errors {
                out.push_str(&format!("remaining: {e}\n"));
            }
        }
        out
    }
}

/// One line on the formatting of the healed lines.
fn format_line(f: &crate::format::FormatReport) -> String {
    use crate::format::FormatStatus;
    let by = f
        .formatter
        .as_deref()
        .map_or_else(String::new, |name| format!(" by {name}"));
    match f.status {
        FormatStatus::Formatted => format!(
            "formatted the healed lines{by} in {} ({:.0} ms, {:.0} ms to validate again)\n",
            f.files.join(", "),
            f.duration_ms,
            f.revalidation_ms
        ),
        FormatStatus::AlreadyFormatted => format!("the healed lines are already formatted{by}\n"),
        FormatStatus::Skipped => format!(
            "not formatted{by}: {}\n",
            f.reason.as_deref().unwrap_or("no reason given")
        ),
    }
}
