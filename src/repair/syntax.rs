//! Syntax trees for the four languages (tree-sitter grammars), and the small tree queries the
//! mutation operators and the localizer share.

use tree_sitter::{Node, Parser, Tree};

use crate::types::TargetLanguage;

/// Parses `source` as `language`. `None` when the grammar cannot be loaded or the parser gives
/// up (it does not for any UTF-8 text in practice: errors become `ERROR` nodes in the tree).
pub fn parse(language: TargetLanguage, source: &str) -> Option<Tree> {
    let grammar: tree_sitter::Language = match language {
        TargetLanguage::Python => tree_sitter_python::LANGUAGE.into(),
        TargetLanguage::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
        TargetLanguage::Go => tree_sitter_go::LANGUAGE.into(),
        TargetLanguage::Rust => tree_sitter_rust::LANGUAGE.into(),
    };
    let mut parser = Parser::new();
    parser.set_language(&grammar).ok()?;
    parser.parse(source, None)
}

/// The node's children, named and anonymous, in order.
pub fn children<'t>(node: Node<'t>) -> Vec<Node<'t>> {
    (0..node.child_count())
        .filter_map(|i| node.child(i as u32))
        .collect()
}

/// The field name under which `node` hangs from its parent, if any.
pub fn field_of(node: Node<'_>) -> Option<&'static str> {
    let parent = node.parent()?;
    (0..parent.child_count()).find_map(|i| {
        let child = parent.child(i as u32)?;
        (child.id() == node.id())
            .then(|| parent.field_name_for_child(i as u32))
            .flatten()
    })
}

/// The node's source text ("" if the range is not valid UTF-8, which cannot happen for a tree
/// parsed from a `&str`).
pub fn text<'s>(node: Node<'_>, source: &'s str) -> &'s str {
    source.get(node.start_byte()..node.end_byte()).unwrap_or("")
}

/// 1-based line where the node starts.
pub fn line_of(node: Node<'_>) -> u32 {
    u32::try_from(node.start_position().row).map_or(u32::MAX, |r| r.saturating_add(1))
}

/// The condition of a loop node (`while`, C-style `for`), also where Go keeps it: inside the
/// loop's `for_clause`. `None` for a loop without one (`for {}`, `for x in xs`).
pub fn loop_condition(node: Node<'_>) -> Option<Node<'_>> {
    node.child_by_field_name("condition").or_else(|| {
        children(node)
            .into_iter()
            .find(|c| c.kind() == "for_clause")
            .and_then(|c| c.child_by_field_name("condition"))
    })
}

/// Every node of the tree in document order (pre-order).
pub fn descendants<'t>(root: Node<'t>) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        out.push(node);
        let kids = children(node);
        stack.extend(kids.into_iter().rev());
    }
    out
}

/// Node kinds that define a function (or a closure) in `language`.
pub fn is_function(language: TargetLanguage, kind: &str) -> bool {
    match language {
        TargetLanguage::Python => matches!(kind, "function_definition" | "lambda"),
        TargetLanguage::JavaScript => matches!(
            kind,
            "function_declaration"
                | "function_expression"
                | "function"
                | "arrow_function"
                | "method_definition"
                | "generator_function_declaration"
        ),
        TargetLanguage::Go => matches!(
            kind,
            "function_declaration" | "method_declaration" | "func_literal"
        ),
        TargetLanguage::Rust => matches!(kind, "function_item" | "closure_expression"),
    }
}

/// The innermost function enclosing `node` (the node itself when it is one).
pub fn enclosing_function<'t>(language: TargetLanguage, node: Node<'t>) -> Option<Node<'t>> {
    let mut current = Some(node);
    while let Some(n) = current {
        if is_function(language, n.kind()) {
            return Some(n);
        }
        current = n.parent();
    }
    None
}

/// The name a function definition declares (`None` for anonymous functions).
pub fn function_name<'s>(node: Node<'_>, source: &'s str) -> Option<&'s str> {
    node.child_by_field_name("name").map(|n| text(n, source))
}

/// The name a call calls: the identifier, or the last member of `a.b.name(...)`.
pub fn callee_name<'t>(language: TargetLanguage, call: Node<'t>) -> Option<Node<'t>> {
    let function = call.child_by_field_name("function")?;
    match function.kind() {
        "identifier" => Some(function),
        // Python `a.b`, JS `a.b`, Go `a.B`, Rust `a.b` and `a::b`.
        "attribute" => function.child_by_field_name("attribute"),
        "member_expression" => function.child_by_field_name("property"),
        "selector_expression" => function.child_by_field_name("field"),
        "field_expression" => function.child_by_field_name("field"),
        "scoped_identifier" => function.child_by_field_name("name"),
        "generic_function" if language == TargetLanguage::Rust => function
            .child_by_field_name("function")
            .and_then(|f| f.child_by_field_name("name").or(Some(f))),
        _ => None,
    }
}

/// Node kinds that are calls.
pub fn is_call(kind: &str) -> bool {
    matches!(kind, "call" | "call_expression")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_parses_and_finds_functions() {
        let cases = [
            (TargetLanguage::Python, "def f(a):\n    return g(a)\n"),
            (
                TargetLanguage::JavaScript,
                "function f(a) {\n  return g(a);\n}\n",
            ),
            (
                TargetLanguage::Go,
                "package main\nfunc f(a int) int {\n\treturn g(a)\n}\n",
            ),
            (TargetLanguage::Rust, "fn f(a: i32) -> i32 {\n    g(a)\n}\n"),
        ];
        for (language, source) in cases {
            let tree = parse(language, source).unwrap();
            let root = tree.root_node();
            assert!(!root.has_error(), "{language}: {}", root.to_sexp());
            let calls: Vec<_> = descendants(root)
                .into_iter()
                .filter(|n| is_call(n.kind()))
                .collect();
            assert_eq!(calls.len(), 1, "{language}");
            let callee = callee_name(language, calls[0]).unwrap();
            assert_eq!(text(callee, source), "g");
            let function = enclosing_function(language, calls[0]).unwrap();
            assert_eq!(function_name(function, source), Some("f"));
            assert_eq!(
                line_of(calls[0]),
                if language == TargetLanguage::Go { 3 } else { 2 }
            );
        }
    }
}
