//! The same slip repeated: an edit proposed at one place, applied at every other place of the
//! same function where its context is written identically.
//!
//! Generated code repeats itself (`u[pixels[i]]` read on one line and written on the next,
//! the same bound in two loops), and so do its slips; two single edits each fail the tests
//! when both are needed. The context of an edit is the syntax node just around the edited
//! range (`pixels[i]` for an edit of `i`, `q++` for an edit of `++`); every other node of the
//! same kind and text in the same function gets the same edit at the same offset, and the
//! whole set is one mutation.

use tree_sitter::Node;

use super::mutate::{short, Mutation};
use super::syntax::{self, descendants, text};
use crate::fix::Edit;
use crate::types::TargetLanguage;

/// Edits whose context is larger than this (in bytes) are not repeated: a long context
/// written twice is a copy, not a slip.
const MAX_CONTEXT: usize = 60;

/// The mutation applied at every occurrence of its context in its function, when the
/// context occurs more than once; `None` otherwise (and for mutations of several edits).
pub(super) fn everywhere(
    language: TargetLanguage,
    root: Node<'_>,
    source: &str,
    mutation: &Mutation,
) -> Option<Mutation> {
    if !mutation.also.is_empty() {
        return None;
    }
    let edit = &mutation.edit;
    if edit.byte_start == edit.byte_end {
        return None;
    }
    let edited = root.descendant_for_byte_range(edit.byte_start, edit.byte_end)?;
    // The node around the edited range (for a token or a whole node, its parent).
    let mut context = edited;
    while context.start_byte() == edit.byte_start && context.end_byte() == edit.byte_end {
        context = context.parent()?;
    }
    let context_text = text(context, source);
    if context_text.len() > MAX_CONTEXT || context_text.contains('\n') {
        return None;
    }
    let function = syntax::enclosing_function(language, context)?;
    let offset_start = edit.byte_start - context.start_byte();
    let offset_end = edit.byte_end - context.start_byte();
    let mut others: Vec<Edit> = descendants(function)
        .into_iter()
        .filter(|n| {
            n.id() != context.id() && n.kind() == context.kind() && text(*n, source) == context_text
        })
        .map(|n| Edit {
            file: edit.file.clone(),
            byte_start: n.start_byte() + offset_start,
            byte_end: n.start_byte() + offset_end,
            replacement: edit.replacement.clone(),
        })
        .collect();
    if others.is_empty() {
        return None;
    }
    others.sort_by_key(|e| e.byte_start);
    let count = others.len();
    Some(Mutation {
        kind: mutation.kind,
        line: mutation.line,
        edit: edit.clone(),
        also: others,
        description: format!(
            "{} and at the {count} other `{}` of the function",
            mutation.description,
            short(context_text)
        ),
    })
}
