//! `python.attribute`: `'X' object has no attribute 'y'`: the closest attribute of the type or
//! module (`lenght` → `len(…)`, `append` for `push`, `math.sqr` → `math.sqrt`).
//!
//! Why it is safe: the attribute does not exist; candidates are existing attributes from the
//! generated tables, validated before they are kept.
//!
//! Example: `xs.push(1)` → `xs.append(1)`.

use super::*;

/// A typo of a known slip (`lenght`) counts as the slip down to this similarity.
const MIN_SLIP_SIMILARITY: f64 = 0.75;
/// `.length`/`.size()`/`.isEmpty()`: Python spells a length `len(…)`.
const LEN_NOT_METHOD: f64 = 0.6;
/// Another language's method name with a Python equivalent (`.push` → `.append`).
const PYTHON_NAME: f64 = 0.6;
/// Attributes less similar than this are not offered.
const MIN_SIMILARITY: f64 = 0.5;
/// The base of a similar attribute; its similarity adds up to `SIMILAR_SCALE`.
const SIMILAR_BASE: f64 = 0.25;
/// How much a similar attribute's score adds.
const SIMILAR_SCALE: f64 = 0.45;
/// Each later candidate a little less likely.
const RANK_STEP: f64 = 0.05;

/// Methods other languages have under another name: (wrong, right) — `right` is a method name,
/// or `len()` for the builtin function.
pub(crate) const ATTRIBUTE_SLIPS: &[(&str, &str)] = &[
    ("push", "append"),
    ("add", "append"),
    ("length", "len()"),
    ("size", "len()"),
    ("len", "len()"),
    ("count", "len()"),
    ("toUpperCase", "upper"),
    ("toLowerCase", "lower"),
    ("toUpper", "upper"),
    ("toLower", "lower"),
    ("uppercase", "upper"),
    ("lowercase", "lower"),
    ("trim", "strip"),
    ("trimStart", "lstrip"),
    ("trimEnd", "rstrip"),
    ("indexOf", "index"),
    ("contains", "__contains__"),
    ("includes", "__contains__"),
    ("startsWith", "startswith"),
    ("endsWith", "endswith"),
    ("substring", "__getitem__"),
    ("charAt", "__getitem__"),
    ("remove_at", "pop"),
    ("shift", "pop"),
    ("keySet", "keys"),
    ("has_key", "__contains__"),
    ("isEmpty", "len()"),
    ("forEach", "__iter__"),
    ("equals", "__eq__"),
    ("toString", "__str__"),
    ("splitlines", "splitlines"),
];

pub(crate) fn attribute(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    let msg = message(error);
    let Some(t) = target_if(msg.contains("has no attribute"), error, program) else {
        return Vec::new();
    };
    // `'str' object has no attribute 'x'` / `module 'math' has no attribute 'x'`
    let mut parts = msg.split('\'');
    let (Some(owner), Some(attr)) = (parts.nth(1), parts.nth(1)) else {
        return Vec::new();
    };
    let module = msg.starts_with("module ");
    let src = t.text;
    let tokens = code_tokens(PY, src);
    let (ls, le) = t.lines.range(src, t.line);
    let Some(k) = (0..tokens.len())
        .filter(|&k| tokens[k].start >= ls && tokens[k].end <= le)
        .find(|&k| tokens[k].text(src) == attr && k > 0 && tokens[k - 1].text(src) == ".")
    else {
        return Vec::new();
    };
    let tok = tokens[k];
    let mut fixes = Fixes::new(id);
    let members: Vec<&str> = if module {
        module_members(owner)
            .map(|m| m.to_vec())
            .unwrap_or_default()
    } else {
        tables()
            .types
            .iter()
            .find(|(n, _)| *n == owner)
            .map(|(_, m)| m.clone())
            .unwrap_or_default()
    };
    for (wrong, right) in ATTRIBUTE_SLIPS {
        // The slip itself or a typo of it (`lenght`).
        if module
            || (*wrong != attr
                && crate::fix::text::name_similarity(attr, wrong) < MIN_SLIP_SIMILARITY)
        {
            continue;
        }
        match *right {
            "len()" => {
                // `x.length` / `x.size()` → `len(x)`.
                if let Some(start) = receiver_start(src, &tokens, k - 1) {
                    let mut end = tok.end;
                    if src[end..].starts_with("()") {
                        end += 2;
                    }
                    let recv = &src[start..tokens[k - 1].start];
                    let text = if *wrong == "isEmpty" {
                        format!("len({recv}) == 0")
                    } else {
                        format!("len({recv})")
                    };
                    fixes.replace(
                        LEN_NOT_METHOD,
                        format!("use `len({recv})`"),
                        t.file,
                        start,
                        end,
                        &text,
                    );
                }
            }
            "__contains__" | "__getitem__" | "__iter__" | "__eq__" | "__str__" => {}
            m if members.is_empty() || members.contains(&m) => {
                fixes.replace(
                    PYTHON_NAME,
                    format!("use `.{m}`, the Python name for `.{attr}`"),
                    t.file,
                    tok.start,
                    tok.end,
                    m,
                );
            }
            _ => {}
        }
    }
    for (n, (candidate, score)) in closest(attr, members.iter().copied(), MIN_SIMILARITY)
        .into_iter()
        .take(3)
        .enumerate()
    {
        fixes.replace(
            SIMILAR_BASE + SIMILAR_SCALE * score - RANK_STEP * n as f64,
            format!("use the attribute `{candidate}` of `{owner}`"),
            t.file,
            tok.start,
            tok.end,
            candidate,
        );
    }
    fixes.done()
}

/// Start of the receiver expression ending just before token `dot`: a name followed by any
/// number of `.name`, `(...)` and `[...]`.
pub(crate) fn receiver_start(src: &str, tokens: &[Token], dot: usize) -> Option<usize> {
    let mut k = dot.checked_sub(1)?;
    loop {
        let t = tokens[k];
        match t.kind {
            Kind::Close => {
                let mut depth = 0;
                loop {
                    match tokens[k].kind {
                        Kind::Close => depth += 1,
                        Kind::Open => depth -= 1,
                        _ => {}
                    }
                    if depth == 0 {
                        break;
                    }
                    k = k.checked_sub(1)?;
                }
                k = k.checked_sub(1)?;
                if tokens[k].kind != Kind::Ident
                    && tokens[k].kind != Kind::Close
                    && tokens[k].kind != Kind::Str
                {
                    return Some(tokens[k + 1].start);
                }
            }
            Kind::Ident | Kind::Str | Kind::Number => {
                if k >= 2 && tokens[k - 1].text(src) == "." {
                    k -= 2;
                    continue;
                }
                return Some(t.start);
            }
            _ => return None,
        }
    }
}

/// The `python.attribute` rule.
pub(crate) struct Attribute;

impl Rule for Attribute {
    const META: RuleMeta = RuleMeta::new("python.attribute", FixApplicability::Speculative)
        .language(TargetLanguage::Python);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        attribute(Self::META.id, error, program)
    }
}
