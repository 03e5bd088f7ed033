//! Program generation from a spec, healed until it passes (issue 6).
//!
//! A [`Spec`] (TOML, `docs/generate.md`) says what to build: name, language, description,
//! signatures, examples that become tests. A [`Generator`] turns it into a [`Program`]; the
//! driver (`SelfHealingGenerator::generate_and_heal_spec`) heals that program and, while it
//! still fails, asks the generator again with the errors and the history of fixes tried.
//!
//! Generators: [`template::TemplateGenerator`] (minijinja templates per language, with a
//! learned [`prelude::Prelude`]), `openai::OpenAiGenerator` (an OpenAI-compatible model), and
//! [`PassThrough`] (the code is given).

use std::future::Future;
use std::pin::Pin;

use serde::{Deserialize, Serialize};

use crate::heal::HealReport;
use crate::program::Program;
use crate::types::CodeError;

pub mod driver;
pub mod extract;
pub mod openai;
pub mod prelude;
pub mod prompt;
pub mod spec;
pub mod template;

pub use driver::{GenerationRecord, GenerationReport};
pub use openai::{ApiKey, OpenAiConfig, OpenAiGenerator};
pub use prelude::Prelude;
pub use spec::{
    Constraints, Example, FunctionSig, Implementation, Param, Spec, SpecError, TestFile,
};
pub use template::{TemplateGenerator, TemplateSet};

/// Why a generator produced no program.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The generator cannot produce another attempt (e.g. templates are deterministic).
    #[error("{0}")]
    Exhausted(String),
    /// Transport / protocol trouble talking to a model (after retries).
    #[error("model request failed: {0}")]
    Request(String),
    /// The reply held no usable program ("no code block", "wrong language").
    #[error("unusable reply: {0}")]
    Reply(String),
    /// Templates, spec rendering, program assembly.
    #[error("{0}")]
    Other(String),
}

/// The future a [`Generator`] returns.
pub type GenerateFuture<'a, T> =
    Pin<Box<dyn Future<Output = Result<T, GenerateError>> + Send + 'a>>;

/// What the driver tried before: one entry per earlier generation.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GenerationHistory {
    pub attempts: Vec<PastAttempt>,
}

/// One earlier generation, after healing.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PastAttempt {
    /// 1-based.
    pub generation: usize,
    /// The program after healing.
    pub program: Program,
    /// The errors it still had.
    pub errors: Vec<CodeError>,
    /// `"strategy: description"` of every fix the heal tried.
    pub fixes_tried: Vec<String>,
    /// The errors of the program as generated, before automatic repair: a heal that fails may
    /// have replaced them with errors of its own edits (a placeholder body's wrong value), and
    /// the model must still hear what was wrong with what it wrote.
    #[serde(default)]
    pub generated_errors: Vec<CodeError>,
}

/// Token usage reported by a model (zero for templates).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenUsage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub total_tokens: u64,
}

impl std::ops::AddAssign for TokenUsage {
    fn add_assign(&mut self, other: TokenUsage) {
        self.prompt_tokens += other.prompt_tokens;
        self.completion_tokens += other.completion_tokens;
        self.total_tokens += other.total_tokens;
    }
}

impl std::ops::Sub for TokenUsage {
    type Output = TokenUsage;
    /// The usage between two readings of a generator's running total.
    fn sub(self, earlier: TokenUsage) -> TokenUsage {
        TokenUsage {
            prompt_tokens: self.prompt_tokens.saturating_sub(earlier.prompt_tokens),
            completion_tokens: self
                .completion_tokens
                .saturating_sub(earlier.completion_tokens),
            total_tokens: self.total_tokens.saturating_sub(earlier.total_tokens),
        }
    }
}

/// Turns a spec into a program and, given what went wrong, into another attempt.
pub trait Generator: Send + Sync {
    /// `template`, `openai:<model>`, `pass-through`.
    fn name(&self) -> String;

    fn generate<'a>(&'a self, spec: &'a Spec) -> GenerateFuture<'a, Program>;

    /// Another program for `spec`, given the healed program, the errors it still has and
    /// every earlier attempt; [`GenerateError::Exhausted`] when it has nothing new to offer.
    fn regenerate<'a>(
        &'a self,
        spec: &'a Spec,
        program: &'a Program,
        errors: &'a [CodeError],
        history: &'a GenerationHistory,
    ) -> GenerateFuture<'a, Program>;

    /// Tokens used so far by this generator (models); default zero.
    fn usage(&self) -> TokenUsage {
        TokenUsage::default()
    }

    /// Sees how the heal of a program it generated went (the template generator learns its
    /// prelude here); default nothing.
    fn observe(&self, _spec: &Spec, _generated: &Program, _heal: &HealReport) {}
}

/// The code is given: generation returns it (with the spec's tests added), and there is
/// nothing else to offer on a second try.
#[derive(Debug, Clone)]
pub struct PassThrough {
    program: Program,
}

impl PassThrough {
    pub fn new(program: Program) -> PassThrough {
        PassThrough { program }
    }
}

impl Generator for PassThrough {
    fn name(&self) -> String {
        "pass-through".into()
    }

    fn generate<'a>(&'a self, spec: &'a Spec) -> GenerateFuture<'a, Program> {
        Box::pin(async move {
            if self.program.language() != spec.language {
                return Err(GenerateError::Other(format!(
                    "the given program is {} but the spec asks for {}",
                    self.program.language(),
                    spec.language
                )));
            }
            let mut program = self.program.clone();
            for (path, text) in spec.test_program_files() {
                program = program.with_protected_file(path, text).map_err(|e| {
                    GenerateError::Other(format!("the spec's tests do not fit the program: {e}"))
                })?;
            }
            Ok(program)
        })
    }

    fn regenerate<'a>(
        &'a self,
        _spec: &'a Spec,
        _program: &'a Program,
        _errors: &'a [CodeError],
        _history: &'a GenerationHistory,
    ) -> GenerateFuture<'a, Program> {
        Box::pin(async {
            Err(GenerateError::Exhausted(
                "pass-through has no other program to offer".into(),
            ))
        })
    }
}
