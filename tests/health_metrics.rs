//! Health metrics after a known sequence of heals equal the hand-computed values, also after
//! the data dir is reopened; the CLI's `heal` records outcomes that `stats` reports.

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use selfheal::api::{Outcome, OutcomeLog, OUTCOME_LOG};
use selfheal::heal::{CheckFuture, Checker};
use selfheal::validate::Expect;
use selfheal::{
    CodeError, ErrorType, HealthMetrics, Location, Program, SelfHealingGenerator, TargetLanguage,
    ValidationResult,
};

/// Python's NameError for every name in `UNDEFINED` found in the program.
struct Names;

const UNDEFINED: [&str; 2] = ["reslt", "qqqqqqqq"];

impl Checker for Names {
    fn check<'a>(&'a self, program: &'a Program, _expect: Expect) -> CheckFuture<'a> {
        Box::pin(async move {
            let mut errors = Vec::new();
            for (file, text) in program.files() {
                for (i, line) in text.lines().enumerate() {
                    for name in UNDEFINED {
                        if let Some(col) = line.find(name) {
                            let mut e = CodeError::new(
                                ErrorType::UndefinedVariable,
                                format!("name '{name}' is not defined"),
                            )
                            .with_code("NameError")
                            .with_location(Location::new(
                                file.clone(),
                                i as u32 + 1,
                                col as u32 + 1,
                            ));
                            e.step = "check".into();
                            errors.push(e);
                        }
                    }
                }
            }
            Ok(ValidationResult {
                passed: errors.is_empty(),
                language: program.language(),
                errors,
                duration: Duration::ZERO,
                output: String::new(),
                steps: Vec::new(),
                cached: false,
                tests: Vec::new(),
            })
        })
    }
}

fn generator(dir: &std::path::Path) -> SelfHealingGenerator {
    SelfHealingGenerator::builder()
        .checker(Arc::new(Names))
        .data_dir(dir)
        .max_retries(3)
        .build()
        .unwrap()
}

const FIXABLE: &str = "def total(items):\n    result = 0\n    for item in items:\n        result += item\n    return reslt\n";
const PASSING: &str = "def one():\n    return 1\n";
/// No name in the program is anywhere near `qqqqqqqq`: nothing to propose.
const UNFIXABLE: &str = "def f():\n    return qqqqqqqq\n";

#[tokio::test]
async fn metrics_over_a_known_sequence_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let mut durations = Vec::new();
    {
        let g = generator(dir.path());
        assert_eq!(g.get_health_metrics(), HealthMetrics::from_outcomes(&[]));
        let healed = g.heal((FIXABLE, TargetLanguage::Python)).await.unwrap();
        assert!(healed.healed && !healed.initially_passing);
        assert_eq!(healed.repairs(), 1);
        let passing = g.heal((PASSING, TargetLanguage::Python)).await.unwrap();
        assert!(passing.initially_passing);
        let failed = g.heal((UNFIXABLE, TargetLanguage::Python)).await.unwrap();
        assert!(!failed.healed, "{}", failed.summary());
        durations.extend([healed.duration_ms, passing.duration_ms, failed.duration_ms]);

        let m = g.get_health_metrics();
        assert_eq!(m.total_generations, 3);
        assert_eq!(m.successful_generations, 2);
        assert_eq!(m.total_repairs, 1);
        assert_eq!(m.generation_success_rate, 2.0 / 3.0);
        assert_eq!(m.average_repairs_per_generation, 1.0 / 3.0);
        assert_eq!(
            m.average_heal_time_ms,
            (durations[0] + durations[1] + durations[2]) / 3.0
        );
        // Laplace: (2 + 1) / (3 + 2).
        assert_eq!(m.confidence_score, 0.6);
    }
    // A new generator on the same data dir reads the log back, and goes on from there.
    let g = generator(dir.path());
    let m = g.get_health_metrics();
    assert_eq!(
        (
            m.total_generations,
            m.successful_generations,
            m.total_repairs
        ),
        (3, 2, 1)
    );
    assert_eq!(m.confidence_score, 0.6);
    assert_eq!(
        m.average_heal_time_ms,
        (durations[0] + durations[1] + durations[2]) / 3.0
    );
    g.heal((FIXABLE, TargetLanguage::Python)).await.unwrap();
    let m = g.get_health_metrics();
    assert_eq!(
        (
            m.total_generations,
            m.successful_generations,
            m.total_repairs
        ),
        (4, 3, 2)
    );
    assert_eq!(m.average_repairs_per_generation, 0.5);
    assert_eq!(m.confidence_score, 4.0 / 6.0);
    assert_eq!(OutcomeLog::open(Some(dir.path())).health(), m);
}

fn selfheal() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_selfheal"));
    for (key, _) in std::env::vars() {
        if key.starts_with("OTEL_") {
            cmd.env_remove(key);
        }
    }
    cmd
}

#[test]
fn cli_heals_are_recorded_and_stats_reports_them() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let broken = dir.path().join("broken.py");
    std::fs::write(&broken, FIXABLE).unwrap();
    let fine = dir.path().join("fine.py");
    std::fs::write(&fine, PASSING).unwrap();
    for (file, code) in [(&broken, 0), (&fine, 0)] {
        let out = selfheal()
            .arg("heal")
            .arg(file)
            .arg("--data-dir")
            .arg(&data)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(code),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let outcomes: Vec<Outcome> = std::fs::read_to_string(data.join(OUTCOME_LOG))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(outcomes.len(), 2);
    assert_eq!(
        outcomes
            .iter()
            .map(|o| (o.healed, o.initially_passing, o.repairs))
            .collect::<Vec<_>>(),
        [(true, false, 1), (true, true, 0)]
    );

    let out = selfheal()
        .args(["stats", "--format", "json", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let health: HealthMetrics = serde_json::from_value(stats["health"].clone()).unwrap();
    // Exact: serde_json parses floats back to the very value written (`float_roundtrip`).
    assert_eq!(health, HealthMetrics::from_outcomes(&outcomes));
    assert_eq!(health.total_generations, 2);
    assert_eq!(health.successful_generations, 2);
    assert_eq!(health.total_repairs, 1);
    assert_eq!(health.average_repairs_per_generation, 0.5);
    assert_eq!(health.confidence_score, 0.75);
    let learner = stats["learner"].as_array().unwrap();
    let learned = learner
        .iter()
        .find(|row| row["successes"] == 1)
        .unwrap_or_else(|| panic!("no successful strategy in {learner:?}"));
    assert_eq!(learned["language"], "python");
    assert!(!learned["strategy"].as_str().unwrap().is_empty());
    assert!(learned["confidence"].as_f64().unwrap() > 0.5);
    assert!(learned["attempts"].as_u64().unwrap() >= 1);

    let human = selfheal()
        .args(["stats", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("generations: 2 (2 passing, success rate 100.0%)"),
        "{text}"
    );
    assert!(text.contains("confidence score 0.750"), "{text}");
}
