//! Writing what is missing: the syntax-tree queries the definition-synthesis rules share
//! (the call that uses a missing name, its arguments, the item to insert after, parameter
//! names, a return shape guessed from a name).
//!
//! Types are language-specific (`infer_rust`, `infer_go`); this module knows only trees.

use tree_sitter::{Node, Tree};

use crate::fix::Fix;
use crate::program::Program;
use crate::repair::syntax;
use crate::types::{CodeError, TargetLanguage};

pub(crate) use crate::repair::syntax::text as node_text;

/// The syntax tree of `source` (`None` when the grammar cannot be loaded).
pub(crate) fn parse_tree(language: TargetLanguage, source: &str) -> Option<Tree> {
    syntax::parse(language, source)
}

/// Where an error points in one of the program's files (editable or not: a protected test
/// may use what the program forgot to define), parsed: the file, its text, its syntax tree and
/// the byte offset of the error's line and column.
pub(crate) struct UseSite<'p> {
    pub(crate) file: &'p str,
    pub(crate) text: &'p str,
    pub(crate) tree: Tree,
    pub(crate) offset: usize,
}

impl<'p> UseSite<'p> {
    /// The site of `error`'s location; `None` without a location, for a file the program does
    /// not have, or when the grammar cannot be loaded.
    pub(crate) fn of(
        error: &CodeError,
        program: &'p Program,
        language: TargetLanguage,
    ) -> Option<UseSite<'p>> {
        let loc = error.location.as_ref()?;
        let path = crate::diagnostics::program_path(&loc.file);
        let (file, text) = program.files().get_key_value(path)?;
        let tree = parse_tree(language, text)?;
        let lines = super::LineIndex::new(text);
        let line = (loc.line as usize).clamp(1, lines.count());
        let offset = lines.offset(text, line, loc.column as usize);
        Some(UseSite {
            file,
            text,
            tree,
            offset,
        })
    }

    /// The site of `error`'s location in a file fixes may edit ([`super::target`]); `None`
    /// also for a protected file.
    pub(crate) fn editable(
        error: &CodeError,
        program: &'p Program,
        language: TargetLanguage,
    ) -> Option<UseSite<'p>> {
        let t = super::target(error, program)?;
        Some(UseSite {
            file: t.file,
            text: t.text,
            tree: parse_tree(language, t.text)?,
            offset: t.offset,
        })
    }

    /// The node of identifier `name` on the error's line, nearest the error's column.
    pub(crate) fn name_node(&self, name: &str) -> Option<Node<'_>> {
        find_name_near(self.text, self.offset, name)
            .and_then(|at| name_node_at(self.tree.root_node(), self.text, at, name))
    }

    /// The call of `name` at the error ([`call_of`] its [`name_node`](Self::name_node)): a
    /// method call `x.name(…)` as well as a plain `name(…)`.
    pub(crate) fn call(&self, name: &str) -> Option<Node<'_>> {
        self.name_node(name).and_then(call_of)
    }

    /// The call of a free function `name(…)` at the error: the name is a plain identifier,
    /// not a field or a path.
    pub(crate) fn function_call(&self, name: &str) -> Option<Node<'_>> {
        self.name_node(name)
            .filter(|n| n.kind() == "identifier")
            .and_then(call_of)
    }
}

/// The first of the program's editable sources of `language` that declares a class `class`
/// (a node of one of `kinds` whose `name` field is `class`) for which `each` gives an answer,
/// with that source's file, text and the class's `body` node.
pub(crate) fn in_class_body<R>(
    program: &Program,
    language: TargetLanguage,
    kinds: &[&str],
    class: &str,
    mut each: impl FnMut(&str, &str, Node<'_>) -> Option<R>,
) -> Option<R> {
    for (file, text) in super::editable_sources(program) {
        let Some(tree) = parse_tree(language, text) else {
            continue;
        };
        let Some(body) = all_nodes(tree.root_node())
            .into_iter()
            .find(|n| {
                kinds.contains(&n.kind())
                    && n.child_by_field_name("name")
                        .is_some_and(|x| node_text(x, text) == class)
            })
            .and_then(|c| c.child_by_field_name("body"))
        else {
            continue;
        };
        if let Some(answer) = each(file, text, body) {
            return Some(answer);
        }
    }
    None
}

/// The one fix of a definition-writing rule: insert `text` at `at` of `file`.
pub(crate) fn insert_definition(
    id: &str,
    confidence: f64,
    description: String,
    file: &str,
    at: usize,
    text: &str,
) -> Vec<Fix> {
    let mut fixes = super::Fixes::new(id);
    fixes.replace(confidence, description, file, at, at, text);
    fixes.done()
}

/// The named children of `node`, in order.
pub(crate) fn named_children(node: Node<'_>) -> Vec<Node<'_>> {
    (0..node.named_child_count())
        .filter_map(|i| node.named_child(i as u32))
        .collect()
}

/// Every node of the tree in document order.
pub(crate) fn all_nodes(root: Node<'_>) -> Vec<Node<'_>> {
    syntax::descendants(root)
}

/// The smallest named node spanning `start..end` whose text is `name` (an identifier-like
/// node), else any node there whose text is `name`.
pub(crate) fn name_node_at<'t>(
    root: Node<'t>,
    source: &str,
    start: usize,
    name: &str,
) -> Option<Node<'t>> {
    let end = start + name.len();
    let mut node = root.named_descendant_for_byte_range(start, end)?;
    loop {
        if node_text(node, source) == name {
            return Some(node);
        }
        if node.start_byte() < start || node.end_byte() > end {
            return None;
        }
        node = node.parent()?;
    }
}

/// The first occurrence of identifier `name` at or after `from` on the line around `from`,
/// else nearest to it on that line (error columns point at the name or the start of the call).
pub(crate) fn find_name_near(source: &str, from: usize, name: &str) -> Option<usize> {
    let line_start = source[..from.min(source.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let line_end = source[from.min(source.len())..]
        .find('\n')
        .map_or(source.len(), |i| from + i);
    let line = &source[line_start..line_end];
    line.match_indices(name)
        .map(|(i, _)| line_start + i)
        .filter(|&p| super::is_word_at(source, p, name.len()))
        .min_by_key(|&p| (p < from, p.abs_diff(from)))
}

/// The call expression whose callee is `name_node` (`f(…)`, `x.f(…)`, `T::f(…)`), if the name
/// is called.
pub(crate) fn call_of<'t>(name_node: Node<'t>) -> Option<Node<'t>> {
    let mut node = name_node;
    for _ in 0..3 {
        let parent = node.parent()?;
        if syntax::is_call(parent.kind()) {
            let function = parent.child_by_field_name("function")?;
            return (function.id() == node.id()).then_some(parent);
        }
        if !matches!(
            parent.kind(),
            "field_expression"
                | "scoped_identifier"
                | "selector_expression"
                | "member_expression"
                | "attribute"
                | "generic_function"
        ) {
            return None;
        }
        node = parent;
    }
    None
}

/// The argument expressions of a call (comments left out).
pub(crate) fn call_arguments(call: Node<'_>) -> Vec<Node<'_>> {
    call.child_by_field_name("arguments")
        .map(|args| {
            named_children(args)
                .into_iter()
                .filter(|n| !n.kind().contains("comment"))
                .collect()
        })
        .unwrap_or_default()
}

/// The item at the top of the file (a child of the root) that holds `node`.
pub(crate) fn top_level_item<'t>(node: Node<'t>) -> Option<Node<'t>> {
    let mut current = node;
    loop {
        let parent = current.parent()?;
        if parent.parent().is_none() {
            return Some(current);
        }
        current = parent;
    }
}

/// The end of the line holding byte `offset` (the offset of its `\n`, or the text's end).
pub(crate) fn end_of_line(source: &str, offset: usize) -> usize {
    source[offset.min(source.len())..]
        .find('\n')
        .map_or(source.len(), |i| offset + i)
}

/// The text of `node`'s child in `field`, when it has one.
pub(crate) fn field_text<'s>(node: Node<'_>, field: &str, src: &'s str) -> Option<&'s str> {
    node.child_by_field_name(field)
        .map(|child| node_text(child, src))
}

/// The start of the line holding byte `offset`.
pub(crate) fn start_of_line(source: &str, offset: usize) -> usize {
    source[..offset.min(source.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1)
}

/// A parameter name for each argument: the argument's own name when it is a plain name (or
/// the last part of `a.b`), else one derived from the position; never twice the same.
pub(crate) fn parameter_names(args: &[Node<'_>], source: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (i, arg) in args.iter().enumerate() {
        let raw = node_text(*arg, source).trim_start_matches(['&', '*']);
        let raw = raw.strip_prefix("mut ").unwrap_or(raw);
        let last = raw.rsplit(['.', ':']).next().unwrap_or("");
        let base = if super::is_identifier(last)
            && !matches!(last, "self" | "this" | "true" | "false" | "nil" | "None")
            && !last.chars().next().is_some_and(char::is_uppercase)
        {
            last.to_string()
        } else {
            format!("arg{}", i + 1)
        };
        let mut name = base.clone();
        let mut n = 2;
        while names.contains(&name) {
            name = format!("{base}{n}");
            n += 1;
        }
        names.push(name);
    }
    names
}

/// What a name says its function returns, when it says anything: `is_empty` a boolean,
/// `count_words` an integer, `average` a float, `format_name` a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NamedShape {
    Bool,
    Int,
    Float,
    Text,
}

/// What a language writes for each shape a name can suggest ([`shape_from_name`]): a type or
/// a placeholder value, and what it writes when the name suggests none.
pub(crate) struct ShapeWords {
    pub(crate) boolean: &'static str,
    pub(crate) int: &'static str,
    pub(crate) float: &'static str,
    pub(crate) text: &'static str,
    pub(crate) unknown: &'static str,
}

impl ShapeWords {
    /// The word for the shape `name` suggests, and whether it suggested one.
    pub(crate) fn for_name(&self, name: &str) -> (&'static str, bool) {
        match shape_from_name(name) {
            Some(NamedShape::Bool) => (self.boolean, true),
            Some(NamedShape::Int) => (self.int, true),
            Some(NamedShape::Float) => (self.float, true),
            Some(NamedShape::Text) => (self.text, true),
            None => (self.unknown, false),
        }
    }

    /// The type for the shape `name` suggests, with what says so: the name
    /// ([`Evidence::Name`]), or nothing (the `unknown` word, [`Evidence::Guess`]).
    pub(crate) fn type_for_name(&self, name: &str) -> (String, super::Evidence) {
        let (ty, named) = self.for_name(name);
        let evidence = if named {
            super::Evidence::Name
        } else {
            super::Evidence::Guess
        };
        (ty.into(), evidence)
    }
}

/// The shape a function's name suggests for its result.
pub(crate) fn shape_from_name(name: &str) -> Option<NamedShape> {
    let words = split_words(name);
    let first = words.first().map(String::as_str).unwrap_or("");
    let last = words.last().map(String::as_str).unwrap_or("");
    let has = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
    if matches!(
        first,
        "is" | "has" | "can" | "should" | "contains" | "check" | "valid" | "validate" | "equals"
    ) || matches!(last, "valid" | "empty" | "exists" | "ok")
    {
        return Some(NamedShape::Bool);
    }
    if has(&[
        "average",
        "avg",
        "mean",
        "ratio",
        "percent",
        "percentage",
        "rate",
        "sqrt",
        "median",
        "distance",
        "area",
        "celsius",
        "fahrenheit",
    ]) {
        return Some(NamedShape::Float);
    }
    if has(&[
        "count",
        "len",
        "length",
        "size",
        "sum",
        "total",
        "num",
        "number",
        "index",
        "idx",
        "max",
        "min",
        "product",
        "factorial",
        "fib",
        "fibonacci",
        "square",
        "cube",
        "gcd",
        "lcm",
        "score",
        "depth",
        "height",
        "width",
        "age",
        "year",
        "digits",
    ]) {
        return Some(NamedShape::Int);
    }
    if has(&[
        "name",
        "format",
        "string",
        "str",
        "text",
        "message",
        "msg",
        "greet",
        "greeting",
        "describe",
        "description",
        "label",
        "title",
        "reverse",
        "upper",
        "lower",
        "join",
        "render",
        "display",
        "capitalize",
        "to",
    ]) {
        return Some(NamedShape::Text);
    }
    None
}

/// `countWords`, `count_words`, `CountWords` → `["count", "words"]`.
pub(crate) fn split_words(name: &str) -> Vec<String> {
    words_split_at(name, |c| c == '_')
}

/// A name's words, lower case: split at every character `separator` accepts (dropped) and
/// where a lower-case letter or digit is followed by an upper-case one.
pub(crate) fn words_split_at(name: &str, separator: impl Fn(char) -> bool) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if separator(c) {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        word.extend(c.to_lowercase());
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// `word` with its first character upper-cased (`server` → `Server`, `total` → `Total`).
pub(crate) fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}

/// The editable file of the program's language where a definition used from `file` belongs:
/// `file` itself when it is editable, else the one editable non-test source of the language
/// (a protected test calls what the program forgot to define).
pub(crate) fn definition_file<'a>(program: &'a Program, file: &str) -> Option<(&'a str, &'a str)> {
    if let Some(found) = super::editable_file(program, file) {
        return Some(found);
    }
    let sources: Vec<(&str, &str)> = super::editable_sources(program)
        .into_iter()
        .filter(|(name, _)| !crate::lang::is_test_file(program.language(), name))
        .collect();
    match sources.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_and_suggest_shapes() {
        assert_eq!(split_words("countWords"), ["count", "words"]);
        assert_eq!(split_words("is_empty"), ["is", "empty"]);
        assert_eq!(shape_from_name("isValid"), Some(NamedShape::Bool));
        assert_eq!(shape_from_name("average"), Some(NamedShape::Float));
        assert_eq!(shape_from_name("sumAll"), Some(NamedShape::Int));
        assert_eq!(shape_from_name("format_name"), Some(NamedShape::Text));
        assert_eq!(shape_from_name("process"), None);
    }

    #[test]
    fn calls_and_arguments_are_found_from_the_name() {
        let src = "fn main() {\n    let t = compute(3, x.y, &v);\n}\n";
        let tree = parse_tree(TargetLanguage::Rust, src).unwrap();
        let at = src.find("compute").unwrap();
        let name = name_node_at(tree.root_node(), src, at, "compute").unwrap();
        let call = call_of(name).unwrap();
        let args = call_arguments(call);
        assert_eq!(args.len(), 3);
        assert_eq!(parameter_names(&args, src), ["arg1", "y", "v"]);
        let item = top_level_item(call).unwrap();
        assert_eq!(item.kind(), "function_item");
    }
}
