//! Builtin names per language: values (keywords, functions, types, constants) and members
//! (methods, fields), the candidates `any.similar-name` compares an undefined name with. The
//! lists are the tables `src/lang/tables/<language>_builtins.txt`.

use std::sync::OnceLock;

use super::table;
use crate::types::TargetLanguage;

/// Each language's `(values, members)`, in [`TargetLanguage::ALL`] order.
fn tables() -> &'static [(Vec<&'static str>, Vec<&'static str>); 4] {
    static TABLES: OnceLock<[(Vec<&'static str>, Vec<&'static str>); 4]> = OnceLock::new();
    TABLES.get_or_init(|| {
        TargetLanguage::ALL.map(|language| {
            let text = super::profile(language).builtins;
            (
                table::section(text, "values"),
                table::section(text, "members"),
            )
        })
    })
}

fn index(language: TargetLanguage) -> usize {
    TargetLanguage::ALL
        .iter()
        .position(|l| *l == language)
        .unwrap_or_default()
}

/// Keywords, builtins and well-known globals a name may be a misspelling of.
pub(crate) fn builtin_values(language: TargetLanguage) -> &'static [&'static str] {
    &tables()[index(language)].0
}

/// Common methods and fields of the standard library's types.
pub(crate) fn builtin_members(language: TargetLanguage) -> &'static [&'static str] {
    &tables()[index(language)].1
}
