//! Batched validation in a round: when the program being expanded builds and only fails its
//! tests, and its language batches, the round's candidates are first judged together in one
//! sandbox run ([`crate::repair::batch`]). The batch is a filter: a candidate that failed there
//! is judged on the batch's evidence; one that passed is validated again alone (its verdict is
//! that validation's); one the batch could not judge is validated alone.

use std::time::Duration;

use super::propose::Candidate;
use super::search::Search;
use super::{BatchRole, CheckError, Healer};
use crate::types::{CodeError, ValidationResult};
use crate::validate::Expect;

/// A round's results so far, one per candidate (the cached verdicts).
pub(super) type Results = Vec<Option<(Result<ValidationResult, CheckError>, Duration)>>;

impl Healer {
    /// Judges the round's candidates that still need a verdict (those ranked before the best
    /// cached pass, if any) in one batched run, when that applies. Fills `results` with the
    /// failures the batch found and returns each candidate's part in the batch.
    pub(super) async fn batch_filter(
        &self,
        parent_errors: &[CodeError],
        candidates: &[Candidate],
        results: &mut Results,
        expect: Expect,
        deadline: tokio::time::Instant,
        search: &mut Search,
    ) -> Vec<Option<BatchRole>> {
        let mut roles = vec![None; candidates.len()];
        let best_pass = results
            .iter()
            .position(|r| matches!(r, Some((Ok(result), _)) if result.passed));
        let Some(language) = candidates.first().map(|c| c.program.language()) else {
            return roles;
        };
        let behaviour_only =
            !parent_errors.is_empty() && parent_errors.iter().all(crate::repair::rule::answers);
        if expect != Expect::Test || !behaviour_only || !self.checker.batches(language) {
            return roles;
        }
        let pending: Vec<usize> = (0..candidates.len())
            .filter(|&i| results[i].is_none() && best_pass.is_none_or(|best| i < best))
            .collect();
        if pending.len() < 2 {
            return roles;
        }
        let programs: Vec<_> = pending
            .iter()
            .map(|&i| candidates[i].program.clone())
            .collect();
        let judged = tokio::time::timeout_at(deadline, async {
            // One batched run is one sandbox run: it takes one of the `jobs` slots.
            let _permit = self.permits.acquire().await;
            self.checker.batch(&programs).await
        })
        .instrument_batch(programs.len())
        .await;
        let verdicts = match judged {
            Ok(Ok(verdicts)) if verdicts.len() == pending.len() => verdicts,
            Ok(Ok(_)) => {
                tracing::warn!("a batched run answered for the wrong number of candidates");
                return roles;
            }
            Ok(Err(e)) => {
                tracing::warn!("a batched run failed; its candidates are validated alone: {e}");
                return roles;
            }
            // The budget ran out: the round's own wait notices it too.
            Err(_) => return roles,
        };
        search.batch_runs += 1;
        for (index, verdict) in pending.into_iter().zip(verdicts) {
            let Some(result) = verdict else {
                continue;
            };
            search.batch_judged += 1;
            if result.passed {
                roles[index] = Some(BatchRole::Revalidated);
            } else {
                roles[index] = Some(BatchRole::Filtered);
                let elapsed = result.duration;
                results[index] = Some((Ok(result), elapsed));
            }
        }
        roles
    }
}

/// The batched run's span.
trait InstrumentBatch: std::future::Future + Sized {
    fn instrument_batch(self, candidates: usize) -> tracing::instrument::Instrumented<Self> {
        use tracing::Instrument;
        self.instrument(tracing::info_span!(
            "batch",
            selfheal.candidates = candidates as i64
        ))
    }
}

impl<F: std::future::Future> InstrumentBatch for F {}
