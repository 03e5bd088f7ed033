//! `rust.method-misname`: renames an unknown method to the one Rust calls it. Answers: E0599. Fix:
//! `len` for `size`/`length`, `push` for `append`, …; `.iter()` before iterator methods on
//! collections.
//!
//! Why it is safe: rustc names the exact problem at this position; the fix changes only what the
//! message points at, and the heal loop validates it before keeping it.
//!
//! Example: `v.length()` → `v.len()`.

use super::*;

/// Another language's name for a Rust method (`length` → `len`), from a table.
const KNOWN_MISNAME: f64 = 0.7;
/// The table's later targets are clearly less likely.
const RANK_STEP: f64 = 0.15;
/// An iterator method called on a collection: `.iter()` is the usual missing step.
const ITER_FIRST: f64 = 0.7;
/// By value: right when the collection is not used again.
const INTO_ITER_FIRST: f64 = 0.5;

/// Methods other languages (or guesses) call by another name.
pub(crate) const METHOD_MISNAMES: &[(&str, &[&str])] = &[
    ("size", &["len"]),
    ("length", &["len"]),
    ("count", &["len"]),
    ("len", &["count"]),
    ("append", &["push", "push_str"]),
    ("add", &["push", "insert"]),
    ("push_back", &["push"]),
    ("pushBack", &["push"]),
    ("put", &["insert"]),
    ("set", &["insert"]),
    ("includes", &["contains"]),
    ("has", &["contains", "contains_key"]),
    ("contains", &["contains_key"]),
    ("has_key", &["contains_key"]),
    ("containsKey", &["contains_key"]),
    ("toUpperCase", &["to_uppercase"]),
    ("toLowerCase", &["to_lowercase"]),
    ("upper", &["to_uppercase", "to_ascii_uppercase"]),
    ("lower", &["to_lowercase", "to_ascii_lowercase"]),
    ("to_upper", &["to_uppercase", "to_ascii_uppercase"]),
    ("to_lower", &["to_lowercase", "to_ascii_lowercase"]),
    ("is_upper", &["is_uppercase"]),
    ("is_lower", &["is_lowercase"]),
    ("isupper", &["is_uppercase"]),
    ("islower", &["is_lowercase"]),
    ("is_digit", &["is_ascii_digit"]),
    ("isdigit", &["is_ascii_digit"]),
    ("is_alpha", &["is_alphabetic"]),
    ("isalpha", &["is_alphabetic"]),
    ("is_space", &["is_whitespace"]),
    ("strip", &["trim"]),
    ("toString", &["to_string"]),
    ("str", &["to_string"]),
    ("indexOf", &["find"]),
    ("index", &["find", "position"]),
    ("index_of", &["find", "position"]),
    ("find_index", &["position"]),
    ("findIndex", &["position"]),
    ("startsWith", &["starts_with"]),
    ("endsWith", &["ends_with"]),
    ("startswith", &["starts_with"]),
    ("endswith", &["ends_with"]),
    ("substr", &["get"]),
    ("reversed", &["rev"]),
    ("reverse", &["rev"]),
    ("sorted", &["sort"]),
    ("remove_at", &["remove"]),
    ("delete", &["remove"]),
    ("erase", &["remove"]),
    ("empty", &["is_empty"]),
    ("isEmpty", &["is_empty"]),
    ("copy", &["clone"]),
    ("foreach", &["for_each"]),
    ("forEach", &["for_each"]),
    ("reduce", &["fold"]),
    ("abs_diff", &["abs"]),
    ("power", &["pow"]),
    ("powf", &["powi"]),
    ("powi", &["powf"]),
    ("square_root", &["sqrt"]),
    ("smaller", &["lt", "min"]),
    ("smaller_than", &["lt"]),
    ("less", &["lt"]),
    ("less_than", &["lt"]),
    ("smaller_or_equal", &["le"]),
    ("smaller_equal", &["le"]),
    ("less_or_equal", &["le"]),
    ("less_equal", &["le"]),
    ("greater", &["gt", "max"]),
    ("greater_than", &["gt"]),
    ("bigger", &["gt"]),
    ("greater_or_equal", &["ge"]),
    ("greater_equal", &["ge"]),
    ("equals", &["eq"]),
    ("equal", &["eq"]),
    ("not_equal", &["ne"]),
    ("maximum", &["max"]),
    ("minimum", &["min"]),
    ("split_by", &["split"]),
    ("chars_count", &["len"]),
    ("add_all", &["extend"]),
    ("concat", &["extend"]),
    ("to_int", &["parse"]),
    ("parse_int", &["parse"]),
];

/// Associated functions called by another name (`Vec::create` → `Vec::new`).
pub(crate) const ASSOC_MISNAMES: &[(&str, &[&str])] = &[
    ("create", &["new"]),
    ("make", &["new"]),
    ("init", &["new"]),
    ("empty", &["new"]),
    ("new_empty", &["new"]),
    ("of", &["from"]),
    ("from_str", &["from"]),
    ("with_size", &["with_capacity"]),
];

/// Iterator adapters that `Vec`, slices and maps only have through `.iter()`.
pub(crate) const ITERATOR_METHODS: &[&str] = &[
    "map",
    "filter",
    "fold",
    "sum",
    "product",
    "enumerate",
    "zip",
    "rev",
    "any",
    "all",
    "filter_map",
    "for_each",
    "collect",
    "skip",
    "take",
    "step_by",
    "flat_map",
    "max_by_key",
    "min_by_key",
    "max_by",
    "min_by",
    "position",
    "count",
    "cloned",
    "copied",
    "chain",
    "take_while",
    "skip_while",
    "scan",
    "peekable",
    "nth",
    "last",
    "find_map",
    "partition",
];

/// Renames an unknown method to the one Rust calls it.
pub struct MethodMisname;

impl Rule for MethodMisname {
    const META: RuleMeta = RuleMeta::new("rust.method-misname", FixApplicability::Likely)
        .language(TargetLanguage::Rust)
        .codes(&["E0599"]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some((loc, text, name, pos)) = undefined_on_line(error, program) else {
            return Vec::new();
        };
        let assoc = error.message.starts_with("no function or associated item");
        let table = if assoc {
            ASSOC_MISNAMES
        } else {
            METHOD_MISNAMES
        };
        let mut fixes = Vec::new();
        if let Some((_, targets)) = table.iter().find(|(from, _)| *from == name) {
            for (rank, target) in targets.iter().enumerate() {
                let mut edits = vec![edit(&loc.file, pos, pos + name.len(), *target)];
                // The comparison methods take their argument by reference.
                let open = pos + name.len();
                if ["lt", "le", "gt", "ge", "eq", "ne", "cmp", "partial_cmp"].contains(target)
                    && text[open..].starts_with('(')
                    && !text[open + 1..].starts_with(['&', ')'])
                {
                    edits.push(edit(&loc.file, open + 1, open + 1, "&"));
                }
                fixes.push(fix(
                    Self::META.id,
                    format!("call `{target}` instead of `{name}`"),
                    KNOWN_MISNAME - RANK_STEP * rank as f64,
                    edits,
                ));
            }
        }
        let not_iterator = error.notes.iter().any(|n| n.contains("is not an iterator"))
            || (ITERATOR_METHODS.contains(&name.as_str())
                && [
                    "Vec<",
                    "[",
                    "HashMap<",
                    "HashSet<",
                    "VecDeque<",
                    "BTreeMap<",
                    "&Vec<",
                    "&[",
                ]
                .iter()
                .any(|t| error.message.contains(&format!("`{t}"))));
        if !assoc && not_iterator && text[..pos].ends_with('.') {
            fixes.push(fix(
                Self::META.id,
                format!("iterate before calling `{name}`: `.iter().{name}`"),
                ITER_FIRST,
                vec![edit(&loc.file, pos, pos, "iter().")],
            ));
            fixes.push(fix(
                Self::META.id,
                format!("iterate by value before calling `{name}`: `.into_iter().{name}`"),
                INTO_ITER_FIRST,
                vec![edit(&loc.file, pos, pos, "into_iter().")],
            ));
        }
        fixes
    }
}
