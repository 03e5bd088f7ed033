//! How the loop compares programs: error priorities and stages, the "did this fix help?"
//! verdict, and content hashes for the visited set.

use std::collections::BTreeMap;

use crate::learn::signature;
use crate::program::Program;
use crate::types::{CodeError, ErrorType, Location};

/// Which errors to repair first: syntax, then imports and names, then types, then other
/// compiler errors, then tests. Lower is earlier.
pub fn priority(error: &CodeError) -> u8 {
    match error.error_type {
        ErrorType::SyntaxError => 0,
        ErrorType::MissingImport => 1,
        ErrorType::UndefinedVariable => 2,
        ErrorType::TypeMismatch => 3,
        ErrorType::CompilerError(_) => 4,
        ErrorType::TestFailure => 5,
        ErrorType::TelemetryMismatch => 6,
    }
}

/// The phase of the toolchain that reports an error. A toolchain often stops at the first
/// phase that fails (a parser stops at its first syntax error; rustc reports few type errors
/// while names are unresolved), so getting rid of every error of one stage can reveal errors of
/// a later one: that is progress, not regression.
pub fn stage(error: &CodeError) -> u8 {
    match error.error_type {
        ErrorType::SyntaxError => 0,
        ErrorType::MissingImport | ErrorType::UndefinedVariable => 1,
        ErrorType::TypeMismatch | ErrorType::CompilerError(_) => 2,
        ErrorType::TestFailure | ErrorType::TelemetryMismatch => 3,
    }
}

/// The earliest stage among the errors; 4 for none (a failing program with no errors left).
pub fn min_stage(errors: &[CodeError]) -> u8 {
    errors.iter().map(stage).min().unwrap_or(4)
}

/// What identifies an error across candidates: its signature and its message with locations
/// removed (an edit above an error moves it without changing it).
pub fn error_key(error: &CodeError) -> String {
    format!("{} | {}", signature(error), strip_locations(&error.message))
}

/// Replaces line/column numbers in a message (`line 12`, `:12:5`) with `N`.
pub fn strip_locations(message: &str) -> String {
    let first = message.lines().next().unwrap_or("");
    let mut out = String::with_capacity(first.len());
    let mut rest = first;
    while let Some(c) = rest.chars().next() {
        let after_marker = if let Some(tail) = rest.strip_prefix("line ") {
            out.push_str("line ");
            Some(tail)
        } else if let Some(tail) = rest.strip_prefix(':') {
            out.push(':');
            Some(tail)
        } else {
            None
        };
        match after_marker {
            Some(tail) => {
                let digits =
                    tail.len() - tail.trim_start_matches(|c: char| c.is_ascii_digit()).len();
                if digits > 0 {
                    out.push('N');
                }
                rest = &tail[digits..];
            }
            None => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out
}

/// Whether a candidate is worth keeping, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The candidate passes: the heal is done.
    Passed,
    /// Fewer errors and no new ones at the parent's stage (or a later stage reached).
    Progress(String),
    /// Not kept.
    NoProgress(String),
}

impl Verdict {
    /// Whether the candidate joins the search: it passed or made progress.
    pub fn kept(&self) -> bool {
        !matches!(self, Verdict::NoProgress(_))
    }
}

/// Compares a candidate's errors with its parent's.
///
/// Kept when, among errors of the parent's earliest stage or earlier, the candidate has a
/// strict sub-multiset of the parent's (by [`error_key`]) — later-stage errors may appear,
/// because fixing an earlier stage reveals them — or, for syntax errors only, when the
/// parser got further through the same file (parsers report one error at a time).
///
/// Errors from a validation step the parent never reached (its check failed, so its tests never
/// ran) were invisible before, not added: they are left out of the comparison, and a candidate
/// whose only errors are such is progress.
pub fn judge(parent: &[CodeError], passed: bool, child: &[CodeError]) -> Verdict {
    if passed {
        return Verdict::Passed;
    }
    let reached = parent.iter().map(step_rank).max().unwrap_or(u8::MAX);
    let (visible, revealed): (Vec<CodeError>, Vec<CodeError>) =
        child.iter().cloned().partition(|e| step_rank(e) <= reached);
    if visible.is_empty() && !revealed.is_empty() {
        return Verdict::Progress(format!(
            "no errors left at the {} step; now at {} errors",
            step_name(reached),
            step_name(revealed.iter().map(step_rank).min().unwrap_or(reached)),
        ));
    }
    judge_visible(parent, &visible)
}

/// The order of validation steps; an unknown step counts as the first (always comparable).
fn step_rank(error: &CodeError) -> u8 {
    match error.step.as_str() {
        "test" => 1,
        "run" => 2,
        _ => 0,
    }
}

fn step_name(rank: u8) -> &'static str {
    match rank {
        0 => "check",
        1 => "test",
        _ => "run",
    }
}

fn judge_visible(parent: &[CodeError], child: &[CodeError]) -> Verdict {
    let s = min_stage(parent);
    if min_stage(child) < s {
        return Verdict::NoProgress(format!(
            "introduced {} errors",
            stage_name(min_stage(child))
        ));
    }
    let (parent_early, parent_late): (Vec<&CodeError>, Vec<&CodeError>) =
        parent.iter().partition(|e| stage(e) <= s);
    let (child_early, child_late): (Vec<&CodeError>, Vec<&CodeError>) =
        child.iter().partition(|e| stage(e) <= s);
    if child_early.is_empty() {
        let from = stage_name(s);
        let to = stage_name(min_stage(child));
        return Verdict::Progress(format!("no {from} errors left; now at {to} errors"));
    }
    if s == 0 && parser_got_further(parent, child) {
        return Verdict::Progress("the parser got further through the file".into());
    }
    let (added, removed) = difference(&parent_early, &child_early);
    if !added.is_empty() && run_got_further(&parent_early, &child_early) {
        return Verdict::Progress("the program now runs past the error it had".into());
    }
    if !added.is_empty() {
        return Verdict::NoProgress(added_message(&added));
    }
    if removed > 0 {
        return Verdict::Progress(removed_message(removed));
    }
    // The earliest stage is unchanged: judge the later errors, which were all visible.
    let (added, removed) = difference(&parent_late, &child_late);
    if !added.is_empty() {
        return Verdict::NoProgress(added_message(&added));
    }
    if removed > 0 {
        return Verdict::Progress(removed_message(removed));
    }
    Verdict::NoProgress("removed no error".into())
}

/// Judges a candidate that targeted `targets` (errors of the parent): as [`judge`], and when
/// that finds errors added, whether the candidate fixed every target and only revealed errors
/// that were hidden behind them (see [`revealed`]). Such a candidate is progress; its reason
/// says "fixed X; revealed Y". The revealed errors are returned with the verdict.
pub fn judge_candidate(
    parent: &[CodeError],
    targets: &[CodeError],
    passed: bool,
    child: &[CodeError],
) -> (Verdict, Vec<CodeError>) {
    let verdict = judge(parent, passed, child);
    if matches!(verdict, Verdict::Passed) || targets.is_empty() {
        return (verdict, Vec::new());
    }
    match revealed(parent, targets, child) {
        Some(revealed) if !revealed.is_empty() => {
            let reason = format!(
                "fixed {}; revealed {}",
                quoted(targets.iter()),
                quoted(revealed.iter())
            );
            (Verdict::Progress(reason), revealed)
        }
        _ => (verdict, Vec::new()),
    }
}

/// The errors a candidate revealed, when it fixed every one of its `targets` and each error
/// it added was hidden behind one of them; `None` when a target is still there, or an added
/// error could not have been hidden (it is before its target, or in a file or phase that ran).
///
/// An added error is hidden behind a fixed target when it comes from a later validation step
/// (tests run only once the check passes), from a later phase of the same compiler (rustc
/// checks borrows only in programs that type-check; `go vet` runs only on programs that
/// build), or from the same step, further on: later in the target's file for a compiler or
/// parser (which stop, or suppress errors that follow from one), anywhere but the target's
/// spot for a running program (which stops at its first uncaught error).
pub fn revealed(
    parent: &[CodeError],
    targets: &[CodeError],
    child: &[CodeError],
) -> Option<Vec<CodeError>> {
    let parent_keys = multiset(parent.iter());
    let child_keys = multiset(child.iter());
    let mut target_keys = multiset(targets.iter());
    for (key, n) in &mut target_keys {
        // A target reported twice (by two steps) is one error to fix.
        *n = (*n).min(parent_keys.get(key).copied().unwrap_or(0));
    }
    let fixed = target_keys.iter().all(|(key, n)| {
        let before = parent_keys.get(key).copied().unwrap_or(0);
        let after = child_keys.get(key).copied().unwrap_or(0);
        *n > 0 && after + n <= before
    });
    if !fixed {
        return None;
    }
    let added = unmatched(parent, child);
    if added
        .iter()
        .all(|a| targets.iter().any(|t| hidden_behind(t, a)))
    {
        Some(added.into_iter().cloned().collect())
    } else {
        None
    }
}

/// `child`'s errors with no counterpart in `parent` (same [`error_key`]; each parent error
/// answers for one child error, the one at its location first).
fn unmatched<'a>(parent: &[CodeError], child: &'a [CodeError]) -> Vec<&'a CodeError> {
    let mut used = vec![false; parent.len()];
    let keys: Vec<String> = parent.iter().map(error_key).collect();
    let mut pending = Vec::new();
    for c in child {
        let key = error_key(c);
        let same_place = (0..parent.len())
            .find(|&i| !used[i] && keys[i] == key && parent[i].location == c.location);
        match same_place {
            Some(i) => used[i] = true,
            None => pending.push((c, key)),
        }
    }
    let mut out = Vec::new();
    for (c, key) in pending {
        match (0..parent.len()).find(|&i| !used[i] && keys[i] == key) {
            Some(i) => used[i] = true,
            None => out.push(c),
        }
    }
    out
}

/// Whether `later` could not be reported while `target` was there (see [`revealed`]).
pub fn hidden_behind(target: &CodeError, later: &CodeError) -> bool {
    let (ts, ls) = (step_rank(target), step_rank(later));
    if ls != ts {
        return ls > ts;
    }
    if phase(later) > phase(target) {
        return true;
    }
    let (Some(t), Some(l)) = (&target.location, &later.location) else {
        return false;
    };
    if stage(target) == 3 && stage(later) == 3 {
        // Tests fail independently: a failing assertion hides no other test's failure.
        return false;
    }
    if ts > 0 {
        // A running program: anywhere but the line that failed, or further along that line;
        // never an error a failed assertion's test raised no later than that assertion (the
        // calls before it and its own ran to the end before: one of them that now crashes in
        // the program is a new failure, not one that was hidden behind the assertion).
        if stage(target) == 3 && raised_no_later(later, target) {
            return false;
        }
        return l.file != t.file || l.line != t.line || l.column > t.column;
    }
    // A compiler: further on in the file; at the same spot only an error of a later stage
    // (a name now resolved, its type now checked).
    l.file == t.file
        && ((l.line, l.column) > (t.line, t.column)
            || (stage(later) > stage(target) && (l.line, l.column) == (t.line, t.column)))
}

/// One frame of a call chain: file, line, function (when known).
type Frame<'a> = (&'a str, u32, Option<&'a str>);

/// An error's call chain, outermost first: the `traceback: …` (Python) or `stack: …`
/// (JavaScript) note the diagnostics parsers add, frames `file:line[:col][ in f]` joined by
/// ` -> `; else its location alone.
fn call_chain(error: &CodeError) -> Vec<Frame<'_>> {
    let noted = error.notes.iter().find_map(|n| {
        n.strip_prefix("traceback: ")
            .or_else(|| n.strip_prefix("stack: "))
    });
    let Some(chain) = noted else {
        return error
            .location
            .iter()
            .map(|l| (l.file.as_str(), l.line, None))
            .collect();
    };
    chain
        .split(" -> ")
        .filter_map(|frame| {
            let (place, function) = match frame.split_once(" in ") {
                Some((place, function)) => (place, Some(function)),
                None => (frame, None),
            };
            let mut parts = place.splitn(3, ':');
            let file = parts.next()?;
            let line = parts.next()?.parse().ok()?;
            Some((file, line, function))
        })
        .collect()
}

/// Whether the test that failed at `target` (an assertion) raised `later` no later than that
/// assertion. The two call chains are compared from the outermost frame: where they first
/// differ, a frame of the same function at the same or an earlier line ran first (straight-line
/// order; a loop's later iteration would look the same and is judged not hidden, as before the
/// rule for revealed errors); frames of different functions after a shared frame mean both
/// came from that one statement; a chain that ends inside the other's frames was raised within
/// them. Chains that share nothing say nothing: false.
fn raised_no_later(later: &CodeError, target: &CodeError) -> bool {
    let (l, t) = (call_chain(later), call_chain(target));
    let shared = l
        .iter()
        .zip(&t)
        .take_while(|(a, b)| a.0 == b.0 && a.1 == b.1)
        .count();
    match (l.get(shared), t.get(shared)) {
        (Some(a), Some(b)) if a.0 == b.0 && (a.2 == b.2 || b.2.is_none()) => a.1 <= b.1,
        _ => shared > 0,
    }
}

/// A compiler's phases within one stage: rustc's borrow checker (and the errors found with
/// it) runs only on programs that type-check, `go vet` only on programs that build.
fn phase(error: &CodeError) -> u8 {
    const BORROWCK: &[&str] = &[
        "E0373", "E0381", "E0382", "E0384", "E0499", "E0502", "E0503", "E0505", "E0506", "E0507",
        "E0515", "E0521", "E0594", "E0596", "E0597", "E0712", "E0713", "E0716",
    ];
    match error.code.as_deref() {
        Some(code) if BORROWCK.contains(&code) => 1,
        Some("vet") => 1,
        _ => 0,
    }
}

/// Up to two errors' first message lines, in backquotes, and how many more.
fn quoted<'a>(errors: impl Iterator<Item = &'a CodeError>) -> String {
    let all: Vec<String> = errors
        .map(|e| format!("`{}`", e.message.lines().next().unwrap_or("").trim()))
        .collect();
    let mut out = all.iter().take(2).cloned().collect::<Vec<_>>().join(", ");
    if all.len() > 2 {
        out.push_str(&format!(" and {} more", all.len() - 2));
    }
    out
}

/// Keys in `child` beyond their count in `parent`, and how many of `parent`'s are gone.
fn difference(parent: &[&CodeError], child: &[&CodeError]) -> (Vec<String>, usize) {
    let parent_keys = multiset(parent.iter().copied());
    let child_keys = multiset(child.iter().copied());
    let added = child_keys
        .iter()
        .filter(|(k, n)| parent_keys.get(*k).copied().unwrap_or(0) < **n)
        .map(|(k, _)| k.clone())
        .collect();
    let removed = parent_keys
        .iter()
        .map(|(k, n)| n.saturating_sub(child_keys.get(k).copied().unwrap_or(0)))
        .sum();
    (added, removed)
}

fn added_message(added: &[String]) -> String {
    let shown: Vec<&str> = added.iter().take(3).map(String::as_str).collect();
    format!("added errors: {}", shown.join("; "))
}

fn removed_message(removed: usize) -> String {
    format!(
        "removed {removed} error{}",
        if removed == 1 { "" } else { "s" }
    )
}

fn stage_name(stage: u8) -> &'static str {
    match stage {
        0 => "syntax",
        1 => "name/import",
        2 => "type/compiler",
        3 => "test",
        _ => "no",
    }
}

fn multiset<'a>(errors: impl Iterator<Item = &'a CodeError>) -> BTreeMap<String, usize> {
    let mut map = BTreeMap::new();
    for e in errors {
        *map.entry(error_key(e)).or_insert(0) += 1;
    }
    map
}

/// True when both report syntax errors, no more of them than before, and the first one is
/// later in the same file.
fn parser_got_further(parent: &[CodeError], child: &[CodeError]) -> bool {
    let first = |errors: &[CodeError]| -> Option<Location> {
        errors
            .iter()
            .filter(|e| stage(e) == 0)
            .filter_map(|e| e.location.clone())
            .min_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)))
    };
    let count = |errors: &[CodeError]| errors.iter().filter(|e| stage(e) == 0).count();
    match (first(parent), first(child)) {
        (Some(p), Some(c)) => {
            count(child) <= count(parent)
                && p.file == c.file
                && (c.line, c.column) > (p.line, p.column)
        }
        _ => false,
    }
}

/// A running program stops at its first uncaught error, so fixing it can only ever reveal the
/// next one. True when every error (parent's and child's) comes from running the program, the
/// child has no more of them, and none is on a line where the parent had one (a fix that just
/// swaps the failing name for another fails on the same line).
fn run_got_further(parent: &[&CodeError], child: &[&CodeError]) -> bool {
    let runtime =
        |e: &&CodeError| matches!(e.step.as_str(), "test" | "run") && e.location.is_some();
    if parent.is_empty() || !parent.iter().all(runtime) || !child.iter().all(runtime) {
        return false;
    }
    let at = |e: &&CodeError| e.location.as_ref().map(|l| (l.file.clone(), l.line));
    child.len() <= parent.len() && child.iter().all(|c| parent.iter().all(|p| at(p) != at(c)))
}

/// A content hash of a program: its language, and every file's path and text.
pub fn program_hash(program: &Program) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new();
    hasher.update(program.language().name().as_bytes());
    for (path, text) in program.files() {
        // Lengths first, so that no two different file sets hash the same byte stream.
        hasher.update(&(path.len() as u64).to_le_bytes());
        hasher.update(path.as_bytes());
        hasher.update(&(text.len() as u64).to_le_bytes());
        hasher.update(text.as_bytes());
    }
    *hasher.finalize().as_bytes()
}

/// A unified diff of every changed file, with `a/` and `b/` headers; empty when equal.
pub fn unified_diff(old: &Program, new: &Program) -> String {
    let mut out = String::new();
    let paths: std::collections::BTreeSet<&String> =
        old.files().keys().chain(new.files().keys()).collect();
    for path in paths {
        let before = old.files().get(path);
        let after = new.files().get(path);
        if before == after {
            continue;
        }
        let a = before.map_or_else(|| "/dev/null".to_string(), |_| format!("a/{path}"));
        let b = after.map_or_else(|| "/dev/null".to_string(), |_| format!("b/{path}"));
        let before = before.map_or("", String::as_str);
        let after = after.map_or("", String::as_str);
        let diff = similar::TextDiff::from_lines(before, after);
        let text = diff
            .unified_diff()
            .context_radius(3)
            .header(&a, &b)
            .to_string();
        out.push_str(&text);
        if !text.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::TargetLanguage;

    fn err(t: ErrorType, msg: &str, line: u32) -> CodeError {
        CodeError::new(t, msg).with_location(Location::new("main.py", line, 1))
    }

    #[test]
    fn strips_locations() {
        assert_eq!(strip_locations("x at line 12, col 3"), "x at line N, col 3");
        assert_eq!(strip_locations("main.go:12:5: bad"), "main.go:N:N: bad");
        assert_eq!(strip_locations("a: b"), "a: b");
    }

    #[test]
    fn verdicts() {
        use ErrorType::*;
        let name_x = err(UndefinedVariable, "name `x` is not defined", 3);
        let name_y = err(UndefinedVariable, "name `y` is not defined", 5);
        let ty = err(TypeMismatch, "expected `i32`", 7);
        let test = err(TestFailure, "assertion failed", 1);
        let syn = err(SyntaxError, "expected ':'", 2);
        let v = |parent: &[&CodeError], child: &[&CodeError]| {
            let parent: Vec<CodeError> = parent.iter().map(|e| (*e).clone()).collect();
            let child: Vec<CodeError> = child.iter().map(|e| (*e).clone()).collect();
            judge(&parent, false, &child)
        };

        assert_eq!(
            judge(std::slice::from_ref(&name_x), true, &[]),
            Verdict::Passed
        );
        // Strictly fewer errors at the same stage, moved lines do not matter.
        let moved_y = err(UndefinedVariable, "name `y` is not defined", 6);
        assert!(v(&[&name_x, &name_y], &[&moved_y]).kept());
        // Same number, but a different one: not kept.
        let name_z = err(UndefinedVariable, "name `z` is not defined", 3);
        assert!(!v(&[&name_x, &name_y], &[&name_z, &name_y]).kept());
        // Unchanged: not kept.
        assert_eq!(
            v(&[&name_x], &[&name_x]),
            Verdict::NoProgress("removed no error".into())
        );
        // Names gone, type errors revealed: progress.
        assert!(v(&[&name_x], &[&ty]).kept());
        // Fewer names, a revealed type error too: progress.
        assert!(v(&[&name_x, &name_y], &[&name_y, &ty]).kept());
        // Compile error turned into a test failure: progress.
        assert!(v(&[&ty], &[&test]).kept());
        // A syntax error introduced: not kept.
        assert!(!v(&[&ty], &[&syn]).kept());
        // A type error fixed while name errors remain: progress.
        assert!(v(&[&name_x, &ty], &[&name_x]).kept());
        // A type error fixed, another added: not kept.
        let ty2 = err(TypeMismatch, "expected `str`", 8);
        assert!(!v(&[&name_x, &ty], &[&name_x, &ty2]).kept());
        // The parser got past the first syntax error to a later one.
        let later = err(SyntaxError, "expected ':'", 9);
        assert!(v(&[&syn], &[&later]).kept());
        let earlier = err(SyntaxError, "invalid syntax", 1);
        assert!(!v(&[&syn], &[&earlier]).kept());
        // A running program fails at its next error, on another line: progress.
        let run = |mut e: CodeError| {
            e.step = "test".into();
            e
        };
        let (rx, ry) = (run(name_x.clone()), run(name_y.clone()));
        assert!(v(&[&rx], &[&ry]).kept());
        // The same line fails with another name: the fix just swapped names.
        let rz = run(name_z.clone());
        assert!(!v(&[&rx], &[&rz]).kept());
        // Errors from the static check are all reported at once: a new one is a regression.
        assert!(!v(&[&name_x], &[&name_y]).kept());

        // The check passed and the tests ran for the first time: whatever they report was
        // invisible before, even errors of the same kind.
        let at = |step: &str, e: &CodeError| {
            let mut e = e.clone();
            e.step = step.into();
            e
        };
        let (checked_x, tested_y) = (at("check", &name_x), at("test", &name_y));
        assert_eq!(
            v(&[&checked_x], &[&tested_y, &at("test", &ty)]),
            Verdict::Progress("no errors left at the check step; now at test errors".into())
        );
        // A new check error next to them is still a regression.
        let checked_z = at("check", &name_z);
        assert!(!v(&[&checked_x], &[&checked_z, &tested_y]).kept());
        // Once the tests run, their errors are compared as usual.
        assert!(!v(&[&tested_y], &[&tested_y, &at("test", &name_z)]).kept());
    }

    #[test]
    fn revealed_errors_behind_a_fixed_target_are_progress() {
        use ErrorType::*;
        let at = |step: &str, mut e: CodeError| {
            e.step = step.into();
            e
        };
        let push = at(
            "test",
            err(
                UndefinedVariable,
                "'list' object has no attribute 'push'",
                4,
            ),
        );
        let upper = at(
            "test",
            err(
                UndefinedVariable,
                "'str' object has no attribute 'uppercase'",
                5,
            ),
        );
        // A running program: the next uncaught error, further on.
        let (v, revealed) = judge_candidate(
            std::slice::from_ref(&push),
            std::slice::from_ref(&push),
            false,
            std::slice::from_ref(&upper),
        );
        assert_eq!(
            v,
            Verdict::Progress(
                "fixed `'list' object has no attribute 'push'`; revealed `'str' object has no attribute 'uppercase'`"
                    .into()
            )
        );
        assert_eq!(revealed, vec![upper.clone()]);
        // The same statement further on is hidden too; the same spot is not (a swapped name).
        let mut same_line_later = upper.clone();
        same_line_later.location = Some(Location::new("main.py", 4, 20));
        assert!(hidden_behind(&push, &same_line_later));
        let mut same_spot = upper.clone();
        same_spot.location = Some(Location::new("main.py", 4, 1));
        assert!(!hidden_behind(&push, &same_spot));
        assert_eq!(revealed_of(&push, &same_spot), None);

        // A compiler: later in the file, yes; earlier, no; another file, no.
        let ty = |line| {
            at(
                "check",
                err(TypeMismatch, "expected `i32`, found `&str`", line),
            )
        };
        let name = at("check", err(UndefinedVariable, "cannot find value `x`", 7));
        let target = ty(3);
        assert!(hidden_behind(&target, &name));
        assert!(!hidden_behind(&ty(9), &name));
        let mut elsewhere = name.clone();
        elsewhere.location = Some(Location::new("other.py", 9, 1));
        assert!(!hidden_behind(&target, &elsewhere));
        // A name resolved at the same spot may now show its type error; not the reverse.
        assert!(hidden_behind(&name, &ty(7)));
        assert!(!hidden_behind(&ty(7), &name));
        // A failed assertion, and the crash an edit of the program causes instead: raised
        // inside the assertion's own call, or by a call before it in the test, it was not
        // hidden behind the assertion; raised by a later statement of the test, it was.
        let traced = |mut e: CodeError, chain: &str| {
            e.notes.push(chain.to_string());
            e
        };
        let assertion = traced(
            at(
                "test",
                err(TestFailure, "Test case 1 failed", 18).with_location(Location::new(
                    "test_main.py",
                    18,
                    9,
                )),
            ),
            "traceback: test_main.py:22 in <module> -> test_main.py:18 in check",
        );
        let crash = |chain: &str| {
            traced(
                at(
                    "test",
                    err(CompilerError("runtime".into()), "division by zero", 7),
                ),
                chain,
            )
        };
        let inside =
            crash("traceback: test_main.py:22 in <module> -> test_main.py:18 in check -> main.py:7 in total");
        let before =
            crash("traceback: test_main.py:22 in <module> -> test_main.py:16 in check -> main.py:7 in total");
        let after =
            crash("traceback: test_main.py:22 in <module> -> test_main.py:19 in check -> main.py:7 in total");
        assert!(!hidden_behind(&assertion, &inside));
        assert!(!hidden_behind(&assertion, &before));
        assert!(hidden_behind(&assertion, &after));
        let (v, revealed) = judge_candidate(
            std::slice::from_ref(&assertion),
            std::slice::from_ref(&assertion),
            false,
            std::slice::from_ref(&before),
        );
        assert_eq!(
            v,
            Verdict::NoProgress("introduced type/compiler errors".into())
        );
        assert!(revealed.is_empty());
        // JavaScript: the assertion fails in the test's assert helper, the crash in the
        // program's function called from the same statement.
        let js_assertion = traced(
            at(
                "test",
                err(TestFailure, "Assertion failed", 2)
                    .with_location(Location::new("main.test.js", 2, 60)),
            ),
            "stack: main.test.js:15:1 in Object.<anonymous> -> main.test.js:5:5 in testAdd -> main.test.js:2:60 in console.assert",
        );
        let js_crash = |line: u32| {
            crash(&format!(
                "stack: main.test.js:15:1 in Object.<anonymous> -> main.test.js:{line}:20 in testAdd -> main.js:7:3 in add"
            ))
        };
        assert!(!hidden_behind(&js_assertion, &js_crash(5)));
        assert!(hidden_behind(&js_assertion, &js_crash(6)));
        // One failing test hides no other: a fix that trades one failure for another is not
        // progress.
        let test = |line, msg: &str| at("test", err(TestFailure, msg, line));
        assert!(!hidden_behind(
            &test(11, "6.0 != 3.0"),
            &test(8, "7.5 != 2.5")
        ));
        // A later step, a later phase (rustc's borrow checker), always.
        assert!(hidden_behind(
            &ty(9),
            &at("test", err(TestFailure, "assert", 1))
        ));
        let borrow = at(
            "check",
            err(CompilerError("borrow".into()), "borrow of moved value", 1),
        )
        .with_code("E0382");
        assert!(hidden_behind(&ty(9).with_code("E0308"), &borrow));

        // The target must be gone: a fix that leaves it and adds an error is no progress.
        let parent = [ty(3), ty(20)];
        let (v, revealed) =
            judge_candidate(&parent, &parent[..1], false, &[ty(3), ty(20), name.clone()]);
        assert!(!v.kept(), "{v:?}");
        assert!(revealed.is_empty());
        // Fixed, and the other error untouched: progress, with what it revealed.
        let (v, revealed) = judge_candidate(&parent, &parent[..1], false, &[name.clone(), ty(20)]);
        assert!(v.kept(), "{v:?}");
        assert_eq!(revealed, vec![name.clone()]);
        // Fixed, but the other error changed into a new one before it: not progress.
        let before = at("check", err(TypeMismatch, "expected `u8`", 1));
        let (v, _) = judge_candidate(&parent, &parent[..1], false, &[before, ty(20)]);
        assert!(!v.kept(), "{v:?}");
        // Without targets (the old judge): unchanged.
        let (v, _) = judge_candidate(&parent, &[], false, &[name, ty(20)]);
        assert!(!v.kept());
    }

    fn revealed_of(target: &CodeError, child: &CodeError) -> Option<Vec<CodeError>> {
        revealed(
            std::slice::from_ref(target),
            std::slice::from_ref(target),
            std::slice::from_ref(child),
        )
    }

    #[test]
    fn hashes_and_diffs() {
        let a = Program::new(
            TargetLanguage::Python,
            [("m.py".to_string(), "x = 1\ny = 2\n".to_string())],
        )
        .unwrap();
        let mut b = a.clone();
        b.set_file("m.py", "x = 1\ny = 3\n").unwrap();
        assert_ne!(program_hash(&a), program_hash(&b));
        assert_eq!(program_hash(&a), program_hash(&a.clone()));
        let d = unified_diff(&a, &b);
        assert!(
            d.starts_with("--- a/m.py\n+++ b/m.py\n@@ -1,2 +1,2 @@\n"),
            "{d}"
        );
        assert!(d.contains("-y = 2\n+y = 3\n"));
        assert_eq!(unified_diff(&a, &a), "");
    }
}
