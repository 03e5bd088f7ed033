//! The heal loop: a best-first search over candidate programs.
//!
//! CONTRACT: [`Checker`] (what validates a candidate; implemented by
//! [`crate::validate::Validator`]), [`HealConfig`], [`Healer`] with
//! `Healer::new(Arc<dyn Checker>, FixEngine, Arc<Learner>, HealConfig)` and
//! `async heal(&Program) -> Result<HealReport, HealError>`, [`HealReport`], [`Attempt`],
//! [`StopReason`].
//!
//! Each round takes the best kept program not yet expanded (fewest errors at the latest
//! stage), asks the [`FixEngine`] for fixes to its errors (syntax first, then imports and
//! names, then types, then the rest), ranks them by the [`Learner`]'s confidence, applies up to
//! `beam` of them (plus, when several errors have fixes, the best fix of each applied
//! together), and validates those candidates in parallel, at most `jobs` at a time; when
//! several candidates were kept, their fixes merged are validated as one more candidate. A
//! candidate is kept when it removes errors without adding new ones (see
//! `progress::judge`); the first passing candidate ends the search. Programs are values: the
//! original is never changed, protected files are never edited, and a program already
//! validated (same content hash) is never validated again.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tracing::Instrument;

use crate::fix::FixEngine;
use crate::learn::Learner;
use crate::program::{Program, ProgramError};
use crate::types::ValidationResult;
use crate::validate::{Expect, ValidateError, Validator};

mod batching;
mod formatting;
mod metrics;
pub mod model;
mod progress;
mod propose;
mod report;
mod round;
mod search;

pub use metrics::stop_label;
pub use model::{ModelReply, ModelUse, RepairModel, RepairRequest};
pub use progress::{program_hash, unified_diff, Verdict};
pub use report::{Attempt, BatchRole, HealReport, StopReason};

use metrics::record_heal;
use propose::combine;
#[cfg(test)]
use propose::Proposal;
use round::RoundEnd;
use search::Search;

/// The strategy id recorded for a candidate that applies several errors' best fixes at once.
pub const COMBINED_STRATEGY: &str = "heal.combined";

/// Why a candidate could not be validated (the sandbox or toolchain failed, not the program).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct CheckError(pub String);

impl From<ValidateError> for CheckError {
    fn from(e: ValidateError) -> Self {
        CheckError(e.to_string())
    }
}

/// The future a [`Checker`] returns.
pub type CheckFuture<'a> =
    Pin<Box<dyn Future<Output = Result<ValidationResult, CheckError>> + Send + 'a>>;

/// The future [`Checker::format`] returns.
pub type FormatFuture<'a> = Pin<Box<dyn Future<Output = crate::format::FormatOutcome> + Send + 'a>>;

/// The future [`Checker::batch`] returns: one entry per candidate, `None` for a candidate the
/// batch did not judge.
pub type BatchFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<Option<ValidationResult>>, CheckError>> + Send + 'a>>;

/// Validates programs for the heal loop. [`Validator`] is the real one; tests use fakes.
pub trait Checker: Send + Sync {
    fn check<'a>(&'a self, program: &'a Program, expect: Expect) -> CheckFuture<'a>;

    /// `healed` with the lines that differ from `original` formatted by the language's
    /// formatter (see [`crate::format`]); the heal loop validates the result again. The
    /// default formats nothing and says so.
    fn format<'a>(&'a self, _original: &'a Program, _healed: &'a Program) -> FormatFuture<'a> {
        Box::pin(async { crate::format::FormatOutcome::skipped("this checker has no formatter") })
    }

    /// Whether [`Checker::format`] would run a formatter in a sandbox for this heal, so that a
    /// caller rationing sandboxes takes a slot only when one runs. The default: no formatter.
    fn runs_a_formatter<'a>(
        &'a self,
        _original: &'a Program,
        _healed: &'a Program,
    ) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>> {
        Box::pin(async { false })
    }

    /// Whether [`Checker::batch`] can judge candidates of `language` (default: no).
    fn batches(&self, _language: crate::types::TargetLanguage) -> bool {
        false
    }

    /// Judges several behaviour-repair candidates (same language, same tests) in one run, as
    /// a filter ([`crate::repair::batch`]): a `Some` that passed is validated again alone
    /// before the loop believes it; a `Some` that failed is judged on that evidence; `None`
    /// is validated alone. The default judges nothing.
    fn batch<'a>(&'a self, candidates: &'a [Program]) -> BatchFuture<'a> {
        Box::pin(async move { Ok(candidates.iter().map(|_| None).collect()) })
    }

    /// A verdict known without running anything (a cache hit), if any. The loop asks before
    /// starting validations, so a round whose answer is cached starts no sandbox at all.
    fn cached(&self, _program: &Program, _expect: Expect) -> Option<ValidationResult> {
        None
    }
}

impl Checker for Validator {
    fn check<'a>(&'a self, program: &'a Program, expect: Expect) -> CheckFuture<'a> {
        Box::pin(async move { Ok(self.validate(program, expect).await?) })
    }

    fn cached(&self, program: &Program, expect: Expect) -> Option<ValidationResult> {
        Validator::cached(self, program, expect)
    }

    fn batches(&self, language: crate::types::TargetLanguage) -> bool {
        crate::repair::batch::supports(language)
    }

    fn batch<'a>(&'a self, candidates: &'a [Program]) -> BatchFuture<'a> {
        Box::pin(async move { Ok(crate::repair::batch::judge(self, candidates).await?) })
    }

    fn format<'a>(&'a self, original: &'a Program, healed: &'a Program) -> FormatFuture<'a> {
        Box::pin(crate::format::format_changed(self, original, healed))
    }

    fn runs_a_formatter<'a>(
        &'a self,
        original: &'a Program,
        healed: &'a Program,
    ) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>> {
        Box::pin(crate::format::runs_a_formatter(self, original, healed))
    }
}

/// Budgets and parallelism of a heal.
#[derive(Debug, Clone, PartialEq)]
pub struct HealConfig {
    /// Rounds of candidate validation (each round expands one kept program and validates at
    /// most `beam + 1` candidates: the beam, and the merge of the fixes it kept).
    pub max_retries: u32,
    /// Wall-clock budget for the whole heal, the first validation included.
    pub timeout: Duration,
    /// Candidates validated at the same time.
    pub jobs: usize,
    /// Candidates tried per round.
    pub beam: usize,
    /// Candidates tried per round when the round is judged in one batched run (the program
    /// builds and only fails its tests, and its language batches: see
    /// [`crate::repair::batch`]). A batch judges its candidates in one sandbox run, so a wider
    /// round costs about one validation; never below `beam`. Default 32.
    pub batch_beam: usize,
    /// What passing means; `None` picks [`Expect::for_program`].
    pub expect: Option<Expect>,
}

impl Default for HealConfig {
    fn default() -> Self {
        HealConfig {
            max_retries: 5,
            timeout: Duration::from_secs(120),
            jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
            beam: 8,
            batch_beam: 32,
            expect: None,
        }
    }
}

/// Why a heal could not start.
#[derive(Debug, thiserror::Error)]
pub enum HealError {
    #[error(transparent)]
    Program(#[from] ProgramError),
    #[error("cannot validate the original program: {0}")]
    Validate(#[from] CheckError),
}

/// Runs heals. `Send + Sync`: share one behind an `Arc` to heal many programs at once; the
/// `jobs` limit then holds across all of them.
pub struct Healer {
    checker: Arc<dyn Checker>,
    engine: FixEngine,
    learner: Arc<Learner>,
    config: HealConfig,
    permits: Arc<Semaphore>,
    /// Asked for a repair when the rules are exhausted (see [`model`]).
    model: Option<Arc<dyn RepairModel>>,
    /// Model requests per heal, at most.
    model_requests: u32,
    /// Format the lines a heal wrote (see [`Healer::with_formatting`]); on by default.
    format: bool,
}

impl Healer {
    /// A healer validating candidates with `checker`, asking `engine` for fixes and ranking
    /// them with `learner` (which also records every attempt's outcome). At most
    /// `config.jobs` validations run at once, across every heal of this healer.
    pub fn new(
        checker: Arc<dyn Checker>,
        engine: FixEngine,
        learner: Arc<Learner>,
        config: HealConfig,
    ) -> Healer {
        let permits = Arc::new(Semaphore::new(config.jobs.max(1)));
        Healer {
            checker,
            engine,
            learner,
            config,
            permits,
            model: None,
            model_requests: model::DEFAULT_MODEL_REQUESTS,
            format: true,
        }
    }

    /// Whether a healed program's written lines are formatted with the language's formatter
    /// before it is returned (default: yes; see [`crate::format`]). Off, the heal returns the
    /// program exactly as the fixes left it.
    pub fn with_formatting(mut self, on: bool) -> Healer {
        self.format = on;
        self
    }

    /// This healer with a model in the loop: when the built-in rules have no fix left to try
    /// for any kept program, or the round budget is spent, the model is asked for a repair of
    /// the best program so far, at most `max_requests` times per heal (each request is one
    /// candidate, validated and judged like any other; see [`model`]).
    pub fn with_model(mut self, model: Arc<dyn RepairModel>, max_requests: u32) -> Healer {
        self.model = Some(model);
        self.model_requests = max_requests;
        self
    }

    /// The model asked when the rules are exhausted, if any.
    pub fn model(&self) -> Option<&Arc<dyn RepairModel>> {
        self.model.as_ref()
    }

    /// The budgets and parallelism this healer was built with.
    pub fn config(&self) -> &HealConfig {
        &self.config
    }

    /// The fix engine proposals come from.
    pub fn engine(&self) -> &FixEngine {
        &self.engine
    }

    /// The learner that ranks fixes and records outcomes.
    pub fn learner(&self) -> &Arc<Learner> {
        &self.learner
    }

    /// The checker candidates are validated with.
    pub fn checker(&self) -> &Arc<dyn Checker> {
        &self.checker
    }

    /// Validates one program, under the same `jobs` limit as the heal loop.
    pub async fn validate(
        &self,
        program: &Program,
        expect: Expect,
    ) -> Result<ValidationResult, CheckError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| CheckError("the validation queue was closed".into()))?;
        self.checker.check(program, expect).await
    }
    /// Heals a program: see the module documentation. Passing means `config.expect`, or
    /// [`Expect::for_program`] when that is `None`.
    pub async fn heal(&self, original: &Program) -> Result<HealReport, HealError> {
        let expect = self
            .config
            .expect
            .unwrap_or_else(|| Expect::for_program(original));
        self.heal_expecting(original, expect).await
    }

    /// Heals a program with an explicit meaning of "passing" (a corpus case's `expect`).
    pub async fn heal_expecting(
        &self,
        original: &Program,
        expect: Expect,
    ) -> Result<HealReport, HealError> {
        let span = tracing::info_span!(
            "heal",
            selfheal.language = %original.language(),
            selfheal.expect = ?expect,
            selfheal.healed = tracing::field::Empty,
            selfheal.stop_reason = tracing::field::Empty,
            selfheal.rounds = tracing::field::Empty,
            selfheal.validations = tracing::field::Empty,
            selfheal.repairs = tracing::field::Empty,
            selfheal.duration_ms = tracing::field::Empty,
        );
        let mut result = self
            .heal_inner(original, expect)
            .instrument(span.clone())
            .await;
        if let Ok(report) = &mut result {
            self.format_final(original, expect, report)
                .instrument(span.clone())
                .await;
        }
        if let Ok(report) = &result {
            record_heal(&span, original.language(), report);
        }
        result
    }

    async fn heal_inner(
        &self,
        original: &Program,
        expect: Expect,
    ) -> Result<HealReport, HealError> {
        original.check()?;
        let started = Instant::now();
        let deadline = tokio::time::Instant::now() + self.config.timeout;

        let mut search = Search::new(original);
        search.model = self.model.as_ref().map(|m| ModelUse {
            name: m.name(),
            ..ModelUse::default()
        });
        let first = match tokio::time::timeout_at(deadline, self.validate(original, expect)).await {
            Ok(result) => result?,
            Err(_) => return Ok(search.finish(StopReason::Timeout, None, started, Vec::new())),
        };
        search.validations = 1;
        let initial_errors = first.errors.clone();
        if first.passed {
            search.nodes[0].errors = first.errors;
            return Ok(search.finish(StopReason::AlreadyPassing, Some(0), started, initial_errors));
        }
        search.nodes[0].errors = first.errors;
        search.nodes[0].tests = first.tests;

        let mut round = 0u32;
        let stop = loop {
            if tokio::time::Instant::now() >= deadline {
                break StopReason::Timeout;
            }
            let budget_spent = round >= self.config.max_retries;
            let next = if budget_spent {
                None
            } else {
                search.next_node()
            };
            let end = if let Some(node_id) = next {
                let Some(end) = self
                    .rule_round(node_id, expect, deadline, round + 1, &mut search)
                    .await
                else {
                    // Nothing new to validate from this program: no round spent.
                    search.nodes[node_id].exhausted = true;
                    continue;
                };
                round += 1;
                end
            } else {
                // The rules have nothing left (or no rounds): the model's turn, if any.
                match self
                    .model_round(&mut search, expect, deadline, round + 1)
                    .await
                {
                    None if budget_spent => break StopReason::MaxRetries,
                    None => break StopReason::NoCandidates,
                    Some(end) => {
                        round += 1;
                        end
                    }
                }
            };
            match end {
                RoundEnd::Passed(id) => {
                    search.rounds = round;
                    self.credit_path(&search, id);
                    return Ok(search.finish(
                        StopReason::Healed,
                        Some(id),
                        started,
                        initial_errors,
                    ));
                }
                RoundEnd::Timeout => break StopReason::Timeout,
                RoundEnd::Continue(_) => {}
            }
        };
        search.rounds = round;
        Ok(search.finish(stop, None, started, initial_errors))
    }
}

impl Healer {
    /// Round `round` of rule fixes from node `node_id`: its candidates, then, when several
    /// were kept, their fixes merged as one more candidate (fixes that repair different errors
    /// of the same program are worth one more validation together: a program with several
    /// errors then heals in one round instead of one round per error). `None`, no round
    /// spent, when the rules have no new candidate for the node.
    async fn rule_round(
        &self,
        node_id: usize,
        expect: Expect,
        deadline: tokio::time::Instant,
        round: u32,
        search: &mut Search,
    ) -> Option<RoundEnd> {
        let candidates = self.candidates(node_id, expect, search, round);
        if candidates.is_empty() {
            return None;
        }
        tracing::debug!(
            round,
            node = node_id,
            candidates = candidates.len(),
            "heal round"
        );
        let kept = match self
            .run_round(node_id, candidates, expect, deadline, round, search)
            .await
        {
            RoundEnd::Continue(kept) => kept,
            end => return Some(end),
        };
        let Some(mut merged) = combine(kept) else {
            return Some(RoundEnd::Continue(Vec::new()));
        };
        merged.fix.description = format!(
            "the fixes kept this round, together: {}",
            merged.fix.description
        );
        let Some(candidate) = self.prepare(node_id, merged, search, round) else {
            return Some(RoundEnd::Continue(Vec::new()));
        };
        Some(
            self.run_round(node_id, vec![candidate], expect, deadline, round, search)
                .await,
        )
    }

    /// A heal ended passing at node `passed`: every fix on the path from the original to it
    /// is a success for the learner. Kept fixes off that path, and the fixes of heals that do
    /// not pass, teach it nothing (rejected ones were counted as failures when rejected).
    fn credit_path(&self, search: &Search, passed: usize) {
        let language = search.original.language();
        for id in search.path(passed) {
            for (signature, strategy) in &search.nodes[id].credits {
                self.learner.record(language, signature, strategy, true);
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;
