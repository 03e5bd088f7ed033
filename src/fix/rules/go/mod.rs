//! Strategies for Go compiler and vet errors (codes from `diagnostics::go`).
//!
//! | id | errors | fix |
//! |---|---|---|
//! | `go.missing-import` | `undefined: strings` for a std package name used as `strings.X` | add the import (to the block; a single import becomes a block; one is created) |
//! | `go.import-path` | `cannot find package "unicoder"` | the closest std or GOPATH package path |
//! | `go.unused-import` | `"os" imported but not used` | remove the import line |
//! | `go.unused-variable` | `x declared but not used` | `:=` → `=` when `x` already exists, rename to `_`, delete the declaration, or `_ = x` |
//! | `go.define-assign` | `no new variables on left side of :=`, `non-name … on left side of :=`, `undefined: x` at `x = …` | `:=` ↔ `=`, `:=` → `==` in conditions |
//! | `go.missing-return` | `missing return` | `return` of the result types' zero values |
//! | `go.type-conversion` | `cannot use x (… type S) as T value`, `(mismatched types S and T)` | `T(x)`, `string(r)`, `strconv.Itoa(x)` |
//! | `go.exported-name` | `sqrt not declared by package math` | `math.Sqrt` |
//! | `go.foreign-type` | `undefined: double` (and `long`, `boolean`, `String`, `char`, …) | the Go type |
//! | `go.builtin-helper` | `undefined: min` / `max` / `abs` (Go before 1.21) | define the helper function |
//! | `go.make-builtin` | `undefined: f` called as `f([]int, n)` | `make` |
//! | `go.expected-token` | `expected 'X', found 'Y'`, `syntax error: unexpected Y, expecting X` | substitute or insert X |
//! | `go.uncomment-definition` | `undefined: x` with `// x := …` or `/* … */` defining it earlier | uncomment it |
//! | `go.keyword-name` | syntax errors at `var := …` | rename the keyword used as a variable |
//! | `go.untyped-parameters` | `undefined: a` for a bare word of a parameter list (`func f(a, b) float64`) | the parameters typed from the calls' arguments (else the result type, `int`); the body's undeclared names added when the calls pass more arguments |
//! | `go.undeclared-variable` | `undefined: p` where `p` is assigned (`for p = 1; …`) | `var p int` (every assigned, undeclared name, by type) at the top of the function |
//! | `go.parameter-name` | `undefined: k` read in a function with a parameter its body never uses | every `k` of the function renamed to that parameter (of a fitting type) |
//! | `go.stuttered-name` | `undefined: anskkkkk` where a declared name (`ans`) is followed by one character repeated | the declared name |
//! | `go.slice-length` | panic `index out of range [I] with length L` | the allocation of the indexed slice or array lengthened to fit (`make([]int, n)` → `make([]int, n+1)`) |
//! | `go.placeholder-body` | failing tests, panics, timeouts with a function whose whole body returns zero values | the `return` of small expressions over its parameters, typed by its results (every parameter read first) |
//! | `go.commented-code` | syntax errors, test failures, timeouts, panics | uncomment code cut off by a trailing comment (`x := o[i] // + 1`) |

#[allow(unused_imports)]
use crate::fix::text::*;
use crate::fix::{Edit, Fix};
use crate::fix::{FixApplicability, Rule, RuleMeta};
use crate::lang::go::*;
use crate::program::Program;
use crate::types::{CodeError, Location, TargetLanguage};

pub(crate) mod builtin_helper;
pub(crate) mod commented_code;
pub(crate) mod define_assign;
pub(crate) mod expected_token;
pub(crate) mod exported_name;
pub(crate) mod foreign_type;
pub(crate) mod import_path;
pub(crate) mod integer_division;
pub(crate) mod keyword_name;
pub(crate) mod make_builtin;
pub(crate) mod missing_constant;
pub(crate) mod missing_field;
pub(crate) mod missing_function;
pub(crate) mod missing_import;
pub(crate) mod missing_method;
pub(crate) mod missing_return;
pub(crate) mod operand_conversion;
pub(crate) mod parameter_name;
pub(crate) mod placeholder_body;
pub(crate) mod scope;
pub(crate) mod slice_length;
pub(crate) mod stuttered_name;
#[cfg(test)]
mod testing;
#[cfg(test)]
mod tests;
pub(crate) mod type_conversion;
pub(crate) mod uncomment_definition;
pub(crate) mod undeclared_variable;
pub(crate) mod untyped_parameters;
pub(crate) mod unused_import;
pub(crate) mod unused_variable;

/// [`error_file`] and the error's line in it: where the line starts and its text.
pub(crate) fn error_line<'a>(
    error: &'a CodeError,
    program: &'a Program,
) -> Option<(&'a Location, &'a str, (usize, &'a str))> {
    let (loc, text) = error_file(error, program)?;
    Some((loc, text, line_text(text, loc.line)?))
}

/// The text of line `line` and where it starts.
pub(crate) fn line_text(text: &str, line: u32) -> Option<(usize, &str)> {
    let (s, e) = line_bounds(text, line)?;
    Some((s, &text[s..e]))
}

/// The whole line `line` including its newline, as a byte range (for deletion).
pub(crate) fn full_line(text: &str, line: u32) -> Option<(usize, usize)> {
    let (s, e) = line_bounds(text, line)?;
    let end = if text[e..].starts_with("\r\n") {
        e + 2
    } else if text[e..].starts_with('\n') {
        e + 1
    } else {
        e
    };
    Some((s, end))
}

pub(crate) fn indentation(line: &str) -> &str {
    &line[..line.len() - line.trim_start().len()]
}

/// The edit that imports `path` into a Go file.
pub(crate) fn add_import(text: &str, file: &str, path: &str) -> Option<Edit> {
    let quoted = format!("\"{path}\"");
    let mut offset = 0usize;
    let mut package_end = None;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if t.starts_with("package ") && package_end.is_none() {
            package_end = Some(offset + line.len());
        }
        if t.starts_with("import (") || t == "import(" {
            // In the block's first group (the standard library's, as gofmt and goimports
            // lay it out), in sorted order: before the first import whose path sorts after.
            let open_end = offset + line.len();
            let mut at = open_end;
            for l in text[open_end..].split_inclusive('\n') {
                let lt = l.trim();
                let goes_before = import_path(lt).is_some_and(|p| p > path);
                if lt == ")" || lt.is_empty() || goes_before {
                    return Some(edit(file, at, at, format!("\t{quoted}\n")));
                }
                at += l.len();
            }
            return Some(edit(file, open_end, open_end, format!("\t{quoted}\n")));
        }
        if let Some(rest) = t.strip_prefix("import ") {
            // `import "fmt"` or `import f "fmt"`: becomes a block holding both, sorted.
            let body = rest.trim();
            let line_end = offset + line.trim_end_matches(['\n', '\r']).len();
            let start = offset + indentation(line).len();
            let (first, second) = if import_path(body).is_some_and(|p| p > path) {
                (quoted.as_str(), body)
            } else {
                (body, quoted.as_str())
            };
            return Some(edit(
                file,
                start,
                line_end,
                format!("import (\n\t{first}\n\t{second}\n)"),
            ));
        }
        if t.starts_with("func ")
            || t.starts_with("type ")
            || t.starts_with("var ")
            || t.starts_with("const ")
        {
            break;
        }
        offset += line.len();
    }
    let at = package_end?;
    Some(edit(file, at, at, format!("\nimport (\n\t{quoted}\n)\n")))
}

/// The path of an import spec (`"fmt"`, `f "fmt"`, `_ "embed"`), without its quotes.
pub(crate) fn import_path(spec: &str) -> Option<&str> {
    let start = spec.find('"')? + 1;
    let end = start + spec[start..].find('"')?;
    Some(&spec[start..end])
}

/// Byte offset of the `:=` on a line (outside strings), if any.
pub(crate) fn define_op(line: &str) -> Option<usize> {
    let mut in_str = None;
    let bytes = line.as_bytes();
    let mut i = 0;
    while i + 1 < bytes.len() {
        match (in_str, bytes[i]) {
            (Some(q), b) if b == q => in_str = None,
            (Some(_), b'\\') => i += 1,
            (Some(_), _) => {}
            (None, b'"' | b'\'' | b'`') => in_str = Some(bytes[i]),
            (None, b'/') if bytes[i + 1] == b'/' => return None,
            (None, b':') if bytes[i + 1] == b'=' => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod import_insertion_tests {
    use super::*;

    fn insert(src: &str, path: &str) -> String {
        let e = add_import(src, "main.go", path).unwrap();
        format!(
            "{}{}{}",
            &src[..e.byte_start],
            e.replacement,
            &src[e.byte_end..]
        )
    }

    #[test]
    fn imports_are_inserted_in_sorted_order_in_the_first_group() {
        let block = "package main\n\nimport (\n\t\"fmt\"\n\t\"strings\"\n\n\t\"github.com/x/y\"\n)\n\nfunc main() {}\n";
        assert_eq!(
            insert(block, "os"),
            "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n\t\"strings\"\n\n\t\"github.com/x/y\"\n)\n\nfunc main() {}\n"
        );
        assert_eq!(
            insert(block, "bufio"),
            "package main\n\nimport (\n\t\"bufio\"\n\t\"fmt\"\n\t\"strings\"\n\n\t\"github.com/x/y\"\n)\n\nfunc main() {}\n"
        );
        // Last of its group, before the blank line, not after the third-party group.
        assert_eq!(
            insert(block, "unicode"),
            "package main\n\nimport (\n\t\"fmt\"\n\t\"strings\"\n\t\"unicode\"\n\n\t\"github.com/x/y\"\n)\n\nfunc main() {}\n"
        );
        assert_eq!(
            insert("package main\n\nimport \"strings\"\n", "fmt"),
            "package main\n\nimport (\n\t\"fmt\"\n\t\"strings\"\n)\n"
        );
        assert_eq!(
            insert("package main\n\nimport \"fmt\"\n", "strings"),
            "package main\n\nimport (\n\t\"fmt\"\n\t\"strings\"\n)\n"
        );
        assert_eq!(import_path("f \"fmt\""), Some("fmt"));
    }
}
