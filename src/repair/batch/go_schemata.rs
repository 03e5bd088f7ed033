//! Go mutant schemata: many candidate programs as one program whose edits sit behind a runtime
//! switch, so one compile serves every candidate.
//!
//! The candidates of a round differ from a common reference in one or a few places. The
//! reference is built from the candidates themselves (per file: the text they all share, else
//! line by line the text most of them have), and each candidate's edit is the span between the
//! common prefix and the common suffix of its file and the reference's. Each edit is widened to
//! the smallest piece of the reference's syntax tree (tree-sitter-go) the switch can wrap
//! without changing what the code means:
//!
//! - statements of a block: `if selfhealMutant == K { NEW } else { OLD }` (a declaration
//!   among them, `x := e` or `var`, widens the region to the end of its block, so the names it
//!   declares stay in scope for the code that uses them);
//! - the condition of an `if` or `for`:
//!   `func() bool { if selfhealMutant == K { return NEW }; return OLD }()`;
//! - the post statement of a `for` clause: `func() { if selfhealMutant == K { NEW } else { OLD } }()`.
//!
//! Candidates whose regions are the same share one `if … else if …` chain; a region inside
//! another is wrapped inside the outer one's original text. A candidate is left out (validated
//! alone) when its edit is outside a function body, in a test file, or overlaps another
//! candidate's region without nesting. `/*line file:L:C*/` directives keep every position the
//! compiler and the runtime report (compile errors, panic frames) in the reference's lines, which
//! are the candidate's own lines up to and inside its edit. The generated file
//! [`GENERATED_FILE`] declares `selfhealMutant`, read once from [`MUTANT_ENV`].

use std::collections::BTreeMap;

use tree_sitter::Node;

use crate::program::Program;
use crate::types::TargetLanguage;

/// The environment variable that selects the candidate (1-based; 0 or unset: the reference).
pub const MUTANT_ENV: &str = "SELFHEAL_MUTANT";
/// The package-level variable the switches read.
pub const MUTANT_VAR: &str = "selfhealMutant";
/// The generated file that declares the switch variable.
pub const GENERATED_FILE: &str = "selfheal_mutant_schema.go";

/// How a region is wrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Whole statements of one statement list.
    Statements,
    /// The condition of an `if` or a `for`.
    Condition,
    /// The post statement of a `for` clause.
    Post,
}

/// One candidate's edit, widened to a wrappable region of the reference.
#[derive(Debug, Clone)]
struct Region {
    file: String,
    start: usize,
    end: usize,
    kind: Kind,
    /// The candidate's index.
    candidate: usize,
    /// The candidate's text for `start..end` of the reference.
    text: String,
}

/// A schema of candidates: the program to compile once, and which candidates it holds.
#[derive(Debug, Clone)]
pub struct Schema {
    /// The schema's program (the reference's files with the switches, and [`GENERATED_FILE`]).
    pub program: Program,
    /// Per candidate: whether the schema holds it (its mutant number is its index + 1).
    pub included: Vec<bool>,
    regions: Vec<Region>,
    reference: BTreeMap<String, String>,
    /// Whether positions are mapped back to the reference's (`/*line*/` directives); without,
    /// each candidate's text is marked `/*selfheal:K*/` so compile errors name it exactly.
    directives: bool,
}

impl Schema {
    /// Builds the schema of `candidates` (single-package Go programs with the same files).
    /// `None` when they cannot share one: another language, sub-packages, different file sets
    /// or data files, or fewer than two candidates that can be wrapped.
    pub fn build(candidates: &[Program]) -> Option<Schema> {
        let first = candidates.first()?;
        if candidates.iter().any(|c| {
            c.language() != TargetLanguage::Go
                || c.files().keys().ne(first.files().keys())
                || c.data_files() != first.data_files()
        }) {
            return None;
        }
        // One package: every Go file at the root, one package name among the sources.
        if first
            .files()
            .keys()
            .any(|p| p.ends_with(".go") && p.contains('/'))
            || first.files().contains_key(GENERATED_FILE)
        {
            return None;
        }
        let reference = reference(candidates);
        package_name(&reference)?;
        let mut regions: Vec<Region> = Vec::new();
        let mut included = vec![false; candidates.len()];
        for (index, candidate) in candidates.iter().enumerate() {
            let Some(mine) = candidate_regions(&reference, candidate, index) else {
                continue;
            };
            if mine
                .iter()
                .all(|r| regions.iter().all(|o| compatible(r, o)))
            {
                included[index] = true;
                regions.extend(mine);
            }
        }
        Schema::assemble(first, reference, regions, included, true)
    }

    fn assemble(
        first: &Program,
        reference: BTreeMap<String, String>,
        regions: Vec<Region>,
        included: Vec<bool>,
        directives: bool,
    ) -> Option<Schema> {
        if included.iter().filter(|i| **i).count() < 2 {
            return None;
        }
        let package = package_name(&reference)?;
        let mut files = BTreeMap::new();
        for (path, text) in &reference {
            let mine: Vec<&Region> = regions.iter().filter(|r| &r.file == path).collect();
            let rendered = if mine.is_empty() {
                text.clone()
            } else {
                render_file(path, text, &mine, directives)
            };
            files.insert(path.clone(), rendered);
        }
        files.insert(GENERATED_FILE.to_string(), generated_file(&package));
        let program = Program::from_parts(
            TargetLanguage::Go,
            files,
            Default::default(),
            first.options().clone(),
            first.data_files().clone(),
        )
        .ok()?;
        Some(Schema {
            program,
            included,
            regions,
            reference,
            directives,
        })
    }

    /// The same schema without line directives, each candidate's text marked, to compile once
    /// more when this one does not: its errors name the candidates exactly
    /// ([`Schema::without_build_errors`]).
    pub fn diagnostic(&self) -> Option<Schema> {
        Schema::assemble(
            &self.program,
            self.reference.clone(),
            self.regions.clone(),
            self.included.clone(),
            false,
        )
    }

    /// The schema without the candidates whose regions hold a compile error of `build_output`
    /// (`file.go:LINE:COL: message` lines, in the reference's lines). `None` when an error lies
    /// outside every region (the reference itself does not compile), no error was found, or
    /// fewer than two candidates remain.
    pub fn without_build_errors(&self, build_output: &str) -> Option<Schema> {
        let places = error_places(build_output);
        if places.is_empty() {
            return None;
        }
        let mut dropped = vec![false; self.included.len()];
        for (file, line) in places {
            let culprits = if self.directives {
                self.regions_at(&file, line)
            } else {
                self.marked_at(&file, line)
            };
            if culprits.is_empty() {
                return None;
            }
            for candidate in culprits {
                dropped[candidate] = true;
            }
        }
        let included: Vec<bool> = self
            .included
            .iter()
            .zip(&dropped)
            .map(|(i, d)| *i && !d)
            .collect();
        let regions: Vec<Region> = self
            .regions
            .iter()
            .filter(|r| included[r.candidate])
            .cloned()
            .collect();
        Schema::assemble(
            &self.program,
            self.reference.clone(),
            regions,
            included,
            true,
        )
    }

    /// In a diagnostic schema: the candidate whose marked text holds `line` of `file` (the
    /// innermost when texts nest).
    fn marked_at(&self, file: &str, line: u32) -> Vec<usize> {
        let Some(text) = self.program.files().get(file) else {
            return Vec::new();
        };
        let mut best: Option<(u32, usize)> = None;
        for region in self.regions.iter().filter(|r| r.file == file) {
            let marker = format!("/*selfheal:{}*/", region.candidate + 1);
            let Some(at) = text.find(&marker) else {
                continue;
            };
            let first = line_col(text, at).0;
            let span = count_lines(&region.text);
            if (first..=first + span).contains(&line) && best.is_none_or(|(s, _)| span < s) {
                best = Some((span, region.candidate));
            }
        }
        best.map(|(_, candidate)| vec![candidate])
            .unwrap_or_default()
    }

    /// The candidates of the innermost regions whose lines (the reference's, and each
    /// candidate's text from the region's first line) hold `line` of `file`.
    fn regions_at(&self, file: &str, line: u32) -> Vec<usize> {
        let Some(text) = self.reference.get(file) else {
            return Vec::new();
        };
        let containing: Vec<(&Region, usize)> = self
            .regions
            .iter()
            .filter(|r| r.file == file)
            .filter_map(|r| {
                let first = line_col(text, r.start).0;
                let last_old = line_col(text, r.end).0;
                let last_new = first + count_lines(&r.text);
                (first..=last_old.max(last_new))
                    .contains(&line)
                    .then_some((r, r.end - r.start))
            })
            .collect();
        let Some(smallest) = containing.iter().map(|(_, size)| *size).min() else {
            return Vec::new();
        };
        containing
            .into_iter()
            .filter(|(_, size)| *size == smallest)
            .map(|(r, _)| r.candidate)
            .collect()
    }
}

/// `file.go:LINE` of every `file.go:LINE:COL: message` line of compiler output, the file
/// relative to the program (the sandbox's work directory and `./` stripped).
fn error_places(output: &str) -> Vec<(String, u32)> {
    let work = format!("{}/", crate::sandbox::WORK_DIR);
    let mut places = Vec::new();
    for line in output.lines() {
        let line = line.trim_start();
        let Some((place, _)) = line.split_once(": ") else {
            continue;
        };
        let mut parts = place.rsplitn(3, ':');
        let (Some(_col), Some(row), Some(file)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let (Ok(row), true) = (row.parse::<u32>(), file.ends_with(".go")) else {
            continue;
        };
        let file = file
            .strip_prefix(work.as_str())
            .or_else(|| file.strip_prefix("./"))
            .unwrap_or(file);
        places.push((file.to_string(), row));
    }
    places
}

/// The reference the candidates are compared with: per file, the text every candidate has;
/// else, among the candidates with the most common line count, each line's most common text
/// (the first candidate's on a tie).
pub(super) fn reference(candidates: &[Program]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(first) = candidates.first() else {
        return out;
    };
    for (path, text) in first.files() {
        let versions: Vec<&String> = candidates
            .iter()
            .filter_map(|c| c.files().get(path))
            .collect();
        if versions.iter().all(|v| *v == text) {
            out.insert(path.clone(), text.clone());
            continue;
        }
        let split: Vec<Vec<&str>> = versions
            .iter()
            .map(|v| v.split_inclusive('\n').collect())
            .collect();
        let modal = most_common(split.iter().map(Vec::len)).unwrap_or(0);
        let same: Vec<&Vec<&str>> = split.iter().filter(|s| s.len() == modal).collect();
        let mut merged = String::new();
        for line in 0..modal {
            if let Some(best) = most_common(same.iter().map(|s| s[line])) {
                merged.push_str(best);
            }
        }
        out.insert(path.clone(), merged);
    }
    out
}

/// The most frequent item (the earliest on a tie).
fn most_common<T: PartialEq + Copy>(items: impl Iterator<Item = T>) -> Option<T> {
    let mut counts: Vec<(T, usize)> = Vec::new();
    for item in items {
        match counts.iter_mut().find(|(i, _)| *i == item) {
            Some((_, n)) => *n += 1,
            None => counts.push((item, 1)),
        }
    }
    let best = counts.iter().map(|(_, n)| *n).max()?;
    counts.into_iter().find(|(_, n)| *n == best).map(|(i, _)| i)
}

/// The package name of the reference's non-test sources (all the same), if any.
fn package_name(reference: &BTreeMap<String, String>) -> Option<String> {
    let mut name: Option<String> = None;
    for (path, text) in reference {
        if !path.ends_with(".go") || path.ends_with("_test.go") {
            continue;
        }
        let found = text.lines().find_map(|l| {
            l.trim_start()
                .strip_prefix("package ")
                .map(|rest| rest.split_whitespace().next().unwrap_or("").to_string())
        })?;
        match &name {
            Some(known) if *known != found => return None,
            _ => name = Some(found),
        }
    }
    name.filter(|n| !n.is_empty() && n.chars().all(|c| c.is_alphanumeric() || c == '_'))
}

fn generated_file(package: &str) -> String {
    let var = MUTANT_VAR;
    format!(
        "// Generated by selfheal for a batched validation: which candidate edit runs.\n\
         package {package}\n\nimport (\n\t\"os\"\n\t\"strconv\"\n)\n\n\
         var {var} = func() int {{\n\tk, _ := strconv.Atoi(os.Getenv(\"{MUTANT_ENV}\"))\n\treturn k\n}}()\n"
    )
}

/// The regions of one candidate (one per changed file), or `None` when an edit cannot be
/// wrapped.
fn candidate_regions(
    reference: &BTreeMap<String, String>,
    candidate: &Program,
    index: usize,
) -> Option<Vec<Region>> {
    let mut regions = Vec::new();
    for (path, old) in reference {
        let new = candidate.files().get(path)?;
        if new == old {
            continue;
        }
        if !path.ends_with(".go") || path.ends_with("_test.go") {
            return None;
        }
        let (a, b, delta) = edit_span(old, new);
        let tree = crate::repair::syntax::parse(TargetLanguage::Go, old)?;
        let (start, end, kind) = wrappable(tree.root_node(), old, new, a, b, delta)?;
        let new_end = usize::try_from(end as isize + delta).ok()?;
        let text = new.get(start..new_end)?.to_string();
        regions.push(Region {
            file: path.clone(),
            start,
            end,
            kind,
            candidate: index,
            text,
        });
    }
    Some(regions)
}

/// The edit between `old` and `new`: `old[a..b]` became `new[a..b + delta]` (common prefix and
/// suffix, on character boundaries).
pub(super) fn edit_span(old: &str, new: &str) -> (usize, usize, isize) {
    let mut prefix = old
        .bytes()
        .zip(new.bytes())
        .take_while(|(x, y)| x == y)
        .count();
    while !old.is_char_boundary(prefix) || !new.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let max_suffix = old.len().min(new.len()) - prefix;
    let mut suffix = old
        .bytes()
        .rev()
        .zip(new.bytes().rev())
        .take(max_suffix)
        .take_while(|(x, y)| x == y)
        .count();
    while !old.is_char_boundary(old.len() - suffix) || !new.is_char_boundary(new.len() - suffix) {
        suffix -= 1;
    }
    let delta = new.len() as isize - old.len() as isize;
    (prefix, old.len() - suffix, delta)
}

/// Statement kinds that declare names for the rest of their block (or a label).
fn declares(kind: &str) -> bool {
    matches!(
        kind,
        "short_var_declaration"
            | "var_declaration"
            | "const_declaration"
            | "type_declaration"
            | "labeled_statement"
    )
}

/// The smallest region of `root` (the reference `old`) around the edit `a..b` that a switch
/// can wrap, as (start, end, kind).
fn wrappable(
    root: Node<'_>,
    old: &str,
    new: &str,
    a: usize,
    b: usize,
    delta: isize,
) -> Option<(usize, usize, Kind)> {
    let mut node = root.descendant_for_byte_range(a, b)?;
    loop {
        if node.start_byte() <= a && b <= node.end_byte() {
            match node.kind() {
                "function_declaration" | "method_declaration" | "source_file" => return None,
                "statement_list" => {
                    return statements(node, old, new, a, b, delta);
                }
                _ => {}
            }
            let field = crate::repair::syntax::field_of(node);
            let parent_kind = node.parent().map(|p| p.kind()).unwrap_or("");
            let is_condition = (field == Some("condition")
                && matches!(parent_kind, "if_statement" | "for_clause"))
                || (parent_kind == "for_statement"
                    && field.is_none()
                    && node.is_named()
                    && !matches!(
                        node.kind(),
                        "for_clause" | "range_clause" | "block" | "comment"
                    ));
            if is_condition {
                return Some((node.start_byte(), node.end_byte(), Kind::Condition));
            }
            if field == Some("update") && parent_kind == "for_clause" {
                return Some((node.start_byte(), node.end_byte(), Kind::Post));
            }
            if parent_kind == "statement_list" {
                if let Some(list) = node.parent() {
                    return statements(list, old, new, a, b, delta);
                }
            }
        }
        node = node.parent()?;
    }
}

/// The statements of `list` the edit touches (for an insertion between statements, the one
/// after it, else the one before), widened to the end of the list when one of them, in the
/// reference or in the candidate, declares a name.
fn statements(
    list: Node<'_>,
    old: &str,
    new: &str,
    a: usize,
    b: usize,
    delta: isize,
) -> Option<(usize, usize, Kind)> {
    let stmts: Vec<Node<'_>> = crate::repair::syntax::children(list)
        .into_iter()
        .filter(|n| n.is_named() && n.kind() != "comment")
        .collect();
    // A statement the edit overlaps or touches (an insertion at its start or its end).
    let touched: Vec<&Node<'_>> = stmts
        .iter()
        .filter(|s| s.start_byte() <= b && a <= s.end_byte())
        .collect();
    let (first, last) = match (touched.first(), touched.last()) {
        (Some(f), Some(l)) => (**f, **l),
        _ => {
            let after = stmts.iter().find(|s| s.start_byte() >= b);
            let before = stmts.iter().rev().find(|s| s.end_byte() <= a);
            let one = *after.or(before)?;
            (one, one)
        }
    };
    // The region may reach into the blanks around its statements, never into other text (a
    // comment): the switch must start and end between statements.
    let blank = |from: usize, to: usize| old.get(from..to).is_some_and(|t| t.trim().is_empty());
    if (a < first.start_byte() && !blank(a, first.start_byte()))
        || (b > last.end_byte() && !blank(last.end_byte(), b))
    {
        return None;
    }
    let start = first.start_byte().min(a);
    let mut end = last.end_byte().max(b);
    let declares_old = stmts
        .iter()
        .filter(|s| s.start_byte() < end && start < s.end_byte())
        .any(|s| declares(s.kind()));
    let new_end = usize::try_from(end as isize + delta).ok()?;
    let declares_new = new_declares(new, start, new_end);
    if declares_old || declares_new {
        end = stmts.last()?.end_byte().max(end);
    }
    // A label would be declared twice, a `fallthrough` would no longer end its case.
    let region = old.get(start..end)?;
    let labelled = stmts
        .iter()
        .filter(|s| s.start_byte() < end && start < s.end_byte())
        .flat_map(|s| crate::repair::syntax::descendants(*s))
        .any(|n| n.kind() == "labeled_statement");
    if labelled || region.contains("fallthrough") {
        return None;
    }
    Some((start, end, Kind::Statements))
}

/// Whether the candidate's text `start..end` holds a statement that declares a name, at the
/// level of the statement list around it.
fn new_declares(new: &str, start: usize, end: usize) -> bool {
    let Some(tree) = crate::repair::syntax::parse(TargetLanguage::Go, new) else {
        return true;
    };
    let Some(mut node) = tree
        .root_node()
        .descendant_for_byte_range(start, end.max(start))
    else {
        return true;
    };
    while node.kind() != "statement_list" {
        match node.parent() {
            Some(parent) => node = parent,
            None => return true,
        }
    }
    crate::repair::syntax::children(node)
        .iter()
        .filter(|s| s.start_byte() < end && start < s.end_byte())
        .any(|s| declares(s.kind()) || s.kind() == "ERROR")
}

/// Whether two regions (of different candidates) can live in one schema: other files,
/// disjoint, the same region, or one strictly inside the other.
fn compatible(x: &Region, y: &Region) -> bool {
    if x.file != y.file || x.end <= y.start || y.end <= x.start {
        return true;
    }
    if (x.start, x.end) == (y.start, y.end) {
        return x.kind == y.kind;
    }
    let inside = |i: &Region, o: &Region| o.start <= i.start && i.end <= o.end;
    inside(x, y) || inside(y, x)
}

/// 1-based line and byte column of a byte offset.
fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

fn count_lines(text: &str) -> u32 {
    u32::try_from(text.matches('\n').count()).unwrap_or(u32::MAX)
}

/// A group of regions with the same extent and kind, in candidate order.
struct Group<'r> {
    start: usize,
    end: usize,
    kind: Kind,
    members: Vec<&'r Region>,
}

/// `text` (the reference's `path`) with every region's switch.
fn render_file(path: &str, text: &str, regions: &[&Region], directives: bool) -> String {
    let mut groups: Vec<Group<'_>> = Vec::new();
    for &region in regions {
        match groups
            .iter_mut()
            .find(|g| (g.start, g.end, g.kind) == (region.start, region.end, region.kind))
        {
            Some(group) => group.members.push(region),
            None => groups.push(Group {
                start: region.start,
                end: region.end,
                kind: region.kind,
                members: vec![region],
            }),
        }
    }
    for group in &mut groups {
        group.members.sort_by_key(|r| r.candidate);
    }
    // Outer regions before the regions inside them.
    groups.sort_by(|x, y| x.start.cmp(&y.start).then(y.end.cmp(&x.end)));
    // An empty path: no directives, marked texts instead.
    let directive_path = if directives {
        format!("{}/{path}", crate::sandbox::WORK_DIR)
    } else {
        String::new()
    };
    render_range(&directive_path, text, 0, text.len(), &groups)
}

/// `text[from..to]` with the switches of `groups` (sorted, laminar, all inside the range).
fn render_range(path: &str, text: &str, from: usize, to: usize, groups: &[Group<'_>]) -> String {
    let mut out = String::new();
    let mut at = from;
    let mut i = 0;
    while i < groups.len() {
        let group = &groups[i];
        let inner_end = groups[i + 1..]
            .iter()
            .position(|g| g.start >= group.end)
            .map_or(groups.len(), |p| i + 1 + p);
        out.push_str(text.get(at..group.start).unwrap_or(""));
        let old = render_range(
            path,
            text,
            group.start,
            group.end,
            &groups[i + 1..inner_end],
        );
        out.push_str(&wrap(path, text, group, &old));
        at = group.end;
        i = inner_end;
    }
    out.push_str(text.get(at..to).unwrap_or(""));
    out
}

/// One group's switch around `old` (the reference's text of the region, with inner switches).
fn wrap(path: &str, text: &str, group: &Group<'_>, old: &str) -> String {
    let var = MUTANT_VAR;
    let (line, column) = line_col(text, group.start);
    let (end_line, end_column) = line_col(text, group.end);
    let (here, after) = if path.is_empty() {
        (String::new(), String::new())
    } else {
        (
            format!("/*line {path}:{line}:{column}*/"),
            format!("/*line {path}:{end_line}:{end_column}*/"),
        )
    };
    let mark = |k: usize| {
        if path.is_empty() {
            format!("/*selfheal:{k}*/")
        } else {
            here.clone()
        }
    };
    let mut out = String::new();
    match group.kind {
        Kind::Statements | Kind::Post => {
            if group.kind == Kind::Post {
                out.push_str("func() {");
            }
            for member in &group.members {
                let k = member.candidate + 1;
                out.push_str(&format!(
                    "if {var} == {k} {{{}{}\n}} else ",
                    mark(k),
                    member.text
                ));
            }
            out.push_str(&format!("{{{here}{old}\n}}"));
            if group.kind == Kind::Post {
                out.push_str("}()");
            }
        }
        Kind::Condition => {
            out.push_str("func() bool {");
            for member in &group.members {
                let k = member.candidate + 1;
                out.push_str(&format!(
                    "if {var} == {k} {{return {}{}\n}}; ",
                    mark(k),
                    member.text
                ));
            }
            out.push_str(&format!("return {here}{old}\n}}()"));
        }
    }
    out.push_str(&after);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go(main: &str) -> Program {
        Program::new(
            TargetLanguage::Go,
            [
                ("main.go".to_string(), main.to_string()),
                (
                    "main_test.go".to_string(),
                    "package main\n\nimport \"testing\"\n\nfunc TestF(t *testing.T) {}\n"
                        .to_string(),
                ),
            ],
        )
        .unwrap()
    }

    const BASE: &str = "package main\n\nfunc f(xs []int, limit int) int {\n\tn := 0\n\tfor i := 0; i < len(xs); i++ {\n\t\tif xs[i] < limit {\n\t\t\tn += 1\n\t\t}\n\t}\n\treturn n\n}\n";

    fn schema_of(edits: &[(&str, &str)]) -> Schema {
        let candidates: Vec<Program> = edits
            .iter()
            .map(|(from, to)| go(&BASE.replacen(from, to, 1)))
            .collect();
        Schema::build(&candidates).expect("a schema")
    }

    #[test]
    fn the_reference_is_the_text_most_candidates_share() {
        let schema = schema_of(&[
            ("xs[i] < limit", "xs[i] <= limit"),
            ("n += 1", "n += 2"),
            ("return n", "return n + 1"),
        ]);
        assert_eq!(schema.reference["main.go"], BASE);
        assert_eq!(schema.included, [true, true, true]);
    }

    #[test]
    fn conditions_statements_and_posts_get_their_switches() {
        let schema = schema_of(&[
            ("xs[i] < limit", "xs[i] <= limit"),
            ("xs[i] < limit", "xs[i] > limit"),
            ("n += 1", "n += 2"),
            ("i++", "i += 2"),
            ("return n", "return n + 1"),
        ]);
        let main = &schema.program.files()["main.go"];
        assert!(main.contains(
            "if func() bool {if selfhealMutant == 1 {return /*line /work/main.go:6:6*/xs[i] <= limit\n}; if selfhealMutant == 2 {return /*line /work/main.go:6:6*/xs[i] > limit\n}; return /*line /work/main.go:6:6*/xs[i] < limit\n}()/*line /work/main.go:6:19*/ {"
        ), "{main}");
        assert!(main.contains("if selfhealMutant == 3 {/*line /work/main.go:7:4*/n += 2\n} else {/*line /work/main.go:7:4*/n += 1\n}/*line /work/main.go:7:10*/"), "{main}");
        assert!(main.contains("; func() {if selfhealMutant == 4 {/*line /work/main.go:5:27*/i += 2\n} else {/*line /work/main.go:5:27*/i++\n}}()/*line /work/main.go:5:30*/ {"), "{main}");
        assert!(main.contains("if selfhealMutant == 5 {/*line /work/main.go:10:2*/return n + 1\n} else {/*line /work/main.go:10:2*/return n\n}"), "{main}");
        assert!(schema.program.files()[GENERATED_FILE].contains("os.Getenv(\"SELFHEAL_MUTANT\")"));
    }

    #[test]
    fn a_declaration_widens_the_region_to_the_end_of_its_block() {
        let schema = schema_of(&[
            ("n := 0", "n := 1"),
            ("return n", "return n + 1"),
            ("n += 1", "n += 2"),
        ]);
        let main = &schema.program.files()["main.go"];
        // The declaration's switch holds the rest of the body; the other two switches are
        // inside its original text.
        assert!(
            main.starts_with(
                "package main\n\nfunc f(xs []int, limit int) int {\n\tif selfhealMutant == 1 {/*line /work/main.go:4:2*/n := 1\n"
            ),
            "{main}"
        );
        assert!(
            main.contains("} else {/*line /work/main.go:4:2*/n := 0\n"),
            "{main}"
        );
        let outer_else = main.find("} else {/*line /work/main.go:4:2*/").unwrap();
        assert!(
            main.find("if selfhealMutant == 2 {").unwrap() > outer_else,
            "{main}"
        );
        assert!(
            main.find("if selfhealMutant == 3 {").unwrap() > outer_else,
            "{main}"
        );
        assert_eq!(main.matches("return n + 1").count(), 1, "{main}");
        assert_eq!(schema.included, [true, true, true]);
    }

    /// With two candidates the original cannot be told from either: the reference is the
    /// first candidate, and the second one's edit spans both places.
    #[test]
    fn two_candidates_are_compared_with_the_first() {
        let schema = schema_of(&[("n += 1", "n += 2"), ("return n", "return n + 1")]);
        assert_eq!(
            schema.reference["main.go"],
            BASE.replacen("n += 1", "n += 2", 1)
        );
        assert_eq!(schema.included, [true, true]);
    }

    #[test]
    fn edits_outside_function_bodies_and_in_test_files_are_left_out() {
        let mut candidates = vec![
            go(&BASE.replacen("limit int) int", "limit int) int64", 1)),
            go(&BASE.replacen("n += 1", "n += 2", 1)),
            go(&BASE.replacen("n += 1", "n -= 1", 1)),
        ];
        let mut files = candidates[2].files().clone();
        files.insert(
            "main_test.go".into(),
            "package main\n\nimport \"testing\"\n\nfunc TestF(t *testing.T) { t.Log() }\n".into(),
        );
        candidates.push(Program::new(TargetLanguage::Go, files).unwrap());
        let schema = Schema::build(&candidates).expect("a schema");
        assert_eq!(schema.included, [false, true, true, false]);
    }

    #[test]
    fn a_compile_error_drops_the_candidates_of_its_region_only() {
        let schema = schema_of(&[
            ("n += 1", "n += \"x\""),
            ("return n", "return n + 1"),
            ("xs[i] < limit", "xs[i] <= limit"),
        ]);
        let again = schema
            .without_build_errors(
                "# _/work\n/work/main.go:7:9: invalid operation: mismatched types\n",
            )
            .expect("a smaller schema");
        assert_eq!(again.included, [false, true, true]);
        assert!(!again.program.files()["main.go"].contains("\"x\""));
        // An error outside every region: the reference does not compile.
        assert!(schema
            .without_build_errors("./main.go:3:1: missing return\n")
            .is_none());
        assert!(schema.without_build_errors("no places here\n").is_none());
    }

    #[test]
    fn a_diagnostic_compile_names_the_one_candidate_of_a_shared_switch() {
        let schema = schema_of(&[
            ("xs[i] < limit", "xs[i] <= limit"),
            ("xs[i] < limit", "xs < limit"),
            ("return n", "return n + 1"),
            ("n += 1", "n += 2"),
        ]);
        let diagnostic = schema.diagnostic().expect("a diagnostic schema");
        let main = &diagnostic.program.files()["main.go"];
        assert!(!main.contains("/*line"), "{main}");
        let line = main
            .lines()
            .position(|l| l.contains("/*selfheal:2*/xs < limit"))
            .expect("marked")
            + 1;
        let output = format!("./main.go:{line}:40: invalid operation: mismatched types\n");
        let again = diagnostic.without_build_errors(&output).expect("a schema");
        assert_eq!(again.included, [true, false, true, true]);
        assert!(again.program.files()["main.go"].contains("/*line"));
        // With directives, the same error names the whole switch.
        let coarse = schema
            .without_build_errors("./main.go:6:6: invalid operation\n")
            .expect("a schema");
        assert_eq!(coarse.included, [false, false, true, true]);
    }

    #[test]
    fn sub_packages_and_lone_candidates_do_not_make_a_schema() {
        assert!(Schema::build(&[go(BASE)]).is_none());
        let mut files = go(BASE).files().clone();
        files.insert("util/util.go".into(), "package util\n".into());
        let nested = Program::new(TargetLanguage::Go, files).unwrap();
        assert!(Schema::build(&[nested.clone(), nested]).is_none());
    }
}
