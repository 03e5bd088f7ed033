//! Applying a [`Fix`] to a [`Program`]: byte-range edits, checked before anything changes.
//!
//! A fix is all-or-nothing: every edit is validated against the original text (file exists,
//! not protected, range in bounds and on character boundaries, no two edits overlapping) before
//! any is applied, and the result must still be a valid program ([`Program::set_file`]). Edits to
//! one file are applied from the end of the file backwards, so each edit's offsets refer to the
//! original text, exactly as a strategy computed them.

use std::collections::BTreeMap;

use crate::fix::{Edit, Fix};
use crate::program::{Program, ProgramError};

/// Why a fix could not be applied. The program is never partly changed.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("fix `{strategy}` has no edits; a fix must change something")]
    NoEdits { strategy: String },
    #[error("fix edits `{file}`, which is not one of the program's files; edits may only change existing files")]
    UnknownFile { file: String },
    #[error("fix edits `{file}`, which is protected (tests and oracles may not be changed); fix the code under test instead")]
    Protected { file: String },
    #[error("edit {start}..{end} of `{file}` is out of bounds: the file has {len} bytes")]
    OutOfBounds {
        file: String,
        start: usize,
        end: usize,
        len: usize,
    },
    #[error("edit {start}..{end} of `{file}` is not on UTF-8 character boundaries; offsets must fall between characters")]
    NotCharBoundary {
        file: String,
        start: usize,
        end: usize,
    },
    #[error("edits {first_start}..{first_end} and {second_start}..{second_end} of `{file}` overlap; a fix's edits must touch disjoint ranges")]
    Overlap {
        file: String,
        first_start: usize,
        first_end: usize,
        second_start: usize,
        second_end: usize,
    },
    #[error("the fixed program is invalid: {0}")]
    InvalidResult(#[from] ProgramError),
}

/// Applies every edit of `fix` to a copy of `program`.
pub fn apply_fix(program: &Program, fix: &Fix) -> Result<Program, ApplyError> {
    if fix.edits.is_empty() {
        return Err(ApplyError::NoEdits {
            strategy: fix.strategy.clone(),
        });
    }
    let mut by_file: BTreeMap<&str, Vec<&Edit>> = BTreeMap::new();
    for edit in &fix.edits {
        by_file.entry(edit.file.as_str()).or_default().push(edit);
    }
    let mut result = program.clone();
    for (file, mut edits) in by_file {
        if program.protected().contains(file) {
            return Err(ApplyError::Protected {
                file: file.to_string(),
            });
        }
        let Some(text) = program.files().get(file) else {
            return Err(ApplyError::UnknownFile {
                file: file.to_string(),
            });
        };
        for edit in &edits {
            check_range(file, text, edit)?;
        }
        // Sorted by start (then end), overlaps are between neighbours. Two insertions at the same
        // point are ambiguous in order, so they count as overlapping too.
        edits.sort_by_key(|e| (e.byte_start, e.byte_end));
        for pair in edits.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            if b.byte_start < a.byte_end || b.byte_start == a.byte_start {
                return Err(ApplyError::Overlap {
                    file: file.to_string(),
                    first_start: a.byte_start,
                    first_end: a.byte_end,
                    second_start: b.byte_start,
                    second_end: b.byte_end,
                });
            }
        }
        let mut new_text = text.clone();
        for edit in edits.iter().rev() {
            new_text.replace_range(edit.byte_start..edit.byte_end, &edit.replacement);
        }
        // Checked as it is set: a valid program stays valid.
        result.set_file(file, new_text)?;
    }
    Ok(result)
}

fn check_range(file: &str, text: &str, edit: &Edit) -> Result<(), ApplyError> {
    let (start, end) = (edit.byte_start, edit.byte_end);
    if start > end || end > text.len() {
        return Err(ApplyError::OutOfBounds {
            file: file.to_string(),
            start,
            end,
            len: text.len(),
        });
    }
    if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
        return Err(ApplyError::NotCharBoundary {
            file: file.to_string(),
            start,
            end,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::TargetLanguage;

    fn program() -> Program {
        Program::new(
            TargetLanguage::Rust,
            [
                (
                    "lib.rs".to_string(),
                    "fn main() {\n    let x = 1;\n}\n".to_string(),
                ),
                ("util.rs".to_string(), "pub fn é() {}\n".to_string()),
                ("tests.rs".to_string(), "#[test]\nfn t() {}\n".to_string()),
            ],
        )
        .unwrap()
        .with_protected(["tests.rs".to_string()])
        .unwrap()
    }

    fn edit(file: &str, start: usize, end: usize, text: &str) -> Edit {
        Edit {
            file: file.into(),
            byte_start: start,
            byte_end: end,
            replacement: text.into(),
        }
    }

    fn fix(edits: Vec<Edit>) -> Fix {
        Fix {
            strategy: "test".into(),
            description: "test".into(),
            confidence: 0.5,
            applicability: crate::fix::FixApplicability::Safe,
            edits,
        }
    }

    /// Why applying `edits` (one fix) to [`program`] fails.
    fn rejection(edits: Vec<Edit>) -> ApplyError {
        apply_fix(&program(), &fix(edits)).unwrap_err()
    }

    #[test]
    fn applies_several_edits_in_several_files() {
        let p = program();
        // Insert `mut ` before `x`, replace `1` by `2`, rename the function in util.rs.
        let f = fix(vec![
            edit("lib.rs", 20, 20, "mut "),
            edit("lib.rs", 24, 25, "2"),
            edit("util.rs", 7, 9, "e"),
        ]);
        let out = apply_fix(&p, &f).unwrap();
        assert_eq!(
            out.files()["lib.rs"],
            "fn main() {\n    let mut x = 2;\n}\n"
        );
        assert_eq!(out.files()["util.rs"], "pub fn e() {}\n");
        assert_eq!(out.files()["tests.rs"], p.files()["tests.rs"]);
        // The input program is untouched.
        assert_eq!(p.files()["lib.rs"], "fn main() {\n    let x = 1;\n}\n");
    }

    #[test]
    fn edit_order_in_the_fix_does_not_matter() {
        let p = program();
        let a = fix(vec![
            edit("lib.rs", 24, 25, "2"),
            edit("lib.rs", 20, 20, "mut "),
        ]);
        let b = fix(vec![
            edit("lib.rs", 20, 20, "mut "),
            edit("lib.rs", 24, 25, "2"),
        ]);
        assert_eq!(apply_fix(&p, &a).unwrap(), apply_fix(&p, &b).unwrap());
    }

    #[test]
    fn adjacent_edits_are_fine() {
        let p = program();
        let f = fix(vec![
            edit("lib.rs", 20, 21, "y"),
            edit("lib.rs", 21, 21, "z"),
        ]);
        let out = apply_fix(&p, &f).unwrap();
        assert_eq!(out.files()["lib.rs"], "fn main() {\n    let yz = 1;\n}\n");
    }

    #[test]
    fn rejects_overlapping_edits() {
        let err = rejection(vec![
            edit("lib.rs", 16, 22, "a"),
            edit("lib.rs", 20, 25, "b"),
        ]);
        assert!(
            matches!(
                err,
                ApplyError::Overlap {
                    first_start: 16,
                    second_start: 20,
                    ..
                }
            ),
            "{err}"
        );
        // Two insertions at one point: the order would be a guess.
        let err = rejection(vec![
            edit("lib.rs", 20, 20, "a"),
            edit("lib.rs", 20, 20, "b"),
        ]);
        assert!(matches!(err, ApplyError::Overlap { .. }), "{err}");
    }

    #[test]
    fn rejects_out_of_bounds_and_reversed_ranges() {
        let p = program();
        let len = p.files()["lib.rs"].len();
        let err = rejection(vec![edit("lib.rs", len, len + 1, "x")]);
        assert!(matches!(err, ApplyError::OutOfBounds { .. }), "{err}");
        assert!(err
            .to_string()
            .contains(&format!("the file has {len} bytes")));
        let err = rejection(vec![edit("lib.rs", 5, 4, "x")]);
        assert!(matches!(err, ApplyError::OutOfBounds { .. }));
        // Appending at the very end is in bounds.
        let out = apply_fix(&p, &fix(vec![edit("lib.rs", len, len, "// end\n")])).unwrap();
        assert!(out.files()["lib.rs"].ends_with("}\n// end\n"));
    }

    #[test]
    fn rejects_ranges_inside_a_character() {
        // `é` is two bytes at 7..9.
        let err = rejection(vec![edit("util.rs", 8, 9, "e")]);
        assert!(
            matches!(
                err,
                ApplyError::NotCharBoundary {
                    start: 8,
                    end: 9,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn rejects_unknown_and_protected_files() {
        let err = rejection(vec![edit("nope.rs", 0, 0, "x")]);
        assert!(matches!(err, ApplyError::UnknownFile { ref file } if file == "nope.rs"));
        let err = rejection(vec![edit("tests.rs", 0, 0, "// x\n")]);
        assert!(matches!(err, ApplyError::Protected { ref file } if file == "tests.rs"));
        // An allowed edit in the same fix does not make the protected one acceptable.
        let err = rejection(vec![
            edit("lib.rs", 0, 0, "// a\n"),
            edit("tests.rs", 0, 0, "// x\n"),
        ]);
        assert!(matches!(err, ApplyError::Protected { .. }), "{err}");
    }

    #[test]
    fn rejects_a_result_that_is_not_a_valid_program() {
        let len = program().files()["util.rs"].len();
        let err = rejection(vec![edit("util.rs", 0, len, "  \n")]);
        assert!(
            matches!(err, ApplyError::InvalidResult(ProgramError::EmptyFile(ref f)) if f == "util.rs"),
            "{err}"
        );
    }

    #[test]
    fn rejects_an_empty_fix() {
        assert!(matches!(rejection(vec![]), ApplyError::NoEdits { .. }));
    }
}
