//! Which names a Go function can see, read off the syntax tree, for the rules that declare
//! what a function uses but never declared (`go.untyped-parameters`, `go.undeclared-variable`).
//!
//! Scope-insensitive on purpose: a name declared anywhere in the function, at the top of any
//! file of the program, imported, or predeclared counts as declared. A rule built on this may
//! miss a name declared in a block that does not reach the use (the compiler then says so), but
//! never declares a second time a name the program already has.

use std::collections::BTreeSet;

use tree_sitter::Node;

use crate::fix::text::{all_nodes, named_children, node_text, parse_tree, UseSite};
use crate::lang::builtins::builtin_values;
use crate::program::Program;
use crate::types::{CodeError, TargetLanguage};

/// The identifier of a Go `undefined: NAME` error, or `None` for any other message.
pub(crate) fn undefined_identifier(error: &CodeError) -> Option<&str> {
    crate::fix::text::message(error)
        .strip_prefix("undefined: ")
        .map(str::trim)
        .filter(|n| crate::fix::text::is_identifier(n))
}

/// An `undefined: NAME` error read where it points, in a Go file fixes may edit: the name and
/// the parsed file. The prelude of the rules that declare what a function uses.
pub(crate) struct UndefinedUse<'e, 'p> {
    pub(crate) name: &'e str,
    pub(crate) site: UseSite<'p>,
}

impl<'e, 'p> UndefinedUse<'e, 'p> {
    /// `None` for another message, a protected or unknown file, or a grammar that cannot load.
    pub(crate) fn of(error: &'e CodeError, program: &'p Program) -> Option<Self> {
        let name = undefined_identifier(error)?;
        let site = UseSite::editable(error, program, TargetLanguage::Go)?;
        Some(UndefinedUse { name, site })
    }

    /// The name's node at the error when it is a plain identifier (not a type or a field).
    pub(crate) fn identifier(&self) -> Option<Node<'_>> {
        self.site
            .name_node(self.name)
            .filter(|n| n.kind() == "identifier")
    }

    /// The function holding `use_node` and every name it and the package declare ([`function_names`],
    /// [`package_names`]); `None` outside a function or when the name is declared after all.
    pub(crate) fn function<'t>(
        &self,
        use_node: Node<'t>,
        program: &Program,
    ) -> Option<(Node<'t>, BTreeSet<String>)> {
        let function = enclosing_function(use_node)?;
        let mut declared = function_names(function, self.site.text);
        declared.extend(package_names(program));
        (!declared.contains(self.name)).then_some((function, declared))
    }
}

/// The function, method or function literal holding `node`, innermost first.
pub(crate) fn enclosing_function(node: Node<'_>) -> Option<Node<'_>> {
    let mut current = Some(node);
    while let Some(n) = current {
        if matches!(
            n.kind(),
            "function_declaration" | "method_declaration" | "func_literal"
        ) {
            return Some(n);
        }
        current = n.parent();
    }
    None
}

/// Every name declared at the top level of the program's Go files (functions, types, `var`
/// and `const` names), the packages they import, and Go's predeclared names.
pub(crate) fn package_names(program: &Program) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = builtin_values(TargetLanguage::Go)
        .iter()
        .map(|s| s.to_string())
        .collect();
    for text in program.files().values() {
        let Some(tree) = parse_tree(TargetLanguage::Go, text) else {
            continue;
        };
        for item in named_children(tree.root_node()) {
            match item.kind() {
                "function_declaration" | "method_declaration" => {
                    // Methods are reached through a value, but their names do no harm here.
                    if let Some(n) = item.child_by_field_name("name") {
                        names.insert(node_text(n, text).to_string());
                    }
                }
                "import_declaration" => {
                    for spec in all_nodes(item)
                        .into_iter()
                        .filter(|n| n.kind() == "import_spec")
                    {
                        let name = spec.child_by_field_name("name").map_or_else(
                            || {
                                spec.child_by_field_name("path")
                                    .map(|p| node_text(p, text).trim_matches('"'))
                                    .and_then(|p| p.rsplit('/').next())
                                    .unwrap_or("")
                            },
                            |n| node_text(n, text),
                        );
                        names.insert(name.to_string());
                    }
                }
                _ => {
                    for d in all_nodes(item) {
                        if matches!(d.kind(), "var_spec" | "const_spec" | "type_spec") {
                            names.extend(spec_names(d, text));
                        }
                    }
                }
            }
        }
    }
    names
}

/// Every name function `f` declares: its receiver, parameters and named results, and every
/// `:=`, `var`, `const`, `range` and type declaration inside it (literals' included).
pub(crate) fn function_names(f: Node<'_>, text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for n in all_nodes(f) {
        match n.kind() {
            // Only real names: in `func f(a, b)` the bare words are (undefined) types, not
            // identifiers.
            "parameter_declaration" | "variadic_parameter_declaration" => {
                for c in named_children(n) {
                    if c.kind() == "identifier" {
                        names.insert(node_text(c, text).to_string());
                    }
                }
            }
            "short_var_declaration" | "range_clause" => {
                if let Some(left) = n.child_by_field_name("left") {
                    for c in named_children(left) {
                        if c.kind() == "identifier" {
                            names.insert(node_text(c, text).to_string());
                        }
                    }
                }
            }
            "var_spec" | "const_spec" | "type_spec" => names.extend(spec_names(n, text)),
            "labeled_statement" => {
                if let Some(l) = named_children(n).first() {
                    names.insert(node_text(*l, text).to_string());
                }
            }
            _ => {}
        }
    }
    names
}

/// The names a `var`, `const` or `type` spec declares.
fn spec_names(spec: Node<'_>, text: &str) -> Vec<String> {
    if spec.kind() == "type_spec" {
        return spec
            .child_by_field_name("name")
            .map(|n| vec![node_text(n, text).to_string()])
            .unwrap_or_default();
    }
    named_children(spec)
        .into_iter()
        .take_while(|c| c.kind() == "identifier")
        .map(|c| node_text(c, text).to_string())
        .collect()
}

/// The identifiers read or written in `body` that nothing declares (`declared`), in order of
/// first appearance, each once. Field names (`x.f`, `T{f: …}`) and labels are not identifiers
/// in Go's grammar, so they never appear here.
pub(crate) fn undeclared_in(
    body: Node<'_>,
    text: &str,
    declared: &BTreeSet<String>,
) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for n in all_nodes(body) {
        if n.kind() != "identifier" {
            continue;
        }
        let is_key = n.parent().is_some_and(|p| {
            p.kind() == "literal_element"
                && p.parent().is_some_and(|k| {
                    k.kind() == "keyed_element"
                        && k.child_by_field_name("key")
                            .is_some_and(|key| key.id() == p.id())
                })
        });
        let name = node_text(n, text);
        if is_key || name == "_" || declared.contains(name) || !seen.insert(name.to_string()) {
            continue;
        }
        out.push(name.to_string());
    }
    out
}
