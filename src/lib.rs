//! selfheal: makes machine-generated code work, safely.
//!
//! A [`Program`] (Rust, Python, JavaScript or Go) is validated by its toolchain inside a
//! [`sandbox::Sandbox`]; what the toolchain says becomes structured [`CodeError`]s.
//! See `docs/ARCHITECTURE.md` for the whole pipeline.

pub mod api;
pub mod cache;
pub mod compliance;
pub mod corpus;
pub mod diagnostics;
pub mod dirs;
pub mod eval;
pub mod executor;
pub mod fix;
pub mod format;
pub mod generate;
pub mod heal;
pub mod judge;
pub mod lang;
pub mod learn;
pub mod plugin;
pub mod program;
pub mod render;
pub mod repair;
pub mod sandbox;
pub mod serve;
pub mod settings;
pub mod signals;
pub mod telemetry;
pub mod tenant;
pub mod terminal;
pub mod tls;
pub mod toolchain;
pub mod types;
pub mod validate;
pub mod workspace;
pub mod writeback;

pub use api::{HealthMetrics, SelfHealingGenerator};
pub use program::{Program, ProgramError};
pub use types::{
    Applicability, CodeError, CompilerSuggestion, ErrorType, Location, Replacement, StepOutcome,
    TargetLanguage, Termination, TestOutcome, TestReport, ValidationResult,
};
