//! One lexer for the four languages: tokens with comments and string literals told apart,
//! delimiter matching and operator precedence.

use crate::types::TargetLanguage;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Ident,
    Number,
    /// Any string-like literal: strings, chars, template literals, regex literals.
    Str,
    Comment,
    Punct,
    Open,
    Close,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
    /// False for a string or block comment that runs to the end of its line or file.
    pub terminated: bool,
}

impl Token {
    pub(crate) fn text<'a>(&self, src: &'a str) -> &'a str {
        &src[self.start..self.end]
    }

    /// Whether the token can end an operand (`x`, `1`, `"s"`, `)`).
    pub(crate) fn ends_operand(&self, src: &str) -> bool {
        match self.kind {
            Kind::Number | Kind::Str | Kind::Close => true,
            Kind::Ident => !is_keyword_operator(self.text(src)),
            _ => false,
        }
    }

    /// Whether the token can start an operand.
    pub(crate) fn starts_operand(&self, src: &str) -> bool {
        match self.kind {
            Kind::Number | Kind::Str | Kind::Open => true,
            Kind::Ident => !is_keyword_operator(self.text(src)),
            _ => false,
        }
    }
}

/// Words that join operands rather than being one.
pub(crate) fn is_keyword_operator(word: &str) -> bool {
    matches!(
        word,
        "and"
            | "or"
            | "not"
            | "in"
            | "is"
            | "if"
            | "else"
            | "for"
            | "instanceof"
            | "of"
            | "as"
            | "from"
            | "return"
            | "lambda"
            | "typeof"
            | "new"
            | "await"
            | "yield"
            | "async"
            | "let"
            | "const"
            | "var"
            | "def"
            | "class"
            | "elif"
            | "while"
            | "with"
            | "import"
            | "case"
            | "func"
            | "fn"
            | "mut"
            | "pub"
            | "where"
            | "go"
            | "defer"
            | "match"
    )
}

pub(crate) const OPERATORS: &[&str] = &[
    ">>>=", "===", "!==", "...", "**=", "//=", ">>=", "<<=", ">>>", "&&=", "||=", "??=", "..=",
    "=>", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "&&", "||", "??",
    "?.", "::", ":=", "->", "**", "//", "<<", ">>", "++", "--", "<-", "..",
];

pub(crate) fn ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b'$' || b >= 0x80
}

pub(crate) fn ident_continue(b: u8) -> bool {
    ident_start(b) || b.is_ascii_digit()
}

/// Tokens of `src` for `lang`. Never fails: unknown bytes become one-byte punctuation.
pub(crate) fn lex(lang: TargetLanguage, src: &str) -> Vec<Token> {
    let b = src.as_bytes();
    let n = b.len();
    let mut out: Vec<Token> = Vec::new();
    let mut i = 0;
    let tok = |kind, start, end, terminated| Token {
        kind,
        start,
        end,
        terminated,
    };
    while i < n {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        // Comments.
        if lang == TargetLanguage::Python && c == b'#' {
            let end = line_end(b, i);
            out.push(tok(Kind::Comment, start, end, true));
            i = end;
            continue;
        }
        if lang != TargetLanguage::Python && c == b'/' && i + 1 < n && b[i + 1] == b'/' {
            let end = line_end(b, i);
            out.push(tok(Kind::Comment, start, end, true));
            i = end;
            continue;
        }
        if lang != TargetLanguage::Python && c == b'/' && i + 1 < n && b[i + 1] == b'*' {
            let (end, terminated) = block_comment(b, i, lang == TargetLanguage::Rust);
            out.push(tok(Kind::Comment, start, end, terminated));
            i = end;
            continue;
        }
        // Identifiers, with string prefixes where the language has them.
        if ident_start(c) {
            let mut j = i + 1;
            while j < n && ident_continue(b[j]) {
                j += 1;
            }
            let word = &src[i..j];
            if j < n {
                let q = b[j];
                let lower = word.to_ascii_lowercase();
                if lang == TargetLanguage::Python
                    && (q == b'\'' || q == b'"')
                    && matches!(
                        lower.as_str(),
                        "r" | "b" | "f" | "u" | "rb" | "br" | "fr" | "rf"
                    )
                {
                    let (end, terminated) = python_string(b, j);
                    out.push(tok(Kind::Str, start, end, terminated));
                    i = end;
                    continue;
                }
                if lang == TargetLanguage::Rust
                    && matches!(word, "r" | "br" | "cr")
                    && (q == b'"' || q == b'#')
                {
                    if let Some((end, terminated)) = rust_raw_string(b, j) {
                        out.push(tok(Kind::Str, start, end, terminated));
                        i = end;
                        continue;
                    }
                }
                if lang == TargetLanguage::Rust
                    && matches!(word, "b" | "c")
                    && (q == b'"' || q == b'\'')
                {
                    let (end, terminated) = quoted_literal(b, j, q, true);
                    out.push(tok(Kind::Str, start, end, terminated));
                    i = end;
                    continue;
                }
            }
            out.push(tok(Kind::Ident, start, j, true));
            i = j;
            continue;
        }
        if c.is_ascii_digit() || (c == b'.' && i + 1 < n && b[i + 1].is_ascii_digit()) {
            let mut j = i + 1;
            while j < n {
                let d = b[j];
                let exponent_sign = (d == b'+' || d == b'-')
                    && matches!(b[j - 1], b'e' | b'E')
                    && !src[i..j].starts_with("0x");
                let fraction = d == b'.' && j + 1 < n && b[j + 1].is_ascii_digit();
                if d.is_ascii_alphanumeric() || d == b'_' || fraction || exponent_sign {
                    j += 1;
                } else {
                    break;
                }
            }
            out.push(tok(Kind::Number, start, j, true));
            i = j;
            continue;
        }
        // Strings and characters: where a string-like literal starting here ends, and whether
        // it is terminated.
        let literal = match (lang, c) {
            (TargetLanguage::Python, b'\'' | b'"') => Some(python_string(b, i)),
            (TargetLanguage::JavaScript, b'\'' | b'"') | (TargetLanguage::Go, b'"' | b'\'') => {
                Some(quoted_literal(b, i, c, false))
            }
            (TargetLanguage::Rust, b'"') => Some(quoted_literal(b, i, c, true)),
            (TargetLanguage::Rust, b'\'') => match rust_char(src, i) {
                Some(end) => Some((end, true)),
                None => {
                    // A lifetime or label: `'a`.
                    let mut j = i + 1;
                    while j < n && ident_continue(b[j]) {
                        j += 1;
                    }
                    out.push(tok(Kind::Ident, start, j, true));
                    i = j;
                    continue;
                }
            },
            (TargetLanguage::Go, b'`') => {
                let end = src[i + 1..].find('`').map(|k| i + 1 + k + 1);
                Some((end.unwrap_or(n), end.is_some()))
            }
            (TargetLanguage::JavaScript, b'`') => Some(template_literal(b, i)),
            (TargetLanguage::JavaScript, b'/') if regex_allowed(src, out.last()) => {
                Some(regex_literal(b, i))
            }
            _ => None,
        };
        if let Some((end, terminated)) = literal {
            out.push(tok(Kind::Str, start, end, terminated));
            i = end;
            continue;
        }
        match c {
            b'(' | b'[' | b'{' => out.push(tok(Kind::Open, start, i + 1, true)),
            b')' | b']' | b'}' => out.push(tok(Kind::Close, start, i + 1, true)),
            _ => {
                let len = OPERATORS
                    .iter()
                    .find(|op| src[i..].starts_with(**op))
                    .map_or_else(
                        || src[i..].chars().next().map_or(1, char::len_utf8),
                        |op| op.len(),
                    );
                out.push(tok(Kind::Punct, start, i + len, true));
                i += len;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// Offset of the end of the line holding `i` (before `\r\n` or `\n`).
pub(crate) fn line_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i] != b'\n' {
        i += 1;
    }
    if i > 0 && b[i - 1] == b'\r' {
        i - 1
    } else {
        i
    }
}

pub(crate) fn block_comment(b: &[u8], i: usize, nested: bool) -> (usize, bool) {
    let mut depth = 0usize;
    let mut j = i;
    while j + 1 < b.len() {
        if b[j] == b'/' && b[j + 1] == b'*' {
            depth = if nested || depth == 0 {
                depth + 1
            } else {
                depth
            };
            j += 2;
        } else if b[j] == b'*' && b[j + 1] == b'/' {
            depth -= 1;
            j += 2;
            if depth == 0 {
                return (j, true);
            }
        } else {
            j += 1;
        }
    }
    (b.len(), false)
}

/// A quoted literal that ends at the matching quote; at a newline unless `multiline`.
pub(crate) fn quoted_literal(b: &[u8], i: usize, quote: u8, multiline: bool) -> (usize, bool) {
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'\n' if !multiline => return (line_end(b, j), false),
            c if c == quote => return (j + 1, true),
            _ => j += 1,
        }
    }
    (b.len(), false)
}

/// A Python string from its quote at `i` (raw strings too: a backslash still keeps the next
/// quote inside them).
pub(crate) fn python_string(b: &[u8], i: usize) -> (usize, bool) {
    let q = b[i];
    if i + 2 < b.len() && b[i + 1] == q && b[i + 2] == q {
        let mut j = i + 3;
        while j < b.len() {
            if b[j] == b'\\' {
                j += 2;
                continue;
            }
            if b[j] == q && j + 2 < b.len() && b[j + 1] == q && b[j + 2] == q {
                return (j + 3, true);
            }
            j += 1;
        }
        return (b.len(), false);
    }
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'\n' => return (if b[j - 1] == b'\r' { j - 1 } else { j }, false),
            c if c == q => return (j + 1, true),
            _ => j += 1,
        }
    }
    (b.len(), false)
}

pub(crate) fn rust_raw_string(b: &[u8], mut j: usize) -> Option<(usize, bool)> {
    let mut hashes = 0;
    while j < b.len() && b[j] == b'#' {
        hashes += 1;
        j += 1;
    }
    if j >= b.len() || b[j] != b'"' {
        return None;
    }
    j += 1;
    while j < b.len() {
        if b[j] == b'"'
            && b[j + 1..]
                .iter()
                .take(hashes)
                .filter(|c| **c == b'#')
                .count()
                == hashes
            && b.len() >= j + 1 + hashes
        {
            return Some((j + 1 + hashes, true));
        }
        j += 1;
    }
    Some((b.len(), false))
}

pub(crate) fn rust_char(src: &str, i: usize) -> Option<usize> {
    let rest = &src[i + 1..];
    let mut chars = rest.char_indices();
    let (_, c) = chars.next()?;
    if c == '\\' {
        // An escape: find the closing quote within a few characters on this line.
        let close = rest[1..].find(['\'', '\n'])? + 1;
        return (rest.as_bytes()[close] == b'\'' && close <= 10).then_some(i + 1 + close + 1);
    }
    if c == '\'' || c == '\n' {
        return None;
    }
    let (k, next) = chars.next()?;
    (next == '\'').then_some(i + 1 + k + 1)
}

pub(crate) fn template_literal(b: &[u8], i: usize) -> (usize, bool) {
    let mut j = i + 1;
    let mut depth = 0usize;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'`' if depth == 0 => return (j + 1, true),
            b'$' if depth == 0 && b.get(j + 1) == Some(&b'{') => {
                depth = 1;
                j += 2;
            }
            b'{' if depth > 0 => {
                depth += 1;
                j += 1;
            }
            b'}' if depth > 0 => {
                depth -= 1;
                j += 1;
            }
            q @ (b'\'' | b'"') if depth > 0 => j = quoted_literal(b, j, q, false).0,
            b'`' => j = template_literal(b, j).0,
            _ => j += 1,
        }
    }
    (b.len(), false)
}

pub(crate) fn regex_allowed(src: &str, prev: Option<&Token>) -> bool {
    match prev {
        None => true,
        Some(t) => match t.kind {
            Kind::Number | Kind::Str | Kind::Close => false,
            Kind::Ident => matches!(
                t.text(src),
                "return"
                    | "typeof"
                    | "case"
                    | "do"
                    | "else"
                    | "in"
                    | "of"
                    | "new"
                    | "delete"
                    | "void"
                    | "throw"
                    | "yield"
                    | "await"
                    | "instanceof"
            ),
            Kind::Punct => !matches!(t.text(src), "++" | "--"),
            Kind::Open | Kind::Comment => true,
        },
    }
}

pub(crate) fn regex_literal(b: &[u8], i: usize) -> (usize, bool) {
    let mut j = i + 1;
    let mut class = false;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'\n' => return (j, false),
            b'[' => {
                class = true;
                j += 1;
            }
            b']' => {
                class = false;
                j += 1;
            }
            b'/' if !class => {
                j += 1;
                while j < b.len() && ident_continue(b[j]) {
                    j += 1;
                }
                return (j, true);
            }
            _ => j += 1,
        }
    }
    (b.len(), false)
}

/// Tokens without comments.
pub(crate) fn code_tokens(lang: TargetLanguage, src: &str) -> Vec<Token> {
    lex(lang, src)
        .into_iter()
        .filter(|t| t.kind != Kind::Comment)
        .collect()
}

/// Index of the first token that ends after `offset`.
pub(crate) fn token_at(tokens: &[Token], offset: usize) -> usize {
    tokens.partition_point(|t| t.end <= offset)
}

/// The byte index in `s` of the `close` that matches the `open` starting `s` (nested pairs
/// skipped; no lexing: for type text such as `map[K]V` or `(int, error)`); `None` when `s`
/// does not start with `open` or it never closes.
pub(crate) fn matching_char(s: &str, open: char, close: char) -> Option<usize> {
    if !s.starts_with(open) {
        return None;
    }
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        if c == open {
            depth += 1;
        } else if c == close {
            depth = depth.checked_sub(1)?;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// Index of the closer matching the opener at token `open`.
pub(crate) fn matching_close(tokens: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (k, t) in tokens.iter().enumerate().skip(open) {
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(k);
                }
            }
            _ => {}
        }
    }
    None
}

/// Whether every delimiter in `src` is matched (strings and comments skipped).
pub(crate) fn balanced(lang: TargetLanguage, src: &str) -> bool {
    imbalances(src, &code_tokens(lang, src)).is_empty()
}

pub(crate) fn closer_for(open: &str) -> &'static str {
    match open {
        "(" => ")",
        "[" => "]",
        _ => "}",
    }
}

pub(crate) fn opener_for(close: &str) -> &'static str {
    match close {
        ")" => "(",
        "]" => "[",
        _ => "{",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Imbalance {
    /// `open` was closed by the wrong closer `close`.
    Mismatch { open: usize, close: usize },
    /// `open` is never closed.
    Unclosed { open: usize },
    /// `close` closes nothing.
    Stray { close: usize },
}

/// Unbalanced delimiters, in source order (token indexes).
pub(crate) fn imbalances(src: &str, tokens: &[Token]) -> Vec<Imbalance> {
    let mut stack: Vec<usize> = Vec::new();
    let mut found = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        match t.kind {
            Kind::Open => stack.push(i),
            Kind::Close => {
                let want = opener_for(t.text(src));
                match stack.last() {
                    Some(&top) if tokens[top].text(src) == want => {
                        stack.pop();
                    }
                    Some(&top) => {
                        found.push(Imbalance::Mismatch {
                            open: top,
                            close: i,
                        });
                        // Recover: if a deeper opener matches, the ones above it are unclosed;
                        // otherwise this closer is the stray one.
                        if let Some(k) = stack.iter().rposition(|&o| tokens[o].text(src) == want) {
                            stack.truncate(k);
                        }
                    }
                    None => found.push(Imbalance::Stray { close: i }),
                }
            }
            _ => {}
        }
    }
    found.extend(stack.into_iter().map(|open| Imbalance::Unclosed { open }));
    found
}

/// How tightly a binary operator binds (higher binds tighter); None for anything else.
pub(crate) fn precedence(op: &str) -> Option<u8> {
    Some(match op {
        "||" | "or" | "??" => 1,
        "&&" | "and" => 2,
        "|" => 3,
        "^" => 4,
        "&" => 5,
        "==" | "!=" | "===" | "!==" => 6,
        "<" | ">" | "<=" | ">=" | "in" | "instanceof" | "is" => 7,
        "<<" | ">>" | ">>>" => 8,
        "+" | "-" => 9,
        "*" | "/" | "%" | "//" | "@" => 10,
        "**" => 11,
        _ => return None,
    })
}

/// `=` and the augmented assignments (`+=`, `//=`…), not comparisons or `=>`.
pub(crate) fn is_assignment(op: &str) -> bool {
    op == "="
        || (op.len() >= 2
            && op.ends_with('=')
            && !matches!(op, "==" | "!=" | "<=" | ">=" | "===" | "!==" | "=>"))
}

/// The innermost delimiter open at token `i`, if any.
pub(crate) fn enclosing_open<'s>(src: &'s str, tokens: &[Token], i: usize) -> Option<&'s str> {
    let mut depth = 0i32;
    for t in tokens[..i.min(tokens.len())].iter().rev() {
        match t.kind {
            Kind::Close => depth += 1,
            Kind::Open if depth == 0 => return Some(t.text(src)),
            Kind::Open => depth -= 1,
            _ => {}
        }
    }
    None
}
