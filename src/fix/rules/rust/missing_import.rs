//! `rust.missing-import`: `use std::collections::HashMap;` for std names used without an import.
//! Answers: E0412/E0425/E0433/E0422/E0405/E0423/E0531 naming a std (or `rand`/`regex`) item. Fix:
//! `use path;` after the file's `use` lines ([`tables/rust_std.txt`](../tables/rust_std.txt)).
//!
//! Why it is safe: rustc names the exact problem at this position; the fix changes only what the
//! message points at, and the heal loop validates it before keeping it.
//!
//! Example: `let m: HashMap<i32, i32> = HashMap::new();` → `use std::collections::HashMap;`.

use super::*;

/// Confidence when the name has one std path.
const ONLY_PATH: f64 = 0.8;
/// Confidence of the first of several std paths, in table order.
const FIRST_OF_SEVERAL: f64 = 0.7;
/// How much less each later path is trusted.
const RANK_STEP: f64 = 0.1;

/// `use std::collections::HashMap;` for std names used without an import.
pub struct MissingImport;

impl Rule for MissingImport {
    const META: RuleMeta = RuleMeta::new("rust.missing-import", FixApplicability::Likely)
        .language(TargetLanguage::Rust)
        .codes(IMPORT_CODES);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        import_std_path(error, program).unwrap_or_default()
    }
}

/// The fixes importing the std item the error names, one per path.
fn import_std_path(error: &CodeError, program: &Program) -> Option<Vec<Fix>> {
    let (name, _) = undefined_name(&error.message)?;
    let paths = std_table().get(name.as_str())?;
    let file = import_file(error, program)?;
    let text = program.files().get(&file)?;
    let at = use_insertion_point(text);
    let indent = if at > 0
        && text[..at]
            .lines()
            .last()
            .is_some_and(|l| l.starts_with(' '))
    {
        " "
    } else {
        ""
    };
    Some(
        paths
            .iter()
            .enumerate()
            .filter(|(_, path)| !text.contains(&format!("use {path};")))
            .map(|(rank, path)| {
                let conf = if paths.len() == 1 {
                    ONLY_PATH
                } else {
                    FIRST_OF_SEVERAL - RANK_STEP * rank as f64
                };
                fix(
                    MissingImport::META.id,
                    format!("import `{name}` with `use {path};`"),
                    conf,
                    vec![edit(&file, at, at, format!("{indent}use {path};\n"))],
                )
            })
            .collect(),
    )
}

pub(crate) const IMPORT_CODES: &[&str] = &[
    "E0412", "E0425", "E0433", "E0422", "E0405", "E0423", "E0531", "E0532",
];

/// The file to put an import in: the error's file, or the crate root when that file is
/// protected (a test module that does `use super::*` sees the root's imports).
pub(crate) fn import_file(error: &CodeError, program: &Program) -> Option<String> {
    let loc = error.location.as_ref()?;
    if !program.protected().contains(&loc.file) {
        return Some(loc.file.clone());
    }
    ["lib.rs", "main.rs", "src/lib.rs", "src/main.rs"]
        .iter()
        .find(|f| program.files().contains_key(**f) && !program.protected().contains(**f))
        .map(|f| f.to_string())
}

/// Just after the last top-level `use …;` statement, or after the leading inner attributes
/// and doc comments when there is none.
pub(crate) fn use_insertion_point(text: &str) -> usize {
    let mask = code_mask(text);
    let mut depth = 0i32;
    let mut last_use_end: Option<usize> = None;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if mask[i] {
            match bytes[i] {
                b'{' => depth += 1,
                b'}' => depth -= 1,
                b'u' if depth == 0
                    && text[i..].starts_with("use ")
                    && (i == 0 || !text[..i].ends_with(is_ident_char)) =>
                {
                    if let Some(semi) = (i..bytes.len()).find(|&j| mask[j] && bytes[j] == b';') {
                        let end = text[semi..].find('\n').map_or(text.len(), |n| semi + n + 1);
                        last_use_end = Some(end);
                        i = end;
                        continue;
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    if let Some(end) = last_use_end {
        return end;
    }
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        if t.starts_with("#![") || t.starts_with("//!") {
            pos += line.len();
        } else {
            break;
        }
    }
    pos
}
