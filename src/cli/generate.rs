//! `selfheal generate` and `selfheal prelude` (docs/generate.md).

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Subcommand, ValueEnum};
use selfheal::generate::{Prelude, Spec};
use selfheal::learn::Learner;
use selfheal::settings::GeneratorSettings;
use selfheal::writeback::{check_out_dir, write_program};
use selfheal::{SelfHealingGenerator, TargetLanguage};

use super::heal::BudgetArgs;
use super::render::{self, Format};
use super::{CacheArgs, Exit, GlobalArgs, UsageError};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum GeneratorKind {
    /// Render the spec's [implementation] through the language's templates.
    Template,
    /// Ask an OpenAI-compatible chat model.
    Openai,
}

#[derive(Args)]
pub struct GenerateArgs {
    /// The spec (TOML).
    spec: PathBuf,
    #[arg(long, value_enum, default_value_t = GeneratorKind::Template)]
    generator: GeneratorKind,
    /// The model (`--generator openai`).
    #[arg(long, value_name = "M")]
    model: Option<String>,
    /// The API's base URL (`--generator openai`), e.g. http://localhost:11434/v1.
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// The environment variable holding the API key (`--generator openai`).
    #[arg(long, value_name = "VAR")]
    api_key_env: Option<String>,
    /// A directory of templates (`<language>/*.j2`) replacing the built-in ones.
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
    /// Heals that must insert the same header line before the template prelude learns it.
    #[arg(long, value_name = "N", default_value_t = selfheal::generate::prelude::DEFAULT_THRESHOLD)]
    prelude_threshold: u32,
    /// Generations at most (each healed; later ones get the errors and fixes tried).
    #[arg(long, value_name = "N", default_value_t = 3)]
    max_generations: usize,
    /// Write the final program here (an empty or new directory, unless --force).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Write into --out even when it is not empty (files of the program are overwritten).
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    budget: BudgetArgs,
    /// Where the learner, the prelude and the outcomes live (default: $XDG_DATA_HOME/selfheal).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(flatten)]
    cache: CacheArgs,
}

#[derive(Args)]
pub struct PreludeCommand {
    #[command(subcommand)]
    action: PreludeAction,
    /// The data dir holding it (default: $XDG_DATA_HOME/selfheal).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
enum PreludeAction {
    /// The learned lines and the candidates, per language.
    Show,
    /// Forget what was learned for LANG (every language when none is given).
    Reset { lang: Option<TargetLanguage> },
}

pub async fn generate(global: &GlobalArgs, args: GenerateArgs) -> Exit {
    let spec = Spec::load(&args.spec)?;
    if args.max_generations == 0 {
        return Err(UsageError("--max-generations 0: give at least 1".into()));
    }
    if let Some(out) = &args.out {
        check_out_dir(out, args.force).map_err(|e| UsageError(format!("--out {e}")))?;
    }
    let config = args.budget.config(None)?;
    let data_dir = (args.data_dir.clone()).unwrap_or_else(selfheal::dirs::default_data_dir);
    // The model generator learns from (and takes lessons out of) the healer's learner.
    let learner = Arc::new(Learner::open(&data_dir));
    let generator = GeneratorSettings {
        openai: args.generator == GeneratorKind::Openai,
        model: args.model,
        base_url: args.base_url,
        api_key_env: args.api_key_env,
        templates: args.templates,
        prelude_threshold: args.prelude_threshold,
    };
    let generator = generator.generator(&data_dir, learner.clone())?;
    let healer = SelfHealingGenerator::builder()
        .validator(
            global
                .dirs()
                .cached_validator(args.cache.bound(), Some(&data_dir))?,
        )
        .data_dir(&data_dir)
        .learner(learner)
        .generator(generator)
        .max_generations(args.max_generations)
        .heal_config(config)
        .build()?;
    let report = healer.generate_and_heal_spec(&spec).await?;
    let written = match &args.out {
        Some(out) => write_program(out, &report.program)?,
        None => Vec::new(),
    };
    if global.format == Format::Json {
        let mut value = serde_json::to_value(&report)?;
        if let Some(map) = value.as_object_mut() {
            map.insert("written".into(), serde_json::to_value(&written)?);
        }
        render::json(&value)?;
    } else {
        let text = selfheal::render::generation(&report, &written, args.out.is_some());
        render::out(&text)?;
    }
    Ok(if report.passed { 0 } else { 1 })
}

pub fn prelude(global: &GlobalArgs, args: PreludeCommand) -> Exit {
    let data_dir = (args.data_dir).unwrap_or_else(selfheal::dirs::default_data_dir);
    let prelude = Prelude::open(&data_dir);
    match args.action {
        PreludeAction::Show => render::either(global.format, &prelude.snapshot(), |s| {
            selfheal::render::prelude(s, prelude.threshold())
        })?,
        PreludeAction::Reset { lang } => {
            let dropped = prelude.reset(lang)?;
            let which = lang.map_or("every language".to_string(), |l| l.to_string());
            let value = serde_json::json!({ "reset": which, "lines_dropped": dropped });
            render::either(global.format, &value, |_| {
                format!("prelude reset for {which}: {dropped} learned line(s) dropped\n")
            })?;
        }
    }
    Ok(0)
}
