//! The program in a model's reply: fenced code blocks, one file each or several files (a
//! `file:` comment line, a fence info string naming the file, or a file name just above the
//! fence), checked to be in the spec's language, and assembled with the spec's tests.
//!
//! A reply with no code, or with code only in another language, is a
//! [`GenerateError::Reply`] that says so: the driver then spends a generation, not the run.

use crate::generate::{GenerateError, Spec};
use crate::program::{check_relative_path, Program};
use crate::types::TargetLanguage;

/// Fence words of blocks that hold no program source: they are skipped, not "wrong language".
const NON_CODE: &[&str] = &[
    "text",
    "txt",
    "plaintext",
    "plain",
    "output",
    "console",
    "shell",
    "sh",
    "bash",
    "zsh",
    "terminal",
    "log",
    "json",
    "jsonc",
    "toml",
    "yaml",
    "yml",
    "ini",
    "csv",
    "xml",
    "diff",
    "patch",
    "markdown",
    "md",
    "makefile",
    "dockerfile",
    "sql",
    "env",
];

/// One fenced block of a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeBlock {
    /// The info string's language word (`python`, `rs`, …), lowercased; empty when none.
    pub info_language: String,
    /// The file the block names (info string, `file:` line, or the line above the fence).
    pub path: Option<String>,
    /// The code, without the `file:` line.
    pub code: String,
}

impl CodeBlock {
    /// The block's language: from the info string, else from the file's extension.
    pub fn language(&self) -> Option<TargetLanguage> {
        language_word(&self.info_language).or_else(|| {
            self.path
                .as_deref()
                .and_then(|p| p.rsplit_once('.'))
                .and_then(|(_, ext)| TargetLanguage::from_extension(ext))
        })
    }

    /// True for blocks that are not program source at all (shell sessions, output, data).
    fn is_non_code(&self) -> bool {
        NON_CODE.contains(&self.info_language.as_str()) && self.path.is_none()
    }
}

/// Every fenced block of `reply`, in order. An unterminated last block runs to the end (a
/// reply cut off by `max_tokens` still shows what it holds).
pub fn code_blocks(reply: &str) -> Vec<CodeBlock> {
    let lines: Vec<&str> = reply.lines().collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some((fence, info)) = opening_fence(lines[i]) else {
            i += 1;
            continue;
        };
        let heading = lines[..i]
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty())
            .and_then(|l| heading_path(l));
        let mut body = Vec::new();
        let mut j = i + 1;
        while j < lines.len() && !is_closing_fence(lines[j], &fence) {
            body.push(lines[j]);
            j += 1;
        }
        let (info_language, info_path) = parse_info(info);
        let mut path = info_path;
        // A `file:` comment on the first non-blank line names the file and is not code.
        if let Some(first) = body.iter().position(|l| !l.trim().is_empty()) {
            if let Some(p) = file_line_path(body[first]) {
                path = path.or(Some(p));
                body.remove(first);
            }
        }
        let path = path.or(heading);
        let mut code = body.join("\n");
        if !code.is_empty() {
            code.push('\n');
        }
        blocks.push(CodeBlock {
            info_language,
            path,
            code,
        });
        i = j + 1;
    }
    blocks
}

/// The files (path, text) of the program in `reply` for a program in `language` whose main
/// file is `default_file`: every block in `language`, named or not; an unnamed block becomes
/// `default_file` (of several unnamed blocks, the longest: the others are usually usage
/// examples). Blocks in no programming language (shell, output) are ignored.
pub fn reply_files(
    reply: &str,
    language: TargetLanguage,
    default_file: &str,
) -> Result<Vec<(String, String)>, GenerateError> {
    let mut blocks: Vec<CodeBlock> = code_blocks(reply)
        .into_iter()
        .filter(|b| !b.is_non_code() && !b.code.trim().is_empty())
        .collect();
    if blocks.is_empty() {
        // Small local models sometimes answer with bare code.
        if detect_language(reply).is_some_and(|(l, score)| l == language && score >= 3) {
            blocks.push(CodeBlock {
                info_language: String::new(),
                path: None,
                code: reply.trim().to_string() + "\n",
            });
        } else {
            return Err(GenerateError::Reply(format!(
                "no code block in the reply (expected a fenced ```{} block): {}",
                crate::generate::prompt::fence_language(language),
                excerpt(reply)
            )));
        }
    }

    let mut files: Vec<(String, String)> = Vec::new();
    let mut unnamed: Option<String> = None;
    // Languages of the code that is not in `language`, by name.
    let mut foreign: Vec<String> = Vec::new();
    for block in blocks {
        let declared = block.language();
        let detected = detect_language(&block.code);
        let language_of_block = match (declared, detected) {
            // The fence says one thing, the code plainly another: believe the code.
            (Some(d), Some((seen, score))) if d == language && seen != language && score >= 3 => {
                Some(seen)
            }
            (Some(d), _) => Some(d),
            (None, Some((seen, score))) if score >= 2 => Some(seen),
            (None, _) => None,
        };
        if let Some(l) = language_of_block {
            if l != language {
                foreign.push(l.name().to_string());
                continue;
            }
        } else if !block.info_language.is_empty() && block.path.is_none() {
            // ```java, ```typescript, ```cpp: code, but none selfheal could run as `language`.
            foreign.push(block.info_language.clone());
            continue;
        }
        match block.path {
            Some(path) => {
                let path = normalise_path(language, &path, default_file);
                check_relative_path(&path).map_err(|e| {
                    GenerateError::Reply(format!("the reply names an unusable file: {e}"))
                })?;
                if let Some(existing) = files.iter_mut().find(|(p, _)| *p == path) {
                    existing.1 = block.code;
                } else {
                    files.push((path, block.code));
                }
            }
            None => {
                if unnamed.as_ref().is_none_or(|u| block.code.len() > u.len()) {
                    unnamed = Some(block.code);
                }
            }
        }
    }
    if let Some(code) = unnamed {
        if !files.iter().any(|(p, _)| p == default_file) {
            files.insert(0, (default_file.to_string(), code));
        }
    }
    if files.is_empty() {
        foreign.sort();
        foreign.dedup();
        return Err(GenerateError::Reply(format!(
            "wrong language: the reply's code is {} but the spec asks for {language}",
            foreign.join(" and ")
        )));
    }
    Ok(files)
}

/// The program in `reply` for `spec`: the model's files plus the spec's tests (protected). A
/// file the model wrote over a test is dropped: the spec's tests are the oracle.
pub fn program_from_reply(spec: &Spec, reply: &str) -> Result<Program, GenerateError> {
    let source_file = spec.source_file();
    let mut files = reply_files(reply, spec.language, source_file)?;
    let tests: Vec<String> = spec
        .test_program_files()
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    files.retain(|(p, _)| !tests.contains(p));
    let Some(main_index) = files.iter().position(|(p, _)| p == source_file) else {
        let names: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        return Err(GenerateError::Reply(format!(
            "the reply has no `{source_file}` (it wrote {}); the spec's tests import from `{source_file}`",
            names.join(", ")
        )));
    };
    let (_, main) = files.remove(main_index);
    let mut program = spec.assemble(&main)?;
    for (path, text) in files {
        program
            .set_file(path, text)
            .map_err(|e| GenerateError::Reply(format!("the reply's program is unusable: {e}")))?;
    }
    Ok(program)
}

/// The language `text` most plainly is, with its score (lines only that language writes so),
/// when one language leads.
pub fn detect_language(text: &str) -> Option<(TargetLanguage, usize)> {
    let mut scores = [0usize; 4];
    for line in text.lines() {
        let l = line.trim();
        for (i, lang) in TargetLanguage::ALL.iter().enumerate() {
            if is_typical_line(*lang, l) {
                scores[i] += 1;
            }
        }
    }
    let (best, &score) = scores.iter().enumerate().max_by_key(|(_, s)| **s)?;
    let tied = scores.iter().filter(|s| **s == score).count() > 1;
    (score > 0 && !tied).then(|| (TargetLanguage::ALL[best], score))
}

/// A line (trimmed) written this way only in `language`.
fn is_typical_line(language: TargetLanguage, l: &str) -> bool {
    let typical = typical_lines(language);
    typical.starts.iter().any(|s| l.starts_with(s))
        || typical.holds.iter().any(|h| l.contains(h))
        || typical.shapes.iter().any(|shape| shape.matches(l))
}

/// The lines (trimmed) only one language writes so.
struct TypicalLines {
    /// How such a line may start.
    starts: &'static [&'static str],
    /// What such a line may hold anywhere.
    holds: &'static [&'static str],
    /// Lines of a shape asking more than one thing.
    shapes: &'static [LineShape],
}

/// The shape of a trimmed line: how it starts, something it holds, how it ends, and
/// characters it never holds (an empty part asks nothing).
struct LineShape {
    starts: &'static str,
    holds: &'static str,
    ends: &'static str,
    lacks: &'static [char],
}

impl LineShape {
    const fn starting(starts: &'static str) -> LineShape {
        LineShape {
            starts,
            holds: "",
            ends: "",
            lacks: &[],
        }
    }

    const fn holding(self, holds: &'static str) -> LineShape {
        LineShape { holds, ..self }
    }

    const fn ending(self, ends: &'static str) -> LineShape {
        LineShape { ends, ..self }
    }

    const fn lacking(self, lacks: &'static [char]) -> LineShape {
        LineShape { lacks, ..self }
    }

    fn matches(&self, l: &str) -> bool {
        l.starts_with(self.starts)
            && l.contains(self.holds)
            && l.ends_with(self.ends)
            && !l.contains(self.lacks)
    }
}

/// The lines only `language` writes so.
fn typical_lines(language: TargetLanguage) -> &'static TypicalLines {
    match language {
        TargetLanguage::Python => &PYTHON_LINES,
        TargetLanguage::Rust => &RUST_LINES,
        TargetLanguage::Go => &GO_LINES,
        TargetLanguage::JavaScript => &JAVASCRIPT_LINES,
    }
}

const PYTHON_LINES: TypicalLines = TypicalLines {
    starts: &["elif ", "if __name__"],
    holds: &[],
    shapes: &[
        LineShape::starting("def ").ending(":"),
        LineShape::starting("class ").ending(":"),
        LineShape::starting("from ").holding(" import "),
        LineShape::starting("import ").lacking(&['"', '\'', '{', '(', ';']),
        LineShape::starting("for ").holding(" in ").ending(":"),
    ],
};

const RUST_LINES: TypicalLines = TypicalLines {
    starts: &[
        "fn ",
        "pub fn ",
        "use std::",
        "use crate::",
        "let mut ",
        "impl ",
        "#[",
        "mod ",
    ],
    holds: &["println!("],
    shapes: &[LineShape::starting("match ").ending("{")],
};

const GO_LINES: TypicalLines = TypicalLines {
    starts: &["package ", "func ", "import (", "import \"", "fmt."],
    holds: &[" := "],
    shapes: &[],
};

const JAVASCRIPT_LINES: TypicalLines = TypicalLines {
    starts: &["function ", "module.exports", "export "],
    holds: &["require(", "console.log(", " => ", "==="],
    shapes: &[],
};

/// ```` ```lang ```` or `~~~lang`: the fence and the info string.
fn opening_fence(line: &str) -> Option<(String, &str)> {
    let t = line.trim_start();
    if line.len() - t.len() > 3 {
        return None;
    }
    let ch = t.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let n = t.chars().take_while(|c| *c == ch).count();
    if n < 3 {
        return None;
    }
    let info = t[n..].trim();
    if ch == '`' && info.contains('`') {
        return None;
    }
    Some((ch.to_string().repeat(n), info))
}

fn is_closing_fence(line: &str, fence: &str) -> bool {
    let t = line.trim();
    let ch = fence.chars().next().unwrap_or('`');
    t.len() >= fence.len() && t.chars().all(|c| c == ch)
}

/// The info string's language word and file name: `python`, `python title=main.py`,
/// `python:main.py`, `main.py`, `rust file="src/lib.rs"`.
fn parse_info(info: &str) -> (String, Option<String>) {
    let mut language = String::new();
    let mut path = None;
    for (i, word) in info.split_whitespace().enumerate() {
        let word = word.trim_matches(|c| c == '{' || c == '}');
        if let Some((key, value)) = word.split_once('=') {
            if matches!(key, "title" | "file" | "filename" | "name" | "path") {
                let value = value.trim_matches(|c| c == '"' || c == '\'');
                if looks_like_path(value) {
                    path = Some(value.to_string());
                }
            }
            continue;
        }
        if i == 0 {
            if let Some((lang, file)) = word.split_once(':') {
                language = lang.to_ascii_lowercase();
                if looks_like_path(file) {
                    path = Some(file.to_string());
                }
            } else if looks_like_path(word) {
                path = Some(word.to_string());
            } else {
                language = word.to_ascii_lowercase();
            }
        }
    }
    (language, path)
}

/// `# file: util.py`, `// file: src/lib.rs`, `// src/lib.rs`, `/* file: a.go */`, `-- x.py`.
fn file_line_path(line: &str) -> Option<String> {
    let t = line.trim();
    let rest = ["//", "#", "/*", "--"]
        .iter()
        .find_map(|p| t.strip_prefix(p))?
        .trim()
        .trim_end_matches("*/")
        .trim();
    let lower = rest.to_ascii_lowercase();
    let named = ["file:", "filename:", "file name:", "path:"]
        .iter()
        .find_map(|k| lower.starts_with(k).then(|| rest[k.len()..].trim()));
    let candidate = named.unwrap_or(rest);
    let candidate = candidate.trim_matches(|c| c == '`' || c == '"' || c == '\'');
    // A bare comment is a file name only when it is nothing but a path with a known extension.
    let ok = if named.is_some() {
        looks_like_path(candidate)
    } else {
        looks_like_source_path(candidate)
    };
    ok.then(|| candidate.to_string())
}

/// A heading or label naming a file just above a fence: `### main.py`, `**util.py**`,
/// `` `src/lib.rs`: ``, `File: main.go`.
fn heading_path(line: &str) -> Option<String> {
    let mut t = line.trim().trim_start_matches('#').trim();
    for prefix in ["File:", "file:", "Filename:", "filename:"] {
        if let Some(rest) = t.strip_prefix(prefix) {
            t = rest.trim();
        }
    }
    let t = t
        .trim_end_matches(':')
        .trim_matches(|c| c == '*' || c == '`' || c == '_')
        .trim_end_matches(':')
        .trim();
    looks_like_source_path(t).then(|| t.to_string())
}

/// A relative path-looking word with an extension.
fn looks_like_path(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 200
        && !s.contains(char::is_whitespace)
        && s.rsplit_once('.').is_some_and(|(stem, ext)| {
            !stem.is_empty() && !ext.is_empty() && ext.chars().all(|c| c.is_ascii_alphanumeric())
        })
}

/// A path whose extension is a source language's.
fn looks_like_source_path(s: &str) -> bool {
    looks_like_path(s)
        && s.rsplit_once('.')
            .is_some_and(|(_, ext)| TargetLanguage::from_extension(ext).is_some())
}

/// The fence word's language (`py`, `python3`, `rs`, `js`, `node`, `golang`, …).
fn language_word(word: &str) -> Option<TargetLanguage> {
    match word {
        "python" | "py" | "python3" => Some(TargetLanguage::Python),
        "rust" | "rs" => Some(TargetLanguage::Rust),
        "javascript" | "js" | "node" | "nodejs" | "cjs" | "mjs" | "jsx" => {
            Some(TargetLanguage::JavaScript)
        }
        "go" | "golang" => Some(TargetLanguage::Go),
        // Other programming languages are foreign code, reported as a wrong language only
        // through detection; data and shell blocks are not code.
        _ => None,
    }
}

/// Paths as the program lays them out: Rust crates are rooted at the program's top (`tests.rs`
/// sits next to `lib.rs`), so `src/` is dropped, and a lone `main.rs` for a library spec is
/// its `lib.rs`.
fn normalise_path(language: TargetLanguage, path: &str, default_file: &str) -> String {
    let path = path.trim_start_matches("./");
    if language == TargetLanguage::Rust {
        let path = path.strip_prefix("src/").unwrap_or(path);
        if path == "main.rs" && default_file == "lib.rs" {
            return default_file.to_string();
        }
        return path.to_string();
    }
    path.to_string()
}

/// The first 120 characters of a reply, on one line, for error messages.
fn excerpt(reply: &str) -> String {
    let one_line: String = reply.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.is_empty() {
        return "the reply was empty".into();
    }
    let mut out: String = one_line.chars().take(120).collect();
    if one_line.chars().count() > 120 {
        out.push('…');
    }
    format!("it began \"{out}\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use TargetLanguage::{Go, JavaScript, Python, Rust};

    #[test]
    fn one_fenced_block_becomes_the_default_file() {
        let reply = "Here you go:\n\n```python\ndef f(x):\n    return x\n```\nDone.";
        assert_eq!(
            reply_files(reply, Python, "main.py").unwrap(),
            vec![(
                "main.py".to_string(),
                "def f(x):\n    return x\n".to_string()
            )]
        );
    }

    #[test]
    fn several_files_by_file_lines_info_strings_and_headings() {
        let reply = "\
```python
# file: util.py
def helper():
    return 1
```
```python title=main.py
from util import helper
```
### extra.py
```python
X = 1
```
```py:pkg/other.py
Y = 2
```
";
        let files = reply_files(reply, Python, "main.py").unwrap();
        let names: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(names, ["util.py", "main.py", "extra.py", "pkg/other.py"]);
        assert_eq!(files[0].1, "def helper():\n    return 1\n");
        assert_eq!(files[1].1, "from util import helper\n");
    }

    #[test]
    fn rust_paths_drop_src_and_a_lone_main_is_the_lib() {
        let reply = "```rust\n// file: src/lib.rs\npub fn f() {}\n```\n```rust\n// src/util.rs\npub fn g() {}\n```";
        let files = reply_files(reply, Rust, "lib.rs").unwrap();
        assert_eq!(files[0].0, "lib.rs");
        assert_eq!(files[1].0, "util.rs");
        let reply = "```main.rs\npub fn f() {}\n```";
        assert_eq!(reply_files(reply, Rust, "lib.rs").unwrap()[0].0, "lib.rs");
    }

    #[test]
    fn no_code_and_wrong_language_are_reply_errors() {
        let e = reply_files("I cannot help with that.", Go, "main.go").unwrap_err();
        assert_eq!(
            e.to_string(),
            "unusable reply: no code block in the reply (expected a fenced ```go block): it began \"I cannot help with that.\""
        );
        let e = reply_files("```bash\nls\n```", Go, "main.go").unwrap_err();
        assert!(e.to_string().contains("no code block"), "{e}");

        let e = reply_files("```rust\nfn main() {}\n```", Python, "main.py").unwrap_err();
        assert_eq!(
            e.to_string(),
            "unusable reply: wrong language: the reply's code is rust but the spec asks for python"
        );
        // A fence labelled python around plain JavaScript.
        let js = "```python\nfunction add(a, b) {\n  return a + b;\n}\nconsole.log(add(1, 2) === 3);\nmodule.exports = { add };\n```";
        let e = reply_files(js, Python, "main.py").unwrap_err();
        assert!(e.to_string().contains("wrong language"), "{e}");
        assert!(e.to_string().contains("javascript"), "{e}");
        // An unlabelled block of Go for a JavaScript spec.
        let go = "```\npackage main\n\nfunc Add(a, b int) int {\n\treturn a + b\n}\n```";
        let e = reply_files(go, JavaScript, "main.js").unwrap_err();
        assert!(
            e.to_string()
                .contains("wrong language: the reply's code is go"),
            "{e}"
        );
        let e = reply_files("```java\nclass A {}\n```", Python, "main.py").unwrap_err();
        assert_eq!(
            e.to_string(),
            "unusable reply: wrong language: the reply's code is java but the spec asks for python"
        );
    }

    #[test]
    fn foreign_blocks_next_to_the_right_one_are_skipped() {
        let reply = "```go\nfunc A() {}\n```\n```bash\ngo test\n```\n```python\nprint(1)\n```";
        let files = reply_files(reply, Go, "main.go").unwrap();
        assert_eq!(files, vec![("main.go".into(), "func A() {}\n".into())]);
    }

    #[test]
    fn the_longest_unnamed_block_is_the_program_and_an_unterminated_one_counts() {
        let reply =
            "```js\nfunction add(a, b) {\n  return a + b;\n}\n```\nUsage:\n```js\nadd(1, 2)\n```";
        let files = reply_files(reply, JavaScript, "main.js").unwrap();
        assert_eq!(files.len(), 1);
        assert!(files[0].1.starts_with("function add"));
        let cut = "```go\npackage main\nfunc A() {";
        assert_eq!(
            reply_files(cut, Go, "main.go").unwrap()[0].1,
            "package main\nfunc A() {\n"
        );
    }

    #[test]
    fn bare_code_is_accepted_only_when_it_plainly_is_the_language() {
        let bare = "import math\n\ndef f(x):\n    return math.sqrt(x)\n\ndef g():\n    return 1\n";
        assert_eq!(
            reply_files(bare, Python, "main.py").unwrap()[0].0,
            "main.py"
        );
        assert!(reply_files("def f(x):\n  pass", Python, "main.py").is_err());
    }

    #[test]
    fn unsafe_file_names_are_refused() {
        let reply = "```python\n# file: ../evil.py\nX = 1\n```";
        let e = reply_files(reply, Python, "main.py").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("unusable reply: the reply names an unusable file"),
            "{e}"
        );
    }

    #[test]
    fn detection() {
        assert_eq!(
            detect_language("fn main() {\n    println!(\"x\");\n}").map(|d| d.0),
            Some(Rust)
        );
        assert_eq!(
            detect_language("package main\nfunc main() {}").map(|d| d.0),
            Some(Go)
        );
        assert_eq!(detect_language("just prose."), None);
    }
}
