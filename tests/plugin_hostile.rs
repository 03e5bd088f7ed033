//! Hostile plugins, written in WAT and componentized here: each is contained (its failure
//! kind asserted), reported (counted), and leaves the host and the other plugins working.

#[path = "data/plugins/componentize.rs"]
mod componentize;

use std::time::Duration;

use selfheal::fix::{FixEngine, FixStrategy};
use selfheal::plugin::{
    FailureKind, Plugin, PluginError, PluginHost, PluginHostConfig, PluginLimits, WasmFixStrategy,
};
use selfheal::{CodeError, ErrorType, Program, TargetLanguage};

fn host() -> PluginHost {
    PluginHost::new(PluginHostConfig {
        cache_dir: None,
        limits: PluginLimits {
            // Short, so the infinite loop costs little; still far above a real call.
            timeout: Duration::from_millis(50),
            ..PluginLimits::default()
        },
    })
    .unwrap()
}

fn program() -> Program {
    Program::new(
        TargetLanguage::Python,
        [("main.py".to_string(), "print('hello'\n".to_string())],
    )
    .unwrap()
}

fn error() -> CodeError {
    CodeError::new(ErrorType::SyntaxError, "'(' was never closed")
        .with_location(selfheal::Location::new("main.py", 1, 6))
}

/// Calls the hostile plugin, checks the failure kind and the counter, then checks that a
/// good plugin loaded in the same host still answers and that an engine holding both still
/// proposes the good fix.
fn assert_contained(host: &PluginHost, hostile: &Plugin, kind: FailureKind) {
    let failure = hostile
        .suggest(&error(), &program(), "plugin.hostile")
        .expect_err("the hostile plugin must fail");
    assert_eq!(failure.kind, kind, "{failure}");
    assert_eq!(failure.plugin, hostile.info().name);
    assert_eq!(failure.function, "suggest");
    assert_eq!(hostile.failures(), 1);

    let good = host
        .load_bytes(&componentize::strategy("fixed-edit"))
        .unwrap();
    let fixes = good
        .suggest(&error(), &program(), "plugin.fixed-edit")
        .unwrap();
    assert_eq!(fixes.len(), 1);
    assert_eq!(fixes[0].edits[0].replacement, ")");

    let mut engine = FixEngine::empty();
    engine.add(std::sync::Arc::new(
        WasmFixStrategy::new(hostile.clone()).unwrap(),
    ));
    engine.add(std::sync::Arc::new(WasmFixStrategy::new(good).unwrap()));
    let fixes = engine.suggest(&error(), &program());
    assert_eq!(fixes.len(), 1);
    assert_eq!(fixes[0].strategy, "plugin.fixed-edit");
    assert_eq!(
        hostile.failures(),
        2,
        "the engine's call failed and was counted too"
    );
}

#[test]
fn an_infinite_loop_times_out() {
    let host = host();
    let plugin = host
        .load_bytes(&componentize::strategy("infinite-loop"))
        .unwrap();
    assert_contained(&host, &plugin, FailureKind::Timeout);
}

#[test]
fn unbounded_memory_growth_is_stopped_at_the_cap() {
    let host = host();
    let plugin = host
        .load_bytes(&componentize::strategy("memory-hog"))
        .unwrap();
    assert_contained(&host, &plugin, FailureKind::OutOfMemory);
}

#[test]
fn an_immediate_trap_is_a_trap() {
    let host = host();
    let plugin = host.load_bytes(&componentize::strategy("trap")).unwrap();
    let failure = plugin
        .suggest(&error(), &program(), "plugin.trap")
        .unwrap_err();
    assert!(failure.message.contains("unreachable"), "{failure}");
    let host2 = self::host();
    let plugin2 = host2.load_bytes(&componentize::strategy("trap")).unwrap();
    assert_contained(&host2, &plugin2, FailureKind::Trap);
}

#[test]
fn a_flood_of_output_hits_the_output_limit() {
    let host = host();
    let plugin = host
        .load_bytes(&componentize::component(
            "output-flood",
            "test:plugins/flood",
        ))
        .unwrap();
    assert_contained(&host, &plugin, FailureKind::OutputLimit);
}

#[test]
fn a_gigantic_result_is_refused() {
    let host = host();
    let plugin = host
        .load_bytes(&componentize::strategy("gigantic-result"))
        .unwrap();
    assert_contained(&host, &plugin, FailureKind::OversizedResult);
}

#[test]
fn a_confidence_outside_zero_to_one_is_malformed() {
    let host = host();
    let plugin = host
        .load_bytes(&componentize::strategy("bad-confidence"))
        .unwrap();
    assert_contained(&host, &plugin, FailureKind::MalformedResult);
}

#[test]
fn an_err_from_the_plugin_is_a_plugin_error() {
    let host = host();
    let plugin = host
        .load_bytes(&componentize::strategy("says-error"))
        .unwrap();
    let failure = plugin
        .suggest(&error(), &program(), "plugin.says-error")
        .unwrap_err();
    assert_eq!(failure.message, "cannot handle this program");
    let host2 = self::host();
    let plugin2 = host2
        .load_bytes(&componentize::strategy("says-error"))
        .unwrap();
    assert_contained(&host2, &plugin2, FailureKind::PluginError);
}

#[test]
fn an_import_the_host_does_not_provide_is_refused_at_load() {
    let host = host();
    let err = host
        .load_bytes(&componentize::component(
            "unknown-import",
            "test:plugins/vault",
        ))
        .unwrap_err();
    match &err {
        PluginError::UnsupportedImport { import } => {
            assert_eq!(import, "acme:secrets/vault@1.0.0")
        }
        other => panic!("expected UnsupportedImport, got {other:?}"),
    }
    assert!(
        err.to_string().contains("acme:secrets/vault@1.0.0"),
        "{err}"
    );
    // The host still loads and runs good plugins.
    let good = host
        .load_bytes(&componentize::strategy("fixed-edit"))
        .unwrap();
    let strategy = WasmFixStrategy::new(good).unwrap();
    assert_eq!(strategy.suggest(&error(), &program()).len(), 1);
}

#[test]
fn a_heal_with_hostile_and_good_plugins_still_heals() {
    let root = tempfile::tempdir().unwrap();
    let plugins = root.path().join("plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    let hostile = [
        "infinite-loop",
        "memory-hog",
        "trap",
        "gigantic-result",
        "bad-confidence",
        "says-error",
    ];
    for name in hostile.iter().chain(&["fixed-edit"]) {
        std::fs::write(
            plugins.join(format!("{name}.wasm")),
            componentize::strategy(name),
        )
        .unwrap();
    }
    std::fs::write(
        plugins.join("output-flood.wasm"),
        componentize::component("output-flood", "test:plugins/flood"),
    )
    .unwrap();
    std::fs::write(
        plugins.join("unknown-import.wasm"),
        componentize::component("unknown-import", "test:plugins/vault"),
    )
    .unwrap();
    let program = root.path().join("main.py");
    std::fs::write(&program, "print('hello'\n").unwrap();
    let mut ids: Vec<String> = hostile.iter().map(|n| format!("plugin.{n}")).collect();
    ids.push("plugin.output-flood".into());
    ids.push("plugin.fixed-edit".into());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_selfheal"))
        .args([
            "heal",
            "--format",
            "json",
            "--expect",
            "check",
            "--plugins",
            plugins.to_str().unwrap(),
            "--strategies",
            &ids.join(","),
            "--data-dir",
            root.path().join("data").to_str().unwrap(),
            "--cache-dir",
            root.path().join("cache").to_str().unwrap(),
            program.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["healed"], true);
    assert_eq!(
        report["strategies_kept"],
        serde_json::json!(["plugin.fixed-edit"])
    );
    assert_eq!(
        report["final_program"]["files"]["main.py"],
        "print('hello')\n"
    );
    // The unloadable plugin is reported by name, each failure by plugin and kind.
    assert!(
        stderr.contains("unknown-import.wasm") && stderr.contains("acme:secrets/vault@1.0.0"),
        "{stderr}"
    );
    for (name, kind) in [
        ("infinite-loop", "timeout"),
        ("memory-hog", "out_of_memory"),
        ("trap", "trap"),
        ("gigantic-result", "oversized_result"),
        ("bad-confidence", "malformed_result"),
        ("says-error", "plugin_error"),
        ("output-flood", "output_limit"),
    ] {
        let line = format!("plugin `{name}` failed in `suggest` ({kind})");
        assert!(stderr.contains(&line), "missing {line:?} in:\n{stderr}");
    }
}
