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

/// Runs `f` on a thread and fails the test (instead of hanging it) when it has not returned
/// within `limit`: a liveness bound far above the 50 ms deadline, not a speed measurement.
fn returns_within<R: Send + 'static>(limit: Duration, f: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit)
        .unwrap_or_else(|_| panic!("did not return within {limit:?}: the deadline did not hold"))
}

/// A fix strategy of the `test:plugins/sleeper` world (imports the monotonic clock and poll).
fn sleeper(name: &str) -> Vec<u8> {
    componentize::component(name, "test:plugins/sleeper")
}

#[test]
fn an_eight_second_sleep_in_pollable_block_times_out() {
    // Before async calls, the plugin slept 8 s in `pollable.block` and then returned its fix
    // as a success: the epoch deadline never fires inside a host call.
    let host = host();
    let plugin = host.load_bytes(&sleeper("sleep-8s")).unwrap();
    let hostile = plugin.clone();
    let failure = returns_within(Duration::from_secs(20), move || {
        hostile.suggest(&error(), &program(), "plugin.sleep-8s")
    })
    .expect_err("the sleeping plugin must time out");
    assert_eq!(failure.kind, FailureKind::Timeout, "{failure}");
    assert_eq!(failure.message, "ran longer than 50 ms");
    assert_eq!(plugin.failures(), 1);
    let host2 = self::host();
    let plugin2 = host2.load_bytes(&sleeper("sleep-8s")).unwrap();
    assert_contained(&host2, &plugin2, FailureKind::Timeout);
}

#[test]
fn an_hour_long_sleep_in_poll_times_out() {
    let host = host();
    let plugin = host.load_bytes(&sleeper("sleep-hour")).unwrap();
    let hostile = plugin.clone();
    let failure = returns_within(Duration::from_secs(20), move || {
        hostile.suggest(&error(), &program(), "plugin.sleep-hour")
    })
    .expect_err("the sleeping plugin must time out");
    assert_eq!(failure.kind, FailureKind::Timeout, "{failure}");
    assert_eq!(failure.function, "suggest");
    let host2 = self::host();
    let plugin2 = host2.load_bytes(&sleeper("sleep-hour")).unwrap();
    returns_within(Duration::from_secs(20), move || {
        assert_contained(&host2, &plugin2, FailureKind::Timeout)
    });
}

#[test]
fn an_hour_long_sleep_in_info_fails_the_load_with_a_timeout() {
    let host = host();
    let bytes = sleeper("sleep-in-info");
    let loader = host.clone();
    let err = returns_within(Duration::from_secs(20), move || loader.load_bytes(&bytes))
        .expect_err("the load must fail");
    match &err {
        PluginError::Info(failure) => {
            assert_eq!(failure.kind, FailureKind::Timeout, "{failure}");
            assert_eq!(failure.function, "info");
        }
        other => panic!("expected Info(timeout), got {other:?}"),
    }
    // The host goes on loading and running good plugins.
    let good = host
        .load_bytes(&componentize::strategy("fixed-edit"))
        .unwrap();
    assert_eq!(
        good.suggest(&error(), &program(), "plugin.fixed-edit")
            .unwrap()
            .len(),
        1
    );
}

/// `selfheal` with `args` and a fresh cache dir, stopped by the liveness bound.
fn selfheal(root: &std::path::Path, args: &[&str]) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_selfheal"));
    command
        .args(["--cache-dir", root.join("cache").to_str().unwrap()])
        .args(args);
    returns_within(Duration::from_secs(60), move || command.output().unwrap())
}

#[test]
fn plugin_list_and_check_return_on_a_plugin_sleeping_in_info() {
    let root = tempfile::tempdir().unwrap();
    let plugins = root.path().join("plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    let sleepy = plugins.join("sleep-in-info.wasm");
    std::fs::write(&sleepy, sleeper("sleep-in-info")).unwrap();
    std::fs::write(
        plugins.join("fixed-edit.wasm"),
        componentize::strategy("fixed-edit"),
    )
    .unwrap();

    let out = selfheal(
        root.path(),
        &[
            "plugin",
            "list",
            "--format",
            "json",
            "--plugins",
            plugins.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed["plugins"].as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed["plugins"][0]["name"], "fixed-edit", "{listed}");
    let errors = listed["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{listed}");
    assert_eq!(errors[0]["file"], sleepy.to_str().unwrap());
    let message = errors[0]["error"].as_str().unwrap();
    assert!(message.contains("failed in `info` (timeout)"), "{message}");

    let out = selfheal(root.path(), &["plugin", "check", sleepy.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("refused") && stderr.contains("(timeout)"),
        "{stderr}"
    );
}

#[test]
fn unbounded_memory_growth_is_stopped_at_the_cap() {
    let host = host();
    let plugin = host
        .load_bytes(&componentize::strategy("memory-hog"))
        .unwrap();
    assert_contained(&host, &plugin, FailureKind::OutOfMemory);
}

/// A host whose plugins get `memory_bytes` for all their memories and tables together.
fn host_with_memory(memory_bytes: usize) -> PluginHost {
    PluginHost::new(PluginHostConfig {
        cache_dir: None,
        limits: PluginLimits {
            memory_bytes,
            timeout: Duration::from_secs(5),
            ..PluginLimits::default()
        },
    })
    .unwrap()
}

#[test]
fn two_memories_each_under_the_cap_are_stopped_together() {
    // Each memory grows to 40 pages (2.5 MiB), under the 4 MiB cap; together they are 5 MiB.
    let host = host_with_memory(4 << 20);
    let plugin = host
        .load_bytes(&componentize::strategy("two-memories"))
        .unwrap();
    let failure = plugin
        .suggest(&error(), &program(), "plugin.two-memories")
        .unwrap_err();
    assert_eq!(failure.kind, FailureKind::OutOfMemory, "{failure}");
    assert_eq!(
        failure.message,
        "exceeded the memory limit of 4194304 bytes (all its memories and tables together)"
    );
    assert_eq!(plugin.failures(), 1);
    // With room for both, the same plugin answers: the cap, not the second memory, stopped it.
    let roomy = host_with_memory(6 << 20);
    let plugin = roomy
        .load_bytes(&componentize::strategy("two-memories"))
        .unwrap();
    let fixes = plugin
        .suggest(&error(), &program(), "plugin.two-memories")
        .unwrap();
    assert_eq!(fixes.len(), 1);
}

#[test]
fn a_table_counts_towards_the_memory_cap() {
    // Memory 2.5 MiB (2 621 440 bytes) + table 60 000 elements (480 000 bytes): each under a
    // 2.75 MiB cap (2 883 584 bytes), together over it.
    let host = host_with_memory(2_883_584);
    let plugin = host
        .load_bytes(&componentize::strategy("memory-and-table"))
        .unwrap();
    let failure = plugin
        .suggest(&error(), &program(), "plugin.memory-and-table")
        .unwrap_err();
    assert_eq!(failure.kind, FailureKind::OutOfMemory, "{failure}");
    let roomy = host_with_memory(4 << 20);
    let plugin = roomy
        .load_bytes(&componentize::strategy("memory-and-table"))
        .unwrap();
    assert_eq!(
        plugin
            .suggest(&error(), &program(), "plugin.memory-and-table")
            .unwrap()
            .len(),
        1
    );
    let host2 = host_with_memory(2_883_584);
    let plugin2 = host2
        .load_bytes(&componentize::strategy("memory-and-table"))
        .unwrap();
    assert_contained(&host2, &plugin2, FailureKind::OutOfMemory);
}

/// The fixed-edit plugin plus one function of `locals` locals and `loops` loops, reading every
/// local after the loops: a few kilobytes, but Cranelift's SSA construction gives each loop
/// header a block parameter per local (`locals × loops` values live across every loop), so
/// compiling it costs seconds and hundreds of megabytes (3000 × 300: 17 KB, ~4 s CPU).
fn costly_to_compile(locals: usize, loops: usize) -> Vec<u8> {
    let wat = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/plugins/fixed-edit.wat"),
    )
    .unwrap();
    let end = wat.trim_end().rfind(')').unwrap();
    let mut big = wat[..end].to_string();
    big.push_str("  (func $costly (param i32) (result i32)");
    big.push_str(&" (local i32)".repeat(locals));
    big.push_str(&"\n    (loop $l (br_if $l (local.get 0)))".repeat(loops));
    big.push_str("\n    (local.get 0)");
    for i in 1..=locals {
        big.push_str(&format!("\n    (i32.add (local.get {i}))"));
    }
    big.push_str("\n  )\n)\n");
    componentize::component_from_wat(&big, "fix-strategy")
}

/// A host with the given compile bounds (and a long call deadline).
fn host_with_compile_bounds(timeout: Duration, memory_bytes: usize) -> PluginHost {
    PluginHost::new(PluginHostConfig {
        cache_dir: None,
        limits: PluginLimits {
            compile_timeout: timeout,
            compile_memory_bytes: memory_bytes,
            ..PluginLimits::default()
        },
    })
    .unwrap()
}

#[test]
fn a_component_too_costly_to_compile_is_refused_at_the_time_bound() {
    // Tens of seconds of CPU to compile without the bound.
    let bytes = costly_to_compile(6000, 600);
    let host = host_with_compile_bounds(Duration::from_millis(300), 2 << 30);
    let loader = host.clone();
    let err = returns_within(Duration::from_secs(30), move || loader.load_bytes(&bytes))
        .expect_err("the compilation must be stopped");
    match &err {
        PluginError::CompileTimeout { limit } => assert_eq!(*limit, Duration::from_millis(300)),
        other => panic!("expected CompileTimeout, got {other:?}"),
    }
    assert!(
        err.to_string()
            .starts_with("compiling the component took longer than 300ms"),
        "{err}"
    );
    // The same host compiles and runs an ordinary plugin.
    let good = host
        .load_bytes(&componentize::strategy("fixed-edit"))
        .unwrap();
    assert_eq!(
        good.suggest(&error(), &program(), "plugin.fixed-edit")
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn a_component_too_costly_to_compile_is_refused_at_the_memory_bound() {
    // ~75 MB of compiler memory; the bound is 64 MiB.
    let bytes = costly_to_compile(3000, 300);
    let host = host_with_compile_bounds(Duration::from_secs(120), 64 << 20);
    let loader = host.clone();
    let err = returns_within(Duration::from_secs(150), move || loader.load_bytes(&bytes))
        .expect_err("the compilation must be stopped");
    match &err {
        PluginError::CompileMemory { limit } => assert_eq!(*limit, 64 << 20),
        other => panic!("expected CompileMemory, got {other:?}"),
    }
    assert!(
        err.to_string()
            .starts_with("compiling the component needed more than 67108864 bytes of memory"),
        "{err}"
    );
    // An ordinary plugin compiles within the same bound.
    let good = host
        .load_bytes(&componentize::strategy("fixed-edit"))
        .unwrap();
    assert_eq!(
        good.suggest(&error(), &program(), "plugin.fixed-edit")
            .unwrap()
            .len(),
        1
    );
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
    for name in ["sleep-8s", "sleep-hour"] {
        std::fs::write(plugins.join(format!("{name}.wasm")), sleeper(name)).unwrap();
    }
    std::fs::write(
        plugins.join("unknown-import.wasm"),
        componentize::component("unknown-import", "test:plugins/vault"),
    )
    .unwrap();
    let program = root.path().join("main.py");
    std::fs::write(&program, "print('hello'\n").unwrap();
    let mut ids: Vec<String> = hostile.iter().map(|n| format!("plugin.{n}")).collect();
    ids.push("plugin.output-flood".into());
    ids.push("plugin.sleep-8s".into());
    ids.push("plugin.sleep-hour".into());
    ids.push("plugin.fixed-edit".into());
    let data_dir = root.path().join("data").to_str().unwrap().to_string();
    let out = selfheal(
        root.path(),
        &[
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
            &data_dir,
            // The plugin's own edit, not the formatter's quotes.
            "--no-format",
            program.to_str().unwrap(),
        ],
    );
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
        ("sleep-8s", "timeout"),
        ("sleep-hour", "timeout"),
    ] {
        let line = format!("plugin `{name}` failed in `suggest` ({kind})");
        assert!(stderr.contains(&line), "missing {line:?} in:\n{stderr}");
    }
}
