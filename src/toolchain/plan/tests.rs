use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use super::*;
use crate::toolchain::ToolchainSet;
use crate::types::TargetLanguage;

/// A resolution with fixed, fake paths: plans are exact whatever the host has.
fn fake(language: TargetLanguage, deps_ready: bool) -> ResolvedToolchain {
    let set = ToolchainSet::embedded().unwrap();
    let toolchain = set.get(language).unwrap().clone();
    let binaries: Vec<ResolvedBinary> = toolchain
        .def
        .binaries
        .iter()
        .map(|b| ResolvedBinary {
            name: b.name.clone(),
            path: PathBuf::from(format!("/opt/{0}/bin/{0}", b.name)),
            found_as: PathBuf::from(format!("/usr/bin/{}", b.name)),
            version: format!("{} 1.0", b.name),
            version_output: format!("{} 1.0", b.name),
            probes: b
                .probes
                .iter()
                .map(|(p, _)| (p.clone(), format!("/opt/{}/{p}", b.name)))
                .collect(),
        })
        .collect();
    let rust_deps = Arc::new(OnceLock::new());
    if deps_ready {
        let _ = rust_deps.set(RustDeps {
            deps_dir: PathBuf::from("/c/deps"),
            externs: vec![
                ("rand".into(), PathBuf::from("/c/deps/librand-1.rlib")),
                ("regex".into(), PathBuf::from("/c/deps/libregex-2.rlib")),
                ("md5".into(), PathBuf::from("/c/deps/libmd5-3.rlib")),
            ],
            build_seconds: 1.0,
        });
    }
    let mut resolved = ResolvedToolchain {
        language,
        binaries,
        fingerprint: "f".repeat(64),
        toolchain,
        env: Vec::new(),
        mounts: vec![Mount::ReadOnly {
            source: "/usr".into(),
            target: "/usr".into(),
        }],
        support_dir: PathBuf::from("/host/support"),
        rust_deps_dir: Some(PathBuf::from("/nonexistent/selfheal-test/rust-deps/x")),
        warm_cache_dir: Some(PathBuf::from("/nonexistent/selfheal-test/go-cache/x")),
        rust_deps,
    };
    resolved.env = resolved
        .toolchain
        .def
        .env
        .iter()
        .map(|(k, t)| (k.clone(), resolved.expand_host(t)))
        .collect();
    resolved
}

fn program(language: TargetLanguage, files: &[(&str, &str)]) -> Program {
    Program::new(
        language,
        files.iter().map(|(a, b)| (a.to_string(), b.to_string())),
    )
    .unwrap()
}

fn argvs(plan: &[PlannedCommand]) -> Vec<Vec<&str>> {
    plan.iter()
        .map(|c| c.argv.iter().map(String::as_str).collect())
        .collect()
}

/// Each (variable, value) of `expected` is set in the environment of `command`; a failure
/// names the variable.
fn assert_env(command: &PlannedCommand, expected: &[(&str, &str)]) {
    let env: BTreeMap<&str, &str> = command
        .env
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    for (name, value) in expected {
        assert_eq!(env.get(name), Some(value), "environment variable {name}");
    }
}

const EXTERNS: [&str; 8] = [
    "--extern",
    "rand=/c/deps/librand-1.rlib",
    "--extern",
    "regex=/c/deps/libregex-2.rlib",
    "--extern",
    "md5=/c/deps/libmd5-3.rlib",
    "-L",
    "dependency=/c/deps",
];

fn with_externs<'a>(head: &[&'a str], tail: &[&'a str]) -> Vec<&'a str> {
    head.iter()
        .chain(EXTERNS.iter())
        .chain(tail)
        .copied()
        .collect()
}

#[test]
fn plans_a_rust_library_with_tests() {
    let r = fake(TargetLanguage::Rust, true);
    let p = program(
        TargetLanguage::Rust,
        &[
            ("lib.rs", "pub fn f() {}\n#[cfg(test)]\nmod tests;\n"),
            ("tests.rs", "use super::*;\n#[test]\nfn t() { f() }\n"),
        ],
    )
    .with_option("edition", "2018");
    let check = r.plan(StepKind::Check, &p).unwrap();
    let rustc = "/opt/rustc/bin/rustc";
    assert_eq!(
        argvs(&check),
        [with_externs(
            &[
                rustc,
                "--edition",
                "2018",
                "--crate-type",
                "lib",
                "--crate-name",
                "main",
                "--error-format=json",
                "--emit=metadata",
                "-o",
                "/tmp/selfheal-check",
            ],
            &["lib.rs"]
        )]
    );
    assert_eq!(check[0].parser, "rustc-json");
    assert_eq!(check[0].cwd, "");
    assert_eq!(check[0].limits.wall_time, Duration::from_secs(30));
    assert_eq!(check[0].limits.memory_bytes, 2 << 30);
    assert!(check[0].mounts.contains(&Mount::ReadOnly {
        source: "/host/support".into(),
        target: SUPPORT_DIR.into()
    }));
    assert!(check[0].mounts.contains(&Mount::ReadOnly {
        source: "/c/deps".into(),
        target: "/c/deps".into()
    }));
    assert!(check[0].env.contains(&(
        "PATH".to_string(),
        "/opt/rustc/bin:/usr/bin:/bin".to_string()
    )));
    assert!(check[0]
        .env
        .contains(&("HOME".to_string(), "/tmp".to_string())));

    let test = r.plan(StepKind::Test, &p).unwrap();
    assert_eq!(
        argvs(&test),
        [
            with_externs(
                &[
                    "/usr/bin/env",
                    "RUSTC_BOOTSTRAP=1",
                    rustc,
                    "--edition",
                    "2018",
                    "--test",
                    "-Zpanic-abort-tests",
                    "-Cpanic=abort",
                    "--crate-name",
                    "main",
                    "--error-format=json",
                    "-o",
                    "/work/.selfheal/test-bin",
                ],
                &["lib.rs"]
            ),
            vec![
                "/usr/bin/env",
                "RUSTC_BOOTSTRAP=1",
                "/work/.selfheal/test-bin",
                "--test-threads=1",
                "-Zunstable-options",
                "--report-time"
            ],
        ]
    );
    assert_eq!(test[0].parser, "rustc-json");
    assert_eq!(test[1].parser, "libtest");
    assert_eq!(test[1].limits.wall_time, Duration::from_secs(30));
    assert_eq!(test[1].limits.cpu_time, Duration::from_secs(10));
    // The test binary needs no crates mounted.
    assert!(!test[1]
        .mounts
        .iter()
        .any(|m| matches!(m, Mount::ReadOnly { source, .. } if source == Path::new("/c/deps"))));

    // A library has nothing to run.
    let err = r.plan(StepKind::Run, &p).unwrap_err().to_string();
    assert_eq!(
        err,
        "rust: cannot run: no entry point: expected main.rs or src/main.rs, or a single source file (lib.rs is only used by check and test)"
    );
}

#[test]
fn plans_a_rust_binary_and_skips_tests_without_tests() {
    let r = fake(TargetLanguage::Rust, true);
    let p = program(TargetLanguage::Rust, &[("main.rs", "fn main() {}\n")]);
    assert!(r.plan(StepKind::Test, &p).unwrap().is_empty());
    let run = r.plan(StepKind::Run, &p).unwrap();
    assert_eq!(
        argvs(&run),
        [
            with_externs(
                &[
                    "/opt/rustc/bin/rustc",
                    "--edition",
                    "2021",
                    "--crate-type",
                    "bin",
                    "--crate-name",
                    "main",
                    "--error-format=json",
                    "-o",
                    "/work/.selfheal/bin",
                ],
                &["main.rs"]
            ),
            vec!["/work/.selfheal/bin"],
        ]
    );
    assert_eq!(run[1].parser, "libtest");
    // Inline #[test] functions count as tests.
    let p = program(
        TargetLanguage::Rust,
        &[("main.rs", "fn main() {}\n#[test]\nfn t() {}\n")],
    );
    assert_eq!(r.plan(StepKind::Test, &p).unwrap().len(), 2);
}

#[test]
fn rust_errors_name_the_problem() {
    let r = fake(TargetLanguage::Rust, true);
    let p = program(TargetLanguage::Rust, &[("lib.rs", "pub fn f() {}\n")])
        .with_option("edition", "2022");
    let err = r.plan(StepKind::Check, &p).unwrap_err().to_string();
    assert_eq!(
        err,
        "rust: cannot check: program option edition `2022` is not a Rust edition; use one of 2015, 2018, 2021, 2024"
    );
    let p = program(
        TargetLanguage::Rust,
        &[
            ("util.rs", "pub fn f() {}\n"),
            ("more.rs", "pub fn g() {}\n"),
        ],
    );
    let err = r.plan(StepKind::Check, &p).unwrap_err().to_string();
    assert_eq!(
        err,
        "rust: cannot check: no entry point: expected lib.rs or main.rs or src/lib.rs or src/main.rs, or a single source file"
    );
    // One file under any other name is its own crate: a binary when it has `fn main`.
    let p = program(TargetLanguage::Rust, &[("util.rs", "pub fn f() {}\n")]);
    let check = r.plan(StepKind::Check, &p).unwrap();
    assert!(check[0]
        .argv
        .windows(2)
        .any(|w| w == ["--crate-type", "lib"]));
    let p = program(TargetLanguage::Rust, &[("hello.rs", "fn main() {}\n")]);
    let run = r.plan(StepKind::Run, &p).unwrap();
    assert!(run[0].argv.windows(2).any(|w| w == ["--crate-type", "bin"]));
    assert_eq!(run[0].argv.last().map(String::as_str), Some("hello.rs"));
    let p = program(
        TargetLanguage::Rust,
        &[("tests.rs", "#[test]\nfn t() {}\n")],
    );
    let err = r.plan(StepKind::Check, &p).unwrap_err().to_string();
    assert_eq!(
        err,
        "rust: cannot check: no source files: expected files matching **/*.rs"
    );
    let p = program(TargetLanguage::Python, &[("main.py", "x = 1\n")]);
    let err = r.plan(StepKind::Check, &p).unwrap_err().to_string();
    assert_eq!(
        err,
        "rust: cannot check: the program is python, this toolchain is for rust"
    );

    // Crates not built: a clear error, never a silent plan without them.
    let r = fake(TargetLanguage::Rust, false);
    let p = program(TargetLanguage::Rust, &[("lib.rs", "pub fn f() {}\n")]);
    let err = r.plan(StepKind::Check, &p).unwrap_err();
    assert!(matches!(err, ToolchainError::Dependencies { .. }), "{err}");
    assert!(err.to_string().contains("run `selfheal setup`"), "{err}");
}

#[test]
fn plans_a_python_program() {
    let r = fake(TargetLanguage::Python, false);
    let p = program(
        TargetLanguage::Python,
        &[
            ("main.py", "def f():\n    return 1\n"),
            ("test_main.py", "from main import f\nassert f() == 1\n"),
            ("util.py", "X = 1\n"),
        ],
    );
    let py = "/opt/python/bin/python";
    let check = r.plan(StepKind::Check, &p).unwrap();
    assert_eq!(
        argvs(&check),
        [vec![py, "/selfheal/python_check.py", "main.py", "util.py"]]
    );
    assert_eq!(check[0].parser, "python-check");
    let test = r.plan(StepKind::Test, &p).unwrap();
    assert_eq!(
        argvs(&test),
        [vec![py, "/selfheal/python_runner.py", "test_main.py"]]
    );
    assert_eq!(test[0].parser, "python-judge");
    let run = r.plan(StepKind::Run, &p).unwrap();
    assert_eq!(argvs(&run), [vec![py, "main.py"]]);
    assert_eq!(run[0].parser, "python-run");
    assert_env(
        &run[0],
        &[
            ("PATH", "/opt/python/bin:/usr/bin:/bin"),
            ("PYTHONDONTWRITEBYTECODE", "1"),
            ("PYTHONHASHSEED", "0"),
            ("PYTHONIOENCODING", "utf-8"),
            ("LANG", "C.UTF-8"),
            ("HOME", "/tmp"),
        ],
    );
    assert!(!run[0].env.iter().any(|(k, _)| k == "PYTHONPATH"));

    // No tests: an empty test step. A single source is the entry point.
    let p = program(TargetLanguage::Python, &[("solve.py", "print(1)\n")]);
    assert!(r.plan(StepKind::Test, &p).unwrap().is_empty());
    assert_eq!(
        argvs(&r.plan(StepKind::Run, &p).unwrap()),
        [vec![py, "solve.py"]]
    );
    let p = program(
        TargetLanguage::Python,
        &[("a.py", "x = 1\n"), ("b.py", "y = 2\n")],
    );
    let err = r.plan(StepKind::Run, &p).unwrap_err().to_string();
    assert_eq!(
        err,
        "python: cannot run: no entry point: expected main.py or __main__.py, or a single source file"
    );
}

#[test]
fn plans_a_javascript_program() {
    let r = fake(TargetLanguage::JavaScript, false);
    let p = program(
        TargetLanguage::JavaScript,
        &[
            ("main.js", "module.exports = { f: () => 1 };\n"),
            ("lib/util.js", "module.exports = 2;\n"),
            (
                "main.test.js",
                "const { f } = require('./main');\nconsole.assert(f() === 1);\n",
            ),
        ],
    );
    let node = "/opt/node/bin/node";
    let check = r.plan(StepKind::Check, &p).unwrap();
    assert_eq!(
        argvs(&check),
        [
            vec![node, "--check", "lib/util.js"],
            vec![node, "--check", "main.js"],
            vec![
                node,
                "--expose-internals",
                "/selfheal/javascript_check.cjs",
                "lib/util.js",
                "main.js",
                "main.test.js"
            ]
        ]
    );
    assert!(check[..2].iter().all(|c| c.parser == "node-check"));
    assert_eq!(check[2].parser, "node-static");
    assert_eq!(check[0].limits.memory_bytes, 4 << 30);
    let test = r.plan(StepKind::Test, &p).unwrap();
    assert_eq!(
        argvs(&test),
        [vec![
            node,
            "--require",
            "/selfheal/javascript_hook.cjs",
            "/selfheal/javascript_runner.mjs",
            "main.test.js"
        ]]
    );
    assert_eq!(test[0].parser, "node-judge");
    let run = r.plan(StepKind::Run, &p).unwrap();
    assert_eq!(argvs(&run), [vec![node, "main.js"]]);
    assert!(!run[0].env.iter().any(|(k, _)| k == "NODE_OPTIONS"));
}

#[test]
fn plans_a_go_program() {
    let r = fake(TargetLanguage::Go, false);
    let go = "/opt/go/bin/go";
    let with_tests = program(
        TargetLanguage::Go,
        &[
            (
                "main.go",
                "package main\n\nfunc Add(a, b int) int { return a + b }\n",
            ),
            (
                "main_test.go",
                "package main\n\nimport \"testing\"\n\nfunc TestAdd(t *testing.T) {}\n",
            ),
        ],
    );
    let check = r.plan(StepKind::Check, &with_tests).unwrap();
    assert_eq!(
        argvs(&check),
        [
            vec![go, "test", "-c", "-o", "/dev/null", "-vet=off", "."],
            vec![go, "vet", "./..."],
        ]
    );
    assert!(check.iter().all(|c| c.parser == "go-build"));
    let test = r.plan(StepKind::Test, &with_tests).unwrap();
    assert_eq!(
        argvs(&test),
        [vec![go, "test", "-count=1", "-json", "./..."]]
    );
    assert_eq!(test[0].parser, "go-test");
    assert_eq!(test[0].limits.memory_bytes, 4 << 30);
    assert_eq!(test[0].limits.processes, 256);
    assert_env(
        &test[0],
        &[
            ("GOPATH", "/usr/share/gocode"),
            ("GO111MODULE", "auto"),
            ("GOFLAGS", "-mod=mod"),
            ("GOPROXY", "off"),
            ("CGO_ENABLED", "0"),
            ("GOCACHE", "/tmp/gocache"),
            ("GOROOT", "/opt/go/goroot"),
            ("HOME", "/tmp"),
        ],
    );
    // No warm cache here: GOCACHE lives on the sandbox's tmpfs, no overlay.
    assert!(!test[0]
        .mounts
        .iter()
        .any(|m| matches!(m, Mount::Overlay { .. })));

    let program_only = program(
        TargetLanguage::Go,
        &[("main.go", "package main\n\nfunc main() {}\n")],
    );
    let check = r.plan(StepKind::Check, &program_only).unwrap();
    assert_eq!(
        argvs(&check),
        [
            vec![go, "build", "-o", "/dev/null", "./..."],
            vec![go, "vet", "./..."]
        ]
    );
    assert!(r.plan(StepKind::Test, &program_only).unwrap().is_empty());
    let run = r.plan(StepKind::Run, &program_only).unwrap();
    assert_eq!(
        argvs(&run),
        [
            vec![go, "build", "-o", "/work/.selfheal/bin", "."],
            vec!["/work/.selfheal/bin"]
        ]
    );
    assert_eq!(run[0].parser, "go-build");
    assert_eq!(run[1].parser, "go-test");
}

#[test]
fn warm_cache_is_overlaid_when_present() {
    let mut r = fake(TargetLanguage::Go, false);
    let dir = tempfile::tempdir().unwrap();
    r.warm_cache_dir = Some(dir.path().to_path_buf());
    let p = program(
        TargetLanguage::Go,
        &[("main.go", "package main\n\nfunc main() {}\n")],
    );
    let check = r.plan(StepKind::Check, &p).unwrap();
    assert!(check[0].mounts.contains(&Mount::Overlay {
        lower: dir.path().to_path_buf(),
        target: "/tmp/gocache".into()
    }));
    assert!(matches!(
        r.dependency_status(),
        DependencyStatus::Ready { .. }
    ));
}
