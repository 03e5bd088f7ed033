//! Output of the commands that run programs or read corpora, for any front end that prints
//! like the `selfheal` command: `run`'s two streams, and a corpus's skipped lines.

use std::path::Path;

use crate::corpus::{Corpus, CorpusError};
use crate::terminal::{eprint_escaped, print_escaped};
use crate::validate::RunReport;

use super::Format;

/// What `selfheal run` prints in human format: the program's own stdout on stdout; the
/// errors, the program's stderr and the run's outcome on stderr.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunOutput {
    pub stdout: String,
    pub stderr: String,
}

impl RunOutput {
    /// The human output of `report`.
    pub fn human(report: &RunReport) -> RunOutput {
        let mut output = RunOutput::default();
        for error in &report.errors {
            output.stderr.push_str(&format!("{error}\n"));
        }
        if let Some(outcome) = &report.program {
            output.stdout.clone_from(&outcome.stdout);
            output.stderr.push_str(&outcome.stderr);
            output.stderr.push_str(&crate::render::run_outcome(outcome));
        }
        output
    }

    /// Prints `report` in `format`: the whole report as JSON (the program's output raw in
    /// it), or [`RunOutput::human`] with control characters escaped.
    ///
    /// # Errors
    /// Writing to stdout failed (a closed pipe, a full disk).
    pub fn print(report: &RunReport, format: Format) -> std::io::Result<()> {
        if format == Format::Json {
            return format.print(report, |_| String::new());
        }
        let output = RunOutput::human(report);
        eprint_escaped(&output.stderr);
        print_escaped(&output.stdout)
    }
}

/// The corpus at `path`, each malformed line a warning on stderr (`FILE:LINE: skipped: …`).
///
/// # Errors
/// As [`Corpus::read`]: the file cannot be read.
pub fn read_corpus_or_warn(path: &Path) -> Result<Corpus, CorpusError> {
    let corpus = Corpus::read(path)?;
    for m in &corpus.malformed {
        let (file, line) = (path.display(), m.line);
        eprint_escaped(&format!("{file}:{line}: skipped: {}\n", m.message));
    }
    Ok(corpus)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::types::{StepOutcome, TargetLanguage, Termination};

    #[test]
    fn the_programs_stdout_goes_to_stdout_its_stderr_and_the_outcome_to_stderr() {
        let outcome = StepOutcome {
            step: "run".into(),
            command: vec!["python3".into(), "main.py".into()],
            exit_code: Some(3),
            signal: None,
            termination: Termination::Exited,
            wall_time: Duration::from_millis(12),
            cpu_time: Duration::from_millis(7),
            peak_memory_bytes: 4096,
            stdout: "hello\n".into(),
            stderr: "oops\n".into(),
            stdout_truncated: false,
            stderr_truncated: false,
        };
        let report = RunReport {
            success: false,
            language: TargetLanguage::Python,
            program: Some(outcome),
            errors: Vec::new(),
            steps: Vec::new(),
        };
        let output = RunOutput::human(&report);
        assert_eq!(output.stdout, "hello\n");
        assert_eq!(
            output.stderr,
            "oops\nselfheal: Exited, exit code 3, 12 ms wall, 7 ms CPU, peak 4 KiB\n"
        );
        let unbuilt = RunReport {
            program: None,
            ..report
        };
        assert_eq!(RunOutput::human(&unbuilt), RunOutput::default());
    }

    #[test]
    fn a_corpus_keeps_its_good_lines_and_reports_the_malformed_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("corpus.jsonl");
        let good = r#"{"id":"a","language":"python","files":{"main.py":"x = 1\n"}}"#;
        std::fs::write(&path, format!("{good}\nnot json\n")).unwrap();
        let corpus = read_corpus_or_warn(&path).unwrap();
        assert_eq!(corpus.cases.len(), 1);
        assert_eq!(corpus.malformed.len(), 1);
        assert_eq!(corpus.malformed[0].line, 2);
        assert!(read_corpus_or_warn(&dir.path().join("missing.jsonl")).is_err());
    }
}
