//! The one list of built-in rules. Order matters: the engine asks rules in this order and,
//! among fixes of equal confidence with the same edits, keeps the first proposal.

use std::sync::Arc;

use super::rules::{any, go, javascript, python, rust};
use super::FixStrategy;

/// Every built-in rule, in the engine's order (what [`FixEngine::builtin`] asks).
///
/// [`FixEngine::builtin`]: super::FixEngine::builtin
pub fn builtin() -> Vec<Arc<dyn FixStrategy>> {
    let mut all: Vec<Arc<dyn FixStrategy>> = vec![
        Arc::new(any::compiler_suggestion::CompilerSuggestions),
        Arc::new(any::similar_name::SimilarName),
        Arc::new(any::delimiters::Delimiters),
        Arc::new(any::separators::Separators),
        Arc::new(any::missing_colon::MissingColon),
        Arc::new(any::unterminated_string::UnterminatedString),
        Arc::new(any::comments::Comments),
        Arc::new(any::assignment_comparison::AssignmentComparison),
        Arc::new(any::comparison_statement::ComparisonStatement),
        Arc::new(any::foreign_syntax::ForeignSyntax),
        // Telemetry contracts (crate::compliance).
        Arc::new(any::telemetry_span_name::TelemetrySpanName),
        Arc::new(any::telemetry_attribute::TelemetryAttribute),
        Arc::new(any::telemetry_unit::TelemetryUnit),
        Arc::new(any::telemetry_wrap_span::TelemetryWrapSpan),
        Arc::new(rust::missing_import::MissingImport),
        Arc::new(rust::missing_mut::MissingMut),
        Arc::new(rust::type_conversion::TypeConversion),
        Arc::new(rust::method_misname::MethodMisname),
        Arc::new(rust::function_to_method::FunctionToMethod),
        Arc::new(rust::expected_token::ExpectedToken),
        Arc::new(rust::foreign_syntax::ForeignSyntax),
        Arc::new(rust::clone_moved::CloneMoved),
        Arc::new(rust::uncomment_definition::UncommentDefinition),
        Arc::new(rust::commented_code::CommentedCode),
        Arc::new(rust::missing_function::MissingFunction),
        Arc::new(rust::missing_constant::MissingConstant),
        Arc::new(rust::missing_method::MissingMethod),
        Arc::new(rust::missing_variant::MissingVariant),
        Arc::new(rust::missing_field::MissingField),
        Arc::new(rust::missing_derive::MissingDerive),
        Arc::new(rust::operand_cast::OperandCast),
        Arc::new(rust::typed_conversion::TypedConversion),
        Arc::new(go::missing_import::MissingImport),
        Arc::new(go::import_path::ImportPath),
        Arc::new(go::unused_import::UnusedImport),
        Arc::new(go::unused_variable::UnusedVariable),
        Arc::new(go::define_assign::DefineAssign),
        Arc::new(go::missing_return::MissingReturn),
        Arc::new(go::type_conversion::TypeConversion),
        Arc::new(go::exported_name::ExportedName),
        Arc::new(go::foreign_type::ForeignType),
        Arc::new(go::builtin_helper::BuiltinHelper),
        Arc::new(go::make_builtin::MakeBuiltin),
        Arc::new(go::expected_token::ExpectedToken),
        Arc::new(go::uncomment_definition::UncommentDefinition),
        Arc::new(go::keyword_name::KeywordName),
        Arc::new(go::commented_code::CommentedCode),
        Arc::new(go::missing_function::MissingFunction),
        Arc::new(go::missing_method::MissingMethod),
        Arc::new(go::missing_field::MissingField),
        Arc::new(go::missing_constant::MissingConstant),
        Arc::new(go::operand_conversion::OperandConversion),
        Arc::new(go::integer_division::IntegerDivision),
        Arc::new(go::untyped_parameters::UntypedParameters),
        Arc::new(go::undeclared_variable::UndeclaredVariable),
        Arc::new(go::parameter_name::ParameterName),
        Arc::new(go::stuttered_name::StutteredName),
        Arc::new(go::slice_length::SliceLength),
        Arc::new(go::placeholder_body::PlaceholderBody),
        Arc::new(python::indentation::Indentation),
        Arc::new(python::missing_import::MissingImport),
        Arc::new(python::module_name::ModuleName),
        Arc::new(python::attribute::Attribute),
        Arc::new(python::undefined_name::UndefinedName),
        Arc::new(python::uncomment::Uncomment),
        Arc::new(python::missing_argument::MissingArgument),
        Arc::new(python::test_failure::TestFailure),
        Arc::new(python::type_conversion::TypeConversion),
        Arc::new(python::missing_function::MissingFunction),
        Arc::new(python::missing_method::MissingMethod),
        Arc::new(javascript::undefined_name::UndefinedName),
        Arc::new(javascript::missing_require::MissingRequire),
        Arc::new(javascript::member::Member),
        Arc::new(javascript::const_assignment::ConstAssignment),
        Arc::new(javascript::missing_new::MissingNew),
        Arc::new(javascript::operators::Operators),
        Arc::new(javascript::uncomment::Uncomment),
        Arc::new(javascript::test_failure::TestFailure),
        Arc::new(javascript::unused_parameter::UnusedParameter),
        Arc::new(javascript::missing_function::MissingFunction),
        Arc::new(javascript::missing_method::MissingMethod),
    ];
    // Behaviour repair (src/repair): one rule per edit kind, for failing tests.
    all.extend(crate::repair::rule::strategies());
    all
}

/// The opt-in `rust.machine-applicable` rule: only machine-applicable compiler suggestions.
pub fn machine_applicable_only() -> Arc<dyn FixStrategy> {
    Arc::new(any::compiler_suggestion::MachineApplicable)
}

/// Every rule a user may select by id (`--strategies`): [`builtin`] and the opt-in
/// `rust.machine-applicable`, which proposes only machine-applicable compiler suggestions
/// (what `cargo fix` would apply) and so is not in the built-in engine.
pub fn selectable() -> Vec<Arc<dyn FixStrategy>> {
    let mut all = builtin();
    all.push(machine_applicable_only());
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_declared() {
        let all = selectable();
        let mut ids: Vec<&str> = all.iter().map(|s| s.id()).collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate rule ids");
        for s in &all {
            if let Some(meta) = s.meta() {
                assert_eq!(meta.id, s.id());
                let prefix = s.id().split('.').next().unwrap();
                match meta.language {
                    Some(l) => assert_eq!(prefix, l.name(), "{}", s.id()),
                    None => assert!(prefix == "any" || s.id() == "rust.machine-applicable"),
                }
            }
        }
    }
}
