//! The example plugins of `plugins/examples/`, built from source by their own build scripts with
//! the toolchains `plugins/examples/install-tools.sh` installs (`.ci/run` runs it), then used to
//! heal real programs through `selfheal heal --plugins DIR --strategies plugin.NAME`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use common::{assert_exit, stdout_json as json};
use selfheal::{CodeError, ErrorType, Location};

/// Where install-tools.sh put the toolchains.
fn tools() -> PathBuf {
    let tools = std::env::var_os("SELFHEAL_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/tmp/selfheal-tools"));
    for tool in [
        "bin/wit-bindgen",
        "venv/bin/python-zig",
        "venv/bin/componentize-py",
    ] {
        assert!(
            tools.join(tool).exists(),
            "{} is missing: run `bash plugins/examples/install-tools.sh` (or set SELFHEAL_TOOLS \
             to where it installed the plugin toolchains)",
            tools.join(tool).display()
        );
    }
    tools
}

/// Builds `plugins/examples/<example>` once per test run; the path of the component.
fn built(example: &'static str, file: &str) -> PathBuf {
    static C: OnceLock<PathBuf> = OnceLock::new();
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    let cell = match example {
        "c-py2-idioms" => &C,
        "python-abc-moves" => &PYTHON,
        other => panic!("no example {other}"),
    };
    cell.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("plugin-examples")
            .join(example);
        let _ = std::fs::remove_dir_all(&out);
        let script = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("plugins/examples")
            .join(example)
            .join("build.sh");
        let build = Command::new("bash")
            .arg(&script)
            .arg(&out)
            .env("SELFHEAL_TOOLS", tools())
            .output()
            .expect("run build.sh");
        assert!(
            build.status.success(),
            "{} failed:\n{}\n{}",
            script.display(),
            String::from_utf8_lossy(&build.stdout),
            String::from_utf8_lossy(&build.stderr)
        );
        out.join(file)
    })
    .clone()
}

/// A scratch directory with a `plugins/` holding the given components.
struct Workspace {
    root: tempfile::TempDir,
}

impl Workspace {
    fn new(components: &[PathBuf]) -> Workspace {
        let root = tempfile::tempdir().unwrap();
        let plugins = root.path().join("plugins");
        std::fs::create_dir_all(&plugins).unwrap();
        for component in components {
            std::fs::copy(component, plugins.join(component.file_name().unwrap())).unwrap();
        }
        Workspace { root }
    }

    fn path(&self, name: &str) -> String {
        self.root.path().join(name).to_str().unwrap().to_string()
    }

    fn write_program(&self, files: &[(&str, &str)]) -> PathBuf {
        let dir = self.root.path().join("program");
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in files {
            std::fs::write(dir.join(name), text).unwrap();
        }
        dir
    }

    fn selfheal(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_selfheal"))
            .args(args)
            .args(["--cache-dir", &self.path("cache")])
            .output()
            .expect("run selfheal")
    }

    /// `selfheal heal --write` with only `strategy`; the JSON report.
    fn heal_with(&self, strategy: &str, program: &Path) -> serde_json::Value {
        self.heal_with_args(strategy, program, &[])
    }

    fn heal_with_args(&self, strategy: &str, program: &Path, extra: &[&str]) -> serde_json::Value {
        let mut args = vec!["heal"];
        args.extend_from_slice(extra);
        let out = self.selfheal(
            &[
                &args[..],
                &[
                    "--format",
                    "json",
                    "--plugins",
                    &self.path("plugins"),
                    "--strategies",
                    strategy,
                    "--data-dir",
                    &self.path("data"),
                    "--no-cache",
                    "--write",
                    program.to_str().unwrap(),
                ],
            ]
            .concat(),
        );
        let report = json(&out);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{report:#}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        report
    }
}

/// The descriptions of the fixes on the path from the original to the passing program, sorted;
/// each checked to come from `strategy` (alone, or with others of it as `heal.combined`: the top
/// fixes of several errors applied together).
fn healing_path(report: &serde_json::Value, strategy: &str) -> Vec<String> {
    let attempts = report["attempts"].as_array().unwrap();
    let mut step = attempts.iter().find(|a| a["passed"] == true);
    let mut descriptions = Vec::new();
    while let Some(attempt) = step {
        if attempt["strategy"] == "heal.combined" {
            for from in attempt["combined_from"].as_array().unwrap() {
                assert_eq!(from, strategy, "{attempt:#}");
            }
        } else {
            assert_eq!(attempt["strategy"], strategy, "{attempt:#}");
        }
        let description = attempt["description"].as_str().unwrap();
        descriptions.extend(description.split("; ").map(str::to_string));
        let parent = &attempt["parent"];
        step = attempts
            .iter()
            .find(|a| a["node"] == *parent && *parent != 0);
    }
    descriptions.sort();
    descriptions
}

const PY2_STATS: &str = r#"def mean(values):
    total = 0
    for i in xrange(len(values)):
        total += values[i]
    return total / float(len(values))


def word_counts(words):
    counts = {}
    for word in words:
        counts[word] = counts.get(word, 0) + 1
    return sorted((word, count) for word, count in counts.iteritems())


def report(values, out):
    print >>out, "mean:", mean(values)  # one line per report
"#;

const PY2_STATS_TESTS: &str = r#"import io
import unittest

from stats import mean, report, word_counts


class StatsTest(unittest.TestCase):
    def test_mean(self):
        self.assertEqual(mean([1, 2, 3, 4]), 2.5)

    def test_word_counts(self):
        self.assertEqual(word_counts(["b", "a", "b"]), [("a", 1), ("b", 2)])

    def test_report(self):
        out = io.StringIO()
        report([2, 4], out)
        self.assertEqual(out.getvalue(), "mean: 3.0\n")


if __name__ == "__main__":
    unittest.main()
"#;

#[test]
fn the_c_plugin_heals_python_2_idioms() {
    let workspace = Workspace::new(&[built("c-py2-idioms", "py2-idioms.wasm")]);
    let program =
        workspace.write_program(&[("stats.py", PY2_STATS), ("test_stats.py", PY2_STATS_TESTS)]);
    let report = workspace.heal_with("plugin.py2-idioms", &program);
    assert_eq!(report["healed"], true, "{report:#}");
    assert_eq!(
        healing_path(&report, "plugin.py2-idioms"),
        [
            "`iteritems` is `items` in Python 3",
            "`xrange` is `range` in Python 3",
            "call print() with parentheses (Python 3)",
        ]
    );
    assert_eq!(
        std::fs::read_to_string(program.join("stats.py")).unwrap(),
        PY2_STATS
            .replace(
                r#"print >>out, "mean:", mean(values)"#,
                r#"print("mean:", mean(values), file=out)"#
            )
            .replace("xrange(", "range(")
            .replace(".iteritems()", ".items()")
    );
    assert_eq!(
        std::fs::read_to_string(program.join("test_stats.py")).unwrap(),
        PY2_STATS_TESTS
    );
}

/// `selfheal plugin run` shows exactly what the C plugin proposes, byte offsets included.
#[test]
fn the_c_plugin_proposes_exact_edits() {
    let workspace = Workspace::new(&[built("c-py2-idioms", "py2-idioms.wasm")]);
    let source = "name = raw_input('? ')  # raw_input\nprint 'hi', name,\nlabel = unicode(name)\n";
    let program = workspace.write_program(&[("main.py", source)]);
    let plugin = workspace.path("plugins/py2-idioms.wasm");
    let ask = |error: CodeError| {
        let file = workspace.path("error.json");
        std::fs::write(&file, serde_json::to_string(&error).unwrap()).unwrap();
        let out = workspace.selfheal(&[
            "plugin",
            "run",
            &plugin,
            "--error",
            &file,
            "--program",
            program.to_str().unwrap(),
            "--format",
            "json",
        ]);
        assert_exit(&out, 0);
        json(&out)
    };

    // Every use in code is renamed; the one in the comment and the string are not.
    let fixes = ask(CodeError::new(
        ErrorType::UndefinedVariable,
        "name 'raw_input' is not defined",
    )
    .with_code("NameError")
    .with_location(Location::new("main.py", 1, 8)));
    assert_eq!(
        fixes,
        serde_json::json!([{
            "strategy": "plugin.py2-idioms",
            "description": "`raw_input` is `input` in Python 3",
            "confidence": 0.9,
            "applicability": "speculative",
            "edits": [{"file": "main.py", "byte_start": 7, "byte_end": 16, "replacement": "input"}]
        }])
    );

    let fixes = ask(CodeError::new(
        ErrorType::SyntaxError,
        "Missing parentheses in call to 'print'. Did you mean print(...)?",
    )
    .with_code("SyntaxError")
    .with_location(Location::new("main.py", 2, 1)));
    assert_eq!(
        fixes[0]["edits"],
        serde_json::json!([{
            "file": "main.py", "byte_start": 36, "byte_end": 53,
            "replacement": "print('hi', name, end=\" \")"
        }])
    );

    // Errors it does not know, and protected files, get no fixes.
    let unknown = ask(
        CodeError::new(ErrorType::UndefinedVariable, "name 'label2' is not defined")
            .with_code("NameError")
            .with_location(Location::new("main.py", 3, 1)),
    );
    assert_eq!(unknown, serde_json::json!([]));
}

const ABC_REGISTRY: &str = r#"import collections
from collections import Mapping, OrderedDict


def flatten(items):
    out = []
    for item in items:
        if isinstance(item, collections.Iterable) and not isinstance(item, (str, bytes)):
            out.extend(flatten(item))
        else:
            out.append(item)
    return out


def merge(base, extra):
    if not isinstance(extra, Mapping):
        raise TypeError("extra must be a mapping, not collections.Mapping's cousin")
    merged = OrderedDict(base)
    merged.update(extra)
    return merged
"#;

const ABC_REGISTRY_TESTS: &str = r#"import unittest

from registry import flatten, merge


class RegistryTest(unittest.TestCase):
    def test_flatten(self):
        self.assertEqual(flatten([1, [2, [3, "ab"]], (4,)]), [1, 2, 3, "ab", 4])

    def test_merge(self):
        self.assertEqual(list(merge({"a": 1}, {"b": 2}).items()), [("a", 1), ("b", 2)])
        with self.assertRaises(TypeError):
            merge({}, [("a", 1)])


if __name__ == "__main__":
    unittest.main()
"#;

#[test]
fn the_python_plugin_heals_moved_abstract_base_classes() {
    let workspace = Workspace::new(&[built("python-abc-moves", "python-abc-moves.wasm")]);
    let program = workspace.write_program(&[
        ("registry.py", ABC_REGISTRY),
        ("test_registry.py", ABC_REGISTRY_TESTS),
    ]);
    // The plugin's own edits, not the formatter's layout of them (ruff wraps the long line).
    let report = workspace.heal_with_args("plugin.python-abc-moves", &program, &["--no-format"]);
    assert_eq!(report["healed"], true, "{report:#}");
    assert_eq!(
        healing_path(&report, "plugin.python-abc-moves"),
        [
            "import Mapping from collections.abc (moved in Python 3.10)",
            "use collections.abc.Iterable (moved in Python 3.10)",
        ]
    );
    assert_eq!(
        std::fs::read_to_string(program.join("registry.py")).unwrap(),
        ABC_REGISTRY
            .replace(
                "import collections\nfrom collections import Mapping, OrderedDict",
                "import collections.abc\nfrom collections import OrderedDict\nfrom collections.abc import Mapping"
            )
            .replace("collections.Iterable", "collections.abc.Iterable")
    );
}

#[test]
fn plugin_list_shows_both_examples() {
    let workspace = Workspace::new(&[
        built("c-py2-idioms", "py2-idioms.wasm"),
        built("python-abc-moves", "python-abc-moves.wasm"),
    ]);
    let out = workspace.selfheal(&[
        "plugin",
        "list",
        "--plugins",
        &workspace.path("plugins"),
        "--format",
        "json",
    ]);
    assert_exit(&out, 0);
    let list = json(&out);
    let rows: Vec<(String, String, String)> = list["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            assert_eq!(row["languages"], serde_json::json!(["python"]));
            (
                row["name"].as_str().unwrap().to_string(),
                row["kind"].as_str().unwrap().to_string(),
                row["version"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("py2-idioms".into(), "fix-strategy".into(), "1.0.0".into()),
            (
                "python-abc-moves".into(),
                "fix-strategy".into(),
                "1.0.0".into()
            ),
        ]
    );
}
