//! What the rules that write a missing function from its call share (Rust, Go): how sure the
//! written signature is, and the line a fix names it by.

use super::Evidence;

/// The confidences of a written function, by what its signature rests on.
pub(crate) struct DefinitionConfidence {
    /// Every parameter and the result come from the use.
    pub(crate) typed: f64,
    /// The parameters come from the use, the result from the function's name.
    pub(crate) named: f64,
    /// A parameter's or the result's type is a guess.
    pub(crate) guessed: f64,
}

impl DefinitionConfidence {
    /// The confidence of a signature whose parameters are all known (`params_known`) or not,
    /// and whose result comes `ret_from`.
    pub(crate) fn of(&self, params_known: bool, ret_from: Evidence) -> f64 {
        match (params_known, ret_from) {
            (false, _) | (_, Evidence::Guess) => self.guessed,
            (true, Evidence::Name) => self.named,
            (true, Evidence::Use) => self.typed,
        }
    }
}

/// The signature of a written function, as a fix names it: its first line without the `{`.
pub(crate) fn signature_line(def: &str) -> &str {
    def.lines().next().unwrap_or("").trim_end_matches(" {")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_weakest_evidence_decides() {
        let c = DefinitionConfidence {
            typed: 0.45,
            named: 0.4,
            guessed: 0.3,
        };
        assert_eq!(c.of(true, Evidence::Use), 0.45);
        assert_eq!(c.of(true, Evidence::Name), 0.4);
        assert_eq!(c.of(true, Evidence::Guess), 0.3);
        assert_eq!(c.of(false, Evidence::Use), 0.3);
        assert_eq!(c.of(false, Evidence::Name), 0.3);
    }

    #[test]
    fn the_signature_is_the_first_line_without_its_brace() {
        assert_eq!(
            signature_line("func mean(xs []int) float64 {\n\treturn 0\n}"),
            "func mean(xs []int) float64"
        );
        assert_eq!(signature_line("fn f() {}"), "fn f() {}");
        assert_eq!(signature_line(""), "");
    }
}
