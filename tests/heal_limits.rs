//! The heal loop's guarantees: it ends inside its budget with a clear report, it never edits a
//! protected file, it never validates the same program twice, and it never loses the original.

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use selfheal::fix::{Edit, Fix, FixEngine, FixStrategy};
use selfheal::heal::{
    program_hash, CheckFuture, Checker, HealConfig, HealReport, Healer, StopReason,
};
use selfheal::learn::Learner;
use selfheal::validate::Expect;
use selfheal::{CodeError, Program, TargetLanguage};

/// The real validator, remembering the hash of every program it validates.
struct Recording {
    seen: Mutex<Vec<[u8; 32]>>,
}

impl Checker for Recording {
    fn check<'a>(&'a self, program: &'a Program, expect: Expect) -> CheckFuture<'a> {
        self.seen.lock().unwrap().push(program_hash(program));
        Box::pin(async move {
            common::validator()
                .validate(program, expect)
                .await
                .map_err(Into::into)
        })
    }
}

async fn heal(program: &Program, max_retries: u32, beam: usize) -> (HealReport, Vec<[u8; 32]>) {
    heal_with(program, FixEngine::builtin(), max_retries, beam).await
}

async fn heal_with(
    program: &Program,
    engine: FixEngine,
    max_retries: u32,
    beam: usize,
) -> (HealReport, Vec<[u8; 32]>) {
    let recording = Arc::new(Recording {
        seen: Mutex::new(Vec::new()),
    });
    let healer = Healer::new(
        recording.clone(),
        engine,
        Arc::new(Learner::in_memory()),
        HealConfig {
            max_retries,
            timeout: Duration::from_secs(600),
            jobs: 2,
            beam,
            expect: None,
            ..HealConfig::default()
        },
    );
    let report = healer.heal(program).await.unwrap();
    let seen = recording.seen.lock().unwrap().clone();
    (report, seen)
}

// A bug no heal can fix: the test wants two answers to one question (a one-edit logic bug
// would not do, the behaviour repair heals those, e.g. `result = item` -> `result += item`).
const LOGIC_MAIN: &str = "def total(items):\n    result = 0\n    for item in items:\n        result = item\n    return result\n";
const LOGIC_TEST: &str =
    "from main import *\n\nassert total([1, 2, 3]) == 6\nassert total([1, 2, 3]) == 7\n";

fn logic_bug() -> Program {
    common::program(
        TargetLanguage::Python,
        &[("main.py", LOGIC_MAIN), ("test_main.py", LOGIC_TEST)],
    )
    .with_protected(["test_main.py".to_string()])
    .unwrap()
}

#[tokio::test]
async fn a_logic_bug_ends_inside_its_budget_with_a_clear_report() {
    let (report, seen) = heal(&logic_bug(), 3, 4).await;
    assert!(!report.healed);
    assert!(!report.initially_passing);
    assert_eq!(report.initial_error_categories, ["test_failure"]);
    assert!(report.rounds <= 3, "{}", report.rounds);
    // At most `beam` candidates per round, plus the merge of the fixes kept in the round.
    assert!(
        report.validations <= 1 + 3 * (4 + 1),
        "{}",
        report.validations
    );
    assert_eq!(report.validations, seen.len());
    assert!(matches!(
        report.stop_reason,
        StopReason::NoCandidates | StopReason::MaxRetries
    ));
    assert_eq!(report.final_errors.len(), 1);
    let summary = report.summary();
    assert!(summary.contains("NOT healed"), "{summary}");
    assert!(summary.contains("remaining: "), "{summary}");
}

#[tokio::test]
async fn never_validates_the_same_program_twice() {
    // Plenty of rounds: only the visited set and the fixes running out can stop it.
    let program = common::program(
        TargetLanguage::Python,
        &[
            ("main.py", "def total(items):\n    result = 0\n    for item in items:\n        result = itme\n    return reslt\n"),
            ("test_main.py", LOGIC_TEST),
        ],
    )
    .with_protected(["test_main.py".to_string()])
    .unwrap();
    let (report, seen) = heal(&program, 40, 8).await;
    let unique: HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "a program was validated twice");
    assert_eq!(report.validations, seen.len());
    assert!(report.rounds <= 40);
    assert!(!report.healed);
    assert_ne!(report.stop_reason, StopReason::Timeout);
}

/// Proposes exactly the edit a careless repair would make: fix the name where it is misspelt,
/// whatever the file.
struct EditWherever;

impl FixStrategy for EditWherever {
    fn id(&self) -> &str {
        "test.edit-wherever"
    }

    fn suggest(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some(loc) = &error.location else {
            return Vec::new();
        };
        let text = &program.files()[&loc.file];
        let Some(start) = text.find("totl") else {
            return Vec::new();
        };
        vec![Fix {
            strategy: self.id().into(),
            description: "rename `totl` to `total`".into(),
            confidence: 0.99,
            applicability: selfheal::fix::FixApplicability::Safe,
            edits: vec![Edit {
                file: loc.file.clone(),
                byte_start: start,
                byte_end: start + 4,
                replacement: "total".into(),
            }],
        }]
    }
}

#[tokio::test]
async fn a_protected_file_is_never_changed_even_when_only_it_could_be_fixed() {
    // The misspelt name is in the protected test: the only repair would edit it.
    let program = common::program(
        TargetLanguage::Python,
        &[
            ("main.py", "def total(items):\n    return sum(items)\n"),
            (
                "test_main.py",
                "from main import *\n\nassert totl([1, 2, 3]) == 6\n",
            ),
        ],
    )
    .with_protected(["test_main.py".to_string()])
    .unwrap();
    // Only that repair is on offer (built-in rules could instead write a `totl` in main.py).
    let mut engine = FixEngine::empty();
    engine.add(Arc::new(EditWherever));
    let (report, seen) = heal_with(&program, engine, 5, 8).await;
    assert!(!report.healed, "{}", report.summary());
    assert_eq!(report.protected_refusals, 1, "{}", report.summary());
    let refused: Vec<_> = report
        .attempts
        .iter()
        .filter(|a| a.strategy == "test.edit-wherever")
        .collect();
    assert_eq!(refused.len(), 1);
    assert!(!refused[0].kept && refused[0].errors_after.is_none());
    assert_eq!(
        refused[0].reason.as_deref(),
        Some("refused: it would change the protected file test_main.py")
    );
    // Only the original was validated: the refused candidate never ran.
    assert_eq!(seen.len(), report.validations);
    assert_eq!(
        report.final_program.files()["test_main.py"],
        program.files()["test_main.py"]
    );
    assert!(!report.diff.contains("test_main.py"));
}

use common::selfheal;

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

#[test]
fn cli_a_failed_heal_exits_1_and_leaves_the_files_byte_identical() {
    let dir = project(&[("main.py", LOGIC_MAIN), ("test_main.py", LOGIC_TEST)]);
    let data = tempfile::tempdir().unwrap();
    let out = selfheal(&[
        "heal",
        dir.path().to_str().unwrap(),
        "--write",
        "--max-retries",
        "2",
        "--format",
        "json",
        "--data-dir",
        data.path().to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["healed"], false);
    assert!(report["rounds"].as_u64().unwrap() <= 2);
    assert_eq!(
        std::fs::read(dir.path().join("main.py")).unwrap(),
        LOGIC_MAIN.as_bytes()
    );
    assert_eq!(
        std::fs::read(dir.path().join("test_main.py")).unwrap(),
        LOGIC_TEST.as_bytes()
    );
    // Nothing else was left behind (no temporary files).
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

#[test]
fn cli_write_replaces_the_code_only_on_success_and_never_the_tests() {
    let main = "def total(items):\n    result = 0\n    for item in items:\n        result += item\n    return reslt\n";
    let test = "from main import *\n\nassert total([1, 2, 3]) == 6\n";
    let dir = project(&[("main.py", main), ("test_main.py", test)]);
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().unwrap();
    let path = dir.path().to_str().unwrap();

    // Without --write, nothing changes.
    let out = selfheal(&["heal", path, "--data-dir", data_dir]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("-    return reslt\n+    return result\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("--- a/main.py\n+++ b/main.py\n"),
        "{stdout}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("main.py")).unwrap(),
        main
    );

    let out = selfheal(&["heal", path, "--write", "--data-dir", data_dir]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("main.py")).unwrap(),
        main.replace("reslt", "result")
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("test_main.py")).unwrap(),
        test
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);

    // Now it passes: exit 0, nothing to do.
    let out = selfheal(&["heal", path, "--data-dir", data_dir]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("already passes"));
}

#[test]
fn cli_bad_input_exits_2() {
    let out = selfheal(&["heal", "/nonexistent/selfheal/program.py"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such file or directory"));
    let dir = project(&[("main.py", "x = 1\n")]);
    let out = selfheal(&["heal", dir.path().to_str().unwrap(), "--beam", "0"]);
    assert_eq!(out.status.code(), Some(2));
}
