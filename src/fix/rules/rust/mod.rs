//! Strategies for rustc errors.
//!
//! | id | errors | fix |
//! |---|---|---|
//! | `rust.missing-import` | E0412/E0425/E0433/E0422/E0405/E0423/E0531 naming a std (or `rand`/`regex`) item | `use path;` after the file's `use` lines ([`tables/rust_std.txt`](../tables/rust_std.txt)) |
//! | `rust.missing-mut` | E0384/E0596/E0594 | `mut` at the binding (or `&mut` in a parameter type) |
//! | `rust.type-conversion` | E0308 | `.to_string()`, `&`, `*`, `as T`, `Some(…)`, `.unwrap()`, `.clone()`, `.into()`, float/int literals |
//! | `rust.method-misname` | E0599 | `len` for `size`/`length`, `push` for `append`, …; `.iter()` before iterator methods on collections |
//! | `rust.function-to-method` | E0425 on a known method name | `round(x)` → `x.round()` |
//! | `rust.expected-token` | parser errors "expected `X`, found `Y`", "expected one of …", "unexpected `==`", "missing `in` in `for` loop" | insert or substitute the expected token |
//! | `rust.foreign-syntax` | parser errors | other languages' keywords (`import`, `func`, `elif`, `foreach`, `set`/`var`, `do`), `vec[…]`, `# comments`, `use a:b` |
//! | `rust.clone-moved` | E0382, E0502/E0499/E0505/E0506 | `.clone()` at the move or borrow site the notes point at |
//! | `rust.uncomment-definition` | E0425 | uncomment `// let x = …` written before the use |
//! | `rust.commented-code` | parser errors, test failures, timeouts | uncomment code cut off by a trailing comment (`if d // < t {`) |

#[allow(unused_imports)]
use crate::fix::text::*;
use crate::fix::{Edit, Fix};
use crate::fix::{ErrorKind, FixApplicability, Rule, RuleMeta};
use crate::lang::builtins::builtin_members;
use crate::lang::rust::*;
use crate::program::Program;
use crate::types::{CodeError, ErrorType, Location, TargetLanguage};

pub(crate) mod clone_moved;
pub(crate) mod commented_code;
pub(crate) mod expected_token;
pub(crate) mod foreign_syntax;
pub(crate) mod function_to_method;
pub(crate) mod method_misname;
pub(crate) mod missing_constant;
pub(crate) mod missing_derive;
pub(crate) mod missing_field;
pub(crate) mod missing_function;
pub(crate) mod missing_import;
pub(crate) mod missing_method;
pub(crate) mod missing_mut;
pub(crate) mod missing_variant;
pub(crate) mod operand_cast;
#[cfg(test)]
mod tests;
pub(crate) mod type_conversion;
pub(crate) mod typed_conversion;
pub(crate) mod uncomment_definition;

/// The editable file an error points at, its text, and the byte offset of the error's line
/// and column in it.
pub(crate) fn error_offset<'a>(
    error: &'a CodeError,
    program: &'a Program,
) -> Option<(&'a Location, &'a str, usize)> {
    let (loc, text) = error_file(error, program)?;
    let at = line_col_to_byte(text, loc.line, loc.column)?;
    Some((loc, text, at))
}

/// [`undefined_in_error_file`] and the byte offset of the name on the error's line, nearest the
/// error's column.
pub(crate) fn undefined_on_line<'a>(
    error: &'a CodeError,
    program: &'a Program,
) -> Option<(&'a Location, &'a str, String, usize)> {
    let (loc, text, name, _) = undefined_in_error_file(error, program)?;
    let pos = find_word_on_line(text, loc.line, loc.column, &name)?;
    Some((loc, text, name, pos))
}

/// For each byte: true when it is code, false inside comments and string/char literals.
pub(crate) fn code_mask(text: &str) -> Vec<bool> {
    let bytes = text.as_bytes();
    let mut mask = vec![true; bytes.len()];
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let end = match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                text[i..].find('\n').map_or(bytes.len(), |n| i + n)
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => text[i + 2..]
                .find("*/")
                .map_or(bytes.len(), |n| i + 2 + n + 2),
            b'"' | b'`' => {
                let quote = bytes[i];
                let mut j = i + 1;
                while j < bytes.len() && bytes[j] != quote {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                (j + 1).min(bytes.len())
            }
            b'\'' => {
                if bytes.get(i + 1) == Some(&b'\\') {
                    text[i + 2..].find('\'').map_or(i + 1, |n| i + 2 + n + 1)
                } else {
                    let len = text[i + 1..].chars().next().map_or(0, char::len_utf8);
                    if len > 0 && bytes.get(i + 1 + len) == Some(&b'\'') {
                        i + len + 2
                    } else {
                        i + 1
                    }
                }
            }
            _ => {
                i += 1;
                continue;
            }
        };
        let end = end.max(start + 1).min(bytes.len());
        // A lifetime tick (`'a`) stays code.
        if !(bytes[start] == b'\'' && end == start + 1) {
            for m in &mut mask[start..end] {
                *m = false;
            }
        }
        i = end;
    }
    mask
}
