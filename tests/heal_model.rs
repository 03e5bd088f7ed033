//! A model in the heal loop (issue 16, item 6) against the scripted chat server of
//! `common::model_server`: the request carries the errors, the per-test evidence and what the
//! rules tried; the reply's program is validated in the sandbox like any candidate; a wrong
//! reply (no code, another language, a program that still fails, a failed request) costs one
//! candidate, never the heal; token usage is in the report, human and JSON.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::model_server::{chat, error, ModelServer};
use selfheal::fix::FixEngine;
use selfheal::generate::{OpenAiConfig, OpenAiGenerator, TokenUsage};
use selfheal::heal::{Checker, HealConfig, HealReport, Healer, StopReason};
use selfheal::learn::Learner;
use selfheal::validate::Expect;
use selfheal::{Program, TargetLanguage};

/// Two slips in one loop: beyond any single built-in edit.
const BROKEN: &str =
    "def mean(xs):\n    total = 0\n    for x in xs:\n        total = x\n    return total * 2\n";
const WRONG: &str = "def mean(xs):\n    return sum(xs)\n";
const FIXED: &str = "def mean(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return total / len(xs)\n";
const TESTS: &str = "import unittest\n\nfrom main import mean\n\n\nclass MeanTest(unittest.TestCase):\n    def test_three(self):\n        self.assertEqual(mean([1.0, 2.0, 4.5]), 2.5)\n\n    def test_one(self):\n        self.assertEqual(mean([3.0]), 3.0)\n\n\nif __name__ == \"__main__\":\n    unittest.main()\n";

fn program() -> Program {
    common::program(
        TargetLanguage::Python,
        &[("main.py", BROKEN), ("test_main.py", TESTS)],
    )
    .with_protected(["test_main.py".to_string()])
    .unwrap()
}

fn fenced(code: &str) -> String {
    format!("Here is the repair:\n\n```python\n# file: main.py\n{code}```\n")
}

fn model(server: &ModelServer) -> Arc<OpenAiGenerator> {
    let mut c = OpenAiConfig::new(server.base_url.clone(), "test-model");
    c.api_key_env = "SELFHEAL_TEST_HEAL_MODEL_NO_SUCH_KEY".into();
    c.request_timeout = Duration::from_secs(20);
    c.max_retries = 0;
    Arc::new(OpenAiGenerator::new(c).unwrap())
}

/// One rule round of 4 candidates (batched or not), then the model, at most `requests` times.
fn healer(model: Arc<OpenAiGenerator>, requests: u32) -> Healer {
    let checker: Arc<dyn Checker> = common::validator();
    Healer::new(
        checker,
        FixEngine::builtin(),
        Arc::new(Learner::in_memory()),
        HealConfig {
            max_retries: 1,
            timeout: Duration::from_secs(600),
            jobs: 2,
            beam: 4,
            batch_beam: 4,
            expect: Some(Expect::Test),
        },
    )
    .with_model(model, requests)
}

fn model_attempts(report: &HealReport) -> Vec<&selfheal::heal::Attempt> {
    report
        .attempts
        .iter()
        .filter(|a| a.strategy == "model.test-model")
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_model_repairs_what_the_rules_cannot_and_wrong_replies_cost_one_candidate_each() {
    let server = ModelServer::start(vec![
        chat("I am not sure what you want me to do.", 100, 10),
        chat("```go\npackage main\n\nfunc mean() {}\n```\n", 110, 20),
        chat(&fenced(WRONG), 120, 30),
        chat(&fenced(FIXED), 130, 40),
    ])
    .await;
    let report = healer(model(&server), 4).heal(&program()).await.unwrap();
    assert!(report.healed, "{}", report.summary());
    assert_eq!(report.stop_reason, StopReason::Healed);
    assert_eq!(report.final_program.files()["main.py"], FIXED);
    assert_eq!(report.final_program.files()["test_main.py"], TESTS);

    // Each wrong reply was one attempt, not kept; the last one passed.
    let attempts = model_attempts(&report);
    assert_eq!(attempts.len(), 4, "{}", report.summary());
    assert_eq!(
        attempts[0].reason.as_deref(),
        Some("the model's reply is unusable: unusable reply: no code block in the reply (expected a fenced ```python block): it began \"I am not sure what you want me to do.\"")
    );
    assert_eq!(
        attempts[1].reason.as_deref(),
        Some("the model's reply is unusable: unusable reply: wrong language: the reply's code is go but the spec asks for python")
    );
    assert!(!attempts[2].kept, "{}", report.summary());
    assert!(
        attempts[2].errors_after.is_some(),
        "validated like any candidate"
    );
    assert_eq!(attempts[2].description, "the model's repair of main.py");
    assert!(attempts[3].passed && attempts[3].kept);
    assert!(
        attempts[3].diff.contains("+        total += x\n"),
        "{}",
        attempts[3].diff
    );

    // Token usage, summed over this heal's requests.
    let m = report
        .model
        .as_ref()
        .expect("the report has the model's part");
    assert_eq!(
        (m.name.as_str(), m.requests, m.usable_replies),
        ("test-model", 4, 2)
    );
    assert_eq!(
        m.usage,
        TokenUsage {
            prompt_tokens: 460,
            completion_tokens: 100,
            total_tokens: 560
        }
    );
    assert!(
        report.summary().contains(
            "model test-model: 4 requests (2 usable), 460 prompt + 100 completion = 560 tokens\n"
        ),
        "{}",
        report.summary()
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["model"]["usage"]["total_tokens"], 560);
    assert_eq!(json["model"]["requests"], 4);

    // The first request carried the evidence: program, tests, errors, per-test results, and
    // what the rules tried.
    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    assert_eq!(requests[0].json()["model"], "test-model");
    let prompt = requests[0].user_prompt();
    assert!(
        prompt.starts_with("This Python program does not pass. Repair it with the smallest change"),
        "{prompt}"
    );
    assert!(
        prompt.contains(&format!("```python\n# file: main.py\n{BROKEN}```")),
        "{prompt}"
    );
    assert!(
        prompt.contains("## The tests (fixed: the program must pass them unchanged)"),
        "{prompt}"
    );
    assert!(prompt.contains("## Errors ("), "{prompt}");
    assert!(
        prompt.contains("## Tests\n\n0 of 2 passed, 2 failed"),
        "{prompt}"
    );
    assert!(prompt.contains("- FAILED `"), "{prompt}");
    assert!(prompt.contains("test_three"), "{prompt}");
    assert!(prompt.contains("2.5"), "{prompt}");
    let rule_attempts: Vec<_> = report
        .attempts
        .iter()
        .filter(|a| !a.strategy.starts_with("model."))
        .collect();
    if let Some(first) = rule_attempts.first() {
        assert!(
            prompt.contains(&format!(
                "## Already tried by the automatic repairs\n\n- {}: {}",
                first.strategy, first.description
            )),
            "{prompt}"
        );
    }
    assert!(
        prompt.contains("Reply with the complete corrected `main.py` in one fenced ```python block whose first line is `# file: main.py`."),
        "{prompt}"
    );
    // Later requests also list the model's own rejected attempts.
    let third = requests[2].user_prompt();
    assert!(
        third.contains("- model.test-model: ask the model for a repair → rejected: the model's reply is unusable"),
        "{third}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_model_server_costs_its_requests_not_the_heal() {
    let server = ModelServer::start(vec![error(400, "no such model")]).await;
    let report = healer(model(&server), 2).heal(&program()).await.unwrap();
    assert!(!report.healed);
    assert!(
        matches!(
            report.stop_reason,
            StopReason::MaxRetries | StopReason::NoCandidates
        ),
        "{:?}",
        report.stop_reason
    );
    let attempts = model_attempts(&report);
    assert_eq!(attempts.len(), 2, "{}", report.summary());
    for a in attempts {
        assert!(!a.kept);
        let reason = a.reason.as_deref().unwrap();
        assert!(
            reason.starts_with("model request failed: model request failed: ")
                && reason.contains("answered HTTP 400 Bad Request: no such model"),
            "{reason}"
        );
    }
    let m = report.model.unwrap();
    assert_eq!((m.requests, m.usable_replies), (2, 0));
    assert_eq!(m.usage, TokenUsage::default());
    assert_eq!(server.requests().len(), 2);
    assert_eq!(report.final_program.files()["main.py"], BROKEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_model_nothing_is_asked_and_the_report_has_no_model_part() {
    let checker: Arc<dyn Checker> = common::validator();
    let healer = Healer::new(
        checker,
        FixEngine::builtin(),
        Arc::new(Learner::in_memory()),
        HealConfig {
            max_retries: 1,
            timeout: Duration::from_secs(600),
            jobs: 2,
            beam: 4,
            expect: Some(Expect::Test),
            ..HealConfig::default()
        },
    );
    let report = healer.heal(&program()).await.unwrap();
    assert!(report.model.is_none());
    assert!(serde_json::to_value(&report)
        .unwrap()
        .get("model")
        .is_none());
}

/// `selfheal heal --model … --base-url …` end to end: the human report and the JSON report
/// carry the token usage.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_heals_with_a_model_and_reports_token_usage() {
    let server = ModelServer::start(vec![chat(&fenced(FIXED), 200, 50)]).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.py"), BROKEN).unwrap();
    std::fs::write(dir.path().join("test_main.py"), TESTS).unwrap();
    let data = tempfile::tempdir().unwrap();
    let base_url = server.base_url.clone();
    let path = dir.path().to_str().unwrap().to_string();
    let data_dir = data.path().to_str().unwrap().to_string();
    let out = tokio::task::spawn_blocking(move || {
        common::selfheal(&[
            "heal",
            &path,
            "--model",
            "test-model",
            "--base-url",
            &base_url,
            "--api-key-env",
            "SELFHEAL_TEST_HEAL_MODEL_NO_SUCH_KEY",
            "--max-retries",
            "1",
            "--data-dir",
            &data_dir,
            "--no-cache",
            "--format",
            "json",
        ])
    })
    .await
    .unwrap();
    common::assert_exit(&out, 0);
    let json = common::stdout_json(&out);
    assert_eq!(json["healed"], true, "{json}");
    assert_eq!(json["model"]["name"], "test-model");
    assert_eq!(json["model"]["requests"], 1);
    assert_eq!(json["model"]["usage"]["prompt_tokens"], 200);
    assert_eq!(json["model"]["usage"]["completion_tokens"], 50);
    assert_eq!(json["final_program"]["files"]["main.py"], FIXED);
    // Not written without --write.
    assert_eq!(
        std::fs::read_to_string(dir.path().join("main.py")).unwrap(),
        BROKEN
    );
}
