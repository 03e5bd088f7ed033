//! [`ApiError`]: every way a call of the library API fails.

use crate::fix::ApplyError;
use crate::generate::{driver, GenerateError};
use crate::heal::{CheckError, HealError};
use crate::program::ProgramError;
use crate::tenant::TenantError;
use crate::validate::ValidateError;

/// Errors of the library API.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("cannot set up validation: {0}")]
    Setup(#[from] ValidateError),
    #[error(transparent)]
    Program(#[from] ProgramError),
    #[error(transparent)]
    Check(#[from] CheckError),
    #[error(transparent)]
    Heal(#[from] HealError),
    #[error(transparent)]
    Apply(#[from] ApplyError),
    #[error(transparent)]
    Generate(#[from] GenerateError),
    #[error("plugins: {0}")]
    Plugin(String),
    /// A strategy id given to
    /// [`SelfHealingGeneratorBuilder::strategies`](super::SelfHealingGeneratorBuilder::strategies)
    /// that no built-in strategy or plugin has.
    #[error("unknown strategy `{id}`; known: {}", known.join(", "))]
    UnknownStrategy {
        id: String,
        /// Every id that can be selected, sorted.
        known: Vec<String>,
    },
    /// A tenant's limit refused the request, or the tenant is unknown (see
    /// [`TenantError::limit`], [`TenantError::retry_after`]).
    #[error(transparent)]
    Tenant(#[from] TenantError),
    /// A builder setting that a tenant brings itself (see
    /// [`SelfHealingGeneratorBuilder::tenant`](super::SelfHealingGeneratorBuilder::tenant)).
    #[error("{0} cannot be combined with a tenant: the tenant brings its own")]
    TenantConflict(&'static str),
    /// [`SelfHealingGenerator::run`](super::SelfHealingGenerator::run) needs the built-in
    /// sandboxed validator.
    #[error(
        "running a program needs the built-in sandboxed validator; this generator was built \
         with a custom checker"
    )]
    NoValidator,
}

impl From<driver::DriverError> for ApiError {
    fn from(e: driver::DriverError) -> ApiError {
        match e {
            driver::DriverError::Generate(e) => ApiError::Generate(e),
            driver::DriverError::Heal(e) => ApiError::Heal(e),
        }
    }
}
