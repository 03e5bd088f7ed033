//! Text that is safe to print on a terminal.
//!
//! Program output and error messages come from untrusted programs: raw escape sequences could
//! move the cursor, erase lines or hide text, so that a report shows `passed` where it said
//! `FAILED`. [`escape_controls`] makes every control character visible instead.

use std::borrow::Cow;
use std::fmt::Write;

/// `text` with every control character but newline and tab shown as a visible escape:
/// carriage return as `\r`, the other C0 controls and DEL as `\xNN` (ESC is `\x1b`), C1
/// controls and the Unicode bidirectional-formatting characters (which can reorder what a
/// line appears to say) as `\u{NNNN}`. Borrowed unchanged when there is nothing to escape.
/// Backslashes are left alone, so ordinary text (paths, regexes, source) prints as it is.
///
/// ```
/// use selfheal::terminal::escape_controls;
/// assert_eq!(escape_controls("ok\n\tnext"), "ok\n\tnext");
/// assert_eq!(escape_controls("\x1b[2K\rPASS"), "\\x1b[2K\\rPASS");
/// ```
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if !needs_escape(c) {
            out.push(c);
        } else if c == '\r' {
            out.push_str("\\r");
        } else if (c as u32) < 0x80 {
            let _ = write!(out, "\\x{:02x}", c as u32);
        } else {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    match c {
        '\n' | '\t' => false,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        // Bidirectional formatting: ALM, LRM, RLM, LRE..RLO, LRI..PDI.
        '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
            true
        }
        _ => false,
    }
}

/// Prints `text` on stdout with every control character escaped ([`escape_controls`]).
///
/// # Errors
/// Writing to stdout failed (a closed pipe, a full disk).
pub fn print_escaped(text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    std::io::stdout()
        .lock()
        .write_all(escape_controls(text).as_bytes())
}

/// Prints `text` on stderr with every control character escaped; a failed write is ignored
/// (there is nowhere left to report it).
pub fn eprint_escaped(text: &str) {
    use std::io::Write as _;
    let _ = std::io::stderr()
        .lock()
        .write_all(escape_controls(text).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        let text = "error[E0425]: cannot find value `x`\n\tat C:\\path\\a.rs — ünïcode ✓";
        assert!(matches!(escape_controls(text), Cow::Borrowed(t) if t == text));
    }

    #[test]
    fn every_control_but_newline_and_tab_becomes_visible() {
        assert_eq!(
            escape_controls("a\x1b[2K\rPASS\x08\x07\0\x7f"),
            "a\\x1b[2K\\rPASS\\x08\\x07\\x00\\x7f"
        );
        assert_eq!(escape_controls("\u{9b}31m\u{85}"), "\\u{9b}31m\\u{85}");
        assert_eq!(
            escape_controls("ok \u{202e}deliaf\u{2066}"),
            "ok \\u{202e}deliaf\\u{2066}"
        );
    }

    #[test]
    fn the_result_has_no_control_characters_left() {
        let all: String = (0u32..0x300).filter_map(char::from_u32).collect();
        let escaped = escape_controls(&all);
        assert!(escaped
            .chars()
            .all(|c| c == '\n' || c == '\t' || !needs_escape(c)));
    }
}
