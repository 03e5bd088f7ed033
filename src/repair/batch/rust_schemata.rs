//! Rust mutant schemata: many candidate programs as one crate whose edits sit behind a runtime
//! switch, so one `rustc --test` compile serves every candidate.
//!
//! As for Go ([`super::go_schemata`]), the candidates are compared with a reference built from
//! themselves, and each candidate's edit (the span between the common prefix and suffix of a
//! file) is widened to the smallest piece of the reference's syntax tree (tree-sitter-rust) a
//! switch can wrap without changing what the code means:
//!
//! - an expression in a value position:
//!   `(if crate::selfheal_mutant(K) { NEW } else { OLD })`. A place (the left side of an
//!   assignment, the operand of `&`/`&mut` or `*`, a field's or an index's base, a method's
//!   receiver, a `match` scrutinee) is never wrapped: the switch would move or copy it, so the
//!   region widens to the expression around it;
//! - statements of a block, or its tail expression: `if crate::selfheal_mutant(K) { NEW } else
//!   { OLD }`. A `let` among them (in the reference or in the candidate) widens the region to
//!   the end of its block, so the names it declares stay in scope for the code that uses them.
//!
//! The candidate's text of a region must be the same kind of node in the candidate's own tree
//! (one expression, or whole statements), so operator precedence around it cannot change.
//! Candidates whose regions are the same share one `if … else if …` chain; a region inside
//! another is wrapped inside the outer one's original text. A candidate is left out (validated
//! alone) when an edit is outside a function body, in a test (a test file, a `#[test]`
//! function, a `#[cfg(test)]` module), in a constant context (`const`, `static`, `const`
//! blocks, array lengths in types, generic arguments), touches an item declared inside a block
//! (a nested `fn`, `struct`, `use`, `macro_rules!`, …), does not parse, or overlaps another
//! candidate's region without nesting.
//!
//! The crate root gains [`MUTANT_FN`] at its end (no line moves), reading [`MUTANT_ENV`] once.
//! Rust has no line directives: the schema keeps a map from its bytes to the reference's and
//! each candidate's own text, so a compile error's spans name the candidates whose text holds
//! them ([`Schema::without_build_errors`]) and a run's `file:line:col` positions (panics,
//! assertions) are rewritten into the candidate's own lines ([`Schema::positions_for`]).

use std::collections::BTreeMap;

use tree_sitter::Node;

use super::go_schemata::{edit_span, reference};
use crate::program::Program;
use crate::types::TargetLanguage;

/// The environment variable that selects the candidate (1-based; 0 or unset: the reference).
pub const MUTANT_ENV: &str = "SELFHEAL_MUTANT";
/// The crate-root function the switches call.
pub const MUTANT_FN: &str = "selfheal_mutant";

/// How a region is wrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// One expression in a value position.
    Expression,
    /// Whole statements of one block (its tail expression included).
    Statements,
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

impl Region {
    fn delta(&self) -> isize {
        self.text.len() as isize - (self.end - self.start) as isize
    }
}

/// Where a byte of the schema's file comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// The reference's text, from this offset of the reference's file.
    Reference(usize),
    /// A candidate's text of a region (the region's start in the reference).
    Candidate { candidate: usize, region: usize },
    /// The switch's own code around the region `start..end` of the reference.
    Scaffold { start: usize, end: usize },
}

/// A stretch of the schema's file with one origin.
#[derive(Debug, Clone, Copy)]
struct Piece {
    start: usize,
    end: usize,
    origin: Origin,
}

/// A schema of candidates: the crate to compile once, and which candidates it holds.
#[derive(Debug, Clone)]
pub struct Schema {
    /// The schema's program (the reference's files with the switches; the crate root ends with
    /// [`MUTANT_FN`]).
    pub program: Program,
    /// Per candidate: whether the schema holds it (its mutant number is its index + 1).
    pub included: Vec<bool>,
    regions: Vec<Region>,
    reference: BTreeMap<String, String>,
    root: String,
    /// Per switched file: where each stretch of its text comes from.
    maps: BTreeMap<String, Vec<Piece>>,
    /// Per candidate: its files (the text its positions are reported in).
    candidates: Vec<BTreeMap<String, String>>,
}

impl Schema {
    /// Builds the schema of `candidates` (Rust programs with the same files), whose crate root
    /// is `root`. `None` when they cannot share one: another language, different file sets or
    /// data files, a program that already names [`MUTANT_FN`], or fewer than two candidates
    /// that can be wrapped.
    pub fn build(candidates: &[Program], root: &str) -> Option<Schema> {
        let first = candidates.first()?;
        if candidates.iter().any(|c| {
            c.language() != TargetLanguage::Rust
                || c.files().keys().ne(first.files().keys())
                || c.data_files() != first.data_files()
                || c.files().values().any(|t| t.contains(MUTANT_FN))
        }) {
            return None;
        }
        let reference = reference(candidates);
        if !reference.contains_key(root) {
            return None;
        }
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
        let files = candidates.iter().map(|c| c.files().clone()).collect();
        Schema::assemble(first, reference, root, regions, included, files)
    }

    fn assemble(
        first: &Program,
        reference: BTreeMap<String, String>,
        root: &str,
        regions: Vec<Region>,
        included: Vec<bool>,
        candidates: Vec<BTreeMap<String, String>>,
    ) -> Option<Schema> {
        if included.iter().filter(|i| **i).count() < 2 {
            return None;
        }
        let mut files = BTreeMap::new();
        let mut maps = BTreeMap::new();
        for (path, text) in &reference {
            let mine: Vec<&Region> = regions.iter().filter(|r| &r.file == path).collect();
            let mut rendered = if mine.is_empty() {
                text.clone()
            } else {
                let (rendered, pieces) = render_file(text, &mine);
                maps.insert(path.clone(), pieces);
                rendered
            };
            if path == root {
                if !rendered.ends_with('\n') {
                    rendered.push('\n');
                }
                rendered.push_str(&mutant_fn());
            }
            files.insert(path.clone(), rendered);
        }
        let program = Program::from_parts(
            TargetLanguage::Rust,
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
            root: root.to_string(),
            maps,
            candidates,
        })
    }

    /// The schema without the candidates a compile error names. `errors` holds each error's
    /// spans as (file, byte start, byte end) in the schema's files (rustc's JSON diagnostics).
    /// An error names the candidates whose own text one of its spans touches; failing that,
    /// the candidates of the innermost switch one of its spans lies in (their shared reference
    /// text: a type or a move the switch's branches disagree on). `None` when an error names no
    /// candidate (the reference itself does not compile), there is no error, or fewer than two
    /// candidates remain.
    pub fn without_build_errors(&self, errors: &[Vec<(String, usize, usize)>]) -> Option<Schema> {
        if errors.is_empty() {
            return None;
        }
        let mut dropped = vec![false; self.included.len()];
        for spans in errors {
            let mut culprits: Vec<usize> = spans
                .iter()
                .flat_map(|(file, start, end)| self.candidates_in(file, *start, *end))
                .collect();
            if culprits.is_empty() {
                culprits = spans
                    .iter()
                    .flat_map(|(file, start, _)| self.switch_at(file, *start))
                    .collect();
            }
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
            &self.root,
            regions,
            included,
            self.candidates.clone(),
        )
    }

    /// The candidates whose own text overlaps (or, for an empty span, touches) `start..end` of
    /// the schema's `file`.
    fn candidates_in(&self, file: &str, start: usize, end: usize) -> Vec<usize> {
        let Some(pieces) = self.maps.get(file) else {
            return Vec::new();
        };
        pieces
            .iter()
            .filter(|p| start < p.end && p.start < end.max(start + 1))
            .filter_map(|p| match p.origin {
                Origin::Candidate { candidate, .. } => Some(candidate),
                _ => None,
            })
            .collect()
    }

    /// The candidates of the innermost switch whose schema text holds `offset` of `file`.
    fn switch_at(&self, file: &str, offset: usize) -> Vec<usize> {
        let Some(pieces) = self.maps.get(file) else {
            return Vec::new();
        };
        let Some(piece) = pieces.iter().find(|p| p.start <= offset && offset < p.end) else {
            return Vec::new();
        };
        // A scaffold names its switch; reference text names the innermost region around it.
        let (from, to) = match piece.origin {
            Origin::Scaffold { start, end } => (start, end),
            Origin::Reference(at) => {
                let at = at + (offset - piece.start);
                let Some(inner) = self
                    .regions
                    .iter()
                    .filter(|r| r.file == file && r.start <= at && at < r.end)
                    .min_by_key(|r| r.end - r.start)
                else {
                    return Vec::new();
                };
                (inner.start, inner.end)
            }
            Origin::Candidate { candidate, .. } => return vec![candidate],
        };
        self.regions
            .iter()
            .filter(|r| r.file == file && (r.start, r.end) == (from, to))
            .map(|r| r.candidate)
            .collect()
    }

    /// Rewrites every `file:LINE:COL` of a switched file in `output` (a run of the candidate
    /// `candidate`: panics, assertions) from the schema's positions into the candidate's own.
    /// Positions in another candidate's text or in a switch's code are left as they are.
    pub fn positions_for(&self, candidate: usize, output: &str) -> String {
        let mut out = String::with_capacity(output.len());
        let mut rest = output;
        let work = format!("{}/", crate::sandbox::WORK_DIR);
        // The earliest mention of a switched file, one at a time.
        while let Some((at, file, pieces)) = self
            .maps
            .iter()
            .filter_map(|(file, pieces)| rest.find(file.as_str()).map(|at| (at, file, pieces)))
            .min_by_key(|(at, file, _)| (*at, std::cmp::Reverse(file.len())))
        {
            let (before, after) = (&rest[..at], &rest[at + file.len()..]);
            let bounded = before.ends_with(&work)
                || before
                    .chars()
                    .next_back()
                    .is_none_or(|c| !(c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '/')));
            out.push_str(before);
            out.push_str(file);
            rest = after;
            let Some((line, column, used)) = bounded.then(|| position(after)).flatten() else {
                continue;
            };
            if let Some((l, c)) = self.map_position(candidate, file, pieces, line, column) {
                out.push_str(&format!(":{l}:{c}"));
                rest = &after[used..];
            }
        }
        out.push_str(rest);
        out
    }

    /// The candidate's (line, column) for the schema's `line:column` of `file`.
    fn map_position(
        &self,
        candidate: usize,
        file: &str,
        pieces: &[Piece],
        line: u32,
        column: u32,
    ) -> Option<(u32, u32)> {
        let schema = self.program.files().get(file)?;
        let offset = offset_of(schema, line, column)?;
        let piece = pieces
            .iter()
            .find(|p| p.start <= offset && offset < p.end)?;
        let shift = |at: usize| -> isize {
            self.regions
                .iter()
                .filter(|r| r.candidate == candidate && r.file == file && r.end <= at)
                .map(Region::delta)
                .sum()
        };
        let own = match piece.origin {
            Origin::Reference(at) => {
                let at = at + (offset - piece.start);
                at as isize + shift(at)
            }
            Origin::Candidate {
                candidate: c,
                region,
            } if c == candidate => (region + (offset - piece.start)) as isize + shift(region),
            _ => return None,
        };
        let text = self.candidates.get(candidate)?.get(file)?;
        let own = usize::try_from(own).ok()?;
        text.is_char_boundary(own).then(|| line_col(text, own))
    }
}

/// `:LINE:COL` at the start of `text`: (line, column, bytes used).
fn position(text: &str) -> Option<(u32, u32, usize)> {
    let digits = |s: &str| s.bytes().take_while(u8::is_ascii_digit).count();
    let rest = text.strip_prefix(':')?;
    let n = digits(rest);
    let line: u32 = rest.get(..n)?.parse().ok()?;
    let rest2 = rest[n..].strip_prefix(':')?;
    let m = digits(rest2);
    let column: u32 = rest2.get(..m)?.parse().ok()?;
    Some((line, column, 1 + n + 1 + m))
}

/// The byte offset of a 1-based line and character column.
fn offset_of(text: &str, line: u32, column: u32) -> Option<usize> {
    let start = if line <= 1 {
        0
    } else {
        text.match_indices('\n')
            .nth(usize::try_from(line).ok()? - 2)?
            .0
            + 1
    };
    let skip = usize::try_from(column.max(1) - 1).ok()?;
    let within = text[start..]
        .char_indices()
        .nth(skip)
        .map_or(text.len() - start, |(i, _)| i);
    Some(start + within)
}

/// 1-based line and character column of a byte offset.
fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

/// The function the switches call, appended to the crate root.
fn mutant_fn() -> String {
    format!(
        "\n// Generated by selfheal for a batched validation: which candidate edit runs.\n\
         #[doc(hidden)]\n#[allow(dead_code)]\nfn {MUTANT_FN}(k: usize) -> bool {{\n    \
         static MUTANT: ::std::sync::OnceLock<usize> = ::std::sync::OnceLock::new();\n    \
         *MUTANT.get_or_init(|| {{\n        ::std::env::var(\"{MUTANT_ENV}\")\n            \
         .ok()\n            .and_then(|v| v.trim().parse().ok())\n            \
         .unwrap_or(0)\n    }}) == k\n}}\n"
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
        if !path.ends_with(".rs") || crate::lang::is_test_file(TargetLanguage::Rust, path) {
            return None;
        }
        let (a, b, delta) = edit_span(old, new);
        let tree = crate::repair::syntax::parse(TargetLanguage::Rust, old)?;
        let new_tree = crate::repair::syntax::parse(TargetLanguage::Rust, new)?;
        if tree.root_node().has_error() || new_tree.root_node().has_error() {
            return None;
        }
        let (start, end, kind) = wrappable(
            tree.root_node(),
            new_tree.root_node(),
            old,
            new,
            a,
            b,
            delta,
        )?;
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

/// Expression kinds a switch can wrap when they stand in a value position.
const VALUE_KINDS: &[&str] = &[
    "binary_expression",
    "unary_expression",
    "integer_literal",
    "float_literal",
    "string_literal",
    "raw_string_literal",
    "char_literal",
    "boolean_literal",
    "identifier",
    "self",
    "field_expression",
    "call_expression",
    "index_expression",
    "reference_expression",
    "range_expression",
    "if_expression",
    "match_expression",
    "parenthesized_expression",
    "tuple_expression",
    "array_expression",
    "struct_expression",
    "type_cast_expression",
    "try_expression",
    "macro_invocation",
    "scoped_identifier",
    "unit_expression",
    "await_expression",
    "generic_function",
];

/// Nodes whose inside is a constant context, a macro's definition, an attribute or a pattern:
/// no switch may stand there.
const NO_SWITCH_INSIDE: &[&str] = &[
    "const_item",
    "static_item",
    "const_block",
    "array_type",
    "type_arguments",
    "macro_definition",
    "attribute_item",
    "inner_attribute_item",
];

/// Items a block may declare: visible in the whole block, so never inside a switch.
fn is_item(kind: &str) -> bool {
    kind.ends_with("_item")
        || matches!(
            kind,
            "use_declaration"
                | "extern_crate_declaration"
                | "macro_definition"
                | "foreign_mod_item"
        )
}

/// Whether `node` is inside a test: a `#[test]` function or a `#[cfg(test)]` module (any
/// attribute naming `test` on an enclosing item).
fn in_test(node: Node<'_>, source: &str) -> bool {
    let mut current = Some(node);
    while let Some(n) = current {
        if matches!(n.kind(), "function_item" | "mod_item") {
            let mut sibling = n.prev_named_sibling();
            while let Some(s) = sibling {
                match s.kind() {
                    "attribute_item" => {
                        if crate::repair::syntax::text(s, source).contains("test") {
                            return true;
                        }
                    }
                    "line_comment" | "block_comment" => {}
                    _ => break,
                }
                sibling = s.prev_named_sibling();
            }
        }
        current = n.parent();
    }
    false
}

/// Whether a value-kind `node` stands where a switch may wrap it: not in a macro's tokens,
/// not a place (the switch would move or copy it), not a name or a pattern.
fn value_position(node: Node<'_>, source: &str) -> bool {
    let Some(parent) = node.parent() else {
        return false;
    };
    let field = crate::repair::syntax::field_of(node);
    let mut up = Some(node);
    while let Some(n) = up {
        if n.kind() == "token_tree" || n.kind().ends_with("_pattern") {
            return false;
        }
        if matches!(n.kind(), "block" | "function_item") {
            break;
        }
        up = n.parent();
    }
    if matches!(
        field,
        Some("pattern" | "name" | "type" | "field" | "label" | "macro")
    ) {
        return false;
    }
    match parent.kind() {
        "assignment_expression" | "compound_assignment_expr" => field != Some("left"),
        "reference_expression" | "shorthand_field_initializer" | "else_clause" => false,
        "field_expression" => field != Some("value"),
        "index_expression" => parent
            .named_child(0)
            .is_none_or(|first| first.id() != node.id()),
        "unary_expression" => parent
            .child(0)
            .is_none_or(|op| crate::repair::syntax::text(op, source) != "*"),
        "call_expression" => field != Some("function"),
        "match_expression" | "let_condition" => field != Some("value"),
        "array_expression" => field != Some("length"),
        "let_declaration" => parent
            .child_by_field_name("pattern")
            .is_none_or(|p| !crate::repair::syntax::text(p, source).contains("ref")),
        _ => true,
    }
}

/// The smallest region of `root` (the reference `old`) around the edit `a..b` that a switch
/// can wrap, as (start, end, kind). `new_root` is the candidate's tree.
fn wrappable(
    root: Node<'_>,
    new_root: Node<'_>,
    old: &str,
    new: &str,
    a: usize,
    b: usize,
    delta: isize,
) -> Option<(usize, usize, Kind)> {
    let from = |node: Node<'_>, a: usize, b: usize| {
        wrappable_from(node, new_root, (old, new), a, b, delta)
    };
    let at = from(root.descendant_for_byte_range(a, b)?, a, b);
    if a != b || a == 0 {
        return at;
    }
    // An insertion is also the same insertion moved left over the blanks it ends with
    // (`limit {` → `limit + 1 {` inserts `+ 1 ` before `{`, or ` + 1` after `limit`), and its
    // point is also the end of the token before it (`b` of `a && b` when `|| c` is inserted):
    // the smallest region wins.
    let inserted = new.get(a..usize::try_from(a as isize + delta).ok()?)?;
    let mut point = a;
    let mut tail = inserted;
    while let (Some(x), Some(y)) = (old[..point].chars().next_back(), tail.chars().next_back()) {
        if x != y || !x.is_whitespace() {
            break;
        }
        point -= x.len_utf8();
        tail = &tail[..tail.len() - y.len_utf8()];
    }
    let mut before = point.saturating_sub(1);
    while !old.is_char_boundary(before) {
        before -= 1;
    }
    let behind = (point > 0)
        .then(|| root.descendant_for_byte_range(before, point))
        .flatten()
        .and_then(|node| from(node, point, point));
    match (at, behind) {
        (Some(x), Some(y)) => Some(if y.1 - y.0 < x.1 - x.0 { y } else { x }),
        (x, y) => x.or(y),
    }
}

/// [`wrappable`] from one node around the edit.
fn wrappable_from(
    mut node: Node<'_>,
    new_root: Node<'_>,
    (old, new): (&str, &str),
    a: usize,
    b: usize,
    delta: isize,
) -> Option<(usize, usize, Kind)> {
    if in_test(node, old) {
        return None;
    }
    let mut in_body = false;
    let mut up = Some(node);
    while let Some(n) = up {
        if NO_SWITCH_INSIDE.contains(&n.kind()) {
            return None;
        }
        if n.kind() == "block"
            && n.parent().is_some_and(|p| {
                crate::repair::syntax::field_of(n) == Some("body") && p.kind() == "function_item"
            })
        {
            in_body = true;
        }
        up = n.parent();
    }
    if !in_body {
        return None;
    }
    loop {
        if node.start_byte() <= a && b <= node.end_byte() {
            match node.kind() {
                "function_item" | "source_file" | "closure_parameters" | "parameters" => {
                    return None
                }
                "block" if a > node.start_byte() && b < node.end_byte() => {
                    return statements(node, new_root, (old, new), a, b, delta);
                }
                _ => {}
            }
            // A statement (an expression statement, `if …` and loops among them) or the tail.
            let parent = node.parent()?;
            if parent.kind() == "block" {
                return statements(parent, new_root, (old, new), a, b, delta);
            }
            if parent.kind() == "expression_statement"
                && parent.parent().is_some_and(|p| p.kind() == "block")
            {
                let block = parent.parent()?;
                return statements(block, new_root, (old, new), a, b, delta);
            }
            if VALUE_KINDS.contains(&node.kind()) && value_position(node, old) {
                let (start, end) = (node.start_byte(), node.end_byte());
                let new_end = usize::try_from(end as isize + delta).ok()?;
                let same = new_root
                    .descendant_for_byte_range(start, new_end)
                    .is_some_and(|n| {
                        n.start_byte() == start
                            && n.end_byte() == new_end
                            && VALUE_KINDS.contains(&n.kind())
                    });
                if same {
                    return Some((start, end, Kind::Expression));
                }
            }
        }
        node = node.parent()?;
    }
}

/// The statements of `block` (in the reference) the edit touches (for an insertion between
/// statements, the one after it, else the one before), widened to the end of the block when
/// one of them, in the reference or in the candidate, is a `let`.
fn statements(
    block: Node<'_>,
    new_root: Node<'_>,
    (old, new): (&str, &str),
    a: usize,
    b: usize,
    delta: isize,
) -> Option<(usize, usize, Kind)> {
    let stmts = block_statements(block);
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
    // The region may reach into the blanks between statements only (not a comment, not a
    // brace): the switch must start and end between statements.
    let blank = |from: usize, to: usize| old.get(from..to).is_some_and(|t| t.trim().is_empty());
    if (a < first.start_byte() && !blank(a, first.start_byte()))
        || (b > last.end_byte() && !blank(last.end_byte(), b))
    {
        return None;
    }
    let start = first.start_byte().min(a);
    let mut end = last.end_byte().max(b);
    let in_region = |s: &&Node<'_>, end: usize| s.start_byte() < end && start < s.end_byte();
    if stmts
        .iter()
        .filter(|s| in_region(s, end))
        .any(|s| is_item(s.kind()))
    {
        return None;
    }
    let declares_old = stmts
        .iter()
        .filter(|s| in_region(s, end))
        .any(|s| s.kind() == "let_declaration");
    let new_end = usize::try_from(end as isize + delta).ok()?;
    let (new_stmts, declares_new) = new_statements(new_root, new, start, new_end)?;
    if new_stmts.iter().any(|k| is_item(k)) {
        return None;
    }
    if declares_old || declares_new {
        end = stmts.last()?.end_byte().max(end);
    }
    Some((start, end, Kind::Statements))
}

/// The statements of a block: its named children but comments and braces.
fn block_statements(block: Node<'_>) -> Vec<Node<'_>> {
    crate::repair::syntax::children(block)
        .into_iter()
        .filter(|n| n.is_named() && !matches!(n.kind(), "line_comment" | "block_comment"))
        .collect()
}

/// In the candidate's tree: the kinds of the whole statements of one block that exactly make
/// up `start..end`, and whether one is a `let`. `None` when that text is not whole statements
/// of one block.
fn new_statements(
    root: Node<'_>,
    new: &str,
    start: usize,
    end: usize,
) -> Option<(Vec<String>, bool)> {
    // The region may start and end in blanks.
    let text = new.get(start..end)?;
    let start = start + (text.len() - text.trim_start().len());
    let end = end - (text.len() - text.trim_end().len());
    if start >= end {
        // The candidate removed the statements: an empty branch.
        return Some((Vec::new(), false));
    }
    let mut node = root.descendant_for_byte_range(start, end.max(start))?;
    while node.kind() != "block" || !(node.start_byte() < start && end < node.end_byte()) {
        node = node.parent()?;
    }
    let inside: Vec<Node<'_>> = block_statements(node)
        .into_iter()
        .filter(|s| s.start_byte() < end && start < s.end_byte())
        .collect();
    let first = inside.first()?;
    let last = inside.last()?;
    if first.start_byte() != start || last.end_byte() != end {
        return None;
    }
    let kinds: Vec<String> = inside.iter().map(|s| s.kind().to_string()).collect();
    let declares = kinds.iter().any(|k| k == "let_declaration");
    Some((kinds, declares))
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

/// A group of regions with the same extent and kind, in candidate order.
struct Group<'r> {
    start: usize,
    end: usize,
    kind: Kind,
    members: Vec<&'r Region>,
}

/// The schema's text of a file, with the origin of each of its stretches.
#[derive(Default)]
struct Rendered {
    text: String,
    pieces: Vec<Piece>,
}

impl Rendered {
    fn push(&mut self, text: &str, origin: Origin) {
        if text.is_empty() {
            return;
        }
        let start = self.text.len();
        self.text.push_str(text);
        self.pieces.push(Piece {
            start,
            end: self.text.len(),
            origin,
        });
    }
}

/// `text` (the reference's file) with every region's switch, and its map.
fn render_file(text: &str, regions: &[&Region]) -> (String, Vec<Piece>) {
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
    let mut out = Rendered::default();
    render_range(&mut out, text, 0, text.len(), &groups);
    (out.text, out.pieces)
}

/// `text[from..to]` with the switches of `groups` (sorted, laminar, all inside the range).
fn render_range(out: &mut Rendered, text: &str, from: usize, to: usize, groups: &[Group<'_>]) {
    let mut at = from;
    let mut i = 0;
    while i < groups.len() {
        let group = &groups[i];
        let inner_end = groups[i + 1..]
            .iter()
            .position(|g| g.start >= group.end)
            .map_or(groups.len(), |p| i + 1 + p);
        out.push(
            text.get(at..group.start).unwrap_or(""),
            Origin::Reference(at),
        );
        let scaffold = Origin::Scaffold {
            start: group.start,
            end: group.end,
        };
        let open = if group.kind == Kind::Expression {
            "("
        } else {
            ""
        };
        out.push(open, scaffold);
        for member in &group.members {
            let k = member.candidate + 1;
            out.push(&format!("if crate::{MUTANT_FN}({k}) {{ "), scaffold);
            out.push(
                &member.text,
                Origin::Candidate {
                    candidate: member.candidate,
                    region: member.start,
                },
            );
            out.push(&format!("{} }} else ", line_end(&member.text)), scaffold);
        }
        out.push("{ ", scaffold);
        render_range(out, text, group.start, group.end, &groups[i + 1..inner_end]);
        let old = text.get(group.start..group.end).unwrap_or("");
        let close = if group.kind == Kind::Expression {
            ")"
        } else {
            ""
        };
        out.push(&format!("{} }}{close}", line_end(old)), scaffold);
        at = group.end;
        i = inner_end;
    }
    out.push(text.get(at..to).unwrap_or(""), Origin::Reference(at));
}

/// A newline when the last line of `text` holds a `//` comment (it would swallow the brace).
fn line_end(text: &str) -> &'static str {
    if text.rsplit('\n').next().is_some_and(|l| l.contains("//")) {
        "\n"
    } else {
        ""
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEST: &str = "\n#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn counts() {\n        assert_eq!(count_at_most(&[1, 2, 3, 4], 3), 3);\n    }\n}\n";

    const BASE: &str = "pub fn count_at_most(xs: &[i32], limit: i32) -> usize {\n    let mut n = 0;\n    let mut i = 0;\n    while i < xs.len() {\n        if xs[i] < limit {\n            n += 1;\n        }\n        i += 1;\n    }\n    n\n}\n";

    fn rust(code: &str) -> Program {
        Program::new(
            TargetLanguage::Rust,
            [("src/lib.rs".to_string(), format!("{code}{TEST}"))],
        )
        .unwrap()
    }

    /// The schema of the unchanged program (mutant 1) and one candidate per edit (mutants 2, 3,
    /// …), so that the reference is `BASE`.
    fn schema_of(edits: &[(&str, &str)]) -> Schema {
        let mut candidates = vec![rust(BASE)];
        candidates.extend(edits.iter().map(|(from, to)| {
            assert!(BASE.contains(from), "{from}");
            rust(&BASE.replacen(from, to, 1))
        }));
        let schema = Schema::build(&candidates, "src/lib.rs").expect("a schema");
        assert_eq!(schema.reference["src/lib.rs"], format!("{BASE}{TEST}"));
        schema
    }

    fn lib(schema: &Schema) -> &str {
        &schema.program.files()["src/lib.rs"]
    }

    #[test]
    fn expressions_and_statements_get_their_switches() {
        let schema = schema_of(&[
            ("xs[i] < limit", "xs[i] <= limit"),
            ("xs[i] < limit", "xs[i] > limit"),
            ("n += 1;", "n += 2;"),
            ("i += 1;", "i += 2;"),
            ("    n\n}", "    n + 1\n}"),
        ]);
        let main = lib(&schema);
        assert_eq!(schema.included, [true; 6]);
        assert!(
            main.contains("if (if crate::selfheal_mutant(2) { xs[i] <= limit } else if crate::selfheal_mutant(3) { xs[i] > limit } else { xs[i] < limit }) {"),
            "{main}"
        );
        // `n += 1` → `n += 2`: the literal, a value.
        assert!(
            main.contains("n += (if crate::selfheal_mutant(4) { 2 } else { 1 });"),
            "{main}"
        );
        assert!(
            main.contains("i += (if crate::selfheal_mutant(5) { 2 } else { 1 });"),
            "{main}"
        );
        // The tail expression `n` → `n + 1`: a statement switch, the block's value.
        assert!(
            main.contains("    if crate::selfheal_mutant(6) { n + 1 } else { n }\n}"),
            "{main}"
        );
        assert!(main.contains("fn selfheal_mutant(k: usize) -> bool"));
        assert!(main.contains("::std::env::var(\"SELFHEAL_MUTANT\")"));
        // No line moves before the crate root's end.
        assert!(main.starts_with(&format!("{}\n", BASE.lines().next().unwrap())));
    }

    #[test]
    fn an_if_statement_is_a_statement_switch() {
        // `limit {` → `limit + 1 {` inserts before the brace: the switch takes `limit` alone.
        // `if` around the whole statement: a statement switch, never `(if …)` where a statement
        // stands.
        let schema = schema_of(&[
            ("xs[i] < limit {", "xs[i] < limit + 1 {"),
            (
                "if xs[i] < limit {\n            n += 1;\n        }",
                "if xs[i] < limit {\n            n += 1;\n        } else {\n            n += 0;\n        }",
            ),
        ]);
        let main = lib(&schema);
        assert!(
            main.contains("xs[i] < (if crate::selfheal_mutant(2) { limit + 1 } else { limit }) {"),
            "{main}"
        );
        assert!(
            main.contains("        if crate::selfheal_mutant(3) { if xs[i]"),
            "{main}"
        );
        assert!(!main.contains("(if crate::selfheal_mutant(3)"), "{main}");
    }

    #[test]
    fn a_place_is_never_wrapped() {
        // `n` on the left of `+=`: the switch widens to the whole statement.
        let schema = schema_of(&[("n += 1;", "i += 1;"), ("xs[i] < limit", "xs[i] <= limit")]);
        assert!(
            lib(&schema).contains("if crate::selfheal_mutant(2) { i += 1; } else { n += 1; }"),
            "{}",
            lib(&schema)
        );
    }

    #[test]
    fn a_let_widens_the_region_to_the_end_of_its_block() {
        // A changed `let` value is only a value.
        let schema = schema_of(&[
            ("let mut n = 0;", "let mut n = 0usize;"),
            ("n += 1;", "n += 2;"),
        ]);
        assert!(
            lib(&schema)
                .contains("let mut n = (if crate::selfheal_mutant(2) { 0usize } else { 0 });"),
            "{}",
            lib(&schema)
        );
        // A new `let` takes the rest of its block.
        let widened = schema_of(&[
            ("let mut i = 0;", "let mut i = 0;\n    let m = 1;"),
            ("n += 1;", "n += 2;"),
        ]);
        let main = lib(&widened);
        assert!(
            main.contains("    if crate::selfheal_mutant(2) { let m = 1;\n    while i < xs.len()"),
            "{main}"
        );
        // The other switch lies inside the original text of the widened one, which ends with
        // the block's tail.
        let outer_else = main.find("} else { while").expect("the original");
        assert!(
            main.find("if crate::selfheal_mutant(3)").unwrap() > outer_else,
            "{main}"
        );
        assert!(main.contains("    n }\n}"), "{main}");
        assert_eq!(widened.included, [true, true, true]);
    }

    #[test]
    fn tests_signatures_consts_and_nested_items_are_left_out() {
        let schema = schema_of(&[
            ("limit: i32) -> usize", "limit: i64) -> usize"),
            ("n += 1;", "n += 2;"),
            ("let mut i = 0;", "const I: usize = 1;\n    let mut i = 0;"),
            ("let mut i = 0;", "fn g() {}\n    let mut i = 0;"),
            ("xs[i] < limit", "xs[I] < limit"),
        ]);
        assert_eq!(schema.included, [true, false, true, false, false, true]);
        let mut files = rust(BASE).files().clone();
        let text = files["src/lib.rs"].replace("3), 3)", "3), 4)");
        files.insert("src/lib.rs".into(), text);
        let candidates = [
            rust(BASE),
            Program::new(TargetLanguage::Rust, files).unwrap(),
            rust(&BASE.replacen("n += 1;", "n += 2;", 1)),
            rust(&BASE.replacen("n += 1;", "n += 3;", 1)),
        ];
        let schema = Schema::build(&candidates, "src/lib.rs").expect("a schema");
        assert_eq!(schema.included, [true, false, true, true]);
    }

    #[test]
    fn a_compile_error_drops_the_candidates_whose_text_holds_it() {
        let schema = schema_of(&[
            ("n += 1;", "n += \"x\";"),
            ("    n\n}", "    n + 1\n}"),
            ("xs[i] < limit", "xs[i] <= limit"),
        ]);
        let main = lib(&schema);
        let at = main.find("\"x\"").unwrap();
        let again = schema
            .without_build_errors(&[vec![("src/lib.rs".into(), at, at + 3)]])
            .expect("a smaller schema");
        assert_eq!(again.included, [true, false, true, true]);
        assert!(!lib(&again).contains("\"x\""));
        // An error in a switch's shared original text names its candidates.
        let old = main.find("else { xs[i] < limit }").unwrap() + 7;
        let shared = schema
            .without_build_errors(&[vec![("src/lib.rs".into(), old, old + 5)]])
            .expect("a smaller schema");
        assert_eq!(shared.included, [true, true, true, false]);
        // An error outside every switch: the reference does not compile.
        assert!(schema
            .without_build_errors(&[vec![("src/lib.rs".into(), 0, 3)]])
            .is_none());
        assert!(schema.without_build_errors(&[]).is_none());
    }

    #[test]
    fn positions_are_rewritten_into_the_candidates_lines() {
        let schema = schema_of(&[
            (
                "    let mut i = 0;\n",
                "    let mut i = 0;\n    let extra = 0;\n    n += extra;\n",
            ),
            ("xs[i] < limit", "xs[i + 1] < limit"),
            ("n += 1;", "n += 2;"),
        ]);
        let main = lib(&schema).to_string();
        let own = |k: usize| schema.candidates[k]["src/lib.rs"].clone();
        let schema_pos = |needle: &str| line_col(&main, main.find(needle).unwrap());
        // Candidate 2's panic inside its own text (the switch wraps the index only).
        assert!(main.contains("xs[(if crate::selfheal_mutant(3) { i + 1 } else { i })]"));
        let (l, c) = schema_pos("i + 1 }");
        let out = schema.positions_for(2, &format!("panicked at src/lib.rs:{l}:{c}:\n"));
        let (el, ec) = line_col(&own(2), own(2).find("i + 1]").unwrap());
        assert_eq!(out, format!("panicked at src/lib.rs:{el}:{ec}:\n"));
        // The test's assertion, after every switch: each candidate's own line.
        let (l, c) = schema_pos("assert_eq!");
        for k in 0..4 {
            let out = schema.positions_for(k, &format!("at /work/src/lib.rs:{l}:{c}: x"));
            let (el, ec) = line_col(&own(k), own(k).find("assert_eq!").unwrap());
            assert_eq!(
                out,
                format!("at /work/src/lib.rs:{el}:{ec}: x"),
                "candidate {k}"
            );
        }
        assert_ne!(line_col(&own(1), own(1).find("assert_eq!").unwrap()).0, l);
        assert_eq!(schema.positions_for(0, "no places"), "no places");
        assert_eq!(
            schema.positions_for(0, "mysrc/lib.rs:1:1"),
            "mysrc/lib.rs:1:1"
        );
    }

    #[test]
    fn precedence_cannot_change_what_a_candidate_means() {
        // `a && b` → `a && b || c` is `(a && b) || c`: not one expression where `b` stood, so
        // the switch takes the whole condition.
        let base = "pub fn f(a: bool, b: bool, c: bool) -> bool {\n    let r = a && b;\n    r\n}\n";
        let candidates = vec![
            rust(base),
            rust(&base.replace("a && b", "a && b || c")),
            rust(&base.replace("a && b", "a || b")),
        ];
        let schema = Schema::build(&candidates, "src/lib.rs").expect("a schema");
        let main = lib(&schema);
        assert!(
            main.contains("let r = (if crate::selfheal_mutant(2) { a && b || c } else if crate::selfheal_mutant(3) { a || b } else { a && b });"),
            "{main}"
        );
    }
}
