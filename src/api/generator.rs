//! [`SelfHealingGenerator`]: validates, repairs and learns, and records each heal's outcome.

use std::sync::Arc;

use crate::fix::Fix;
use crate::generate::{driver, GenerationReport, Generator, Spec};
use crate::heal::{HealReport, Healer};
use crate::learn::Learner;
use crate::program::Program;
use crate::tenant::Tenant;
use crate::types::{CodeError, TargetLanguage, ValidationResult};
use crate::validate::{Expect, RunOptions, RunReport, Validator};

use super::{
    ApiError, HealthMetrics, IntoProgram, Outcome, OutcomeLog, SelfHealingGeneratorBuilder,
};

/// Validates, repairs and learns. `Send + Sync`; share it behind an `Arc`.
pub struct SelfHealingGenerator {
    pub(super) healer: Healer,
    pub(super) generator: Arc<dyn Generator>,
    pub(super) max_generations: usize,
    pub(super) outcomes: OutcomeLog,
    /// The tenant this generator works for (`builder().tenant(..)`).
    pub(super) tenant: Option<Arc<Tenant>>,
    pub(super) runner: Option<Arc<Validator>>,
}

impl SelfHealingGenerator {
    pub fn builder() -> SelfHealingGeneratorBuilder {
        SelfHealingGeneratorBuilder::default()
    }

    /// Defaults everywhere but the number of repair rounds.
    pub fn new(max_retries: u32) -> Result<SelfHealingGenerator, ApiError> {
        SelfHealingGenerator::builder()
            .max_retries(max_retries)
            .build()
    }

    /// The heal loop this generator runs (its learner, engine, configuration).
    pub fn healer(&self) -> &Healer {
        &self.healer
    }

    pub fn learner(&self) -> &Arc<Learner> {
        self.healer.learner()
    }

    /// The tenant this generator works for, if any.
    pub fn tenant(&self) -> Option<&Arc<Tenant>> {
        self.tenant.as_ref()
    }

    /// The program, refused when over the tenant's size limit.
    fn admitted_program(&self, code: impl IntoProgram) -> Result<Program, ApiError> {
        let program = code.into_program()?;
        if let Some(tenant) = &self.tenant {
            tenant.check_program(&program)?;
        }
        Ok(program)
    }

    /// Validates a program (or `(code, language)`): compile, then the tests if it has any.
    ///
    /// # Errors
    ///
    /// [`ApiError::Program`] for input that is not a program, [`ApiError::Tenant`] for a
    /// program over the tenant's size limit, [`ApiError::Check`] when validation could not run.
    pub async fn validate_code(
        &self,
        code: impl IntoProgram,
    ) -> Result<ValidationResult, ApiError> {
        let program = self.admitted_program(code)?;
        let expect = self
            .healer
            .config()
            .expect
            .unwrap_or_else(|| Expect::for_program(&program));
        Ok(self.healer.validate(&program, expect).await?)
    }

    /// The errors of a program (empty when it passes).
    pub async fn detect_errors(&self, code: impl IntoProgram) -> Result<Vec<CodeError>, ApiError> {
        Ok(self.validate_code(code).await?.errors)
    }

    /// Fixes for one error, most promising first (confidence as learned).
    pub fn suggest_fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        self.healer.ranked_fixes(error, program)
    }

    /// The program with the fix applied; refuses fixes that touch protected files.
    pub fn apply_fix(&self, program: &Program, fix: &Fix) -> Result<Program, ApiError> {
        Ok(crate::fix::apply_fix(program, fix)?)
    }

    /// Runs a program (built first if its toolchain builds) in the sandbox with `options`'
    /// input and limits: the "run untrusted code safely" use. For a tenant: the program and
    /// the options must be within its limits, the run waits for one of its sandbox slots, and
    /// its CPU time is charged to it.
    ///
    /// # Errors
    ///
    /// [`ApiError::Program`], [`ApiError::Tenant`] ([`crate::tenant::TenantError::ProgramTooLarge`],
    /// [`crate::tenant::TenantError::RunTimeTooLong`],
    /// [`crate::tenant::TenantError::MemoryTooLarge`]),
    /// [`ApiError::NoValidator`] for a generator built on a custom checker, and
    /// [`ApiError::Setup`] when the sandbox or toolchain fails.
    pub async fn run(
        &self,
        code: impl IntoProgram,
        options: &RunOptions,
    ) -> Result<RunReport, ApiError> {
        let program = self.admitted_program(code)?;
        if let Some(tenant) = &self.tenant {
            tenant.check_run(options)?;
        }
        let validator = self.runner.as_ref().ok_or(ApiError::NoValidator)?;
        let Some(tenant) = &self.tenant else {
            return Ok(validator.run(&program, options).await?);
        };
        let mut permit = tenant.sandbox().await?;
        let report = validator.run(&program, options).await;
        if let Ok(report) = &report {
            permit.charge(report.steps.iter().map(|s| s.cpu_time).sum());
        }
        drop(permit);
        Ok(report?)
    }

    /// Heals a program and records the outcome.
    pub async fn heal(&self, code: impl IntoProgram) -> Result<HealReport, ApiError> {
        let program = self.admitted_program(code)?;
        let report = self.healer.heal(&program).await?;
        self.record(&report, program.language());
        Ok(report)
    }

    /// Heals code a generator already wrote (the pass-through generation) and records the
    /// outcome.
    pub async fn generate_and_heal(
        &self,
        code: &str,
        language: TargetLanguage,
    ) -> Result<HealReport, ApiError> {
        self.heal((code, language)).await
    }

    /// Generates a program for `spec` with this generator's [`Generator`], heals it, and
    /// while it still fails regenerates with the feedback, up to `max_generations`
    /// (`crate::generate::driver`). Records the final heal's outcome.
    pub async fn generate_and_heal_spec(&self, spec: &Spec) -> Result<GenerationReport, ApiError> {
        let report =
            driver::generate_and_heal(&self.healer, &*self.generator, spec, self.max_generations)
                .await?;
        if let Some(last) = report.generations.last() {
            let mut outcome = Outcome::from_report(&last.heal, spec.language);
            outcome.healed = report.passed;
            outcome.repairs = report.repairs();
            self.outcomes.record(outcome);
            self.healer.learner().flush();
        }
        Ok(report)
    }

    /// The generator `generate_and_heal_spec` uses.
    pub fn generator(&self) -> &Arc<dyn Generator> {
        &self.generator
    }

    /// Metrics over every outcome recorded in this generator's data dir (or, in memory, by
    /// this generator).
    pub fn get_health_metrics(&self) -> HealthMetrics {
        self.outcomes.health()
    }

    fn record(&self, report: &HealReport, language: TargetLanguage) {
        self.outcomes.record(Outcome::from_report(report, language));
        self.healer.learner().flush();
    }
}
