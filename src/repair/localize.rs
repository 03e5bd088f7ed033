//! Fault localization: the program's lines ranked by how likely they hold the bug.
//!
//! Two sources, combined by [`rank`]:
//!
//! - **Evidence from the failing tests** ([`from_evidence`]): the stack frames and assertion
//!   locations that fall in the program's own (editable) files score highest (the innermost
//!   frame 1.0); then the functions the failing tests use — names in the failing assertion's
//!   line, in the failing test function, or (when the test cannot be found) anywhere in the
//!   test files, that are defined in the program — each line of their bodies scoring 0.8, 0.7
//!   or 0.5 of that; functions those call, half again.
//! - **A coverage spectrum** ([`ochiai`]), when per-test line coverage was collected: the Ochiai
//!   coefficient `ef / sqrt(nf · (ef + ep))`, where `ef`/`ep` are the failing/passing tests
//!   that ran the line and `nf` all failing tests.
//!
//! Only lines of editable program files are ranked: never a protected file, never a test file.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use tree_sitter::Node;

use super::syntax::{self, descendants, line_of, loop_condition, text};
use crate::program::{is_test_file, Program};
use crate::types::{CodeError, Location, TargetLanguage, TestOutcome, TestReport};

/// One ranked line.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Suspicious {
    pub file: String,
    /// 1-based.
    pub line: u32,
    /// In [0, 1]; higher is more suspicious.
    pub score: f64,
}

/// What one failing test tells about where the bug is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evidence {
    /// The test's name as the runner wrote it (`test_main.py::test_add`, `TestAdd/neg`).
    pub test: Option<String>,
    /// Where the failing assertion (or the exception) is.
    pub assertion: Option<Location>,
    /// Stack frames, outermost first.
    pub frames: Vec<Location>,
}

impl Evidence {
    /// Evidence from an error the heal loop holds: its location, its test name and the
    /// `file:line in function` frame notes the diagnostics parsers add.
    pub fn from_error(error: &CodeError) -> Evidence {
        let frames = error
            .notes
            .iter()
            .filter_map(|note| parse_frame_note(note))
            .collect();
        Evidence {
            test: error.test_name.clone(),
            assertion: error.location.clone(),
            frames,
        }
    }

    /// Evidence from a runner's per-test report.
    pub fn from_report(report: &TestReport) -> Evidence {
        Evidence {
            test: Some(report.name.clone()),
            assertion: report.assertion.clone(),
            frames: report.frames.clone(),
        }
    }
}

/// `main.py:4 in f` or `main.py:4` → a location (column 1).
fn parse_frame_note(note: &str) -> Option<Location> {
    let head = note.split_whitespace().next()?;
    let (file, line) = head.rsplit_once(':')?;
    let line: u32 = line.trim_end_matches(',').parse().ok()?;
    (!file.is_empty() && line > 0).then(|| Location::new(file, line, 1))
}

/// One test's run: did it pass, and which program lines did it execute.
#[derive(Debug, Clone, PartialEq)]
pub struct TestRun {
    pub name: String,
    pub passed: bool,
    /// (file, 1-based line) pairs executed.
    pub covered: BTreeSet<(String, u32)>,
}

/// Per-test line coverage of one test step.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Spectrum {
    pub runs: Vec<TestRun>,
}

/// The Ochiai ranking of every line a failing test executed, most suspicious first (ties by
/// file, then line). Lines no failing test ran are left out (their score is 0).
pub fn ochiai(spectrum: &Spectrum) -> Vec<Suspicious> {
    let failing = spectrum.runs.iter().filter(|r| !r.passed).count();
    if failing == 0 {
        return Vec::new();
    }
    let mut counts: BTreeMap<&(String, u32), (usize, usize)> = BTreeMap::new();
    for run in &spectrum.runs {
        for line in &run.covered {
            let entry = counts.entry(line).or_default();
            if run.passed {
                entry.1 += 1;
            } else {
                entry.0 += 1;
            }
        }
    }
    let mut out: Vec<Suspicious> = counts
        .into_iter()
        .filter(|(_, (ef, _))| *ef > 0)
        .map(|((file, line), (ef, ep))| Suspicious {
            file: file.clone(),
            line: *line,
            score: ef as f64 / ((failing * (ef + ep)) as f64).sqrt(),
        })
        .collect();
    sort(&mut out);
    out
}

/// Most suspicious first; ties by file then line (deterministic).
fn sort(list: &mut [Suspicious]) {
    list.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.file.cmp(&b.file))
            .then_with(|| a.line.cmp(&b.line))
    });
}

/// Files a repair may edit: program source files that are neither protected nor tests.
pub fn editable_files(program: &Program) -> Vec<&str> {
    program
        .files()
        .keys()
        .map(String::as_str)
        .filter(|f| !program.protected().contains(*f) && !is_test_file(program.language(), f))
        .filter(|f| {
            f.rsplit_once('.')
                .and_then(|(_, ext)| TargetLanguage::from_extension(ext))
                == Some(program.language())
        })
        .collect()
}

/// A function defined in an editable file.
struct Definition {
    file: String,
    name: String,
    start: u32,
    end: u32,
    /// Identifiers used inside it (for one level of callees).
    uses: BTreeSet<String>,
}

/// Named functions of a file (for JavaScript also `const f = (…) => …`).
fn definitions(language: TargetLanguage, file: &str, source: &str) -> Vec<Definition> {
    let Some(tree) = syntax::parse(language, source) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for node in descendants(tree.root_node()) {
        let name = if syntax::is_function(language, node.kind()) {
            syntax::function_name(node, source)
                .map(str::to_string)
                .or_else(|| {
                    // `const f = function…` / `const f = (…) => …`
                    let parent = node.parent()?;
                    (parent.kind() == "variable_declarator")
                        .then(|| parent.child_by_field_name("name"))
                        .flatten()
                        .map(|n| text(n, source).to_string())
                })
        } else {
            None
        };
        let Some(name) = name else { continue };
        let uses = identifiers(node, source);
        out.push(Definition {
            file: file.to_string(),
            name,
            start: line_of(node),
            end: u32::try_from(node.end_position().row + 1).unwrap_or(u32::MAX),
            uses,
        });
    }
    out
}

fn identifiers(node: Node<'_>, source: &str) -> BTreeSet<String> {
    descendants(node)
        .into_iter()
        .filter(|n| {
            matches!(
                n.kind(),
                "identifier" | "field_identifier" | "property_identifier"
            )
        })
        .map(|n| text(n, source).to_string())
        .collect()
}

/// Names used by the failing test, each with a weight: the assertion's line (0.8), the test
/// function around it or named like the test (0.7), else the whole test files (0.5).
fn used_by_test(program: &Program, evidence: &Evidence) -> Vec<(BTreeSet<String>, f64)> {
    let language = program.language();
    let tests: Vec<(&String, &String)> = program
        .files()
        .iter()
        .filter(|(f, _)| is_test_file(language, f) || program.protected().contains(*f))
        .collect();
    let mut out = Vec::new();
    if let Some(loc) = &evidence.assertion {
        if let Some((_, source)) = tests.iter().find(|(f, _)| **f == loc.file) {
            if let Some(tree) = syntax::parse(language, source) {
                let root = tree.root_node();
                // The smallest statement-ish node on the assertion's line, then its function.
                let on_line: Vec<Node<'_>> = descendants(root)
                    .into_iter()
                    .filter(|n| line_of(*n) == loc.line && n.is_named())
                    .collect();
                let mut line_names = BTreeSet::new();
                for n in &on_line {
                    line_names.extend(identifiers(*n, source));
                }
                out.push((line_names, 0.8));
                if let Some(function) = on_line
                    .first()
                    .and_then(|n| syntax::enclosing_function(language, *n))
                {
                    out.push((identifiers(function, source), 0.7));
                }
            }
        }
    }
    if let Some(test) = &evidence.test {
        let short = test
            .rsplit([':', '.', '/', ' ', '>'])
            .find(|s| !s.is_empty())
            .unwrap_or(test);
        for (file, source) in &tests {
            for def in definitions(language, file, source) {
                if def.name == short || test.contains(&def.name) && def.name.len() > 3 {
                    out.push((def.uses, 0.7));
                }
            }
        }
    }
    let mut all = BTreeSet::new();
    for (_, source) in &tests {
        if let Some(tree) = syntax::parse(language, source) {
            all.extend(identifiers(tree.root_node(), source));
        }
    }
    out.push((all, 0.5));
    out
}

/// Ranks editable lines from the failing tests' evidence alone (see the module docs). Lines
/// that are blank are left out; when nothing points anywhere, every line of the editable files
/// scores 0.1.
pub fn from_evidence(program: &Program, evidence: &[Evidence]) -> Vec<Suspicious> {
    let editable = editable_files(program);
    let mut scores: HashMap<(String, u32), f64> = HashMap::new();
    fn bump(scores: &mut HashMap<(String, u32), f64>, file: &str, line: u32, score: f64) {
        let entry = scores.entry((file.to_string(), line)).or_insert(0.0);
        if score > *entry {
            *entry = score;
        }
    }
    let defs: Vec<Definition> = editable
        .iter()
        .flat_map(|f| definitions(program.language(), f, &program.files()[*f]))
        .collect();
    for ev in evidence {
        // Frames in the program itself: the innermost is the likeliest.
        let mut frames: Vec<&Location> = ev.frames.iter().collect();
        if let Some(a) = &ev.assertion {
            frames.push(a);
        }
        let mut in_program: Vec<&Location> = Vec::new();
        for loc in frames.into_iter().rev() {
            // Innermost first; the error's own location often repeats the innermost frame.
            if editable.contains(&loc.file.as_str())
                && !in_program
                    .iter()
                    .any(|l| l.file == loc.file && l.line == loc.line)
            {
                in_program.push(loc);
            }
        }
        for (depth, loc) in in_program.iter().enumerate() {
            bump(
                &mut scores,
                &loc.file,
                loc.line,
                1.0 - 0.05 * depth.min(4) as f64,
            );
        }
        // Where the innermost frame failed, what it read was decided by the loops and
        // conditions around it and by the statements that wrote those names.
        if let Some(loc) = in_program.first() {
            if let Some(source) = program.files().get(&loc.file) {
                for (line, weight) in slice(program.language(), source, loc.line) {
                    bump(&mut scores, &loc.file, line, weight);
                }
            }
        }
        for (names, weight) in used_by_test(program, ev) {
            for def in defs.iter().filter(|d| names.contains(&d.name)) {
                for line in def.start..=def.end {
                    bump(&mut scores, &def.file, line, weight * 0.8);
                }
                for callee in defs
                    .iter()
                    .filter(|d| d.name != def.name && def.uses.contains(&d.name))
                {
                    for line in callee.start..=callee.end {
                        bump(&mut scores, &callee.file, line, weight * 0.4);
                    }
                }
            }
        }
    }
    if scores.is_empty() {
        for file in &editable {
            let lines = program.files()[*file].lines().count();
            for line in 1..=lines {
                bump(&mut scores, file, line as u32, 0.1);
            }
        }
    }
    let mut out: Vec<Suspicious> = scores
        .into_iter()
        .filter(|((file, line), _)| {
            *line > 0
                && program.files()[file]
                    .lines()
                    .nth((*line as usize).saturating_sub(1))
                    .is_some_and(|l| !l.trim().is_empty())
        })
        .map(|((file, line), score)| Suspicious { file, line, score })
        .collect();
    sort(&mut out);
    out
}

/// Weight of the header of a loop or conditional around the failing line.
pub const SLICE_HEADER: f64 = 0.9;
/// Weight of a statement that writes a name the failing line reads.
pub const SLICE_WRITE: f64 = 0.85;

/// The lines that decide what `line` of `source` computes, within its function: the headers
/// of the loops and conditionals around it ([`SLICE_HEADER`]) and the statements that write
/// a name it reads — assignments, declarations, loop variables, `++`/`+=` ([`SLICE_WRITE`]).
/// Parameters are left out (their values come from the caller). A one-step static slice:
/// enough to reach the bound of the loop whose index ran off an array.
pub fn slice(language: TargetLanguage, source: &str, line: u32) -> Vec<(u32, f64)> {
    let Some(tree) = syntax::parse(language, source) else {
        return Vec::new();
    };
    let on_line: Vec<Node<'_>> = descendants(tree.root_node())
        .into_iter()
        .filter(|n| n.kind() == "identifier" && line_of(*n) == line)
        .collect();
    let Some(function) = on_line
        .first()
        .and_then(|n| syntax::enclosing_function(language, *n))
    else {
        return Vec::new();
    };
    let names: BTreeSet<&str> = on_line.iter().map(|n| text(*n, source)).collect();
    let mut out: Vec<(u32, f64)> = Vec::new();
    let mut ancestor = on_line[0].parent();
    while let Some(a) = ancestor {
        if a.id() == function.id() {
            break;
        }
        let control = matches!(
            a.kind(),
            "for_statement"
                | "for_in_statement"
                | "for_expression"
                | "while_statement"
                | "while_expression"
                | "if_statement"
                | "if_expression"
                | "elif_clause"
        );
        if control && line_of(a) != line {
            out.push((line_of(a), SLICE_HEADER));
        }
        ancestor = a.parent();
    }
    let parameters = function.child_by_field_name("parameters");
    for node in descendants(function) {
        if node.kind() != "identifier" || !names.contains(text(node, source)) {
            continue;
        }
        let written_line = line_of(node);
        if written_line == line
            || parameters.is_some_and(|p| {
                p.start_byte() <= node.start_byte() && node.end_byte() <= p.end_byte()
            })
        {
            continue;
        }
        if updated_in_place(node) || super::scope::is_binding_occurrence(language, node) {
            out.push((written_line, SLICE_WRITE));
        }
    }
    out
}

/// Whether the identifier `node` is changed in place: the operand of `++`/`--`, or the left
/// side of a compound assignment (`+=`).
fn updated_in_place(node: Node<'_>) -> bool {
    node.parent().is_some_and(|p| {
        matches!(
            p.kind(),
            "inc_statement" | "dec_statement" | "update_expression"
        )
    }) || is_left_of(
        node,
        &[
            "augmented_assignment",
            "augmented_assignment_expression",
            "compound_assignment_expr",
        ],
    )
}

/// Whether `node` is the left side of its parent, an assignment of one of `kinds`.
fn is_left_of(node: Node<'_>, kinds: &[&str]) -> bool {
    node.parent().is_some_and(|p| {
        kinds.contains(&p.kind())
            && p.child_by_field_name("left").map(|l| l.id()) == Some(node.id())
    })
}

/// How much a line that controls a loop gains when a test ran out of time.
pub const LOOP_CONTROL_BOOST: f64 = 0.3;

/// The lines that decide whether a loop of `source` ends: each loop's header, and the
/// statements inside its body that write a name its condition (or, for a C-style loop, its
/// update) reads. A test that ran out of time most likely spins in one of them.
pub fn loop_control(language: TargetLanguage, source: &str) -> BTreeSet<u32> {
    let mut out = BTreeSet::new();
    let Some(tree) = syntax::parse(language, source) else {
        return out;
    };
    for node in descendants(tree.root_node()) {
        let condition = match node.kind() {
            "while_statement" | "while_expression" | "for_statement" => loop_condition(node),
            _ => None,
        };
        let Some(condition) = condition else {
            continue;
        };
        out.insert(line_of(node));
        let names: BTreeSet<&str> = descendants(condition)
            .into_iter()
            .filter(|n| n.kind() == "identifier")
            .map(|n| text(n, source))
            .collect();
        let Some(body) = node.child_by_field_name("body") else {
            continue;
        };
        for n in descendants(body) {
            if n.kind() != "identifier" || !names.contains(text(n, source)) {
                continue;
            }
            let written = updated_in_place(n)
                || is_left_of(n, &["assignment", "assignment_expression"])
                || super::scope::is_binding_occurrence(language, n);
            if written {
                out.insert(line_of(n));
            }
        }
    }
    out
}

/// `ranking` with every line that controls a loop ([`loop_control`]) raised by
/// [`LOOP_CONTROL_BOOST`] (at most to 1.0): the ranking for a test that ran out of time.
pub fn toward_loops(program: &Program, ranking: Vec<Suspicious>) -> Vec<Suspicious> {
    let mut control: HashMap<String, BTreeSet<u32>> = HashMap::new();
    let mut out: Vec<Suspicious> = ranking
        .into_iter()
        .map(|mut s| {
            let lines = control.entry(s.file.clone()).or_insert_with(|| {
                program
                    .files()
                    .get(&s.file)
                    .map(|src| loop_control(program.language(), src))
                    .unwrap_or_default()
            });
            if lines.contains(&s.line) {
                s.score = (s.score + LOOP_CONTROL_BOOST).min(1.0);
            }
            s
        })
        .collect();
    sort(&mut out);
    out
}

/// Evidence of every failing test in a report list.
pub fn failing_evidence(tests: &[TestReport]) -> Vec<Evidence> {
    tests
        .iter()
        .filter(|t| matches!(t.outcome, TestOutcome::Failed | TestOutcome::Incomplete))
        .map(Evidence::from_report)
        .collect()
}

/// The combined ranking: with a spectrum, `0.6 · ochiai + 0.4 · evidence` over the lines
/// either ranks (editable files only); without one, the evidence ranking with the backward
/// slice of the tested functions' results raised ([`toward_results`]).
pub fn rank(
    program: &Program,
    evidence: &[Evidence],
    spectrum: Option<&Spectrum>,
) -> Vec<Suspicious> {
    let static_rank = from_evidence(program, evidence);
    let Some(spectrum) = spectrum else {
        return toward_results(program, evidence, static_rank);
    };
    let editable = editable_files(program);
    let mut combined: HashMap<(String, u32), f64> = HashMap::new();
    for s in ochiai(spectrum) {
        if editable.contains(&s.file.as_str()) {
            *combined.entry((s.file, s.line)).or_default() += 0.6 * s.score;
        }
    }
    for s in static_rank {
        *combined.entry((s.file, s.line)).or_default() += 0.4 * s.score;
    }
    let mut out: Vec<Suspicious> = combined
        .into_iter()
        .map(|((file, line), score)| Suspicious { file, line, score })
        .collect();
    sort(&mut out);
    out
}

/// Score of a line that returns the tested function's result; each step of data dependence
/// away from it costs [`RESULT_SLICE_STEP`]. Above the lines of a function the failing
/// assertion calls (0.64), below a frame in the program and its slice (0.85 and up).
pub const RESULT_SLICE: f64 = 0.8;
/// What each step of data dependence away from the result costs.
pub const RESULT_SLICE_STEP: f64 = 0.04;
/// Steps of data dependence raised at most: the result's own lines, the writes they read and
/// the control of those. Deeper, the slice covers most of a function and its order is no
/// better than the source's (mdeval Go/23: the `&` for `^` three steps away fell past the lines
/// mutated, where source order reached it).
pub const RESULT_SLICE_DEPTH: u32 = 1;

/// `ranking` with the backward slice of each tested function's result raised
/// ([`super::backslice`]): for a failing test with no frame in the program (a wrong value,
/// not a crash), the functions its failing assertion (or, without one, its test function)
/// calls; each line of their slice up to [`RESULT_SLICE_DEPTH`] scores at least
/// `RESULT_SLICE − RESULT_SLICE_STEP · depth`.
/// Used without a coverage spectrum, where every line of such a function would rank alike.
pub fn toward_results(
    program: &Program,
    evidence: &[Evidence],
    ranking: Vec<Suspicious>,
) -> Vec<Suspicious> {
    let editable = editable_files(program);
    let defs: Vec<Definition> = editable
        .iter()
        .flat_map(|f| definitions(program.language(), f, &program.files()[*f]))
        .collect();
    let mut raised: HashMap<(String, u32), f64> = HashMap::new();
    for ev in evidence {
        let crashed = ev
            .frames
            .iter()
            .chain(ev.assertion.iter())
            .any(|l| editable.contains(&l.file.as_str()));
        if crashed {
            continue;
        }
        // The closest names the evidence gives that name a tested function: the assertion's
        // line, else the test function.
        let mut groups = used_by_test(program, ev);
        groups.retain(|(_, w)| *w >= 0.7);
        groups.sort_by(|a, b| b.1.total_cmp(&a.1));
        let Some(tested) = groups
            .iter()
            .map(|(names, _)| {
                defs.iter()
                    .filter(|d| names.contains(&d.name))
                    .collect::<Vec<_>>()
            })
            .find(|found| !found.is_empty())
        else {
            continue;
        };
        for def in tested {
            let source = &program.files()[&def.file];
            let slice = super::backslice::of_function(program.language(), source, &def.name);
            for (line, depth) in slice.into_iter().filter(|(_, d)| *d <= RESULT_SLICE_DEPTH) {
                let score = RESULT_SLICE - RESULT_SLICE_STEP * f64::from(depth);
                let entry = raised.entry((def.file.clone(), line)).or_insert(0.0);
                *entry = entry.max(score);
            }
        }
    }
    if raised.is_empty() {
        return ranking;
    }
    let mut out: Vec<Suspicious> = ranking
        .into_iter()
        .map(|mut s| {
            if let Some(score) = raised.get(&(s.file.clone(), s.line)) {
                s.score = s.score.max(*score);
            }
            s
        })
        .collect();
    sort(&mut out);
    out
}

/// Lines reported by [`for_tests`] at most.
pub const REPORTED_LINES: usize = 20;

/// The ranking a validation's per-test reports give: the evidence of every failing (or
/// unfinished) test, combined with their coverage spectrum when the runner collected one
/// ([`rank`]); the first [`REPORTED_LINES`]. Empty when no test failed.
pub fn for_tests(program: &Program, tests: &[TestReport]) -> Vec<Suspicious> {
    let evidence = failing_evidence(tests);
    if evidence.is_empty() {
        return Vec::new();
    }
    let spectrum = super::evidence::spectrum(tests);
    let mut ranking = rank(program, &evidence, spectrum.as_ref());
    ranking.truncate(REPORTED_LINES);
    ranking
}
