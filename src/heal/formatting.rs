//! The last step of a heal that passes: the lines it wrote formatted by the language's own
//! formatter (`crate::format`), and the formatted program validated again. A formatter must not
//! change a verdict: when the formatted program does not pass, the heal is returned as the
//! fixes left it, and the report says why.

use std::time::Instant;

use super::{unified_diff, HealReport, Healer};
use crate::format::{FormatReport, FormatStatus};
use crate::program::Program;
use crate::validate::Expect;

impl Healer {
    /// Formats `report.final_program` when the heal wrote something and passed; records what
    /// happened in `report.format`.
    pub(super) async fn format_final(
        &self,
        original: &Program,
        expect: Expect,
        report: &mut HealReport,
    ) {
        if !self.format || !report.healed || report.initially_passing {
            return;
        }
        let started = Instant::now();
        let outcome = self.checker.format(original, &report.final_program).await;
        let mut format: FormatReport = outcome.report;
        if let Some(program) = outcome.program {
            let revalidated = Instant::now();
            let verdict = self.validate(&program, expect).await;
            // A validation like any other: it takes a sandbox (or a cached verdict).
            report.validations += 1;
            format.revalidation_ms = revalidated.elapsed().as_secs_f64() * 1000.0;
            match verdict {
                Ok(result) if result.passed => {
                    report.diff = unified_diff(original, &program);
                    report.final_program = program;
                }
                Ok(result) => {
                    let first = result
                        .errors
                        .first()
                        .map_or_else(String::new, |e| format!(": {e}"));
                    format.skip(format!(
                        "the formatted program does not pass ({} error{}{first}); returned \
                         unformatted",
                        result.errors.len(),
                        if result.errors.len() == 1 { "" } else { "s" },
                    ));
                }
                Err(e) => format.skip(format!(
                    "the formatted program could not be validated again ({e}); returned \
                     unformatted"
                )),
            }
        }
        debug_assert!(format.status != FormatStatus::Skipped || format.reason.is_some());
        report.duration_ms += started.elapsed().as_secs_f64() * 1000.0;
        report.format = Some(format);
    }
}
