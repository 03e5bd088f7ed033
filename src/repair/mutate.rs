//! Candidate edits at suspicious lines, generated from the program's syntax tree.
//!
//! Each [`Mutation`] is one [`Edit`] (a byte range and its replacement) with the kind of change
//! and a description for people ("`<` → `<=` at calc.py:4"). Operators:
//!
//! - [`EditKind::Operator`]: an arithmetic, comparison, logical or bitwise operator (plain or
//!   compound assignment) replaced by its siblings, the likeliest first (`<` → `<=`, `>`, …);
//! - [`EditKind::OffByOne`]: a comparison operand, an index, a slice or range bound, or a
//!   `range(…)`/`.slice(…)` argument `x` becomes `x + 1` or `x - 1`; `x ± 1` becomes `x`; Rust
//!   `a..b` ↔ `a..=b`;
//! - [`EditKind::Constant`]: an integer literal ±1, or another integer constant of the same
//!   function; a floating-point literal ±1 (a whole number), `2.0`, `1.0` or `0.0`;
//!   `true` ↔ `false`;
//! - [`EditKind::Condition`]: an `if`/`while`/ternary condition negated (or its negation
//!   removed); one side of `and`/`or` dropped;
//! - [`EditKind::Variable`]: a use of a variable replaced by another variable bound in the same
//!   function (parameters, assignments, loop variables);
//! - [`EditKind::SwapArguments`]: two adjacent call arguments, or the operands of a
//!   non-commutative operator, swapped;
//! - [`EditKind::Call`]: a call's name replaced by a sibling (`min`/`max`, `floor`/`ceil`, …);
//! - [`EditKind::Return`]: a returned expression replaced by a variable of the function;
//! - [`EditKind::Statement`] and [`EditKind::Guard`]: statement-level edits (see
//!   [`super::statement`]);
//! - [`EditKind::Assignment`]: `x = e` ↔ `x += e`, `x -= e` (see [`super::assign`]);
//! - [`EditKind::LoopDirection`]: a counting loop whose update runs away from its bound (see
//!   [`super::loops`]);
//! - [`EditKind::UnusedValue`]: a statement that computes a value and drops it, returned (see
//!   [`super::effect`]);
//! - [`EditKind::Synthesis`]: small expressions enumerated for a hole (see
//!   [`super::synthesis`]).
//!
//! An edit of the operator, off-by-one, constant or variable kind whose context occurs more
//! than once in the function (the same slip repeated, as generated code often does) is also
//! proposed at every occurrence at once, as one mutation (see [`super::consistent`]).
//!
//! Output is deterministic: lines in the order given, then kinds in [`EditKind::ALL`] order,
//! then position; at most `per_location` single edits per line (each followed by its
//! everywhere version, when it has one), no duplicates, no no-ops.

use std::collections::{BTreeSet, HashMap, HashSet};

use tree_sitter::Node;

use super::consistent;
pub use super::scope::bound_names;
use super::scope::is_binding_occurrence;
use super::siblings::{call_siblings, operator_siblings};
use super::syntax::{self, children, descendants, field_of, line_of, loop_condition, text};
use crate::fix::{Edit, Fix, FixApplicability};
use crate::types::TargetLanguage;

/// What kind of change a mutation makes. Its [`EditKind::strategy_id`] is the fix strategy id
/// the learner records, so success rates are learned per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EditKind {
    Operator,
    OffByOne,
    Constant,
    Condition,
    Variable,
    SwapArguments,
    Call,
    Return,
    Statement,
    Guard,
    Assignment,
    LoopDirection,
    UnusedValue,
    Synthesis,
}

impl EditKind {
    /// Every kind, in the order mutations of one line are generated.
    pub const ALL: [EditKind; 14] = [
        EditKind::Operator,
        EditKind::OffByOne,
        EditKind::Constant,
        EditKind::Condition,
        EditKind::Variable,
        EditKind::SwapArguments,
        EditKind::Call,
        EditKind::Return,
        EditKind::Statement,
        EditKind::Guard,
        EditKind::Assignment,
        EditKind::LoopDirection,
        EditKind::UnusedValue,
        EditKind::Synthesis,
    ];

    /// Short name: `operator`, `off-by-one`, `constant`, `condition`, `variable`,
    /// `swap-arguments`, `call`, `return`, `statement`, `guard`, `assignment`,
    /// `loop-direction`, `unused-value`, `synthesis`.
    pub fn name(self) -> &'static str {
        match self {
            EditKind::Operator => "operator",
            EditKind::OffByOne => "off-by-one",
            EditKind::Constant => "constant",
            EditKind::Condition => "condition",
            EditKind::Variable => "variable",
            EditKind::SwapArguments => "swap-arguments",
            EditKind::Call => "call",
            EditKind::Return => "return",
            EditKind::Statement => "statement",
            EditKind::Guard => "guard",
            EditKind::Assignment => "assignment",
            EditKind::LoopDirection => "loop-direction",
            EditKind::UnusedValue => "unused-value",
            EditKind::Synthesis => "synthesis",
        }
    }

    /// The fix strategy id: `repair.<name>`.
    pub fn strategy_id(self) -> &'static str {
        match self {
            EditKind::Operator => "repair.operator",
            EditKind::OffByOne => "repair.off-by-one",
            EditKind::Constant => "repair.constant",
            EditKind::Condition => "repair.condition",
            EditKind::Variable => "repair.variable",
            EditKind::SwapArguments => "repair.swap-arguments",
            EditKind::Call => "repair.call",
            EditKind::Return => "repair.return",
            EditKind::Statement => "repair.statement",
            EditKind::Guard => "repair.guard",
            EditKind::Assignment => "repair.assignment",
            EditKind::LoopDirection => "repair.loop-direction",
            EditKind::UnusedValue => "repair.unused-value",
            EditKind::Synthesis => "repair.synthesis",
        }
    }

    /// The prior chance, before anything is learned, that an edit of this kind is the repair.
    /// Ordered by how often each kind of slip occurs in small generated functions: operators
    /// and bounds first, whole-expression replacements last. The two kinds that answer a
    /// defect visible in the code itself (a loop running away from its bound, a value computed
    /// and dropped) rank above them: such code is almost never meant.
    pub fn prior(self) -> f64 {
        match self {
            EditKind::LoopDirection => 0.7,
            EditKind::UnusedValue => 0.65,
            EditKind::Operator => 0.6,
            EditKind::OffByOne => 0.55,
            EditKind::Constant => 0.45,
            EditKind::Condition => 0.4,
            EditKind::Call => 0.4,
            EditKind::Variable => 0.35,
            EditKind::SwapArguments => 0.3,
            EditKind::Return => 0.25,
            EditKind::Statement => 0.25,
            EditKind::Guard => 0.2,
            EditKind::Assignment => 0.35,
            EditKind::Synthesis => 0.15,
        }
    }

    /// Kinds that answer a defect of a whole function rather than guess at one line: they are
    /// looked for at every suspicious line, not only the most suspicious few.
    pub fn is_finding(self) -> bool {
        matches!(self, EditKind::LoopDirection | EditKind::UnusedValue)
    }
}

/// One candidate edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mutation {
    pub kind: EditKind,
    /// 1-based line of the edited code.
    pub line: u32,
    pub edit: Edit,
    /// Further edits applied together with `edit` (the same slip at its other occurrences);
    /// empty for a single edit.
    pub also: Vec<Edit>,
    /// "`<` → `<=` at calc.py:4".
    pub description: String,
}

impl Mutation {
    /// The mutation as a [`Fix`] of strategy [`EditKind::strategy_id`].
    pub fn to_fix(&self, confidence: f64) -> Fix {
        Fix {
            strategy: self.kind.strategy_id().to_string(),
            description: self.description.clone(),
            confidence,
            // A behaviour change nobody vouched for: only the tests can confirm it.
            applicability: FixApplicability::Speculative,
            edits: self.edits(),
        }
    }

    /// Every edit of the mutation: `edit`, then `also`.
    pub fn edits(&self) -> Vec<Edit> {
        let mut edits = vec![self.edit.clone()];
        edits.extend(self.also.iter().cloned());
        edits
    }
}

/// Default bound on mutations per line.
pub const DEFAULT_PER_LOCATION: usize = 24;

/// Mutations of `source` (the text of `file`, in `language`) on the given 1-based `lines`, in
/// that order, at most `per_location` single edits per line (each with its everywhere version),
/// restricted to `kinds`. Empty when the file does
/// not parse into a tree.
pub fn mutate(
    language: TargetLanguage,
    file: &str,
    source: &str,
    lines: &[u32],
    kinds: &[EditKind],
    per_location: usize,
) -> Vec<Mutation> {
    let Some(tree) = syntax::parse(language, source) else {
        return Vec::new();
    };
    let wanted: HashSet<u32> = lines.iter().copied().collect();
    let mut generator = Generator {
        language,
        file,
        source,
        found: HashMap::new(),
        bindings: HashMap::new(),
        constants: HashMap::new(),
        kinds: kinds.to_vec(),
    };
    for node in descendants(tree.root_node()) {
        let line = line_of(node);
        if wanted.contains(&line) && !node.is_error() && !node.is_missing() {
            generator.visit(node, line);
        }
    }
    let mut out = Vec::new();
    let mut seen: HashSet<Vec<(usize, usize, String)>> = HashSet::new();
    let mut done_lines = HashSet::new();
    for &line in lines {
        if !done_lines.insert(line) {
            continue;
        }
        let Some(mut found) = generator.found.remove(&line) else {
            continue;
        };
        // Kind order first, then the order the tree walk produced (position, then siblings).
        found.sort_by_key(|(kind, seq, _)| (EditKind::ALL.iter().position(|k| k == kind), *seq));
        // Each single edit is followed by the same edit at every other occurrence of its
        // context in the function, when there are any. The bound counts single edits: the
        // same edit everywhere rides along with its single edit (a line with several repeated
        // contexts would otherwise lose the later edits' everywhere versions to the bound).
        let found: Vec<(EditKind, bool, Mutation)> = found
            .into_iter()
            .flat_map(|(kind, _, m)| {
                let everywhere = consistent::everywhere(language, tree.root_node(), source, &m);
                std::iter::once((kind, false, m))
                    .chain(everywhere.map(|e| (kind, true, e)))
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut count = 0;
        for (kind, rides_along, mutation) in found {
            if count >= per_location && !rides_along {
                break;
            }
            if !kinds.contains(&kind) {
                continue;
            }
            let key: Vec<(usize, usize, String)> = mutation
                .edits()
                .into_iter()
                .map(|e| (e.byte_start, e.byte_end, e.replacement))
                .collect();
            if seen.insert(key) {
                out.push(mutation);
                if !rides_along {
                    count += 1;
                }
            }
        }
    }
    out
}

pub(super) struct Generator<'a> {
    pub(super) language: TargetLanguage,
    pub(super) file: &'a str,
    pub(super) source: &'a str,
    /// line → (kind, sequence number, mutation)
    found: HashMap<u32, Vec<(EditKind, usize, Mutation)>>,
    /// function node id → names bound in it, in order of first binding
    bindings: HashMap<usize, Vec<String>>,
    /// function node id → integer literals in it, in order of first appearance
    constants: HashMap<usize, Vec<String>>,
    /// The kinds asked for (the costlier generators run only when asked).
    kinds: Vec<EditKind>,
}

impl<'a> Generator<'a> {
    /// True when mutations of `kind` were asked for.
    pub(super) fn wants(&self, kind: EditKind) -> bool {
        self.kinds.contains(&kind)
    }

    /// What `find` sees at `node` (a site for an edit of `kind`), when mutations of `kind`
    /// were asked for: the common start of the operators that look for one token.
    pub(super) fn wanted_site<'t, T>(
        &self,
        kind: EditKind,
        node: Node<'t>,
        find: impl FnOnce(TargetLanguage, Node<'t>, &str) -> Option<T>,
    ) -> Option<T> {
        if !self.wants(kind) {
            return None;
        }
        find(self.language, node, self.source)
    }

    pub(super) fn push(
        &mut self,
        kind: EditKind,
        line: u32,
        start: usize,
        end: usize,
        replacement: String,
    ) {
        let original = self.source.get(start..end).unwrap_or("");
        let description = format!(
            "`{}` → `{}` at {}:{}",
            short(original),
            short(&replacement),
            self.file,
            line
        );
        self.push_described(kind, line, start, end, replacement, description);
    }

    /// [`Generator::push`] with its own description (statement edits say what they do).
    pub(super) fn push_described(
        &mut self,
        kind: EditKind,
        line: u32,
        start: usize,
        end: usize,
        replacement: String,
        description: String,
    ) {
        let original = self.source.get(start..end).unwrap_or("");
        if original == replacement {
            return;
        }
        let edit = Edit {
            file: self.file.to_string(),
            byte_start: start,
            byte_end: end,
            replacement,
        };
        self.record(Mutation {
            kind,
            line,
            edit,
            also: Vec::new(),
            description,
        });
    }

    /// Several edits applied together as one mutation (the first is its main edit).
    pub(super) fn push_together(
        &mut self,
        kind: EditKind,
        line: u32,
        mut edits: Vec<Edit>,
        description: String,
    ) {
        if edits.is_empty() {
            return;
        }
        edits.sort_by_key(|e| (e.byte_start, e.byte_end));
        let overlapping = edits
            .windows(2)
            .any(|w| w[1].byte_start < w[0].byte_end || w[1].byte_start == w[0].byte_start);
        if overlapping {
            return;
        }
        let edit = edits.remove(0);
        self.record(Mutation {
            kind,
            line,
            edit,
            also: edits,
            description,
        });
    }

    /// Files a mutation under its line, numbered in the order its line's mutations came.
    fn record(&mut self, mutation: Mutation) {
        let list = self.found.entry(mutation.line).or_default();
        let seq = list.len();
        list.push((mutation.kind, seq, mutation));
    }

    /// [`Generator::replace`] with its own description.
    pub(super) fn replace_described(
        &mut self,
        kind: EditKind,
        line: u32,
        node: Node<'_>,
        replacement: String,
        description: String,
    ) {
        self.push_described(
            kind,
            line,
            node.start_byte(),
            node.end_byte(),
            replacement,
            description,
        );
    }

    pub(super) fn replace(
        &mut self,
        kind: EditKind,
        line: u32,
        node: Node<'_>,
        replacement: String,
    ) {
        self.push(kind, line, node.start_byte(), node.end_byte(), replacement);
    }

    fn visit(&mut self, node: Node<'_>, line: u32) {
        let kind = node.kind();
        if !node.is_named() {
            self.operator(node, line);
            return;
        }
        if self.is_integer(node) {
            self.constant(node, line);
        } else if self.is_float(node) {
            self.float_constant(node, line);
        }
        match kind {
            "true" | "false" | "boolean_literal" => self.boolean(node, line),
            "identifier" => self.variable(node, line),
            _ => {}
        }
        if syntax::is_call(kind) {
            self.call(node, line);
        }
        if self.is_comparison(node) {
            self.comparison_bounds(node, line);
        }
        if kind == "range_expression" {
            self.rust_range(node, line);
        }
        // The operators that decide for themselves whether a named node is theirs, in the
        // order their edits are listed.
        let operators: [fn(&mut Self, Node<'_>, u32); 11] = [
            Self::indices,
            Self::condition,
            Self::boolean_sides,
            Self::swap_operands,
            Self::returned,
            Self::statement,
            Self::guard,
            Self::assignment,
            Self::loop_direction,
            Self::unused_value,
            Self::synthesis,
        ];
        for operator in operators {
            operator(self, node, line);
        }
    }

    // ---- operators ----

    fn binary_parent(&self, kind: &str) -> bool {
        match self.language {
            TargetLanguage::Python => matches!(
                kind,
                "binary_operator"
                    | "comparison_operator"
                    | "boolean_operator"
                    | "augmented_assignment"
            ),
            TargetLanguage::JavaScript => {
                matches!(
                    kind,
                    "binary_expression" | "augmented_assignment_expression" | "update_expression"
                )
            }
            TargetLanguage::Go => matches!(
                kind,
                "binary_expression" | "assignment_statement" | "inc_statement" | "dec_statement"
            ),
            TargetLanguage::Rust => {
                matches!(kind, "binary_expression" | "compound_assignment_expr")
            }
        }
    }

    fn operator(&mut self, token: Node<'_>, line: u32) {
        let Some(parent) = token.parent() else {
            return;
        };
        if !self.binary_parent(parent.kind()) {
            return;
        }
        let op = text(token, self.source);
        for sibling in operator_siblings(self.language, op) {
            self.replace(EditKind::Operator, line, token, sibling.to_string());
        }
    }

    pub(super) fn operator_text<'s>(&'s self, node: Node<'_>) -> Option<&'a str> {
        let op = node.child_by_field_name("operator").or_else(|| {
            // Python's comparison_operator has its operators as unnamed children.
            children(node).into_iter().find(|c| !c.is_named())
        })?;
        Some(text(op, self.source))
    }

    fn is_comparison(&self, node: Node<'_>) -> bool {
        matches!(node.kind(), "comparison_operator" | "binary_expression")
            && self.operator_text(node).is_some_and(|op| {
                matches!(op, "<" | "<=" | ">" | ">=" | "==" | "!=" | "===" | "!==")
            })
    }

    // ---- off by one ----

    fn plus_minus_one(&mut self, node: Node<'_>, line: u32) {
        if self.is_integer(node) {
            // Constants get their own ±1 (EditKind::Constant).
            return;
        }
        // `x ± 1` → `x`.
        if self.is_arithmetic(node) {
            if let (Some(left), Some(right)) = (
                node.child_by_field_name("left"),
                node.child_by_field_name("right"),
            ) {
                let op = self.operator_text(node).unwrap_or("");
                if (op == "+" || op == "-") && text(right, self.source) == "1" {
                    let left_text = text(left, self.source).to_string();
                    self.replace(EditKind::OffByOne, line, node, left_text);
                }
            }
        }
        let body = text(node, self.source);
        let body = if self.is_atomic(node) || self.is_arithmetic(node) {
            body.to_string()
        } else {
            format!("({body})")
        };
        self.replace(EditKind::OffByOne, line, node, format!("{body} + 1"));
        self.replace(EditKind::OffByOne, line, node, format!("{body} - 1"));
    }

    fn comparison_bounds(&mut self, node: Node<'_>, line: u32) {
        let operands: Vec<Node<'_>> = children(node)
            .into_iter()
            .filter(|c| c.is_named())
            .collect();
        // Right side first: `i < n` is more often wrong in its bound than in its variable.
        for operand in operands.into_iter().rev() {
            if operand.kind() != "comment" {
                self.plus_minus_one(operand, line);
            }
        }
    }

    fn indices(&mut self, node: Node<'_>, line: u32) {
        let targets: Vec<Node<'_>> = match (self.language, node.kind()) {
            (TargetLanguage::Python, "subscript") => children(node)
                .into_iter()
                .filter(|c| field_of(*c) == Some("subscript") && c.kind() != "slice")
                .collect(),
            (TargetLanguage::Python, "slice") => children(node)
                .into_iter()
                .filter(|c| c.is_named())
                .collect(),
            (TargetLanguage::JavaScript, "subscript_expression") => {
                node.child_by_field_name("index").into_iter().collect()
            }
            (TargetLanguage::Go, "index_expression") => {
                node.child_by_field_name("index").into_iter().collect()
            }
            (TargetLanguage::Go, "slice_expression") => ["start", "end"]
                .iter()
                .filter_map(|f| node.child_by_field_name(f))
                .collect(),
            (TargetLanguage::Rust, "index_expression") => node.named_child(1).into_iter().collect(),
            (TargetLanguage::Rust, "range_expression") => children(node)
                .into_iter()
                .filter(|c| c.is_named())
                .collect(),
            (_, "call" | "call_expression") => {
                let name = syntax::callee_name(self.language, node)
                    .map(|n| text(n, self.source))
                    .unwrap_or("");
                let bounded = match self.language {
                    TargetLanguage::Python => name == "range",
                    TargetLanguage::JavaScript => {
                        matches!(name, "slice" | "substring" | "substr" | "splice")
                    }
                    _ => false,
                };
                if bounded {
                    node.child_by_field_name("arguments")
                        .map(|a| children(a).into_iter().filter(|c| c.is_named()).collect())
                        .unwrap_or_default()
                } else {
                    Vec::new()
                }
            }
            _ => Vec::new(),
        };
        for target in targets.into_iter().rev() {
            if target.kind() != "comment" {
                self.plus_minus_one(target, line);
            }
        }
    }

    fn rust_range(&mut self, node: Node<'_>, line: u32) {
        for token in children(node) {
            match text(token, self.source) {
                ".." if node.named_child_count() == 2 => {
                    self.replace(EditKind::OffByOne, line, token, "..=".into())
                }
                "..=" => self.replace(EditKind::OffByOne, line, token, "..".into()),
                _ => {}
            }
        }
    }

    // ---- constants ----

    pub(super) fn is_integer(&self, node: Node<'_>) -> bool {
        match (self.language, node.kind()) {
            (TargetLanguage::Python, "integer") => true,
            (TargetLanguage::Go, "int_literal") => true,
            (TargetLanguage::Rust, "integer_literal") => true,
            (TargetLanguage::JavaScript, "number") => {
                text(node, self.source).bytes().all(|b| b.is_ascii_digit())
            }
            _ => false,
        }
    }

    fn constant(&mut self, node: Node<'_>, line: u32) {
        let literal = text(node, self.source);
        let digits: String = literal.chars().take_while(char::is_ascii_digit).collect();
        let suffix = &literal[digits.len()..];
        if digits.is_empty() || (digits.len() > 1 && digits.starts_with('0')) {
            return; // hex, octal, binary: leave alone
        }
        let Ok(value) = digits.parse::<i64>() else {
            return;
        };
        self.replace(
            EditKind::Constant,
            line,
            node,
            format!("{}{suffix}", value + 1),
        );
        if value > 0 {
            self.replace(
                EditKind::Constant,
                line,
                node,
                format!("{}{suffix}", value - 1),
            );
        }
        let Some(function) = self.scope(node) else {
            return;
        };
        let others = self.constants_of(function);
        for other in others.iter().take(4) {
            let other_digits: String = other.chars().take_while(char::is_ascii_digit).collect();
            if other_digits != digits {
                self.replace(
                    EditKind::Constant,
                    line,
                    node,
                    format!("{other_digits}{suffix}"),
                );
            }
        }
    }

    /// A floating-point literal: Go and Rust `float_literal`, Python `float`, a JavaScript
    /// `number` with a fraction or an exponent.
    fn is_float(&self, node: Node<'_>) -> bool {
        match (self.language, node.kind()) {
            (TargetLanguage::Python, "float") => true,
            (TargetLanguage::Go | TargetLanguage::Rust, "float_literal") => true,
            (TargetLanguage::JavaScript, "number") => {
                let t = text(node, self.source);
                t.bytes()
                    .all(|b| b.is_ascii_digit() || b == b'.' || b == b'e')
                    && t.bytes().any(|b| b == b'.' || b == b'e')
            }
            _ => false,
        }
    }

    /// A floating-point literal `c` becomes `c ± 1` (when it is a whole number), then `2.0`,
    /// `1.0`, `0.0`: the constants a formula most often has where another was written
    /// (halving, a unit, nothing), written as floats (Rust keeps an `f64`/`f32` suffix).
    fn float_constant(&mut self, node: Node<'_>, line: u32) {
        let literal = text(node, self.source);
        let (number, suffix) = match literal.strip_suffix("f64").or(literal.strip_suffix("f32")) {
            Some(number) => (number.trim_end_matches('_'), &literal[number.len()..]),
            None => (literal, ""),
        };
        let Ok(value) = number.replace('_', "").parse::<f64>() else {
            return;
        };
        if !value.is_finite() || value < 0.0 {
            return;
        }
        let mut values = Vec::new();
        if value.fract() == 0.0 && value < 1e15 {
            values.push(value + 1.0);
            if value >= 1.0 {
                values.push(value - 1.0);
            }
        }
        values.extend([2.0, 1.0, 0.0]);
        let mut seen = Vec::new();
        for v in values {
            if v == value || seen.contains(&v) {
                continue;
            }
            seen.push(v);
            self.replace(EditKind::Constant, line, node, format!("{v:.1}{suffix}"));
        }
    }

    fn boolean(&mut self, node: Node<'_>, line: u32) {
        let flipped = match text(node, self.source) {
            "True" => "False",
            "False" => "True",
            "true" => "false",
            "false" => "true",
            _ => return,
        };
        self.replace(EditKind::Constant, line, node, flipped.into());
    }

    pub(super) fn constants_of(&mut self, function: Node<'_>) -> Vec<String> {
        if let Some(known) = self.constants.get(&function.id()) {
            return known.clone();
        }
        let mut seen = BTreeSet::new();
        let mut list = Vec::new();
        for n in descendants(function) {
            if self.is_integer(n) {
                let t = text(n, self.source).to_string();
                if seen.insert(t.clone()) {
                    list.push(t);
                }
            }
        }
        self.constants.insert(function.id(), list.clone());
        list
    }

    // ---- conditions ----

    fn condition(&mut self, node: Node<'_>, line: u32) {
        let condition = match node.kind() {
            "if_statement"
            | "elif_clause"
            | "while_statement"
            | "if_expression"
            | "while_expression"
            | "conditional_expression"
            | "ternary_expression" => {
                match self.language {
                    // Python's conditional_expression is `a if c else b`: the middle operand.
                    TargetLanguage::Python if node.kind() == "conditional_expression" => {
                        node.named_child(1)
                    }
                    _ => node.child_by_field_name("condition"),
                }
            }
            "for_statement" if self.language != TargetLanguage::Python => loop_condition(node),
            _ => None,
        };
        let Some(mut condition) = condition else {
            return;
        };
        if condition.kind() == "let_condition" || condition.kind() == "let_chain" {
            return;
        }
        // JavaScript wraps conditions in parentheses: edit inside them.
        if condition.kind() == "parenthesized_expression"
            && self.language == TargetLanguage::JavaScript
        {
            if let Some(inner) = condition.named_child(0) {
                condition = inner;
            }
        }
        let body = text(condition, self.source).to_string();
        let negated_inner = match condition.kind() {
            "not_operator" => condition.child_by_field_name("argument"),
            "unary_expression" if self.operator_text(condition) == Some("!") => condition
                .child_by_field_name("argument")
                .or_else(|| condition.named_child(0)),
            _ => None,
        };
        if let Some(inner) = negated_inner {
            let t = text(inner, self.source).to_string();
            self.replace(EditKind::Condition, line, condition, t);
        } else if self.language == TargetLanguage::Python {
            self.replace(
                EditKind::Condition,
                line,
                condition,
                format!("not ({body})"),
            );
        } else {
            self.replace(EditKind::Condition, line, condition, format!("!({body})"));
        }
    }

    /// `a and b` → `a`, `b` (and `&&`, `||`, `or`).
    fn boolean_sides(&mut self, node: Node<'_>, line: u32) {
        let is_boolean = match node.kind() {
            "boolean_operator" => true,
            "binary_expression" => {
                matches!(self.operator_text(node), Some("&&" | "||"))
            }
            _ => false,
        };
        if !is_boolean {
            return;
        }
        for side in ["left", "right"] {
            if let Some(part) = node.child_by_field_name(side) {
                let t = text(part, self.source).to_string();
                self.replace(EditKind::Condition, line, node, t);
            }
        }
    }

    // ---- variables ----

    /// The function whose bindings `node` sees (the module/file when it is at top level).
    pub(super) fn scope<'t>(&self, node: Node<'t>) -> Option<Node<'t>> {
        syntax::enclosing_function(self.language, node)
    }

    /// Names bound in `function` and, after them, in the functions around it (closures see
    /// their parents' variables), without repeats.
    pub(super) fn bindings_of(&mut self, function: Node<'_>) -> Vec<String> {
        if let Some(known) = self.bindings.get(&function.id()) {
            return known.clone();
        }
        let mut names = bound_names(self.language, function, self.source);
        let mut outer = function.parent().and_then(|p| self.scope(p));
        while let Some(f) = outer {
            for name in bound_names(self.language, f, self.source) {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            outer = f.parent().and_then(|p| self.scope(p));
        }
        self.bindings.insert(function.id(), names.clone());
        names
    }

    fn variable(&mut self, node: Node<'_>, line: u32) {
        if is_binding_occurrence(self.language, node) {
            return;
        }
        match (node.parent().map(|p| p.kind()), field_of(node)) {
            (Some("call" | "call_expression"), Some("function")) => return,
            (Some("attribute"), Some("attribute")) => return,
            (Some("keyword_argument"), Some("name")) => return,
            _ => {}
        }
        let Some(function) = self.scope(node) else {
            return;
        };
        let name = text(node, self.source).to_string();
        let bound = self.bindings_of(function);
        if !bound.contains(&name) {
            return;
        }
        for other in bound.iter().filter(|b| **b != name).take(6) {
            self.replace(EditKind::Variable, line, node, other.clone());
        }
    }

    fn returned(&mut self, node: Node<'_>, line: u32) {
        let value = match node.kind() {
            "return_statement" | "return_expression" => {
                let v = node.named_child(0);
                match v {
                    Some(list) if list.kind() == "expression_list" => {
                        if list.named_child_count() == 1 {
                            list.named_child(0)
                        } else {
                            None
                        }
                    }
                    other => other,
                }
            }
            _ => None,
        };
        let Some(value) = value else {
            return;
        };
        let Some(function) = self.scope(node) else {
            return;
        };
        let current = text(value, self.source).to_string();
        let bound = self.bindings_of(function);
        for other in bound.iter().filter(|b| **b != current).take(4) {
            self.replace(EditKind::Return, line, value, other.clone());
        }
    }

    // ---- calls ----

    fn call(&mut self, node: Node<'_>, line: u32) {
        if let Some(callee) = syntax::callee_name(self.language, node) {
            let name = text(callee, self.source);
            for sibling in call_siblings(self.language, name) {
                self.replace(EditKind::Call, line, callee, sibling.to_string());
            }
        }
        let Some(arguments) = node.child_by_field_name("arguments") else {
            return;
        };
        let args: Vec<Node<'_>> = children(arguments)
            .into_iter()
            .filter(|c| c.is_named() && c.kind() != "comment")
            .collect();
        for pair in args.windows(2).take(3) {
            self.swap(line, pair[0], pair[1]);
        }
    }

    fn swap(&mut self, line: u32, a: Node<'_>, b: Node<'_>) {
        let (ta, tb) = (text(a, self.source), text(b, self.source));
        if ta == tb {
            return;
        }
        let between = self.source.get(a.end_byte()..b.start_byte()).unwrap_or("");
        self.push(
            EditKind::SwapArguments,
            line,
            a.start_byte(),
            b.end_byte(),
            format!("{tb}{between}{ta}"),
        );
    }

    fn swap_operands(&mut self, node: Node<'_>, line: u32) {
        if !matches!(node.kind(), "binary_operator" | "binary_expression") {
            return;
        }
        if !matches!(
            self.operator_text(node),
            Some("-" | "/" | "//" | "%" | "<<" | ">>" | "**")
        ) {
            return;
        }
        if let (Some(l), Some(r)) = (
            node.child_by_field_name("left"),
            node.child_by_field_name("right"),
        ) {
            self.swap(line, l, r);
        }
    }

    // ---- node classes ----

    fn is_arithmetic(&self, node: Node<'_>) -> bool {
        matches!(node.kind(), "binary_operator" | "binary_expression")
            && matches!(
                self.operator_text(node),
                Some("+" | "-" | "*" | "/" | "%" | "//")
            )
    }

    pub(super) fn is_atomic(&self, node: Node<'_>) -> bool {
        matches!(
            node.kind(),
            "identifier"
                | "integer"
                | "int_literal"
                | "integer_literal"
                | "number"
                | "call"
                | "call_expression"
                | "attribute"
                | "member_expression"
                | "selector_expression"
                | "field_expression"
                | "subscript"
                | "subscript_expression"
                | "index_expression"
                | "parenthesized_expression"
        )
    }
}

/// At most 40 characters of `s`, on one line.
pub(super) fn short(s: &str) -> String {
    let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 40 {
        let cut: String = one_line.chars().take(37).collect();
        format!("{cut}...")
    } else {
        one_line
    }
}

/// Applies one mutation (all its edits) to `source` (for tests and previews).
pub fn apply(source: &str, mutation: &Mutation) -> String {
    let mut edits = mutation.edits();
    edits.sort_by_key(|e| std::cmp::Reverse(e.byte_start));
    let mut out = source.to_string();
    for e in edits {
        out = format!(
            "{}{}{}",
            &out[..e.byte_start],
            e.replacement,
            &out[e.byte_end..]
        );
    }
    out
}
