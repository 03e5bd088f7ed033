//! The plugin host with well-behaved plugins: loading, the compiled cache, the interface
//! version check, and plugins taking part in validation and healing.

#[path = "data/plugins/componentize.rs"]
mod componentize;

use std::sync::Arc;

use selfheal::fix::FixStrategy;
use selfheal::plugin::{
    CacheOutcome, PluginError, PluginHost, PluginHostConfig, PluginKind, PluginLimits, PluginSet,
    WasmFixStrategy,
};
use selfheal::{CodeError, ErrorType, Program, TargetLanguage};

fn host(cache: Option<&std::path::Path>) -> PluginHost {
    PluginHost::new(PluginHostConfig {
        cache_dir: cache.map(|c| c.to_path_buf()),
        limits: PluginLimits::default(),
    })
    .unwrap()
}

fn broken_program() -> Program {
    Program::new(
        TargetLanguage::Python,
        [("main.py".to_string(), "print('hello'\n".to_string())],
    )
    .unwrap()
}

fn syntax_error() -> CodeError {
    CodeError::new(ErrorType::SyntaxError, "'(' was never closed")
        .with_location(selfheal::Location::new("main.py", 1, 6))
}

#[test]
fn a_fix_strategy_returns_exactly_its_fixes() {
    let host = host(None);
    let plugin = host
        .load_bytes(&componentize::strategy("fixed-edit"))
        .unwrap();
    assert_eq!(plugin.kind(), PluginKind::FixStrategy);
    assert_eq!(plugin.info().name, "fixed-edit");
    assert_eq!(plugin.info().version, "1.0.0");
    assert_eq!(plugin.info().languages, vec![TargetLanguage::Python]);
    let fixes = plugin
        .suggest(&syntax_error(), &broken_program(), "plugin.fixed-edit")
        .unwrap();
    assert_eq!(
        fixes,
        vec![selfheal::fix::Fix {
            strategy: "plugin.fixed-edit".into(),
            description: "close the call".into(),
            confidence: 0.9,
            applicability: selfheal::fix::FixApplicability::Speculative,
            edits: vec![selfheal::fix::Edit {
                file: "main.py".into(),
                byte_start: 13,
                byte_end: 13,
                replacement: ")".into(),
            }],
        }]
    );
    let healed = selfheal::fix::apply_fix(&broken_program(), &fixes[0]).unwrap();
    assert_eq!(healed.files()["main.py"], "print('hello')\n");
    assert_eq!(plugin.failures(), 0);
}

#[test]
fn the_compiled_form_is_cached_and_a_damaged_cache_file_is_recovered() {
    let cache = tempfile::tempdir().unwrap();
    let bytes = componentize::strategy("fixed-edit");
    let first = host(Some(cache.path())).load_bytes(&bytes).unwrap();
    assert_eq!(first.cache_outcome(), CacheOutcome::Compiled);
    let host2 = host(Some(cache.path()));
    let path = host2.compiled_path(&bytes).unwrap();
    assert!(path.starts_with(cache.path()) && path.is_file());
    let second = host2.load_bytes(&bytes).unwrap();
    assert_eq!(second.cache_outcome(), CacheOutcome::Hit);
    assert_eq!(
        second
            .suggest(&syntax_error(), &broken_program(), "plugin.fixed-edit")
            .unwrap()
            .len(),
        1
    );

    // One flipped byte in the compiled code: detected by the checksum, never deserialized.
    let mut damaged = std::fs::read(&path).unwrap();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0xff;
    std::fs::write(&path, &damaged).unwrap();
    let third = host(Some(cache.path())).load_bytes(&bytes).unwrap();
    assert_eq!(third.cache_outcome(), CacheOutcome::Recovered);
    assert_eq!(
        third
            .suggest(&syntax_error(), &broken_program(), "plugin.fixed-edit")
            .unwrap()[0]
            .edits[0]
            .replacement,
        ")"
    );
    // Recompiled and stored again: the next load hits.
    assert_eq!(
        host(Some(cache.path()))
            .load_bytes(&bytes)
            .unwrap()
            .cache_outcome(),
        CacheOutcome::Hit
    );
    // A truncated file (a torn write) too.
    std::fs::write(&path, &damaged[..10]).unwrap();
    assert_eq!(
        host(Some(cache.path()))
            .load_bytes(&bytes)
            .unwrap()
            .cache_outcome(),
        CacheOutcome::Recovered
    );
}

#[test]
fn a_plugin_built_for_another_interface_version_is_refused_naming_both() {
    let bytes = componentize::component_with_wit(
        "fixed-edit",
        "fix-strategy",
        Some(&|wit: &str| wit.replace("selfheal:plugin@0.2.0", "selfheal:plugin@0.3.0")),
    );
    let err = host(None).load_bytes(&bytes).unwrap_err();
    assert!(
        matches!(err, PluginError::IncompatibleVersion { .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "plugin was built for selfheal:plugin@0.3.0; this selfheal speaks \
         selfheal:plugin@0.2.0: rebuild it against wit/ of this version"
    );
    // A patch release of the same minor version is compatible.
    let patch = componentize::component_with_wit(
        "fixed-edit",
        "fix-strategy",
        Some(&|wit: &str| wit.replace("selfheal:plugin@0.2.0", "selfheal:plugin@0.2.4")),
    );
    assert_eq!(
        host(None).load_bytes(&patch).unwrap().info().name,
        "fixed-edit"
    );
}

#[test]
fn files_that_are_not_plugins_get_clear_errors() {
    let host = host(None);
    let core = wat::parse_str("(module)").unwrap();
    assert!(matches!(
        host.load_bytes(&core).unwrap_err(),
        PluginError::CoreModule
    ));
    assert!(matches!(
        host.load_bytes(b"#!/bin/sh\n").unwrap_err(),
        PluginError::NotWasm
    ));
    let empty = wit_component::ComponentEncoder::default()
        .module(&wat::parse_str("(module)").unwrap())
        .unwrap()
        .encode()
        .unwrap();
    let err = host.load_bytes(&empty).unwrap_err();
    assert!(matches!(err, PluginError::NotAPlugin { .. }), "{err:?}");
    assert!(err.to_string().contains("world fix-strategy"), "{err}");
}

#[test]
fn a_directory_loads_each_plugin_as_its_kind_and_reports_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.wasm"),
        componentize::strategy("fixed-edit"),
    )
    .unwrap();
    std::fs::write(dir.path().join("b.wasm"), componentize::validator()).unwrap();
    std::fs::write(dir.path().join("c.wasm"), b"not wasm").unwrap();
    std::fs::write(dir.path().join("notes.txt"), b"ignored").unwrap();
    let (set, errors) = PluginSet::load_dir(dir.path(), &host(None)).unwrap();
    assert_eq!(set.strategies().len(), 1);
    assert_eq!(set.strategies()[0].id(), "plugin.fixed-edit");
    assert_eq!(set.validators().len(), 1);
    assert_eq!(set.validators()[0].plugin().info().name, "policy");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].path, dir.path().join("c.wasm"));
    assert!(matches!(errors[0].error, PluginError::NotWasm));
}

#[test]
fn strategies_are_only_asked_about_their_languages() {
    let plugin = host(None)
        .load_bytes(&componentize::strategy("fixed-edit"))
        .unwrap();
    let strategy = WasmFixStrategy::new(plugin.clone()).unwrap();
    let go = Program::new(
        TargetLanguage::Go,
        [("main.go".to_string(), "package main\n".to_string())],
    )
    .unwrap();
    let calls = plugin.calls();
    assert!(strategy.suggest(&syntax_error(), &go).is_empty());
    assert_eq!(plugin.calls(), calls, "not called for Go");
    assert_eq!(
        strategy.suggest(&syntax_error(), &broken_program()).len(),
        1
    );
    assert_eq!(plugin.calls(), calls + 1);
}

fn passing_program() -> Program {
    Program::new(
        TargetLanguage::Python,
        [("main.py".to_string(), "print('ok')\n".to_string())],
    )
    .unwrap()
}

#[tokio::test]
async fn a_validator_plugin_makes_a_passing_program_fail_and_keys_the_cache() {
    use selfheal::cache::{CacheConfig, ValidationCache};
    use selfheal::validate::{Expect, Validator, ValidatorConfig};

    let dirs = tempfile::tempdir().unwrap();
    let config = ValidatorConfig {
        cache_dir: dirs.path().join("cache"),
        ..ValidatorConfig::default()
    };
    let cache = Arc::new(
        ValidationCache::open(&CacheConfig::in_data_dir(&dirs.path().join("data"))).unwrap(),
    );
    let plain = Validator::new(config.clone())
        .unwrap()
        .with_cache(Arc::clone(&cache));
    let first = plain
        .validate(&passing_program(), Expect::Check)
        .await
        .unwrap();
    assert!(first.passed, "{:?}", first.errors);

    let mut set = PluginSet::new();
    set.add(host(None).load_bytes(&componentize::validator()).unwrap())
        .unwrap();
    let with_policy = Validator::new(config)
        .unwrap()
        .with_cache(Arc::clone(&cache))
        .with_plugins(Arc::new(set));
    let result = with_policy
        .validate(&passing_program(), Expect::Check)
        .await
        .unwrap();
    assert!(
        !result.cached,
        "a verdict without the plugin must not answer"
    );
    assert!(!result.passed);
    assert_eq!(result.errors.len(), 1);
    let error = &result.errors[0];
    assert_eq!(error.message, "policy violation: no print statements");
    assert_eq!(error.code.as_deref(), Some("POL001"));
    assert_eq!(error.error_type, ErrorType::CompilerError("policy".into()));
    assert_eq!(error.step, "check");
    assert_eq!(error.context.as_deref(), Some(">    1 | print('ok')\n"));

    // Each verdict is cached under its own key.
    let again = with_policy
        .validate(&passing_program(), Expect::Check)
        .await
        .unwrap();
    assert!(again.cached && !again.passed);
    let plain_again = plain
        .validate(&passing_program(), Expect::Check)
        .await
        .unwrap();
    assert!(plain_again.cached && plain_again.passed);
}

// ---- the command line ----

fn selfheal(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_selfheal"))
        .args(args)
        .output()
        .expect("run selfheal")
}

fn stdout_json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// A plugin dir (fixed-edit + policy unless `with_policy` is false), a work dir, and the
/// `--cache-dir`/`--data-dir` arguments.
struct Cli {
    root: tempfile::TempDir,
}

impl Cli {
    fn new(with_policy: bool) -> Cli {
        let root = tempfile::tempdir().unwrap();
        let plugins = root.path().join("plugins");
        std::fs::create_dir_all(&plugins).unwrap();
        std::fs::write(
            plugins.join("fixed-edit.wasm"),
            componentize::strategy("fixed-edit"),
        )
        .unwrap();
        if with_policy {
            std::fs::write(plugins.join("policy.wasm"), componentize::validator()).unwrap();
        }
        Cli { root }
    }

    fn path(&self, name: &str) -> String {
        self.root.path().join(name).to_str().unwrap().to_string()
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        all.extend(["--cache-dir".into(), self.path("cache")]);
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        selfheal(&refs)
    }
}

#[test]
fn heal_with_plugins_heals_through_the_plugin_strategy() {
    let cli = Cli::new(false);
    let program = cli.root.path().join("main.py");
    std::fs::write(&program, "print('hello'\n").unwrap();
    let out = cli.run(&[
        "heal",
        "--format",
        "json",
        "--plugins",
        &cli.path("plugins"),
        "--strategies",
        "plugin.fixed-edit",
        "--data-dir",
        &cli.path("data"),
        "--expect",
        "check",
        // The plugin's own edit, not the formatter's quotes.
        "--no-format",
        "--write",
        program.to_str().unwrap(),
    ]);
    let report = stdout_json(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(report["healed"], true);
    assert_eq!(
        report["strategies_kept"],
        serde_json::json!(["plugin.fixed-edit"])
    );
    let kept: Vec<&serde_json::Value> = report["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kept"] == true)
        .collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0]["strategy"], "plugin.fixed-edit");
    assert_eq!(kept[0]["description"], "close the call");
    assert_eq!(
        std::fs::read_to_string(&program).unwrap(),
        "print('hello')\n"
    );

    // An unknown id names the plugin ids among the known ones.
    let out = cli.run(&[
        "heal",
        "--plugins",
        &cli.path("plugins"),
        "--strategies",
        "plugin.nope",
        program.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown strategy `plugin.nope`"),
        "{stderr}"
    );
    assert!(stderr.contains("plugin.fixed-edit"), "{stderr}");
}

#[test]
fn check_with_a_validator_plugin_fails_a_passing_program() {
    let cli = Cli::new(true);
    let program = cli.root.path().join("main.py");
    std::fs::write(&program, "print('ok')\n").unwrap();
    let base = [
        "check",
        "--format",
        "json",
        "--no-cache",
        "--expect",
        "check",
    ];
    let plain = cli.run(&[&base[..], &[program.to_str().unwrap()]].concat());
    assert_eq!(
        plain.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&plain.stderr)
    );
    let plugins = cli.path("plugins");
    let out = cli.run(
        &[
            &base[..],
            &["--plugins", &plugins, program.to_str().unwrap()],
        ]
        .concat(),
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result = stdout_json(&out);
    assert_eq!(result["passed"], false);
    assert_eq!(result["errors"][0]["code"], "POL001");
    assert_eq!(
        result["errors"][0]["message"],
        "policy violation: no print statements"
    );
}

#[test]
fn plugin_list_check_and_run() {
    let cli = Cli::new(true);
    let plugins = cli.path("plugins");
    let out = cli.run(&["plugin", "list", "--plugins", &plugins, "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list = stdout_json(&out);
    let rows = list["plugins"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["name"], "fixed-edit");
    assert_eq!(rows[0]["kind"], "fix-strategy");
    assert_eq!(rows[0]["version"], "1.0.0");
    assert_eq!(rows[0]["languages"], serde_json::json!(["python"]));
    assert_eq!(rows[1]["name"], "policy");
    assert_eq!(rows[1]["kind"], "validator");
    let human = cli.run(&["plugin", "list", "--plugins", &plugins]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("fixed-edit") && text.contains("fix-strategy"),
        "{text}"
    );

    let file = cli.root.path().join("plugins/fixed-edit.wasm");
    let out = cli.run(&["plugin", "check", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("name: fixed-edit\n"), "{text}");
    assert!(text.contains("kind: fix-strategy\n"), "{text}");

    let old = cli.root.path().join("old.wasm");
    std::fs::write(
        &old,
        componentize::component_with_wit(
            "fixed-edit",
            "fix-strategy",
            Some(&|wit: &str| wit.replace("selfheal:plugin@0.2.0", "selfheal:plugin@0.3.0")),
        ),
    )
    .unwrap();
    let out = cli.run(&["plugin", "check", old.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("plugin was built for selfheal:plugin@0.3.0; this selfheal speaks selfheal:plugin@0.2.0"),
        "{stderr}"
    );

    let program = cli.root.path().join("prog");
    std::fs::create_dir_all(&program).unwrap();
    std::fs::write(program.join("main.py"), "print('hello'\n").unwrap();
    let error = cli.root.path().join("error.json");
    std::fs::write(&error, serde_json::to_string(&syntax_error()).unwrap()).unwrap();
    let run = |format: &str| {
        cli.run(&[
            "plugin",
            "run",
            file.to_str().unwrap(),
            "--error",
            error.to_str().unwrap(),
            "--program",
            program.to_str().unwrap(),
            "--format",
            format,
        ])
    };
    let out = run("json");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout_json(&out),
        serde_json::json!([{
            "strategy": "plugin.fixed-edit",
            "description": "close the call",
            "confidence": 0.9,
            // A plugin's fixes are never trusted beyond speculative.
            "applicability": "speculative",
            "edits": [{"file": "main.py", "byte_start": 13, "byte_end": 13, "replacement": ")"}]
        }])
    );
    let out = run("human");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "1. close the call (confidence 0.90)\n   main.py 13..13 -> \")\"\n"
    );
}
