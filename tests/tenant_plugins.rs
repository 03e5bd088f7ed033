//! Each tenant's own plugins: a fix strategy one tenant loads is offered to that tenant only.
#![cfg(feature = "plugins")]

#[path = "data/plugins/componentize.rs"]
mod componentize;

use std::sync::Arc;

use selfheal::heal::{CheckError, CheckFuture, Checker};
use selfheal::tenant::{HostConfig, TenantId, TenantRegistry, TenantSpec};
use selfheal::validate::Expect;
use selfheal::{CodeError, ErrorType, Location, Program, SelfHealingGenerator, TargetLanguage};

struct Unused;

impl Checker for Unused {
    fn check<'a>(&'a self, _program: &'a Program, _expect: Expect) -> CheckFuture<'a> {
        Box::pin(async { Err(CheckError("not used".into())) })
    }
}

#[test]
fn a_tenants_plugin_strategies_are_offered_to_it_alone() {
    let plugins = tempfile::tempdir().unwrap();
    std::fs::write(
        plugins.path().join("fixed-edit.wasm"),
        componentize::strategy("fixed-edit"),
    )
    .unwrap();
    let cache = tempfile::tempdir().unwrap();
    let registry = TenantRegistry::open(HostConfig {
        data_dir: None,
        validator: None,
        plugin_cache_dir: Some(cache.path().to_path_buf()),
        ..HostConfig::default()
    })
    .unwrap();
    let with = registry
        .add_with_checker(
            TenantSpec::new(TenantId::new("with").unwrap()).plugins_dir(plugins.path()),
            Arc::new(Unused),
        )
        .unwrap();
    let without = registry
        .add_with_checker(
            TenantSpec::new(TenantId::new("without").unwrap()),
            Arc::new(Unused),
        )
        .unwrap();
    assert_eq!(with.plugins().strategies().len(), 1);
    assert!(without.plugins().is_empty());

    let program = Program::new(
        TargetLanguage::Python,
        [("main.py".to_string(), "print('hello'\n".to_string())],
    )
    .unwrap();
    let error = CodeError::new(ErrorType::SyntaxError, "'(' was never closed")
        .with_location(Location::new("main.py", 1, 6));
    let offered = |tenant: &Arc<selfheal::tenant::Tenant>| {
        let g = SelfHealingGenerator::builder()
            .tenant(Arc::clone(tenant))
            .build()
            .unwrap();
        let ids = g.healer().engine().strategy_ids();
        let fixes = g.suggest_fixes(&error, &program);
        (
            ids.iter().any(|id| id == "plugin.fixed-edit"),
            fixes.iter().any(|f| f.strategy == "plugin.fixed-edit"),
        )
    };
    assert_eq!(offered(&with), (true, true));
    assert_eq!(offered(&without), (false, false));
}
