//! Fixes: edits to a program that should remove an error, proposed by rules and strategies.
//!
//! Layout: this module holds the data model ([`Edit`], [`Fix`], [`FixApplicability`]), the
//! [`FixStrategy`] trait (what plugins and tests implement), the [`FixEngine`] and
//! [`apply_fix`]. Built-in rules implement [`Rule`] (one rule per file under `rules/`, each
//! declaring its [`RuleMeta`]) and are listed in one place, [`registry`]. The text toolkit they
//! share (line index, lexer, edit distance, the `Fixes` builder) is [`text`].
//!
//! CONTRACT (the heal loop, plugins and the CLI rely on these names; keep them):
//! - [`Edit`], [`Fix`], the [`FixStrategy`] trait, [`FixEngine`] with
//!   `FixEngine::builtin() -> FixEngine`, `FixEngine::add(&mut self, Arc<dyn FixStrategy>)`,
//!   `FixEngine::suggest(&self, &CodeError, &Program) -> Vec<Fix>` (all strategies, de-duplicated
//!   by resulting edits, highest confidence first), `FixEngine::strategy_ids(&self) -> Vec<String>`.
//! - `apply::apply_fix(&Program, &Fix) -> Result<Program, ApplyError>` (re-exported here).
//! - [`registry::builtin`] (every built-in rule, in engine order) and
//!   [`registry::selectable`] (those plus the opt-in `rust.machine-applicable`).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::program::Program;
use crate::types::CodeError;

pub mod apply;
pub mod registry;
pub mod rule;
mod rules;
pub(crate) mod text;

/// The old path of the registry, kept for callers written before the rules moved to
/// `rules/`: use [`registry`].
pub mod strategies {
    pub use super::registry::builtin;

    /// The old path of [`registry::machine_applicable_only`](super::registry::machine_applicable_only).
    pub mod compiler {
        pub use crate::fix::registry::machine_applicable_only;
    }
}

pub use apply::{apply_fix, ApplyError};
pub use rule::{ErrorKind, Rule, RuleMeta};

/// How far a fix may be trusted without a test to confirm it, beside its numeric confidence
/// (ordered: `Speculative < Likely < Safe`). Distinct from [`crate::types::Applicability`],
/// which is the compiler's own level for one suggestion; [`FixApplicability::of_compiler`]
/// maps one to the other.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum FixApplicability {
    /// A guess among several: it may well change what the program means (a renamed
    /// identifier, an inserted conversion). The default, for fixes nobody vouched for (plugins,
    /// fixes read from older reports).
    #[default]
    Speculative,
    /// Most likely what the author meant, though it may change behaviour (an added import of
    /// the one std item with that name).
    Likely,
    /// Does not change what a correct program means: it only makes it parse or compile
    /// (a closing delimiter, a `mut`, a machine-applicable compiler suggestion).
    Safe,
}

impl FixApplicability {
    /// The applicability of a fix made from a compiler suggestion of level `level`.
    pub fn of_compiler(level: crate::types::Applicability) -> FixApplicability {
        use crate::types::Applicability;
        match level {
            Applicability::MachineApplicable => FixApplicability::Safe,
            Applicability::MaybeIncorrect | Applicability::Unspecified => FixApplicability::Likely,
            Applicability::HasPlaceholders => FixApplicability::Speculative,
        }
    }
}

/// Replace `byte_start..byte_end` of `file` with `replacement` (insert when the range is empty).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Edit {
    pub file: String,
    pub byte_start: usize,
    pub byte_end: usize,
    pub replacement: String,
}

/// A proposed repair: one or more edits, applied together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fix {
    /// Id of the strategy that proposed it (`rust.compiler-suggestion`, `python.missing-import`…).
    pub strategy: String,
    /// What the fix does, for people: "import `HashMap` from std::collections".
    pub description: String,
    /// The strategy's own confidence in [0, 1] (before learning).
    pub confidence: f64,
    /// How far the fix may be trusted; capped by the rule's declared
    /// [`RuleMeta::applicability`].
    #[serde(default)]
    pub applicability: FixApplicability,
    pub edits: Vec<Edit>,
}

/// Something that proposes fixes for one error.
pub trait FixStrategy: Send + Sync {
    /// A stable id: `<language or "any">.<name>`.
    fn id(&self) -> &str;
    /// Fixes for `error` in `program`; empty when the strategy has nothing to offer.
    fn suggest(&self, error: &CodeError, program: &Program) -> Vec<Fix>;
    /// The rule's declaration when it has one (every built-in [`Rule`]); the engine then asks
    /// it only about errors the declaration answers. `None` (the default, e.g. plugins): asked
    /// about every error.
    fn meta(&self) -> Option<&RuleMeta> {
        None
    }
}

/// All strategies, asked together.
#[derive(Clone, Default)]
pub struct FixEngine {
    strategies: Vec<Arc<dyn FixStrategy>>,
}

impl FixEngine {
    /// An engine with no strategies.
    pub fn empty() -> FixEngine {
        FixEngine::default()
    }

    /// An engine with every built-in strategy.
    pub fn builtin() -> FixEngine {
        FixEngine {
            strategies: registry::builtin(),
        }
    }

    pub fn add(&mut self, strategy: Arc<dyn FixStrategy>) {
        self.strategies.push(strategy);
    }

    pub fn strategy_ids(&self) -> Vec<String> {
        self.strategies.iter().map(|s| s.id().to_string()).collect()
    }

    /// Every strategy's fixes for `error`, de-duplicated by edits (the most confident proposal
    /// of the same edits wins), highest confidence first.
    pub fn suggest(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let span = tracing::info_span!(
            "suggest",
            selfheal.language = %program.language(),
            error.type = %error.error_type.label(),
            selfheal.error.code = error.code.as_deref(),
            code.filepath = error.location.as_ref().map(|l| l.file.as_str()),
            code.lineno = error.location.as_ref().map(|l| i64::from(l.line)),
            selfheal.fixes = tracing::field::Empty,
        );
        let _entered = span.enter();
        let mut fixes: Vec<Fix> = Vec::new();
        for strategy in &self.strategies {
            let proposed = {
                let strategy_span = tracing::info_span!(
                    "suggest.strategy",
                    selfheal.strategy = strategy.id(),
                    selfheal.fixes = tracing::field::Empty,
                    selfheal.confidence = tracing::field::Empty,
                );
                let _entered = strategy_span.enter();
                let routed = strategy
                    .meta()
                    .is_none_or(|meta| meta.answers(error, program.language()));
                let proposed = if routed {
                    strategy.suggest(error, program)
                } else {
                    Vec::new()
                };
                strategy_span.record("selfheal.fixes", proposed.len() as i64);
                if let Some(best) = proposed.iter().map(|f| f.confidence).reduce(f64::max) {
                    strategy_span.record("selfheal.confidence", best);
                }
                proposed
            };
            for mut fix in proposed {
                if fix.edits.is_empty() || !fix.confidence.is_finite() {
                    continue;
                }
                fix.confidence = fix.confidence.clamp(0.0, 1.0);
                fix.edits.sort();
                match fixes.iter_mut().find(|f| f.edits == fix.edits) {
                    Some(existing) if existing.confidence >= fix.confidence => {}
                    Some(existing) => *existing = fix,
                    None => fixes.push(fix),
                }
            }
        }
        fixes.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
        span.record("selfheal.fixes", fixes.len() as i64);
        fixes
    }
}
