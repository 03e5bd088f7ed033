//! `go build`, `go vet` and `go test -v` output (Go 1.19+, GOPATH or module mode).
//!
//! Go prints no error codes, so every error gets a short stable code of ours:
//!
//! | message (gc compiler / `go vet` type checker) | category | code |
//! |---|---|---|
//! | `syntax error: …`, scanner errors (`newline in string`, `string literal not terminated`, `invalid character …`), go/parser's `expected …` | `SyntaxError` | `syntax` |
//! | `undefined: x`, `undeclared name: x` | `UndefinedVariable` | `undefined` |
//! | `x.Y undefined (type T has no field or method Y)`, `undefined: pkg.Name`, `Name not declared by package pkg`, `cannot refer to unexported name` | `UndefinedVariable` | `undefined_member` |
//! | `undefined: strings` where `strings` is a standard-library package name used as `strings.X` | `MissingImport` | `missing_import` |
//! | `cannot find package …`, `could not import …`, `… is not in GOROOT`, `no required module provides package …` | `MissingImport` | `missing_package` |
//! | `"os" imported but not used` / `imported and not used` | `CompilerError("unused_import")` | `unused_import` |
//! | `x declared but not used` / `declared and not used: x` | `CompilerError("unused_variable")` | `unused_variable` |
//! | `cannot use … as … value` | `TypeMismatch` | `cannot_use` |
//! | `… (mismatched types A and B)` | `TypeMismatch` | `mismatched_types` |
//! | other `invalid operation: …` | `TypeMismatch` | `invalid_operation` |
//! | `cannot convert …` | `TypeMismatch` | `cannot_convert` |
//! | `too many arguments` / `not enough arguments` | `TypeMismatch` | `argument_count` |
//! | `too many return values` / `not enough return values` | `TypeMismatch` | `return_count` |
//! | `invalid argument: …`, `cannot range over …`, `non-boolean condition …`, `cannot index …`, `cannot call non-function …` | `TypeMismatch` | `type_mismatch` |
//! | `non-name … on left side of :=`, `no new variables on left side of :=`, `expected identifier on left side of :=`, `assignment mismatch: …`, `cannot assign to …` | `CompilerError("assignment")` | `assignment` |
//! | `missing return` | `CompilerError("missing_return")` | `missing_return` |
//! | `x redeclared in this block` | `CompilerError("redeclared")` | `redeclared` |
//! | `function main is undeclared in the main package` (linker) | `CompilerError("missing_main")` | `missing_main` |
//! | a `go vet` analyzer finding (`redundant or: …`, printf checks, …) | `CompilerError("vet")` | `vet` |
//! | anything else | `CompilerError("go")` | `go` |
//!
//! `go test`: a failing test is `TestFailure` (code `test_failed`) named by its `--- FAIL:` line,
//! with the message and line of its first failing assertion (`t.Errorf` or testify); a panic is
//! `CompilerError("panic")` (code `panic`) at the first stack frame in a program file; a run the
//! sandbox stopped, or `go test`'s own deadline, is a limit error (`super::limits`: code
//! `timeout`, `cpu_limit`, `out_of_memory` or `file_size_limit`; `TestFailure` in the test step).
//!
//! Go reports byte columns; locations here count characters, converted with the program text.
//! Test log lines carry no column: the column is that of the line's first non-blank character.

use super::codes::{TESTS_INCOMPLETE, TESTS_SUMMARY_MISMATCH, TEST_EXITED};
use super::{limits, program_path, ParseInput, Parsed};
use crate::program::Program;
use crate::types::{CodeError, ErrorType, Location, Termination, TestOutcome, TestReport};

mod build;
mod classify;
mod tables;
mod test_json;
mod test_log;

use build::*;
use classify::*;
use tables::*;

pub use build::parse_build;
pub use test_json::parse_test_run;
pub use test_log::parse_test;

#[cfg(test)]
mod tests;
