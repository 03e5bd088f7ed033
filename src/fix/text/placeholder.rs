//! The value a written function returns until someone fills it in (Python, JavaScript): what
//! the place of its call says (a condition, a loop, a statement of its own, an operand beside a
//! literal), else what its name says ([`ShapeWords::for_name`]).

use tree_sitter::Node;

use super::{named_children, node_text, NamedShape, ShapeWords};

/// Where a dynamic language's grammar puts the uses that tell what a call returns, and the
/// placeholder values the language writes for each answer.
pub(crate) struct PlaceholderGrammar {
    /// The value for each shape, and for a call nothing says anything about.
    pub(crate) words: ShapeWords,
    /// An empty sequence: the value of a call that is iterated.
    pub(crate) empty_list: &'static str,
    /// Statements whose `condition` field tests the call (`if f():`).
    pub(crate) conditions: &'static [&'static str],
    /// The node every condition of those statements is wrapped in (`(…)` in JavaScript); the
    /// call tests the condition when it is that node's only content.
    pub(crate) condition_wrapper: Option<&'static str>,
    /// Boolean operators over the call: the node kind and the text it starts with (`!`), or
    /// `""` when every node of that kind is one.
    pub(crate) boolean_operators: &'static [(&'static str, &'static str)],
    /// Loops whose `right` field is what they iterate (`for x in f():`).
    pub(crate) loops: &'static [&'static str],
    /// A call that is a statement of its own: what it returns is dropped.
    pub(crate) statement: &'static str,
    /// Binary operations: a literal on the other side tells the type of the call's value.
    pub(crate) binary_operations: &'static [&'static str],
    /// Literal kinds and the shape each one's value has.
    pub(crate) literals: &'static [(&'static str, NamedShape)],
}

impl PlaceholderGrammar {
    /// The placeholder a function called by `call` (named `name`, in `src`) returns: what the
    /// call's use suggests, else what its name suggests, and whether anything suggested it.
    pub(crate) fn placeholder(
        &self,
        call: Node<'_>,
        src: &str,
        name: &str,
    ) -> (&'static str, bool) {
        match call
            .parent()
            .and_then(|parent| self.asked_by_use(parent, call, src))
        {
            Some(value) => (value, true),
            None => self.words.for_name(name),
        }
    }

    /// The value the use of `call` under `parent` asks for, if it says anything.
    fn asked_by_use(&self, parent: Node<'_>, call: Node<'_>, src: &str) -> Option<&'static str> {
        let holds = |field: &str| {
            parent
                .child_by_field_name(field)
                .is_some_and(|c| c.id() == call.id())
        };
        let kind = parent.kind();
        let tested = match self.condition_wrapper {
            Some(wrapper) => {
                kind == wrapper
                    && parent
                        .parent()
                        .is_some_and(|g| self.conditions.contains(&g.kind()))
            }
            None => self.conditions.contains(&kind) && holds("condition"),
        };
        let negated = self
            .boolean_operators
            .iter()
            .any(|(k, start)| *k == kind && node_text(parent, src).starts_with(start));
        if tested || negated {
            return Some(self.words.boolean);
        }
        if self.loops.contains(&kind) && holds("right") {
            return Some(self.empty_list);
        }
        if kind == self.statement {
            return Some(self.words.unknown);
        }
        if !self.binary_operations.contains(&kind) {
            return None;
        }
        // The other operand (operators and nested operations are not literals).
        let other = named_children(parent)
            .into_iter()
            .find(|c| c.id() != call.id() && !c.kind().contains("operator"))?;
        let (_, shape) = self.literals.iter().find(|(k, _)| *k == other.kind())?;
        Some(match shape {
            NamedShape::Bool => self.words.boolean,
            NamedShape::Int => self.words.int,
            NamedShape::Float => self.words.float,
            NamedShape::Text => self.words.text,
        })
    }
}
