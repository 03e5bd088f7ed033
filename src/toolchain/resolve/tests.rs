use std::os::unix::fs::PermissionsExt;

use super::*;
use crate::program::Program;
use crate::toolchain::StepKind;
use crate::toolchain::ToolchainSet;

fn program(language: TargetLanguage, files: &[(&str, &str)]) -> Program {
    Program::new(
        language,
        files.iter().map(|(a, b)| (a.to_string(), b.to_string())),
    )
    .unwrap()
}

#[test]
fn dedupes_mounts() {
    let tmp = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(tmp.path()).unwrap();
    std::fs::create_dir_all(root.join("a/b")).unwrap();
    let paths = vec![
        root.join("a/b"),
        root.join("a"),
        root.join("a"),
        root.join("c"),
    ];
    assert_eq!(dedupe(paths), vec![root.join("a"), root.join("c")]);
}

// ---- On this host: real binaries, real resolution. ----

fn host_env(cache: &Path) -> ToolchainEnv {
    ToolchainEnv {
        cache_dir: cache.to_path_buf(),
        support_dir: PathBuf::from("/nonexistent/support"),
    }
}

#[test]
fn missing_binary_names_the_install_command() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("python.toml"),
        r#"language = "python"
[files]
sources = ["*.py"]
[binaries.python]
candidates = ["selfheal-no-such-python", "/nonexistent/bin/python9"]
version = ["--version"]
install = "apt-get install -y python9"
[[check]]
argv = ["{bin:python}", "{sources}"]
parser = "python-check"
"#,
    )
    .unwrap();
    let set = ToolchainSet::load_dir(dir.path()).unwrap();
    let err = set
        .get(TargetLanguage::Python)
        .unwrap()
        .resolve(&host_env(dir.path()))
        .unwrap_err();
    match &err {
        ToolchainError::BinaryNotFound {
            language,
            binary,
            tried,
            install,
        } => {
            assert_eq!(language, "python");
            assert_eq!(binary, "python");
            assert_eq!(
                tried,
                "selfheal-no-such-python, /nonexistent/bin/python9 on PATH"
            );
            assert_eq!(install, "apt-get install -y python9");
        }
        other => panic!("{other}"),
    }
    assert!(
        err.to_string()
            .ends_with("Install it: apt-get install -y python9"),
        "{err}"
    );

    let entries = crate::toolchain::doctor(&set, &host_env(dir.path()));
    let py = entries
        .iter()
        .find(|e| e.language == TargetLanguage::Python)
        .unwrap();
    assert!(!py.ok);
    assert_eq!(py.fixes, ["apt-get install -y python9"]);
    let go = entries
        .iter()
        .find(|e| e.language == TargetLanguage::Go)
        .unwrap();
    assert!(!go.ok && go.problems[0].contains("no toolchain for go"));
    serde_json::to_string(&entries).unwrap();
}

/// A fake tool that logs every run to `runs` and answers `--version`, `--prefix` and
/// `--real` (the path a shim would print).
fn fake_tool(path: &Path, runs: &Path, version: &str, real: &Path) {
    let script = format!(
        "#!/bin/sh\necho \"$0 $1\" >> '{}'\ncase \"$1\" in\n  --version) echo '{version}' ;;\n  --prefix) echo /opt/fake ;;\n  --real) echo '{}' ;;\nesac\n",
        runs.display(),
        real.display()
    );
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, script).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn fake_toolchain(dir: &Path, candidate: &Path, resolve: bool) -> Toolchain {
    let resolve = if resolve {
        "resolve = { args = [\"--real\"] }\n"
    } else {
        ""
    };
    Toolchain::from_toml(
        "python.toml",
        &format!(
            "language = \"python\"\n[files]\nsources = [\"*.py\"]\n[binaries.python]\n\
             candidates = [\"{}\"]\n{resolve}version = [\"--version\"]\n\
             probes = {{ prefix = [\"--prefix\"] }}\ninstall = \"none\"\n\
             [[check]]\nargv = [\"{{bin:python}}\", \"{{sources}}\"]\nparser = \"python-check\"\n",
            candidate.display()
        ),
    )
    .unwrap_or_else(|e| panic!("{e} ({})", dir.display()))
}

fn runs(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(|l| l.rsplit('/').next().unwrap().to_string())
        .collect()
}

#[test]
fn probes_are_cached_by_the_binarys_identity() {
    let tmp = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(tmp.path()).unwrap();
    let (tool, log, cache) = (
        root.join("bin/fakepy"),
        root.join("runs"),
        root.join("cache"),
    );
    fake_tool(&tool, &log, "fake 1.0", &tool);
    let tc = fake_toolchain(&root, &tool, false);
    let env = host_env(&cache);

    let first = tc.resolve(&env).unwrap();
    assert_eq!(runs(&log), ["fakepy --version", "fakepy --prefix"]);
    assert_eq!(first.binary("python").unwrap().version, "fake 1.0");
    assert_eq!(
        first.binary("python").unwrap().probes["prefix"],
        "/opt/fake"
    );

    // A new resolution (as in a new process) of the same binary runs nothing.
    let again = tc.resolve(&env).unwrap();
    assert_eq!(runs(&log).len(), 2);
    assert_eq!(again.binaries, first.binaries);
    assert_eq!(again.fingerprint, first.fingerprint);

    // Changed content (size and mtime): probed again, and the new answer is used.
    fake_tool(&tool, &log, "fake 2.00", &tool);
    let changed = tc.resolve(&env).unwrap();
    assert_eq!(runs(&log).len(), 4);
    assert_eq!(changed.binary("python").unwrap().version, "fake 2.00");
    assert_ne!(changed.fingerprint, first.fingerprint);
    tc.resolve(&env).unwrap();
    assert_eq!(runs(&log).len(), 4);

    // Only the modification time changes: probed again.
    let later = std::time::SystemTime::now() + Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&tool)
        .unwrap()
        .set_modified(later)
        .unwrap();
    tc.resolve(&env).unwrap();
    assert_eq!(runs(&log).len(), 6);

    // Replaced by an identical copy (same size, another inode): probed again.
    let copy = root.join("bin/fakepy.new");
    std::fs::copy(&tool, &copy).unwrap();
    std::fs::rename(&copy, &tool).unwrap();
    let replaced = tc.resolve(&env).unwrap();
    assert_eq!(runs(&log).len(), 8);
    assert_eq!(replaced.binary("python").unwrap().version, "fake 2.00");

    // Another cache directory knows nothing.
    tc.resolve(&host_env(&root.join("other-cache"))).unwrap();
    assert_eq!(runs(&log).len(), 10);
}

#[test]
fn a_shim_is_run_once_and_a_changed_real_binary_is_probed_again() {
    let tmp = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(tmp.path()).unwrap();
    let (shim, real) = (root.join("shims/fakepy"), root.join("versions/1/fakepy"));
    let (log, cache) = (root.join("runs"), root.join("cache"));
    fake_tool(&shim, &log, "shim", &real);
    fake_tool(&real, &log, "fake 1.0", &real);
    let tc = fake_toolchain(&root, &shim, true);
    let env = host_env(&cache);

    let first = tc.resolve(&env).unwrap();
    let python = first.binary("python").unwrap();
    assert_eq!((&python.path, &python.found_as), (&real, &shim));
    assert_eq!(
        runs(&log),
        ["fakepy --real", "fakepy --version", "fakepy --prefix"]
    );

    let again = tc.resolve(&env).unwrap();
    assert_eq!(again.binaries, first.binaries);
    assert_eq!(runs(&log).len(), 3, "the shim ran again: {:?}", runs(&log));

    // The real interpreter is upgraded in place: the cached resolution no longer holds.
    fake_tool(&real, &log, "fake 1.01", &real);
    let upgraded = tc.resolve(&env).unwrap();
    assert_eq!(upgraded.binary("python").unwrap().version, "fake 1.01");
    assert_eq!(runs(&log).len(), 6);
}

#[test]
fn python_resolution_sees_through_shims() {
    let set = ToolchainSet::embedded().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let resolved = match set
        .get(TargetLanguage::Python)
        .unwrap()
        .resolve(&host_env(cache.path()))
    {
        Ok(r) => r,
        Err(ToolchainError::BinaryNotFound { .. }) => return, // no Python on this machine
        Err(e) => panic!("{e}"),
    };
    let python = resolved.binary("python").unwrap();
    assert!(python.path.is_absolute());
    assert_eq!(std::fs::canonicalize(&python.path).unwrap(), python.path);
    assert!(
        !python.path.to_string_lossy().contains("/shims/"),
        "{}",
        python.path.display()
    );
    // A shim is a script; the resolved binary is the interpreter itself (an ELF file).
    let head = std::fs::read(&python.path).unwrap();
    assert_eq!(&head[..4], b"\x7fELF", "{}", python.path.display());
    if python.found_as.to_string_lossy().contains(".pyenv/shims") {
        assert!(python.path.to_string_lossy().contains(".pyenv/versions/"));
    }
    assert!(
        python.version.starts_with("Python 3."),
        "{}",
        python.version
    );
    let prefix = PathBuf::from(&python.probes["prefix"]);
    assert!(resolved
        .mounts()
        .iter()
        .any(|m| matches!(m, Mount::ReadOnly { source, .. } if prefix.starts_with(source))));
    assert_eq!(resolved.fingerprint.len(), 64);
    assert_eq!(resolved.dependency_status(), DependencyStatus::NotNeeded);
    // Resolution is deterministic.
    let again = set
        .get(TargetLanguage::Python)
        .unwrap()
        .resolve(&host_env(cache.path()))
        .unwrap();
    assert_eq!(again.fingerprint, resolved.fingerprint);
}

/// A persistent cache: the first run builds the crates (about a minute), later runs reuse them.
fn shared_cache() -> PathBuf {
    std::env::temp_dir().join("selfheal-toolchain-tests-cache")
}

#[test]
fn rust_crates_build_once_and_programs_use_them() {
    let set = ToolchainSet::embedded().unwrap();
    let resolved = match set
        .get(TargetLanguage::Rust)
        .unwrap()
        .resolve(&host_env(&shared_cache()))
    {
        Ok(r) => r,
        Err(ToolchainError::BinaryNotFound { .. }) => return,
        Err(e) => panic!("{e}"),
    };
    let rustc = resolved.binary("rustc").unwrap();
    assert!(
        !rustc.path.starts_with("/root/.cargo/bin"),
        "rustup proxy not seen through"
    );
    resolved.ensure_dependencies().unwrap();
    assert!(matches!(
        resolved.dependency_status(),
        DependencyStatus::Ready { .. }
    ));

    // Compile and run a test binary on the host with exactly the planned arguments.
    let work = tempfile::tempdir().unwrap();
    let lib = "use rand::Rng;\nuse regex::Regex;\n\npub fn roll() -> u32 { rand::thread_rng().gen_range(1..=6) }\n\
               pub fn digest(s: &str) -> String { format!(\"{:x}\", md5::compute(s)) }\n\
               pub fn is_word(s: &str) -> bool { Regex::new(r\"^\\w+$\").unwrap().is_match(s) }\n\
               #[cfg(test)]\nmod tests;\n";
    let tests = "use super::*;\n#[test]\nfn works() {\n    assert!((1..=6).contains(&roll()));\n    \
                 assert_eq!(digest(\"\"), \"d41d8cd98f00b204e9800998ecf8427e\");\n    assert!(is_word(\"abc\"));\n}\n";
    std::fs::write(work.path().join("lib.rs"), lib).unwrap();
    std::fs::write(work.path().join("tests.rs"), tests).unwrap();
    std::fs::create_dir(work.path().join(".selfheal")).unwrap();
    let p = program(
        TargetLanguage::Rust,
        &[("lib.rs", lib), ("tests.rs", tests)],
    );
    let work_path = work.path().display().to_string();
    for command in resolved.plan(StepKind::Test, &p).unwrap() {
        let argv: Vec<String> = command
            .argv
            .iter()
            .map(|a| a.replace(WORK_DIR, &work_path))
            .collect();
        let out = Command::new(&argv[0])
            .args(&argv[1..])
            .env_clear()
            .envs(command.env.iter().map(|(k, v)| (k, v)))
            .current_dir(work.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{argv:?}\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn go_cache_warms_once() {
    let set = ToolchainSet::embedded().unwrap();
    let resolved = match set
        .get(TargetLanguage::Go)
        .unwrap()
        .resolve(&host_env(&shared_cache()))
    {
        Ok(r) => r,
        Err(ToolchainError::BinaryNotFound { .. } | ToolchainError::Dependencies { .. }) => return,
        Err(e) => panic!("{e}"),
    };
    let go = resolved.binary("go").unwrap();
    assert!(go.path.ends_with("bin/go"));
    assert!(resolved
        .env()
        .contains(&("GOROOT".to_string(), go.probes["goroot"].clone())));
    resolved.ensure_dependencies().unwrap();
    let DependencyStatus::Ready { path, .. } = resolved.dependency_status() else {
        panic!("not warmed");
    };
    let p = program(
        TargetLanguage::Go,
        &[("main.go", "package main\n\nfunc main() {}\n")],
    );
    let check = resolved.plan(StepKind::Check, &p).unwrap();
    assert!(check[0].mounts.contains(&Mount::Overlay {
        lower: path,
        target: "/tmp/gocache".into()
    }));
}
