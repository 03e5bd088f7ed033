//! Go types read off the syntax tree, for the rules that write missing definitions and convert
//! operands: the type of an expression (literals, declarations, parameters, range variables,
//! local functions and struct fields) and the type its position expects. Only what the text
//! says; `None` when it does not say.

use tree_sitter::Node;

use super::infer_rust::{root_of, Evidence, Expected};
use super::synth::{all_nodes, call_arguments, field_text, named_children, node_text};

/// Go's numeric types.
pub(crate) const GO_NUMBERS: &[&str] = &[
    "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64",
    "float32", "float64", "byte", "rune", "uintptr",
];

/// The type of Go expression `node`, when the text says it.
pub(crate) fn go_expr_type(node: Node<'_>, src: &str) -> Option<String> {
    go_expr_type_depth(node, src, 0)
}

fn go_expr_type_depth(node: Node<'_>, src: &str, depth: usize) -> Option<String> {
    super::infer_rust::typed_within_depth(node, src, depth, go_expression_type)
}

/// Go's expression typing (see [`typed_within_depth`](super::infer_rust::typed_within_depth)).
fn go_expression_type(
    node: Node<'_>,
    src: &str,
    recurse: &dyn Fn(Node<'_>) -> Option<String>,
) -> Option<String> {
    match node.kind() {
        "int_literal" => Some("int".into()),
        "float_literal" => Some("float64".into()),
        "interpreted_string_literal" | "raw_string_literal" => Some("string".into()),
        "rune_literal" => Some("rune".into()),
        "true" | "false" => Some("bool".into()),
        "parenthesized_expression" => named_children(node).into_iter().next().and_then(recurse),
        "composite_literal" => field_text(node, "type", src).map(str::to_string),
        "unary_expression" => {
            let op = field_text(node, "operator", src)?;
            let operand = node.child_by_field_name("operand")?;
            match op {
                "&" => recurse(operand).map(|t| format!("*{t}")),
                "!" => Some("bool".into()),
                "*" => recurse(operand).and_then(|t| t.strip_prefix('*').map(str::to_string)),
                _ => recurse(operand),
            }
        }
        "binary_expression" => {
            let op = field_text(node, "operator", src)?;
            if matches!(op, "==" | "!=" | "<" | ">" | "<=" | ">=" | "&&" | "||") {
                return Some("bool".into());
            }
            node.child_by_field_name("left")
                .and_then(recurse)
                .or_else(|| node.child_by_field_name("right").and_then(recurse))
        }
        "identifier" => go_binding_type(node, node_text(node, src), src),
        "selector_expression" => {
            let operand = node.child_by_field_name("operand")?;
            let field = field_text(node, "field", src)?;
            let owner = recurse(operand)?;
            go_field_type(root_of(node), src, owner.trim_start_matches('*'), field)
        }
        "index_expression" => {
            let base = recurse(node.child_by_field_name("operand")?)?;
            if let Some(elem) = base.strip_prefix("[]") {
                return Some(elem.to_string());
            }
            if base == "string" {
                return Some("byte".into());
            }
            // `map[K]V`: the value type after the key's `]`.
            let key = base.strip_prefix("map")?;
            let close = super::matching_char(key, '[', ']')?;
            Some(key[close + 1..].to_string())
        }
        "slice_expression" => recurse(node.child_by_field_name("operand")?),
        "call_expression" => {
            let function = node.child_by_field_name("function")?;
            let name = node_text(function, src);
            match name {
                "len" | "cap" => Some("int".into()),
                "string" | "int" | "float64" | "float32" | "int64" | "int32" | "byte" | "rune"
                | "uint" | "uint64" | "bool" => Some(name.into()),
                "strconv.Itoa" | "fmt.Sprintf" | "fmt.Sprint" | "strings.Join"
                | "strings.ToUpper" | "strings.ToLower" | "strings.TrimSpace"
                | "strings.Repeat" => Some("string".into()),
                "math.Sqrt" | "math.Pow" | "math.Abs" | "math.Floor" | "math.Ceil" => {
                    Some("float64".into())
                }
                "append" => call_arguments(node).into_iter().next().and_then(recurse),
                _ if function.kind() == "identifier" => {
                    let results = go_fn_results(root_of(node), src, name)?;
                    (results.len() == 1).then(|| results[0].clone())
                }
                _ => None,
            }
        }
        "type_conversion_expression" => field_text(node, "type", src).map(str::to_string),
        _ => None,
    }
}

/// The declared type of `name` visible at `use_node`: `x := v`, `var x T`, a range variable or
/// a parameter of the enclosing function.
pub(crate) fn go_binding_type(use_node: Node<'_>, name: &str, src: &str) -> Option<String> {
    let at = use_node.start_byte();
    let mut current = use_node.parent();
    while let Some(scope) = current {
        if matches!(
            scope.kind(),
            "block" | "source_file" | "for_statement" | "if_statement"
        ) {
            let mut decls: Vec<Node<'_>> = all_nodes(scope)
                .into_iter()
                .filter(|n| n.end_byte() <= at || n.kind() == "range_clause")
                .filter(|n| {
                    matches!(
                        n.kind(),
                        "short_var_declaration" | "var_spec" | "range_clause"
                    ) && enclosing_scope(*n).is_some_and(|s| s.id() == scope.id())
                })
                .collect();
            decls.reverse();
            for d in decls {
                if let Some(t) = declared_in(d, name, src) {
                    return t;
                }
            }
        }
        if matches!(
            scope.kind(),
            "function_declaration" | "method_declaration" | "func_literal"
        ) {
            let mut lists = vec![scope.child_by_field_name("parameters")];
            lists.push(scope.child_by_field_name("receiver"));
            for list in lists.into_iter().flatten() {
                for p in named_children(list) {
                    let ty = p.child_by_field_name("type");
                    let names = named_children(p);
                    if names
                        .iter()
                        .any(|n| n.kind() == "identifier" && node_text(*n, src) == name)
                    {
                        return ty.map(|t| node_text(t, src).to_string());
                    }
                }
            }
        }
        current = scope.parent();
    }
    None
}

/// The scope a declaration belongs to: its nearest enclosing block-like node.
fn enclosing_scope(n: Node<'_>) -> Option<Node<'_>> {
    let mut current = n.parent();
    while let Some(p) = current {
        if matches!(
            p.kind(),
            "block" | "source_file" | "for_statement" | "if_statement"
        ) {
            return Some(p);
        }
        current = p.parent();
    }
    None
}

/// `Some(type)` when declaration `d` declares `name` (the inner `None` when its type is not
/// said); `None` when it does not declare it.
fn declared_in(d: Node<'_>, name: &str, src: &str) -> Option<Option<String>> {
    match d.kind() {
        "short_var_declaration" => {
            let left = named_children(d.child_by_field_name("left")?);
            let i = left.iter().position(|n| node_text(*n, src) == name)?;
            let right = named_children(d.child_by_field_name("right")?);
            if right.len() == left.len() {
                return Some(go_expr_type_depth(right[i], src, 1));
            }
            Some(None)
        }
        "var_spec" => {
            let names: Vec<Node<'_>> = named_children(d)
                .into_iter()
                .filter(|n| n.kind() == "identifier")
                .collect();
            let i = names.iter().position(|n| node_text(*n, src) == name)?;
            if let Some(t) = d.child_by_field_name("type") {
                return Some(Some(node_text(t, src).to_string()));
            }
            let values = named_children(d.child_by_field_name("value")?);
            Some(values.get(i).and_then(|v| go_expr_type_depth(*v, src, 1)))
        }
        "range_clause" => {
            let left = named_children(d.child_by_field_name("left")?);
            let i = left.iter().position(|n| node_text(*n, src) == name)?;
            let over = go_expr_type_depth(d.child_by_field_name("right")?, src, 1);
            Some(match (i, over) {
                (0, Some(t)) if t.starts_with("map[") => None,
                (0, _) => Some("int".into()),
                (1, Some(t)) => t
                    .strip_prefix("[]")
                    .map(str::to_string)
                    .or_else(|| (t == "string").then(|| "rune".to_string())),
                _ => None,
            })
        }
        _ => None,
    }
}

/// The function (not method) declaration named `name`.
pub(crate) fn go_find_function<'t>(root: Node<'t>, src: &str, name: &str) -> Option<Node<'t>> {
    named_children(root).into_iter().find(|n| {
        n.kind() == "function_declaration"
            && n.child_by_field_name("name")
                .is_some_and(|x| node_text(x, src) == name)
    })
}

/// The result types of a function declaration node (empty for none).
pub(crate) fn go_results_of(f: Node<'_>, src: &str) -> Vec<String> {
    let Some(result) = f.child_by_field_name("result") else {
        return Vec::new();
    };
    if result.kind() != "parameter_list" {
        return vec![node_text(result, src).to_string()];
    }
    named_children(result)
        .into_iter()
        .flat_map(|p| go_declared_types(p, src).unwrap_or_default())
        .collect()
}

/// A Go parameter (or result) declaration's type once per name it declares (`a, b int` →
/// `int`, `int`; an unnamed one once); `None` when it has no type.
fn go_declared_types(declaration: Node<'_>, src: &str) -> Option<Vec<String>> {
    let ty = declaration.child_by_field_name("type")?;
    let names = named_children(declaration)
        .iter()
        .filter(|c| c.kind() == "identifier")
        .count()
        .max(1);
    Some(vec![node_text(ty, src).to_string(); names])
}

/// The result types of the local function `name`.
pub(crate) fn go_fn_results(root: Node<'_>, src: &str, name: &str) -> Option<Vec<String>> {
    go_find_function(root, src, name).map(|f| go_results_of(f, src))
}

/// The parameter types of the local function `name`, one per parameter.
pub(crate) fn go_fn_params(root: Node<'_>, src: &str, name: &str) -> Option<Vec<String>> {
    let f = go_find_function(root, src, name)?;
    let per_parameter = named_children(f.child_by_field_name("parameters")?)
        .into_iter()
        .map(|p| go_declared_types(p, src))
        .collect::<Option<Vec<_>>>()?;
    Some(per_parameter.concat())
}

/// The `type T struct { … }` declaration's struct node for `name`.
pub(crate) fn go_struct<'t>(root: Node<'t>, src: &str, name: &str) -> Option<Node<'t>> {
    all_nodes(root).into_iter().find_map(|n| {
        (n.kind() == "type_spec"
            && n.child_by_field_name("name")
                .is_some_and(|x| node_text(x, src) == name))
        .then(|| n.child_by_field_name("type"))
        .flatten()
        .filter(|t| t.kind() == "struct_type")
    })
}

/// The type of field `field` of local struct `owner`.
pub(crate) fn go_field_type(root: Node<'_>, src: &str, owner: &str, field: &str) -> Option<String> {
    let st = go_struct(root, src, owner)?;
    let list = named_children(st)
        .into_iter()
        .find(|c| c.kind() == "field_declaration_list")?;
    named_children(list).into_iter().find_map(|f| {
        let names: Vec<Node<'_>> = named_children(f)
            .into_iter()
            .filter(|c| c.kind() == "field_identifier")
            .collect();
        names
            .iter()
            .any(|n| node_text(*n, src) == field)
            .then(|| field_text(f, "type", src).map(str::to_string))
            .flatten()
    })
}

/// The result types of the function enclosing `node`.
fn enclosing_results(node: Node<'_>, src: &str) -> Option<Vec<String>> {
    let mut current = Some(node);
    while let Some(n) = current {
        if matches!(
            n.kind(),
            "function_declaration" | "method_declaration" | "func_literal"
        ) {
            return Some(go_results_of(n, src));
        }
        current = n.parent();
    }
    None
}

/// What the position of Go expression `node` expects: one type, several (a call whose
/// results fill `a, err :=`), none (a statement) or unknown.
pub(crate) fn go_expected(node: Node<'_>, src: &str) -> (Expected, Vec<String>) {
    let unknown = (Expected::Unknown, Vec::new());
    let Some(parent) = node.parent() else {
        return unknown;
    };
    let one = |t: String| (Expected::Type(t), Vec::new());
    match parent.kind() {
        "expression_statement" => (Expected::Unit, Vec::new()),
        "parenthesized_expression" => go_expected(parent, src),
        "expression_list" => {
            let Some(holder) = parent.parent() else {
                return unknown;
            };
            let items = named_children(parent);
            let index = items.iter().position(|i| i.id() == node.id()).unwrap_or(0);
            match holder.kind() {
                "return_statement" => match enclosing_results(holder, src) {
                    Some(r) if items.len() == 1 && r.len() > 1 => (Expected::Unknown, r),
                    Some(r) => r.get(index).cloned().map_or(unknown, one),
                    None => unknown,
                },
                "var_spec" => holder
                    .child_by_field_name("type")
                    .map_or(unknown.clone(), |t| one(node_text(t, src).to_string())),
                "short_var_declaration" | "assignment_statement" => {
                    let left = holder
                        .child_by_field_name("left")
                        .map(named_children)
                        .unwrap_or_default();
                    if items.len() == 1 && left.len() > 1 {
                        // `v, err := f()`: the names say some of the results.
                        let shapes = left
                            .iter()
                            .map(|l| match node_text(*l, src) {
                                "err" => "error".to_string(),
                                "ok" | "found" | "exists" => "bool".to_string(),
                                _ => go_expr_type(*l, src).unwrap_or_default(),
                            })
                            .collect();
                        return (Expected::Unknown, shapes);
                    }
                    if holder.kind() == "assignment_statement" {
                        return left
                            .get(index)
                            .and_then(|l| go_expr_type(*l, src))
                            .map_or(unknown, one);
                    }
                    unknown
                }
                _ => unknown,
            }
        }
        "if_statement" | "for_statement"
            if parent
                .child_by_field_name("condition")
                .is_some_and(|c| c.id() == node.id()) =>
        {
            one("bool".into())
        }
        "unary_expression" if node_text(parent, src).starts_with('!') => one("bool".into()),
        "binary_expression" => {
            let op = parent
                .child_by_field_name("operator")
                .map_or("", |o| node_text(o, src));
            if matches!(op, "&&" | "||") {
                return one("bool".into());
            }
            let is_left = parent
                .child_by_field_name("left")
                .is_some_and(|l| l.id() == node.id());
            let other = parent.child_by_field_name(if is_left { "right" } else { "left" });
            match other.and_then(|o| go_expr_type(o, src)) {
                Some(t) => one(t),
                None => unknown,
            }
        }
        "argument_list" => {
            let Some(call) = parent.parent() else {
                return unknown;
            };
            let index = named_children(parent)
                .iter()
                .position(|a| a.id() == node.id());
            match (call.child_by_field_name("function"), index) {
                (Some(f), Some(i)) if f.kind() == "identifier" => {
                    go_fn_params(root_of(node), src, node_text(f, src))
                        .and_then(|p| p.get(i).cloned())
                        .map_or(unknown, one)
                }
                _ => unknown,
            }
        }
        "keyed_element" => {
            // `T{field: value}`
            let Some(lit) = parent.parent().and_then(|b| b.parent()) else {
                return unknown;
            };
            let owner = field_text(lit, "type", src).map(str::to_string);
            let key = named_children(parent)
                .first()
                .map(|k| node_text(*k, src).to_string());
            match (owner, key) {
                (Some(o), Some(k))
                    if named_children(parent)
                        .first()
                        .is_none_or(|f| f.id() != node.id()) =>
                {
                    go_field_type(root_of(node), src, &o, &k).map_or(unknown, one)
                }
                _ => unknown,
            }
        }
        _ => unknown,
    }
}

/// The zero value of Go type `ty` as an expression.
pub(crate) fn go_zero(ty: &str) -> String {
    match ty {
        "string" => "\"\"".into(),
        "bool" => "false".into(),
        "error" | "any" | "interface{}" => "nil".into(),
        _ if GO_NUMBERS.contains(&ty) => "0".into(),
        _ if ty.starts_with('*')
            || ty.starts_with("[]")
            || ty.starts_with("map[")
            || ty.starts_with("func")
            || ty.starts_with("chan ") =>
        {
            "nil".into()
        }
        _ => format!("{ty}{{}}"),
    }
}

/// A Go function written from one call: parameters typed from the arguments (`any` where the
/// text does not say) and results from the call's position (else the name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GoSignature {
    /// `xs []int, n int`.
    pub params: String,
    /// Result types (empty for none).
    pub results: Vec<String>,
    /// Where the results came from.
    pub ret_from: Evidence,
    /// True when every parameter type came from the text.
    pub params_known: bool,
}

/// The signature of `name` as `call` uses it.
pub(crate) fn go_signature(call: Node<'_>, src: &str, name: &str) -> GoSignature {
    let args = call_arguments(call);
    let names = super::synth::parameter_names(&args, src);
    let mut known = true;
    let params: Vec<String> = args
        .iter()
        .zip(&names)
        .map(|(a, n)| {
            let t = go_expr_type(*a, src).unwrap_or_else(|| {
                known = false;
                "any".into()
            });
            format!("{n} {t}")
        })
        .collect();
    let (expected, several) = go_expected(call, src);
    let (results, ret_from) = match expected {
        Expected::Unit => (Vec::new(), Evidence::Use),
        Expected::Type(t) => (vec![t], Evidence::Use),
        Expected::Unknown if !several.is_empty() => {
            let (first, evidence) = go_named_type(name);
            let r: Vec<String> = several
                .into_iter()
                .map(|t| if t.is_empty() { first.clone() } else { t })
                .collect();
            (r, evidence)
        }
        Expected::Unknown => {
            let (t, evidence) = go_named_type(name);
            (vec![t], evidence)
        }
    };
    GoSignature {
        params: params.join(", "),
        results,
        ret_from,
        params_known: known,
    }
}

/// Go's type for each shape a name can suggest; `int` when it suggests none.
pub(crate) const GO_TYPE_WORDS: super::synth::ShapeWords = super::synth::ShapeWords {
    boolean: "bool",
    int: "int",
    float: "float64",
    text: "string",
    unknown: "int",
};

/// The type a name suggests, else `int`.
pub(crate) fn go_named_type(name: &str) -> (String, Evidence) {
    GO_TYPE_WORDS.type_for_name(name)
}

/// `func name(params) R {\n\treturn zero\n}` (a receiver when given).
pub(crate) fn go_fn_text(name: &str, sig: &GoSignature, receiver: Option<&str>) -> String {
    let recv = receiver.map_or(String::new(), |r| format!("({r}) "));
    let (results, body) = match sig.results.as_slice() {
        [] => (String::new(), String::new()),
        [one] => (format!(" {one}"), format!("\treturn {}\n", go_zero(one))),
        many => (
            format!(" ({})", many.join(", ")),
            format!(
                "\treturn {}\n",
                many.iter()
                    .map(|t| go_zero(t))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
    };
    format!("func {recv}{name}({}){results} {{\n{body}}}", sig.params)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::text::synth::parse_tree;
    use crate::types::TargetLanguage;

    /// The signature of function `name` as its first call in `src` uses it.
    fn signature(src: &str, name: &str) -> GoSignature {
        let tree = parse_tree(TargetLanguage::Go, src).unwrap();
        let at = src.find(&format!("{name}(")).unwrap();
        let call = all_nodes(tree.root_node())
            .into_iter()
            .find(|n| n.start_byte() == at && n.kind() == "call_expression")
            .unwrap();
        go_signature(call, src, name)
    }

    #[test]
    fn index_expressions_type_as_the_element() {
        let src = "package main\n\nfunc f(m map[string][]int, xs []bool, s string) {\n\tuse(m[\"a\"], xs[0], s[1], m[\"b\"][2])\n}\n";
        assert_eq!(
            signature(src, "use").params,
            "arg1 []int, arg2 bool, arg3 byte, arg4 int"
        );
    }

    #[test]
    fn signatures_from_arguments_and_positions() {
        let src = "package main\n\ntype S struct {\n\tn float64\n}\n\nfunc f(xs []int, s S) (string, error) {\n\ttotal := 0\n\tfor _, x := range xs {\n\t\ttotal += x\n\t}\n\tvar avg float64 = mean(xs, total, s.n)\n\tv, err := load(\"a\")\n\tsave(v)\n\treturn describe(avg)\n}\n";
        let sig = signature(src, "mean");
        assert_eq!(sig.params, "xs []int, total int, n float64");
        assert_eq!(sig.results, ["float64"]);
        let sig = signature(src, "load");
        assert_eq!(sig.params, "arg1 string");
        assert_eq!(sig.results, ["int", "error"]);
        let sig = signature(src, "save");
        assert_eq!(sig.params, "v any");
        assert!(sig.results.is_empty());
        let sig = signature(src, "describe");
        assert_eq!(sig.results, ["string", "error"]);
        assert_eq!(
            go_fn_text("describe", &sig, None),
            "func describe(avg float64) (string, error) {\n\treturn \"\", nil\n}"
        );
    }
}
