//! Behaviour repair without a model: programs that build but fail their tests.
//!
//! [`localize`] ranks the program's lines by how likely they hold the bug (evidence from the
//! failing tests, and an Ochiai spectrum where per-test coverage exists); [`mutate`] proposes
//! single edits over the program's syntax tree at those lines; [`rule`] offers them to the heal
//! loop as fixes for test failures, one fix strategy per edit kind (`repair.operator`,
//! `repair.off-by-one`, …) so the learner learns each kind's success rate. See
//! `docs/repair.md`.

mod assign;
pub mod backslice;
pub mod batch;
mod consistent;
mod effect;
pub mod evidence;
pub mod filter;
pub mod localize;
mod loops;
pub mod mutate;
pub mod rule;
mod scope;
mod siblings;
pub mod statement;
pub mod syntax;
mod synthesis;
