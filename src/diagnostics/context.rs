//! Source context around an error: the lines a person (or a model) needs to see.

use crate::program::Program;
use crate::types::CodeError;

/// Lines shown before and after the error line.
const CONTEXT_RADIUS: u32 = 2;

/// The lines `line - radius ..= line + radius` of `text`, each prefixed by its 1-based number.
pub fn context_lines(text: &str, line: u32, radius: u32) -> Option<String> {
    if line == 0 {
        return None;
    }
    let first = line.saturating_sub(radius).max(1);
    let last = line.saturating_add(radius);
    let mut out = String::new();
    for (index, content) in text.lines().enumerate() {
        let number = u32::try_from(index + 1).ok()?;
        if number < first {
            continue;
        }
        if number > last {
            break;
        }
        let marker = if number == line { '>' } else { ' ' };
        out.push_str(&format!("{marker}{number:>5} | {content}\n"));
    }
    (!out.is_empty()).then_some(out)
}

/// Fills `context` for every error that has a location in one of the program's files.
pub fn add_context(errors: &mut [CodeError], program: &Program) {
    for error in errors.iter_mut().filter(|e| e.context.is_none()) {
        if let Some(loc) = &error.location {
            if let Some(text) = program.files().get(&loc.file) {
                error.context = context_lines(text, loc.line, CONTEXT_RADIUS);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_the_error_line() {
        let text = "a\nb\nc\nd\ne\nf\n";
        assert_eq!(
            context_lines(text, 3, 1).unwrap(),
            "     2 | b\n>    3 | c\n     4 | d\n"
        );
        assert_eq!(
            context_lines(text, 1, 1).unwrap(),
            ">    1 | a\n     2 | b\n"
        );
        assert!(context_lines(text, 0, 1).is_none());
        assert!(context_lines(text, 40, 1).is_none());
    }
}
