//! The file an error points at, when fixes may edit it: the prelude of the rules that read the
//! error's file as plain text.

use super::{undefined_name, NameKind};
use crate::program::Program;
use crate::types::{CodeError, Location};

/// The location of `error` and the text of its file; `None` when the error has no location,
/// points at a protected file (a test fixes must not change) or at a file the program does not
/// have.
pub(crate) fn error_file<'a>(
    error: &'a CodeError,
    program: &'a Program,
) -> Option<(&'a Location, &'a str)> {
    let loc = error.location.as_ref()?;
    if program.protected().contains(&loc.file) {
        return None;
    }
    Some((loc, program.files().get(&loc.file)?.as_str()))
}

/// [`error_file`] for an error that says a name is undefined, with the name ([`undefined_name`])
/// and whether it is a member.
pub(crate) fn undefined_in_error_file<'a>(
    error: &'a CodeError,
    program: &'a Program,
) -> Option<(&'a Location, &'a str, String, NameKind)> {
    let (loc, text) = error_file(error, program)?;
    let (name, kind) = undefined_name(&error.message)?;
    Some((loc, text, name, kind))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::text::testing::{err, program_with_test};
    use crate::types::{ErrorType, TargetLanguage};

    #[test]
    fn only_an_editable_file_the_program_has() {
        let p = program_with_test(
            TargetLanguage::Go,
            ("main.go", "package main\n"),
            ("main_test.go", "package main // test\n"),
        );
        let at = |file: &str| err(ErrorType::SyntaxError, "syntax", "x", file, 1, 1);
        let main = at("main.go");
        let (loc, text) = error_file(&main, &p).unwrap();
        assert_eq!((loc.file.as_str(), text), ("main.go", "package main\n"));
        assert!(error_file(&at("main_test.go"), &p).is_none());
        assert!(error_file(&at("other.go"), &p).is_none());
        assert!(error_file(&CodeError::new(ErrorType::SyntaxError, "x"), &p).is_none());
    }

    #[test]
    fn the_undefined_name_and_its_kind() {
        let p = program_with_test(
            TargetLanguage::Go,
            ("main.go", "package main\n"),
            ("main_test.go", "package main\n"),
        );
        let at = |file: &str, message: &str| {
            err(
                ErrorType::UndefinedVariable,
                "undefined",
                message,
                file,
                1,
                1,
            )
        };
        let total = at("main.go", "undefined: total");
        let (loc, text, name, kind) = undefined_in_error_file(&total, &p).unwrap();
        assert_eq!(
            (loc.file.as_str(), text, name.as_str(), kind),
            ("main.go", "package main\n", "total", NameKind::Value)
        );
        let (.., name, kind) =
            undefined_in_error_file(&at("main.go", "undefined: math.sqrt"), &p).unwrap();
        assert_eq!((name.as_str(), kind), ("sqrt", NameKind::Member));
        assert!(undefined_in_error_file(&at("main.go", "missing return"), &p).is_none());
        assert!(undefined_in_error_file(&at("main_test.go", "undefined: total"), &p).is_none());
    }
}
