//! What a model generator says to the model: the first prompt (the spec, the files expected,
//! and the lessons the learner holds for this language) and the repair prompt (each remaining
//! error with its location, source lines and message, the previous program, and what was
//! already tried). `docs/generate.md` shows a real example of each.
//!
//! Prompts are plain Markdown, built deterministically from their inputs, so tests can assert
//! them exactly.

use crate::diagnostics::context_lines;
use crate::generate::{GenerationHistory, Spec};
use crate::learn::Learner;
use crate::program::Program;
use crate::types::{CodeError, TargetLanguage};

/// Lessons put into a first prompt, at most.
pub const MAX_LESSONS: usize = 8;

/// Errors detailed in a repair prompt, at most (the rest are counted).
pub const MAX_ERRORS: usize = 12;

/// Source lines shown on each side of an error line.
const CONTEXT_RADIUS: u32 = 2;

/// One chat request: the system message and the user message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub system: String,
    pub user: String,
}

/// An error signature earlier programs of this language kept producing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lesson {
    /// The masked signature (`crate::learn::signature`), e.g. `NameError name '_' is not defined`.
    pub signature: String,
    /// How often it was seen.
    pub count: u64,
}

/// The lessons for a spec of `language` and `kind`: first the errors generated programs of
/// this kind started with, then the errors the heal loop worked on most for the language,
/// without repeats, at most `limit`.
pub fn lessons(
    learner: &Learner,
    language: TargetLanguage,
    kind: &str,
    limit: usize,
) -> Vec<Lesson> {
    let mut out: Vec<Lesson> = Vec::new();
    let generated = learner.frequent_generated_signatures(language, kind, limit);
    let healed = learner.frequent_signatures(language, limit);
    for (signature, count) in generated.into_iter().chain(healed) {
        if out.len() >= limit {
            break;
        }
        if !out.iter().any(|l| l.signature == signature) {
            out.push(Lesson { signature, count });
        }
    }
    out
}

/// The language as the prompt names it.
pub fn language_name(language: TargetLanguage) -> &'static str {
    match language {
        TargetLanguage::Rust => "Rust",
        TargetLanguage::Python => "Python",
        TargetLanguage::JavaScript => "JavaScript",
        TargetLanguage::Go => "Go",
    }
}

/// The info string of a fenced block of `language`.
pub fn fence_language(language: TargetLanguage) -> &'static str {
    match language {
        TargetLanguage::Rust => "rust",
        TargetLanguage::Python => "python",
        TargetLanguage::JavaScript => "javascript",
        TargetLanguage::Go => "go",
    }
}

/// The line comment that opens a `file:` line in `language`.
pub fn comment_prefix(language: TargetLanguage) -> &'static str {
    match language {
        TargetLanguage::Python => "#",
        _ => "//",
    }
}

/// The system message: the role and the reply format.
pub fn system_prompt(language: TargetLanguage) -> String {
    format!(
        "You are an expert {} programmer. You write complete, correct programs that compile \
         and pass their tests on the first try. You reply with code only: each file in its own \
         fenced code block whose first line is a comment naming the file, and no explanations.",
        language_name(language)
    )
}

/// The first prompt for `spec`.
pub fn first_prompt(spec: &Spec, lessons: &[Lesson]) -> Prompt {
    let lang = spec.language;
    let headline = format!("Write the {} program `{}`.", language_name(lang), spec.name);
    prompt_for(spec, &headline, |u| push_first_details(u, spec, lessons))
}

/// The first prompt's part after the task: the given tests and the lessons.
fn push_first_details(u: &mut String, spec: &Spec, lessons: &[Lesson]) {
    let lang = spec.language;
    if let Some(t) = &spec.test_file {
        u.push_str(&format!(
            "## Hand-written tests ({}; given, do not write them)\n\n{}\n",
            t.path,
            fenced(lang, None, &t.contents)
        ));
    }
    if !lessons.is_empty() {
        u.push_str(&format!(
            "## Lessons from earlier {} programs\n\nThese errors kept coming back in generated {} code. Avoid them:\n",
            language_name(lang),
            language_name(lang)
        ));
        for l in lessons {
            u.push_str(&format!(
                "- `{}` (seen {} time{}): {}\n",
                l.signature,
                l.count,
                plural(l.count),
                advice(&l.signature)
            ));
        }
        u.push('\n');
    }
}

/// A prompt for `spec`: the `headline`, the task, what `details` adds, and the reply format.
fn prompt_for(spec: &Spec, headline: &str, details: impl FnOnce(&mut String)) -> Prompt {
    let mut user = format!("{headline}\n\n");
    push_task(&mut user, spec);
    details(&mut user);
    user.push_str(&reply_format(spec));
    Prompt {
        system: system_prompt(spec.language),
        user,
    }
}

/// The plural ending for `count` things.
fn plural<N: PartialEq + From<u8>>(count: N) -> &'static str {
    if count == N::from(1) {
        ""
    } else {
        "s"
    }
}

/// The prompt asking for a corrected program: `program` (the healed previous attempt) still
/// has `errors`; `history` holds every earlier generation and the fixes tried on it.
pub fn repair_prompt(
    spec: &Spec,
    program: &Program,
    errors: &[CodeError],
    history: &GenerationHistory,
) -> Prompt {
    let lang = spec.language;
    let headline = format!(
        "Your {} program `{}` does not pass yet. Fix it.",
        language_name(lang),
        spec.name
    );
    prompt_for(spec, &headline, |u| {
        push_repair_details(u, program, errors, history, lang)
    })
}

/// The repair prompt's part after the task: the previous program, its errors, and what was
/// tried before.
fn push_repair_details(
    u: &mut String,
    program: &Program,
    errors: &[CodeError],
    history: &GenerationHistory,
    lang: TargetLanguage,
) {
    u.push_str("## Your previous program (after automatic repairs)\n\n");
    push_program_files(u, program, lang);

    u.push_str(&format!("## Errors ({} remaining)\n\n", errors.len()));
    for (i, e) in errors.iter().take(MAX_ERRORS).enumerate() {
        u.push_str(&describe_error(i + 1, e, program));
    }
    if errors.len() > MAX_ERRORS {
        u.push_str(&format!(
            "… and {} more error{} not shown.\n\n",
            errors.len() - MAX_ERRORS,
            plural(errors.len() - MAX_ERRORS)
        ));
    }

    if !history.attempts.is_empty() {
        u.push_str("## Already tried\n\n");
        for a in &history.attempts {
            u.push_str(&format!(
                "- Generation {}: {} error{} left after automatic repair.",
                a.generation,
                a.errors.len(),
                plural(a.errors.len())
            ));
            if a.fixes_tried.is_empty() {
                u.push_str(" No automatic fix applied.\n");
            } else {
                u.push_str(" Automatic fixes tried:\n");
                for f in &a.fixes_tried {
                    u.push_str(&format!("  - {f}\n"));
                }
            }
            // What the generated program itself got wrong, unless repair left it as it was.
            let own = a
                .generated_errors
                .iter()
                .filter(|g| !a.errors.iter().any(|e| e.message == g.message));
            for e in own.take(3) {
                u.push_str(&format!("  - as generated: {e}\n"));
            }
            for e in a.errors.iter().take(3) {
                u.push_str(&format!("  - still failing: {e}\n"));
            }
        }
        u.push_str(
            "\nDo not send back a program that was already tried; change what caused the errors.\n\n",
        );
    }
}

/// Lines of "what was tried" put into a heal prompt, at most (the latest; the rest counted).
pub const MAX_TRIED: usize = 30;

/// The file a heal prompt asks the model to send back first: the file of the first error
/// when it may be changed, else the first file that may.
pub fn heal_main_file(program: &Program, errors: &[CodeError]) -> Option<String> {
    errors
        .iter()
        .filter_map(|e| e.location.as_ref().map(|l| l.file.clone()))
        .find(|f| program.files().contains_key(f) && !program.protected().contains(f))
        .or_else(|| {
            program
                .files()
                .keys()
                .find(|p| !program.protected().contains(*p))
                .cloned()
        })
}

/// A program's files as fenced blocks of `lang`: the ones that may change, then (under their
/// own heading) its protected tests.
fn push_program_files(u: &mut String, program: &Program, lang: TargetLanguage) {
    for (path, text) in program
        .files()
        .iter()
        .filter(|(p, _)| !program.protected().contains(*p))
    {
        u.push_str(&fenced(lang, Some(path), text));
        u.push('\n');
    }
    let tests: Vec<(&String, &String)> = program
        .files()
        .iter()
        .filter(|(p, _)| program.protected().contains(*p))
        .collect();
    if !tests.is_empty() {
        u.push_str("## The tests (fixed: the program must pass them unchanged)\n\n");
        for (path, text) in tests {
            u.push_str(&fenced(lang, Some(path), text));
            u.push('\n');
        }
    }
}

/// The prompt of a model in the heal loop (`selfheal heal --model`): the program (its files
/// that may change, then its fixed tests), every error with its source lines, the per-test
/// evidence (each failing or unfinished test with its assertion, message, expected and
/// actual values), and the candidates the heal already tried with their verdicts.
pub fn heal_prompt(request: &crate::heal::RepairRequest<'_>) -> Prompt {
    let program = request.program;
    let lang = program.language();
    let mut u = format!(
        "This {} program does not pass. Repair it with the smallest change that makes it compile and pass its tests; keep everything else as it is.\n\n",
        language_name(lang)
    );
    u.push_str("## The program\n\n");
    push_program_files(&mut u, program, lang);
    // A program with a contract is judged on its telemetry too: the model must know it.
    if let Ok(Some(contract)) = crate::compliance::contract_of(program) {
        push_telemetry(&mut u, &contract);
    }
    let errors = request.errors;
    u.push_str(&format!("## Errors ({})\n\n", errors.len()));
    for (i, e) in errors.iter().take(MAX_ERRORS).enumerate() {
        u.push_str(&describe_error(i + 1, e, program));
    }
    if errors.len() > MAX_ERRORS {
        u.push_str(&format!(
            "… and {} more not shown.\n\n",
            errors.len() - MAX_ERRORS
        ));
    }
    push_test_evidence(&mut u, request.tests);
    if !request.tried.is_empty() {
        u.push_str("## Already tried by the automatic repairs\n\n");
        let skip = request.tried.len().saturating_sub(MAX_TRIED);
        if skip > 0 {
            u.push_str(&format!("({skip} earlier attempts not shown)\n"));
        }
        for line in &request.tried[skip..] {
            u.push_str(&format!("- {}\n", line.lines().next().unwrap_or("")));
        }
        u.push_str("\nDo not repeat a rejected repair; change what causes the errors.\n\n");
    }
    let main = heal_main_file(program, errors).unwrap_or_default();
    let fence = fence_language(lang);
    let prefix = comment_prefix(lang);
    u.push_str(&format!(
        "## Reply\n\nReply with the complete corrected `{main}` in one fenced ```{fence} block whose first line is `{prefix} file: {main}`. If another file must change too, send it whole in its own block with its own `{prefix} file:` line. Do not change the tests. No explanations.\n"
    ));
    Prompt {
        system: system_prompt(lang),
        user: u,
    }
}

/// The per-test evidence: counts, then each failing or unfinished test.
fn push_test_evidence(u: &mut String, tests: &[crate::types::TestReport]) {
    use crate::types::TestOutcome;
    if tests.is_empty() {
        return;
    }
    let count = |o: TestOutcome| tests.iter().filter(|t| t.outcome == o).count();
    u.push_str(&format!(
        "## Tests\n\n{} of {} passed, {} failed, {} did not finish.\n\n",
        count(TestOutcome::Passed),
        tests.len(),
        count(TestOutcome::Failed),
        count(TestOutcome::Incomplete)
    ));
    for t in tests {
        let label = match t.outcome {
            TestOutcome::Failed => "FAILED",
            TestOutcome::Incomplete => "DID NOT FINISH",
            TestOutcome::Passed | TestOutcome::Skipped => continue,
        };
        u.push_str(&format!("- {label} `{}`", t.name));
        if let Some(at) = &t.assertion {
            u.push_str(&format!(" at {}:{}", at.file, at.line));
        }
        if let Some(message) = &t.message {
            u.push_str(&format!(": {}", message.trim_end()));
        }
        u.push('\n');
        if let Some(expected) = &t.expected {
            u.push_str(&format!("  expected: {expected}\n"));
        }
        if let Some(actual) = &t.actual {
            u.push_str(&format!("  actual: {actual}\n"));
        }
    }
    u.push('\n');
}

/// The task: description, signatures, examples, files, dependencies.
fn push_task(u: &mut String, spec: &Spec) {
    let lang = spec.language;
    u.push_str(&format!("## Task\n\n{}\n\n", spec.description.trim()));
    if !spec.signatures.is_empty() {
        u.push_str("## Functions\n\nImplement exactly these signatures:\n");
        for s in &spec.signatures {
            u.push_str(&format!("- `{s}`\n"));
        }
        u.push('\n');
    }
    let examples = spec.examples_text();
    if !examples.is_empty() {
        u.push_str("## Examples (each is a test the program must pass)\n\n");
        u.push_str(&examples);
        u.push('\n');
    }
    u.push_str("## Files\n\n");
    u.push_str(&files_text(spec));
    u.push_str("\n\n## Dependencies\n\n");
    if spec.constraints.allowed_dependencies.is_empty() {
        u.push_str(&format!(
            "Use only the {} standard library.\n\n",
            language_name(lang)
        ));
    } else {
        u.push_str(&format!(
            "Besides the standard library, you may use only: {}.\n\n",
            spec.constraints.allowed_dependencies.join(", ")
        ));
    }
    if let Some(contract) = &spec.telemetry {
        push_telemetry(u, contract);
    }
}

/// The telemetry contract (a spec's `[telemetry]`, a program's `telemetry.toml`): what the
/// validation checks besides the tests.
fn push_telemetry(u: &mut String, contract: &crate::compliance::Contract) {
    u.push_str(
        "## Telemetry contract

",
    );
    u.push_str(&contract.describe());
    u.push('\n');
}

/// Which file to write and how the tests reach it.
fn files_text(spec: &Spec) -> String {
    let source = spec.source_file();
    let tests: Vec<String> = spec
        .test_program_files()
        .into_iter()
        .map(|(p, _)| format!("`{p}`"))
        .collect();
    let tests = tests.join(", ");
    let names: Vec<&str> = spec.functions().iter().map(|f| f.name.as_str()).collect();
    match spec.language {
        TargetLanguage::Python => format!(
            "Write `{source}`. The tests ({tests}, unittest) import from it{}; they are given, do not write them.",
            if names.is_empty() {
                String::new()
            } else {
                format!(" (`from main import {}`)", names.join(", "))
            }
        ),
        TargetLanguage::JavaScript => format!(
            "Write `{source}` (Node.js, CommonJS) and export the functions with `module.exports = {{ {} }}`. The tests ({tests}) `require('./main.js')`; they are given, do not write them.",
            names.join(", ")
        ),
        TargetLanguage::Go => format!(
            "Write `{source}` in `package main`. The tests ({tests}) are in the same package; they are given, do not write them."
        ),
        TargetLanguage::Rust => format!(
            "Write `{source}`, a library crate (edition 2021, compiled by rustc alone: no Cargo.toml). The tests ({tests}) are its module `tests` (`use super::*;`): declare it with `#[cfg(test)] mod tests;` and do not write it."
        ),
    }
}

/// How to answer.
fn reply_format(spec: &Spec) -> String {
    let lang = spec.language;
    let fence = fence_language(lang);
    let prefix = comment_prefix(lang);
    format!(
        "## Reply\n\nReply with the complete `{}` in one fenced ```{fence} block whose first line is `{prefix} file: {}`. To split the program into several files, give each its own block and `{prefix} file:` line. No explanations.\n",
        spec.source_file(),
        spec.source_file()
    )
}

/// One error: category, code, location, step, message, source lines, notes.
fn describe_error(n: usize, e: &CodeError, program: &Program) -> String {
    let mut out = format!("### Error {n}: {}", e.error_type);
    if let Some(code) = &e.code {
        out.push_str(&format!(" [{code}]"));
    }
    if let Some(loc) = &e.location {
        out.push_str(&format!(" at {}:{}:{}", loc.file, loc.line, loc.column));
    }
    if !e.step.is_empty() {
        out.push_str(&format!(" (step `{}`)", e.step));
    }
    out.push_str("\n\n");
    if let Some(test) = &e.test_name {
        out.push_str(&format!("Failing test: `{test}`\n\n"));
    }
    out.push_str(&format!("Message: {}\n\n", e.message.trim_end()));
    // The lines from the program as it is now; the error's own context when the file is gone.
    let context = e
        .location
        .as_ref()
        .and_then(|loc| {
            program
                .files()
                .get(&loc.file)
                .and_then(|text| context_lines(text, loc.line, CONTEXT_RADIUS))
        })
        .or_else(|| e.context.clone());
    if let Some(context) = context {
        out.push_str(&format!("```\n{}```\n\n", ensure_newline(&context)));
    }
    for note in &e.notes {
        out.push_str(&format!("Note: {}\n", note.trim_end()));
    }
    for s in &e.suggestions {
        out.push_str(&format!("Compiler suggestion: {}\n", s.message.trim_end()));
    }
    if !e.notes.is_empty() || !e.suggestions.is_empty() {
        out.push('\n');
    }
    out
}

/// A fenced block of `language`, with a `file:` line when a path is given.
fn fenced(language: TargetLanguage, path: Option<&str>, text: &str) -> String {
    let mut out = format!("```{}\n", fence_language(language));
    if let Some(path) = path {
        out.push_str(&format!("{} file: {path}\n", comment_prefix(language)));
    }
    out.push_str(&ensure_newline(text));
    out.push_str("```\n");
    out
}

fn ensure_newline(text: &str) -> String {
    if text.ends_with('\n') {
        text.to_string()
    } else {
        format!("{text}\n")
    }
}

/// What to do about a kind of error, read off its signature.
fn advice(signature: &str) -> &'static str {
    let s = signature.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| s.contains(w));
    if has(&["not used", "unused", "never used", "never read"]) {
        "remove imports and variables you do not use"
    } else if has(&[
        "import",
        "module",
        "package",
        "unresolved",
        "cannot find crate",
        "could not find",
    ]) {
        "import every module you use, and only modules that exist"
    } else if has(&[
        "not defined",
        "undefined",
        "cannot find",
        "not found",
        "unknown",
    ]) {
        "define or import every name before using it"
    } else if has(&[
        "syntax",
        "indent",
        "unexpected",
        "expected `",
        "unterminated",
        "parse",
    ]) {
        "check the syntax of every line"
    } else if has(&[
        "mismatch",
        "type",
        "argument",
        "cannot convert",
        "borrow",
        "lifetime",
    ]) {
        "keep to the declared types and argument counts"
    } else if has(&["test_failure", "assert", "fail"]) {
        "check the result against every example, including edge cases"
    } else {
        "do not write code that produces it"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advice_by_kind_of_error() {
        assert_eq!(
            advice("NameError name '_' is not defined"),
            "define or import every name before using it"
        );
        assert_eq!(
            advice("compiler:unused _ declared and not used"),
            "remove imports and variables you do not use"
        );
        assert_eq!(
            advice("ModuleNotFoundError No module named '_'"),
            "import every module you use, and only modules that exist"
        );
        assert_eq!(
            advice("test_failure AssertionError: N != N"),
            "check the result against every example, including edge cases"
        );
    }

    #[test]
    fn lessons_put_generated_errors_of_the_kind_first_without_repeats() {
        let l = Learner::in_memory();
        l.record(TargetLanguage::Go, "a", "go.x", false);
        l.record(TargetLanguage::Go, "a", "go.y", false);
        l.record(TargetLanguage::Go, "b", "go.x", false);
        l.record_generated(TargetLanguage::Go, "function", &["b".to_string()]);
        let got = lessons(&l, TargetLanguage::Go, "function", 5);
        assert_eq!(
            got,
            vec![
                Lesson {
                    signature: "b".into(),
                    count: 1
                },
                Lesson {
                    signature: "a".into(),
                    count: 2
                },
            ]
        );
        assert_eq!(lessons(&l, TargetLanguage::Go, "function", 1).len(), 1);
    }
}
