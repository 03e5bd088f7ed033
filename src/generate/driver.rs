//! The generation loop: generate → heal → while the healed program still fails, regenerate
//! with the feedback (errors, the healed program, every earlier attempt and the fixes tried)
//! → heal, up to `max_generations`. [`GenerationReport`] holds every generation and every
//! repair.

use std::time::Instant;

use serde::{Deserialize, Serialize};
use tracing::Instrument;

use crate::generate::{GenerateError, GenerationHistory, Generator, PastAttempt, Spec, TokenUsage};
use crate::heal::{HealError, HealReport, Healer};
use crate::program::Program;
use crate::types::CodeError;

/// Generations when the caller does not say.
pub const DEFAULT_MAX_GENERATIONS: usize = 3;

/// One generation: what the generator produced and what healing made of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenerationRecord {
    /// 1-based.
    pub generation: usize,
    pub generator: String,
    /// The program as generated, before any repair.
    pub program_generated: Program,
    pub heal: HealReport,
    /// The healed program passes its tests and keeps to the spec's constraints.
    pub passed: bool,
    /// The errors the healed program still has, constraint violations included (empty when
    /// it passes).
    pub errors_after: Vec<CodeError>,
    /// Tokens this generation's request used.
    pub usage: TokenUsage,
    /// Generating and healing, in milliseconds.
    pub duration_ms: f64,
}

impl GenerationRecord {
    pub fn passed(&self) -> bool {
        self.passed
    }
}

/// Everything one `generate_and_heal_spec` did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenerationReport {
    pub spec: String,
    pub passed: bool,
    pub generations: Vec<GenerationRecord>,
    /// The passing program, or the healed program with the fewest errors (the latest among
    /// equals).
    pub program: Program,
    /// Tokens used over all generations.
    pub usage: TokenUsage,
    pub duration_ms: f64,
    /// Why the loop ended before passing (`None` when it passed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
}

impl GenerationReport {
    /// Fixes kept over all generations.
    pub fn repairs(&self) -> usize {
        self.generations.iter().map(|g| g.heal.repairs()).sum()
    }

    /// The errors the final program still has.
    pub fn errors(&self) -> &[CodeError] {
        self.generations
            .iter()
            .rev()
            .find(|g| g.heal.final_program == self.program)
            .map_or(&[], |g| g.errors_after.as_slice())
    }

    /// One block per generation, then the outcome.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        for g in &self.generations {
            out.push_str(&format!(
                "generation {} [{}]: {} after {} repair{} ({} validation{}, {:.0} ms)\n",
                g.generation,
                g.generator,
                if g.passed() { "passes" } else { "FAILS" },
                g.heal.repairs(),
                if g.heal.repairs() == 1 { "" } else { "s" },
                g.heal.validations,
                if g.heal.validations == 1 { "" } else { "s" },
                g.duration_ms
            ));
            for s in &g.heal.strategies_kept {
                out.push_str(&format!("  fix: {s}\n"));
            }
            for e in &g.errors_after {
                out.push_str(&format!("  remaining: {e}\n"));
            }
        }
        if self.passed {
            out.push_str(&format!(
                "{}: PASSED in {} generation{}",
                self.spec,
                self.generations.len(),
                if self.generations.len() == 1 { "" } else { "s" }
            ));
        } else {
            out.push_str(&format!(
                "{}: NOT passing after {} generation{}",
                self.spec,
                self.generations.len(),
                if self.generations.len() == 1 { "" } else { "s" }
            ));
            if let Some(why) = &self.stopped {
                out.push_str(&format!(" ({why})"));
            }
        }
        if self.usage.total_tokens > 0 {
            out.push_str(&format!(
                ", {} tokens ({} prompt, {} completion)",
                self.usage.total_tokens, self.usage.prompt_tokens, self.usage.completion_tokens
            ));
        }
        out.push_str(&format!(", {:.0} ms\n", self.duration_ms));
        out
    }
}

/// Why [`generate_and_heal`] produced no report at all. The library's front door turns it into
/// the matching `ApiError` variant.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    /// The first generation produced no program (later failures end the loop with a report).
    #[error(transparent)]
    Generate(#[from] GenerateError),
    /// A generated program could not be healed at all (validation could not run).
    #[error(transparent)]
    Heal(#[from] HealError),
}

/// Runs the loop. The first generation's failure to produce a program is an error; a later
/// one ends the loop with the best program so far.
///
/// # Errors
///
/// [`DriverError::Generate`] when the first generation yields no program (or one in another
/// language) or no generation yields one; [`DriverError::Heal`] when a heal cannot run.
pub async fn generate_and_heal(
    healer: &Healer,
    generator: &dyn Generator,
    spec: &Spec,
    max_generations: usize,
) -> Result<GenerationReport, DriverError> {
    let started = Instant::now();
    let max_generations = max_generations.max(1);
    let name = generator.name();
    let mut generations: Vec<GenerationRecord> = Vec::new();
    let mut history = GenerationHistory::default();
    let mut stopped = None;

    for n in 1..=max_generations {
        let span = tracing::info_span!(
            "generate",
            selfheal.generator = %name,
            selfheal.generation = n as i64,
            selfheal.spec = %spec.name,
            selfheal.language = %spec.language,
            selfheal.passed = tracing::field::Empty,
            selfheal.repairs = tracing::field::Empty,
            gen_ai.usage.input_tokens = tracing::field::Empty,
            gen_ai.usage.output_tokens = tracing::field::Empty,
        );
        let gen_started = Instant::now();
        let usage_before = generator.usage();
        let produced = async {
            match generations.last() {
                None => generator.generate(spec).await,
                Some(last) => {
                    // A failed heal's partial edits (placeholder bodies among them) are not the
                    // model's code: it gets back what it wrote and what was wrong with that;
                    // the history says what repair tried and what it left.
                    let (previous, errors) = if last.heal.healed {
                        (&last.heal.final_program, &last.errors_after)
                    } else {
                        (&last.program_generated, &last.heal.initial_errors)
                    };
                    generator.regenerate(spec, previous, errors, &history).await
                }
            }
        }
        .instrument(span.clone())
        .await;
        let program = match produced {
            Ok(p) => p,
            Err(e) if generations.is_empty() => return Err(e.into()),
            Err(e @ GenerateError::Reply(_)) if n < max_generations => {
                // A garbled reply costs a generation, not the run.
                tracing::warn!(parent: &span, "generation {n}: {e}");
                stopped = Some(format!("generation {n}: {e}"));
                continue;
            }
            Err(e) => {
                stopped = Some(format!("generation {n}: {e}"));
                break;
            }
        };
        if program.language() != spec.language {
            let e = GenerateError::Reply(format!(
                "the generator produced {} for a {} spec",
                program.language(),
                spec.language
            ));
            if generations.is_empty() {
                return Err(e.into());
            }
            stopped = Some(format!("generation {n}: {e}"));
            break;
        }
        if generations.iter().any(|g| g.program_generated == program) {
            stopped = Some(format!(
                "generation {n}: {name} produced a program it had already produced"
            ));
            break;
        }
        let heal = healer.heal(&program).instrument(span.clone()).await?;
        generator.observe(spec, &program, &heal);
        let mut errors_after = if heal.healed {
            Vec::new()
        } else {
            heal.final_errors.clone()
        };
        // Tests cannot see a forbidden dependency that happens to be installed.
        let violations = spec.dependency_violations(&heal.final_program);
        let passed = heal.healed && violations.is_empty();
        errors_after.extend(violations);
        span.record("selfheal.passed", passed);
        let usage = generator.usage() - usage_before;
        span.record("selfheal.repairs", heal.repairs() as i64);
        if usage.total_tokens > 0 {
            span.record("gen_ai.usage.input_tokens", usage.prompt_tokens as i64);
            span.record("gen_ai.usage.output_tokens", usage.completion_tokens as i64);
        }
        history.attempts.push(PastAttempt {
            generation: n,
            program: heal.final_program.clone(),
            errors: errors_after.clone(),
            fixes_tried: fixes_tried(&heal),
            generated_errors: heal.initial_errors.clone(),
        });
        generations.push(GenerationRecord {
            generation: n,
            generator: name.clone(),
            program_generated: program,
            heal,
            passed,
            errors_after,
            usage,
            duration_ms: gen_started.elapsed().as_secs_f64() * 1000.0,
        });
        if passed {
            stopped = None;
            break;
        }
    }

    let Some(best) = best_generation(&generations) else {
        return Err(GenerateError::Other(
            stopped.unwrap_or_else(|| "no generation produced a program".into()),
        )
        .into());
    };
    let program = best.heal.final_program.clone();
    let passed = best.passed();
    if !passed && stopped.is_none() {
        stopped = Some(format!("{max_generations} generations spent"));
    }
    let mut usage = TokenUsage::default();
    for g in &generations {
        usage += g.usage;
    }
    Ok(GenerationReport {
        spec: spec.name.clone(),
        passed,
        generations,
        program,
        usage,
        duration_ms: started.elapsed().as_secs_f64() * 1000.0,
        stopped,
    })
}

/// The passing generation, else the one with the fewest remaining errors (latest of equals).
fn best_generation(generations: &[GenerationRecord]) -> Option<&GenerationRecord> {
    if let Some(p) = generations.iter().find(|g| g.passed()) {
        return Some(p);
    }
    generations
        .iter()
        .rev()
        .min_by_key(|g| g.errors_after.len())
}

/// `"strategy: description"` of every distinct fix the heal tried.
fn fixes_tried(heal: &HealReport) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for a in &heal.attempts {
        let line = format!("{}: {}", a.strategy, a.description);
        if !out.contains(&line) {
            out.push(line);
        }
    }
    out
}
