//! `rust.function-to-method`: `round(x)` → `x.round()` when the "function" is really a method of
//! the argument. Answers: E0425 on a known method name. Fix: `round(x)` → `x.round()`.
//!
//! Why it is safe: rustc names the exact problem at this position; the fix changes only what the
//! message points at, and the heal loop validates it before keeping it.
//!
//! Example: `round(x)` → `x.round()`.

use super::*;

/// Confidence of the fix: a method of that name exists on the first argument's type, but the
/// free function may have been meant.
const CONFIDENCE: f64 = 0.6;

/// `round(x)` → `x.round()` when the "function" is really a method of the argument.
pub struct FunctionToMethod;

impl Rule for FunctionToMethod {
    const META: RuleMeta = RuleMeta::new("rust.function-to-method", FixApplicability::Likely)
        .language(TargetLanguage::Rust)
        .codes(&["E0425"]);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        call_as_method(error, program).unwrap_or_default()
    }
}

/// The fix calling the free function the error names as a method of its first argument.
fn call_as_method(error: &CodeError, program: &Program) -> Option<Vec<Fix>> {
    if !error.message.starts_with("cannot find function") {
        return None;
    }
    let (loc, text, name, pos) = undefined_on_line(error, program)?;
    if !builtin_members(TargetLanguage::Rust).contains(&name.as_str()) {
        return None;
    }
    let open = pos + name.len();
    if text.as_bytes().get(open) != Some(&b'(') {
        return None;
    }
    let (args, close) = split_call_args(text, open)?;
    let (receiver, rest) = args.split_first()?;
    let receiver = receiver.trim();
    let simple = receiver.chars().all(|c| is_ident_char(c) || c == '.')
        && !receiver.starts_with(|c: char| c.is_ascii_digit());
    let receiver = if simple {
        receiver.to_string()
    } else {
        format!("({receiver})")
    };
    let rest: Vec<&str> = rest.iter().map(|a| a.trim()).collect();
    let call = format!("{receiver}.{name}({})", rest.join(", "));
    Some(vec![fix(
        FunctionToMethod::META.id,
        format!("call `{name}` as a method: `{call}`"),
        CONFIDENCE,
        vec![edit(&loc.file, pos, close + 1, call)],
    )])
}

/// The top-level comma-separated arguments of the call whose `(` is at `open`, and the
/// position of its `)`.
pub(crate) fn split_call_args(text: &str, open: usize) -> Option<(Vec<&str>, usize)> {
    let bytes = text.as_bytes();
    let mut depth = 0i32;
    let mut args = Vec::new();
    let mut arg_start = open + 1;
    let mut i = open;
    let mut in_str = false;
    while i < bytes.len() {
        let b = bytes[i];
        if in_str {
            if b == b'\\' {
                i += 1;
            } else if b == b'"' {
                in_str = false;
            }
        } else {
            match b {
                b'"' => in_str = true,
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        let last = &text[arg_start..i];
                        if !last.trim().is_empty() {
                            args.push(last);
                        }
                        return Some((args, i));
                    }
                }
                b',' if depth == 1 => {
                    args.push(&text[arg_start..i]);
                    arg_start = i + 1;
                }
                b';' => return None,
                _ => {}
            }
        }
        i += 1;
    }
    None
}
