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
    /// The program's data files: path → text, or `{"base64": "…"}` for any bytes.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub data_files: BTreeMap<String, DataFile>,
}

/// One data file of a corpus case: UTF-8 text as a plain string, other bytes in base64.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DataFile {
    Text(String),
    Base64 { base64: String },
}

impl DataFile {
    /// The file's bytes. `Err` names what is wrong with a bad base64 string.
    pub fn bytes(&self) -> Result<Vec<u8>, String> {
        match self {
            DataFile::Text(text) => Ok(text.as_bytes().to_vec()),
            DataFile::Base64 { base64 } => base64_decode(base64),
        }
    }

    /// Text when `bytes` is UTF-8, else base64.
    pub fn from_bytes(bytes: &[u8]) -> DataFile {
        match std::str::from_utf8(bytes) {
            Ok(text) => DataFile::Text(text.to_string()),
            Err(_) => DataFile::Base64 {
                base64: base64_encode(bytes),
            },
        }
    }
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 (RFC 4648, with padding).
pub fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(BASE64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard base64 (padding optional, whitespace ignored).
pub fn base64_decode(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        if c == '=' {
            break;
        }
        let value = BASE64
            .iter()
            .position(|&b| b as char == c)
            .ok_or_else(|| format!("`{c}` is not a base64 character"))?;
        acc = (acc << 6) | value as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

impl HealCase {
    /// The case as a checked [`Program`].
    pub fn program(&self) -> Result<Program, CaseError> {
        let language: TargetLanguage = self
            .language
            .parse()
            .map_err(|e: crate::types::UnknownLanguage| CaseError::Invalid(e.to_string()))?;
        let mut data_files = BTreeMap::new();
        for (path, file) in &self.data_files {
            let bytes = file
                .bytes()
                .map_err(|why| CaseError::Invalid(format!("data file {path}: {why}")))?;
            data_files.insert(path.clone(), bytes);
        }
        Ok(Program::from_parts(
            language,
            self.files.clone(),
            self.protected.clone(),
            self.options.clone(),
            data_files,
        )?)
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
        assert_eq!(program.options()["edition"], "2018");
        assert!(program.protected().contains("lib.rs"));
        let bad: Vec<usize> = corpus.malformed.iter().map(|m| m.line).collect();
        assert_eq!(bad, [3, 4, 5, 6]);
        assert!(corpus.malformed[1].message.contains("unknown language"));
        assert!(corpus.malformed[3].message.contains("duplicate id"));
        assert!(program.data_files().is_empty());
    }

    #[test]
    fn cases_carry_data_files_as_text_or_base64() {
        let line = r#"{"id":"a","language":"python","files":{"main.py":"print(open('c.json').read())\n"},"data_files":{"c.json":"{\"k\": 1}\n","img.bin":{"base64":"AP8BAg=="}}}"#;
        let case: HealCase = serde_json::from_str(line).unwrap();
        let program = case.program().unwrap();
        assert_eq!(program.data_files()["c.json"], b"{\"k\": 1}\n");
        assert_eq!(program.data_files()["img.bin"], [0, 255, 1, 2]);
        // Written back the same way.
        let again = serde_json::to_value(&case).unwrap();
        assert_eq!(again["data_files"]["img.bin"]["base64"], "AP8BAg==");
        for bytes in [
            &b""[..],
            b"a",
            b"ab",
            b"abc",
            b"abcd",
            &[0, 255, 254, 253, 7],
        ] {
            assert_eq!(base64_decode(&base64_encode(bytes)).unwrap(), bytes);
            assert_eq!(DataFile::from_bytes(bytes).bytes().unwrap(), bytes);
        }
        assert_eq!(base64_encode(b"abcd"), "YWJjZA==");
        let bad = r#"{"id":"b","language":"python","files":{"main.py":"x = 1\n"},"data_files":{"d":{"base64":"!!"}}}"#;
        let case: HealCase = serde_json::from_str(bad).unwrap();
        assert!(case
            .program()
            .unwrap_err()
            .to_string()
            .contains("data file d"));
    }
}
