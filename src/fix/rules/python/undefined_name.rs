//! `python.undefined-name`: `name 'x' is not defined`: the closest defined or builtin name, another
//! language's spelling (`null` → `None`, `len` for `length`) or a well-known constant.
//!
//! Why it is safe: the name is undefined; candidates are names that exist, validated before they
//! are kept.
//!
//! Example: `return null` → `return None`.

use super::*;

/// Another language's name for a Python builtin (`null`, `true`, `Math`…).
const NAME_SLIP: f64 = 0.65;
/// `Math.x` → `math.x` needs `import math` too: a second edit, a second guess.
const IMPORT_MATH: f64 = 0.4;
/// `get_len` → `len`: a builtin wrapped in a prefix.
const PREFIXED_BUILTIN: f64 = 0.5;
/// Builtins less similar than this are not offered.
const MIN_SIMILARITY: f64 = 0.6;
/// The base of a similar builtin; its similarity adds up to `SIMILAR_SCALE`.
const SIMILAR_BASE: f64 = 0.2;
/// How much a similar builtin's score adds.
const SIMILAR_SCALE: f64 = 0.45;
/// Each later candidate a little less likely.
const RANK_STEP: f64 = 0.05;
/// A similar builtin stays below a named slip.
const SIMILAR_MAX: f64 = 0.55;
/// A well-known constant (`PI`, `EPSILON`) defined at module level: a guess at its value.
const DEFINE_CONSTANT: f64 = 0.3;

pub(crate) fn is_builtin(name: &str) -> bool {
    module_members("builtins").is_some_and(|m| m.contains(&name))
}

/// Names from other languages (or misremembered builtins) and what Python calls them.
pub(crate) const NAME_SLIPS: &[(&str, &str)] = &[
    ("true", "True"),
    ("false", "False"),
    ("null", "None"),
    ("nil", "None"),
    ("undefined", "None"),
    ("none", "None"),
    ("this", "self"),
    ("string", "str"),
    ("String", "str"),
    ("integer", "int"),
    ("Integer", "int"),
    ("boolean", "bool"),
    ("Boolean", "bool"),
    ("double", "float"),
    ("Array", "list"),
    ("array", "list"),
    ("length", "len"),
    ("size", "len"),
    ("count", "len"),
    ("strlen", "len"),
    ("println", "print"),
    ("printf", "print"),
    ("echo", "print"),
    ("Math", "math"),
    ("parseInt", "int"),
    ("parseFloat", "float"),
    ("Infinity", "float('inf')"),
    ("NaN", "float('nan')"),
];

/// Conventional constants generated code uses without defining, with common values.
pub(crate) const CONSTANTS: &[(&str, &[&str])] = &[
    ("MOD", &["10**9 + 7", "998244353", "10**6 + 7"]),
    ("MODULO", &["10**9 + 7", "998244353"]),
    ("INF", &["float('inf')", "10**18"]),
    ("INFINITY", &["float('inf')"]),
    ("EPS", &["1e-9", "1e-6"]),
    ("EPSILON", &["1e-9"]),
];

pub(crate) fn undefined_name(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    let Some((name, t)) = name_error_target(error, program) else {
        return Vec::new();
    };
    let Some((start, end)) = name_at(&t, &name) else {
        return Vec::new();
    };
    let src = t.text;
    let mut fixes = Fixes::new(id);
    for (wrong, right) in NAME_SLIPS {
        if *wrong == name {
            fixes.replace(
                NAME_SLIP,
                format!("use `{right}`, Python's name for `{name}`"),
                t.file,
                start,
                end,
                right,
            );
            if *right == "math" {
                import_fix(&mut fixes, IMPORT_MATH, t.file, src, "import math");
            }
        }
    }
    // `get_len` → `len`, `my_sum` → `sum`: a builtin wrapped in a prefix.
    for part in name.split('_').filter(|p| p.len() >= 3) {
        if part != name && is_builtin(part) {
            fixes.replace(
                PREFIXED_BUILTIN,
                format!("use the builtin `{part}`"),
                t.file,
                start,
                end,
                part,
            );
        }
    }
    // Builtins that are one slip away (`lenght`, `pritn`).
    let builtins = module_members("builtins").unwrap_or(&[]);
    for (k, (candidate, score)) in closest(
        &name,
        builtins
            .iter()
            .copied()
            .filter(|b| b.chars().next().is_some_and(char::is_lowercase)),
        MIN_SIMILARITY,
    )
    .into_iter()
    .take(2)
    .enumerate()
    {
        fixes.replace(
            (SIMILAR_BASE + SIMILAR_SCALE * score - RANK_STEP * k as f64).min(SIMILAR_MAX),
            format!("use the builtin `{candidate}`"),
            t.file,
            start,
            end,
            candidate,
        );
    }
    for (constant, values) in CONSTANTS {
        if *constant != name {
            continue;
        }
        // Defined once at module level, before the first use.
        let at = import_offset(src);
        for (k, value) in values.iter().enumerate() {
            fixes.push(
                DEFINE_CONSTANT - RANK_STEP * k as f64,
                format!("define `{name} = {value}`"),
                vec![edit(t.file, at, at, format!("{name} = {value}\n"))],
            );
        }
    }
    fixes.done()
}

/// The `python.undefined-name` rule.
pub(crate) struct UndefinedName;

impl Rule for UndefinedName {
    const META: RuleMeta = RuleMeta::new("python.undefined-name", FixApplicability::Speculative)
        .language(TargetLanguage::Python);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        undefined_name(Self::META.id, error, program)
    }
}
