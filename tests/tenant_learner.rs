//! Per-tenant learners: what one tenant learns never reaches another, survives a restart in
//! the tenant's own trees, and starts from the operator's global prior when configured
//! (which no tenant ever writes).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use selfheal::learn::Learner;
use selfheal::tenant::{HostConfig, TenantId, TenantRegistry, TenantSpec};
use selfheal::TargetLanguage;

const SIG: &str = "NameError name '_' is not defined";
const STRATEGY: &str = "python.undefined-name";

fn id(s: &str) -> TenantId {
    TenantId::new(s).unwrap()
}

/// The registry over `data`, retrying while sled still holds a just-closed database's lock.
fn open(data: &Path, prior: Option<&Path>) -> TenantRegistry {
    for _ in 0..100 {
        match TenantRegistry::open(HostConfig {
            data_dir: Some(data.to_path_buf()),
            validator: None,
            global_prior: prior.map(Path::to_path_buf),
            ..HostConfig::default()
        }) {
            Ok(registry) => return registry,
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    panic!("cannot open the registry");
}

/// A checker that is never asked (these tests only use the learners).
struct Unused;

impl selfheal::heal::Checker for Unused {
    fn check<'a>(
        &'a self,
        _program: &'a selfheal::Program,
        _expect: selfheal::validate::Expect,
    ) -> selfheal::heal::CheckFuture<'a> {
        Box::pin(async { Err(selfheal::heal::CheckError("not used".into())) })
    }
}

fn add(registry: &TenantRegistry, spec: TenantSpec) -> Arc<selfheal::tenant::Tenant> {
    registry.add_with_checker(spec, Arc::new(Unused)).unwrap()
}

#[test]
fn tenants_learn_separately_and_remember_after_a_restart() {
    let data = tempfile::tempdir().unwrap();
    {
        let registry = open(data.path(), None);
        let a = add(&registry, TenantSpec::new(id("a")));
        let b = add(&registry, TenantSpec::new(id("b")));
        assert!(a.learner().is_persistent());
        for _ in 0..6 {
            a.learner()
                .record(TargetLanguage::Python, SIG, STRATEGY, false);
        }
        a.learner()
            .record_generated(TargetLanguage::Python, "function", &[SIG.to_string()]);
        b.learner()
            .record(TargetLanguage::Python, SIG, STRATEGY, true);
        // (0.5·4 + 0) / (4 + 6) for A; (0.5·4 + 1) / (4 + 1) for B.
        let ca = a
            .learner()
            .confidence(TargetLanguage::Python, SIG, STRATEGY, 0.5);
        let cb = b
            .learner()
            .confidence(TargetLanguage::Python, SIG, STRATEGY, 0.5);
        assert!((ca - 0.2).abs() < 1e-12, "{ca}");
        assert!((cb - 0.6).abs() < 1e-12, "{cb}");
        // Re-adding a tenant (a configuration reload) keeps its one learner.
        let again = add(&registry, TenantSpec::new(id("a")));
        assert!(Arc::ptr_eq(again.learner(), a.learner()));
        registry.flush();
    }
    let registry = open(data.path(), None);
    let a = add(&registry, TenantSpec::new(id("a")));
    let b = add(&registry, TenantSpec::new(id("b")));
    let c = add(&registry, TenantSpec::new(id("c")));
    let entries = |t: &selfheal::tenant::Tenant| {
        t.learner()
            .entries()
            .into_iter()
            .map(|e| (e.attempts, e.successes))
            .collect::<Vec<_>>()
    };
    assert_eq!(entries(&a), [(6, 0)]);
    assert_eq!(entries(&b), [(1, 1)]);
    assert!(entries(&c).is_empty(), "a new tenant sees others' history");
    assert_eq!(
        a.learner()
            .frequent_generated_signatures(TargetLanguage::Python, "function", 5),
        [(SIG.to_string(), 1)]
    );
    assert!(b
        .learner()
        .frequent_generated_signatures(TargetLanguage::Python, "function", 5)
        .is_empty());
    // The command line's own learner database in the same data dir is untouched.
    assert!(!data.path().join(selfheal::learn::LEARNER_DB).exists());
}

#[test]
fn the_global_prior_informs_every_tenant_that_wants_it_and_is_never_written() {
    let prior_dir = tempfile::tempdir().unwrap();
    {
        let global = Learner::try_open(prior_dir.path()).unwrap();
        for i in 0..16 {
            global.record(TargetLanguage::Python, SIG, STRATEGY, i < 12);
        }
    }
    let data = tempfile::tempdir().unwrap();
    let registry = open(data.path(), Some(prior_dir.path()));
    let with = add(&registry, TenantSpec::new(id("with")));
    let without = add(
        &registry,
        TenantSpec::new(id("without")).global_prior(false),
    );
    // The prior's posterior: (0.5·4 + 12) / (4 + 16) = 0.7.
    let c = |t: &selfheal::tenant::Tenant| {
        t.learner()
            .confidence(TargetLanguage::Python, SIG, STRATEGY, 0.5)
    };
    assert!((c(&with) - 0.7).abs() < 1e-12, "{}", c(&with));
    assert!((c(&without) - 0.5).abs() < 1e-12);
    // The tenant's own failures move it from there: (0.7·4 + 0) / (4 + 4) = 0.35.
    for _ in 0..4 {
        with.learner()
            .record(TargetLanguage::Python, SIG, STRATEGY, false);
    }
    assert!((c(&with) - 0.35).abs() < 1e-12, "{}", c(&with));
    assert_eq!(with.learner().entries().len(), 1);
    assert_eq!(
        registry
            .global_prior()
            .unwrap()
            .entries()
            .iter()
            .map(|e| (e.attempts, e.successes))
            .collect::<Vec<_>>(),
        [(16, 12)]
    );
    drop((with, without));
    registry.flush();
    drop(registry);
    // The prior's database, reopened (waiting for the snapshot's lock): exactly what it had.
    let global = Learner::try_open(prior_dir.path()).unwrap();
    let e = global.entries();
    assert_eq!((e.len(), e[0].attempts, e[0].successes), (1, 16, 12));
}

#[test]
fn a_missing_global_prior_is_an_error_naming_it() {
    let data = tempfile::tempdir().unwrap();
    let nowhere = data.path().join("no-prior-here");
    let err = TenantRegistry::open(HostConfig {
        data_dir: None,
        validator: None,
        global_prior: Some(nowhere.clone()),
        ..HostConfig::default()
    })
    .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("global prior"), "{text}");
    assert!(text.contains(&nowhere.display().to_string()), "{text}");
}
