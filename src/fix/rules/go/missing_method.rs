//! `go.missing-method`: writes a method the program calls on one of its own types. Answers:
//! `x.M undefined (type T has no field or method M)` where `x.M(…)` is called and `T` is
//! declared in the program. Fix: `func (t *T) M(…) R { return <zero> }` after `T`'s
//! declaration, typed from the call like `go.missing-function`.
//!
//! Why it is safe: only the call is read and a method is added to a type the program declares;
//! nothing existing changes. Not offered when the type has a method of that name in another
//! case (the compiler says `but does have`): a rename is meant.
//!
//! Example: `s.Push(3)` on `type Stack struct{ items []int }` gains
//! `func (s *Stack) Push(arg1 int) {}`.

use super::*;
use crate::fix::ErrorKind;

/// The call's position and arguments say every type.
const CONFIDENCE_TYPED: f64 = 0.45;
/// A parameter is `any`, or the results come from the name.
const CONFIDENCE_WEAKER: f64 = 0.35;
/// The two, by what the signature rests on.
const CONFIDENCE: DefinitionConfidence = DefinitionConfidence {
    typed: CONFIDENCE_TYPED,
    named: CONFIDENCE_WEAKER,
    guessed: CONFIDENCE_WEAKER,
};

/// Writes a method the program calls on one of its own types.
pub(crate) struct MissingMethod;

impl Rule for MissingMethod {
    const META: RuleMeta = RuleMeta::new("go.missing-method", FixApplicability::Speculative)
        .language(TargetLanguage::Go)
        .kinds(&[ErrorKind::UndefinedVariable, ErrorKind::Compiler]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some((owner, name)) = missing_member(message(error)) else {
            return Vec::new();
        };
        let Some(site) = UseSite::of(error, program, TargetLanguage::Go) else {
            return Vec::new();
        };
        let use_text = site.text;
        let Some(call) = site
            .name_node(name)
            .filter(|n| n.kind() == "field_identifier")
            .and_then(call_of)
        else {
            return Vec::new();
        };
        let sig = go_signature(call, use_text, name);
        let Some((def_file, _, at)) = type_declaration_end(program, owner) else {
            return Vec::new();
        };
        let recv_name: String = owner
            .chars()
            .next()
            .map(|c| c.to_lowercase().collect())
            .unwrap_or_else(|| "r".into());
        let def = go_fn_text(name, &sig, Some(&format!("{recv_name} *{owner}")));
        let confidence = CONFIDENCE.of(sig.params_known, sig.ret_from);
        insert_definition(
            Self::META.id,
            confidence,
            format!(
                "define the method `{owner}.{name}` ({})",
                signature_line(&def)
            ),
            def_file,
            at,
            &format!("\n\n{def}"),
        )
    }
}

/// `s.Push undefined (type *Stack has no field or method Push)` → (`Stack`, `Push`); `None`
/// when the compiler says the type has it in another case.
pub(crate) fn missing_member(msg: &str) -> Option<(&str, &str)> {
    let first = msg.lines().next()?;
    if first.contains("but does have") {
        return None;
    }
    let (_, rest) = first.split_once(" undefined (type ")?;
    let (owner, tail) = rest.split_once(" has no field or method ")?;
    let owner = owner.trim_start_matches('*');
    let name = tail.trim_end_matches(')').trim();
    (is_identifier(owner) && is_identifier(name)).then_some((owner, name))
}

/// The editable file declaring type `owner` and the end of that declaration.
pub(crate) fn type_declaration_end<'a>(
    program: &'a Program,
    owner: &str,
) -> Option<(&'a str, &'a str, usize)> {
    for (file, text) in editable_sources(program) {
        if !text.contains(&format!("type {owner} ")) && !text.contains(&format!("\t{owner} ")) {
            continue;
        }
        let Some(tree) = parse_tree(TargetLanguage::Go, text) else {
            continue;
        };
        let found = all_nodes(tree.root_node()).into_iter().find(|n| {
            n.kind() == "type_spec"
                && n.child_by_field_name("name")
                    .is_some_and(|x| node_text(x, text) == owner)
        });
        if let Some(spec) = found {
            let decl = top_level_item(spec)?;
            return Some((file, text, decl.end_byte()));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::text::testing::{err, program, results};
    use crate::fix::FixStrategy;
    use crate::types::ErrorType;

    const TEXT: &str = "package main\n\ntype Stack struct {\n\titems []int\n}\n\nfunc main() {\n\ts := Stack{}\n\ts.Push(3)\n\tvar n int = s.Len()\n\t_ = n\n}\n";

    /// Every result for the compiler's `message` at `line`:`col` of `main.go` holding `TEXT`.
    fn heal(message: &str, line: u32, col: u32) -> Vec<String> {
        let p = program(TargetLanguage::Go, "main.go", TEXT);
        let e = err(
            ErrorType::UndefinedVariable,
            "undefined_member",
            message,
            "main.go",
            line,
            col,
        );
        results(&MissingMethod.suggest(&e, &p), TEXT)
    }

    #[test]
    fn method_after_the_type_typed_from_the_call() {
        let after_the_type = |method: &str| {
            TEXT.replace(
                "\titems []int\n}\n",
                &format!("\titems []int\n}}\n\n{method}"),
            )
        };
        assert_eq!(
            heal(
                "s.Push undefined (type Stack has no field or method Push)",
                9,
                4
            ),
            [after_the_type("func (s *Stack) Push(arg1 int) {\n}\n")]
        );
        assert_eq!(
            heal(
                "s.Len undefined (type *Stack has no field or method Len)",
                10,
                16
            ),
            [after_the_type(
                "func (s *Stack) Len() int {\n\treturn 0\n}\n"
            )]
        );
        assert!(heal(
            "s.push undefined (type Stack has no field or method push, but does have Push)",
            9,
            4
        )
        .is_empty());
    }
}
