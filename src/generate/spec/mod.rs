//! The spec: what a generated program must do, as TOML (`docs/generate.md`).
//!
//! A spec names the program, its language and its functions (signatures in the target
//! language); its examples (`args` → `expected`, TOML values) become tests in that language,
//! protected from repair, so "passing" means "does what the spec says". An optional
//! `[implementation]` gives the function bodies the template generator renders.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::generate::GenerateError;
use crate::program::Program;
use crate::types::{CodeError, ErrorType, Location, TargetLanguage};

mod imports;
mod load;
mod model;
mod render;
mod signature;

use imports::*;
use model::*;
use render::*;

pub use imports::third_party_import;
pub use load::{source_file, test_file_name};
pub use model::{
    Constraints, Example, FunctionSig, Implementation, Param, Spec, SpecError, TestFile,
};
pub use render::render_literal;
pub use signature::parse_signature;
