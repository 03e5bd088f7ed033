//! `eval` as the command runs it: results written as each case ends, progress on stderr.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use crate::eval::CaseResult;

use super::SettingsError;

/// `--out RESULTS.jsonl` of `eval`: one JSON line per case, flushed as each case ends, so that
/// an interrupted run keeps what it finished. A write error is kept, and reported by
/// [`ResultsFile::finish`], without stopping the run.
#[derive(Debug)]
pub struct ResultsFile {
    out: std::io::BufWriter<std::fs::File>,
    error: Option<std::io::Error>,
}

impl ResultsFile {
    /// Creates (or truncates) `path`.
    ///
    /// # Errors
    /// The file cannot be created.
    pub fn create(path: &Path) -> Result<ResultsFile, SettingsError> {
        let file = std::fs::File::create(path)
            .map_err(|e| SettingsError(format!("--out {}: cannot create: {e}", path.display())))?;
        Ok(ResultsFile {
            out: std::io::BufWriter::new(file),
            error: None,
        })
    }

    /// Appends `result` as one line.
    pub fn write(&mut self, result: &CaseResult) {
        let line = serde_json::to_string(result)
            .map_err(std::io::Error::other)
            .and_then(|line| writeln!(self.out, "{line}").and_then(|()| self.out.flush()));
        if let Err(e) = line {
            self.error.get_or_insert(e);
        }
    }

    /// # Errors
    /// The first write that failed.
    pub fn finish(self) -> Result<(), SettingsError> {
        match self.error {
            Some(e) => Err(SettingsError(format!("--out: cannot write results: {e}"))),
            None => Ok(()),
        }
    }
}

/// `eval` as the command runs it: [`crate::eval::run`] over `cases`, with a progress bar on
/// stderr when stderr is a terminal (cases done, how many healed), each case whose heal failed
/// named on stderr, every outcome recorded in the health metrics of `data_dir` (`selfheal
/// stats`; none without a data dir) and every result appended to the file `out`
/// ([`ResultsFile`]).
///
/// # Errors
/// `out` cannot be created, or a result line could not be written to it (the run itself goes
/// on to the end).
pub async fn eval_with_progress(
    cases: Vec<crate::corpus::HealCase>,
    healer: Arc<crate::heal::Healer>,
    options: &crate::eval::EvalOptions,
    out: Option<&Path>,
    data_dir: Option<&Path>,
) -> Result<Vec<CaseResult>, SettingsError> {
    let mut out = out.map(ResultsFile::create).transpose()?;
    let outcomes = data_dir.map(|d| crate::api::OutcomeLog::open(Some(d)));
    use std::io::IsTerminal;
    let bar = match std::io::stderr().is_terminal() {
        true => indicatif::ProgressBar::new(cases.len() as u64),
        false => indicatif::ProgressBar::hidden(),
    };
    let style = "{bar:40} {pos}/{len} healed {msg} [{elapsed_precise} eta {eta}]";
    bar.set_style(
        indicatif::ProgressStyle::with_template(style)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut healed = 0usize;
    let results = crate::eval::run(cases, healer, options, |result| {
        healed += usize::from(result.repaired());
        bar.set_message(healed.to_string());
        bar.inc(1);
        if let Some(error) = &result.error {
            let line = format!("case {}: heal failed: {error}\n", result.id);
            bar.suspend(|| crate::terminal::eprint_escaped(&line));
        }
        let outcome = crate::api::Outcome::from_case(result);
        if let (Some(log), Some(outcome)) = (&outcomes, outcome) {
            log.record(outcome);
        }
        if let Some(out) = out.as_mut() {
            out.write(result);
        }
    })
    .await;
    bar.finish_and_clear();
    out.map(ResultsFile::finish).transpose()?;
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_file_writes_one_line_per_case_and_names_a_bad_path() {
        let dir = tempfile::tempdir().unwrap();
        let case: CaseResult = serde_json::from_value(serde_json::json!({
            "id": "c1", "language": "python", "healed": true, "initially_passing": false,
            "attempts": 2, "rounds": 1, "validations": 3, "duration_ms": 1.5,
            "initial_error_categories": ["Syntax"], "strategies_kept": ["s"], "meta": {}
        }))
        .unwrap();
        let path = dir.path().join("out.jsonl");
        let mut out = ResultsFile::create(&path).unwrap();
        out.write(&case);
        out.write(&case);
        out.finish().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<CaseResult> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines, vec![case.clone(), case]);
        let bad = dir.path().join("no/such/dir/out.jsonl");
        let message = ResultsFile::create(&bad).unwrap_err().0;
        assert!(
            message.starts_with(&format!("--out {}: cannot create: ", bad.display())),
            "{message}"
        );
    }
}
