//! `any.similar-name`: replaces an undefined name by the closest defined or well-known names.
//!
//! Why it is safe: the name is undefined; every candidate is a name that exists (declared in the
//! program or a builtin), ranked by edit distance, and validated before it is kept.
//!
//! Example: `print(totl)` → `print(total)`.

use super::*;

/// A similar name the program declares: most misspellings are of these.
const DECLARED_BASE: f64 = 0.75;
/// A similar library or builtin name.
const KNOWN_BASE: f64 = 0.65;
/// Each later candidate a little less likely.
const RANK_STEP: f64 = 0.05;

/// Most candidates proposed for one undefined name.
pub(crate) const MAX_CANDIDATES: usize = 3;

/// Replaces an undefined name by the closest defined or well-known names.
pub struct SimilarName;

impl Rule for SimilarName {
    const META: RuleMeta = RuleMeta::new("any.similar-name", FixApplicability::Speculative);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let Some((name, kind)) = undefined_name(&error.message) else {
            return Vec::new();
        };
        // Messages that name an undefined thing are not always categorised as such (Python's
        // AttributeError, JavaScript's TypeError); the message pattern is what counts here.
        if matches!(
            error.error_type,
            ErrorType::SyntaxError | ErrorType::TestFailure | ErrorType::TelemetryMismatch
        ) {
            return Vec::new();
        }
        let Some((file, start)) = name_position(error, program, &name) else {
            return Vec::new();
        };
        let end = start + name.len();
        let candidates = candidates(program, kind);
        ranked_similar(&name, &candidates)
            .into_iter()
            .take(MAX_CANDIDATES)
            .enumerate()
            .map(|(rank, (candidate, score, declared))| {
                let base = if declared { DECLARED_BASE } else { KNOWN_BASE };
                let norm = score / name.chars().count().max(candidate.chars().count()) as f64;
                Fix {
                    strategy: Self::META.id.to_string(),
                    description: format!("replace `{name}` by the similar name `{candidate}`"),
                    confidence: base * (1.0 - norm) - RANK_STEP * rank as f64,
                    applicability: crate::fix::FixApplicability::Safe,
                    edits: vec![Edit {
                        file: file.clone(),
                        byte_start: start,
                        byte_end: end,
                        replacement: candidate,
                    }],
                }
            })
            .collect()
    }
}

/// Identifiers reached through `.` anywhere in the program (methods, fields, attributes).
pub(crate) fn member_names(program: &Program) -> Vec<String> {
    let mut out = Vec::new();
    for text in program.files().values() {
        for (pos, word) in identifiers(text, program.language()) {
            if text[..pos].ends_with('.') {
                out.push(word.to_string());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// A candidate name and whether the program itself declares it.
pub(crate) type Candidate = (String, bool);

pub(crate) fn candidates(program: &Program, kind: NameKind) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    match kind {
        NameKind::Value => {
            out.extend(declared_names(program).into_iter().map(|n| (n, true)));
            out.extend(
                builtin_values(program.language())
                    .iter()
                    .map(|n| (n.to_string(), false)),
            );
        }
        NameKind::Member => {
            out.extend(member_names(program).into_iter().map(|n| (n, true)));
            out.extend(declared_names(program).into_iter().map(|n| (n, true)));
            out.extend(
                builtin_members(program.language())
                    .iter()
                    .map(|n| (n.to_string(), false)),
            );
        }
    }
    out
}

/// Candidates close enough to `name`, best first: (candidate, score, declared).
pub(crate) fn ranked_similar(name: &str, candidates: &[Candidate]) -> Vec<(String, f64, bool)> {
    let mut scored: BTreeMap<String, (f64, bool)> = BTreeMap::new();
    for (candidate, declared) in candidates {
        if candidate == name {
            continue;
        }
        let Some(score) = similarity_score(name, candidate) else {
            continue;
        };
        let entry = scored
            .entry(candidate.clone())
            .or_insert((score, *declared));
        entry.1 |= *declared;
    }
    let mut ranked: Vec<(String, f64, bool)> =
        scored.into_iter().map(|(c, (s, d))| (c, s, d)).collect();
    ranked.sort_by(|a, b| a.1.total_cmp(&b.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
    ranked
}
