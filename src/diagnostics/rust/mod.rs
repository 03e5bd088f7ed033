//! rustc JSON diagnostics (`--error-format=json`) and libtest output (a `rustc --test` binary).
//!
//! # Error codes → categories ([`classify`])
//!
//! | codes | category | why |
//! |---|---|---|
//! | E0432 unresolved import, E0583 file for module not found, E0463 can't find crate | `MissingImport` | a module or crate is missing |
//! | E0433 failed to resolve, when the path names an undeclared/unlinked crate or module, or rustc suggests a `use` line for it | `MissingImport` | |
//! | E0433 failed to resolve, otherwise (undeclared type or value in a path, no import suggested) | `UndefinedVariable` | |
//! | E0425 value/function, E0412 type, E0405 trait, E0422 struct, E0531 tuple struct, E0423 expected value found type, E0424 `self`, E0411 `Self`, E0599 no method/associated item, E0609 no field, E0560 struct has no field; without a code: `cannot find macro`, `cannot find attribute` | `UndefinedVariable` | a name that does not exist where it is used |
//! | E0308 mismatched types, E0277 trait bound not satisfied (`i32: Index<…>`, `f32 + &str`), E0061/E0060/E0057 wrong argument count, E0369/E0368 binary operator not applicable, E0600 unary operator not applicable, E0604/E0605/E0606 invalid cast, E0614 deref of non-pointer, E0608 index into non-indexable, E0620 cast to unsized, E0070 invalid assignment target, E0689 method on ambiguous numeric type, E0282/E0283 type annotations needed, E0107 wrong number of generic args, E0050/E0053 trait method signature mismatch, E0607/E0610/E0618 | `TypeMismatch` | a value or expression of the wrong type |
//! | E0384 assign twice to immutable, E0596/E0594 borrow/assign through immutable, E0499/E0502 conflicting borrows, E0382 use after move, E0505/E0506/E0507/E0508/E0509 move/assign while borrowed, E0597/E0716 value dropped while borrowed, E0373 closure may outlive, E0381 used before init, E0503/E0501/E0713 | `CompilerError("borrow")` | mutability and the borrow checker |
//! | E0106/E0261/E0621/E0623 | `CompilerError("lifetime")` | |
//! | E0765/E0766/E0758/E0762/E0763 unterminated literals and comments | `SyntaxError` | lexer errors that carry a code |
//! | no code, parser messages (`expected …`, `unexpected …`, `… delimiter`, `unterminated …`, `missing … in …`, `lifetimes cannot start with a number`, …) | `SyntaxError` | |
//! | lint codes (`unused_variables`, … under `deny`) | `CompilerError("lint")` | |
//! | anything else | `CompilerError(kind)` (a few named kinds, else `rustc`) | |
//!
//! Every error keeps rustc's own code (`E0308`, or the lint name) in `code`.

use std::collections::BTreeSet;

use serde::Deserialize;

use super::{limits, program_path, ParseInput, Parsed};
use crate::program::Program;
use crate::types::{
    Applicability, CodeError, CompilerSuggestion, ErrorType, Location, Replacement, Termination,
    TestOutcome, TestReport,
};

mod classify;
mod libtest;
mod rustc;
mod test_run;

use classify::*;
use libtest::*;
use rustc::*;

pub use super::codes::{TESTS_INCOMPLETE, TESTS_SUMMARY_MISMATCH, TEST_EXITED};
pub use libtest::parse_libtest;
pub use rustc::parse_rustc_json;
pub use test_run::parse_test_run;

#[cfg(test)]
mod tests;
