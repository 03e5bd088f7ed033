//! `rust.expected-token`: inserts or substitutes the token a parser error says it expected.
//! Answers: parser errors "expected `X`, found `Y`", "expected one of …", "unexpected `==`",
//! "missing `in` in `for` loop". Fix: insert or substitute the expected token.
//!
//! Why it is safe: rustc names the exact problem at this position; the fix changes only what the
//! message points at, and the heal loop validates it before keeping it.
//!
//! Example:
//!
//! ```text
//! let x = 1
//! let y = 2;
//! ```
//!
//! becomes
//!
//! ```text
//! let x = 1;
//! let y = 2;
//! ```

use super::*;

/// `let x == 1`: the parser stopped at a comparison where a `let` assigns.
const ASSIGN_NOT_COMPARE: f64 = 0.65;
/// The same slip fixed everywhere in the file: stronger than one occurrence.
const EVERY_OCCURRENCE: f64 = 0.7;
/// `for cond {`: a condition loop is `while`.
const WHILE_NOT_FOR: f64 = 0.6;
/// A bare `in` inserted: the loop's pattern may be wrong too.
const INSERT_IN: f64 = 0.3;
/// Every `;` right before a condition's block, removed.
const EVERY_STRAY_SEMICOLON: f64 = 0.65;
/// A token the parser did not expect where nothing is expected.
const REMOVE_STRAY: f64 = 0.6;
/// The parser expected exactly one token: insert or substitute it.
const ONE_EXPECTED: f64 = 0.55;
/// The parser expected one of several: each a guess.
const SEVERAL_EXPECTED: f64 = 0.45;
/// Each later expected token, in the parser's order, a little less likely.
const RANK_STEP: f64 = 0.08;
/// A punctuation token where another was expected: substituting beats inserting.
const REPLACE_BONUS: f64 = 0.05;

/// Inserts or substitutes the token a parser error says it expected.
pub struct ExpectedToken;

impl Rule for ExpectedToken {
    const META: RuleMeta = RuleMeta::new("rust.expected-token", FixApplicability::Likely)
        .language(TargetLanguage::Rust)
        .kinds(&[ErrorKind::Syntax]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some((loc, text, at)) = error_offset(error, program) else {
            return Vec::new();
        };
        let file = loc.file.as_str();
        let msg = error.message.as_str();
        let mut fixes = Vec::new();
        if let Some(tok) = msg
            .strip_prefix("unexpected `")
            .and_then(|r| r.strip_suffix('`'))
        {
            if tok == "==" && text[at..].starts_with("==") {
                fixes.push(fix(
                    Self::META.id,
                    "assign with `=` instead of comparing with `==`".into(),
                    ASSIGN_NOT_COMPARE,
                    vec![edit(file, at, at + 2, "=")],
                ));
                fixes.extend(every_let_comparison(Self::META.id, text, file));
            }
            return fixes;
        }
        if msg.starts_with("missing `in` in `for` loop") && text[at..].starts_with(';') {
            // `for i; in 0..n`: a stray `;` (in every such loop of the file).
            let edits: Vec<Edit> = text
                .match_indices("; in ")
                .filter(|(p, _)| {
                    line_bounds(text, crate::fix::text::line_of(text, *p))
                        .is_some_and(|(ls, _)| text[ls..*p].trim_start().starts_with("for "))
                })
                .map(|(p, _)| edit(file, p, p + 1, ""))
                .collect();
            fixes.push(fix(
                Self::META.id,
                "remove the stray `;` before `in`".into(),
                EVERY_OCCURRENCE,
                edits,
            ));
            return fixes;
        }
        if msg.starts_with("missing `in` in `for` loop") {
            // `for cond {` is a `while` loop written with the wrong keyword.
            if let Some((ls, le)) = line_bounds(text, loc.line) {
                if let Some(f) = text[ls..le].find("for ") {
                    let p = ls + f;
                    fixes.push(fix(
                        Self::META.id,
                        "a condition loop is `while`, not `for`".into(),
                        WHILE_NOT_FOR,
                        vec![edit(file, p, p + 3, "while")],
                    ));
                }
            }
            fixes.push(fix(
                Self::META.id,
                "insert the missing `in`".into(),
                INSERT_IN,
                vec![edit(file, at, at, " in")],
            ));
            return fixes;
        }
        let Some(rest) = msg.strip_prefix("expected ") else {
            return fixes;
        };
        let Some((expected_part, found_part)) = rest.split_once(", found ") else {
            return fixes;
        };
        let found = backticked(found_part).first().copied().unwrap_or("");
        let expected: Vec<&str> = backticked(expected_part);
        if expected.is_empty() {
            return fixes;
        }
        let found_here = !found.is_empty() && text[at..].starts_with(found);
        if found == "==" && found_here {
            fixes.extend(every_let_comparison(Self::META.id, text, file));
        }
        // `if c == '(';{` on several lines: every `;` right before a block's `{` in a condition.
        if found == ";" && expected == ["{"] && found_here {
            let mask = code_mask(text);
            let mut all = Vec::new();
            for (p, _) in text.match_indices(';') {
                let rest = &text[p + 1..];
                let line = line_bounds(text, crate::fix::text::line_of(text, p))
                    .map_or("", |(ls, le)| &text[ls..le]);
                let t = line.trim_start();
                if mask[p]
                    && rest.trim_start_matches([' ', '\t']).starts_with('{')
                    && ["if ", "while ", "} else if ", "else if "]
                        .iter()
                        .any(|k| t.starts_with(k))
                {
                    all.push(edit(file, p, p + 1, ""));
                }
            }
            if all.len() > 1 {
                fixes.push(fix(
                    Self::META.id,
                    "remove every stray `;` before a block".into(),
                    EVERY_STRAY_SEMICOLON,
                    all,
                ));
            }
        }
        // `if c == '(';{`: a stray token right before the expected one.
        if found_here
            && expected.len() == 1
            && text[at + found.len()..]
                .trim_start()
                .starts_with(expected[0])
        {
            fixes.push(fix(
                Self::META.id,
                format!("remove the stray `{found}`"),
                REMOVE_STRAY,
                vec![edit(file, at, at + found.len(), "")],
            ));
        }
        // Tokens worth proposing, most plausible first.
        const ORDER: &[&str] = &[
            ";", ":", ",", "=", ")", "]", "}", "=>", "::", "in", "{", "(", "|", "->",
        ];
        let mut candidates: Vec<&str> = expected
            .iter()
            .copied()
            .filter(|t| ORDER.contains(t))
            .collect();
        candidates.sort_by_key(|t| ORDER.iter().position(|o| o == t));
        for (rank, tok) in candidates.iter().take(3).enumerate() {
            let base = if expected.len() == 1 {
                ONE_EXPECTED
            } else {
                SEVERAL_EXPECTED
            } - RANK_STEP * rank as f64;
            let is_punct = !found.chars().next().is_some_and(is_ident_char);
            if found_here && is_punct && found != *tok {
                fixes.push(fix(
                    Self::META.id,
                    format!("replace `{found}` by the expected `{tok}`"),
                    base + REPLACE_BONUS,
                    vec![edit(file, at, at + found.len(), *tok)],
                ));
            }
            let spaced =
                if tok.chars().all(is_ident_char) || ["=", "->", "=>", ":", ","].contains(tok) {
                    format!("{tok} ")
                } else {
                    tok.to_string()
                };
            // Insert right after the previous token, so `a f64` becomes `a: f64`.
            let prev_end = text[..at].trim_end().len();
            let insert_at = if *tok == ":" || *tok == ";" || *tok == "," {
                prev_end
            } else {
                at
            };
            let replacement = if insert_at == prev_end && insert_at < at {
                tok.to_string()
            } else {
                spaced
            };
            fixes.push(fix(
                Self::META.id,
                format!("insert the expected `{tok}`"),
                base,
                vec![edit(file, insert_at, insert_at, replacement)],
            ));
        }
        fixes
    }
}

/// Backticked tokens in order of appearance.
pub(crate) fn backticked(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// One fix for every `let … ==` of the file at once, when there is more than one.
fn every_let_comparison(id: &str, text: &str, file: &str) -> Option<Fix> {
    let all = let_comparisons(text, file);
    (all.len() > 1).then(|| {
        fix(
            id,
            "assign with `=` in every `let … ==`".into(),
            EVERY_OCCURRENCE,
            all,
        )
    })
}

/// Every `let pattern == value;` (or `const`/`static`), and every statement `place == value;`
/// whose comparison result is thrown away, in the file, as `==` → `=` edits.
pub(crate) fn let_comparisons(text: &str, file: &str) -> Vec<Edit> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if let Some(i) = line.find(" == ") {
            let lhs = line[..i].trim();
            let declaration = ["let ", "const ", "static "]
                .iter()
                .any(|k| t.starts_with(k))
                && !lhs.contains('=');
            // `highest == highest.max(s);`: a place on the left, nothing else on the line.
            let statement = t.ends_with(';')
                && !lhs.is_empty()
                && lhs.chars().all(|c| is_ident_char(c) || "[]. *".contains(c))
                && !lhs
                    .split_whitespace()
                    .any(|w| ["if", "while", "return", "match", "let", "else"].contains(&w))
                && !line[i + 4..].contains(" == ");
            if declaration || statement {
                out.push(edit(file, offset + i + 1, offset + i + 3, "="));
            }
        }
        offset += line.len();
    }
    out
}
