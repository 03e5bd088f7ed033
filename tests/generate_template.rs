//! Template generation end to end: each language's example spec renders to a program that
//! passes its tests in the sandbox; the learned prelude picks up an import the heal loop keeps
//! adding and drops it on reset; the driver regenerates with feedback; `selfheal generate`.

mod common;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use selfheal::generate::{
    GenerateError, GenerateFuture, GenerationHistory, Generator, Prelude, Spec, TemplateGenerator,
    TemplateSet, TokenUsage,
};
use selfheal::heal::Checker;
use selfheal::{CodeError, Program, SelfHealingGenerator, TargetLanguage};

fn spec_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/specs")
        .join(name)
}

fn spec(name: &str) -> Spec {
    Spec::load(&spec_path(name)).unwrap_or_else(|e| panic!("{e}"))
}

fn healer(
    generator: Arc<dyn Generator>,
    data_dir: &Path,
    generations: usize,
) -> SelfHealingGenerator {
    let checker: Arc<dyn Checker> = common::validator();
    SelfHealingGenerator::builder()
        .checker(checker)
        .data_dir(data_dir)
        .generator(generator)
        .max_generations(generations)
        .max_retries(3)
        .timeout(Duration::from_secs(600))
        .jobs(2)
        .build()
        .unwrap()
}

/// [`healer`] for the tests of the regeneration loop itself: each generation is validated but
/// not repaired (the behaviour repair would turn their wrong `x + 50` into `x + 1` on its own
/// and the loop would never regenerate).
fn healer_without_repairs(
    generator: Arc<dyn Generator>,
    data_dir: &Path,
    generations: usize,
) -> SelfHealingGenerator {
    let checker: Arc<dyn Checker> = common::validator();
    SelfHealingGenerator::builder()
        .checker(checker)
        .data_dir(data_dir)
        .generator(generator)
        .max_generations(generations)
        .max_retries(0)
        .timeout(Duration::from_secs(600))
        .jobs(2)
        .build()
        .unwrap()
}

fn template(data_dir: &Path) -> Arc<TemplateGenerator> {
    Arc::new(TemplateGenerator::open(None, Some(data_dir)).unwrap())
}

async fn assert_passes_first_time(name: &str, source: &str, expected_fragment: &str) {
    let dir = tempfile::tempdir().unwrap();
    let s = spec(name);
    let g = healer(template(dir.path()), dir.path(), 3);
    let report = g.generate_and_heal_spec(&s).await.unwrap();
    assert!(report.passed, "{}", report.summary());
    assert_eq!(report.generations.len(), 1);
    let first = &report.generations[0];
    assert_eq!(first.generator, "template");
    assert!(first.heal.initially_passing, "{}", first.heal.summary());
    assert_eq!(report.repairs(), 0);
    assert_eq!(report.usage, TokenUsage::default());
    assert_eq!(report.stopped, None);
    assert!(
        report.program.files()[source].contains(expected_fragment),
        "{}",
        report.program.files()[source]
    );
    for (path, _) in s.test_program_files() {
        assert!(report.program.protected().contains(&path));
    }
    let m = g.get_health_metrics();
    assert_eq!((m.total_generations, m.successful_generations), (1, 1));
}

#[tokio::test]
async fn python_template_passes_its_examples() {
    assert_passes_first_time(
        "python_stats.toml",
        "main.py",
        "def clamp_all(xs: list[int], lo: int, hi: int) -> list[int]:\n    out = []\n    for x in xs:\n        out.append(min(max(x, lo), hi))\n    return out\n",
    )
    .await;
}

#[tokio::test]
async fn rust_template_passes_its_examples_and_hand_written_tests() {
    assert_passes_first_time(
        "rust_words.toml",
        "lib.rs",
        "pub fn count_words(text: &str) -> usize {\n    text.split_whitespace().count()\n}\n",
    )
    .await;
}

#[tokio::test]
async fn javascript_template_passes_its_examples() {
    assert_passes_first_time(
        "javascript_strings.toml",
        "main.js",
        "module.exports = { capitalize, words };\n",
    )
    .await;
}

#[tokio::test]
async fn go_template_passes_its_examples() {
    assert_passes_first_time(
        "go_numbers.toml",
        "main.go",
        "package main\n\nimport (\n\t\"math\"\n)\n",
    )
    .await;
}

#[tokio::test]
async fn the_prelude_learns_an_import_the_heal_keeps_adding_and_forgets_it_on_reset() {
    let dir = tempfile::tempdir().unwrap();
    let s = spec("python_needs_math.toml");
    for n in 1..=3u32 {
        // A fresh generator each time: what is learned lives in the data dir.
        let g = healer(template(dir.path()), dir.path(), 1);
        let report = g.generate_and_heal_spec(&s).await.unwrap();
        assert!(report.passed, "{}", report.summary());
        let heal = &report.generations[0].heal;
        assert_eq!(
            heal.strategies_kept,
            ["python.missing-import"],
            "{}",
            heal.summary()
        );
        assert!(!report.generations[0].program_generated.files()["main.py"].contains("import math"));
        assert!(report.program.files()["main.py"].contains("import math\n"));
        let prelude = Prelude::open(dir.path());
        if n < 3 {
            assert!(prelude.lines(TargetLanguage::Python).is_empty());
            assert_eq!(
                prelude.snapshot()[&TargetLanguage::Python].candidates["import math"],
                n
            );
        } else {
            assert_eq!(prelude.lines(TargetLanguage::Python), ["import math"]);
            assert!(prelude.snapshot()[&TargetLanguage::Python]
                .candidates
                .is_empty());
        }
    }

    // The fourth generation renders the learned import and passes without repair.
    let g = healer(template(dir.path()), dir.path(), 1);
    let report = g.generate_and_heal_spec(&s).await.unwrap();
    assert!(report.passed);
    let first = &report.generations[0];
    assert!(first.heal.initially_passing, "{}", first.heal.summary());
    assert_eq!(report.repairs(), 0);
    assert_eq!(
        first.program_generated.files()["main.py"],
        "# distance: the Euclidean distance between (x1, y1) and (x2, y2).\n\nimport math\n\n\ndef distance(x1: float, y1: float, x2: float, y2: float) -> float:\n    return math.sqrt((x2 - x1) ** 2 + (y2 - y1) ** 2)\n"
    );
    // Other languages' templates are untouched.
    let other = TemplateGenerator::open(None, Some(dir.path()))
        .unwrap()
        .render(&spec("javascript_strings.toml"))
        .unwrap();
    assert!(!other.files()["main.js"].contains("import math"));

    // `selfheal stats` shows it, in text and JSON.
    let data = dir.path().to_str().unwrap();
    let out = stats(data, false);
    assert!(
        out.contains("  python     learned    import math\n"),
        "{out}"
    );
    let json: serde_json::Value = serde_json::from_str(&stats(data, true)).unwrap();
    assert_eq!(
        json["prelude"]["python"]["lines"],
        serde_json::json!(["import math"])
    );

    // Reset: gone from the file, and the next generation needs the repair again.
    let reset = run(&["prelude", "reset", "python", "--data-dir", data]);
    assert_eq!(reset.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&reset.stdout),
        "prelude reset for python: 1 learned line(s) dropped\n"
    );
    assert!(Prelude::open(dir.path())
        .lines(TargetLanguage::Python)
        .is_empty());
    assert!(stats(data, false).contains("prelude: nothing learned yet\n"));
    let g = healer(template(dir.path()), dir.path(), 1);
    let report = g.generate_and_heal_spec(&s).await.unwrap();
    assert_eq!(
        report.generations[0].heal.strategies_kept,
        ["python.missing-import"]
    );
}

#[tokio::test]
async fn the_prelude_learns_a_missing_derive_where_its_struct_is() {
    let dir = tempfile::tempdir().unwrap();
    let s = spec("rust_needs_derive.toml");
    for _ in 0..3 {
        let g = healer(template(dir.path()), dir.path(), 1);
        let report = g.generate_and_heal_spec(&s).await.unwrap();
        assert!(report.passed, "{}", report.summary());
        assert_eq!(report.repairs(), 1);
        assert!(report.program.files()["lib.rs"].contains("#[derive(Debug)]\npub struct Point {"));
    }
    let learned = Prelude::open(dir.path()).anchored(TargetLanguage::Rust);
    assert_eq!(learned.len(), 1);
    assert_eq!(
        (learned[0].line.as_str(), learned[0].before.as_str()),
        ("#[derive(Debug)]", "pub struct Point {")
    );
    let g = healer(template(dir.path()), dir.path(), 1);
    let report = g.generate_and_heal_spec(&s).await.unwrap();
    assert!(report.generations[0].heal.initially_passing);
    assert!(report.generations[0].program_generated.files()["lib.rs"]
        .contains("\n\n#[derive(Debug)]\npub struct Point {\n"));
    assert!(stats(dir.path().to_str().unwrap(), false)
        .contains("  rust       learned    #[derive(Debug)] (before `pub struct Point {`)\n"));
}

#[tokio::test]
async fn the_threshold_is_configurable() {
    let dir = tempfile::tempdir().unwrap();
    let prelude = Arc::new(Prelude::open(dir.path()).with_threshold(1));
    let g = healer(
        Arc::new(TemplateGenerator::new(
            TemplateSet::builtin(),
            prelude.clone(),
        )),
        dir.path(),
        1,
    );
    let report = g
        .generate_and_heal_spec(&spec("python_needs_math.toml"))
        .await
        .unwrap();
    assert_eq!(report.repairs(), 1);
    assert_eq!(prelude.lines(TargetLanguage::Python), ["import math"]);
}

/// A template that never gets it right: the driver regenerates, sees the same program, and
/// stops rather than spend generations on it.
#[tokio::test]
async fn a_deterministic_template_that_fails_stops_after_one_generation() {
    let dir = tempfile::tempdir().unwrap();
    let s = Spec::parse(
        "name = \"inc\"\nlanguage = \"python\"\ndescription = \"adds one\"\nsignatures = [\"def inc(x)\"]\n[implementation]\nbodies.inc = \"return x + 50\"\n[[examples]]\nargs = [1]\nexpected = 2\n",
        "inc.toml",
    )
    .unwrap();
    let g = healer_without_repairs(template(dir.path()), dir.path(), 3);
    let report = g.generate_and_heal_spec(&s).await.unwrap();
    assert!(!report.passed);
    assert_eq!(report.generations.len(), 1);
    assert_eq!(
        report.stopped.as_deref(),
        Some("generation 2: template produced a program it had already produced")
    );
    assert!(!report.errors().is_empty());
    assert!(report
        .summary()
        .contains("inc: NOT passing after 1 generation"));
    assert_eq!(g.get_health_metrics().successful_generations, 0);
}

/// Returns the programs it is given, one per call, and records what it was told.
struct Scripted {
    programs: Mutex<Vec<Program>>,
    seen: Mutex<Vec<(Vec<CodeError>, GenerationHistory)>>,
}

impl Generator for Scripted {
    fn name(&self) -> String {
        "scripted".into()
    }

    fn generate<'a>(&'a self, _spec: &'a Spec) -> GenerateFuture<'a, Program> {
        Box::pin(async move { Ok(self.programs.lock().unwrap().remove(0)) })
    }

    fn regenerate<'a>(
        &'a self,
        _spec: &'a Spec,
        _program: &'a Program,
        errors: &'a [CodeError],
        history: &'a GenerationHistory,
    ) -> GenerateFuture<'a, Program> {
        Box::pin(async move {
            self.seen
                .lock()
                .unwrap()
                .push((errors.to_vec(), history.clone()));
            let mut programs = self.programs.lock().unwrap();
            if programs.is_empty() {
                return Err(GenerateError::Exhausted("no more programs".into()));
            }
            Ok(programs.remove(0))
        })
    }

    fn usage(&self) -> TokenUsage {
        let calls = 3 - self.programs.lock().unwrap().len() as u64;
        TokenUsage {
            prompt_tokens: 10 * calls,
            completion_tokens: 5 * calls,
            total_tokens: 15 * calls,
        }
    }
}

#[tokio::test]
async fn the_driver_regenerates_with_errors_and_history_until_a_program_passes() {
    let dir = tempfile::tempdir().unwrap();
    let s = Spec::parse(
        "name = \"inc\"\nlanguage = \"python\"\ndescription = \"adds one\"\nsignatures = [\"def inc(x)\"]\n[[examples]]\nargs = [1]\nexpected = 2\n",
        "inc.toml",
    )
    .unwrap();
    let program = |body: &str| {
        s.assemble(&format!("def inc(x):\n    return {body}\n"))
            .unwrap()
    };
    let scripted = Arc::new(Scripted {
        programs: Mutex::new(vec![program("x + 50"), program("x - 50"), program("x + 1")]),
        seen: Mutex::new(Vec::new()),
    });
    let g = healer_without_repairs(scripted.clone(), dir.path(), 3);
    let report = g.generate_and_heal_spec(&s).await.unwrap();
    assert!(report.passed, "{}", report.summary());
    assert_eq!(report.generations.len(), 3);
    assert_eq!(
        report
            .generations
            .iter()
            .map(|g| g.passed())
            .collect::<Vec<_>>(),
        [false, false, true]
    );
    assert!(report.program.files()["main.py"].contains("return x + 1"));
    assert_eq!(report.generations[1].usage.total_tokens, 15);
    assert_eq!(report.usage.total_tokens, 45);
    assert_eq!(report.usage.prompt_tokens, 30);
    assert!(report
        .summary()
        .contains("inc: PASSED in 3 generations, 45 tokens (30 prompt, 15 completion)"));

    let seen = scripted.seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    let (errors, history) = &seen[1];
    assert!(!errors.is_empty());
    assert_eq!(history.attempts.len(), 2);
    assert_eq!(history.attempts[0].generation, 1);
    assert!(history.attempts[0].program.files()["main.py"].contains("x + 50"));
    assert!(!history.attempts[0].errors.is_empty());
    // Every distinct fix the heal tried is reported as "strategy: description".
    let mut tried: Vec<String> = Vec::new();
    for a in &report.generations[0].heal.attempts {
        let line = format!("{}: {}", a.strategy, a.description);
        if !tried.contains(&line) {
            tried.push(line);
        }
    }
    assert_eq!(history.attempts[0].fixes_tried, tried);
    assert_eq!(history.attempts[1].generation, 2);
    assert!(history.attempts[1].program.files()["main.py"].contains("x - 50"));
}

#[tokio::test]
async fn the_generation_budget_ends_the_loop_with_the_best_program() {
    let dir = tempfile::tempdir().unwrap();
    let s = Spec::parse(
        "name = \"inc\"\nlanguage = \"python\"\ndescription = \"adds one\"\nsignatures = [\"def inc(x)\"]\n[[examples]]\nargs = [1]\nexpected = 2\n",
        "inc.toml",
    )
    .unwrap();
    let program = |body: &str| {
        s.assemble(&format!("def inc(x):\n    return {body}\n"))
            .unwrap()
    };
    let scripted = Arc::new(Scripted {
        programs: Mutex::new(vec![program("x + 50"), program("x - 50"), program("x + 1")]),
        seen: Mutex::new(Vec::new()),
    });
    let g = healer_without_repairs(scripted, dir.path(), 2);
    let report = g.generate_and_heal_spec(&s).await.unwrap();
    assert!(!report.passed);
    assert_eq!(report.generations.len(), 2);
    assert_eq!(report.stopped.as_deref(), Some("2 generations spent"));
}

/// A program that passes its tests but uses a crate the spec does not allow fails the
/// generation; the violation is part of the feedback.
#[tokio::test]
async fn a_forbidden_dependency_fails_the_generation() {
    let dir = tempfile::tempdir().unwrap();
    let s = Spec::parse(
        "name = \"inc\"\nlanguage = \"rust\"\ndescription = \"adds one\"\nsignatures = [\"pub fn inc(x: i64) -> i64\"]\n[[examples]]\nargs = [1]\nexpected = 2\n",
        "inc.toml",
    )
    .unwrap();
    let with_regex = s
        .assemble("use regex::Regex;\n\npub fn inc(x: i64) -> i64 {\n    let _ = Regex::new(\"a\");\n    x + 1\n}\n")
        .unwrap();
    let plain = s
        .assemble("pub fn inc(x: i64) -> i64 {\n    x + 1\n}\n")
        .unwrap();
    let scripted = Arc::new(Scripted {
        programs: Mutex::new(vec![with_regex, plain]),
        seen: Mutex::new(Vec::new()),
    });
    let g = healer(scripted.clone(), dir.path(), 3);
    let report = g.generate_and_heal_spec(&s).await.unwrap();
    assert!(report.passed, "{}", report.summary());
    assert_eq!(report.generations.len(), 2);
    let first = &report.generations[0];
    assert!(
        first.heal.healed,
        "the tests pass: {}",
        first.heal.summary()
    );
    assert!(!first.passed());
    assert_eq!(first.errors_after.len(), 1);
    assert_eq!(
        first.errors_after[0].code.as_deref(),
        Some("disallowed-dependency")
    );
    let seen = scripted.seen.lock().unwrap();
    assert_eq!(seen[0].0, first.errors_after);
}

#[tokio::test]
async fn templates_can_be_overridden_per_language() {
    let dir = tempfile::tempdir().unwrap();
    let tpl = dir.path().join("templates/python");
    std::fs::create_dir_all(&tpl).unwrap();
    std::fs::write(
        tpl.join("main.py.j2"),
        "# generated by our platform for {{ spec.name }}\n{% for line in prelude + imports %}{{ line }}\n{% endfor %}{% for f in functions %}\n{{ f.signature }}:\n{{ f.body | block(\"    \") }}\n{% endfor %}",
    )
    .unwrap();
    std::fs::write(tpl.join("VERSION.j2"), "{{ spec.name }} 1\n").unwrap();
    let set = TemplateSet::with_overrides(&dir.path().join("templates")).unwrap();
    assert_eq!(set.origin(TargetLanguage::Rust), "built-in");
    let g = TemplateGenerator::new(set, Arc::new(Prelude::in_memory()));
    let p = g.render(&spec("python_stats.toml")).unwrap();
    assert!(
        p.files()["main.py"].starts_with("# generated by our platform for stats\ndef mean("),
        "{}",
        p.files()["main.py"]
    );
    assert_eq!(p.files()["VERSION"], "stats 1\n");
    assert!(p.files().contains_key("test_main.py"));

    let data = tempfile::tempdir().unwrap();
    let h = healer(Arc::new(g), data.path(), 1);
    assert!(
        h.generate_and_heal_spec(&spec("python_stats.toml"))
            .await
            .unwrap()
            .passed
    );

    // A language directory without the source template is refused by name.
    std::fs::remove_file(tpl.join("main.py.j2")).unwrap();
    let set = TemplateSet::with_overrides(&dir.path().join("templates")).unwrap();
    let e = TemplateGenerator::new(set, Arc::new(Prelude::in_memory()))
        .render(&spec("python_stats.toml"))
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        format!(
            "{}: no main.py.j2; the python template set must render main.py",
            tpl.display()
        )
    );
    // A template error names the file and line.
    std::fs::write(tpl.join("main.py.j2"), "ok\n{{ nope( }}\n").unwrap();
    let set = TemplateSet::with_overrides(&dir.path().join("templates")).unwrap();
    let e = TemplateGenerator::new(set, Arc::new(Prelude::in_memory()))
        .render(&spec("python_stats.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with(&format!("{}/main.py.j2:2: template error: ", tpl.display())),
        "{e}"
    );
}

#[test]
fn a_spec_without_implementation_is_not_for_templates() {
    let s = Spec::parse(
        "name = \"inc\"\nlanguage = \"python\"\ndescription = \"adds one\"\nsignatures = [\"def inc(x)\"]\n[[examples]]\nargs = [1]\nexpected = 2\n",
        "inc.toml",
    )
    .unwrap();
    assert_eq!(
        TemplateGenerator::builtin().render(&s).unwrap_err().to_string(),
        "inc.toml: the spec has no [implementation], and templates cannot write code; add [implementation.bodies] or use --generator openai"
    );
}

#[tokio::test]
async fn generate_and_heal_of_plain_code_still_heals() {
    let dir = tempfile::tempdir().unwrap();
    let g = healer(template(dir.path()), dir.path(), 1);
    let report = g
        .generate_and_heal(
            "def f():\n    return mat.pi\n\nimport math\n",
            TargetLanguage::Python,
        )
        .await
        .unwrap();
    assert!(report.healed, "{}", report.summary());
    assert_eq!(g.get_health_metrics().total_generations, 1);
}

// ---- The CLI ----

fn run(args: &[&str]) -> std::process::Output {
    common::selfheal(args)
}

fn stats(data_dir: &str, json: bool) -> String {
    let mut args = vec!["stats", "--data-dir", data_dir];
    if json {
        args.extend(["--format", "json"]);
    }
    let out = run(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn cli_generate_writes_the_program_and_reports_json() {
    let out_dir = tempfile::tempdir().unwrap();
    let target = out_dir.path().join("words");
    let spec = spec_path("rust_words.toml");
    let out = run(&[
        "generate",
        spec.to_str().unwrap(),
        "--out",
        target.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["passed"], true);
    assert_eq!(json["spec"], "words");
    assert_eq!(json["generations"].as_array().unwrap().len(), 1);
    assert_eq!(json["generations"][0]["generator"], "template");
    assert_eq!(json["generations"][0]["heal"]["healed"], true);
    assert_eq!(json["usage"]["total_tokens"], 0);
    assert_eq!(json["written"].as_array().unwrap().len(), 2);
    let lib = std::fs::read_to_string(target.join("lib.rs")).unwrap();
    assert_eq!(lib, json["program"]["files"]["lib.rs"].as_str().unwrap());
    assert!(target.join("tests.rs").is_file());

    // The directory now has files: refused (exit 2) unless --force.
    let again = run(&[
        "generate",
        spec.to_str().unwrap(),
        "--out",
        target.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&again.stderr).trim_end(),
        format!(
            "error: --out {}: the directory is not empty; choose another or pass --force",
            target.display()
        )
    );
    let forced = run(&[
        "generate",
        spec.to_str().unwrap(),
        "--out",
        target.to_str().unwrap(),
        "--force",
    ]);
    assert_eq!(forced.status.code(), Some(0));
    let text = String::from_utf8_lossy(&forced.stdout);
    assert!(
        text.starts_with("generation 1 [template]: passes after 0 repairs ("),
        "{text}"
    );
    assert!(text.contains("words: PASSED in 1 generation, "), "{text}");
    assert!(
        text.contains(&format!("wrote {}\n", target.join("lib.rs").display())),
        "{text}"
    );
}

#[test]
fn cli_generate_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "name = \"x\"\nlanguage = \"python\"\n").unwrap();
    let out = run(&["generate", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("bad.toml: missing `description`; say in prose what the program does"));

    // Two answers to one question: no program passes, however it is repaired.
    let failing = dir.path().join("inc.toml");
    std::fs::write(
        &failing,
        "name = \"inc\"\nlanguage = \"python\"\ndescription = \"adds one\"\nsignatures = [\"def inc(x)\"]\n[implementation]\nbodies.inc = \"return x + 50\"\n[[examples]]\nargs = [1]\nexpected = 2\n[[examples]]\nargs = [1]\nexpected = 3\n",
    )
    .unwrap();
    let out = run(&["generate", failing.to_str().unwrap(), "--max-retries", "1"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("inc: NOT passing after 1 generation"));

    let out = run(&["generate", failing.to_str().unwrap(), "--model", "m"]);
    assert_eq!(out.status.code(), Some(2));
}

/// One `generate` span per generation, with the generator, the generation number and the
/// verdict; each generation's `heal` span is its child.
#[test]
fn each_generation_is_a_generate_span() {
    use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
    use tracing_subscriber::layer::SubscriberExt;

    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let subscriber = tracing_subscriber::registry().with(selfheal::telemetry::layer(&provider));
    let dir = tempfile::tempdir().unwrap();
    let s = Spec::parse(
        "name = \"spans\"\nlanguage = \"python\"\ndescription = \"adds one\"\nsignatures = [\"def inc(x)\"]\n[[examples]]\nargs = [1]\nexpected = 2\n",
        "spans.toml",
    )
    .unwrap();
    let program = |body: &str| {
        s.assemble(&format!("def inc(x):\n    return {body}\n"))
            .unwrap()
    };
    let scripted = Arc::new(Scripted {
        programs: Mutex::new(vec![program("x + 50"), program("x + 1")]),
        seen: Mutex::new(Vec::new()),
    });
    // A current-thread runtime keeps every span on this thread's subscriber.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let report = tracing::subscriber::with_default(subscriber, || {
        runtime.block_on(async {
            healer_without_repairs(scripted, dir.path(), 3)
                .generate_and_heal_spec(&s)
                .await
                .unwrap()
        })
    });
    assert!(report.passed);
    provider.force_flush().unwrap();
    let spans = exporter.get_finished_spans().unwrap();
    let mut generations: Vec<_> = spans.iter().filter(|s| s.name == "generate").collect();
    generations.sort_by_key(|s| s.start_time);
    assert_eq!(generations.len(), 2);
    let attr = |span: &opentelemetry_sdk::trace::SpanData, key: &str| {
        span.attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| kv.value.clone())
            .unwrap_or_else(|| panic!("no {key}"))
    };
    for (i, span) in generations.iter().enumerate() {
        assert_eq!(attr(span, "selfheal.generator").as_str(), "scripted");
        assert_eq!(attr(span, "selfheal.spec").as_str(), "spans");
        assert_eq!(
            attr(span, "selfheal.generation"),
            opentelemetry::Value::I64(i as i64 + 1)
        );
        assert_eq!(
            attr(span, "selfheal.passed"),
            opentelemetry::Value::Bool(i == 1)
        );
        assert_eq!(
            attr(span, "gen_ai.usage.output_tokens"),
            opentelemetry::Value::I64(5)
        );
        let heals = spans
            .iter()
            .filter(|h| h.name == "heal" && h.parent_span_id == span.span_context.span_id())
            .count();
        assert_eq!(heals, 1, "generation {} has its heal span", i + 1);
    }
}
