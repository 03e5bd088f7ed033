//! `python.type-conversion`: a TypeError that one conversion removes: `"n: " + n` → `"n: " +
//! str(n)`, `range(s)` → `range(int(s))`, `a[n / 2]` → `a[n // 2]`, `len(n)` → `len(str(n))`, `for
//! i in n` → `for i in range(n)`. The operands come from the error's span (Python 3.11+ carets give
//! the failing expression exactly; without them, the whole statement on the line).
//!
//! Why it is safe: the interpreter says which operand has the wrong type; the fix converts that
//! operand and nothing else.
//!
//! Example: `"n: " + n` → `"n: " + str(n)`.

use super::*;

/// `"n: " + 3`: a number beside a string is text to show.
const STR_OF_NUMBER: f64 = 0.6;
/// Any other value beside a string: `str(…)` hides what may be a wrong operand.
const STR_OF_OTHER: f64 = 0.35;
/// Another iterable joined to a list or tuple: converted to the same kind.
const SEQUENCE_OF_ITERABLE: f64 = 0.5;
/// A single value joined to a list or tuple: meant as one more element, or not.
const ONE_ELEMENT_SEQUENCE: f64 = 0.45;
/// A string that may hold a number, in arithmetic: parsing it is the usual intent.
const STR_TO_NUMBER: f64 = 0.5;
/// A number beside a string literal that is not a number: the sum is text.
const NUMBER_TO_STR_TEXT: f64 = 0.55;
/// A number beside a string that may be numeric: text or number, unclear.
const NUMBER_TO_STR: f64 = 0.45;
/// One argument needs `int(…)`: the call says so exactly.
const INT_ARGUMENT: f64 = 0.55;
/// Several arguments might: which one is meant is less clear.
const INT_ARGUMENTS: f64 = 0.45;
/// `//` keeps the integer arithmetic the author meant, slightly above `int(…)`.
const FLOOR_DIVISION_BONUS: f64 = 0.02;
/// Every argument converted at once: more edits, more to get wrong.
const INT_EVERY_ARGUMENT: f64 = 0.4;
/// `seq * n` with a sequence on one side: the other is the count.
const INT_REPEAT_COUNT: f64 = 0.55;
/// No side is a sequence literal: the right one is more often the count.
const INT_RIGHT_COUNT: f64 = 0.45;
/// The left one, less often.
const INT_LEFT_COUNT: f64 = 0.4;
/// `a[n / 2]`: `//` is the integer index meant.
const FLOOR_DIVISION_INDEX: f64 = 0.55;
/// `int(…)` around a float index truncates the same way, spelled longer.
const INT_INDEX: f64 = 0.5;
/// A string index: parsing it is one guess among a wrong container or key.
const INT_STR_INDEX: f64 = 0.4;
/// `len(n)` of a number: the number of its digits is a guess at the intent.
const LEN_OF_DIGITS: f64 = 0.5;
/// `for i in n` over an int: `range(n)` is the usual intent.
const RANGE_OVER_NUMBER: f64 = 0.5;

/// A TypeError that one conversion removes: `"n: " + n` → `"n: " + str(n)`, `range(s)` →
/// `range(int(s))`, `a[n / 2]` → `a[n // 2]`, `len(n)` → `len(str(n))`, `for i in n` →
/// `for i in range(n)`. The operands come from the error's span (Python 3.11+ carets give the
/// failing expression exactly; without them, the whole statement on the line).
pub(crate) fn type_conversion(id: &str, error: &CodeError, program: &Program) -> Vec<Fix> {
    let mismatch =
        error.error_type == ErrorType::TypeMismatch || error.code.as_deref() == Some("TypeError");
    let Some(t) = target_if(mismatch, error, program) else {
        return Vec::new();
    };
    let tokens = code_tokens(PY, t.text);
    let Some((lo, hi)) = error_span(&t, &tokens) else {
        return Vec::new();
    };
    let c = Conversion {
        t: &t,
        tokens: &tokens,
        lo,
        hi,
    };
    let mut fixes = Fixes::new(id);
    let msg = message(error);
    if let Some((seq, other)) = concatenate_types(msg) {
        c.concatenation(&mut fixes, seq, other);
    } else if let Some((op, left, right)) = unsupported_operands(msg) {
        c.mixed_operands(&mut fixes, op, left, right);
    } else if let Some(ty) = msg
        .strip_suffix(" object cannot be interpreted as an integer")
        .and_then(quoted)
    {
        if matches!(ty, "str" | "float") {
            c.integer_arguments(&mut fixes, ty == "float");
        }
    } else if let Some(rest) = msg.strip_prefix("can't multiply sequence by non-int of type ") {
        if let Some(ty @ ("str" | "float")) = quoted(rest) {
            c.sequence_repeat(&mut fixes, ty == "float");
        }
    } else if let Some(ty) = index_type(msg) {
        c.integer_index(&mut fixes, ty);
    } else if let Some(ty) = msg
        .strip_prefix("object of type ")
        .filter(|rest| rest.ends_with(" has no len()"))
        .and_then(quoted)
    {
        if matches!(ty, "int" | "float" | "bool") {
            c.length_of_number(&mut fixes);
        }
    } else if let Some(ty) = msg.strip_suffix(" object is not iterable").and_then(quoted) {
        if ty == "int" {
            c.range_over_number(&mut fixes);
        }
    }
    fixes.done()
}

/// `can only concatenate str (not "int") to str` → (`str`, `int`).
pub(crate) fn concatenate_types(msg: &str) -> Option<(&str, &str)> {
    let rest = msg.strip_prefix("can only concatenate ")?;
    let (seq, rest) = rest.split_once(" (not \"")?;
    let (other, _) = rest.split_once('"')?;
    Some((seq, other))
}

/// `unsupported operand type(s) for +: 'int' and 'str'` → (`+`, `int`, `str`).
pub(crate) fn unsupported_operands(msg: &str) -> Option<(&str, &str, &str)> {
    let rest = msg.strip_prefix("unsupported operand type(s) for ")?;
    let (op, rest) = rest.split_once(": ")?;
    let (left, right) = rest.split_once(" and ")?;
    Some((op, quoted(left)?, quoted(right)?))
}

/// `list indices must be integers or slices, not float` → `float` (3.11 quotes the type for
/// strings: `string indices must be integers, not 'str'`).
pub(crate) fn index_type(msg: &str) -> Option<&str> {
    let (head, ty) = msg.split_once(" indices must be integers")?;
    if !matches!(head, "list" | "tuple" | "string" | "str") {
        return None;
    }
    let ty = ty.rsplit_once("not ")?.1.trim().trim_matches('\'');
    Some(ty)
}

pub(crate) fn is_number_type(ty: &str) -> bool {
    matches!(ty, "int" | "float" | "bool")
}

/// Token range `[lo, hi)` of the expression the error points at: the caret span, else the
/// line's code; continued onto later lines while the expression clearly goes on.
pub(crate) fn error_span(t: &Target<'_>, tokens: &[Token]) -> Option<(usize, usize)> {
    let src = t.text;
    let (ls, le) = t.lines.range(src, t.line);
    let start = t.offset.clamp(ls, le);
    let end = t.end.filter(|&e| e > start).unwrap_or(le).min(le);
    let lo = token_at(tokens, start);
    let mut hi = lo;
    while hi < tokens.len() && tokens[hi].end <= end {
        hi += 1;
    }
    if hi == lo {
        return None;
    }
    let reaches_line_end = tokens.get(hi).is_none_or(|n| n.start >= le);
    let mut depth: i32 = tokens[lo..hi]
        .iter()
        .map(|k| match k.kind {
            Kind::Open => 1,
            Kind::Close => -1,
            _ => 0,
        })
        .sum();
    if reaches_line_end && (depth > 0 || !tokens[hi - 1].ends_operand(src)) {
        // Carets stop at the end of the first line of a multi-line expression.
        while hi < tokens.len() {
            let k = tokens[hi];
            let new_statement = t.lines.line_of(k.start) != t.lines.line_of(tokens[hi - 1].end)
                && tokens[hi - 1].ends_operand(src);
            if depth <= 0 && (k.kind == Kind::Close || new_statement) {
                break;
            }
            match k.kind {
                Kind::Open => depth += 1,
                Kind::Close => depth -= 1,
                _ => {}
            }
            hi += 1;
        }
    }
    Some((lo, hi))
}

/// Whether token `j`, at the operand's own nesting level, ends an operand of an operator of
/// precedence `prec`: separators, assignments, keywords and looser binary operators (and, on
/// the right, equally loose ones: Python's binary operators associate left).
pub(crate) fn ends_operand_at(src: &str, tokens: &[Token], j: usize, prec: u8, left: bool) -> bool {
    let k = tokens[j];
    let text = k.text(src);
    match k.kind {
        Kind::Punct if matches!(text, "," | ":" | ";" | "->" | ":=") || is_assignment(text) => {
            return true
        }
        Kind::Ident
            if matches!(
                text,
                "if" | "else"
                    | "elif"
                    | "for"
                    | "while"
                    | "in"
                    | "is"
                    | "and"
                    | "or"
                    | "not"
                    | "lambda"
                    | "return"
                    | "yield"
                    | "assert"
                    | "del"
                    | "raise"
                    | "from"
                    | "as"
                    | "with"
                    | "import"
            ) =>
        {
            return true
        }
        _ => {}
    }
    let binary = j > 0 && tokens[j - 1].ends_operand(src) && k.kind == Kind::Punct;
    binary && precedence(text).is_some_and(|p| p < prec || (!left && p == prec))
}

/// Token range of the operand right of the operator at `k`, within `..hi`.
pub(crate) fn right_operand(
    src: &str,
    tokens: &[Token],
    k: usize,
    hi: usize,
    prec: u8,
) -> Option<(usize, usize)> {
    let lines = LineIndex::new(src);
    let mut depth = 0i32;
    let mut j = k + 1;
    while j < hi {
        let tok = tokens[j];
        if depth == 0 && j > k + 1 {
            let new_line = lines.line_of(tok.start) != lines.line_of(tokens[j - 1].end);
            if (new_line && tokens[j - 1].ends_operand(src) && tok.kind != Kind::Close)
                || (tok.kind != Kind::Open && ends_operand_at(src, tokens, j, prec, false))
            {
                break;
            }
        }
        match tok.kind {
            Kind::Open => depth += 1,
            Kind::Close if depth == 0 => break,
            Kind::Close => depth -= 1,
            _ => {}
        }
        j += 1;
    }
    (j > k + 1 && depth == 0).then_some((k + 1, j))
}

/// Token range of the operand left of the operator at `k`, within `lo..`.
pub(crate) fn left_operand(
    src: &str,
    tokens: &[Token],
    lo: usize,
    k: usize,
    prec: u8,
) -> Option<(usize, usize)> {
    let mut depth = 0i32;
    let mut j = k;
    while j > lo {
        let tok = tokens[j - 1];
        match tok.kind {
            Kind::Close => depth += 1,
            Kind::Open if depth == 0 => break,
            Kind::Open => depth -= 1,
            _ if depth == 0 && ends_operand_at(src, tokens, j - 1, prec, true) => break,
            _ => {}
        }
        j -= 1;
    }
    (j < k && depth == 0).then_some((j, k))
}

/// The failing binary operator in `lo..hi`: one of `ops`, used as a binary operator, the
/// shallowest and (operators associate left) the last of those.
pub(crate) fn binary_operator(
    src: &str,
    tokens: &[Token],
    lo: usize,
    hi: usize,
    ops: &[&str],
) -> Option<usize> {
    let mut depth = 0i32;
    let mut best: Option<(i32, usize)> = None;
    for j in lo..hi {
        let k = tokens[j];
        match k.kind {
            Kind::Open => depth += 1,
            Kind::Close => depth -= 1,
            Kind::Punct
                if ops.contains(&k.text(src))
                    && j > lo
                    && tokens[j - 1].ends_operand(src)
                    && best.is_none_or(|(d, _)| depth <= d) =>
            {
                best = Some((depth, j));
            }
            _ => {}
        }
    }
    best.map(|(_, j)| j)
}

/// Arguments of the call whose `(` is token `open`: token ranges of each value (after `key=`).
pub(crate) fn call_arguments(
    src: &str,
    tokens: &[Token],
    open: usize,
    close: usize,
) -> Vec<(usize, usize)> {
    let mut args = Vec::new();
    let mut depth = 0i32;
    let mut start = open + 1;
    for j in open + 1..=close {
        let k = tokens[j];
        let at_end = j == close;
        if !at_end {
            match k.kind {
                Kind::Open => depth += 1,
                Kind::Close => depth -= 1,
                _ => {}
            }
        }
        if at_end || (depth == 0 && k.text(src) == ",") {
            let mut s = start;
            if s + 1 < j && tokens[s].kind == Kind::Ident && tokens[s + 1].text(src) == "=" {
                s += 2;
            }
            let starred = s < j && matches!(tokens[s].text(src), "*" | "**");
            if s < j && !starred {
                args.push((s, j));
            }
            start = j + 1;
        }
    }
    args
}

/// A token index range `[start, end)`.
pub(crate) type Tokens = (usize, usize);

pub(crate) struct Conversion<'a> {
    t: &'a Target<'a>,
    tokens: &'a [Token],
    lo: usize,
    hi: usize,
}

impl Conversion<'_> {
    fn src(&self) -> &str {
        self.t.text
    }

    fn text(&self, (a, b): (usize, usize)) -> &str {
        &self.t.text[self.tokens[a].start..self.tokens[b - 1].end]
    }

    /// `func(operand)`; a parenthesised operand keeps its parentheses as the call's.
    fn wrapped(&self, (a, b): (usize, usize), func: &str) -> Option<String> {
        let src = self.src();
        let inner = self.text((a, b));
        let call_of = |name: &str| {
            b - a >= 3
                && self.tokens[a].text(src) == name
                && self.tokens[a + 1].text(src) == "("
                && matching_close(self.tokens, a + 1) == Some(b - 1)
        };
        if call_of(func) {
            return None;
        }
        let group = self.tokens[a].text(src) == "("
            && matching_close(self.tokens, a) == Some(b - 1)
            && !self.tokens[a + 1..b - 1]
                .iter()
                .any(|k| matches!(k.text(src), "," | "for"));
        Some(if group {
            format!("{func}{inner}")
        } else {
            format!("{func}({inner})")
        })
    }

    fn wrap(&self, fixes: &mut Fixes<'_>, conf: f64, range: (usize, usize), func: &str) {
        let Some(text) = self.wrapped(range, func) else {
            return;
        };
        let (s, e) = (self.tokens[range.0].start, self.tokens[range.1 - 1].end);
        fixes.replace(
            conf,
            format!("convert `{}` with `{func}(…)`", short(&self.src()[s..e])),
            self.t.file,
            s,
            e,
            &text,
        );
    }

    /// `/` → `//` everywhere in the token range (integer division keeps an int).
    fn floor_division(&self, fixes: &mut Fixes<'_>, conf: f64, (a, b): (usize, usize)) {
        let src = self.src();
        let edits: Vec<_> = self.tokens[a..b]
            .iter()
            .filter(|k| k.kind == Kind::Punct && k.text(src) == "/")
            .map(|k| edit(self.t.file, k.start, k.end, "//"))
            .collect();
        if !edits.is_empty() {
            fixes.push(
                conf,
                format!("divide with `//` in `{}`", short(self.text((a, b)))),
                edits,
            );
        }
    }

    /// The operands of the failing binary operator (one of `ops`); the left one is None for an
    /// augmented assignment, whose target cannot be wrapped.
    fn operands(&self, ops: &[&str]) -> Option<(Option<Tokens>, Tokens)> {
        let src = self.src();
        let k = binary_operator(src, self.tokens, self.lo, self.hi, ops)?;
        let op = self.tokens[k].text(src);
        let augmented = is_assignment(op);
        let prec = if augmented {
            0
        } else {
            precedence(op).unwrap_or(0)
        };
        let right = right_operand(src, self.tokens, k, self.hi, prec)?;
        let left = if augmented {
            None
        } else {
            left_operand(src, self.tokens, self.lo, k, prec)
        };
        Some((left, right))
    }

    /// `str + int`: the right operand (the one that is not a `seq`) becomes one.
    fn concatenation(&self, fixes: &mut Fixes<'_>, seq: &str, other: &str) {
        let Some((_, right)) = self.operands(&["+", "+="]) else {
            return;
        };
        match seq {
            "str" => {
                let conf = if is_number_type(other) {
                    STR_OF_NUMBER
                } else {
                    STR_OF_OTHER
                };
                self.wrap(fixes, conf, right, "str");
            }
            "list" | "tuple" => {
                let iterable = matches!(other, "tuple" | "list" | "range" | "set" | "str")
                    || other.starts_with("dict_");
                if iterable {
                    self.wrap(fixes, SEQUENCE_OF_ITERABLE, right, seq);
                } else {
                    let (s, e) = (self.tokens[right.0].start, self.tokens[right.1 - 1].end);
                    let inner = &self.src()[s..e];
                    let text = if seq == "list" {
                        format!("[{inner}]")
                    } else {
                        format!("({inner},)")
                    };
                    fixes.replace(
                        ONE_ELEMENT_SEQUENCE,
                        format!("make `{}` a one-element {seq}", short(inner)),
                        self.t.file,
                        s,
                        e,
                        &text,
                    );
                }
            }
            _ => {}
        }
    }

    /// A number and a str: the str becomes a number, or (for `+`) the number a str.
    fn mixed_operands(&self, fixes: &mut Fixes<'_>, op: &str, left_ty: &str, right_ty: &str) {
        let (str_left, number) = match (left_ty, right_ty) {
            ("str", n) if is_number_type(n) => (true, n),
            (n, "str") if is_number_type(n) => (false, n),
            _ => return,
        };
        let base = op.strip_suffix('=').filter(|b| !b.is_empty()).unwrap_or(op);
        let ops = [base, op];
        let Some((left, right)) = self.operands(&ops) else {
            return;
        };
        let (str_side, number_side) = if str_left {
            (left, Some(right))
        } else {
            (Some(right), left)
        };
        let to_number = if number == "float" { "float" } else { "int" };
        let src = self.src();
        // A literal that does not hold a number cannot become one.
        let literal = str_side.filter(|&(a, b)| b - a == 1 && self.tokens[a].kind == Kind::Str);
        let numeric_literal = literal.is_some_and(|(a, _)| {
            let text = self.tokens[a].text(src);
            let inner = text.trim_matches(|c| c == '"' || c == '\'');
            inner.trim().parse::<f64>().is_ok()
        });
        if let Some(side) = str_side {
            if literal.is_none() || numeric_literal {
                self.wrap(fixes, STR_TO_NUMBER, side, to_number);
            }
        }
        if base == "+" {
            if let Some(side) = number_side {
                let conf = if literal.is_some() && !numeric_literal {
                    NUMBER_TO_STR_TEXT
                } else {
                    NUMBER_TO_STR
                };
                self.wrap(fixes, conf, side, "str");
            }
        }
    }

    /// `range(s)` with a str or float argument: `int(…)` around it (and `//` for a float).
    fn integer_arguments(&self, fixes: &mut Fixes<'_>, float: bool) {
        let src = self.src();
        let calls: Vec<(usize, usize)> = (self.lo..self.hi)
            .filter(|&k| self.tokens[k].text(src) == "(" && k > self.lo)
            .filter(|&k| self.tokens[k - 1].kind == Kind::Ident)
            .filter_map(|k| Some((k, matching_close(self.tokens, k).filter(|&c| c < self.hi)?)))
            .collect();
        // With carets the span is the call itself: the outermost one ending the span.
        let chosen: Vec<(usize, usize)> = match calls.iter().find(|&&(_, c)| c + 1 == self.hi) {
            Some(&call) if self.t.end.is_some() => vec![call],
            _ => calls
                .iter()
                .copied()
                .filter(|&(k, _)| self.tokens[k - 1].text(src) == "range")
                .collect(),
        };
        for (open, close) in chosen {
            let args = call_arguments(src, self.tokens, open, close);
            let convertible: Vec<(usize, usize)> = args
                .into_iter()
                .filter(|&(a, b)| !(b - a == 1 && self.tokens[a].kind == Kind::Number))
                .collect();
            let conf = if convertible.len() == 1 {
                INT_ARGUMENT
            } else {
                INT_ARGUMENTS
            };
            for &arg in &convertible {
                if float {
                    self.floor_division(fixes, conf + FLOOR_DIVISION_BONUS, arg);
                }
                self.wrap(fixes, conf, arg, "int");
            }
            if convertible.len() > 1 {
                let edits: Vec<_> = convertible
                    .iter()
                    .filter_map(|&(a, b)| {
                        let text = self.wrapped((a, b), "int")?;
                        Some(edit(
                            self.t.file,
                            self.tokens[a].start,
                            self.tokens[b - 1].end,
                            &text,
                        ))
                    })
                    .collect();
                fixes.push(
                    INT_EVERY_ARGUMENT,
                    "convert every argument with `int(…)`",
                    edits,
                );
            }
        }
    }

    /// `[0] * (n / 2)`: the operand that is not the sequence becomes an int.
    fn sequence_repeat(&self, fixes: &mut Fixes<'_>, float: bool) {
        let Some((left, right)) = self.operands(&["*", "*="]) else {
            return;
        };
        let src = self.src();
        let is_sequence = |(a, b): (usize, usize)| {
            let first = self.tokens[a];
            first.kind == Kind::Str
                || (first.text(src) == "[" && matching_close(self.tokens, a) == Some(b - 1))
        };
        let mut sides: Vec<((usize, usize), f64)> = Vec::new();
        match left {
            Some(l) if is_sequence(l) => sides.push((right, INT_REPEAT_COUNT)),
            Some(l) if is_sequence(right) => sides.push((l, INT_REPEAT_COUNT)),
            Some(l) => {
                sides.push((right, INT_RIGHT_COUNT));
                sides.push((l, INT_LEFT_COUNT));
            }
            None => sides.push((right, INT_REPEAT_COUNT)),
        }
        for (side, conf) in sides {
            if float {
                self.floor_division(fixes, conf + FLOOR_DIVISION_BONUS, side);
            }
            self.wrap(fixes, conf, side, "int");
        }
    }

    /// `a[n / 2]`: `//` in the index, or `int(…)` around it.
    fn integer_index(&self, fixes: &mut Fixes<'_>, ty: &str) {
        let src = self.src();
        let subscripts: Vec<(usize, usize)> = (self.lo + 1..self.hi)
            .filter(|&k| self.tokens[k].text(src) == "[" && self.tokens[k - 1].ends_operand(src))
            .filter_map(|k| Some((k, matching_close(self.tokens, k).filter(|&c| c < self.hi)?)))
            .filter(|&(k, c)| c > k + 1)
            .collect();
        // With carets the span is the subscript itself, ending with its `]`.
        let chosen: Vec<(usize, usize)> = match subscripts.iter().find(|&&(_, c)| c + 1 == self.hi)
        {
            Some(&s) if self.t.end.is_some() => vec![s],
            _ => subscripts,
        };
        for (open, close) in chosen {
            let index = (open + 1, close);
            if self.tokens[open + 1..close]
                .iter()
                .any(|k| k.text(src) == ":")
            {
                continue;
            }
            match ty {
                "float" => {
                    self.floor_division(fixes, FLOOR_DIVISION_INDEX, index);
                    self.wrap(fixes, INT_INDEX, index, "int");
                }
                "str" => self.wrap(fixes, INT_STR_INDEX, index, "int"),
                _ => {}
            }
        }
    }

    /// `len(n)` of a number: the length of its digits, `len(str(n))`.
    fn length_of_number(&self, fixes: &mut Fixes<'_>) {
        let src = self.src();
        for k in self.lo..self.hi {
            if self.tokens[k].text(src) != "len"
                || self.tokens.get(k + 1).is_none_or(|n| n.text(src) != "(")
            {
                continue;
            }
            let Some(close) = matching_close(self.tokens, k + 1).filter(|&c| c < self.hi) else {
                continue;
            };
            if let [arg] = call_arguments(src, self.tokens, k + 1, close)[..] {
                self.wrap(fixes, LEN_OF_DIGITS, arg, "str");
            }
        }
    }

    /// `for i in n:` over an int: `range(n)`.
    fn range_over_number(&self, fixes: &mut Fixes<'_>) {
        let src = self.src();
        for k in self.lo..self.hi {
            if self.tokens[k].text(src) != "for" {
                continue;
            }
            // The loop variables, then `in`, at the `for`'s own level.
            let mut depth = 0i32;
            let Some(in_at) = (k + 1..self.hi).find(|&j| {
                match self.tokens[j].kind {
                    Kind::Open => depth += 1,
                    Kind::Close => depth -= 1,
                    _ => {}
                }
                depth == 0 && self.tokens[j].text(src) == "in"
            }) else {
                continue;
            };
            if let Some(iterable) = right_operand(src, self.tokens, in_at, self.hi, 0) {
                self.wrap(fixes, RANGE_OVER_NUMBER, iterable, "range");
            }
        }
    }
}

/// A short form of an expression for a description.
pub(crate) fn short(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 40 {
        let cut: String = one_line.chars().take(37).collect();
        format!("{cut}...")
    } else {
        one_line
    }
}

/// The `python.type-conversion` rule.
pub(crate) struct TypeConversion;

impl Rule for TypeConversion {
    const META: RuleMeta = RuleMeta::new("python.type-conversion", FixApplicability::Speculative)
        .language(TargetLanguage::Python);

    fn fixes(&self, error: &CodeError, program: &Program) -> Vec<Fix> {
        type_conversion(Self::META.id, error, program)
    }
}
