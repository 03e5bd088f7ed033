//! The checker every tenant's heals and checks go through: a sandbox slot from the
//! host-wide scheduler for each validation, and the validation's measured CPU time charged to
//! the tenant.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::heal::{CheckError, CheckFuture, Checker, FormatFuture};
use crate::program::Program;
use crate::types::TargetLanguage;
use crate::types::ValidationResult;
use crate::validate::{Expect, Validator};

use super::scheduler::Scheduler;
use super::TenantId;

/// A [`Checker`] for one tenant over another checker (the tenant's
/// [`Validator`](crate::validate::Validator), with its scoped cache and plugins). A cached
/// verdict answers without a slot; anything else waits for one of the tenant's sandbox slots
/// (one validation runs its commands one after another, so one slot is one sandbox at a time)
/// and charges the CPU time its steps used.
///
/// A validator's cache probe needs the language's resolved toolchain (its fingerprint is part
/// of the key), which the validator otherwise resolves at its first validation, inside a slot.
/// With [`with_resolver`](Self::with_resolver), a miss on a language not yet resolved through
/// this checker resolves the toolchain first (version probes and dependency sets, no sandbox)
/// and probes again, so a tenant's first request per language is answered from its cache
/// without waiting for a slot.
pub struct TenantChecker {
    tenant: TenantId,
    scheduler: Scheduler,
    inner: Arc<dyn Checker>,
    resolver: Option<Arc<Validator>>,
    /// Languages whose toolchain `resolver` has resolved (a miss on them is a real miss).
    resolved: Mutex<HashSet<TargetLanguage>>,
}

impl TenantChecker {
    pub fn new(tenant: TenantId, scheduler: Scheduler, inner: Arc<dyn Checker>) -> TenantChecker {
        TenantChecker {
            tenant,
            scheduler,
            inner,
            resolver: None,
            resolved: Mutex::new(HashSet::new()),
        }
    }

    /// Resolves toolchains through `validator` (the one behind `inner`) before a cache probe
    /// that missed, so the probe can answer without a slot (see the type's documentation).
    pub fn with_resolver(mut self, validator: Arc<Validator>) -> TenantChecker {
        self.resolver = Some(validator);
        self
    }

    /// The cached verdict, resolving the language's toolchain first when the probe missed and
    /// it has not been resolved yet. A toolchain that does not resolve is left to the
    /// validation, which reports it.
    async fn cached_resolving(
        &self,
        program: &Program,
        expect: Expect,
    ) -> Option<ValidationResult> {
        if let Some(hit) = self.inner.cached(program, expect) {
            return Some(hit);
        }
        let validator = self.resolver.as_ref()?;
        let language = program.language();
        if self
            .resolved
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&language)
        {
            return None;
        }
        validator.toolchain(language).await.ok()?;
        self.resolved
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(language);
        self.inner.cached(program, expect)
    }

    /// The checker behind the scheduling.
    pub fn inner(&self) -> &Arc<dyn Checker> {
        &self.inner
    }
}

/// The sandbox CPU time a result's steps used; zero for a cached result (it ran before, and
/// was charged then, to whoever ran it).
pub fn cpu_used(result: &ValidationResult) -> Duration {
    if result.cached {
        return Duration::ZERO;
    }
    result.steps.iter().map(|s| s.cpu_time).sum()
}

impl Checker for TenantChecker {
    fn check<'a>(&'a self, program: &'a Program, expect: Expect) -> CheckFuture<'a> {
        Box::pin(async move {
            if let Some(hit) = self.cached_resolving(program, expect).await {
                return Ok(hit);
            }
            let mut permit = self
                .scheduler
                .acquire(&self.tenant)
                .await
                .map_err(|e| CheckError(e.to_string()))?;
            let result = self.inner.check(program, expect).await;
            if let Ok(result) = &result {
                permit.charge(cpu_used(result));
            }
            drop(permit);
            result
        })
    }

    fn cached(&self, program: &Program, expect: Expect) -> Option<ValidationResult> {
        self.inner.cached(program, expect)
    }

    fn runs_a_formatter<'a>(
        &'a self,
        original: &'a Program,
        healed: &'a Program,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send + 'a>> {
        self.inner.runs_a_formatter(original, healed)
    }

    /// The formatter runs in a sandbox too: it waits for one of the tenant's slots, but only
    /// when one will run (no formatter installed, nothing to format: no slot, no charge).
    fn format<'a>(&'a self, original: &'a Program, healed: &'a Program) -> FormatFuture<'a> {
        Box::pin(async move {
            if !self.inner.runs_a_formatter(original, healed).await {
                return self.inner.format(original, healed).await;
            }
            match self.scheduler.acquire(&self.tenant).await {
                Ok(_permit) => self.inner.format(original, healed).await,
                Err(e) => crate::format::FormatOutcome::skipped(format!(
                    "no sandbox slot for the formatter: {e}"
                )),
            }
        })
    }
}

impl std::fmt::Debug for TenantChecker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantChecker")
            .field("tenant", &self.tenant)
            .finish()
    }
}
