//! Which names a function binds, and which identifier occurrences are bindings (for the
//! variable and return mutations: a binding is never renamed, only uses are replaced).

use std::collections::HashSet;

use tree_sitter::Node;

use super::syntax::{self, children, descendants, field_of, text};
use crate::types::TargetLanguage;

/// Node kinds whose `left`/`pattern`/`name` field binds names.
fn binds(language: TargetLanguage, kind: &str) -> &'static [&'static str] {
    match (language, kind) {
        (TargetLanguage::Python, "assignment" | "augmented_assignment" | "for_statement")
        | (TargetLanguage::Python, "for_in_clause") => &["left"],
        (TargetLanguage::Python, "named_expression") => &["name"],
        (TargetLanguage::JavaScript, "variable_declarator") => &["name"],
        (TargetLanguage::JavaScript, "assignment_expression" | "for_in_statement") => &["left"],
        (TargetLanguage::Go, "short_var_declaration" | "range_clause" | "assignment_statement") => {
            &["left"]
        }
        (TargetLanguage::Go, "var_spec" | "const_spec") => &["name"],
        (TargetLanguage::Rust, "let_declaration" | "for_expression") => &["pattern"],
        (TargetLanguage::Rust, "assignment_expression") => &["left"],
        _ => &[],
    }
}

/// Fields whose subtree never binds a name (types, default values).
const NON_BINDING_FIELDS: &[&str] = &["type", "value", "right", "default", "return_type", "body"];

/// Node kinds inside a binding position that do not bind (`a[i] = …`, `self.x = …`).
fn non_binding_target(kind: &str) -> bool {
    matches!(
        kind,
        "subscript"
            | "attribute"
            | "subscript_expression"
            | "member_expression"
            | "index_expression"
            | "selector_expression"
            | "field_expression"
            | "call"
            | "call_expression"
    )
}

/// Identifiers under `node` that it binds (skipping types, defaults and element targets).
fn binding_identifiers<'t>(node: Node<'t>, out: &mut Vec<Node<'t>>) {
    if node.kind() == "identifier" {
        out.push(node);
        return;
    }
    if non_binding_target(node.kind()) {
        return;
    }
    for (i, child) in children(node).into_iter().enumerate() {
        let field = node.field_name_for_child(i as u32);
        if field.is_some_and(|f| NON_BINDING_FIELDS.contains(&f)) {
            continue;
        }
        binding_identifiers(child, out);
    }
}

/// The names `function` binds: parameters, then assignment and loop targets, in source order.
pub fn bound_names(language: TargetLanguage, function: Node<'_>, source: &str) -> Vec<String> {
    let mut nodes = Vec::new();
    if let Some(params) = function.child_by_field_name("parameters") {
        binding_identifiers(params, &mut nodes);
    }
    // A single-parameter arrow function `x => …`.
    if let Some(param) = function.child_by_field_name("parameter") {
        binding_identifiers(param, &mut nodes);
    }
    for node in descendants(function) {
        // Nested functions bind their own names.
        if node.id() != function.id() && syntax::is_function(language, node.kind()) {
            continue;
        }
        for field in binds(language, node.kind()) {
            if let Some(target) = node.child_by_field_name(field) {
                binding_identifiers(target, &mut nodes);
            }
        }
    }
    nodes.sort_by_key(|n| n.start_byte());
    let mut seen = HashSet::new();
    nodes
        .into_iter()
        .map(|n| text(n, source).to_string())
        .filter(|name| name != "_" && name != "self" && seen.insert(name.clone()))
        .collect()
}

/// True when `node` is the identifier a declaration or parameter introduces (mutating it would
/// rename the variable, not change a use).
pub(super) fn is_binding_occurrence(language: TargetLanguage, node: Node<'_>) -> bool {
    let mut child = node;
    let mut current = node.parent();
    while let Some(parent) = current {
        let field = field_of(child);
        if syntax::is_function(language, parent.kind()) {
            return matches!(field, Some("parameters" | "parameter" | "name"));
        }
        // A body, a type, a default value or an element target (`a[i] = …`) is not a binding.
        if field.is_some_and(|f| NON_BINDING_FIELDS.contains(&f))
            || non_binding_target(parent.kind())
        {
            return false;
        }
        if field.is_some_and(|f| binds(language, parent.kind()).contains(&f)) {
            return true;
        }
        if matches!(
            parent.kind(),
            "parameters" | "formal_parameters" | "parameter_list" | "closure_parameters"
        ) {
            return true;
        }
        child = parent;
        current = parent.parent();
    }
    false
}
