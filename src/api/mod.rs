//! The library's front door: [`SelfHealingGenerator`].
//!
//! CONTRACT: [`SelfHealingGenerator`] (`builder()`, `new(max_retries)`, `validate_code`,
//! `detect_errors`, `suggest_fixes`, `apply_fix`, `heal`, `generate_and_heal`,
//! `generate_and_heal_spec`, `get_health_metrics`), [`SelfHealingGeneratorBuilder`],
//! [`HealthMetrics`], [`IntoProgram`], [`ApiError`]. [`Generator`], [`PassThrough`] and
//! [`GenerateError`] live in [`crate::generate`] and are re-exported here.
//!
//! ```no_run
//! # async fn demo() -> Result<(), selfheal::api::ApiError> {
//! use selfheal::{SelfHealingGenerator, TargetLanguage};
//! let healer = SelfHealingGenerator::new(5)?;
//! let report = healer
//!     .generate_and_heal("def add(a, b):\n    return a + c\n", TargetLanguage::Python)
//!     .await?;
//! println!("{}", report.diff);
//! # Ok(()) }
//! ```
//!
//! One concern per file: `errors` ([`ApiError`]), `input` ([`IntoProgram`]), `outcomes` (the
//! outcome log and [`HealthMetrics`]), `builder` ([`SelfHealingGeneratorBuilder`]) and
//! `generator` ([`SelfHealingGenerator`]).

mod builder;
mod errors;
mod generator;
mod input;
mod outcomes;
#[cfg(test)]
mod tests;

pub use builder::SelfHealingGeneratorBuilder;
pub use errors::ApiError;
pub use generator::SelfHealingGenerator;
pub use input::{default_file_name, IntoProgram};
pub use outcomes::{HealthMetrics, Outcome, OutcomeLog, OUTCOME_LOG};

pub use crate::generate::{GenerateError, GenerateFuture, Generator, PassThrough};
