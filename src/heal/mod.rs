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
//! [`progress::judge`]); the first passing candidate ends the search. Programs are values: the
//! original is never changed, protected files are never edited, and a program already
//! validated (same content hash) is never validated again.

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tracing::Instrument;

use crate::fix::{apply_fix, Edit, Fix, FixEngine};
use crate::learn::{signature, Learner};
use crate::program::{Program, ProgramError};
use crate::telemetry;
use crate::types::{CodeError, ValidationResult};
use crate::validate::{Expect, ValidateError, Validator};

pub mod progress;
mod report;

pub use progress::{program_hash, unified_diff, Verdict};
pub use report::{Attempt, HealReport, StopReason};

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

/// Validates programs for the heal loop. [`Validator`] is the real one; tests use fakes.
pub trait Checker: Send + Sync {
    fn check<'a>(&'a self, program: &'a Program, expect: Expect) -> CheckFuture<'a>;

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
}

/// A program the search kept.
struct Node {
    program: Program,
    errors: Vec<CodeError>,
    parent: Option<usize>,
    /// The strategies of the fix that produced it from its parent.
    strategies: Vec<String>,
    depth: u32,
    /// Every proposal tried from it (by edits): a node is expanded again, for the proposals
    /// a round's beam left out, until nothing new is left.
    tried: HashSet<Vec<Edit>>,
    exhausted: bool,
}

impl Node {
    /// Lower is better: the latest stage first, then the fewest errors, then the shallowest.
    fn rank(&self, id: usize) -> (std::cmp::Reverse<u8>, usize, u32, usize) {
        (
            std::cmp::Reverse(progress::min_stage(&self.errors)),
            self.errors.len(),
            self.depth,
            id,
        )
    }
}

/// A fix chosen for a round, before it is applied.
#[derive(Clone)]
struct Proposal {
    fix: Fix,
    targets: Vec<String>,
    combined_from: Vec<String>,
    prior: f64,
}

/// A candidate ready to validate.
struct Candidate {
    proposal: Proposal,
    program: Program,
    diff: String,
}

impl Healer {
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
        }
    }

    pub fn config(&self) -> &HealConfig {
        &self.config
    }

    pub fn engine(&self) -> &FixEngine {
        &self.engine
    }

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

    /// Fixes for one error of `program`, ranked by learned confidence (highest first); each
    /// fix's `confidence` is replaced by the learned one.
    pub fn ranked_fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let sig = signature(error);
        let mut fixes = self.engine.suggest(error, program);
        for fix in &mut fixes {
            fix.confidence =
                self.learner
                    .confidence(program.language, &sig, &fix.strategy, fix.confidence);
        }
        fixes.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
        fixes
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
            selfheal.language = %original.language,
            selfheal.expect = ?expect,
            selfheal.healed = tracing::field::Empty,
            selfheal.stop_reason = tracing::field::Empty,
            selfheal.rounds = tracing::field::Empty,
            selfheal.validations = tracing::field::Empty,
            selfheal.repairs = tracing::field::Empty,
            selfheal.duration_ms = tracing::field::Empty,
        );
        let result = self
            .heal_inner(original, expect)
            .instrument(span.clone())
            .await;
        if let Ok(report) = &result {
            record_heal(&span, original.language, report);
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

        let mut round = 0u32;
        let stop = loop {
            if round >= self.config.max_retries {
                break StopReason::MaxRetries;
            }
            if tokio::time::Instant::now() >= deadline {
                break StopReason::Timeout;
            }
            let Some(node_id) = search.next_node() else {
                break StopReason::NoCandidates;
            };
            let candidates = self.candidates(node_id, &mut search, round + 1);
            if candidates.is_empty() {
                // Nothing new to validate from this program: no round spent.
                search.nodes[node_id].exhausted = true;
                continue;
            }
            round += 1;
            tracing::debug!(
                round,
                node = node_id,
                candidates = candidates.len(),
                "heal round"
            );
            match self
                .run_round(node_id, candidates, expect, deadline, round, &mut search)
                .await
            {
                RoundEnd::Passed(id) => {
                    search.rounds = round;
                    return Ok(search.finish(
                        StopReason::Healed,
                        Some(id),
                        started,
                        initial_errors,
                    ));
                }
                RoundEnd::Timeout => break StopReason::Timeout,
                RoundEnd::Continue(kept) => {
                    // Fixes kept this round that repair different errors of the same program
                    // are worth one more validation together: a program with several errors
                    // then heals in one round instead of one round per error.
                    let Some(mut merged) = combine(kept) else {
                        continue;
                    };
                    merged.fix.description = format!(
                        "the fixes kept this round, together: {}",
                        merged.fix.description
                    );
                    let Some(candidate) = self.prepare(node_id, merged, &mut search, round) else {
                        continue;
                    };
                    match self
                        .run_round(
                            node_id,
                            vec![candidate],
                            expect,
                            deadline,
                            round,
                            &mut search,
                        )
                        .await
                    {
                        RoundEnd::Passed(id) => {
                            search.rounds = round;
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
                }
            }
        };
        search.rounds = round;
        Ok(search.finish(stop, None, started, initial_errors))
    }

    /// Chooses, applies and de-duplicates up to `beam` candidates derived from one node.
    fn candidates(&self, node_id: usize, search: &mut Search, round: u32) -> Vec<Candidate> {
        let proposals = {
            let node = &search.nodes[node_id];
            self.proposals(&node.program, &node.errors)
        };
        let mut out = Vec::new();
        for proposal in proposals {
            if out.len() >= self.config.beam.max(1) {
                break;
            }
            if let Some(candidate) = self.prepare(node_id, proposal, search, round) {
                out.push(candidate);
            }
        }
        out
    }

    /// Applies one proposal to a node's program. `None` (with the reason recorded as an
    /// attempt, or counted as a duplicate) when it was tried before, touches a protected file,
    /// does not apply, or gives a program already validated.
    fn prepare(
        &self,
        node_id: usize,
        proposal: Proposal,
        search: &mut Search,
        round: u32,
    ) -> Option<Candidate> {
        if !search.nodes[node_id]
            .tried
            .insert(proposal.fix.edits.clone())
        {
            return None;
        }
        let program = &search.nodes[node_id].program;
        let not_kept = |reason: String| Attempt {
            round,
            parent: node_id,
            node: None,
            errors_before: search.nodes[node_id].errors.iter().map(signature).collect(),
            targets: proposal.targets.clone(),
            strategy: proposal.fix.strategy.clone(),
            combined_from: proposal.combined_from.clone(),
            description: proposal.fix.description.clone(),
            confidence: proposal.fix.confidence,
            strategy_confidence: proposal.prior,
            diff: String::new(),
            errors_after: None,
            duration_ms: 0.0,
            passed: false,
            kept: false,
            reason: Some(reason),
        };
        if let Some(path) = touched_protected(program, &proposal.fix.edits) {
            let attempt = not_kept(format!(
                "refused: it would change the protected file {path}"
            ));
            search.protected_refusals += 1;
            search.attempts.push(attempt);
            return None;
        }
        let applied = {
            let _span = tracing::info_span!(
                "apply",
                selfheal.strategy = %proposal.fix.strategy,
                selfheal.confidence = proposal.fix.confidence,
                selfheal.edits = proposal.fix.edits.len() as i64,
                code.filepath = proposal.fix.edits.first().map(|e| e.file.as_str()),
            )
            .entered();
            apply_fix(program, &proposal.fix)
        };
        let candidate = match applied {
            Ok(candidate) => candidate,
            Err(e) => {
                tracing::info!(error.type = "apply_failed", "fix did not apply: {e}");
                let attempt = not_kept(format!("could not apply: {e}"));
                search.attempts.push(attempt);
                return None;
            }
        };
        // Belt and braces: whatever apply_fix did, a protected file stays as it was.
        if let Some(path) = program
            .protected
            .iter()
            .find(|p| program.files.get(*p) != candidate.files.get(*p))
        {
            let attempt = not_kept(format!("refused: it changed the protected file {path}"));
            search.protected_refusals += 1;
            search.attempts.push(attempt);
            return None;
        }
        if !search.visited.insert(program_hash(&candidate)) {
            search.duplicates_skipped += 1;
            return None;
        }
        let diff = unified_diff(program, &candidate);
        Some(Candidate {
            proposal,
            program: candidate,
            diff,
        })
    }

    /// Every fix for every error, ranked: errors by priority, fixes by learned confidence; the
    /// best fix of each error applied together comes first when there are several errors.
    fn proposals(&self, program: &Program, errors: &[CodeError]) -> Vec<Proposal> {
        let mut order: Vec<&CodeError> = errors.iter().collect();
        order.sort_by_key(|e| progress::priority(e));
        let mut ranked: Vec<(u8, Proposal)> = Vec::new();
        let mut best_per_error: Vec<Proposal> = Vec::new();
        let mut seen_errors = HashSet::new();
        for error in order {
            // The same error reported twice (by two steps) gets the same fixes.
            if !seen_errors.insert((error.message.clone(), error.location.clone())) {
                continue;
            }
            let sig = signature(error);
            let mut fixes: Vec<(f64, Fix)> = self
                .engine
                .suggest(error, program)
                .into_iter()
                .map(|mut fix| {
                    let prior = fix.confidence;
                    fix.confidence =
                        self.learner
                            .confidence(program.language, &sig, &fix.strategy, prior);
                    (prior, fix)
                })
                .collect();
            fixes.sort_by(|(_, a), (_, b)| b.confidence.total_cmp(&a.confidence));
            let metrics = telemetry::metrics();
            for (_, fix) in &fixes {
                metrics.fixes_proposed.add(
                    1,
                    &[telemetry::kv(
                        telemetry::attr::STRATEGY,
                        fix.strategy.clone(),
                    )],
                );
            }
            for (i, (prior, fix)) in fixes.into_iter().enumerate() {
                let proposal = Proposal {
                    targets: vec![sig.clone()],
                    combined_from: Vec::new(),
                    prior,
                    fix,
                };
                if i == 0 {
                    best_per_error.push(Proposal {
                        fix: proposal.fix.clone(),
                        targets: proposal.targets.clone(),
                        combined_from: Vec::new(),
                        prior,
                    });
                }
                ranked.push((progress::priority(error), proposal));
            }
        }
        ranked.sort_by(|(pa, a), (pb, b)| {
            pa.cmp(pb)
                .then_with(|| b.fix.confidence.total_cmp(&a.fix.confidence))
        });
        let mut out: Vec<Proposal> = Vec::new();
        if let Some(combined) = combine(best_per_error) {
            out.push(combined);
        }
        // A fix proposed for two errors (the same edits) is tried once.
        for (_, p) in ranked {
            if !out.iter().any(|q| q.fix.edits == p.fix.edits) {
                out.push(p);
            }
        }
        out
    }

    /// Validates a round's candidates in parallel and records each one's verdict.
    async fn run_round(
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
        let mut results: Vec<Option<(Result<ValidationResult, CheckError>, Duration)>> =
            (0..candidates.len()).map(|_| None).collect();
        // Cached verdicts first: when one of them passes, nothing needs to run.
        let mut cached_pass = false;
        for (index, candidate) in candidates.iter().enumerate() {
            if let Some(result) = self.checker.cached(&candidate.program, expect) {
                search.validations += 1;
                cached_pass |= result.passed;
                results[index] = Some((Ok(result), Duration::ZERO));
            }
        }
        for (index, candidate) in candidates.iter().enumerate() {
            let checker = Arc::clone(&self.checker);
            let permits = Arc::clone(&self.permits);
            let program = candidate.program.clone();
            let span = tracing::info_span!(
                "attempt",
                selfheal.round = i64::from(round),
                selfheal.language = %program.language,
                selfheal.strategy = %candidate.proposal.fix.strategy,
                selfheal.confidence = candidate.proposal.fix.confidence,
                selfheal.combined = !candidate.proposal.combined_from.is_empty(),
                selfheal.passed = tracing::field::Empty,
                selfheal.kept = tracing::field::Empty,
                selfheal.reason = tracing::field::Empty,
                selfheal.errors_after = tracing::field::Empty,
                error.type = tracing::field::Empty,
            );
            spans.push(span.clone());
            if cached_pass || results[index].is_some() {
                continue;
            }
            tasks.spawn(
                async move {
                    let _permit = permits.acquire_owned().await;
                    let started = Instant::now();
                    let result = checker.check(&program, expect).await;
                    (index, result, started.elapsed())
                }
                .instrument(span),
            );
        }
        let mut timed_out = false;
        // With a cached pass nothing was spawned: the first join ends the loop.
        loop {
            match tokio::time::timeout_at(deadline, tasks.join_next()).await {
                Ok(Some(Ok((index, result, elapsed)))) => {
                    search.validations += 1;
                    let passed = matches!(&result, Ok(r) if r.passed);
                    results[index] = Some((result, elapsed));
                    if passed {
                        // One passing candidate is enough: cancel the others, but keep (and
                        // count) those that finished anyway.
                        tasks.abort_all();
                        while let Some(joined) = tasks.join_next().await {
                            if let Ok((index, result, elapsed)) = joined {
                                search.validations += 1;
                                results[index] = Some((result, elapsed));
                            }
                        }
                        break;
                    }
                }
                Ok(Some(Err(join_error))) => {
                    tracing::warn!("a candidate validation task failed: {join_error}");
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
        let language = search.nodes[node_id].program.language;
        let mut passed_node = None;
        let mut kept_proposals = Vec::new();
        for ((candidate, outcome), span) in candidates.into_iter().zip(results).zip(spans) {
            let Candidate {
                proposal,
                program,
                diff,
            } = candidate;
            let mut attempt = Attempt {
                round,
                parent: node_id,
                node: None,
                errors_before: errors_before.clone(),
                targets: proposal.targets.clone(),
                strategy: proposal.fix.strategy.clone(),
                combined_from: proposal.combined_from.clone(),
                description: proposal.fix.description.clone(),
                confidence: proposal.fix.confidence,
                strategy_confidence: proposal.prior,
                diff,
                errors_after: None,
                duration_ms: 0.0,
                passed: false,
                kept: false,
                reason: None,
            };
            let Some((result, elapsed)) = outcome else {
                attempt.reason = Some(if timed_out {
                    "not validated: the time budget ran out".into()
                } else {
                    "not validated: another candidate passed first".into()
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
            let verdict =
                progress::judge(&search.nodes[node_id].errors, result.passed, &result.errors);
            attempt.passed = verdict == Verdict::Passed;
            attempt.kept = verdict.kept();
            attempt.reason = match &verdict {
                Verdict::Passed => None,
                Verdict::Progress(why) | Verdict::NoProgress(why) => Some(why.clone()),
            };
            if proposal.combined_from.is_empty() {
                if let Some(target) = proposal.targets.first() {
                    self.learner
                        .record(language, target, &proposal.fix.strategy, attempt.kept);
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
                search.nodes.push(Node {
                    program,
                    errors: result.errors,
                    parent: Some(node_id),
                    strategies,
                    depth,
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

enum RoundEnd {
    Passed(usize),
    Timeout,
    /// No candidate passed; the single-fix proposals that were kept.
    Continue(Vec<Proposal>),
}

/// The state of one heal.
struct Search {
    original: Program,
    nodes: Vec<Node>,
    visited: HashSet<[u8; 32]>,
    attempts: Vec<Attempt>,
    validations: usize,
    duplicates_skipped: usize,
    protected_refusals: usize,
    rounds: u32,
}

impl Search {
    fn new(original: &Program) -> Search {
        let mut visited = HashSet::new();
        visited.insert(program_hash(original));
        Search {
            original: original.clone(),
            nodes: vec![Node {
                program: original.clone(),
                errors: Vec::new(),
                parent: None,
                strategies: Vec::new(),
                depth: 0,
                tried: HashSet::new(),
                exhausted: false,
            }],
            visited,
            attempts: Vec::new(),
            validations: 0,
            duplicates_skipped: 0,
            protected_refusals: 0,
            rounds: 0,
        }
    }

    /// The best kept program with proposals left to try.
    fn next_node(&self) -> Option<usize> {
        self.nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| !n.exhausted)
            .min_by_key(|(id, n)| n.rank(*id))
            .map(|(id, _)| id)
    }

    fn finish(
        self,
        stop: StopReason,
        passed: Option<usize>,
        started: Instant,
        initial_errors: Vec<CodeError>,
    ) -> HealReport {
        let final_id = passed.unwrap_or_else(|| {
            self.nodes
                .iter()
                .enumerate()
                .min_by_key(|(id, n)| n.rank(*id))
                .map_or(0, |(id, _)| id)
        });
        let mut strategies_kept = Vec::new();
        let mut path = Vec::new();
        let mut cursor = Some(final_id);
        while let Some(id) = cursor {
            path.push(id);
            cursor = self.nodes[id].parent;
        }
        for id in path.into_iter().rev() {
            strategies_kept.extend(self.nodes[id].strategies.iter().cloned());
        }
        let mut initial_error_categories: Vec<String> = Vec::new();
        for e in &initial_errors {
            let label = e.error_type.label();
            if !initial_error_categories.contains(&label) {
                initial_error_categories.push(label);
            }
        }
        let final_node = &self.nodes[final_id];
        HealReport {
            healed: passed.is_some(),
            initially_passing: stop == StopReason::AlreadyPassing,
            stop_reason: stop,
            rounds: self.rounds,
            diff: unified_diff(&self.original, &final_node.program),
            final_program: final_node.program.clone(),
            final_errors: final_node.errors.clone(),
            attempts: self.attempts,
            duration_ms: started.elapsed().as_secs_f64() * 1000.0,
            validations: self.validations,
            duplicates_skipped: self.duplicates_skipped,
            protected_refusals: self.protected_refusals,
            strategies_kept,
            initial_errors,
            initial_error_categories,
        }
    }
}

/// Records a candidate's verdict on its span.
fn record_attempt(span: &tracing::Span, attempt: &Attempt, first_error: Option<&str>) {
    span.record("selfheal.passed", attempt.passed);
    span.record("selfheal.kept", attempt.kept);
    if let Some(reason) = &attempt.reason {
        span.record("selfheal.reason", reason.as_str());
    }
    if let Some(after) = &attempt.errors_after {
        span.record("selfheal.errors_after", after.len() as i64);
    }
    if let Some(category) = first_error {
        span.record("error.type", category);
    }
}

/// The end of a heal, on its span and in the metrics.
fn record_heal(span: &tracing::Span, language: crate::types::TargetLanguage, report: &HealReport) {
    let stop = stop_label(report.stop_reason);
    span.record("selfheal.healed", report.healed);
    span.record("selfheal.stop_reason", stop);
    span.record("selfheal.rounds", i64::from(report.rounds));
    span.record("selfheal.validations", report.validations as i64);
    span.record("selfheal.repairs", report.repairs() as i64);
    span.record("selfheal.duration_ms", report.duration_ms);
    if let Some(e) = report.final_errors.first() {
        span.record("error.type", e.error_type.label().as_str());
    }
    let metrics = telemetry::metrics();
    let lang = telemetry::kv(telemetry::attr::LANGUAGE, language.to_string());
    metrics.heals.add(
        1,
        &[
            lang.clone(),
            telemetry::kv(telemetry::attr::STOP_REASON, stop),
        ],
    );
    let seconds = report.duration_ms / 1000.0;
    metrics
        .heal_duration
        .record(seconds, std::slice::from_ref(&lang));
    if report.healed && !report.initially_passing {
        metrics.healed.add(1, std::slice::from_ref(&lang));
        metrics
            .time_to_heal
            .record(seconds, std::slice::from_ref(&lang));
    }
    metrics
        .repairs_applied
        .add(report.repairs() as u64, std::slice::from_ref(&lang));
}

/// The `snake_case` name of a stop reason (as in the JSON report).
pub fn stop_label(stop: StopReason) -> &'static str {
    match stop {
        StopReason::AlreadyPassing => "already_passing",
        StopReason::Healed => "healed",
        StopReason::NoCandidates => "no_candidates",
        StopReason::MaxRetries => "max_retries",
        StopReason::Timeout => "timeout",
    }
}

/// The first edit that would touch a protected file, if any.
fn touched_protected<'a>(program: &Program, edits: &'a [Edit]) -> Option<&'a str> {
    edits
        .iter()
        .find(|e| program.protected.contains(&e.file))
        .map(|e| e.file.as_str())
}

/// The best fixes of several errors as one fix, leaving out any whose edits overlap edits
/// already taken (so the merged edits stay applicable). `None` unless two or more combine.
fn combine(best: Vec<Proposal>) -> Option<Proposal> {
    if best.len() < 2 {
        return None;
    }
    let mut edits: Vec<Edit> = Vec::new();
    let mut parts: Vec<Proposal> = Vec::new();
    for p in best {
        let overlaps = p.fix.edits.iter().any(|e| {
            edits.iter().any(|t| {
                t.file == e.file
                    && (t.byte_start < e.byte_end && e.byte_start < t.byte_end
                        || t.byte_start == e.byte_start)
            })
        });
        if overlaps || parts.iter().any(|q| q.fix.edits == p.fix.edits) {
            continue;
        }
        edits.extend(p.fix.edits.iter().cloned());
        parts.push(p);
    }
    if parts.len() < 2 {
        return None;
    }
    edits.sort();
    let confidence = parts.iter().map(|p| p.fix.confidence).fold(1.0, f64::min);
    let prior = parts.iter().map(|p| p.prior).fold(1.0, f64::min);
    Some(Proposal {
        fix: Fix {
            strategy: COMBINED_STRATEGY.to_string(),
            description: parts
                .iter()
                .map(|p| p.fix.description.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            confidence,
            applicability: parts
                .iter()
                .map(|p| p.fix.applicability)
                .min()
                .unwrap_or_default(),
            edits,
        },
        targets: parts
            .iter()
            .flat_map(|p| p.targets.iter().cloned())
            .collect(),
        combined_from: parts.iter().map(|p| p.fix.strategy.clone()).collect(),
        prior,
    })
}

#[cfg(test)]
mod tests;
