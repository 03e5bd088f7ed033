//! `python.indentation`: `IndentationError`/`TabError`: the line re-indented to an enclosing level,
//! tabs expanded, a missing block body given `pass`.
//!
//! Why it is safe: the interpreter rejects the indentation; only leading whitespace (or an empty
//! body) changes.
//!
//! Example:
//!
//! ```text
//! def f():
//! return 1
//! ```
//!
//! becomes
//!
//! ```text
//! def f():
//!     return 1
//! ```

use super::*;

/// Tabs mixed with spaces: a tab as 4 spaces is the usual editor setting.
const TAB_AS_FOUR: f64 = 0.55;
/// A tab as 8 spaces: Python 2's rule, still some editors' default.
const TAB_AS_EIGHT: f64 = 0.45;
/// A line after a block header, not indented: it belongs in the block.
const INDENT_INTO_BLOCK: f64 = 0.6;
/// The following lines at the same level, indented with it: more edits, more risk.
const INDENT_FOLLOWING: f64 = 0.45;
/// An empty body: the header's code may have been lost, not just unwritten.
const PASS_BODY: f64 = 0.3;
/// An unexpected indent: the previous line's level is the usual intent.
const DEDENT_TO_PREVIOUS: f64 = 0.55;
/// The block starting there dedented with it.
const DEDENT_BLOCK: f64 = 0.45;
/// An enclosing block's level: one of several.
const DEDENT_TO_ENCLOSING: f64 = 0.35;
/// An unindent that matches no level: the nearest enclosing block's.
const ALIGN_ENCLOSING: f64 = 0.55;
/// The next enclosing block: clearly less likely.
const RANK_STEP: f64 = 0.15;

pub(crate) fn indentation(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    let msg = message(error);
    let code = error.code.as_deref().unwrap_or("");
    let tab = code == "TabError" || msg.contains("inconsistent use of tabs");
    let indent_error = code == "IndentationError" || tab || msg.contains("indent");
    let Some(t) = target_if(indent_error, error, program) else {
        return Vec::new();
    };
    let mut fixes = Fixes::new(id);
    let src = t.text;
    if tab {
        for width in [4usize, 8] {
            let fixed = expand_leading_tabs(src, width);
            if fixed != src {
                fixes.replace(
                    if width == 4 {
                        TAB_AS_FOUR
                    } else {
                        TAB_AS_EIGHT
                    },
                    format!("indent with spaces (a tab as {width})"),
                    t.file,
                    0,
                    src.len(),
                    &fixed,
                );
            }
        }
        return fixes.done();
    }
    let unit = indent_unit(src);
    let lines = &t.lines;
    let line = t.line;
    let (ls, _) = lines.range(src, line);
    let cur = indent_of(src, lines, line);
    // The error's line re-indented to `to`.
    let reindent = |fixes: &mut Fixes<'_>, confidence: f64, description: String, to: &str| {
        fixes.replace(confidence, description, t.file, ls, ls + cur.len(), to);
    };
    let prev = (1..line).rev().find(|&l| is_code_line(src, lines, l));
    if msg.contains("expected an indented block") {
        // The header is on the named line or the previous code line; its body goes one level in.
        let header = header_line(msg)
            .or(prev)
            .unwrap_or(line.saturating_sub(1).max(1));
        let want = format!("{}{unit}", indent_of(src, lines, header));
        if indent_width(&cur) < indent_width(&want) {
            let description = format!("indent line {line} into the block");
            reindent(&mut fixes, INDENT_INTO_BLOCK, description, &want);
            // The whole run of lines at the same indentation, when the block had several.
            let edits: Vec<_> = indented_run(src, lines, line, &cur, true)
                .into_iter()
                .map(|(s, ind)| edit(t.file, s, s + ind.len(), &want))
                .collect();
            if edits.len() > 1 {
                fixes.push(
                    INDENT_FOLLOWING,
                    format!("indent lines {line}.. into the block"),
                    edits,
                );
            }
        }
        // A header with nothing to put in it.
        let (_, he) = lines.range(src, header);
        fixes.push(
            PASS_BODY,
            format!("give the block on line {header} a `pass` body"),
            vec![edit(t.file, he, he, format!("\n{want}pass"))],
        );
    } else if msg.contains("unexpected indent") {
        let levels = enclosing_levels(src, lines, line);
        if let Some(p) = prev {
            let want = indent_of(src, lines, p);
            let description = format!("dedent line {line} to the previous line's level");
            reindent(&mut fixes, DEDENT_TO_PREVIOUS, description, &want);
            // The following lines that share the wrong indentation move with it.
            let edits: Vec<_> = indented_run(src, lines, line, &cur, false)
                .into_iter()
                .map(|(s, ind)| {
                    let keep = &ind[cur.len().min(ind.len())..];
                    edit(t.file, s, s + ind.len(), format!("{want}{keep}"))
                })
                .collect();
            if edits.len() > 1 {
                fixes.push(
                    DEDENT_BLOCK,
                    format!("dedent the block starting at line {line}"),
                    edits,
                );
            }
        }
        for level in levels.iter().rev().take(2) {
            reindent(
                &mut fixes,
                DEDENT_TO_ENCLOSING,
                format!("dedent line {line}"),
                level,
            );
        }
    } else if msg.contains("unindent does not match") || msg.contains("does not match any outer") {
        let levels = enclosing_levels(src, lines, line);
        let width = indent_width(&cur);
        let mut ranked: Vec<&String> = levels.iter().collect();
        // An unindent goes left: levels below the current width first, nearest first.
        ranked.sort_by_key(|l| {
            (
                indent_width(l) > width,
                indent_width(l).abs_diff(width),
                usize::MAX - indent_width(l),
            )
        });
        for (k, level) in ranked.into_iter().take(2).enumerate() {
            let confidence = ALIGN_ENCLOSING - RANK_STEP * k as f64;
            let description = format!("align line {line} with the enclosing block");
            reindent(&mut fixes, confidence, description, level);
        }
    }
    fixes.done()
}

/// The code lines from `line` on that are indented at least as deep as `cur` (and, when
/// `same_level`, exactly as `cur` after the first), up to the first that is not: each line's
/// start and indentation.
fn indented_run(
    src: &str,
    lines: &LineIndex,
    line: usize,
    cur: &str,
    same_level: bool,
) -> Vec<(usize, String)> {
    let mut run = Vec::new();
    for l in line..=lines.count() {
        if !is_code_line(src, lines, l) {
            continue;
        }
        let ind = indent_of(src, lines, l);
        if indent_width(&ind) < indent_width(cur) || (same_level && l > line && ind != cur) {
            break;
        }
        let (s, _) = lines.range(src, l);
        run.push((s, ind));
    }
    run
}

pub(crate) fn header_line(msg: &str) -> Option<usize> {
    let rest = &msg[msg.find("on line ")? + "on line ".len()..];
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// The indentation levels open at `line`: each previous code line less indented than the
/// levels after it.
pub(crate) fn enclosing_levels(src: &str, lines: &LineIndex, line: usize) -> Vec<String> {
    let mut levels: Vec<String> = Vec::new();
    let mut min = usize::MAX;
    for l in (1..line).rev() {
        if !is_code_line(src, lines, l) {
            continue;
        }
        let ind = indent_of(src, lines, l);
        let w = indent_width(&ind);
        if w < min {
            min = w;
            levels.push(ind);
        }
        if w == 0 {
            break;
        }
    }
    levels.reverse();
    levels
}

/// The file's indentation step (the most common increase between code lines), or 4 spaces.
pub(crate) fn indent_unit(src: &str) -> String {
    let lines = LineIndex::new(src);
    let mut counts = std::collections::BTreeMap::new();
    let mut last: Option<String> = None;
    for l in 1..=lines.count() {
        if !is_code_line(src, &lines, l) {
            continue;
        }
        let ind = indent_of(src, &lines, l);
        if let Some(prev) = &last {
            if ind.len() > prev.len() && ind.starts_with(prev.as_str()) {
                *counts
                    .entry(ind[prev.len()..].to_string())
                    .or_insert(0usize) += 1;
            }
        }
        last = Some(ind);
    }
    counts
        .into_iter()
        .max_by_key(|(unit, n)| (*n, unit.len()))
        .map_or_else(|| "    ".to_string(), |(unit, _)| unit)
}

pub(crate) fn expand_leading_tabs(src: &str, width: usize) -> String {
    let mut out = String::with_capacity(src.len());
    for line in src.split_inclusive('\n') {
        let body = line.trim_start_matches([' ', '\t']);
        let lead = &line[..line.len() - body.len()];
        let mut col = 0;
        for c in lead.chars() {
            col = if c == '\t' {
                (col / width + 1) * width
            } else {
                col + 1
            };
        }
        out.push_str(&" ".repeat(col));
        out.push_str(body);
    }
    out
}

/// The `python.indentation` rule.
pub(crate) struct Indentation;

impl Rule for Indentation {
    const META: RuleMeta = RuleMeta::new("python.indentation", FixApplicability::Likely)
        .language(TargetLanguage::Python);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        indentation(Self::META.id, error, program)
    }
}
