//! The search state of one heal: the kept programs (nodes), the set of programs already
//! validated, and the choice of the next node to expand (the frontier).

use std::collections::HashSet;
use std::time::Instant;

use super::model::ModelUse;
use super::{program_hash, progress, unified_diff, Attempt, HealReport, StopReason};
use crate::fix::Edit;
use crate::program::Program;
use crate::types::{CodeError, TestReport};

/// A program the search kept.
pub(super) struct Node {
    pub(super) program: Program,
    pub(super) errors: Vec<CodeError>,
    /// The per-test evidence of its validation (what a model is shown).
    pub(super) tests: Vec<TestReport>,
    pub(super) parent: Option<usize>,
    /// The strategies of the fix that produced it from its parent.
    pub(super) strategies: Vec<String>,
    /// (error signature, strategy) of each fix that produced it: the learner credits them
    /// with a success when the heal ends passing on a path through this node.
    pub(super) credits: Vec<(String, String)>,
    pub(super) depth: u32,
    /// How many fixes on the path from the original revealed errors hidden behind the ones
    /// they fixed (`progress::revealed`): the evidence that the path is getting somewhere.
    pub(super) revealing: u32,
    /// Every proposal tried from it (by edits): a node is expanded again, for the proposals
    /// a round's beam left out, until nothing new is left.
    pub(super) tried: HashSet<Vec<Edit>>,
    pub(super) exhausted: bool,
}

impl Node {
    /// Lower is better: the latest stage first, then the fewest errors; among programs with as
    /// many errors, the one whose path revealed more errors first (each of those fixes removed
    /// what it targeted and the errors it has now were hidden behind it, so it is further
    /// along), then the one with fewer edits (a fix kept on a weaker claim, such as a failing
    /// test that now fails at a later assertion, is an unconfirmed guess: the single edits of
    /// its parent come before pairs built on it), then the first kept.
    pub(super) fn rank(&self, id: usize) -> NodeRank {
        (
            std::cmp::Reverse(progress::min_stage(&self.errors)),
            self.errors.len(),
            std::cmp::Reverse(self.revealing),
            self.depth,
            id,
        )
    }
}

/// The order of [`Node::rank`]: stage (latest first), errors, revealing fixes (most first),
/// depth (shallowest first), id.
pub(super) type NodeRank = (
    std::cmp::Reverse<u8>,
    usize,
    std::cmp::Reverse<u32>,
    u32,
    usize,
);

/// The state of one heal.
pub(super) struct Search {
    pub(super) original: Program,
    pub(super) nodes: Vec<Node>,
    pub(super) visited: HashSet<[u8; 32]>,
    pub(super) attempts: Vec<Attempt>,
    pub(super) validations: usize,
    pub(super) batch_runs: usize,
    pub(super) batch_judged: usize,
    pub(super) duplicates_skipped: usize,
    pub(super) protected_refusals: usize,
    pub(super) rounds: u32,
    /// The model's part, when the healer has one.
    pub(super) model: Option<ModelUse>,
}

impl Search {
    pub(super) fn new(original: &Program) -> Search {
        let mut visited = HashSet::new();
        visited.insert(program_hash(original));
        Search {
            original: original.clone(),
            nodes: vec![Node {
                program: original.clone(),
                errors: Vec::new(),
                tests: Vec::new(),
                parent: None,
                strategies: Vec::new(),
                credits: Vec::new(),
                depth: 0,
                revealing: 0,
                tried: HashSet::new(),
                exhausted: false,
            }],
            visited,
            attempts: Vec::new(),
            validations: 0,
            batch_runs: 0,
            batch_judged: 0,
            duplicates_skipped: 0,
            protected_refusals: 0,
            rounds: 0,
            model: None,
        }
    }

    /// The nodes from the original to `id`, the original first.
    pub(super) fn path(&self, id: usize) -> Vec<usize> {
        let mut path = Vec::new();
        let mut cursor = Some(id);
        while let Some(id) = cursor {
            path.push(id);
            cursor = self.nodes[id].parent;
        }
        path.reverse();
        path
    }

    /// The best kept program, expanded or not.
    pub(super) fn best(&self) -> usize {
        self.nodes
            .iter()
            .enumerate()
            .min_by_key(|(id, n)| n.rank(*id))
            .map_or(0, |(id, _)| id)
    }

    /// The best kept program with proposals left to try.
    pub(super) fn next_node(&self) -> Option<usize> {
        self.nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| !n.exhausted)
            .min_by_key(|(id, n)| n.rank(*id))
            .map(|(id, _)| id)
    }

    pub(super) fn finish(
        self,
        stop: StopReason,
        passed: Option<usize>,
        started: Instant,
        initial_errors: Vec<CodeError>,
    ) -> HealReport {
        let final_id = passed.unwrap_or_else(|| self.best());
        let mut strategies_kept = Vec::new();
        for id in self.path(final_id) {
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
            batch_runs: self.batch_runs,
            batch_judged: self.batch_judged,
            duplicates_skipped: self.duplicates_skipped,
            protected_refusals: self.protected_refusals,
            strategies_kept,
            initial_errors,
            initial_error_categories,
            model: self.model,
            format: None,
        }
    }
}
