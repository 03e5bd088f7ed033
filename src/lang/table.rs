//! The one loader for the tables in `src/lang/tables/`: text files of one row per line, `#`
//! comment lines and blank lines skipped, compiled into the binary.

use std::collections::BTreeMap;

/// The rows of a table: its lines, trimmed, without blank lines and `#` comments.
pub(crate) fn rows(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// A `name path` table (`HashMap std::collections::HashMap`): name → paths, in file order
/// (the usual choice first).
pub(crate) fn name_paths(text: &'static str) -> BTreeMap<&'static str, Vec<&'static str>> {
    let mut map: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for row in rows(text) {
        if let Some((name, path)) = row.split_once(' ') {
            map.entry(name).or_default().push(path.trim());
        }
    }
    map
}

/// A `key word word…` table (`math pi sqrt floor…`): key → words, in file order.
pub(crate) fn keyed_words(text: &'static str) -> Vec<(&'static str, Vec<&'static str>)> {
    rows(text)
        .filter_map(|row| {
            let mut words = row.split_whitespace();
            Some((words.next()?, words.collect()))
        })
        .collect()
}

/// The words of `key` in a key → words table (the shape [`keyed_words`] reads).
pub(crate) fn words_of<'a>(
    table: &'a [(&'static str, Vec<&'static str>)],
    key: &str,
) -> Option<&'a [&'static str]> {
    table
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, words)| words.as_slice())
}

/// The rows of section `[name]` of a table with `[section]` header lines.
pub(crate) fn section(text: &'static str, name: &str) -> Vec<&'static str> {
    let header = format!("[{name}]");
    rows(text)
        .skip_while(|row| *row != header)
        .skip(1)
        .take_while(|row| !row.starts_with('['))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_skip_comments_and_blank_lines() {
        let text = "# c\n\nHashMap std::collections::HashMap\n  Rc std::rc::Rc\nRc std::sync::Rc\n";
        assert_eq!(rows(text).count(), 3);
        let map = name_paths(text);
        assert_eq!(map["Rc"], ["std::rc::Rc", "std::sync::Rc"]);
        assert_eq!(keyed_words("math pi e\n")[0], ("math", vec!["pi", "e"]));
        let t = "[values]\na\nb\n[members]\nc\n";
        assert_eq!(section(t, "values"), ["a", "b"]);
        assert_eq!(section(t, "members"), ["c"]);
        assert!(section(t, "other").is_empty());
    }
}
