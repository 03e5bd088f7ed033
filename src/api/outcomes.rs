//! The outcome log (one [`Outcome`] per heal, JSON Lines in the data dir) and the
//! [`HealthMetrics`] computed from it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::heal::HealReport;
use crate::types::TargetLanguage;

/// The outcome log inside the data dir (JSON Lines, one [`Outcome`] per heal).
pub const OUTCOME_LOG: &str = "outcomes.jsonl";

/// One recorded heal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Milliseconds since the Unix epoch.
    pub at_ms: u64,
    pub language: TargetLanguage,
    pub healed: bool,
    pub initially_passing: bool,
    /// Fixes in the final program.
    pub repairs: usize,
    pub duration_ms: f64,
    pub validations: usize,
}

/// How well healing has gone, computed from the recorded outcomes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthMetrics {
    /// `successful_generations / total_generations` (0 when there are none).
    pub generation_success_rate: f64,
    /// `total_repairs / total_generations` (0 when there are none).
    pub average_repairs_per_generation: f64,
    /// Mean heal duration, in milliseconds (0 when there are none).
    pub average_heal_time_ms: f64,
    /// The probability that the next generation ends passing, as the posterior mean of a
    /// Beta(1, 1) (uniform) prior updated with the outcomes (Laplace's rule of succession):
    /// `(successful_generations + 1) / (total_generations + 2)`. 0.5 with no history; unlike
    /// the raw rate it never claims certainty from a handful of outcomes.
    pub confidence_score: f64,
    pub total_generations: u64,
    /// Generations whose final program passes (healed, or passing from the start).
    pub successful_generations: u64,
    /// Fixes kept in final programs, over all generations.
    pub total_repairs: u64,
}

impl HealthMetrics {
    pub fn from_outcomes(outcomes: &[Outcome]) -> HealthMetrics {
        let total = outcomes.len() as u64;
        let successful = outcomes.iter().filter(|o| o.healed).count() as u64;
        let repairs: u64 = outcomes.iter().map(|o| o.repairs as u64).sum();
        let time: f64 = outcomes.iter().map(|o| o.duration_ms).sum();
        let per = |x: f64| if total == 0 { 0.0 } else { x / total as f64 };
        HealthMetrics {
            generation_success_rate: per(successful as f64),
            average_repairs_per_generation: per(repairs as f64),
            average_heal_time_ms: per(time),
            confidence_score: (successful as f64 + 1.0) / (total as f64 + 2.0),
            total_generations: total,
            successful_generations: successful,
            total_repairs: repairs,
        }
    }
}

impl Outcome {
    /// The outcome of one heal, stamped now.
    pub fn from_report(report: &HealReport, language: TargetLanguage) -> Outcome {
        Outcome {
            at_ms: now_ms(),
            language,
            healed: report.healed,
            initially_passing: report.initially_passing,
            repairs: report.repairs(),
            duration_ms: report.duration_ms,
            validations: report.validations,
        }
    }
}

impl Outcome {
    /// The outcome of one case of `selfheal eval`, stamped now; `None` for a case whose heal
    /// failed to run or whose language is unknown.
    pub fn from_case(result: &crate::eval::CaseResult) -> Option<Outcome> {
        if result.error.is_some() {
            return None;
        }
        Some(Outcome {
            at_ms: now_ms(),
            language: result.language.parse().ok()?,
            healed: result.healed,
            initially_passing: result.initially_passing,
            repairs: result.strategies_kept.len(),
            duration_ms: result.duration_ms,
            validations: result.validations,
        })
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Outcomes in memory, appended to `outcomes.jsonl` in the data dir when it is writable. The
/// generator, `selfheal heal`, `selfheal eval --data-dir` and `selfheal stats` share it.
pub struct OutcomeLog {
    path: Option<PathBuf>,
    outcomes: Mutex<Vec<Outcome>>,
}

impl OutcomeLog {
    /// The log of `data_dir` with every outcome recorded there so far (`None`: in memory).
    pub fn open(data_dir: Option<&Path>) -> OutcomeLog {
        let Some(dir) = data_dir else {
            return OutcomeLog {
                path: None,
                outcomes: Mutex::new(Vec::new()),
            };
        };
        let path = dir.join(OUTCOME_LOG);
        let outcomes = match std::fs::read_to_string(&path) {
            // A line this version cannot read (or a torn last line) is skipped.
            Ok(text) => text
                .lines()
                .filter_map(|line| serde_json::from_str(line).ok())
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => {
                tracing::warn!(
                    "cannot read {}: {e}; starting a new outcome history",
                    path.display()
                );
                Vec::new()
            }
        };
        OutcomeLog {
            path: Some(path),
            outcomes: Mutex::new(outcomes),
        }
    }

    /// Appends one outcome (a write failure is logged; the outcome is still counted in memory).
    pub fn record(&self, outcome: Outcome) {
        if let Some(path) = &self.path {
            if let Err(e) = append_line(path, &outcome) {
                tracing::warn!("cannot append to {}: {e}", path.display());
            }
        }
        self.lock().push(outcome);
    }

    /// Every outcome, oldest first.
    pub fn outcomes(&self) -> Vec<Outcome> {
        self.lock().clone()
    }

    /// Metrics over every outcome.
    pub fn health(&self) -> HealthMetrics {
        HealthMetrics::from_outcomes(&self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Outcome>> {
        self.outcomes.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn append_line(path: &Path, outcome: &Outcome) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut line = serde_json::to_vec(outcome).map_err(std::io::Error::other)?;
    line.push(b'\n');
    // One write of a whole line with O_APPEND: concurrent writers never interleave within it.
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(&line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_follow_the_documented_formulas() {
        let empty = HealthMetrics::from_outcomes(&[]);
        assert_eq!(empty.confidence_score, 0.5);
        assert_eq!(empty.generation_success_rate, 0.0);
        let o = |healed, repairs, ms| Outcome {
            at_ms: 0,
            language: TargetLanguage::Go,
            healed,
            initially_passing: false,
            repairs,
            duration_ms: ms,
            validations: 1,
        };
        let m =
            HealthMetrics::from_outcomes(&[o(true, 2, 100.0), o(true, 1, 50.0), o(false, 0, 30.0)]);
        assert_eq!(m.total_generations, 3);
        assert_eq!(m.successful_generations, 2);
        assert_eq!(m.total_repairs, 3);
        assert!((m.generation_success_rate - 2.0 / 3.0).abs() < 1e-12);
        assert!((m.average_repairs_per_generation - 1.0).abs() < 1e-12);
        assert!((m.average_heal_time_ms - 60.0).abs() < 1e-12);
        assert!((m.confidence_score - 3.0 / 5.0).abs() < 1e-12);
    }

    #[test]
    fn outcome_log_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let log = OutcomeLog::open(Some(dir.path()));
        log.record(Outcome {
            at_ms: 1,
            language: TargetLanguage::Rust,
            healed: true,
            initially_passing: false,
            repairs: 1,
            duration_ms: 5.0,
            validations: 2,
        });
        drop(log);
        std::fs::OpenOptions::new()
            .append(true)
            .open(dir.path().join(OUTCOME_LOG))
            .unwrap()
            .write_all(b"{torn line\n")
            .unwrap();
        let log = OutcomeLog::open(Some(dir.path()));
        assert_eq!(log.lock().len(), 1);
        assert_eq!(log.lock()[0].repairs, 1);
    }
}
