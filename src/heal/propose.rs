//! Proposal and ranking: the fixes for a node's errors, ranked by the learner (one path for
//! the heal loop and [`Healer::ranked_fixes`]), applied into candidates, merged when several
//! errors have fixes.

use std::collections::HashSet;

use super::search::Search;
use super::{program_hash, progress, unified_diff, Attempt, Healer, COMBINED_STRATEGY};
use crate::fix::{apply_fix, Edit, Fix};
use crate::learn::signature;
use crate::program::Program;
use crate::telemetry;
use crate::types::CodeError;
use crate::validate::Expect;

/// A fix chosen for a round, before it is applied.
#[derive(Clone)]
pub(super) struct Proposal {
    pub(super) fix: Fix,
    pub(super) targets: Vec<String>,
    /// The errors the fix targets (their signatures are `targets`): a candidate that fixes
    /// them and only reveals errors hidden behind them is progress.
    pub(super) target_errors: Vec<CodeError>,
    pub(super) combined_from: Vec<String>,
    pub(super) prior: f64,
}

impl Proposal {
    /// The record of trying this proposal in round `round` on the kept program `parent`
    /// (whose errors have the signatures `errors_before`), before it is validated.
    pub(super) fn attempt(&self, round: u32, parent: usize, errors_before: Vec<String>) -> Attempt {
        Attempt {
            targets: self.targets.clone(),
            strategy: self.fix.strategy.clone(),
            combined_from: self.combined_from.clone(),
            description: self.fix.description.clone(),
            confidence: self.fix.confidence,
            strategy_confidence: self.prior,
            ..Attempt::unvalidated(round, parent, errors_before)
        }
    }
}

/// A candidate ready to validate.
pub(super) struct Candidate {
    pub(super) proposal: Proposal,
    pub(super) program: Program,
    pub(super) diff: String,
}

impl Healer {
    /// Fixes for one error of `program`, ranked by learned confidence (highest first); each
    /// fix's `confidence` is replaced by the learned one. The same ranking as the heal loop's.
    pub fn ranked_fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        self.rank(error, &signature(error), program)
            .into_iter()
            .map(|(_, fix)| fix)
            .collect()
    }

    /// The one ranking path: the engine's fixes for `error` (signature `sig`), each paired with
    /// its strategy's own confidence (the prior), its `confidence` replaced by the learner's,
    /// sorted by it, highest first (ties keep the engine's order).
    fn rank(&self, error: &CodeError, sig: &str, program: &Program) -> Vec<(f64, Fix)> {
        let mut fixes: Vec<(f64, Fix)> = self
            .engine
            .suggest(error, program)
            .into_iter()
            .map(|mut fix| {
                let prior = fix.confidence;
                fix.confidence =
                    self.learner
                        .confidence(program.language(), sig, &fix.strategy, prior);
                (prior, fix)
            })
            .collect();
        fixes.sort_by(|(_, a), (_, b)| b.confidence.total_cmp(&a.confidence));
        fixes
    }

    /// Chooses, applies and de-duplicates up to `beam` candidates derived from one node
    /// (`batch_beam` when the round will be judged in one batched run).
    pub(super) fn candidates(
        &self,
        node_id: usize,
        expect: Expect,
        search: &mut Search,
        round: u32,
    ) -> Vec<Candidate> {
        let (proposals, beam) = {
            let node = &search.nodes[node_id];
            let batched = expect == Expect::Test
                && self.checker.batches(node.program.language())
                && crate::repair::batch::can_judge(&node.program)
                && !node.errors.is_empty()
                && node.errors.iter().all(crate::repair::rule::answers);
            let beam = if batched {
                self.config.batch_beam.max(self.config.beam)
            } else {
                self.config.beam
            };
            (self.proposals(&node.program, &node.errors), beam)
        };
        let mut out = Vec::new();
        for proposal in proposals {
            if out.len() >= beam.max(1) {
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
    pub(super) fn prepare(
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
            reason: Some(reason),
            ..proposal.attempt(
                round,
                node_id,
                search.nodes[node_id].errors.iter().map(signature).collect(),
            )
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
            .protected()
            .iter()
            .find(|p| program.files().get(*p) != candidate.files().get(*p))
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
            let fixes = self.rank(error, &sig, program);
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
                    target_errors: vec![error.clone()],
                    combined_from: Vec::new(),
                    prior,
                    fix,
                };
                if i == 0 {
                    best_per_error.push(Proposal {
                        fix: proposal.fix.clone(),
                        targets: proposal.targets.clone(),
                        target_errors: proposal.target_errors.clone(),
                        combined_from: Vec::new(),
                        prior,
                    });
                }
                ranked.push((progress::priority(error), proposal));
            }
        }
        // Ties broken toward the smallest edit (a stable sort keeps the engine's order after).
        ranked.sort_by(|(pa, a), (pb, b)| {
            pa.cmp(pb)
                .then_with(|| b.fix.confidence.total_cmp(&a.fix.confidence))
                .then_with(|| edit_size(&a.fix).cmp(&edit_size(&b.fix)))
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
}

/// How big a fix is: its number of edits, then the bytes it removes and inserts.
pub(super) fn edit_size(fix: &Fix) -> (usize, usize) {
    let bytes = fix
        .edits
        .iter()
        .map(|e| e.byte_end.saturating_sub(e.byte_start) + e.replacement.len())
        .sum();
    (fix.edits.len(), bytes)
}

/// The first edit that would touch a protected file, if any.
fn touched_protected<'a>(program: &Program, edits: &'a [Edit]) -> Option<&'a str> {
    edits
        .iter()
        .find(|e| program.protected().contains(&e.file))
        .map(|e| e.file.as_str())
}

/// The best fixes of several errors as one fix, leaving out any whose edits overlap edits
/// already taken (so the merged edits stay applicable). `None` unless two or more combine.
pub(super) fn combine(best: Vec<Proposal>) -> Option<Proposal> {
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
        target_errors: parts
            .iter()
            .flat_map(|p| p.target_errors.iter().cloned())
            .collect(),
        combined_from: parts.iter().map(|p| p.fix.strategy.clone()).collect(),
        prior,
    })
}
