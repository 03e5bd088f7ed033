//! `javascript.member`: a misspelt member of a standard object or of strings and arrays
//! (`Math.sqr`, `s.lenght`, `arr.push_back`), from Node's own member tables.
//!
//! Why it is safe: the misspelt member does not exist; the candidates are the closest existing
//! members, validated before they are kept.
//!
//! Example: `s.lenght` → `s.length`.

use super::*;

/// Another language's member name for a JavaScript method (`.append` → `.push`).
const SLIP_METHOD: f64 = 0.6;
/// `s.length()`: a property called as a method.
const PROPERTY_NOT_CALL: f64 = 0.65;
/// Another language's member name for a property (`.size` → `.length`).
const SLIP_PROPERTY: f64 = 0.5;
/// Members less similar than this are not offered.
const MIN_SIMILARITY: f64 = 0.5;
/// The base of a similar member; its similarity adds up to `SIMILAR_SCALE`.
const SIMILAR_BASE: f64 = 0.25;
/// How much a similar member's score adds.
const SIMILAR_SCALE: f64 = 0.45;
/// Each later candidate a little less likely, to keep the order.
const RANK_STEP: f64 = 0.03;
/// `x.unknown()` where `x` itself was the value wanted.
const DROP_CALL: f64 = 0.3;
/// `x.get(0)`-like calls on an unknown receiver: an indexing method, a guess.
const INDEX_METHOD: f64 = 0.2;

/// Methods other languages have under another name: (wrong, right); `right` without `()`
/// means a property (`.length()` → `.length`).
pub(crate) const MEMBER_SLIPS: &[(&str, &str)] = &[
    ("length", "length"),
    ("size", "length"),
    ("len", "length"),
    ("count", "length"),
    ("append", "push()"),
    ("add", "push()"),
    ("push_back", "push()"),
    ("contains", "includes()"),
    ("has", "includes()"),
    ("upper", "toUpperCase()"),
    ("toUpper", "toUpperCase()"),
    ("lower", "toLowerCase()"),
    ("toLower", "toLowerCase()"),
    ("strip", "trim()"),
    ("lstrip", "trimStart()"),
    ("rstrip", "trimEnd()"),
    ("startswith", "startsWith()"),
    ("endswith", "endsWith()"),
    ("each", "forEach()"),
    ("get", "at()"),
    ("remove", "splice()"),
    ("index", "indexOf()"),
    ("find_index", "findIndex()"),
    ("toString", "toString()"),
    ("to_string", "toString()"),
    ("str", "toString()"),
];

/// Methods that take one numeric argument, for a call like `s.badName(0)`.
pub(crate) const INDEX_METHODS: &[&str] = &["charCodeAt", "charAt", "codePointAt", "at"];

/// The `javascript.member` rule.
pub(crate) struct Member;

impl Rule for Member {
    const META: RuleMeta = RuleMeta::new("javascript.member", FixApplicability::Speculative)
        .language(TargetLanguage::JavaScript);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        let msg = message(error);
        let Some(expr) = msg.strip_suffix(" is not a function") else {
            return Vec::new();
        };
        let Some((receiver, name)) = expr.rsplit_once('.') else {
            return Vec::new();
        };
        let Some((t, tokens, (ls, le))) = lexed_target(error, program) else {
            return Vec::new();
        };
        let src = t.text;
        let Some(k) = (1..tokens.len())
            .filter(|&k| {
                tokens[k].start >= ls
                    && tokens[k].end <= le
                    && tokens[k].text(src) == name
                    && matches!(tokens[k - 1].text(src), "." | "?.")
            })
            .min_by_key(|&k| tokens[k].start.abs_diff(t.offset))
        else {
            return Vec::new();
        };
        let tok = tokens[k];
        let file = t.file;
        let mut fixes = Fixes::new(Self::META.id);
        // The call's argument list, if the member is called.
        let call = (tokens.get(k + 1).is_some_and(|n| n.text(src) == "("))
            .then(|| crate::fix::text::matching_close(&tokens, k + 1))
            .flatten();
        let receiver_name = receiver.rsplit('.').next().unwrap_or(receiver);
        let candidates: Vec<&str> = match members_of(receiver_name) {
            Some(m) => m.to_vec(),
            None => [
                "String.prototype",
                "Array.prototype",
                "Number.prototype",
                "Object.prototype",
                "Map.prototype",
                "Set.prototype",
            ]
            .iter()
            .filter_map(|o| members_of(o))
            .flatten()
            .copied()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
        };
        for (wrong, right) in MEMBER_SLIPS {
            if *wrong != name {
                continue;
            }
            match (right.strip_suffix("()"), call) {
                (Some(method), _) => fixes.replace(
                    SLIP_METHOD,
                    format!("use `.{method}`"),
                    file,
                    tok.start,
                    tok.end,
                    method,
                ),
                (None, Some(close)) if close == k + 2 => {
                    fixes.replace(
                        PROPERTY_NOT_CALL,
                        format!("`{right}` is a property: drop the call"),
                        file,
                        tok.start,
                        tokens[close].end,
                        right,
                    );
                }
                (None, _) => fixes.replace(
                    SLIP_PROPERTY,
                    format!("use `.{right}`"),
                    file,
                    tok.start,
                    tok.end,
                    right,
                ),
            }
        }
        for (n, (cand, score)) in closest(name, candidates.iter().copied(), MIN_SIMILARITY)
            .into_iter()
            .take(3)
            .enumerate()
        {
            fixes.replace(
                SIMILAR_BASE + SIMILAR_SCALE * score - RANK_STEP * n as f64,
                format!("use `.{cand}`"),
                file,
                tok.start,
                tok.end,
                cand,
            );
        }
        if let Some(close) = call {
            // `x.unknownMethod()` where `x` itself was the value wanted.
            fixes.replace(
                DROP_CALL,
                format!("drop the call to `.{name}`"),
                file,
                tokens[k - 1].start,
                tokens[close].end,
                "",
            );
            let one_number = close == k + 3 && tokens[k + 2].kind == Kind::Number;
            if one_number && members_of(receiver_name).is_none() {
                for m in INDEX_METHODS {
                    fixes.replace(
                        INDEX_METHOD,
                        format!("use `.{m}`"),
                        file,
                        tok.start,
                        tok.end,
                        m,
                    );
                }
            }
        }
        fixes.done()
    }
}
