//! `--plugins DIR` and `selfheal plugin list|check|run` (docs/plugins.md).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use selfheal::plugin::PluginSet;
use selfheal::render::PluginRow;
use selfheal::settings::{load_plugin, plugin_fixes};
use selfheal::TargetLanguage;

use super::render::{self, Format};
use super::{Exit, GlobalArgs, UsageError};

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
        let (set, errors) = global.dirs().load_plugins(self.plugins.as_deref())?;
        for error in &errors {
            render::err(&format!("warning: plugin not loaded: {error}\n"));
        }
        Ok(set)
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
    let host = global.dirs().plugin_host()?;
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
            let plugin = load_plugin(&host, &file)?;
            render::either(global.format, &PluginRow::new(&plugin), |row| {
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
            let fixes = plugin_fixes(&host, &file, &error, &program, lang)?;
            render::either(global.format, &fixes, |f| selfheal::render::fixes(f))?;
            Ok(0)
        }
    }
}
