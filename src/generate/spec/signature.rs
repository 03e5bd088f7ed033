//! Signatures: a function signature in the target language, parsed into a `FunctionSig`.

use super::*;

/// Parses one function signature of `language`.
pub fn parse_signature(language: TargetLanguage, text: &str) -> Result<FunctionSig, String> {
    let text = text
        .trim()
        .trim_end_matches('{')
        .trim_end()
        .trim_end_matches(';')
        .trim_end()
        .to_string();
    let text = if language == TargetLanguage::Python {
        text.trim_end_matches(':').trim_end().to_string()
    } else {
        text
    };
    let (name, params_text, rest) = match language {
        TargetLanguage::Rust => {
            let mut s = text.as_str();
            for prefix in ["pub(crate) ", "pub ", "const ", "async ", "unsafe "] {
                s = s.strip_prefix(prefix).unwrap_or(s).trim_start();
            }
            let s = s
                .strip_prefix("fn ")
                .ok_or("it should start with `fn NAME(` (or `pub fn`)")?;
            let (name, after) = split_name(s)?;
            let after = if after.starts_with('<') {
                let end = matching(after, '<', '>').ok_or("unbalanced `<` in the generics")?;
                &after[end + 1..]
            } else {
                after
            };
            let (params, rest) = paren_group(after)?;
            (name, params, rest)
        }
        TargetLanguage::Python => {
            let s = text.strip_prefix("async ").unwrap_or(&text);
            let s = s
                .strip_prefix("def ")
                .ok_or("it should start with `def NAME(`")?;
            let (name, after) = split_name(s)?;
            let (params, rest) = paren_group(after)?;
            (name, params, rest)
        }
        TargetLanguage::JavaScript => {
            let s = text.strip_prefix("export ").unwrap_or(&text);
            let s = s.strip_prefix("async ").unwrap_or(s);
            let s = s.strip_prefix("function ").unwrap_or(s).trim_start();
            let (name, after) = split_name(s)?;
            let (params, rest) = paren_group(after)?;
            (name, params, rest)
        }
        TargetLanguage::Go => {
            let s = text
                .strip_prefix("func ")
                .ok_or("it should start with `func Name(`")?;
            if s.trim_start().starts_with('(') {
                return Err("methods are not supported; declare a plain function".into());
            }
            let (name, after) = split_name(s)?;
            let (params, rest) = paren_group(after)?;
            (name, params, rest)
        }
    };
    let items: Vec<String> = split_top_level(params_text)
        .into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let mut params = Vec::new();
    let mut variadic = false;
    match language {
        TargetLanguage::Rust => {
            for item in items {
                if matches!(item.as_str(), "self" | "&self" | "&mut self" | "mut self") {
                    continue;
                }
                let (n, ty) = item
                    .split_once(':')
                    .ok_or_else(|| format!("parameter `{item}` has no type; write `name: Type`"))?;
                params.push(Param {
                    name: n.trim().trim_start_matches("mut ").trim().to_string(),
                    ty: Some(ty.trim().to_string()),
                    has_default: false,
                });
            }
        }
        TargetLanguage::Python => {
            for item in items {
                if item == "self" || item == "cls" || item == "/" || item == "*" {
                    continue;
                }
                if item.starts_with('*') {
                    variadic = true;
                    continue;
                }
                let (decl, default) = without_default(&item);
                let (n, ty) = match decl.split_once(':') {
                    Some((n, t)) => (n.trim(), Some(t.trim().to_string())),
                    None => (decl.trim(), None),
                };
                params.push(Param {
                    name: n.to_string(),
                    ty,
                    has_default: default,
                });
            }
        }
        TargetLanguage::JavaScript => {
            for item in items {
                if item.starts_with("...") {
                    variadic = true;
                    continue;
                }
                let (n, default) = without_default(&item);
                params.push(Param {
                    name: n.to_string(),
                    ty: None,
                    has_default: default,
                });
            }
        }
        TargetLanguage::Go => {
            // `a, b int, s string`: a name without a type takes the next type given.
            let named = items.iter().any(|i| i.contains(' '));
            let mut pending: Vec<String> = Vec::new();
            for item in items {
                let (n, ty) = if named {
                    match item.split_once(' ') {
                        Some((n, t)) => (Some(n.trim().to_string()), Some(t.trim().to_string())),
                        None => (Some(item.clone()), None),
                    }
                } else {
                    (None, Some(item.clone()))
                };
                match ty {
                    None => pending.push(n.unwrap_or_default()),
                    Some(ty) => {
                        let is_variadic = ty.starts_with("...");
                        let ty_clean = if is_variadic {
                            format!("[]{}", &ty[3..])
                        } else {
                            ty
                        };
                        for p in pending.drain(..) {
                            params.push(Param {
                                name: p,
                                ty: Some(ty_clean.clone()),
                                has_default: false,
                            });
                        }
                        if is_variadic {
                            variadic = true;
                        } else {
                            params.push(Param {
                                name: n.unwrap_or_else(|| format!("p{}", params.len())),
                                ty: Some(ty_clean),
                                has_default: false,
                            });
                        }
                    }
                }
            }
            if !pending.is_empty() {
                return Err(format!("parameter `{}` has no type", pending.join(", ")));
            }
        }
    }
    let rest = rest.trim();
    let returns = match language {
        TargetLanguage::Rust | TargetLanguage::Python => {
            let r = rest.strip_prefix("->").map(str::trim);
            let r = r.map(|r| r.split(" where ").next().unwrap_or(r).trim());
            if r.is_none() && !rest.is_empty() && !rest.starts_with("where") {
                return Err(format!("unexpected `{rest}` after the parameters"));
            }
            r.filter(|r| !r.is_empty()).map(str::to_string)
        }
        TargetLanguage::JavaScript => {
            if !rest.is_empty() {
                return Err(format!("unexpected `{rest}` after the parameters"));
            }
            None
        }
        TargetLanguage::Go => (!rest.is_empty()).then(|| rest.to_string()),
    };
    for p in &params {
        if p.name.is_empty() || !p.name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return Err(format!("`{}` is not a parameter name", p.name));
        }
    }
    Ok(FunctionSig {
        name,
        params,
        returns,
        variadic,
        text,
    })
}

/// A parameter without its default value (`x=1` → `x`), and whether it had one.
fn without_default(item: &str) -> (&str, bool) {
    match item.split_once('=') {
        Some((declared, _)) => (declared.trim(), true),
        None => (item, false),
    }
}

pub(super) fn split_name(s: &str) -> Result<(String, &str), String> {
    let s = s.trim_start();
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .unwrap_or(s.len());
    if end == 0 || s.starts_with(|c: char| c.is_ascii_digit()) {
        return Err("the function has no name".into());
    }
    Ok((s[..end].to_string(), s[end..].trim_start()))
}

/// `(a, b) -> T` → (`a, b`, `-> T`).
pub(super) fn paren_group(s: &str) -> Result<(&str, &str), String> {
    if !s.starts_with('(') {
        return Err("expected `(` after the name".into());
    }
    let end = matching(s, '(', ')').ok_or("unbalanced parentheses")?;
    Ok((&s[1..end], &s[end + 1..]))
}

/// The index of the bracket closing the one `s` starts with.
pub(super) fn matching(s: &str, open: char, close: char) -> Option<usize> {
    let mut depth = 0usize;
    let mut prev = ' ';
    for (i, c) in s.char_indices() {
        if c == open {
            depth += 1;
        } else if c == close && !(close == '>' && prev == '-') {
            depth = depth.checked_sub(1)?;
            if depth == 0 {
                return Some(i);
            }
        }
        prev = c;
    }
    None
}

/// Splits on commas outside brackets (`HashMap<K, V>`, `dict[str, int]`, `(a, b)`).
pub(super) fn split_top_level(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    let mut prev = ' ';
    for (i, c) in s.char_indices() {
        match c {
            '(' | '[' | '{' | '<' => depth += 1,
            '>' if prev == '-' => {}
            ')' | ']' | '}' | '>' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        prev = c;
    }
    out.push(&s[start..]);
    out
}
