//! The loop over a fake checker and fake strategies: no sandbox needed.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use super::testing::verdict;
use super::*;
use crate::fix::FixStrategy;
use crate::fix::{Edit, Fix};
use crate::types::CodeError;
use crate::types::{ErrorType, Location, TargetLanguage};

/// "Validates" by looking for markers: `SYN` is a syntax error, `BUGn` an undefined name,
/// `TYPE` a type error, `LOGIC` a failing test; a `main.py` without markers passes. Errors in
/// `test_main.py` are reported too (so a fix there is tempting).
struct Fake {
    calls: AtomicUsize,
}

impl Fake {
    fn new() -> Arc<Fake> {
        Arc::new(Fake {
            calls: AtomicUsize::new(0),
        })
    }
}

fn scan(program: &Program) -> Vec<CodeError> {
    let mut errors = Vec::new();
    for (file, text) in program.files() {
        for (i, line) in text.lines().enumerate() {
            let loc = Location::new(file.clone(), i as u32 + 1, 1);
            for word in line.split(|c: char| !c.is_alphanumeric()) {
                let (t, msg) = if word == "SYN" {
                    (ErrorType::SyntaxError, "invalid syntax".to_string())
                } else if word.starts_with("BUG") {
                    (
                        ErrorType::UndefinedVariable,
                        format!("name `{word}` is not defined"),
                    )
                } else if word == "TYPE" {
                    (
                        ErrorType::TypeMismatch,
                        "expected `int`, found `str`".to_string(),
                    )
                } else if word == "LOGIC" {
                    (ErrorType::TestFailure, "assertion failed".to_string())
                } else {
                    continue;
                };
                errors.push(CodeError::new(t, msg).with_location(loc.clone()));
            }
        }
    }
    // A parser stops at its first syntax error.
    if let Some(first) = errors
        .iter()
        .find(|e| e.error_type == ErrorType::SyntaxError)
    {
        return vec![first.clone()];
    }
    errors
}

impl Checker for Fake {
    fn check<'a>(&'a self, program: &'a Program, _expect: Expect) -> CheckFuture<'a> {
        Box::pin(async move {
            self.calls.fetch_add(1, Ordering::SeqCst);
            Ok(verdict(program, scan(program)))
        })
    }
}

/// Replaces the marker word on the error's line with each of `replacements`.
struct Replace {
    id: &'static str,
    marker: &'static str,
    replacements: Vec<(&'static str, f64)>,
    /// Edit the first marker of the file, whatever the error's line (so that the fixes of
    /// several errors overlap and cannot be combined).
    first_in_file: bool,
}

impl FixStrategy for Replace {
    fn id(&self) -> &str {
        self.id
    }

    fn suggest(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some(loc) = &error.location else {
            return Vec::new();
        };
        let Some(text) = program.files().get(&loc.file) else {
            return Vec::new();
        };
        let line_start: usize = if self.first_in_file {
            0
        } else {
            text.split_inclusive('\n')
                .take(loc.line as usize - 1)
                .map(str::len)
                .sum()
        };
        let line = if self.first_in_file {
            text.as_str()
        } else {
            text[line_start..].lines().next().unwrap_or("")
        };
        let Some(col) = line.find(self.marker) else {
            return Vec::new();
        };
        let start = line_start + col;
        let end = start
            + line[col..]
                .find(|c: char| !c.is_alphanumeric())
                .unwrap_or(line.len() - col);
        self.replacements
            .iter()
            .map(|(r, c)| Fix {
                strategy: self.id.to_string(),
                description: format!("replace with {r}"),
                confidence: *c,
                applicability: crate::fix::FixApplicability::Speculative,
                edits: vec![Edit {
                    file: loc.file.clone(),
                    byte_start: start,
                    byte_end: end,
                    replacement: r.to_string(),
                }],
            })
            .collect()
    }
}

fn engine(strategies: Vec<Replace>) -> FixEngine {
    let mut engine = FixEngine::empty();
    for s in strategies {
        engine.add(Arc::new(s));
    }
    engine
}

/// A test's budgets: `max_retries` rounds of at most `beam` candidates, `jobs` of them at a
/// time, passing meaning `expect`, and a time budget no test reaches.
fn config(max_retries: u32, jobs: usize, beam: usize, expect: Expect) -> HealConfig {
    HealConfig {
        max_retries,
        timeout: Duration::from_secs(600),
        jobs,
        beam,
        // Tests give the round's width explicitly, batched or not.
        batch_beam: beam,
        expect: Some(expect),
    }
}

/// A healer validating with `checker`, learning in memory from scratch.
fn healer_over(checker: Arc<dyn Checker>, engine: FixEngine, config: HealConfig) -> Healer {
    Healer::new(checker, engine, Arc::new(Learner::in_memory()), config)
}

/// A healer over the fake, two jobs at a time, passing meaning the tests pass.
fn healer(fake: &Arc<Fake>, engine: FixEngine, max_retries: u32, beam: usize) -> Healer {
    healer_over(
        fake.clone(),
        engine,
        config(max_retries, 2, beam, Expect::Test),
    )
}

/// The heal passed and left `main.py` as `main`.
#[track_caller]
fn assert_healed_to(report: &HealReport, main: &str) {
    assert!(report.healed, "{}", report.summary());
    assert_eq!(report.final_program.files()["main.py"], main);
}

/// Heals the one-file program whose `main.py` is `text`.
async fn heal_main(healer: &Healer, text: &str) -> HealReport {
    healer.heal(&py(&[("main.py", text)])).await.unwrap()
}

fn py(files: &[(&str, &str)]) -> Program {
    Program::new(
        TargetLanguage::Python,
        files.iter().map(|(a, b)| (a.to_string(), b.to_string())),
    )
    .unwrap()
}

fn replace(
    id: &'static str,
    marker: &'static str,
    replacements: Vec<(&'static str, f64)>,
) -> Replace {
    Replace {
        id,
        marker,
        replacements,
        first_in_file: false,
    }
}

/// One strategy for undefined names, offering `replacements` for the marker `BUG`.
fn names_engine(replacements: Vec<(&'static str, f64)>) -> FixEngine {
    engine(vec![replace("fake.names", "BUG", replacements)])
}

/// Two strategies for undefined names: the more confident one is wrong (its name is still
/// undefined), the other is right.
fn names() -> Vec<Replace> {
    vec![
        replace("fake.guess", "BUG", vec![("BUGX", 0.9)]),
        replace("fake.names", "BUG", vec![("ok", 0.6)]),
    ]
}

#[tokio::test]
async fn heals_several_errors_of_different_kinds_and_reports_every_attempt() {
    let fake = Fake::new();
    let mut strategies = names();
    strategies.push(replace("fake.syntax", "SYN", vec![("ok", 0.8)]));
    strategies.push(replace("fake.types", "TYPE", vec![("int", 0.7)]));
    let engine = engine(strategies);
    let original = py(&[("main.py", "a = SYN\nb = BUG1\nc = TYPE\nd = BUG2\n")]);
    let report = healer(&fake, engine, 5, 8).heal(&original).await.unwrap();
    assert!(report.healed, "{}", report.summary());
    assert_eq!(report.stop_reason, StopReason::Healed);
    assert!(!report.initially_passing);
    assert_eq!(
        report.final_program.files()["main.py"],
        "a = ok\nb = ok\nc = int\nd = ok\n"
    );
    assert_eq!(report.initial_error_categories, ["syntax"]);
    // Syntax first (the parser hid the rest), then names, then types.
    assert_eq!(report.attempts[0].strategy, "fake.syntax");
    assert!(report.attempts[0].kept);
    assert_eq!(
        report.strategies_kept.first().map(String::as_str),
        Some("fake.syntax")
    );
    assert!(report.strategies_kept.contains(&"fake.types".to_string()));
    // The wrong, more confident name fix was tried and dropped.
    let dropped = report
        .attempts
        .iter()
        .find(|a| a.description == "replace with BUGX")
        .unwrap();
    assert!(!dropped.kept);
    assert_eq!(
        dropped
            .reason
            .as_deref()
            .map(|r| r.starts_with("added errors")),
        Some(true)
    );
    assert!(report.diff.contains("-a = SYN\n") && report.diff.contains("+d = ok\n"));
    assert_eq!(report.validations, fake.calls.load(Ordering::SeqCst));
    assert!(report.rounds <= 5);
    // The original value is untouched.
    assert_eq!(
        original.files()["main.py"],
        "a = SYN\nb = BUG1\nc = TYPE\nd = BUG2\n"
    );
    // What it learned: the wrong fix failed, the right one succeeded.
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["stop_reason"], "healed");
    assert!(json["attempts"][0]["diff"]
        .as_str()
        .unwrap()
        .contains("+a = ok"));
}

#[tokio::test]
async fn already_passing_needs_one_validation() {
    let fake = Fake::new();
    let report = heal_main(&healer(&fake, engine(names()), 5, 8), "x = 1\n").await;
    assert!(report.healed && report.initially_passing);
    assert_eq!(report.stop_reason, StopReason::AlreadyPassing);
    assert_eq!(
        (report.validations, report.rounds, report.attempts.len()),
        (1, 0, 0)
    );
    assert_eq!(report.diff, "");
}

#[tokio::test]
async fn a_logic_bug_ends_with_a_clear_report() {
    let fake = Fake::new();
    let report = heal_main(&healer(&fake, engine(names()), 5, 8), "x = LOGIC\n").await;
    assert!(!report.healed);
    assert_eq!(report.stop_reason, StopReason::NoCandidates);
    assert_eq!((report.validations, report.rounds), (1, 0));
    assert_eq!(report.final_errors.len(), 1);
    assert_eq!(report.final_program.files()["main.py"], "x = LOGIC\n");
    assert!(report
        .summary()
        .contains("NOT healed: no strategy has a fix left to try"));
}

#[tokio::test]
async fn protected_files_are_never_changed() {
    let fake = Fake::new();
    let original = py(&[("main.py", "x = 1\n"), ("test_main.py", "y = BUG1\n")])
        .with_protected(["test_main.py".to_string()])
        .unwrap();
    let report = healer(&fake, engine(names()), 5, 8)
        .heal(&original)
        .await
        .unwrap();
    assert!(!report.healed);
    assert_eq!(report.protected_refusals, 2);
    assert!(report.attempts.iter().all(|a| !a.kept
        && a.reason
            .as_deref()
            .unwrap()
            .contains("protected file test_main.py")));
    assert_eq!(report.final_program, original);
    assert_eq!(report.validations, 1);
}

#[tokio::test]
async fn never_validates_a_program_twice() {
    let fake = Fake::new();
    // Two orders of fixing BUG1 and BUG2 reach the same program; LOGIC is never fixed.
    let report = heal_main(
        &healer(&fake, engine(names()), 50, 8),
        "x = BUG1\ny = BUG2\nz = LOGIC\n",
    )
    .await;
    assert!(!report.healed);
    assert_eq!(report.stop_reason, StopReason::NoCandidates);
    // The original; round 1: combined, 2 wrong, 2 right, then the 2 right ones merged
    // (`ok`/`ok`); round 2 (from `ok`/`BUG2`): the wrong fix of BUG2 (the right one gives
    // `ok`/`ok` again: a duplicate); round 3 (from `BUG1`/`ok`): likewise.
    assert_eq!(report.duplicates_skipped, 2);
    assert_eq!(report.validations, 9);
    assert_eq!(report.rounds, 3);
    assert_eq!(fake.calls.load(Ordering::SeqCst), 9);
    assert_eq!(
        report.final_program.files()["main.py"],
        "x = ok\ny = ok\nz = LOGIC\n"
    );
    assert_eq!(report.strategies_kept, ["fake.names", "fake.names"]);
}

/// Flipping `BUGA` to `BUGB` and back never loops.
#[tokio::test]
async fn flip_flopping_fixes_end() {
    let fake = Fake::new();
    let engine = engine(vec![
        replace("fake.a2b", "BUGA", vec![("BUGB", 0.9)]),
        replace("fake.b2a", "BUGB", vec![("BUGA", 0.9)]),
    ]);
    let report = heal_main(&healer(&fake, engine, 50, 8), "x = BUGA\n").await;
    assert!(!report.healed);
    assert_eq!((report.validations, report.rounds), (2, 1));
    assert_eq!(report.stop_reason, StopReason::NoCandidates);
}

#[tokio::test]
async fn rounds_are_bounded_by_max_retries() {
    let fake = Fake::new();
    // Each round removes one BUG: progress every time, but LOGIC stays; only the budget ends it.
    let engine = engine(vec![Replace {
        id: "fake.peel",
        marker: "BUG",
        replacements: vec![("ok", 0.5)],
        first_in_file: true,
    }]);
    let report = heal_main(
        &healer(&fake, engine, 3, 2),
        "x = BUG1 BUG2 BUG3 BUG4 BUG5 BUG6 LOGIC\n",
    )
    .await;
    assert!(!report.healed);
    assert_eq!(report.stop_reason, StopReason::MaxRetries);
    assert_eq!(report.rounds, 3);
    assert_eq!(report.validations, 4);
    assert_eq!(
        report.final_program.files()["main.py"],
        "x = ok ok ok BUG4 BUG5 BUG6 LOGIC\n"
    );
}

#[tokio::test]
async fn the_learner_changes_the_order_of_fixes() {
    let fake = Fake::new();
    let h = healer(&fake, engine(names()), 5, 1);
    let program = py(&[("main.py", "x = BUG1\n")]);
    // With beam 1, the first heal tries the wrong fix first, then the right one.
    let first = h.heal(&program).await.unwrap();
    assert!(first.healed);
    assert_eq!(first.attempts[0].description, "replace with BUGX");
    // Having learned, the right fix comes first and heals in one round.
    let mut second = h.heal(&program).await.unwrap();
    for _ in 0..3 {
        if second.attempts[0].description == "replace with ok" {
            break;
        }
        second = h.heal(&program).await.unwrap();
    }
    assert_eq!(second.attempts[0].description, "replace with ok");
    assert_eq!(second.rounds, 1);
    let entries = h.learner().entries();
    assert!(entries
        .iter()
        .any(|e| e.strategy == "fake.names" && e.successes >= 1));
    assert!(entries
        .iter()
        .any(|e| e.strategy == "fake.guess" && e.successes == 0 && e.attempts >= 2));
}

#[test]
fn combine_skips_overlapping_edits() {
    let p = |start, end, r: &str| Proposal {
        fix: Fix {
            strategy: "s".into(),
            description: r.into(),
            confidence: 0.5,
            applicability: crate::fix::FixApplicability::Speculative,
            edits: vec![Edit {
                file: "a".into(),
                byte_start: start,
                byte_end: end,
                replacement: r.into(),
            }],
        },
        targets: vec![r.to_string()],
        target_errors: Vec::new(),
        combined_from: Vec::new(),
        prior: 0.5,
    };
    assert!(combine(vec![p(0, 2, "x")]).is_none());
    assert!(combine(vec![p(0, 2, "x"), p(1, 3, "y")]).is_none());
    let c = combine(vec![p(0, 2, "x"), p(1, 3, "y"), p(5, 6, "z")]).unwrap();
    assert_eq!(c.fix.edits.len(), 2);
    assert_eq!(c.fix.strategy, COMBINED_STRATEGY);
    assert_eq!(c.combined_from, ["s", "s"]);
}

/// A checker with a cache: `cached` answers for programs seen before without running.
struct Remembering {
    inner: Arc<Fake>,
    seen: std::sync::Mutex<std::collections::HashMap<String, ValidationResult>>,
}

impl Checker for Remembering {
    fn check<'a>(&'a self, program: &'a Program, expect: Expect) -> CheckFuture<'a> {
        Box::pin(async move {
            let result = self.inner.check(program, expect).await?;
            let key = format!("{:?}", program.files());
            if let Ok(mut seen) = self.seen.lock() {
                seen.insert(key, result.clone());
            }
            Ok(result)
        })
    }

    fn cached(&self, program: &Program, _expect: Expect) -> Option<ValidationResult> {
        let seen = self.seen.lock().ok()?;
        let mut hit = seen.get(&format!("{:?}", program.files()))?.clone();
        hit.cached = true;
        Some(hit)
    }
}

#[tokio::test]
async fn a_cached_passing_candidate_ends_the_round_without_running_anything() {
    let checker = Arc::new(Remembering {
        inner: Fake::new(),
        seen: std::sync::Mutex::new(std::collections::HashMap::new()),
    });
    let heal = |checker: Arc<Remembering>| {
        healer_over(
            checker,
            names_engine(vec![("ok", 0.9), ("wrong", 0.8), ("worse", 0.7)]),
            config(5, 1, 8, Expect::Test),
        )
    };
    let program = py(&[("main.py", "x = BUG1\n")]);
    let first = heal(Arc::clone(&checker)).heal(&program).await.unwrap();
    assert!(first.healed);
    let runs_after_first = checker.inner.calls.load(Ordering::SeqCst);
    // One validation of the original, then the passing candidate; with one job the others
    // are cancelled or never started.
    assert!(runs_after_first >= 2, "{runs_after_first}");
    let second = heal(Arc::clone(&checker)).heal(&program).await.unwrap();
    assert!(second.healed);
    assert_eq!(second.final_program, first.final_program);
    // The original is validated through `check` (its cached verdict comes from the real
    // cache inside `check`); the candidates of the round are answered by `cached` alone.
    assert_eq!(
        checker.inner.calls.load(Ordering::SeqCst),
        runs_after_first + 1
    );
}

/// A compiler that stops at its first error: the next one shows only once the first is fixed.
struct FirstOnly(Arc<Fake>);

impl Checker for FirstOnly {
    fn check<'a>(&'a self, program: &'a Program, expect: Expect) -> CheckFuture<'a> {
        Box::pin(async move {
            let mut result = self.0.check(program, expect).await?;
            result.errors.truncate(1);
            for e in &mut result.errors {
                e.step = "check".into();
            }
            Ok(result)
        })
    }
}

#[tokio::test]
async fn a_fix_that_reveals_the_next_error_is_progress() {
    let fake = Fake::new();
    let healer = healer_over(
        Arc::new(FirstOnly(fake.clone())),
        engine(names()),
        config(5, 1, 8, Expect::Check),
    );
    let report = heal_main(&healer, "a = BUG1\nb = BUG2\n").await;
    assert_healed_to(&report, "a = ok\nb = ok\n");
    assert_eq!(report.rounds, 2);
    let revealing = report
        .attempts
        .iter()
        .find(|a| a.kept && !a.passed)
        .unwrap();
    assert_eq!(
        revealing.reason.as_deref(),
        Some("fixed `name `BUG1` is not defined`; revealed `name `BUG2` is not defined`")
    );
    assert_eq!(
        revealing.revealed,
        ["main.py:2:1: name `BUG2` is not defined"]
    );
    // The wrong fix fails at the same spot: it revealed nothing, it swapped one name for another.
    let wrong = report
        .attempts
        .iter()
        .find(|a| a.description == "replace with BUGX")
        .unwrap();
    assert!(!wrong.kept && wrong.revealed.is_empty());
    assert!(report.summary().contains(
        "kept: fixed `name `BUG1` is not defined`; revealed `name `BUG2` is not defined`\n"
    ));
}

/// A test script that stops at its first failing assertion: the first line of `main.py` with
/// a word starting `WRONG` fails (a test failure of the test step, at that line, naming the
/// word); a program without one passes.
struct Script(Arc<Fake>);

impl Checker for Script {
    fn check<'a>(&'a self, program: &'a Program, _expect: Expect) -> CheckFuture<'a> {
        Box::pin(async move {
            self.0.calls.fetch_add(1, Ordering::SeqCst);
            let text = program.files().get("main.py").map_or("", String::as_str);
            let first = text.lines().enumerate().find_map(|(i, line)| {
                line.split(|c: char| !c.is_alphanumeric())
                    .find(|w| w.starts_with("WRONG"))
                    .map(|w| (i, w.to_string()))
            });
            let errors: Vec<CodeError> = first
                .map(|(i, word)| {
                    let mut e =
                        CodeError::new(ErrorType::TestFailure, format!("assertion failed: {word}"))
                            .with_location(Location::new("main.py", i as u32 + 1, 1));
                    e.step = "test".into();
                    e
                })
                .into_iter()
                .collect();
            Ok(verdict(program, errors))
        })
    }
}

/// A behaviour edit that only makes the test fail at a later assertion is kept (the program
/// runs past the failure it had), but it is a guess nobody confirmed: the original's remaining
/// single edits come before edits built on top of it. Here the confident guess moves the
/// failure to line 2, where nothing fixes it; the right edit, less confident, is in the
/// original's second round.
#[tokio::test]
async fn a_test_that_fails_later_does_not_starve_the_single_edits() {
    let fake = Fake::new();
    let engine = engine(vec![
        replace("fake.guess", "WRONG1", vec![("ok\ny = WRONG2", 0.9)]),
        replace("fake.noise", "WRONG1", vec![("WRONG3", 0.5)]),
        replace("fake.right", "WRONG1", vec![("ok", 0.1)]),
        replace(
            "fake.more",
            "WRONG2",
            vec![("WRONG4", 0.9), ("WRONG5", 0.8)],
        ),
    ]);
    let healer = healer_over(
        Arc::new(Script(fake.clone())),
        engine,
        config(2, 1, 2, Expect::Test),
    );
    let report = heal_main(&healer, "x = WRONG1\n").await;
    assert_healed_to(&report, "x = ok\n");
    let first = &report.attempts[0];
    assert_eq!(first.description, "replace with ok\ny = WRONG2");
    assert!(first.kept && first.revealed.is_empty(), "{first:?}");
    assert_eq!(
        first.reason.as_deref(),
        Some("the program now runs past the error it had")
    );
    // Round 2 expanded the original again, not the guess.
    let second_round: Vec<(usize, &str)> = report
        .attempts
        .iter()
        .filter(|a| a.round == 2)
        .map(|a| (a.parent, a.description.as_str()))
        .collect();
    assert_eq!(second_round, [(0, "replace with ok")]);
    assert_eq!(report.rounds, 2);
}

/// A fix that removed its target and revealed the error behind it leads: its program is
/// expanded next even though the original still has fixes left to try.
#[tokio::test]
async fn a_revealing_fix_is_expanded_before_the_originals_other_fixes() {
    let fake = Fake::new();
    let healer = healer_over(
        Arc::new(FirstOnly(fake.clone())),
        names_engine(vec![("ok", 0.9), ("BUGX", 0.5), ("BUGY", 0.4)]),
        config(2, 1, 1, Expect::Check),
    );
    let report = heal_main(&healer, "a = BUG1\nb = BUG2\n").await;
    assert_healed_to(&report, "a = ok\nb = ok\n");
    let parents: Vec<(u32, usize)> = report
        .attempts
        .iter()
        .map(|a| (a.round, a.parent))
        .collect();
    assert_eq!(parents, [(1, 0), (2, 1)]);
    assert_eq!(report.attempts[0].revealed.len(), 1);
}

/// The fake, but a program holding `SLOW` takes a while to validate.
struct Slow(Arc<Fake>);

impl Checker for Slow {
    fn check<'a>(&'a self, program: &'a Program, expect: Expect) -> CheckFuture<'a> {
        Box::pin(async move {
            if program.files().values().any(|text| text.contains("SLOW")) {
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            self.0.check(program, expect).await
        })
    }
}

/// Two jobs, two passing candidates: the better-ranked one is slow, the other finishes first.
/// The better-ranked one wins all the same (the old rule, "first to finish passing", picked
/// the other), and the candidate ranked after the finished pass is cancelled, not validated.
#[tokio::test]
async fn the_best_ranked_pass_wins_whatever_finishes_first() {
    let fake = Fake::new();
    let healer = healer_over(
        Arc::new(Slow(fake.clone())),
        names_engine(vec![("okSLOW", 0.9), ("fine", 0.8), ("laterSLOW", 0.7)]),
        config(5, 2, 8, Expect::Test),
    );
    let report = heal_main(&healer, "x = BUG1\n").await;
    assert_healed_to(&report, "x = okSLOW\n");
    let by_fix = |text: &str| {
        report
            .attempts
            .iter()
            .find(|a| a.description == format!("replace with {text}"))
            .unwrap()
    };
    assert!(by_fix("okSLOW").passed);
    assert!(by_fix("fine").passed, "it finished, so it is reported");
    let later = by_fix("laterSLOW");
    assert!(!later.passed);
    assert_eq!(
        later.reason.as_deref(),
        Some("not validated: a better-ranked candidate passed")
    );
    // The original, then the two better-ranked candidates; the third never ran to its end.
    assert_eq!(report.validations, 3);
}

/// Equal confidence: the smaller edit is tried (and wins) first.
#[tokio::test]
async fn ties_go_to_the_smallest_edit() {
    let fake = Fake::new();
    let healer = healer_over(
        fake.clone(),
        names_engine(vec![("longer_name", 0.5), ("ok", 0.5)]),
        config(5, 2, 8, Expect::Test),
    );
    let report = heal_main(&healer, "x = BUG1\n").await;
    assert_eq!(report.final_program.files()["main.py"], "x = ok\n");
}

/// The fake, batching: its batch says every candidate passes (a filter that lies); validated
/// alone, each gets the fake's true verdict.
struct LyingBatch(Arc<Fake>, AtomicUsize);

impl Checker for LyingBatch {
    fn check<'a>(&'a self, program: &'a Program, expect: Expect) -> CheckFuture<'a> {
        self.0.check(program, expect)
    }

    fn batches(&self, _language: TargetLanguage) -> bool {
        true
    }

    fn batch<'a>(&'a self, candidates: &'a [Program]) -> BatchFuture<'a> {
        Box::pin(async move {
            self.1.fetch_add(1, Ordering::SeqCst);
            Ok(candidates
                .iter()
                .map(|p| Some(verdict(p, Vec::new())))
                .collect())
        })
    }
}

fn lying_healer(checker: Arc<LyingBatch>, replacements: Vec<(&'static str, f64)>) -> Healer {
    healer_over(
        checker,
        engine(vec![
            replace("fake.logic", "LOGIC", replacements),
            replace("fake.names", "BUG", vec![("ok", 0.5), ("fine", 0.4)]),
        ]),
        config(5, 2, 8, Expect::Test),
    )
}

/// A round judged in one batched run is `batch_beam` candidates wide, not `beam`: the right
/// fix, ranked fourth, is reached in the first round with a beam of 2.
#[tokio::test]
async fn a_batched_round_is_batch_beam_wide() {
    let checker = Arc::new(LyingBatch(Fake::new(), AtomicUsize::new(0)));
    let healer = healer_over(
        Arc::clone(&checker) as Arc<dyn Checker>,
        engine(vec![replace(
            "fake.logic",
            "LOGIC",
            vec![
                ("LOGIC + 1", 0.9),
                ("LOGIC + 2", 0.8),
                ("LOGIC + 3", 0.7),
                ("right", 0.6),
                ("LOGIC + 5", 0.5),
            ],
        )]),
        HealConfig {
            batch_beam: 4,
            ..config(5, 2, 2, Expect::Test)
        },
    );
    let report = heal_main(&healer, "x = LOGIC\n").await;
    assert_healed_to(&report, "x = right\n");
    assert_eq!(report.rounds, 1, "{}", report.summary());
    assert_eq!((report.batch_runs, report.batch_judged), (1, 4));
}

/// A candidate that passes in the batch but fails alone is never reported as passing: every
/// batch pass is validated again alone, and the winner is the best-ranked one that passes
/// there.
#[tokio::test]
async fn a_batch_pass_that_fails_alone_is_not_reported() {
    let checker = Arc::new(LyingBatch(Fake::new(), AtomicUsize::new(0)));
    let healer = lying_healer(
        Arc::clone(&checker),
        vec![("LOGIC + LOGIC", 0.9), ("right", 0.8), ("also", 0.7)],
    );
    let report = heal_main(&healer, "x = LOGIC\n").await;
    assert_healed_to(&report, "x = right\n");
    assert_eq!(checker.1.load(Ordering::SeqCst), 1);
    assert_eq!(report.batch_runs, 1);
    assert_eq!(report.batch_judged, 3);
    let lie = &report.attempts[0];
    assert_eq!(lie.description, "replace with LOGIC + LOGIC");
    assert_eq!(lie.batch, Some(BatchRole::Revalidated));
    assert!(!lie.passed, "{}", report.summary());
    assert!(lie.errors_after.as_ref().is_some_and(|e| e.len() == 2));
    let winner = report.attempts.iter().find(|a| a.passed).unwrap();
    assert_eq!(winner.description, "replace with right");
    assert_eq!(winner.batch, Some(BatchRole::Revalidated));
}

/// Only programs that build and fail their tests are batched: a name error is not.
#[tokio::test]
async fn build_errors_are_not_batched() {
    let checker = Arc::new(LyingBatch(Fake::new(), AtomicUsize::new(0)));
    let healer = lying_healer(Arc::clone(&checker), vec![("right", 0.8)]);
    let report = heal_main(&healer, "x = BUG1\n").await;
    assert!(report.healed);
    assert_eq!(checker.1.load(Ordering::SeqCst), 0);
    assert_eq!(report.batch_runs, 0);
    assert!(report.attempts.iter().all(|a| a.batch.is_none()));
}
