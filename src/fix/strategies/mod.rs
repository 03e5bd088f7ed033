//! The built-in fix strategies. Each submodule exposes `strategies()`.

use std::sync::Arc;

use super::FixStrategy;

pub mod compiler;
pub mod go;
pub mod javascript;
pub mod names;
pub mod python;
pub mod rust;
pub mod syntax;

/// Every built-in strategy.
pub fn builtin() -> Vec<Arc<dyn FixStrategy>> {
    let mut all = Vec::new();
    all.extend(compiler::strategies());
    all.extend(names::strategies());
    all.extend(syntax::strategies());
    all.extend(rust::strategies());
    all.extend(go::strategies());
    all.extend(python::strategies());
    all.extend(javascript::strategies());
    all
}
