//! The rule contract: what a built-in fix rule declares about itself ([`RuleMeta`]) and the
//! [`Rule`] trait every rule implements.
//!
//! A rule declares its metadata once, as `const META: RuleMeta`: its id, the language it
//! answers (or any), the error kinds and codes it answers, and the applicability of its fixes.
//! The [`FixEngine`](super::FixEngine) routes an error only to the rules whose metadata
//! answers it, so a rule does not re-check the language or the error kind itself. Every
//! [`Rule`] is a [`FixStrategy`] (a blanket implementation), so rules, plugins and test
//! strategies share one engine.

use super::{Fix, FixApplicability, FixStrategy};
use crate::program::Program;
use crate::types::{CodeError, ErrorType, TargetLanguage};

/// The kind of error a rule answers: [`ErrorType`] without the compiler error's detail, so
/// that it can be listed in a `const`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// [`ErrorType::SyntaxError`].
    Syntax,
    /// [`ErrorType::TypeMismatch`].
    TypeMismatch,
    /// [`ErrorType::MissingImport`].
    MissingImport,
    /// [`ErrorType::UndefinedVariable`].
    UndefinedVariable,
    /// [`ErrorType::CompilerError`] of any kind.
    Compiler,
    /// [`ErrorType::TestFailure`].
    TestFailure,
    /// [`ErrorType::TelemetryMismatch`].
    TelemetryMismatch,
}

impl ErrorKind {
    /// The kind of an error type.
    pub fn of(error_type: &ErrorType) -> ErrorKind {
        match error_type {
            ErrorType::SyntaxError => ErrorKind::Syntax,
            ErrorType::TypeMismatch => ErrorKind::TypeMismatch,
            ErrorType::MissingImport => ErrorKind::MissingImport,
            ErrorType::UndefinedVariable => ErrorKind::UndefinedVariable,
            ErrorType::CompilerError(_) => ErrorKind::Compiler,
            ErrorType::TestFailure => ErrorKind::TestFailure,
            ErrorType::TelemetryMismatch => ErrorKind::TelemetryMismatch,
        }
    }
}

/// What a rule declares about itself. The engine asks a rule only about errors its metadata
/// answers ([`RuleMeta::answers`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleMeta {
    /// A stable id, `<language or "any">.<name>`: it names the rule in reports, in the
    /// learner's table and on the command line (`--strategies`).
    pub id: &'static str,
    /// The one language the rule repairs; `None` for every language.
    pub language: Option<TargetLanguage>,
    /// The error kinds the rule answers; empty for every kind.
    pub kinds: &'static [ErrorKind],
    /// The error codes the rule answers (`E0425`, `NameError`); empty for every code. An
    /// error without a code matches only an empty list.
    pub codes: &'static [&'static str],
    /// How far the rule's fixes may be trusted: the most any of its fixes claims (a fix may
    /// say less, never more).
    pub applicability: FixApplicability,
}

impl RuleMeta {
    /// Metadata for a rule that answers every error in every language; narrow it with the
    /// `const` builder methods.
    pub const fn new(id: &'static str, applicability: FixApplicability) -> RuleMeta {
        RuleMeta {
            id,
            language: None,
            kinds: &[],
            codes: &[],
            applicability,
        }
    }

    /// The same metadata, answering only `language`.
    pub const fn language(mut self, language: TargetLanguage) -> RuleMeta {
        self.language = Some(language);
        self
    }

    /// The same metadata, answering only errors of these kinds.
    pub const fn kinds(mut self, kinds: &'static [ErrorKind]) -> RuleMeta {
        self.kinds = kinds;
        self
    }

    /// The same metadata, answering only errors with these codes.
    pub const fn codes(mut self, codes: &'static [&'static str]) -> RuleMeta {
        self.codes = codes;
        self
    }

    /// True when the rule answers `error` in a program of `language`.
    pub fn answers(&self, error: &CodeError, language: TargetLanguage) -> bool {
        self.language.is_none_or(|l| l == language)
            && (self.kinds.is_empty() || self.kinds.contains(&ErrorKind::of(&error.error_type)))
            && (self.codes.is_empty()
                || error
                    .code
                    .as_deref()
                    .is_some_and(|code| self.codes.contains(&code)))
    }
}

/// A built-in fix rule: its metadata and the fixes it proposes for an error it answers.
///
/// Implement it on a unit struct in `src/fix/rules/<language>/<rule>.rs` and list the struct
/// in [`registry`](super::registry); `docs/adding-a-rule.md` walks through one.
pub trait Rule: Send + Sync + 'static {
    /// The rule's declaration.
    const META: RuleMeta;

    /// Fixes for `error` in `program`; empty when the rule has nothing to offer. Called only
    /// for errors [`META`](Rule::META) answers.
    ///
    /// (Named `fixes`, not `suggest`, so that calling a rule's `suggest` through
    /// [`FixStrategy`] is never ambiguous.)
    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix>;
}

impl<R: Rule> FixStrategy for R {
    fn id(&self) -> &str {
        R::META.id
    }

    fn meta(&self) -> Option<&RuleMeta> {
        Some(&R::META)
    }

    fn suggest(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        // Every caller (the engine, tests, embedders) gets the declared routing, so a rule
        // never re-checks its language, kinds or codes.
        if !R::META.answers(error, program.language()) {
            return Vec::new();
        }
        let mut fixes = self.fixes(error, program);
        for fix in &mut fixes {
            fix.applicability = fix.applicability.min(R::META.applicability);
        }
        fixes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const META: RuleMeta = RuleMeta::new("rust.x", FixApplicability::Likely)
        .language(TargetLanguage::Rust)
        .kinds(&[ErrorKind::UndefinedVariable, ErrorKind::Compiler])
        .codes(&["E0425"]);

    #[test]
    fn metadata_routes_by_language_kind_and_code() {
        let e = CodeError::new(ErrorType::UndefinedVariable, "x").with_code("E0425");
        assert!(META.answers(&e, TargetLanguage::Rust));
        assert!(!META.answers(&e, TargetLanguage::Go));
        let other = CodeError::new(ErrorType::UndefinedVariable, "x").with_code("E0308");
        assert!(!META.answers(&other, TargetLanguage::Rust));
        let uncoded = CodeError::new(ErrorType::CompilerError("borrow".into()), "x");
        assert!(!META.answers(&uncoded, TargetLanguage::Rust));
        let syntax = CodeError::new(ErrorType::SyntaxError, "x").with_code("E0425");
        assert!(!META.answers(&syntax, TargetLanguage::Rust));
        let any = RuleMeta::new("any.y", FixApplicability::Safe);
        assert!(any.answers(&syntax, TargetLanguage::Go));
        assert!(any.answers(&uncoded, TargetLanguage::Python));
    }
}
