//! Running a round: a node's candidates validated in parallel (cached verdicts first), each
//! judged against its parent, kept ones added to the search, the learner told. The winner is
//! the best-ranked passing candidate, independent of the order validations finish in.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::{AbortHandle, JoinSet};
use tracing::Instrument;

use super::batching::Results;
use super::metrics::record_attempt;
use super::propose::{Candidate, Proposal};
use super::search::{Node, Search};
use super::{progress, Attempt, BatchRole, CheckError, Healer, Verdict};
use crate::learn::signature;
use crate::types::ValidationResult;
use crate::validate::Expect;

/// How a round ended.
pub(super) enum RoundEnd {
    Passed(usize),
    Timeout,
    /// No candidate passed; the single-fix proposals that were kept.
    Continue(Vec<Proposal>),
}

impl Healer {
    /// Validates a round's candidates in parallel and records each one's verdict.
    pub(super) async fn run_round(
        &self,
        node_id: usize,
        candidates: Vec<Candidate>,
        expect: Expect,
        deadline: tokio::time::Instant,
        round: u32,
        search: &mut Search,
    ) -> RoundEnd {
        let mut tasks = JoinSet::new();
        // One span per candidate, parented to the heal span (the current one) and carried into
        // the spawned task; its verdict is recorded below, after judging.
        let mut spans = Vec::with_capacity(candidates.len());
        let mut results: Results = (0..candidates.len()).map(|_| None).collect();
        // Cached verdicts first: the best-ranked cached pass is the round's winner unless a
        // better-ranked candidate (one before it) passes too, so only those run.
        for (index, candidate) in candidates.iter().enumerate() {
            if let Some(result) = self.checker.cached(&candidate.program, expect) {
                search.validations += 1;
                results[index] = Some((Ok(result), Duration::ZERO));
            }
        }
        let mut best_pass = first_pass(&results);
        let roles = {
            let parent_errors = search.nodes[node_id].errors.clone();
            self.batch_filter(
                &parent_errors,
                &candidates,
                &mut results,
                expect,
                deadline,
                search,
            )
            .await
        };
        for candidate in &candidates {
            spans.push(tracing::info_span!(
                "attempt",
                selfheal.round = i64::from(round),
                selfheal.language = %candidate.program.language(),
                selfheal.strategy = %candidate.proposal.fix.strategy,
                selfheal.confidence = candidate.proposal.fix.confidence,
                selfheal.combined = !candidate.proposal.combined_from.is_empty(),
                selfheal.passed = tracing::field::Empty,
                selfheal.kept = tracing::field::Empty,
                selfheal.reason = tracing::field::Empty,
                selfheal.errors_after = tracing::field::Empty,
                error.type = tracing::field::Empty,
            ));
        }
        let spawn = |tasks: &mut JoinSet<_>, index: usize| -> AbortHandle {
            let checker = Arc::clone(&self.checker);
            let permits = Arc::clone(&self.permits);
            let program = candidates[index].program.clone();
            tasks.spawn(
                async move {
                    let _permit = permits.acquire_owned().await;
                    let started = Instant::now();
                    let result = checker.check(&program, expect).await;
                    (index, result, started.elapsed())
                }
                .instrument(spans[index].clone()),
            )
        };
        let mut handles: Vec<Option<AbortHandle>> = (0..candidates.len()).map(|_| None).collect();
        // A candidate that passed in a batch is validated alone before the candidates ranked
        // after it that the batch left unjudged: they run only if it fails alone.
        let mut hold = next_batch_pass(&roles, 0);
        let start_eligible = |tasks: &mut JoinSet<_>,
                              handles: &mut Vec<Option<AbortHandle>>,
                              results: &Results,
                              best_pass: Option<usize>,
                              hold: Option<usize>| {
            for index in 0..candidates.len() {
                let ranked_after = |limit: Option<usize>| limit.is_some_and(|l| index > l);
                if handles[index].is_some()
                    || results[index].is_some()
                    || ranked_after(best_pass)
                    || ranked_after(hold)
                {
                    continue;
                }
                handles[index] = Some(spawn(tasks, index));
            }
        };
        start_eligible(&mut tasks, &mut handles, &results, best_pass, hold);
        let mut timed_out = false;
        // The winner is the best-ranked passing candidate, whatever order the validations end
        // in: a pass cancels only the candidates ranked after it; those ranked before it run
        // to their end (one of them may pass and win). Candidates that finished anyway are
        // kept and counted.
        loop {
            match tokio::time::timeout_at(deadline, tasks.join_next()).await {
                Ok(Some(Ok((index, result, elapsed)))) => {
                    search.validations += 1;
                    let passed = matches!(&result, Ok(r) if r.passed);
                    results[index] = Some((result, elapsed));
                    if passed && best_pass.is_none_or(|best| index < best) {
                        best_pass = Some(index);
                        for handle in handles.iter().skip(index + 1).flatten() {
                            handle.abort();
                        }
                    } else if !passed && hold == Some(index) {
                        // The batch's pass failed alone: the next candidates get their turn.
                        hold = next_batch_pass(&roles, index + 1);
                        start_eligible(&mut tasks, &mut handles, &results, best_pass, hold);
                    }
                }
                Ok(Some(Err(join_error))) => {
                    if !join_error.is_cancelled() {
                        tracing::warn!("a candidate validation task failed: {join_error}");
                    }
                }
                Ok(None) => break,
                Err(_) => {
                    tasks.abort_all();
                    timed_out = true;
                    break;
                }
            }
        }

        let errors_before: Vec<String> =
            search.nodes[node_id].errors.iter().map(signature).collect();
        let language = search.nodes[node_id].program.language();
        let mut passed_node = None;
        let mut kept_proposals = Vec::new();
        for (((candidate, outcome), span), role) in
            candidates.into_iter().zip(results).zip(spans).zip(roles)
        {
            let Candidate {
                proposal,
                program,
                diff,
            } = candidate;
            let mut attempt = Attempt {
                diff,
                batch: role,
                ..proposal.attempt(round, node_id, errors_before.clone())
            };
            let Some((result, elapsed)) = outcome else {
                attempt.reason = Some(if timed_out {
                    "not validated: the time budget ran out".into()
                } else {
                    "not validated: a better-ranked candidate passed".into()
                });
                record_attempt(&span, &attempt, None);
                search.attempts.push(attempt);
                continue;
            };
            attempt.duration_ms = elapsed.as_secs_f64() * 1000.0;
            let result = match result {
                Ok(result) => result,
                Err(e) => {
                    attempt.reason = Some(format!("validation failed: {e}"));
                    span.record("error.type", "validation_failed");
                    record_attempt(&span, &attempt, None);
                    search.attempts.push(attempt);
                    continue;
                }
            };
            attempt.errors_after = Some(result.errors.iter().map(signature).collect());
            let first_error = result.errors.first().map(|e| e.error_type.label());
            let (verdict, revealed) = progress::judge_candidate(
                &search.nodes[node_id].errors,
                &proposal.target_errors,
                result.passed,
                &result.errors,
            );
            attempt.revealed = revealed.iter().map(located_message).collect();
            attempt.passed = verdict == Verdict::Passed;
            attempt.kept = verdict.kept();
            attempt.reason = match &verdict {
                Verdict::Passed => None,
                Verdict::Progress(why) | Verdict::NoProgress(why) => Some(why.clone()),
            };
            // The learner learns from truth: a rejected fix failed now; a kept one succeeded
            // only if the heal ends passing with it on the path (`Healer::credit_path`).
            if proposal.combined_from.is_empty() && !attempt.kept {
                if let Some(target) = proposal.targets.first() {
                    self.learner
                        .record(language, target, &proposal.fix.strategy, false);
                }
            }
            if attempt.kept && !attempt.passed && proposal.combined_from.is_empty() {
                kept_proposals.push(proposal.clone());
            }
            if attempt.kept {
                let strategies = if proposal.combined_from.is_empty() {
                    vec![proposal.fix.strategy.clone()]
                } else {
                    proposal.combined_from.clone()
                };
                let id = search.nodes.len();
                let depth = search.nodes[node_id].depth + 1;
                let revealing =
                    search.nodes[node_id].revealing + u32::from(!attempt.revealed.is_empty());
                let credits = if proposal.combined_from.is_empty() {
                    proposal
                        .targets
                        .first()
                        .map(|t| vec![(t.clone(), proposal.fix.strategy.clone())])
                        .unwrap_or_default()
                } else {
                    // A merge of single fixes, one target each.
                    proposal
                        .targets
                        .iter()
                        .cloned()
                        .zip(proposal.combined_from.iter().cloned())
                        .collect()
                };
                search.nodes.push(Node {
                    program,
                    errors: result.errors,
                    tests: result.tests,
                    parent: Some(node_id),
                    strategies,
                    credits,
                    depth,
                    revealing,
                    tried: HashSet::new(),
                    exhausted: false,
                });
                attempt.node = Some(id);
                if attempt.passed && passed_node.is_none() {
                    passed_node = Some(id);
                }
            }
            record_attempt(&span, &attempt, first_error.as_deref());
            search.attempts.push(attempt);
        }
        match passed_node {
            Some(id) => RoundEnd::Passed(id),
            None if timed_out => RoundEnd::Timeout,
            None => RoundEnd::Continue(kept_proposals),
        }
    }
}

/// The first candidate at or after `from` that passed in a batched run (and still has to pass
/// alone).
fn next_batch_pass(roles: &[Option<BatchRole>], from: usize) -> Option<usize> {
    (from..roles.len()).find(|&i| roles[i] == Some(BatchRole::Revalidated))
}

/// The index of the first (best-ranked) candidate whose verdict so far is a pass.
fn first_pass(
    results: &[Option<(Result<ValidationResult, CheckError>, Duration)>],
) -> Option<usize> {
    results
        .iter()
        .position(|r| matches!(r, Some((Ok(result), _)) if result.passed))
}

/// `file:line:col: message` (the message alone when the error has no location).
fn located_message(error: &crate::types::CodeError) -> String {
    match &error.location {
        Some(loc) => format!("{loc}: {}", error.message),
        None => error.message.clone(),
    }
}
