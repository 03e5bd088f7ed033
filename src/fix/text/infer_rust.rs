//! Rust types read off the syntax tree, for the rules that write missing definitions: the type
//! of an expression (literals, annotated bindings, parameters, local functions and fields) and
//! the type the position of an expression expects (a `let` annotation, a return, a parameter,
//! the other operand). Only what the text says; `None` when it does not say.

use tree_sitter::Node;

use super::synth::{field_text, named_children, node_text};

/// Integer types, as rustc names them.
pub(crate) const RUST_INTEGERS: &[&str] = &[
    "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
];

/// Floating-point types.
pub(crate) const RUST_FLOATS: &[&str] = &["f32", "f64"];

/// True for a primitive numeric type.
pub(crate) fn is_rust_number(ty: &str) -> bool {
    RUST_INTEGERS.contains(&ty) || RUST_FLOATS.contains(&ty)
}

/// What the position of an expression expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Expected {
    /// A value of this type.
    Type(String),
    /// No value: the expression is a statement.
    Unit,
    /// The text does not say.
    Unknown,
}

/// The type of expression `node`, when the text says it.
pub(crate) fn expr_type(node: Node<'_>, src: &str) -> Option<String> {
    expr_type_depth(node, src, 0)
}

fn expr_type_depth(node: Node<'_>, src: &str, depth: usize) -> Option<String> {
    typed_within_depth(node, src, depth, rust_expression_type)
}

/// How many levels of sub-expressions expression typing descends before it gives up.
const MAX_EXPRESSION_DEPTH: usize = 6;

/// One language's expression typing: the type of a node, given how to type its
/// sub-expressions.
pub(crate) type ExpressionTyping =
    fn(Node<'_>, &str, &dyn Fn(Node<'_>) -> Option<String>) -> Option<String>;

/// The type `typing` gives `node` at `depth` levels down, its sub-expressions typed one level
/// deeper; nothing past [`MAX_EXPRESSION_DEPTH`] levels.
pub(crate) fn typed_within_depth(
    node: Node<'_>,
    src: &str,
    depth: usize,
    typing: ExpressionTyping,
) -> Option<String> {
    if depth > MAX_EXPRESSION_DEPTH {
        return None;
    }
    typing(node, src, &|n: Node<'_>| {
        typed_within_depth(n, src, depth + 1, typing)
    })
}

/// Rust's expression typing (see [`typed_within_depth`]).
fn rust_expression_type(
    node: Node<'_>,
    src: &str,
    recurse: &dyn Fn(Node<'_>) -> Option<String>,
) -> Option<String> {
    let text = node_text(node, src);
    match node.kind() {
        "integer_literal" => Some(
            RUST_INTEGERS
                .iter()
                .find(|t| text.ends_with(*t))
                .map_or("i32", |t| t)
                .to_string(),
        ),
        "float_literal" => Some(if text.ends_with("f32") { "f32" } else { "f64" }.into()),
        "string_literal" | "raw_string_literal" => Some("&str".into()),
        "boolean_literal" => Some("bool".into()),
        "char_literal" => Some("char".into()),
        "parenthesized_expression" => named_children(node).into_iter().next().and_then(recurse),
        "reference_expression" => {
            let value = node.child_by_field_name("value")?;
            let inner = recurse(value)?;
            let mutable = named_children(node)
                .iter()
                .any(|c| c.kind() == "mutable_specifier");
            Some(if mutable {
                format!("&mut {inner}")
            } else {
                format!("&{inner}")
            })
        }
        "unary_expression" => {
            let operand = named_children(node).into_iter().next()?;
            if text.starts_with('!') && recurse(operand).as_deref() == Some("bool") {
                return Some("bool".into());
            }
            let inner = recurse(operand)?;
            if text.starts_with('*') {
                return inner
                    .strip_prefix('&')
                    .map(|t| t.strip_prefix("mut ").unwrap_or(t).to_string());
            }
            Some(inner)
        }
        "binary_expression" => {
            let op = field_text(node, "operator", src)?;
            if matches!(op, "==" | "!=" | "<" | ">" | "<=" | ">=" | "&&" | "||") {
                return Some("bool".into());
            }
            let left = node.child_by_field_name("left").and_then(recurse);
            let right = node.child_by_field_name("right").and_then(recurse);
            match (left, right) {
                (Some(l), _) if l != "&str" => Some(l),
                (_, Some(r)) if r != "&str" => Some(r),
                (Some(_), _) if op == "+" => Some("String".into()),
                _ => None,
            }
        }
        "array_expression" => {
            let items = named_children(node);
            let first = items.first().copied().and_then(recurse)?;
            Some(format!("[{first}; {}]", items.len()))
        }
        "tuple_expression" => {
            let parts: Option<Vec<String>> =
                named_children(node).into_iter().map(recurse).collect();
            Some(format!("({})", parts?.join(", ")))
        }
        "struct_expression" => field_text(node, "name", src).map(str::to_string),
        "macro_invocation" => {
            let name = field_text(node, "macro", src)?;
            match name {
                "format" => Some("String".into()),
                "vec" => {
                    let tree = named_children(node)
                        .into_iter()
                        .find(|c| c.kind() == "token_tree")?;
                    let first = named_children(tree).into_iter().next()?;
                    let elem = recurse(first)?;
                    Some(format!("Vec<{elem}>"))
                }
                _ => None,
            }
        }
        "identifier" => binding_type(node, text, src),
        "self" => None,
        "field_expression" => {
            let value = node.child_by_field_name("value")?;
            let field = field_text(node, "field", src)?;
            let owner = recurse(value)?;
            let owner = owner.trim_start_matches('&').trim_start_matches("mut ");
            field_type(root_of(node), src, owner, field)
        }
        "index_expression" => {
            let base = recurse(named_children(node).into_iter().next()?)?;
            let base = base.trim_start_matches('&').trim_start_matches("mut ");
            if let Some(inner) = base.strip_prefix("Vec<").and_then(|r| r.strip_suffix('>')) {
                return Some(inner.to_string());
            }
            base.strip_prefix('[')
                .and_then(|r| r.split(';').next())
                .map(|t| t.trim_end_matches(']').trim().to_string())
        }
        "call_expression" => {
            let function = node.child_by_field_name("function")?;
            match function.kind() {
                "identifier" => fn_return(root_of(node), src, node_text(function, src)),
                "scoped_identifier" => {
                    let path = node_text(function, src);
                    match path {
                        "String::from" | "String::new" => Some("String".into()),
                        _ => {
                            let (owner, name) = path.rsplit_once("::")?;
                            if name == "new" && is_type_name(owner) {
                                return Some(owner.to_string());
                            }
                            None
                        }
                    }
                }
                "field_expression" => {
                    let method = field_text(function, "field", src)?;
                    let receiver = function.child_by_field_name("value")?;
                    match method {
                        "to_string" | "to_uppercase" | "to_lowercase" | "to_owned"
                            if recurse(receiver).as_deref() == Some("&str") =>
                        {
                            Some("String".into())
                        }
                        "to_string" | "to_uppercase" | "to_lowercase" | "repeat" => {
                            Some("String".into())
                        }
                        "len" | "count" => Some("usize".into()),
                        "is_empty" | "contains" | "starts_with" | "ends_with" | "is_some"
                        | "is_none" | "is_ok" | "is_err" => Some("bool".into()),
                        "clone" | "to_owned" => {
                            recurse(receiver).map(|t| t.trim_start_matches('&').to_string())
                        }
                        _ => None,
                    }
                }
                _ => None,
            }
        }
        _ => None,
    }
}

fn is_type_name(s: &str) -> bool {
    s.chars().next().is_some_and(char::is_uppercase) && super::is_identifier(s)
}

/// The root of the tree holding `node`.
pub(crate) fn root_of(node: Node<'_>) -> Node<'_> {
    let mut n = node;
    while let Some(p) = n.parent() {
        n = p;
    }
    n
}

/// The declared type of binding `name` visible at `use_node`: an annotated `let` before it,
/// a `let` of a value whose type is known, or a parameter of the enclosing function.
pub(crate) fn binding_type(use_node: Node<'_>, name: &str, src: &str) -> Option<String> {
    let at = use_node.start_byte();
    let mut current = use_node.parent();
    while let Some(scope) = current {
        if scope.kind() == "block" {
            let lets = named_children(scope)
                .into_iter()
                .filter(|s| s.kind() == "let_declaration" && s.end_byte() <= at);
            for stmt in lets.collect::<Vec<_>>().into_iter().rev() {
                let Some(pattern) = stmt.child_by_field_name("pattern") else {
                    continue;
                };
                let pat = node_text(pattern, src);
                if pat.strip_prefix("mut ").unwrap_or(pat).trim() != name {
                    continue;
                }
                if let Some(ty) = stmt.child_by_field_name("type") {
                    return Some(node_text(ty, src).to_string());
                }
                return stmt
                    .child_by_field_name("value")
                    .filter(|v| v.id() != use_node.id())
                    .and_then(|v| expr_type_depth(v, src, 1));
            }
        }
        if scope.kind() == "function_item" {
            let params = scope.child_by_field_name("parameters")?;
            for p in named_children(params) {
                if p.kind() == "self_parameter" && name == "self" {
                    return None;
                }
                let (Some(pattern), Some(ty)) = (
                    p.child_by_field_name("pattern"),
                    p.child_by_field_name("type"),
                ) else {
                    continue;
                };
                let pat = node_text(pattern, src);
                if pat.strip_prefix("mut ").unwrap_or(pat).trim() == name {
                    return Some(node_text(ty, src).to_string());
                }
            }
            return None;
        }
        current = scope.parent();
    }
    None
}

/// The return type of the top-level function `name` (`()` when it declares none).
pub(crate) fn fn_return(root: Node<'_>, src: &str, name: &str) -> Option<String> {
    let f = find_item(root, src, "function_item", name)?;
    Some(
        f.child_by_field_name("return_type")
            .map_or("()".to_string(), |t| node_text(t, src).to_string()),
    )
}

/// The item of `kind` named `name` anywhere in the file (top level, in modules or impls).
pub(crate) fn find_item<'t>(root: Node<'t>, src: &str, kind: &str, name: &str) -> Option<Node<'t>> {
    super::synth::all_nodes(root).into_iter().find(|n| {
        n.kind() == kind
            && n.child_by_field_name("name")
                .is_some_and(|x| node_text(x, src) == name)
    })
}

/// The type of field `field` of the local struct `owner`.
pub(crate) fn field_type(root: Node<'_>, src: &str, owner: &str, field: &str) -> Option<String> {
    let item = find_item(root, src, "struct_item", owner)?;
    let body = item.child_by_field_name("body")?;
    named_children(body).into_iter().find_map(|f| {
        (f.kind() == "field_declaration"
            && f.child_by_field_name("name")
                .is_some_and(|n| node_text(n, src) == field))
        .then(|| field_text(f, "type", src).map(str::to_string))
        .flatten()
    })
}

/// The parameter types of the local function `name`, in order.
pub(crate) fn fn_params(root: Node<'_>, src: &str, name: &str) -> Option<Vec<String>> {
    let f = find_item(root, src, "function_item", name)?;
    let params = f.child_by_field_name("parameters")?;
    Some(
        named_children(params)
            .into_iter()
            .filter(|p| p.kind() == "parameter")
            .filter_map(|p| p.child_by_field_name("type"))
            .map(|t| node_text(t, src).to_string())
            .collect(),
    )
}

/// What the position of expression `node` expects.
pub(crate) fn expected_type(node: Node<'_>, src: &str) -> Expected {
    let Some(parent) = node.parent() else {
        return Expected::Unknown;
    };
    let is = |field: &str| {
        parent
            .child_by_field_name(field)
            .is_some_and(|c| c.id() == node.id())
    };
    match parent.kind() {
        "expression_statement" => Expected::Unit,
        "let_declaration" if is("value") => parent
            .child_by_field_name("type")
            .map_or(Expected::Unknown, |t| {
                Expected::Type(node_text(t, src).into())
            }),
        "return_expression" => enclosing_return(parent, src),
        "block" => {
            // The block's tail expression is its value.
            let last = named_children(parent).into_iter().last();
            let tail = last.is_some_and(|l| l.id() == node.id())
                && !src[node.end_byte()..parent.end_byte()]
                    .trim_start()
                    .starts_with(';');
            match parent.parent() {
                Some(f) if tail && f.kind() == "function_item" => enclosing_return(parent, src),
                Some(e) if tail && e.kind().ends_with("_expression") => expected_type(e, src),
                _ if !tail => Expected::Unit,
                _ => Expected::Unknown,
            }
        }
        "if_expression" | "while_expression" if is("condition") => Expected::Type("bool".into()),
        "unary_expression" if node_text(parent, src).starts_with('!') => {
            Expected::Type("bool".into())
        }
        "binary_expression" => {
            let op = parent
                .child_by_field_name("operator")
                .map_or("", |o| node_text(o, src));
            if matches!(op, "&&" | "||") {
                return Expected::Type("bool".into());
            }
            let other = if is("left") {
                parent.child_by_field_name("right")
            } else {
                parent.child_by_field_name("left")
            };
            match other.and_then(|o| expr_type(o, src)) {
                Some(t) if t != "&str" => Expected::Type(t),
                _ if matches!(op, "+" | "-" | "*" | "/" | "%") => {
                    match expected_type(parent, src) {
                        Expected::Type(t) if is_rust_number(&t) => Expected::Type(t),
                        _ => Expected::Unknown,
                    }
                }
                _ => Expected::Unknown,
            }
        }
        "compound_assignment_expr" | "assignment_expression" if is("right") => parent
            .child_by_field_name("left")
            .and_then(|l| expr_type(l, src))
            .map_or(Expected::Unknown, Expected::Type),
        "arguments" => {
            let Some(call) = parent.parent() else {
                return Expected::Unknown;
            };
            let index = named_children(parent)
                .iter()
                .position(|a| a.id() == node.id());
            let callee = call.child_by_field_name("function");
            match (callee, index) {
                (Some(f), Some(i)) if f.kind() == "identifier" => {
                    fn_params(root_of(node), src, node_text(f, src))
                        .and_then(|p| p.get(i).cloned())
                        .map_or(Expected::Unknown, Expected::Type)
                }
                _ => Expected::Unknown,
            }
        }
        "field_initializer" => {
            let Some(list) = parent.parent() else {
                return Expected::Unknown;
            };
            let owner = list
                .parent()
                .and_then(|s| s.child_by_field_name("name"))
                .map(|n| node_text(n, src));
            let field = field_text(parent, "field", src);
            match (owner, field) {
                (Some(o), Some(f)) => {
                    field_type(root_of(node), src, o, f).map_or(Expected::Unknown, Expected::Type)
                }
                _ => Expected::Unknown,
            }
        }
        "parenthesized_expression" => expected_type(parent, src),
        "reference_expression" => match expected_type(parent, src) {
            Expected::Type(t) => t
                .strip_prefix('&')
                .map(|i| i.strip_prefix("mut ").unwrap_or(i))
                .map_or(Expected::Unknown, |i| match i {
                    "str" => Expected::Type("String".into()),
                    _ if i.starts_with('[') => Expected::Unknown,
                    _ => Expected::Type(i.to_string()),
                }),
            other => other,
        },
        _ => Expected::Unknown,
    }
}

/// The declared return type of the function enclosing `node`.
pub(crate) fn enclosing_return(node: Node<'_>, src: &str) -> Expected {
    let mut current = Some(node);
    while let Some(n) = current {
        match n.kind() {
            "closure_expression" => return Expected::Unknown,
            "function_item" => {
                return n
                    .child_by_field_name("return_type")
                    .map_or(Expected::Unit, |t| Expected::Type(node_text(t, src).into()))
            }
            _ => current = n.parent(),
        }
    }
    Expected::Unknown
}

/// The type a parameter should declare to accept an argument of type `ty`: references to owned
/// strings and vectors become the borrowed forms, integer and float placeholders their defaults.
pub(crate) fn parameter_type(ty: &str) -> String {
    match ty {
        "&String" => "&str".into(),
        "&mut String" => "&mut String".into(),
        "{integer}" => "i32".into(),
        "{float}" => "f64".into(),
        _ => {
            if let Some(inner) = ty.strip_prefix("&Vec<").and_then(|r| r.strip_suffix('>')) {
                return format!("&[{inner}]");
            }
            if let Some(inner) = ty.strip_prefix("&[").and_then(|r| r.strip_suffix(']')) {
                if let Some((elem, _)) = inner.split_once(';') {
                    return format!("&[{}]", elem.trim());
                }
            }
            ty.to_string()
        }
    }
}

/// A value of type `ty` that compiles without knowing more: `Default::default()` for owned
/// types, `""` for `&str`, `&[]` for slices; `None` for other references.
pub(crate) fn placeholder_value(ty: &str) -> Option<String> {
    match ty {
        "()" => Some(String::new()),
        "&str" | "&'static str" => Some("\"\"".into()),
        _ if ty.starts_with("&[") || ty.starts_with("&mut [") => Some("&[]".into()),
        _ if ty.starts_with('&') || ty.starts_with("impl ") || ty.starts_with("dyn ") => None,
        _ if ty.starts_with("Result<") => {
            let inner = &ty["Result<".len()..ty.len().saturating_sub(1)];
            let ok = split_top_level(inner).into_iter().next()?;
            let value = placeholder_value(ok.trim())?;
            Some(format!(
                "Ok({})",
                if value.is_empty() { "()" } else { &value }
            ))
        }
        _ => Some("Default::default()".into()),
    }
}

/// Splits `A, B<C, D>` at its top-level commas.
pub(crate) fn split_top_level(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' | ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                out.push(s[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    if !s[start..].trim().is_empty() {
        out.push(s[start..].trim());
    }
    out
}

/// A function written from one call: its parameters (typed from the arguments; a type
/// parameter where an argument's type is unknown) and its return type (from what the call's
/// position expects, else from the name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RustSignature {
    /// `<A, B>` or "".
    pub generics: String,
    /// `a: i32, b: &str`.
    pub params: String,
    /// The return type; `None` for `()`.
    pub ret: Option<String>,
    /// How the return type was found.
    pub ret_from: Evidence,
    /// True when every parameter type came from the text.
    pub params_known: bool,
}

/// Where a synthesized type came from, most trusted first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Evidence {
    /// The use says it (an annotation, a declared return, a parameter, a statement).
    Use,
    /// The function's name suggests it.
    Name,
    /// Nothing says it: the commonest type.
    Guess,
}

/// The signature of function `name` as `call` uses it.
pub(crate) fn rust_signature(call: Node<'_>, src: &str, name: &str) -> Option<RustSignature> {
    let args = super::synth::call_arguments(call);
    let names = super::synth::parameter_names(&args, src);
    let mut generics = Vec::new();
    let mut params = Vec::new();
    for (arg, pname) in args.iter().zip(&names) {
        let ty = match expr_type(*arg, src) {
            Some(t) => parameter_type(&t),
            None => {
                let g = ["T", "U", "V", "W"].get(generics.len()).copied()?;
                generics.push(g);
                g.to_string()
            }
        };
        params.push(format!("{}: {ty}", pname.to_lowercase()));
    }
    let (ret, ret_from) = return_type(call, src, name)?;
    Some(RustSignature {
        generics: if generics.is_empty() {
            String::new()
        } else {
            format!("<{}>", generics.join(", "))
        },
        params: params.join(", "),
        ret,
        ret_from,
        params_known: generics.is_empty(),
    })
}

/// The return type a call's position asks for (`None` inside for `()`), and where it came
/// from. A call under `?` returns the enclosing function's `Result` or `Option`.
fn return_type(call: Node<'_>, src: &str, name: &str) -> Option<(Option<String>, Evidence)> {
    let parent = call.parent()?;
    if parent.kind() == "try_expression" {
        let inner = match expected_type(parent, src) {
            Expected::Type(t) => t,
            Expected::Unit => "()".into(),
            Expected::Unknown => named_type(name).0,
        };
        let Expected::Type(outer) = enclosing_return(parent, src) else {
            return None;
        };
        if let Some(args) = outer
            .strip_prefix("Result<")
            .and_then(|r| r.strip_suffix('>'))
        {
            let parts = split_top_level(args);
            let err = parts.get(1)?;
            return Some((Some(format!("Result<{inner}, {err}>")), Evidence::Use));
        }
        if outer.starts_with("Option<") {
            return Some((Some(format!("Option<{inner}>")), Evidence::Use));
        }
        return None;
    }
    Some(match expected_type(call, src) {
        Expected::Unit => (None, Evidence::Use),
        Expected::Type(t) => (Some(owned_return(&t)), Evidence::Use),
        Expected::Unknown => {
            let (t, evidence) = named_type(name);
            (Some(t), evidence)
        }
    })
}

/// A borrowed expected type returns as the owned type when the function cannot borrow from
/// an argument (`&str` stays: a literal can be returned).
fn owned_return(ty: &str) -> String {
    match ty {
        "{integer}" => "i32".into(),
        "{float}" => "f64".into(),
        _ => ty.to_string(),
    }
}

/// Rust's owned type for each shape a name can suggest; `i32` when it suggests none.
pub(crate) const RUST_TYPE_WORDS: super::synth::ShapeWords = super::synth::ShapeWords {
    boolean: "bool",
    int: "i32",
    float: "f64",
    text: "String",
    unknown: "i32",
};

/// The type a name suggests (`is_x` → `bool`), else `i32`.
fn named_type(name: &str) -> (String, Evidence) {
    RUST_TYPE_WORDS.type_for_name(name)
}

/// `fn name<G>(params) -> R {\n    <placeholder>\n}` at `indent`, with `self_param` first when
/// given (methods). `None` when no placeholder of the return type compiles.
pub(crate) fn rust_fn_text(
    name: &str,
    sig: &RustSignature,
    self_param: Option<&str>,
    indent: &str,
) -> Option<String> {
    let params = match (self_param, sig.params.is_empty()) {
        (Some(s), true) => s.to_string(),
        (Some(s), false) => format!("{s}, {}", sig.params),
        (None, _) => sig.params.clone(),
    };
    let (arrow, body) = match &sig.ret {
        None => (String::new(), String::new()),
        Some(t) => (format!(" -> {t}"), placeholder_value(t)?),
    };
    let body = if body.is_empty() {
        String::new()
    } else {
        format!("{indent}    {body}\n")
    };
    Some(format!(
        "{indent}fn {name}{}({params}){arrow} {{\n{body}{indent}}}",
        sig.generics
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::text::synth::{all_nodes, parse_tree};
    use crate::types::TargetLanguage;

    fn node_for<'t>(tree: &'t tree_sitter::Tree, src: &str, needle: &str, kind: &str) -> Node<'t> {
        let at = src.find(needle).unwrap();
        all_nodes(tree.root_node())
            .into_iter()
            .find(|n| n.start_byte() == at && n.kind() == kind)
            .unwrap()
    }

    #[test]
    fn expression_types_come_from_literals_bindings_and_fields() {
        let src = "struct P { x: f64 }\nfn f(n: usize, s: &String) -> u8 {\n    let v = vec![1.5, 2.0];\n    let p = P { x: 1.0 };\n    let k: i64 = 2;\n    g(n, s, &v, p.x, k + 1, \"a\", v[0]);\n    0\n}\n";
        let tree = parse_tree(TargetLanguage::Rust, src).unwrap();
        let call = node_for(&tree, src, "g(n", "call_expression");
        let args = crate::fix::text::synth::call_arguments(call);
        let types: Vec<Option<String>> = args.iter().map(|a| expr_type(*a, src)).collect();
        assert_eq!(
            types,
            [
                Some("usize".to_string()),
                Some("&String".into()),
                Some("&Vec<f64>".into()),
                Some("f64".into()),
                Some("i64".into()),
                Some("&str".into()),
                Some("f64".into()),
            ]
        );
        assert_eq!(parameter_type("&Vec<f64>"), "&[f64]");
        assert_eq!(parameter_type("&String"), "&str");
        assert_eq!(expected_type(call, src), Expected::Unit);
    }

    #[test]
    fn expected_types_come_from_annotations_returns_and_operands() {
        let src = "fn f() -> u64 {\n    let a: f32 = one();\n    if two() {}\n    let b = 2.5 * three();\n    four()\n}\n";
        let tree = parse_tree(TargetLanguage::Rust, src).unwrap();
        let exp = |name: &str| expected_type(node_for(&tree, src, name, "call_expression"), src);
        assert_eq!(exp("one()"), Expected::Type("f32".into()));
        assert_eq!(exp("two()"), Expected::Type("bool".into()));
        assert_eq!(exp("three()"), Expected::Type("f64".into()));
        assert_eq!(exp("four()"), Expected::Type("u64".into()));
        assert_eq!(
            placeholder_value("Result<i32, String>").unwrap(),
            "Ok(Default::default())"
        );
    }
}
