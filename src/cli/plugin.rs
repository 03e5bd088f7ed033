//! `--plugins DIR` and `selfheal plugin list|check|run` (docs/plugins.md).

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Subcommand};
use selfheal::plugin::{PluginHost, PluginHostConfig, PluginSet};
use selfheal::render::PluginRow;
use selfheal::validate::Validator;
use selfheal::{Program, TargetLanguage};

use super::render::{self, Format};
use super::{config, Exit, GlobalArgs, UsageError};

/// `--plugins DIR` of the commands that validate or heal.
#[derive(Args, Clone)]
pub struct PluginArgs {
    /// Load the WebAssembly plugins (`*.wasm`) of DIR: fix strategies join the built-in ones
    /// (as `plugin.<name>`), validators parse every command's output too.
    #[arg(long, value_name = "DIR")]
    plugins: Option<PathBuf>,
}

impl PluginArgs {
    /// The plugins of `--plugins` (none without it). A file that does not load is a warning;
    /// an unreadable directory is an error.
    pub fn load(&self, global: &GlobalArgs) -> Result<PluginSet, UsageError> {
        let Some(dir) = &self.plugins else {
            return Ok(PluginSet::new());
        };
        let (set, errors) = PluginSet::load_dir(dir, &host(global)?)?;
        for error in &errors {
            render::err(&format!("warning: plugin not loaded: {error}\n"));
        }
        Ok(set)
    }
}

fn host(global: &GlobalArgs) -> Result<PluginHost, UsageError> {
    Ok(PluginHost::new(PluginHostConfig {
        cache_dir: Some(config(global).cache_dir.join("plugins")),
        ..PluginHostConfig::default()
    })?)
}

/// The validator, asking the validator plugins of `plugins` too.
pub fn with_plugins(validator: Validator, plugins: &PluginSet) -> Validator {
    if plugins.validators().is_empty() {
        validator
    } else {
        validator.with_plugins(Arc::new(plugins.clone()))
    }
}

#[derive(Subcommand)]
pub enum PluginAction {
    /// Every plugin of DIR: name, version, kind, languages, file, description.
    List {
        #[arg(long, value_name = "DIR")]
        plugins: PathBuf,
    },
    /// Load FILE, check it against the interface, print what it says about itself.
    /// Exit 2 when it is refused.
    Check { file: PathBuf },
    /// Ask the fix strategy FILE for its fixes to one error of a program.
    Run {
        file: PathBuf,
        /// The error (a JSON `CodeError`, as `selfheal check --format json` prints them).
        #[arg(long, value_name = "ERROR.json")]
        error: PathBuf,
        /// The program: a source file or a project directory.
        #[arg(long, value_name = "DIR")]
        program: PathBuf,
        #[arg(long)]
        lang: Option<TargetLanguage>,
    },
}

pub fn plugin(global: &GlobalArgs, action: PluginAction) -> Exit {
    let host = host(global)?;
    let load = |file: &PathBuf| {
        host.load_file(file)
            .map_err(|e| UsageError(format!("{}: refused: {e}", file.display())))
    };
    match action {
        PluginAction::List { plugins } => {
            let (set, errors) = PluginSet::load_dir(&plugins, &host)?;
            let rows: Vec<PluginRow<'_>> = set.plugins().map(PluginRow::new).collect();
            if global.format == Format::Json {
                let errors: Vec<serde_json::Value> = errors
                    .iter()
                    .map(|e| serde_json::json!({ "file": e.path, "error": e.error.to_string() }))
                    .collect();
                render::json(&serde_json::json!({ "plugins": rows, "errors": errors }))?;
            } else {
                render::out(&selfheal::render::plugin_table(&rows, &errors))?;
            }
            Ok(if errors.is_empty() { 0 } else { 1 })
        }
        PluginAction::Check { file } => {
            let plugin = load(&file)?;
            let row = PluginRow::new(&plugin);
            render::either(global.format, &row, |row| {
                format!("{}: ok\n{}", file.display(), row.details())
            })?;
            Ok(0)
        }
        PluginAction::Run {
            file,
            error,
            program,
            lang,
        } => {
            let strategy = selfheal::plugin::WasmFixStrategy::new(load(&file)?)?;
            let text = std::fs::read_to_string(&error)
                .map_err(|e| UsageError(format!("--error {}: {e}", error.display())))?;
            let code_error: selfheal::CodeError = serde_json::from_str(&text).map_err(|e| {
                UsageError(format!(
                    "--error {}: not a CodeError as JSON ({e}); use one of the `errors` of \
                     `selfheal check --format json`",
                    error.display()
                ))
            })?;
            let program = Program::load(&program, lang)?;
            let id = selfheal::fix::FixStrategy::id(&strategy);
            let fixes = strategy
                .plugin()
                .suggest(&code_error, &program, id)
                .map_err(|failure| UsageError(failure.to_string()))?;
            render::either(global.format, &fixes, |f| selfheal::render::fixes(f))?;
            Ok(0)
        }
    }
}
