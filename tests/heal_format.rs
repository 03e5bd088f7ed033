//! Healed programs come out formatted where the heal wrote, and only there: the language's own
//! formatter (rustfmt, gofmt, ruff, prettier) runs in the sandbox on the final program, its changes are kept
//! only on the lines the heal changed, and the result is validated again. A missing, failing,
//! hanging or verdict-changing formatter leaves the heal unformatted, with the reason.

mod common;

use std::sync::Arc;
use std::time::Duration;

use selfheal::fix::FixEngine;
use selfheal::format::FormatStatus;
use selfheal::heal::{Checker, HealConfig, HealReport, Healer};
use selfheal::learn::Learner;
use selfheal::validate::{Expect, Validator, ValidatorConfig};
use selfheal::{Program, TargetLanguage};

/// A missing `;` on a line written without spaces; an untouched function and statement
/// written the same way.
const RUST: &str = "fn helper( a:i32 )->i32{ a+1 }\n\nfn main() {\n    let x=helper(1)\n    let y=x*2;\n    println!(\"{}\", y);\n}\n";

async fn heal_with(checker: Arc<dyn Checker>, program: &Program, format: bool) -> HealReport {
    let healer = Healer::new(
        checker,
        FixEngine::builtin(),
        Arc::new(Learner::in_memory()),
        HealConfig {
            max_retries: 5,
            // A safety net only: nothing here asserts time.
            timeout: Duration::from_secs(600),
            // In rank order, one at a time: with two at once the first to pass wins, and
            // these tests name the fix whose lines get formatted.
            jobs: 1,
            beam: 8,
            expect: None,
            ..HealConfig::default()
        },
    )
    .with_formatting(format);
    let report = healer.heal(program).await.unwrap();
    // The summary carries the formatting step's time (docs/performance.md): `--nocapture`.
    eprintln!("{}", report.summary());
    assert!(report.healed, "not healed:\n{}", report.summary());
    report
}

/// The final program passes on its own.
async fn assert_passes(program: &Program) {
    let again = common::validator()
        .validate(program, Expect::for_program(program))
        .await
        .unwrap();
    assert!(again.passed, "the final program fails: {:?}", again.errors);
}

/// A validator whose Rust toolchain file has `format_block` instead of the shipped
/// `[[format]]` entry.
fn validator_with_rust_formatter(format_block: &str) -> (Arc<Validator>, tempfile::TempDir) {
    let shipped = include_str!("../toolchains/rust.toml");
    let start = shipped
        .find("\n[[format]]\n")
        .expect("rust.toml has a [[format]] entry")
        + 1;
    let end = start
        + shipped[start..]
            .find("\n\n")
            .expect("the [[format]] entry ends with a blank line");
    let text = format!("{}{}{}", &shipped[..start], format_block, &shipped[end..]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rust.toml"), text).unwrap();
    let validator = Validator::new(ValidatorConfig {
        toolchain_dir: Some(dir.path().to_path_buf()),
        ..ValidatorConfig::default()
    })
    .unwrap();
    (Arc::new(validator), dir)
}

#[tokio::test]
async fn rust_the_fixed_line_is_formatted_by_rustfmt_and_untouched_lines_stay() {
    let program = common::program(TargetLanguage::Rust, &[("main.rs", RUST)]);
    let report = heal_with(common::validator(), &program, true).await;
    let text = report.final_program.file("main.rs").unwrap();
    assert_eq!(
        text,
        "fn helper( a:i32 )->i32{ a+1 }\n\nfn main() {\n    let x = helper(1);\n    let y=x*2;\n    println!(\"{}\", y);\n}\n",
        "{}",
        report.summary()
    );
    let format = report.format.as_ref().expect("a format report");
    assert_eq!(format.status, FormatStatus::Formatted, "{format:?}");
    assert!(
        format
            .formatter
            .as_deref()
            .is_some_and(|f| f.starts_with("rustfmt")),
        "{format:?}"
    );
    assert_eq!(format.files, vec!["main.rs".to_string()]);
    assert!(
        report.diff.contains("+    let x = helper(1);"),
        "{}",
        report.diff
    );
    assert!(report
        .summary()
        .contains("formatted the healed lines by rustfmt"));
    assert_passes(&report.final_program).await;
}

#[tokio::test]
async fn go_the_fixed_line_is_formatted_by_gofmt_and_untouched_lines_stay() {
    let source = "package main\n\nimport \"fmt\"\n\nfunc double(n int) int {return n*2}\n\nfunc main() {\n\ttotal:=double(2)\n\tfmt.Println(doubel( total ))\n}\n";
    let program = common::program(TargetLanguage::Go, &[("main.go", source)]);
    let report = heal_with(common::validator(), &program, true).await;
    let text = report.final_program.file("main.go").unwrap();
    assert_eq!(
        text,
        "package main\n\nimport \"fmt\"\n\nfunc double(n int) int {return n*2}\n\nfunc main() {\n\ttotal:=double(2)\n\tfmt.Println(double(total))\n}\n",
        "{}",
        report.summary()
    );
    let format = report.format.as_ref().expect("a format report");
    assert_eq!(format.status, FormatStatus::Formatted, "{format:?}");
    assert_eq!(format.formatter.as_deref(), Some("gofmt"));
    assert_passes(&report.final_program).await;
}

/// A program with a protected test file: the test decides which fix is right, and the test
/// file (protected) is never formatted.
fn with_test(language: TargetLanguage, main: (&str, &str), test: (&str, &str)) -> Program {
    common::program(language, &[main, test])
        .with_protected([test.0.to_string()])
        .unwrap()
}

#[tokio::test]
async fn python_the_fixed_line_is_formatted_by_ruff_and_untouched_lines_stay() {
    // Needs ruff on PATH (scripts/install-formatters.sh; scripts/test.sh installs it).
    let test = "from main import double\n\nassert double(1) == 4\n";
    let program = with_test(
        TargetLanguage::Python,
        (
            "main.py",
            "def helper( a ):\n    return a+1\n\ndef double(n):\n    x=helpr( n )\n    return x*2\n",
        ),
        ("test_main.py", test),
    );
    let report = heal_with(common::validator(), &program, true).await;
    // ruff would also write `def helper(a):`, `a + 1`, `x * 2` and two blank lines between
    // the functions: none of those lines was written by the heal.
    assert_eq!(
        report.final_program.file("main.py").unwrap(),
        "def helper( a ):\n    return a+1\n\ndef double(n):\n    x = helper(n)\n    return x*2\n",
        "{}",
        report.summary()
    );
    assert_eq!(report.final_program.file("test_main.py").unwrap(), test);
    let format = report.format.as_ref().expect("a format report");
    assert_eq!(format.status, FormatStatus::Formatted, "{format:?}");
    assert!(
        format
            .formatter
            .as_deref()
            .is_some_and(|f| f.starts_with("ruff")),
        "{format:?}"
    );
    assert_eq!(format.files, vec!["main.py".to_string()]);
    assert!(report
        .summary()
        .contains("formatted the healed lines by ruff"));
    assert_passes(&report.final_program).await;
}

#[tokio::test]
async fn javascript_the_fixed_line_is_formatted_by_prettier_and_untouched_lines_stay() {
    // Needs prettier on PATH (scripts/install-formatters.sh; scripts/test.sh installs it).
    let test =
        "const { double } = require('./main');\n\nif (double(1) !== 4) throw new Error('wrong');\n";
    let program = with_test(
        TargetLanguage::JavaScript,
        (
            "main.js",
            "function helper( a ){ return a+1 }\n\nfunction double(n) {\n  const x=helpr( n )\n  return x*2\n}\n\nmodule.exports = { double }\n",
        ),
        ("main.test.js", test),
    );
    let report = heal_with(common::validator(), &program, true).await;
    // prettier's spacing and `;` on the written line only; the untouched one-line function,
    // `x*2` and the export keep their own layout.
    assert_eq!(
        report.final_program.file("main.js").unwrap(),
        "function helper( a ){ return a+1 }\n\nfunction double(n) {\n  const x = helper(n);\n  return x*2\n}\n\nmodule.exports = { double }\n",
        "{}",
        report.summary()
    );
    assert_eq!(report.final_program.file("main.test.js").unwrap(), test);
    let format = report.format.as_ref().expect("a format report");
    assert_eq!(format.status, FormatStatus::Formatted, "{format:?}");
    assert!(
        format
            .formatter
            .as_deref()
            .is_some_and(|f| f.starts_with("prettier")),
        "{format:?}"
    );
    assert_eq!(format.files, vec!["main.js".to_string()]);
    assert!(report
        .summary()
        .contains("formatted the healed lines by prettier"));
    assert_passes(&report.final_program).await;
}

#[tokio::test]
async fn formatting_off_returns_the_heal_as_the_fixes_wrote_it() {
    let program = common::program(TargetLanguage::Rust, &[("main.rs", RUST)]);
    let report = heal_with(common::validator(), &program, false).await;
    assert!(
        report
            .final_program
            .file("main.rs")
            .unwrap()
            .contains("    let x=helper(1);\n"),
        "{}",
        report.final_program.file("main.rs").unwrap()
    );
    assert_eq!(report.format, None);
}

#[tokio::test]
async fn the_formatted_programs_revalidation_is_counted() {
    let program = common::program(TargetLanguage::Rust, &[("main.rs", RUST)]);
    let unformatted = heal_with(common::validator(), &program, false).await;
    let formatted = heal_with(common::validator(), &program, true).await;
    assert_eq!(
        formatted.format.as_ref().map(|f| f.status),
        Some(FormatStatus::Formatted)
    );
    // The same search, then one validation more: the formatted program's.
    assert_eq!(formatted.validations, unformatted.validations + 1);
}

#[tokio::test]
async fn a_missing_formatter_leaves_the_heal_unformatted_and_says_why() {
    let (validator, _dir) = validator_with_rust_formatter(
        "[[format]]\nname = \"rustfmt\"\ncandidates = [\"/nonexistent/selfheal-rustfmt\"]\nversion = [\"--version\"]\ninstall = \"rustup component add rustfmt\"",
    );
    let program = common::program(TargetLanguage::Rust, &[("main.rs", RUST)]);
    let report = heal_with(validator, &program, true).await;
    assert!(report
        .final_program
        .file("main.rs")
        .unwrap()
        .contains("    let x=helper(1);\n"));
    let format = report.format.as_ref().expect("a format report");
    assert_eq!(format.status, FormatStatus::Skipped);
    let reason = format.reason.as_deref().unwrap_or_default();
    assert!(
        reason.contains("no rust formatter installed")
            && reason.contains("/nonexistent/selfheal-rustfmt")
            && reason.contains("rustup component add rustfmt"),
        "{reason}"
    );
    assert!(report
        .summary()
        .contains("not formatted: no rust formatter"));
    assert_passes(&report.final_program).await;
}

#[tokio::test]
async fn a_formatter_that_breaks_the_program_is_not_used() {
    // A "formatter" that drops every line's final `;`: the result no longer compiles, so the
    // re-validation refuses it and the heal comes back as the fixes wrote it.
    let (validator, _dir) = validator_with_rust_formatter(
        "[[format]]\nname = \"semicolon-eater\"\ncandidates = [\"/usr/bin/sed\"]\nversion = [\"--version\"]\nargs = [\"-e\", \"s/;$//\"]\ninstall = \"apt-get install -y sed\"",
    );
    let program = common::program(TargetLanguage::Rust, &[("main.rs", RUST)]);
    let report = heal_with(validator, &program, true).await;
    assert!(report
        .final_program
        .file("main.rs")
        .unwrap()
        .contains("    let x=helper(1);\n"));
    let format = report.format.as_ref().expect("a format report");
    assert_eq!(format.status, FormatStatus::Skipped, "{format:?}");
    let reason = format.reason.as_deref().unwrap_or_default();
    assert!(
        reason.starts_with("the formatted program does not pass"),
        "{reason}"
    );
    assert_passes(&report.final_program).await;
}

#[tokio::test]
async fn a_hanging_formatter_is_stopped_at_its_time_limit() {
    let (validator, _dir) = validator_with_rust_formatter(
        "[[format]]\nname = \"sleeper\"\ncandidates = [\"/usr/bin/sleep\"]\nversion = [\"--version\"]\nargs = [\"600\"]\ninstall = \"apt-get install -y coreutils\"\nlimits = { wall_time = 1, cpu_time = 1 }",
    );
    let program = common::program(TargetLanguage::Rust, &[("main.rs", RUST)]);
    let report = heal_with(validator, &program, true).await;
    assert!(report
        .final_program
        .file("main.rs")
        .unwrap()
        .contains("    let x=helper(1);\n"));
    let format = report.format.as_ref().expect("a format report");
    assert_eq!(format.status, FormatStatus::Skipped, "{format:?}");
    let reason = format.reason.as_deref().unwrap_or_default();
    assert!(
        reason.contains("sleeper was stopped on main.rs (time limit)"),
        "{reason}"
    );
}

#[test]
fn the_cli_formats_by_default_and_not_with_no_format() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("main.rs");
    std::fs::write(&path, RUST).unwrap();
    let path = path.to_str().unwrap();
    let heal = |extra: &[&str]| -> serde_json::Value {
        let mut args = vec!["heal", path, "--format", "json"];
        args.extend_from_slice(extra);
        let out = common::selfheal(&args);
        common::assert_exit(&out, 0);
        serde_json::from_slice(&out.stdout).expect("a JSON report")
    };
    let formatted = heal(&[]);
    assert_eq!(formatted["format"]["status"], "formatted", "{formatted}");
    assert!(formatted["final_program"]["files"]["main.rs"]
        .as_str()
        .is_some_and(|t| t.contains("    let x = helper(1);\n    let y=x*2;\n")));
    let plain = heal(&["--no-format"]);
    assert!(plain.get("format").is_none(), "{plain}");
    assert!(plain["final_program"]["files"]["main.rs"]
        .as_str()
        .is_some_and(|t| t.contains("    let x=helper(1);\n")));
}
