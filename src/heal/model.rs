//! A model in the heal loop (issue 16, item 6): when the built-in rules have no fix left to
//! try, or the round budget is spent, the loop asks a [`RepairModel`] for a corrected program,
//! giving it the best program so far, its errors, the per-test evidence and what was already
//! tried. The reply becomes one more candidate: applied as whole-file edits to the unprotected
//! files, validated and judged like any other, so a wrong reply costs one candidate, never the
//! heal. Token usage is summed into [`HealReport::model`](super::HealReport).

use std::future::Future;
use std::pin::Pin;

use serde::{Deserialize, Serialize};
use tracing::Instrument;

use super::propose::Proposal;
use super::round::RoundEnd;
use super::search::Search;
use super::{Attempt, Healer};
use crate::fix::{Edit, Fix, FixApplicability};
use crate::generate::TokenUsage;
use crate::learn::signature;
use crate::program::Program;
use crate::types::{CodeError, TestReport};
use crate::validate::Expect;

/// Model requests per heal unless [`Healer::with_model`](super::Healer::with_model) says
/// otherwise.
pub const DEFAULT_MODEL_REQUESTS: u32 = 2;

/// The confidence a model's candidate is recorded with (it is validated like any other).
const MODEL_CONFIDENCE: f64 = 0.5;

/// What the model is asked to repair.
#[derive(Debug, Clone, Copy)]
pub struct RepairRequest<'a> {
    /// The best program the search has (the original when nothing helped).
    pub program: &'a Program,
    /// Its errors.
    pub errors: &'a [CodeError],
    /// The per-test evidence of its last validation (empty when no test ran).
    pub tests: &'a [TestReport],
    /// Every candidate the heal tried, in order: `strategy: description → verdict`.
    pub tried: &'a [String],
}

/// A model's answer: the files it wrote (or why its reply held none) and what it cost.
#[derive(Debug, Clone)]
pub struct ModelReply {
    /// (path, text) of each file the reply holds; `Err` says why the reply is unusable (no
    /// code, wrong language, the model refused).
    pub files: Result<Vec<(String, String)>, String>,
    /// Tokens the request used (also when the reply was unusable).
    pub usage: TokenUsage,
}

/// The future a [`RepairModel`] returns; `Err` when no reply came (transport, HTTP errors).
pub type ModelFuture<'a> = Pin<Box<dyn Future<Output = Result<ModelReply, String>> + Send + 'a>>;

/// Repairs a program on request. The OpenAI-compatible client implements it
/// (`crate::generate::OpenAiGenerator`); tests use stubs.
pub trait RepairModel: Send + Sync {
    /// The name candidates are recorded under: `model.<name>` is the strategy id.
    fn name(&self) -> String;

    fn repair<'a>(&'a self, request: RepairRequest<'a>) -> ModelFuture<'a>;
}

/// The model's part in one heal, in the report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelUse {
    /// The model's name.
    pub name: String,
    /// Requests sent (each one candidate at most).
    pub requests: u32,
    /// Replies that held a usable program.
    pub usable_replies: u32,
    /// Tokens used by every request of this heal.
    pub usage: TokenUsage,
}

/// The strategy id of a model's candidates.
pub fn strategy_id(model: &str) -> String {
    format!("model.{model}")
}

/// The reply's files as a fix of `program`: each changed, unprotected file of the program
/// replaced whole. Files the program does not have and protected files are left out (the
/// tests are the oracle), and say so in the description. `Err` when nothing would change.
pub fn reply_fix(
    program: &Program,
    model: &str,
    files: &[(String, String)],
) -> Result<Fix, String> {
    let mut edits = Vec::new();
    let mut ignored = Vec::new();
    let mut changed = Vec::new();
    for (path, text) in files {
        match program.files().get(path) {
            Some(_) if program.protected().contains(path) => ignored.push(path.as_str()),
            Some(old) if old == text => {}
            Some(old) => {
                edits.push(Edit {
                    file: path.clone(),
                    byte_start: 0,
                    byte_end: old.len(),
                    replacement: text.clone(),
                });
                changed.push(path.as_str());
            }
            None => ignored.push(path.as_str()),
        }
    }
    if edits.is_empty() {
        return Err(if ignored.is_empty() {
            "the model sent the program back unchanged".to_string()
        } else {
            format!(
                "the model changed only files it may not change ({})",
                ignored.join(", ")
            )
        });
    }
    let mut description = format!("the model's repair of {}", changed.join(", "));
    if !ignored.is_empty() {
        description.push_str(&format!(
            " (its changes to {} left out: protected or not part of the program)",
            ignored.join(", ")
        ));
    }
    Ok(Fix {
        strategy: strategy_id(model),
        description,
        confidence: MODEL_CONFIDENCE,
        applicability: FixApplicability::Speculative,
        edits,
    })
}

impl Healer {
    /// Asks the model for a repair of the best program so far and validates its candidate:
    /// `None` when there is no model or its requests for this heal are spent (nothing was
    /// done), otherwise how the round ended. A failed request or an unusable reply is an
    /// attempt that was not kept.
    pub(super) async fn model_round(
        &self,
        search: &mut Search,
        expect: Expect,
        deadline: tokio::time::Instant,
        round: u32,
    ) -> Option<RoundEnd> {
        let model = self.model.as_ref()?;
        let requests = search.model.as_ref()?.requests;
        if requests >= self.model_requests {
            return None;
        }
        let node_id = search.best();
        let tried: Vec<String> = search.attempts.iter().map(tried_line).collect();
        let name = model.name();
        let reply = {
            let node = &search.nodes[node_id];
            let request = RepairRequest {
                program: &node.program,
                errors: &node.errors,
                tests: &node.tests,
                tried: &tried,
            };
            let span = tracing::info_span!(
                "model_repair",
                selfheal.model = %name,
                selfheal.round = i64::from(round),
                selfheal.errors = node.errors.len() as i64,
            );
            tokio::time::timeout_at(deadline, model.repair(request).instrument(span)).await
        };
        if let Some(m) = search.model.as_mut() {
            m.requests += 1;
        }
        let reply = match reply {
            Err(_) => {
                self.model_failed(
                    search,
                    node_id,
                    round,
                    &name,
                    "not validated: the time budget ran out while the model was asked".into(),
                );
                return Some(RoundEnd::Timeout);
            }
            Ok(Err(e)) => {
                self.model_failed(
                    search,
                    node_id,
                    round,
                    &name,
                    format!("model request failed: {e}"),
                );
                return Some(RoundEnd::Continue(Vec::new()));
            }
            Ok(Ok(reply)) => reply,
        };
        if let Some(m) = search.model.as_mut() {
            m.usage += reply.usage;
        }
        let fix = reply
            .files
            .map_err(|e| format!("the model's reply is unusable: {e}"))
            .and_then(|files| reply_fix(&search.nodes[node_id].program, &name, &files));
        let fix = match fix {
            Ok(fix) => fix,
            Err(reason) => {
                self.model_failed(search, node_id, round, &name, reason);
                return Some(RoundEnd::Continue(Vec::new()));
            }
        };
        if let Some(m) = search.model.as_mut() {
            m.usable_replies += 1;
        }
        let errors = search.nodes[node_id].errors.clone();
        let proposal = Proposal {
            fix,
            // The learner files the model's record under the first error it was shown.
            targets: errors.first().map(signature).into_iter().collect(),
            target_errors: errors,
            combined_from: Vec::new(),
            prior: MODEL_CONFIDENCE,
        };
        let Some(candidate) = self.prepare(node_id, proposal, search, round) else {
            // Already validated (the same program twice), or refused: recorded by `prepare`.
            return Some(RoundEnd::Continue(Vec::new()));
        };
        Some(
            self.run_round(node_id, vec![candidate], expect, deadline, round, search)
                .await,
        )
    }

    /// Records a model request that gave no candidate.
    fn model_failed(
        &self,
        search: &mut Search,
        node_id: usize,
        round: u32,
        name: &str,
        reason: String,
    ) {
        tracing::info!(error.type = "model_failed", "{reason}");
        let errors_before = search.nodes[node_id].errors.iter().map(signature).collect();
        search.attempts.push(Attempt {
            strategy: strategy_id(name),
            description: "ask the model for a repair".into(),
            confidence: MODEL_CONFIDENCE,
            strategy_confidence: MODEL_CONFIDENCE,
            reason: Some(reason),
            ..Attempt::unvalidated(round, node_id, errors_before)
        });
    }
}

/// One line of "what was tried" for the model: strategy, description, verdict and why.
fn tried_line(a: &Attempt) -> String {
    let verdict = if a.passed {
        "passed"
    } else if a.kept {
        "kept (progress)"
    } else {
        "rejected"
    };
    match &a.reason {
        Some(reason) => format!("{}: {} → {verdict}: {reason}", a.strategy, a.description),
        None => format!("{}: {} → {verdict}", a.strategy, a.description),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::TargetLanguage;

    #[test]
    fn a_reply_becomes_whole_file_edits_of_unprotected_files() {
        let program = Program::new(
            TargetLanguage::Python,
            [
                ("main.py".to_string(), "x = 1\n".to_string()),
                ("test_main.py".to_string(), "assert True\n".to_string()),
            ],
        )
        .unwrap()
        .with_protected(["test_main.py".to_string()])
        .unwrap();
        let files = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        let fix = reply_fix(
            &program,
            "m",
            &files(&[
                ("main.py", "x = 2\n"),
                ("test_main.py", "pass\n"),
                ("extra.py", "y = 1\n"),
            ]),
        )
        .unwrap();
        assert_eq!(fix.strategy, "model.m");
        assert_eq!(
            fix.description,
            "the model's repair of main.py (its changes to test_main.py, extra.py left out: protected or not part of the program)"
        );
        assert_eq!(
            fix.edits,
            vec![Edit {
                file: "main.py".into(),
                byte_start: 0,
                byte_end: 6,
                replacement: "x = 2\n".into(),
            }]
        );
        assert_eq!(
            reply_fix(&program, "m", &files(&[("main.py", "x = 1\n")])).unwrap_err(),
            "the model sent the program back unchanged"
        );
        assert_eq!(
            reply_fix(&program, "m", &files(&[("test_main.py", "pass\n")])).unwrap_err(),
            "the model changed only files it may not change (test_main.py)"
        );
    }
}
