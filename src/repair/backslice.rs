//! The lines a function's result depends on: a static backward slice from its `return`
//! statements (and a Rust body's tail expression), each line with its distance from them.
//!
//! A test that fails on a wrong value (an assertion, no frame in the program) points at the
//! function it called and nothing more: without per-test coverage every line of that function
//! ranks alike. The wrong value was computed by the lines the result depends on, so those come
//! first, nearest first:
//!
//! - **depth 0**: the lines that return a value;
//! - a line's **control**: the headers of the loops and conditionals around it, and the
//!   statements before it in those blocks that hold a `break`, `continue` or `return` (they
//!   decide whether it runs); control keeps the depth of the line it controls (a wrong
//!   condition over the write of the result is as suspect as the write itself);
//! - a line's **data**, one step deeper: the statements that write a name it reads
//!   (assignments, declarations, loop variables, `++`, `+=`, writes of an element `a[i] = …`
//!   count as writes of `a`). Parameters are left out (their values come from the caller).
//!
//! Only the statements of the function itself are followed (nested function literals have
//! their own results).

use std::collections::{BTreeMap, BTreeSet};

use tree_sitter::Node;

use super::syntax::{self, children, descendants, line_of, text};
use crate::types::TargetLanguage;

/// Steps of data dependence followed at most.
pub const MAX_DEPTH: u32 = 3;

/// The backward slice of the function named `name` in `source`: line → depth (0 for the
/// lines that return, [`MAX_DEPTH`] at most). Empty when no such function exists or it returns
/// nothing.
pub fn of_function(language: TargetLanguage, source: &str, name: &str) -> BTreeMap<u32, u32> {
    let Some(tree) = syntax::parse(language, source) else {
        return BTreeMap::new();
    };
    let Some(function) = descendants(tree.root_node()).into_iter().find(|n| {
        syntax::is_function(language, n.kind()) && syntax::function_name(*n, source) == Some(name)
    }) else {
        return BTreeMap::new();
    };
    slice(language, source, function)
}

/// The backward slice of `function` (see the module docs).
fn slice(language: TargetLanguage, source: &str, function: Node<'_>) -> BTreeMap<u32, u32> {
    let own: Vec<Node<'_>> = own_nodes(language, function);
    let parameters = function.child_by_field_name("parameters");
    let in_parameters = |n: Node<'_>| {
        parameters.is_some_and(|p| p.start_byte() <= n.start_byte() && n.end_byte() <= p.end_byte())
    };
    // Writes of each name: the lines of the statements that write it.
    let mut writes: BTreeMap<&str, BTreeSet<u32>> = BTreeMap::new();
    for node in &own {
        if node.kind() == "identifier"
            && text(*node, source) != "_"
            && !in_parameters(*node)
            && is_written(language, *node)
        {
            writes
                .entry(text(*node, source))
                .or_default()
                .insert(line_of(*node));
        }
    }
    let mut depth: BTreeMap<u32, u32> = BTreeMap::new();
    let mut frontier: BTreeSet<u32> = own
        .iter()
        .filter(|n| is_result(language, **n, function))
        .map(|n| line_of(*n))
        .collect();
    for level in 0..=MAX_DEPTH {
        // Control keeps the level of the line it controls: close the frontier under it.
        let mut pending: Vec<u32> = frontier.iter().copied().collect();
        while let Some(line) = pending.pop() {
            for control in controls(language, &own, function, line) {
                if frontier.insert(control) {
                    pending.push(control);
                }
            }
        }
        let mut next = BTreeSet::new();
        for &line in &frontier {
            if depth.contains_key(&line) {
                continue;
            }
            depth.insert(line, level);
            for node in own.iter().filter(|n| line_of(**n) == line) {
                if node.kind() != "identifier" {
                    continue;
                }
                for &written in writes.get(text(*node, source)).into_iter().flatten() {
                    if written != line && !depth.contains_key(&written) {
                        next.insert(written);
                    }
                }
            }
        }
        frontier = next;
        if frontier.is_empty() {
            break;
        }
    }
    depth
}

/// The nodes of `function` outside the function literals nested in it.
fn own_nodes<'t>(language: TargetLanguage, function: Node<'t>) -> Vec<Node<'t>> {
    descendants(function)
        .into_iter()
        .filter(|n| {
            syntax::enclosing_function(language, *n).map(|f| f.id()) == Some(function.id())
                || syntax::is_function(language, n.kind()) && n.id() == function.id()
        })
        .collect()
}

/// Whether `node` gives `function` its result: a `return` with a value, or a Rust body's tail
/// expression.
fn is_result(language: TargetLanguage, node: Node<'_>, function: Node<'_>) -> bool {
    match node.kind() {
        "return_statement" | "return_expression" => node.named_child_count() > 0,
        _ => {
            language == TargetLanguage::Rust
                && node.is_named()
                && !node.kind().contains("comment")
                && node.parent().is_some_and(|p| {
                    p.kind() == "block"
                        && function
                            .child_by_field_name("body")
                            .is_some_and(|b| b.id() == p.id())
                        && p.named_child(
                            u32::try_from(p.named_child_count().saturating_sub(1)).unwrap_or(0),
                        )
                        .is_some_and(|last| last.id() == node.id())
                        && !node.kind().ends_with("_statement")
                        && !node.kind().ends_with("_declaration")
                })
        }
    }
}

/// Whether the identifier `node` is written where it stands: bound by a declaration or an
/// assignment, the base of an element or field written (`a[i] = …`), or updated in place.
fn is_written(language: TargetLanguage, node: Node<'_>) -> bool {
    if super::scope::is_binding_occurrence(language, node) {
        return true;
    }
    let mut child = node;
    let mut current = node.parent();
    while let Some(parent) = current {
        match parent.kind() {
            // The base of `a[i]`, `a.f`: keep climbing while `child` is that base.
            "index_expression"
            | "subscript"
            | "subscript_expression"
            | "member_expression"
            | "selector_expression"
            | "field_expression"
            | "attribute" => {
                let base = parent
                    .child_by_field_name("operand")
                    .or_else(|| parent.child_by_field_name("value"))
                    .or_else(|| parent.child_by_field_name("object"))
                    .or_else(|| parent.named_child(0));
                if base.map(|b| b.id()) != Some(child.id()) {
                    return false;
                }
            }
            "expression_list" | "pattern_list" | "tuple_pattern" => {}
            "inc_statement" | "dec_statement" | "update_expression" => return true,
            "assignment_statement"
            | "assignment"
            | "assignment_expression"
            | "augmented_assignment"
            | "augmented_assignment_expression"
            | "compound_assignment_expr" => {
                return parent
                    .child_by_field_name("left")
                    .is_some_and(|l| l.id() == child.id());
            }
            _ => return false,
        }
        child = parent;
        current = parent.parent();
    }
    false
}

/// The lines controlling `line` within `function`: the headers of the loops and conditionals
/// around its statements, and the earlier statements of the enclosing blocks that hold a jump.
fn controls(language: TargetLanguage, own: &[Node<'_>], function: Node<'_>, line: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let Some(first) = own
        .iter()
        .find(|n| line_of(**n) == line && n.is_named() && n.id() != function.id())
    else {
        return out;
    };
    let mut child = *first;
    let mut current = first.parent();
    while let Some(parent) = current {
        if parent.id() == function.id() {
            break;
        }
        if is_control(parent.kind()) && line_of(parent) != line {
            out.push(line_of(parent));
        }
        if is_block(parent.kind()) {
            for sibling in children(parent) {
                if sibling.start_byte() >= child.start_byte() {
                    break;
                }
                if holds_jump(language, sibling) {
                    out.push(line_of(sibling));
                }
            }
        }
        child = parent;
        current = parent.parent();
    }
    out
}

fn is_control(kind: &str) -> bool {
    matches!(
        kind,
        "for_statement"
            | "for_in_statement"
            | "for_expression"
            | "while_statement"
            | "while_expression"
            | "do_statement"
            | "loop_expression"
            | "if_statement"
            | "if_expression"
            | "elif_clause"
            | "else_clause"
            | "expression_switch_statement"
            | "switch_statement"
            | "match_expression"
            | "conditional_expression"
            | "ternary_expression"
    )
}

fn is_block(kind: &str) -> bool {
    matches!(
        kind,
        "block" | "statement_list" | "statement_block" | "module" | "source_file"
    )
}

/// Whether `statement` holds a jump that can skip the code after it: a `return`, or a `break`
/// or `continue` of a loop around `statement` (not one of a loop, `switch` or `select` inside
/// it, which ends there; not one of a nested function).
fn holds_jump(language: TargetLanguage, statement: Node<'_>) -> bool {
    let function = syntax::enclosing_function(language, statement).map(|f| f.id());
    descendants(statement).into_iter().any(|n| {
        if syntax::enclosing_function(language, n).map(|f| f.id()) != function {
            return false;
        }
        match n.kind() {
            "return_statement" | "return_expression" => true,
            "break_statement"
            | "continue_statement"
            | "break_expression"
            | "continue_expression" => {
                let mut current = n.parent();
                while let Some(a) = current {
                    if matches!(
                        a.kind(),
                        "for_statement"
                            | "for_in_statement"
                            | "while_statement"
                            | "do_statement"
                            | "for_expression"
                            | "while_expression"
                            | "loop_expression"
                            | "expression_switch_statement"
                            | "type_switch_statement"
                            | "select_statement"
                            | "switch_statement"
                    ) {
                        return false;
                    }
                    if a.id() == statement.id() {
                        return true;
                    }
                    current = a.parent();
                }
                true
            }
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GO: &str = "package main

func count(xs []int, k int) int {
	n := len(xs)
	total := 0
	seen := 0
	for i := 0; i < n; i++ {
		if xs[i] < 0 {
			break
		}
		seen++
		if xs[i] > k {
			total += xs[i]
		}
	}
	return total
}
";

    #[test]
    fn a_go_result_depends_on_its_writes_and_their_control() {
        let slice = of_function(TargetLanguage::Go, GO, "count");
        // return total (16); its writes: 5, 13; their control: 12, 7, and the `break` (8).
        assert_eq!(slice.get(&16), Some(&0));
        for line in [5, 13, 12, 7, 8] {
            assert_eq!(slice.get(&line), Some(&1), "line {line}: {slice:?}");
        }
        // What those read: n (4), i (the loop header, already 1).
        assert_eq!(slice.get(&4), Some(&2));
        // `seen` never reaches the result.
        assert_eq!(slice.get(&6), None);
        assert_eq!(slice.get(&11), None);
    }

    #[test]
    fn a_loop_ending_itself_does_not_control_the_code_after_it() {
        let go = "package main

func f(xs []int) int {
\tm := 0
\tfor i := 1; i < len(xs); i++ {
\t\tif xs[i] < xs[i-1] {
\t\t\tm = i
\t\t\tbreak
\t\t}
\t}
\ttotal := 0
\tfor _, x := range xs {
\t\ttotal += x
\t}
\treturn total
}
";
        let slice = of_function(TargetLanguage::Go, go, "f");
        assert_eq!(slice.get(&15), Some(&0), "{slice:?}");
        assert_eq!(slice.get(&13), Some(&1), "{slice:?}");
        // The first loop's `break` ends that loop: it decides nothing about `total`.
        assert_eq!(slice.get(&5), None, "{slice:?}");
        assert_eq!(slice.get(&6), None, "{slice:?}");
    }

    #[test]
    fn element_writes_and_a_rust_tail_count() {
        let rust = "fn f(n: usize) -> i64 {\n    let mut a = vec![0; n];\n    a[0] = 1;\n    let b = 7;\n    a[0] + 1\n}\n";
        let slice = of_function(TargetLanguage::Rust, rust, "f");
        assert_eq!(slice.get(&5), Some(&0));
        assert_eq!(slice.get(&2), Some(&1));
        assert_eq!(slice.get(&3), Some(&1));
        assert_eq!(slice.get(&4), None);
    }

    #[test]
    fn no_function_or_no_result_gives_nothing() {
        assert!(of_function(TargetLanguage::Go, GO, "missing").is_empty());
        let python = "def f(xs):\n    xs.append(1)\n";
        assert!(of_function(TargetLanguage::Python, python, "f").is_empty());
    }
}
