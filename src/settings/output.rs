//! How a front end prints a report (`--format`): JSON as serde writes it (strings escaped by
//! JSON itself), or human text with every control character made visible
//! ([`crate::terminal`]), so that nothing a program prints can rewrite the report on a
//! terminal.

use std::io::Write;

/// The output format of a report (`--format`): `Human` (the default), text for people with
/// control characters escaped, or `Json`, one pretty-printed document and a newline.
// The variants have no doc comments: clap would print them in `--help` as long help.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    #[default]
    Human,
    Json,
}

impl Format {
    /// Writes `value` to `out` as pretty JSON, or the human text `human` builds with its
    /// control characters escaped.
    ///
    /// # Errors
    /// `out` refuses the bytes, or `value` does not serialize.
    pub fn write<T: serde::Serialize>(
        self,
        out: &mut impl Write,
        value: &T,
        human: impl FnOnce(&T) -> String,
    ) -> std::io::Result<()> {
        match self {
            Format::Json => {
                serde_json::to_writer_pretty(&mut *out, value)?;
                writeln!(out)
            }
            Format::Human => {
                out.write_all(crate::terminal::escape_controls(&human(value)).as_bytes())?;
                out.flush()
            }
        }
    }

    /// [`Format::write`] to this process's stdout.
    ///
    /// # Errors
    /// As [`Format::write`].
    pub fn print<T: serde::Serialize>(
        self,
        value: &T,
        human: impl FnOnce(&T) -> String,
    ) -> std::io::Result<()> {
        self.write(&mut std::io::stdout().lock(), value, human)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_pretty_and_human_text_is_escaped() {
        let value = serde_json::json!({ "a": "\u{1b}[2J" });
        let mut json = Vec::new();
        Format::Json
            .write(&mut json, &value, |_| unreachable!())
            .unwrap();
        assert_eq!(
            String::from_utf8(json).unwrap(),
            "{\n  \"a\": \"\\u001b[2J\"\n}\n"
        );
        let mut human = Vec::new();
        (Format::Human.write(&mut human, &value, |v| {
            format!("{}\n", v["a"].as_str().unwrap())
        }))
        .unwrap();
        let text = String::from_utf8(human).unwrap();
        assert!(!text.contains('\u{1b}'), "{text:?}");
        assert!(text.ends_with("[2J\n"), "{text:?}");
    }
}
