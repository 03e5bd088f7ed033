//! The OpenAI-compatible model generator against a scripted chat server written here
//! (`common::model_server`): regeneration with the errors as feedback through the driver and
//! the sandboxed validator, timeouts, 429 with `Retry-After`, 5xx, malformed JSON, replies
//! with no code or in the wrong language, the API key (sent, never logged), and the exact
//! prompts.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::model_server::{chat, error, raw, ModelServer, Scripted};
use selfheal::generate::prompt::{first_prompt, repair_prompt, Lesson};
use selfheal::generate::{
    GenerateError, GenerationHistory, Generator, OpenAiConfig, OpenAiGenerator, PastAttempt, Spec,
    TokenUsage,
};
use selfheal::heal::Checker;
use selfheal::learn::Learner;
use selfheal::{CodeError, ErrorType, Location, SelfHealingGenerator, TargetLanguage};

const SPEC: &str = r#"
name = "stats"
language = "python"
description = "The arithmetic mean of a non-empty list of numbers."
signatures = ["def mean(xs: list[float]) -> float"]

[[examples]]
args = [[1.0, 2.0, 4.5]]
expected = 2.5

[[examples]]
args = [[3.0]]
expected = 3.0
"#;

fn spec() -> Spec {
    Spec::parse(SPEC, "stats.toml").unwrap_or_else(|e| panic!("{e}"))
}

/// A helper nothing defines and no name resembles: no deterministic fix can supply it.
const BROKEN: &str = "def mean(xs: list[float]) -> float:\n    total = zzq_frobnicate_totals(xs)\n    return total / len(xs)\n";
const FIXED: &str = "def mean(xs: list[float]) -> float:\n    return sum(xs) / len(xs)\n";

fn fenced(code: &str) -> String {
    format!("Here is the program:\n\n```python\n# file: main.py\n{code}```\n")
}

/// Fast retries, so tests spend their time on behaviour, not waiting.
fn config(server: &ModelServer) -> OpenAiConfig {
    let mut c = OpenAiConfig::new(server.base_url.clone(), "test-model");
    c.api_key_env = "SELFHEAL_TEST_G2_NO_SUCH_KEY".into();
    c.request_timeout = Duration::from_secs(20);
    c.max_retries = 2;
    c.backoff_initial = Duration::from_millis(10);
    c.backoff_max = Duration::from_millis(40);
    c
}

fn generator(c: OpenAiConfig) -> OpenAiGenerator {
    OpenAiGenerator::new(c).unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_deterministic_fixes_cannot_repair_is_regenerated_with_the_error_as_feedback() {
    let server = ModelServer::start(vec![
        chat(&fenced(BROKEN), 120, 40),
        chat(&fenced(FIXED), 300, 30),
    ])
    .await;
    // The model learns into the healer's learner: both get the same one from the start.
    let learner = Arc::new(Learner::in_memory());
    let model = Arc::new(generator(config(&server)).with_learner(learner.clone()));
    let checker: Arc<dyn Checker> = common::validator();
    let healer = SelfHealingGenerator::builder()
        .checker(checker)
        .in_memory()
        .learner(learner)
        .generator(model.clone())
        .max_generations(3)
        .max_retries(2)
        .timeout(Duration::from_secs(300))
        .jobs(2)
        .build()
        .unwrap();
    let s = spec();

    let report = healer.generate_and_heal_spec(&s).await.unwrap();
    assert!(report.passed, "{}", report.summary());
    assert_eq!(report.generations.len(), 2, "{}", report.summary());
    assert_eq!(report.generations[0].generator, "openai:test-model");
    assert!(!report.generations[0].passed);
    // The generated program's own error (a failed heal may leave errors of its own edits).
    let first_errors = &report.generations[0].heal.initial_errors;
    let name_error = first_errors
        .iter()
        .find(|e| e.message.contains("zzq_frobnicate_totals"))
        .unwrap_or_else(|| panic!("no NameError among {first_errors:?}"));
    let loc = name_error
        .location
        .clone()
        .expect("the error has a location");
    assert_eq!((loc.file.as_str(), loc.line), ("main.py", 2));

    // The final program: the model's corrected file and the spec's protected tests.
    assert_eq!(report.program.files()["main.py"], FIXED);
    assert!(report.program.protected().contains("test_main.py"));
    assert!(report.program.files()["test_main.py"].contains("from main import mean"));
    assert_eq!(
        report.usage,
        TokenUsage {
            prompt_tokens: 420,
            completion_tokens: 70,
            total_tokens: 490
        }
    );
    assert_eq!(report.generations[1].usage.total_tokens, 330);

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].path, "/v1/chat/completions");
    assert_eq!(requests[0].json()["model"], "test-model");
    assert!(
        requests[0].header("authorization").is_none(),
        "no key, no Authorization header"
    );
    let first = requests[0].user_prompt();
    assert!(first.contains("The arithmetic mean of a non-empty list of numbers."));
    assert!(first.contains("mean([1.0, 2.0, 4.5]) → 2.5\n"));
    assert!(
        !first.contains("## Lessons"),
        "a fresh learner has no lessons"
    );

    // The repair request carried the error: message, location, source line, previous program.
    let repair = requests[1].user_prompt();
    assert!(
        repair.starts_with("Your Python program `stats` does not pass yet. Fix it.\n"),
        "{repair}"
    );
    assert!(repair.contains(&name_error.message), "{repair}");
    assert!(
        repair.contains("name 'zzq_frobnicate_totals' is not defined"),
        "{repair}"
    );
    assert!(repair.contains(" at main.py:2:"), "{repair}");
    assert!(
        repair.contains(">    2 |     total = zzq_frobnicate_totals(xs)\n"),
        "{repair}"
    );
    assert!(
        repair.contains(&format!("```python\n# file: main.py\n{BROKEN}```")),
        "{repair}"
    );
    assert!(
        repair.contains("## Already tried\n\n- Generation 1: "),
        "{repair}"
    );

    // What generation 1 got wrong is learned, and the next first prompt warns about it.
    let learned =
        healer
            .learner()
            .frequent_generated_signatures(TargetLanguage::Python, "function", 5);
    let sig = selfheal::learn::signature(name_error);
    assert!(
        learned.iter().any(|(s, n)| *s == sig && *n == 1),
        "{learned:?} lacks {sig}"
    );
    model.generate(&s).await.unwrap();
    let again = server.requests()[2].user_prompt();
    assert!(
        again.contains(&format!(
            "## Lessons from earlier Python programs\n\nThese errors kept coming back in generated Python code. Avoid them:\n- `{sig}` (seen "
        )),
        "{again}"
    );
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_after_the_retries() {
    let server = ModelServer::start(vec![Scripted::Hang]).await;
    let mut c = config(&server);
    c.request_timeout = Duration::from_millis(300);
    c.max_retries = 1;
    let e = generator(c).generate(&spec()).await.unwrap_err();
    assert!(matches!(e, GenerateError::Request(_)), "{e:?}");
    assert_eq!(
        e.to_string(),
        format!(
            "model request failed: {}/chat/completions did not answer within 300 ms (the request timeout) (gave up after 2 attempts)",
            server.base_url
        )
    );
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn too_many_requests_waits_for_retry_after() {
    let server = ModelServer::start(vec![
        Scripted::Respond {
            status: 429,
            headers: vec![("Retry-After".into(), "1".into())],
            body: r#"{"error":{"message":"slow down"}}"#.into(),
        },
        chat(&fenced(FIXED), 10, 5),
    ])
    .await;
    let g = generator(config(&server));
    let program = g.generate(&spec()).await.unwrap();
    assert_eq!(program.files()["main.py"], FIXED);
    let r = server.requests();
    assert_eq!(r.len(), 2);
    // The backoff alone would be at most 10 ms: the wait is the server's.
    let gap = r[1].at.duration_since(r[0].at);
    assert!(gap >= Duration::from_millis(950), "retried after {gap:?}");
    assert_eq!(
        g.usage(),
        TokenUsage {
            prompt_tokens: 10,
            completion_tokens: 5,
            total_tokens: 15
        }
    );
}

#[tokio::test]
async fn retry_after_is_capped() {
    let server = ModelServer::start(vec![
        Scripted::Respond {
            status: 503,
            headers: vec![("Retry-After".into(), "3600".into())],
            body: String::new(),
        },
        chat(&fenced(FIXED), 1, 1),
    ])
    .await;
    let mut c = config(&server);
    c.retry_after_max = Duration::from_millis(50);
    generator(c).generate(&spec()).await.unwrap();
    let r = server.requests();
    assert_eq!(r.len(), 2);
    assert!(r[1].at.duration_since(r[0].at) < Duration::from_secs(60));
}

#[tokio::test]
async fn server_errors_are_retried_then_succeed() {
    let server = ModelServer::start(vec![
        error(500, "boom"),
        error(503, "loading model"),
        chat(&fenced(FIXED), 1, 1),
    ])
    .await;
    let program = generator(config(&server)).generate(&spec()).await.unwrap();
    assert_eq!(program.files()["main.py"], FIXED);
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn server_errors_forever_give_up_after_max_retries() {
    let server = ModelServer::start(vec![error(500, "the GPU is on fire")]).await;
    let mut c = config(&server);
    c.max_retries = 3;
    let e = generator(c).generate(&spec()).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "model request failed: {}/chat/completions answered HTTP 500 Internal Server Error: the GPU is on fire (gave up after 4 attempts)",
            server.base_url
        )
    );
    assert_eq!(
        server.requests().len(),
        4,
        "the first attempt and 3 retries"
    );
}

#[tokio::test]
async fn other_client_errors_fail_at_once_with_the_servers_message() {
    let server = ModelServer::start(vec![error(404, "model 'test-model' not found")]).await;
    let e = generator(config(&server))
        .generate(&spec())
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "model request failed: {}/chat/completions answered HTTP 404 Not Found: model 'test-model' not found; check the base URL (it usually ends in /v1) and that the server has model `test-model`",
            server.base_url
        )
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn malformed_json_is_a_request_error_naming_the_problem() {
    let server = ModelServer::start(vec![raw("{\"choices\": [ {\"message\": ")]).await;
    let e = generator(config(&server))
        .generate(&spec())
        .await
        .unwrap_err();
    assert!(matches!(e, GenerateError::Request(_)), "{e:?}");
    let text = e.to_string();
    assert!(
        text.starts_with(
            "model request failed: the server's reply is not a chat completion (EOF while parsing"
        ),
        "{text}"
    );
    assert!(
        text.ends_with("it began \"{\\\"choices\\\": [ {\\\"message\\\":\""),
        "{text}"
    );
    assert_eq!(server.requests().len(), 1, "a garbled body is not retried");

    let server = ModelServer::start(vec![raw(r#"{"object":"list","data":[]}"#)]).await;
    let e = generator(config(&server))
        .generate(&spec())
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("is not a chat completion (missing field `choices`"),
        "{e}"
    );
}

#[tokio::test]
async fn a_reply_with_no_code_is_an_unusable_reply() {
    let server = ModelServer::start(vec![chat(
        "I would compute the sum and divide by the count.",
        5,
        9,
    )])
    .await;
    let g = generator(config(&server));
    let e = g.generate(&spec()).await.unwrap_err();
    assert!(matches!(e, GenerateError::Reply(_)), "{e:?}");
    assert_eq!(
        e.to_string(),
        "unusable reply: no code block in the reply (expected a fenced ```python block): it began \"I would compute the sum and divide by the count.\""
    );
    assert_eq!(
        g.usage().total_tokens,
        14,
        "tokens count even for a useless reply"
    );
}

#[tokio::test]
async fn a_reply_in_the_wrong_language_is_an_unusable_reply() {
    let rust = "```rust\npub fn mean(xs: &[f64]) -> f64 {\n    xs.iter().sum::<f64>() / xs.len() as f64\n}\n```";
    let server = ModelServer::start(vec![chat(rust, 1, 1)]).await;
    let e = generator(config(&server))
        .generate(&spec())
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "unusable reply: wrong language: the reply's code is rust but the spec asks for python"
    );
    // Unlabelled JavaScript is recognised by its syntax.
    let js = "```\nfunction mean(xs) {\n  return xs.reduce((a, b) => a + b, 0) / xs.length;\n}\nmodule.exports = { mean };\n```";
    let server = ModelServer::start(vec![chat(js, 1, 1)]).await;
    let e = generator(config(&server))
        .generate(&spec())
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "unusable reply: wrong language: the reply's code is javascript but the spec asks for python"
    );
}

/// A `MakeWriter` into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

/// Current-thread runtime: the thread-local subscriber sees the client, hyper and the server.
#[tokio::test]
async fn the_key_is_sent_as_a_bearer_token_and_never_logged() {
    const KEY: &str = "sk-g2-test-0123456789-very-secret";
    const VAR: &str = "SELFHEAL_TEST_G2_API_KEY";
    std::env::set_var(VAR, KEY);
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(logs.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = ModelServer::start(vec![
        error(500, "retry me"),
        chat(&fenced(FIXED), 1, 1),
        error(401, "invalid api key"),
    ])
    .await;
    let mut c = config(&server);
    c.api_key_env = VAR.into();
    let g = generator(c.clone());
    assert!(g.has_api_key());
    g.generate(&spec()).await.unwrap();
    let e = g.generate(&spec()).await.unwrap_err();
    assert!(
        e.to_string().ends_with(&format!(
            "invalid api key; check the key in ${VAR} (it is set)"
        )),
        "{e}"
    );

    let r = server.requests();
    assert_eq!(r.len(), 3);
    for req in &r {
        assert_eq!(req.header("authorization"), Some(&*format!("Bearer {KEY}")));
    }
    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("chat completion request"),
        "the client logged nothing: {logs}"
    );
    assert!(logs.contains("retrying"), "{logs}");
    for text in [logs, format!("{g:?}"), format!("{c:?}"), e.to_string()] {
        assert!(!text.contains(KEY), "the key leaked: {text}");
    }
}

// ---- prompts, asserted exactly ----

#[test]
fn the_first_prompt_for_a_spec_with_lessons() {
    let lessons = vec![
        Lesson {
            signature: "NameError name '_' is not defined".into(),
            count: 3,
        },
        Lesson {
            signature: "ModuleNotFoundError No module named '_'".into(),
            count: 1,
        },
    ];
    let p = first_prompt(&spec(), &lessons);
    assert_eq!(
        p.system,
        "You are an expert Python programmer. You write complete, correct programs that compile and pass their tests on the first try. You reply with code only: each file in its own fenced code block whose first line is a comment naming the file, and no explanations."
    );
    assert_eq!(
        p.user,
        "\
Write the Python program `stats`.

## Task

The arithmetic mean of a non-empty list of numbers.

## Functions

Implement exactly these signatures:
- `def mean(xs: list[float]) -> float`

## Examples (each is a test the program must pass)

mean([1.0, 2.0, 4.5]) → 2.5
mean([3.0]) → 3.0

## Files

Write `main.py`. The tests (`test_main.py`, unittest) import from it (`from main import mean`); they are given, do not write them.

## Dependencies

Use only the Python standard library.

## Lessons from earlier Python programs

These errors kept coming back in generated Python code. Avoid them:
- `NameError name '_' is not defined` (seen 3 times): define or import every name before using it
- `ModuleNotFoundError No module named '_'` (seen 1 time): import every module you use, and only modules that exist

## Reply

Reply with the complete `main.py` in one fenced ```python block whose first line is `# file: main.py`. To split the program into several files, give each its own block and `# file:` line. No explanations.
"
    );
}

#[test]
fn the_repair_prompt_carries_errors_program_and_what_was_tried() {
    let s = spec();
    let program = s.assemble(BROKEN).unwrap();
    let mut e = CodeError::new(
        ErrorType::UndefinedVariable,
        "name 'zzq_frobnicate_totals' is not defined",
    )
    .with_code("NameError")
    .with_location(Location::new("main.py", 2, 13));
    e.step = "test".into();
    e.test_name = Some("test_example_1".into());
    e.notes = vec!["in mean".into()];
    let history = GenerationHistory {
        attempts: vec![PastAttempt {
            generation: 1,
            program: program.clone(),
            errors: vec![e.clone()],
            fixes_tried: vec!["python.rename: rename `zzq_frobnicate_totals` to `sum`".into()],
            generated_errors: vec![e.clone()],
        }],
    };
    let p = repair_prompt(&s, &program, std::slice::from_ref(&e), &history);
    let tests = &program.files()["test_main.py"];
    assert_eq!(
        p.user,
        format!(
            "\
Your Python program `stats` does not pass yet. Fix it.

## Task

The arithmetic mean of a non-empty list of numbers.

## Functions

Implement exactly these signatures:
- `def mean(xs: list[float]) -> float`

## Examples (each is a test the program must pass)

mean([1.0, 2.0, 4.5]) → 2.5
mean([3.0]) → 3.0

## Files

Write `main.py`. The tests (`test_main.py`, unittest) import from it (`from main import mean`); they are given, do not write them.

## Dependencies

Use only the Python standard library.

## Your previous program (after automatic repairs)

```python
# file: main.py
{BROKEN}```

## The tests (fixed: the program must pass them unchanged)

```python
# file: test_main.py
{tests}```

## Errors (1 remaining)

### Error 1: undefined_variable [NameError] at main.py:2:13 (step `test`)

Failing test: `test_example_1`

Message: name 'zzq_frobnicate_totals' is not defined

```
     1 | def mean(xs: list[float]) -> float:
>    2 |     total = zzq_frobnicate_totals(xs)
     3 |     return total / len(xs)
```

Note: in mean

## Already tried

- Generation 1: 1 error left after automatic repair. Automatic fixes tried:
  - python.rename: rename `zzq_frobnicate_totals` to `sum`
  - still failing: main.py:2:13: [undefined_variable][NameError] name 'zzq_frobnicate_totals' is not defined

Do not send back a program that was already tried; change what caused the errors.

## Reply

Reply with the complete `main.py` in one fenced ```python block whose first line is `# file: main.py`. To split the program into several files, give each its own block and `# file:` line. No explanations.
"
        )
    );
}

#[test]
fn lessons_come_from_what_the_learner_recorded() {
    let learner = Learner::in_memory();
    let sig = "NameError name '_' is not defined".to_string();
    learner.record_generated(
        TargetLanguage::Python,
        "function",
        std::slice::from_ref(&sig),
    );
    learner.record_generated(
        TargetLanguage::Python,
        "function",
        std::slice::from_ref(&sig),
    );
    learner.record(
        TargetLanguage::Python,
        "syntax invalid syntax",
        "python.x",
        false,
    );
    let lessons =
        selfheal::generate::prompt::lessons(&learner, TargetLanguage::Python, "function", 8);
    assert_eq!(
        lessons,
        vec![
            Lesson {
                signature: sig,
                count: 2
            },
            Lesson {
                signature: "syntax invalid syntax".into(),
                count: 1
            }
        ]
    );
    assert!(
        selfheal::generate::prompt::lessons(&learner, TargetLanguage::Go, "function", 8).is_empty()
    );
}

// ---- the command line ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn selfheal_generate_with_the_openai_generator() {
    const KEY: &str = "sk-g2-cli-key-4242-do-not-print";
    let server = ModelServer::start(vec![
        chat(&fenced(BROKEN), 100, 20),
        chat(&fenced(FIXED), 200, 10),
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let spec_file = dir.path().join("stats.toml");
    std::fs::write(&spec_file, SPEC).unwrap();
    let data_dir = dir.path().join("data");
    let args: Vec<String> = [
        "generate",
        spec_file.to_str().unwrap(),
        "--generator",
        "openai",
        "--model",
        "test-model",
        "--base-url",
        &server.base_url,
        "--api-key-env",
        "SELFHEAL_TEST_G2_CLI_KEY",
        "--data-dir",
        data_dir.to_str().unwrap(),
        "--format",
        "json",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_selfheal"))
            .args(&args)
            .env("SELFHEAL_TEST_G2_CLI_KEY", KEY)
            .env("SELFHEAL_LOG", "trace")
            .env("OTEL_SDK_DISABLED", "true")
            .output()
            .expect("run selfheal")
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["passed"], true);
    assert_eq!(report["generations"].as_array().unwrap().len(), 2);
    assert_eq!(report["generations"][0]["generator"], "openai:test-model");
    assert_eq!(report["usage"]["total_tokens"], 330);
    let r = server.requests();
    assert_eq!(r.len(), 2);
    assert_eq!(
        r[0].header("authorization"),
        Some(&*format!("Bearer {KEY}"))
    );
    assert!(r[1]
        .user_prompt()
        .contains("name 'zzq_frobnicate_totals' is not defined"));
    assert!(
        stderr.contains("chat completion request"),
        "trace logs are on: {stderr}"
    );
    assert!(!stderr.contains(KEY), "the key leaked into the log");
    assert!(!String::from_utf8_lossy(&out.stdout).contains(KEY));

    // No model: a usage error (exit 2) that says how to give one.
    let out = common::selfheal(&[
        "generate",
        spec_file.to_str().unwrap(),
        "--generator",
        "openai",
        "--base-url",
        &server.base_url,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no model given: pass --model NAME"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
