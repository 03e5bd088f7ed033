//! Keeping a formatter's output only where the heal changed the program.
//!
//! Two line diffs: original → healed says which lines of the healed text the heal wrote;
//! healed → formatted says what the formatter would change. A formatter hunk is kept when it
//! touches a line the heal wrote, and dropped otherwise, so every line the heal did not touch
//! stays byte for byte as it was.

use similar::{Algorithm, DiffOp, TextDiff};

/// For each line of `healed`: whether the heal wrote it (inserted or replaced it) relative to
/// `original`. Lines the heal only deleted leave no mark: nothing of them is left to format.
pub fn changed_lines(original: &str, healed: &str) -> Vec<bool> {
    let diff = TextDiff::from_lines(original, healed);
    let mut changed = vec![false; healed.split_inclusive('\n').count()];
    for op in diff.ops() {
        match *op {
            DiffOp::Insert {
                new_index, new_len, ..
            }
            | DiffOp::Replace {
                new_index, new_len, ..
            } => {
                for mark in changed.iter_mut().skip(new_index).take(new_len) {
                    *mark = true;
                }
            }
            DiffOp::Equal { .. } | DiffOp::Delete { .. } => {}
        }
    }
    changed
}

/// `healed` with the formatter's changes (`formatted` is all of `healed`, formatted) applied
/// only where they touch a line the heal wrote (see [`changed_lines`]). The two texts are
/// aligned line by line ignoring whitespace, so a line the formatter only re-spaced is paired
/// with its formatted form:
///
/// - a paired line gets its formatted form when the heal wrote it, else keeps its own;
/// - a hunk rewriting as many lines as it replaces is paired line by line the same way;
/// - lines the formatter only inserts (blank lines) are taken next to a written line;
/// - any other hunk (lines joined, split or removed) is taken whole when it touches a written
///   line, else not at all.
pub fn keep_changed_regions(original: &str, healed: &str, formatted: &str) -> String {
    let changed = changed_lines(original, healed);
    let is_changed = |i: usize| changed.get(i).copied().unwrap_or(false);
    let old: Vec<&str> = healed.split_inclusive('\n').collect();
    let new: Vec<&str> = formatted.split_inclusive('\n').collect();
    let key = |line: &&str| -> String { line.chars().filter(|c| !c.is_whitespace()).collect() };
    let old_keys: Vec<String> = old.iter().map(key).collect();
    let new_keys: Vec<String> = new.iter().map(key).collect();
    let ops = similar::capture_diff_slices(Algorithm::Myers, &old_keys, &new_keys);
    let mut out = String::with_capacity(formatted.len().max(healed.len()));
    let mut push = |lines: &[&str]| lines.iter().for_each(|l| out.push_str(l));
    for op in ops {
        match op {
            DiffOp::Equal {
                old_index,
                new_index,
                len,
            } => {
                for i in 0..len {
                    let line = if is_changed(old_index + i) {
                        new[new_index + i]
                    } else {
                        old[old_index + i]
                    };
                    push(&[line]);
                }
            }
            DiffOp::Delete {
                old_index, old_len, ..
            } => {
                if !(old_index..old_index + old_len).any(is_changed) {
                    push(&old[old_index..old_index + old_len]);
                }
            }
            DiffOp::Insert {
                old_index,
                new_index,
                new_len,
            } => {
                let beside_written =
                    is_changed(old_index) || old_index.checked_sub(1).is_some_and(is_changed);
                if beside_written {
                    push(&new[new_index..new_index + new_len]);
                }
            }
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                if old_len == new_len {
                    // As many lines out as in: each line rewritten on its own (quotes, commas).
                    for i in 0..old_len {
                        let line = if is_changed(old_index + i) {
                            new[new_index + i]
                        } else {
                            old[old_index + i]
                        };
                        push(&[line]);
                    }
                } else if (old_index..old_index + old_len).any(is_changed) {
                    push(&new[new_index..new_index + new_len]);
                } else {
                    push(&old[old_index..old_index + old_len]);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each row: what it shows, then the original, the healed and the formatted text, and the
    /// text that keeps the formatting of the written lines only.
    const KEPT_REGIONS: &[(&str, &str, &str, &str, &str)] = &[
        (
            "an untouched misformatted line stays while the written one is formatted",
            "fn a( ) {  }\nfn b() {\n    let x=1;\n}\n",
            "fn a( ) {  }\nfn b() {\n    let x=1;\n    let y=x+1;\n}\n",
            "fn a() {}\nfn b() {\n    let x = 1;\n    let y = x + 1;\n}\n",
            "fn a( ) {  }\nfn b() {\n    let x=1;\n    let y = x + 1;\n}\n",
        ),
        (
            "a written line split by the formatter is taken whole",
            "x = 1\ny=2\n",
            "x = 1\ny=2\nz = f(aaaa, bbbb)\n",
            "x = 1\ny = 2\nz = f(\n    aaaa,\n    bbbb,\n)\n",
            "x = 1\ny=2\nz = f(\n    aaaa,\n    bbbb,\n)\n",
        ),
        (
            "a blank line inserted beside a written function is kept, elsewhere not",
            "a=1\nb=2\n",
            "a=1\nb=2\ndef f():\n    return 1\n",
            "a = 1\n\nb = 2\n\n\ndef f():\n    return 1\n",
            "a=1\nb=2\n\n\ndef f():\n    return 1\n",
        ),
        (
            "rewritten neighbours are paired line by line",
            "a = 'x'\nb = 'y'\n",
            "a = 'x'\nb = 'z'\n",
            "a = \"x\"\nb = \"z\"\n",
            "a = 'x'\nb = \"z\"\n",
        ),
        (
            "nothing written means nothing formatted",
            "fn a( ) {  }\n",
            "fn a( ) {  }\n",
            "fn a() {}\n",
            "fn a( ) {  }\n",
        ),
    ];

    #[test]
    fn only_the_written_lines_take_the_formatting() {
        for (case, original, healed, formatted, expected) in KEPT_REGIONS {
            assert_eq!(
                keep_changed_regions(original, healed, formatted),
                *expected,
                "{case}"
            );
        }
    }

    #[test]
    fn changed_lines_mark_inserted_and_replaced_lines_only() {
        assert_eq!(
            changed_lines("a\nb\nc\n", "a\nB\nc\nd\n"),
            vec![false, true, false, true]
        );
        assert_eq!(changed_lines("a\nb\n", "a\n"), vec![false]);
    }
}
