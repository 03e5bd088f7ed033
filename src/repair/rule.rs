//! The repair rules: one fix strategy per [`EditKind`] (`repair.operator`,
//! `repair.off-by-one`, …), each proposing that kind's mutations at the most suspicious lines.
//!
//! They answer behaviour failures only: a failing test ([`ErrorType::TestFailure`]), and, from
//! the test step, a runtime exception or panic in the program (a `CompilerError` of the test
//! step: `runtime`, `panic`, …) or a test
//! that ran out of time ([`ErrorType::TelemetryMismatch`], e.g. a loop that never ends).
//! Each fix is one edit in an editable file (never a protected or test file); its confidence is
//! `REPAIR_WEIGHT × suspiciousness × the kind's prior`, lowered slightly for later siblings at the same place,
//! so that the heal loop (which re-weighs it by the learned success rate of the kind) tries
//! the likeliest single edits first. The heal loop validates them like any fix: the first
//! candidate that passes every test wins.

use std::sync::Arc;

use super::filter;
use super::localize::{self, Evidence};
use super::mutate::{self, EditKind};
use crate::fix::{Fix, FixStrategy};
use crate::program::Program;
use crate::types::{CodeError, ErrorType};

/// Lines (most suspicious first) at which mutations are generated.
pub const TOP_LINES: usize = 12;
/// Lines at which expressions are synthesized (the costliest kind, so the fewest lines).
pub const SYNTHESIS_LINES: usize = 6;
/// Lines searched by the kinds that answer a defect visible in the code
/// ([`EditKind::is_finding`]): every suspicious line, up to this many.
pub const FINDING_LINES: usize = 400;
/// Single edits one kind proposes per line (each with its everywhere version, when it has one).
pub const PER_LINE: usize = 8;
/// Fixes one kind proposes per error.
pub const MAX_FIXES: usize = 48;
/// Every repair confidence is scaled by this: a behaviour edit nobody vouched for ranks below
/// a compile fix of the same prior, so that in a heal where some programs still fail to build
/// the rounds go to the build first (a program that does not build has no tests to pass).
pub const REPAIR_WEIGHT: f64 = 0.5;

/// The repair rule for one kind of edit.
#[derive(Debug, Clone, Copy)]
pub struct RepairRule {
    kind: EditKind,
}

impl RepairRule {
    pub fn new(kind: EditKind) -> RepairRule {
        RepairRule { kind }
    }

    pub fn kind(&self) -> EditKind {
        self.kind
    }
}

/// Every repair rule, one per edit kind, in [`EditKind::ALL`] order.
pub fn strategies() -> Vec<Arc<dyn FixStrategy>> {
    EditKind::ALL
        .iter()
        .map(|k| Arc::new(RepairRule::new(*k)) as Arc<dyn FixStrategy>)
        .collect()
}

/// True for the errors repair answers: behaviour failures seen by running the tests.
pub fn answers(error: &CodeError) -> bool {
    match &error.error_type {
        ErrorType::TestFailure => true,
        // A runtime exception or panic while the tests ran (the build passed by then).
        ErrorType::CompilerError(_) => error.step == "test",
        ErrorType::TelemetryMismatch => error.step == "test",
        _ => false,
    }
}

impl FixStrategy for RepairRule {
    fn id(&self) -> &str {
        self.kind.strategy_id()
    }

    fn suggest(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        if !answers(error) {
            return Vec::new();
        }
        // Every failing test of the program's last validation, and their coverage, when the
        // validator recorded them; else the error alone.
        let mut evidence = vec![Evidence::from_error(error)];
        let recalled = super::evidence::recall(program);
        let spectrum = recalled.as_deref().and_then(|t| {
            evidence.extend(localize::failing_evidence(t));
            super::evidence::spectrum(t)
        });
        let timed_out = error.error_type == ErrorType::TelemetryMismatch;
        suggest_at(self.kind, &evidence, spectrum.as_ref(), timed_out, program)
    }
}

/// The fixes of one kind for failures with this evidence, best first.
pub fn suggest_kind(kind: EditKind, evidence: &[Evidence], program: &Program) -> Vec<Fix> {
    suggest_ranked(kind, evidence, None, program)
}

/// The fixes of one kind at the lines `evidence` and, when given, the coverage `spectrum`
/// rank most suspicious ([`localize::rank`]), best first.
pub fn suggest_ranked(
    kind: EditKind,
    evidence: &[Evidence],
    spectrum: Option<&localize::Spectrum>,
    program: &Program,
) -> Vec<Fix> {
    suggest_at(kind, evidence, spectrum, false, program)
}

/// [`suggest_ranked`]; when a test ran out of time (`timed_out`), the lines that control a
/// loop rank higher ([`localize::toward_loops`]).
pub fn suggest_at(
    kind: EditKind,
    evidence: &[Evidence],
    spectrum: Option<&localize::Spectrum>,
    timed_out: bool,
    program: &Program,
) -> Vec<Fix> {
    let mut ranking = localize::rank(program, evidence, spectrum);
    if timed_out {
        ranking = localize::toward_loops(program, ranking);
    }
    let lines = if kind.is_finding() {
        FINDING_LINES
    } else if kind == EditKind::Synthesis {
        SYNTHESIS_LINES
    } else {
        TOP_LINES
    };
    let top: Vec<_> = ranking.into_iter().take(lines).collect();
    let mut scored: Vec<(f64, usize, Fix)> = Vec::new();
    for (rank, suspect) in top.iter().enumerate() {
        // Never a protected file (belt and braces: the ranking holds editable files only).
        if program.protected().contains(&suspect.file) {
            continue;
        }
        let Some(source) = program.files().get(&suspect.file) else {
            continue;
        };
        let mutations = mutate::mutate(
            program.language(),
            &suspect.file,
            source,
            &[suspect.line],
            &[kind],
            PER_LINE,
        );
        // A candidate that cannot parse (or, in Go, leaves a variable unused) would only
        // cost a validation.
        let mutations = mutations
            .into_iter()
            .filter(|m| filter::viable(program.language(), source, m));
        for (i, m) in mutations.enumerate() {
            let score = REPAIR_WEIGHT * suspect.score * kind.prior() * (1.0 - 0.03 * i as f64);
            let order = rank * PER_LINE + i;
            scored.push((score, order, m.to_fix(score.clamp(0.01, 0.95))));
        }
    }
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    scored
        .into_iter()
        .take(MAX_FIXES)
        .map(|(_, _, fix)| fix)
        .collect()
}
