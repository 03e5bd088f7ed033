//! Cache keys: changing any one input misses; nothing else (file order, the work directory,
//! time) changes the key. Then the same through a real validator.

mod common;

use std::sync::Arc;
use std::time::Duration;

use selfheal::cache::{CacheKey, ValidationCache};
use selfheal::sandbox::{Limits, Mount};
use selfheal::toolchain::{PlannedCommand, StepKind};
use selfheal::validate::{Expect, Validator, ValidatorConfig};
use selfheal::{Program, TargetLanguage};

fn base_program() -> Program {
    Program::new(
        TargetLanguage::Rust,
        [
            ("lib.rs".to_string(), "pub fn f() {}\n".to_string()),
            ("util.rs".to_string(), "pub fn g() {}\n".to_string()),
        ],
    )
    .unwrap()
    .with_option("edition", "2021")
}

fn base_commands() -> Vec<PlannedCommand> {
    vec![PlannedCommand {
        step: StepKind::Check,
        argv: vec!["/usr/bin/rustc".into(), "--edition".into(), "2021".into()],
        parser: "rustc-json".into(),
        env: vec![
            ("PATH".into(), "/usr/bin".into()),
            ("LANG".into(), "C".into()),
        ],
        mounts: vec![Mount::ReadOnly {
            source: "/usr".into(),
            target: "/usr".into(),
        }],
        limits: Limits::default(),
        cwd: String::new(),
    }]
}

fn key(fp: &str, program: &Program, expect: Expect, commands: &[PlannedCommand]) -> CacheKey {
    CacheKey::compute(fp, program, expect, commands)
}

fn base_key() -> CacheKey {
    key("fp", &base_program(), Expect::Check, &base_commands())
}

#[test]
fn identical_inputs_give_identical_keys() {
    assert_eq!(base_key(), base_key());
    assert_eq!(base_key().hex().len(), 64);
}

#[test]
fn file_insertion_order_does_not_matter() {
    let reversed = Program::new(
        TargetLanguage::Rust,
        [
            ("util.rs".to_string(), "pub fn g() {}\n".to_string()),
            ("lib.rs".to_string(), "pub fn f() {}\n".to_string()),
        ],
    )
    .unwrap()
    .with_option("edition", "2021");
    assert_eq!(
        key("fp", &reversed, Expect::Check, &base_commands()),
        base_key()
    );
}

#[test]
fn protected_paths_do_not_matter() {
    // Which files a fix may touch does not change what validation says.
    let p = base_program()
        .with_protected(["util.rs".to_string()])
        .unwrap();
    assert_eq!(key("fp", &p, Expect::Check, &base_commands()), base_key());
}

#[test]
fn toolchain_fingerprint_changes_the_key() {
    assert_ne!(
        key("fp2", &base_program(), Expect::Check, &base_commands()),
        base_key()
    );
}

#[test]
fn expect_changes_the_key() {
    assert_ne!(
        key("fp", &base_program(), Expect::Test, &base_commands()),
        base_key()
    );
}

#[test]
fn file_content_path_and_set_change_the_key() {
    let mut p = base_program();
    p.set_file("lib.rs", "pub fn f() { }\n").unwrap();
    assert_ne!(key("fp", &p, Expect::Check, &base_commands()), base_key());

    let mut p = base_program();
    let text = p.remove_file("util.rs").unwrap();
    p.set_file("utils.rs", text).unwrap();
    assert_ne!(key("fp", &p, Expect::Check, &base_commands()), base_key());

    let mut p = base_program();
    p.set_file("extra.rs", "pub fn h() {}\n").unwrap();
    assert_ne!(key("fp", &p, Expect::Check, &base_commands()), base_key());

    // Moving bytes between a path and its content is not the same input.
    // (A program needs a source of its language beside them.)
    let with = |path: &str, text: &str| {
        let main = ("main.rs".to_string(), "fn main() {}\n".to_string());
        Program::new(
            TargetLanguage::Rust,
            [main, (path.to_string(), text.to_string())],
        )
        .unwrap()
    };
    let (a, b) = (with("ab", "c"), with("a", "bc"));
    assert_ne!(
        key("fp", &a, Expect::Check, &base_commands()),
        key("fp", &b, Expect::Check, &base_commands())
    );
}

#[test]
fn language_and_options_change_the_key() {
    // The same files read as another language (each has a source of both).
    let files = [
        ("main.rs".to_string(), "fn main() {}\n".to_string()),
        ("main.py".to_string(), "x = 1\n".to_string()),
    ];
    let rust = Program::new(TargetLanguage::Rust, files.clone()).unwrap();
    let python = Program::new(TargetLanguage::Python, files).unwrap();
    assert_ne!(
        key("fp", &rust, Expect::Check, &base_commands()),
        key("fp", &python, Expect::Check, &base_commands())
    );

    let p = base_program().with_option("edition", "2018");
    assert_ne!(key("fp", &p, Expect::Check, &base_commands()), base_key());

    let p = base_program().with_option("other", "x");
    assert_ne!(key("fp", &p, Expect::Check, &base_commands()), base_key());
}

/// Applies `change` to a copy of the base commands and checks that the key changes.
fn assert_command_change_misses(what: &str, change: impl Fn(&mut Vec<PlannedCommand>)) {
    let mut commands = base_commands();
    change(&mut commands);
    assert_ne!(
        key("fp", &base_program(), Expect::Check, &commands),
        base_key(),
        "changing {what} did not change the key"
    );
}

#[test]
fn every_part_of_every_command_changes_the_key() {
    assert_command_change_misses("the step", |c| c[0].step = StepKind::Test);
    assert_command_change_misses("an argument", |c| c[0].argv[2] = "2018".into());
    assert_command_change_misses("argv[0]", |c| c[0].argv[0] = "/opt/rustc".into());
    assert_command_change_misses("an added argument", |c| c[0].argv.push("-O".into()));
    assert_command_change_misses("argument boundaries", |c| {
        c[0].argv = vec![
            "/usr/bin/rustc".into(),
            "--edition2021".into(),
            String::new(),
        ]
    });
    assert_command_change_misses("the parser", |c| c[0].parser = "generic".into());
    assert_command_change_misses("the cwd", |c| c[0].cwd = "src".into());
    assert_command_change_misses("an env value", |c| c[0].env[1].1 = "C.UTF-8".into());
    assert_command_change_misses("an env name", |c| c[0].env[1].0 = "LC_ALL".into());
    assert_command_change_misses("env order", |c| c[0].env.reverse());
    assert_command_change_misses("an added env var", |c| {
        c[0].env.push(("HOME".into(), "/tmp".into()))
    });
    assert_command_change_misses("a mount", |c| {
        c[0].mounts[0] = Mount::ReadOnly {
            source: "/opt".into(),
            target: "/usr".into(),
        }
    });
    assert_command_change_misses("a second command", |c| {
        let again = c[0].clone();
        c.push(again)
    });
}

type LimitChange = fn(&mut Limits);

#[test]
fn every_limit_changes_the_key() {
    let limit_changes: Vec<(&str, LimitChange)> = vec![
        ("wall_time", |l| l.wall_time = Duration::from_secs(5)),
        ("wall_time by 1ns", |l| {
            l.wall_time += Duration::from_nanos(1)
        }),
        ("cpu_time", |l| l.cpu_time = Duration::from_secs(5)),
        ("memory_bytes", |l| l.memory_bytes += 1),
        ("file_size_bytes", |l| l.file_size_bytes += 1),
        ("open_files", |l| l.open_files += 1),
        ("processes", |l| l.processes += 1),
        ("output_bytes", |l| l.output_bytes += 1),
        ("tmp_bytes", |l| l.tmp_bytes += 1),
    ];
    for (what, change) in limit_changes {
        assert_command_change_misses(what, |c| change(&mut c[0].limits));
    }
}

// ---- through a real validator ----

const BROKEN: &str = "pub fn total(items: &[i32]) -> i32 {\n    let mut result = 0;\n    for item in items {\n        result += item;\n    }\n    reslt\n}\n";

fn validator_in(work_root: &std::path::Path, cache: &Arc<ValidationCache>) -> Validator {
    let config = ValidatorConfig {
        work_root: Some(work_root.to_path_buf()),
        ..ValidatorConfig::default()
    };
    Validator::new(config)
        .unwrap()
        .with_cache(Arc::clone(cache))
}

#[tokio::test]
async fn validator_hits_across_work_dirs_and_file_orders() {
    let cache = Arc::new(ValidationCache::in_memory(1 << 30));
    let root_a = tempfile::tempdir().unwrap();
    let root_b = tempfile::tempdir().unwrap();
    let first = validator_in(root_a.path(), &cache);
    let second = validator_in(root_b.path(), &cache);
    let program = common::program(TargetLanguage::Rust, &[("lib.rs", BROKEN)]);

    let fresh = first.validate(&program, Expect::Check).await.unwrap();
    assert!(!fresh.cached);
    assert!(!fresh.passed);
    assert_eq!(fresh.errors[0].code.as_deref(), Some("E0425"));

    // Another validator, another work root, later: the same key, a hit, the same verdict.
    assert_eq!(
        first.cache_key(&program, Expect::Check).await.unwrap(),
        second.cache_key(&program, Expect::Check).await.unwrap()
    );
    let hit = second.validate(&program, Expect::Check).await.unwrap();
    assert!(hit.cached);
    assert_eq!(hit.passed, fresh.passed);
    assert_eq!(hit.errors, fresh.errors);
    assert_eq!(hit.steps, fresh.steps);
    assert_eq!(hit.output, fresh.output);
    assert_eq!(cache.session_counts(), (1, 1));

    // A different program misses and is validated for real.
    let fixed = common::program(
        TargetLanguage::Rust,
        &[("lib.rs", &BROKEN.replace("reslt", "result"))],
    );
    let result = second.validate(&fixed, Expect::Check).await.unwrap();
    assert!(!result.cached);
    assert!(result.passed, "{}", result.output);
    assert_eq!(cache.session_counts(), (1, 2));

    // Options reach the key through the planned argv too.
    let edition = program.clone().with_option("edition", "2018");
    assert_ne!(
        first.cache_key(&edition, Expect::Check).await.unwrap(),
        first.cache_key(&program, Expect::Check).await.unwrap()
    );
}

#[tokio::test]
async fn a_validator_without_a_cache_never_reports_cached() {
    let validator = common::validator();
    assert!(validator.cache().is_none());
    let program = common::program(TargetLanguage::Rust, &[("lib.rs", "pub fn f() {}\n")]);
    for _ in 0..2 {
        let result = validator.validate(&program, Expect::Check).await.unwrap();
        assert!(!result.cached);
        assert!(result.passed);
    }
}
