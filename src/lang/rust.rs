//! Rust: `//` and nesting `/* */` comments, string and character literals, the std items by
//! name (`tables/rust_std.txt`, generated from the toolchain's std docs).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use super::{table, Profile};
use crate::types::TargetLanguage;

pub(crate) const PROFILE: Profile = Profile {
    language: TargetLanguage::Rust,
    line_comment: "//",
    block_comment: Some(("/*", "*/")),
    quotes: &['"', '\''],
    import_keyword: "use",
    builtins: include_str!("tables/rust_builtins.txt"),
};

/// Item name → import paths, most common first.
pub(crate) fn std_table() -> &'static BTreeMap<&'static str, Vec<&'static str>> {
    static TABLE: OnceLock<BTreeMap<&'static str, Vec<&'static str>>> = OnceLock::new();
    TABLE.get_or_init(|| table::name_paths(include_str!("tables/rust_std.txt")))
}
