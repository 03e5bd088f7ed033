//! Heal-case corpora: JSON Lines files of programs to validate or heal (format v1,
//! `docs/corpus-format.md`). A malformed line is reported with its number and skipped.

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::program::{Program, ProgramError};
use crate::types::TargetLanguage;
use crate::validate::Expect;

/// One case, as written in the corpus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealCase {
    pub id: String,
    pub language: String,
    pub files: BTreeMap<String, String>,
    #[serde(default)]
    pub protected: BTreeSet<String>,
    #[serde(default)]
    pub expect: Expect,
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    #[serde(default)]
    pub meta: serde_json::Value,
}

impl HealCase {
    /// The case as a checked [`Program`].
    pub fn program(&self) -> Result<Program, CaseError> {
        let language: TargetLanguage = self
            .language
            .parse()
            .map_err(|e: crate::types::UnknownLanguage| CaseError::Invalid(e.to_string()))?;
        let program = Program {
            language,
            files: self.files.clone(),
            protected: self.protected.clone(),
            options: self.options.clone(),
        };
        program.check()?;
        Ok(program)
    }

    /// `meta.category`, when the corpus gives one.
    pub fn category(&self) -> Option<&str> {
        self.meta.get("category").and_then(|c| c.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Program(#[from] ProgramError),
}

/// A line that could not be read as a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MalformedLine {
    /// 1-based line number.
    pub line: usize,
    pub message: String,
}

/// A parsed corpus: the cases, and the lines that were skipped.
#[derive(Debug, Default)]
pub struct Corpus {
    pub cases: Vec<HealCase>,
    pub malformed: Vec<MalformedLine>,
}

#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error("{path}: cannot read corpus: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl Corpus {
    /// Reads a corpus file. Blank lines are ignored; malformed lines (bad JSON, missing fields,
    /// duplicate ids, invalid programs) are collected in `malformed`.
    pub fn read(path: &Path) -> Result<Corpus, CorpusError> {
        let io = |source| CorpusError::Io {
            path: path.display().to_string(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let mut corpus = Corpus::default();
        let mut ids = BTreeSet::new();
        for (index, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line_no = index + 1;
            let line = match line {
                Ok(line) => line,
                Err(e) => {
                    corpus.malformed.push(MalformedLine {
                        line: line_no,
                        message: format!("unreadable line: {e}"),
                    });
                    continue;
                }
            };
            if line.trim().is_empty() {
                continue;
            }
            match corpus_case(&line, &ids) {
                Ok(case) => {
                    ids.insert(case.id.clone());
                    corpus.cases.push(case);
                }
                Err(message) => corpus.malformed.push(MalformedLine {
                    line: line_no,
                    message,
                }),
            }
        }
        Ok(corpus)
    }
}

fn corpus_case(line: &str, seen: &BTreeSet<String>) -> Result<HealCase, String> {
    let case: HealCase = serde_json::from_str(line).map_err(|e| format!("invalid case: {e}"))?;
    if seen.contains(&case.id) {
        return Err(format!("duplicate id `{}`", case.id));
    }
    case.program()
        .map_err(|e| format!("case `{}`: {e}", case.id))?;
    Ok(case)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cases_and_reports_malformed_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.jsonl");
        let good = r#"{"id":"a","language":"python","files":{"main.py":"print(1)\n"},"meta":{"category":"Syntax"},"extra":1}"#;
        let lines = [
            good,
            "",
            "{not json",
            r#"{"id":"b","language":"cobol","files":{"x.cob":"x"}}"#,
            r#"{"id":"c","language":"go","files":{"../x.go":"package main"}}"#,
            good,
            r#"{"id":"d","language":"rust","files":{"lib.rs":"fn f(){}\n"},"expect":"check","protected":["lib.rs"],"options":{"edition":"2018"}}"#,
        ];
        std::fs::write(&path, lines.join("\n")).unwrap();
        let corpus = Corpus::read(&path).unwrap();
        assert_eq!(
            corpus
                .cases
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>(),
            ["a", "d"]
        );
        assert_eq!(corpus.cases[0].expect, Expect::Test);
        assert_eq!(corpus.cases[0].category(), Some("Syntax"));
        assert_eq!(corpus.cases[1].expect, Expect::Check);
        let program = corpus.cases[1].program().unwrap();
        assert_eq!(program.options["edition"], "2018");
        assert!(program.protected.contains("lib.rs"));
        let bad: Vec<usize> = corpus.malformed.iter().map(|m| m.line).collect();
        assert_eq!(bad, [3, 4, 5, 6]);
        assert!(corpus.malformed[1].message.contains("unknown language"));
        assert!(corpus.malformed[3].message.contains("duplicate id"));
    }
}
