//! `rust.missing-method`: writes a method (or associated function) the program calls on one
//! of its own structs or enums. Answers: E0599 `no method named `m` found for struct `T``,
//! `no function or associated item named `f` found for struct `T`` (and the enum forms of
//! both, when the name is not a variant's). Fix: the function in the type's `impl` block (one
//! is added after the type when it has none), typed from the call like `rust.missing-function`;
//! a method takes `&mut self` when its name says it changes the value (`push`, `set_…`), else
//! `&self`, and the other receiver is offered too; `T::new(…)` returns `Self` built from the
//! arguments named like fields.
//!
//! Why it is safe: only the call is read and a function is added to a type the program itself
//! defines; nothing existing changes. The body is a typed placeholder that compiles.
//!
//! Example: `c.size()` on `struct Counter { n: usize }` in `let k: usize = c.size();` gains
//! `impl Counter { fn size(&self) -> usize { Default::default() } }`.

use super::*;
use crate::fix::ErrorKind;
use tree_sitter::Node;

/// The call's position and arguments say every type.
const CONFIDENCE_TYPED: f64 = 0.45;
/// The return type comes from the name, or a parameter is generic.
const CONFIDENCE_WEAKER: f64 = 0.35;
/// The receiver the name does not suggest (`&mut self` for `size`, `&self` for `push`).
const OTHER_RECEIVER_PENALTY: f64 = 0.1;

/// Names that say a method changes its receiver.
const MUTATING: &[&str] = &[
    "push",
    "pop",
    "add",
    "insert",
    "remove",
    "set",
    "clear",
    "update",
    "increment",
    "decrement",
    "reset",
    "append",
    "extend",
    "enqueue",
    "dequeue",
    "deposit",
    "withdraw",
    "put",
    "delete",
    "incr",
    "decr",
    "move",
    "apply",
    "record",
    "register",
    "store",
    "take",
    "tick",
    "next",
    "step",
    "mark",
    "toggle",
    "sort",
    "shuffle",
    "fill",
    "load",
    "truncate",
    "drain",
];

/// Methods of derivable traits: a derive provides them, not a new method.
const DERIVED: &[&str] = &[
    "clone",
    "eq",
    "ne",
    "cmp",
    "partial_cmp",
    "hash",
    "fmt",
    "default",
];

/// Writes a method or associated function the program calls on its own type.
pub(crate) struct MissingMethod;

impl Rule for MissingMethod {
    const META: RuleMeta = RuleMeta::new("rust.missing-method", FixApplicability::Speculative)
        .language(TargetLanguage::Rust)
        .kinds(&[ErrorKind::UndefinedVariable, ErrorKind::Compiler])
        .codes(&["E0599"]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        define_method(error, program).unwrap_or_default()
    }
}

/// The fix writing the method the error names into its type's impl.
fn define_method(error: &CodeError, program: &Program) -> Option<Vec<Fix>> {
    let msg = message(error);
    let associated = msg.starts_with("no function or associated item named `")
        || msg.starts_with("no variant or associated item named `");
    if !associated && !msg.starts_with("no method named `") {
        return None;
    }
    let (name, _) = undefined_name(msg)?;
    if msg.starts_with("no variant") && name.chars().next().is_some_and(char::is_uppercase) {
        return None; // a variant: `rust.missing-variant`
    }
    if DERIVED.contains(&name.as_str()) {
        return None; // a derivable trait's method: `rust.missing-derive`
    }
    let owner = owner_type(msg)?;
    let t = UseSite::editable(error, program, TargetLanguage::Rust)?;
    let call = t.call(&name)?;
    let mut sig = rust_signature(call, t.text, &name)?;
    let (file, def_text) = type_file(program, t.file, t.text, &owner)?;
    let def_tree = parse_tree(TargetLanguage::Rust, def_text)?;
    let def_root = def_tree.root_node();
    let type_item = find_item(def_root, def_text, "struct_item", &owner)
        .or_else(|| find_item(def_root, def_text, "enum_item", &owner))?;
    let mut receivers: Vec<(Option<&str>, f64)> = Vec::new();
    let base = if sig.params_known && sig.ret_from == Evidence::Use {
        CONFIDENCE_TYPED
    } else {
        CONFIDENCE_WEAKER
    };
    let mut body_override = None;
    if associated {
        if sig.ret_from != Evidence::Use && constructor_name(&name) {
            sig.ret = Some("Self".into());
            name_after_fields(&mut sig, type_item, def_text);
            body_override = constructor_body(type_item, def_text, &sig);
        }
        receivers.push((None, base));
    } else {
        let mutating = split_words(&name)
            .first()
            .is_some_and(|w| MUTATING.contains(&w.as_str()));
        let (first, second) = if mutating {
            ("&mut self", "&self")
        } else {
            ("&self", "&mut self")
        };
        receivers.push((Some(first), base));
        receivers.push((Some(second), base - OTHER_RECEIVER_PENALTY));
    }
    let mut fixes = Fixes::new(MissingMethod::META.id);
    for (receiver, confidence) in receivers {
        let Some(mut def) = rust_fn_text(&name, &sig, receiver, "    ").or_else(|| {
            body_override
                .as_ref()
                .and_then(|_| rust_fn_text(&name, &unit_sig(&sig), receiver, "    "))
        }) else {
            continue;
        };
        if let Some(body) = &body_override {
            let open = def.find("{\n").map_or(def.len(), |i| i + 2);
            def = format!("{}        {body}\n    }}", &def[..open]);
            // The compiler could not see the methods called on the value this builds
            // (its type was unknown): write the missing ones too.
            for (method, receiver, msig) in companions(call, t.text, def_text, &name) {
                if let Some(more) = rust_fn_text(&method, &msig, Some(receiver), "    ") {
                    def = format!("{def}\n\n{more}");
                }
            }
        }
        let Some((at, insert)) = insertion(def_root, def_text, type_item, &owner, &def) else {
            continue;
        };
        fixes.replace(
            confidence,
            format!("define `{owner}::{name}` ({})", signature_line(def.trim())),
            file,
            at,
            at,
            &insert,
        );
    }
    Some(fixes.done())
}

/// The same signature returning `()` (the constructor body is written separately).
fn unit_sig(sig: &RustSignature) -> RustSignature {
    RustSignature {
        ret: None,
        ..sig.clone()
    }
}

/// `new`, `from_…`, `with_…`, `create`, `default`: names of functions that build the type.
fn constructor_name(name: &str) -> bool {
    matches!(
        name,
        "new" | "create" | "build" | "default" | "empty" | "init"
    ) || name.starts_with("from_")
        || name.starts_with("with_")
}

/// Names the constructor's unnamed parameters (`arg1`) after the one field of the same type.
fn name_after_fields(sig: &mut RustSignature, item: Node<'_>, src: &str) {
    let fields = struct_fields(item, src);
    let params: Vec<String> = split_top_level(&sig.params)
        .into_iter()
        .map(str::to_string)
        .collect();
    let mut taken: Vec<String> = params
        .iter()
        .filter_map(|p| p.split_once(": ").map(|(n, _)| n.to_string()))
        .collect();
    let renamed: Vec<String> = params
        .iter()
        .map(|p| {
            let Some((pname, ty)) = p.split_once(": ") else {
                return p.clone();
            };
            let same: Vec<&(String, String)> = fields.iter().filter(|(_, t)| t == ty).collect();
            match same.as_slice() {
                [(field, _)] if pname.starts_with("arg") && !taken.contains(field) => {
                    taken.push(field.clone());
                    format!("{field}: {ty}")
                }
                _ => p.clone(),
            }
        })
        .collect();
    sig.params = renamed.join(", ");
}

/// A struct's named fields with their types.
fn struct_fields(item: Node<'_>, src: &str) -> Vec<(String, String)> {
    item.child_by_field_name("body")
        .filter(|b| b.kind() == "field_declaration_list")
        .map(named_children)
        .unwrap_or_default()
        .into_iter()
        .filter(|f| f.kind() == "field_declaration")
        .filter_map(|f| {
            Some((
                node_text(f.child_by_field_name("name")?, src).to_string(),
                node_text(f.child_by_field_name("type")?, src).to_string(),
            ))
        })
        .collect()
}

/// `Self { a, b: Default::default() }`: each field taken from the parameter named like it,
/// else its default. `None` for enums and tuple structs.
fn constructor_body(item: Node<'_>, src: &str, sig: &RustSignature) -> Option<String> {
    if item.kind() != "struct_item"
        || item
            .child_by_field_name("body")
            .is_none_or(|b| b.kind() != "field_declaration_list")
    {
        return None;
    }
    let params: Vec<&str> = split_top_level(&sig.params)
        .into_iter()
        .filter_map(|p| p.split_once(": ").map(|(n, _)| n))
        .collect();
    let fields: Vec<String> = struct_fields(item, src)
        .into_iter()
        .map(|(field, _)| {
            if params.contains(&field.as_str()) {
                field
            } else {
                format!("{field}: Default::default()")
            }
        })
        .collect();
    Some(if fields.is_empty() {
        "Self {}".into()
    } else {
        format!("Self {{ {} }}", fields.join(", "))
    })
}

/// The methods called on the value `let x = T::new(…)` binds that the type's file does not
/// define, with their receivers and signatures.
fn companions<'a>(
    call: Node<'_>,
    src: &str,
    def_text: &str,
    constructor: &str,
) -> Vec<(String, &'a str, RustSignature)> {
    let mut out: Vec<(String, &'a str, RustSignature)> = Vec::new();
    let Some(stmt) = call.parent().filter(|p| p.kind() == "let_declaration") else {
        return out;
    };
    let Some(pattern) = stmt.child_by_field_name("pattern") else {
        return out;
    };
    let var = node_text(pattern, src);
    let var = var.strip_prefix("mut ").unwrap_or(var).trim();
    let Some(block) = stmt.parent() else {
        return out;
    };
    for n in all_nodes(block) {
        if n.kind() != "call_expression" || n.start_byte() < stmt.end_byte() {
            continue;
        }
        let Some(f) = n
            .child_by_field_name("function")
            .filter(|f| f.kind() == "field_expression")
        else {
            continue;
        };
        if f.child_by_field_name("value")
            .is_none_or(|v| node_text(v, src) != var)
        {
            continue;
        }
        let Some(method) = f.child_by_field_name("field").map(|m| node_text(m, src)) else {
            continue;
        };
        if method == constructor
            || DERIVED.contains(&method)
            || def_text.contains(&format!("fn {method}("))
            || def_text.contains(&format!("fn {method}<"))
            || out.iter().any(|(m, _, _)| m == method)
        {
            continue;
        }
        let Some(sig) = rust_signature(n, src, method) else {
            continue;
        };
        let mutating = split_words(method)
            .first()
            .is_some_and(|w| MUTATING.contains(&w.as_str()));
        let receiver = if mutating { "&mut self" } else { "&self" };
        out.push((method.to_string(), receiver, sig));
    }
    out
}

/// The type a "no method named" message names: `found for struct `Counter``,
/// `found for reference `&Counter``, `found for enum `Shape<T>`` → `Counter`, `Shape`.
fn owner_type(msg: &str) -> Option<String> {
    let rest = msg.split(" found for ").nth(1)?;
    let quoted = rest.split('`').nth(1)?;
    let ty = quoted
        .trim_start_matches('&')
        .trim_start_matches("mut ")
        .split('<')
        .next()?
        .rsplit("::")
        .next()?;
    is_identifier(ty).then(|| ty.to_string())
}

/// The editable file that defines struct or enum `owner`: the error's file first.
fn type_file<'a>(
    program: &'a Program,
    file: &'a str,
    text: &'a str,
    owner: &str,
) -> Option<(&'a str, &'a str)> {
    let defines = |src: &str| {
        src.contains(&format!("struct {owner}")) || src.contains(&format!("enum {owner}"))
    };
    if defines(text) {
        return Some((file, text));
    }
    editable_sources(program)
        .into_iter()
        .find(|(_, src)| defines(src))
}

/// Where the definition goes: before the closing brace of the type's inherent `impl` block,
/// or in a new `impl` block after the type. `None` for generic types without an `impl`.
fn insertion(
    root: Node<'_>,
    src: &str,
    type_item: Node<'_>,
    owner: &str,
    def: &str,
) -> Option<(usize, String)> {
    let inherent = all_nodes(root).into_iter().find(|n| {
        n.kind() == "impl_item"
            && n.child_by_field_name("trait").is_none()
            && n.child_by_field_name("type")
                .is_some_and(|t| node_text(t, src).split('<').next() == Some(owner))
    });
    if let Some(body) = inherent.and_then(|i| i.child_by_field_name("body")) {
        let close = body.end_byte().saturating_sub(1);
        let line_start = start_of_line(src, close);
        let sep = if named_children(body).is_empty() {
            ""
        } else {
            "\n"
        };
        if src[line_start..close].trim().is_empty() {
            return Some((line_start, format!("{sep}{def}\n")));
        }
        return Some((close, format!("\n{def}\n")));
    }
    if type_item.child_by_field_name("type_parameters").is_some() {
        return None;
    }
    Some((
        type_item.end_byte(),
        format!("\n\nimpl {owner} {{\n{def}\n}}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::text::testing::rust_undefined;

    fn heal(text: &str, line: u32, col: u32, msg: &str) -> Vec<String> {
        rust_undefined(&MissingMethod, "E0599", text, (line, col), msg)
    }

    #[test]
    fn method_goes_into_a_new_impl_typed_from_the_use() {
        let text = "struct Counter {\n    n: usize,\n}\n\nfn main() {\n    let c = Counter { n: 0 };\n    let k: usize = c.size();\n}\n";
        let out = heal(
            text,
            7,
            22,
            "no method named `size` found for struct `Counter` in the current scope",
        );
        assert_eq!(out.len(), 2);
        assert_eq!(
            out[0],
            text.replace(
                "    n: usize,\n}\n",
                "    n: usize,\n}\n\nimpl Counter {\n    fn size(&self) -> usize {\n        Default::default()\n    }\n}\n"
            )
        );
        assert!(out[1].contains("fn size(&mut self) -> usize"));
    }

    #[test]
    fn mutating_method_joins_the_existing_impl() {
        let text = "struct Stack {\n    items: Vec<i32>,\n}\n\nimpl Stack {\n    fn len(&self) -> usize {\n        self.items.len()\n    }\n}\n\nfn main() {\n    let mut s = Stack { items: vec![] };\n    s.push(3);\n}\n";
        let out = heal(
            text,
            13,
            7,
            "no method named `push` found for struct `Stack` in the current scope",
        );
        assert_eq!(
            out[0],
            text.replace(
                "        self.items.len()\n    }\n}\n",
                "        self.items.len()\n    }\n\n    fn push(&mut self, arg1: i32) {\n    }\n}\n"
            )
        );
    }

    #[test]
    fn constructor_builds_self_from_arguments_named_like_fields() {
        let text = "struct User {\n    name: String,\n    age: u32,\n}\n\nfn main() {\n    let name = String::from(\"a\");\n    let u = User::new(name);\n}\n";
        let out = heal(
            text,
            8,
            19,
            "no function or associated item named `new` found for struct `User` in the current scope",
        );
        assert_eq!(
            out,
            [text.replace(
                "    age: u32,\n}\n",
                "    age: u32,\n}\n\nimpl User {\n    fn new(name: String) -> Self {\n        Self { name, age: Default::default() }\n    }\n}\n"
            )]
        );
    }
}
