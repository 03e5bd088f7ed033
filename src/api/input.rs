//! What the API accepts as a program: [`IntoProgram`].

use crate::program::{Program, ProgramError};
use crate::types::TargetLanguage;

/// The file a single piece of code is validated as.
pub fn default_file_name(language: TargetLanguage) -> &'static str {
    match language {
        TargetLanguage::Rust => "main.rs",
        TargetLanguage::Python => "main.py",
        TargetLanguage::JavaScript => "main.js",
        TargetLanguage::Go => "main.go",
    }
}

/// What the API accepts as a program: a [`Program`], or code and its language (one file,
/// named by [`default_file_name`]).
pub trait IntoProgram {
    fn into_program(self) -> Result<Program, ProgramError>;
}

impl IntoProgram for Program {
    /// A program that exists is valid: nothing to check.
    fn into_program(self) -> Result<Program, ProgramError> {
        Ok(self)
    }
}

impl IntoProgram for &Program {
    fn into_program(self) -> Result<Program, ProgramError> {
        self.clone().into_program()
    }
}

impl IntoProgram for (&str, TargetLanguage) {
    fn into_program(self) -> Result<Program, ProgramError> {
        let (code, language) = self;
        Program::new(
            language,
            [(default_file_name(language).to_string(), code.to_string())],
        )
    }
}

impl IntoProgram for (String, TargetLanguage) {
    fn into_program(self) -> Result<Program, ProgramError> {
        (self.0.as_str(), self.1).into_program()
    }
}
