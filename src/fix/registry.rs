//! The one list of built-in rules. Order matters: the engine asks rules in this order and,
//! among fixes of equal confidence with the same edits, keeps the first proposal.

use std::sync::Arc;

use super::strategies;
use super::FixStrategy;

/// Every built-in rule, in the engine's order (what [`FixEngine::builtin`] asks).
///
/// [`FixEngine::builtin`]: super::FixEngine::builtin
pub fn builtin() -> Vec<Arc<dyn FixStrategy>> {
    let mut all = Vec::new();
    all.extend(strategies::compiler::strategies());
    all.extend(strategies::names::strategies());
    all.extend(strategies::syntax::strategies());
    all.extend(strategies::rust::strategies());
    all.extend(strategies::go::strategies());
    all.extend(strategies::python::strategies());
    all.extend(strategies::javascript::strategies());
    // Behaviour repair (src/repair): one rule per edit kind, for failing tests.
    all.extend(crate::repair::rule::strategies());
    all
}

/// Every rule a user may select by id (`--strategies`): [`builtin`] and the opt-in
/// `rust.machine-applicable`, which proposes only machine-applicable compiler suggestions
/// (what `cargo fix` would apply) and so is not in the built-in engine.
pub fn selectable() -> Vec<Arc<dyn FixStrategy>> {
    let mut all = builtin();
    all.push(strategies::compiler::machine_applicable_only());
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_declared() {
        let all = selectable();
        let mut ids: Vec<&str> = all.iter().map(|s| s.id()).collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate rule ids");
        for s in &all {
            if let Some(meta) = s.meta() {
                assert_eq!(meta.id, s.id());
                let prefix = s.id().split('.').next().unwrap();
                match meta.language {
                    Some(l) => assert_eq!(prefix, l.name(), "{}", s.id()),
                    None => assert!(prefix == "any" || s.id() == "rust.machine-applicable"),
                }
            }
        }
    }
}
