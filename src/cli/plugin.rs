//! `selfheal plugin list|check|run` (docs/plugins.md).

use std::path::PathBuf;

use clap::Subcommand;
use selfheal::render::PluginRow;
use selfheal::settings::{load_plugin, plugin_fixes, PluginListing};
use selfheal::TargetLanguage;

use super::{Exit, GlobalArgs};

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
    let host = global.dirs.plugin_host()?;
    match action {
        PluginAction::List { plugins } => {
            let listing = PluginListing::load(&host, &plugins)?;
            global.print(&listing.to_json(), |_| listing.render())?;
            Ok(if listing.errors.is_empty() { 0 } else { 1 })
        }
        PluginAction::Check { file } => {
            let plugin = load_plugin(&host, &file)?;
            let details = |row: &PluginRow| format!("{}: ok\n{}", file.display(), row.details());
            global.print(&PluginRow::new(&plugin), details)
        }
        PluginAction::Run {
            file,
            error,
            program,
            lang,
        } => {
            let fixes = plugin_fixes(&host, &file, &error, &program, lang)?;
            global.print(&fixes, |f| selfheal::render::fixes(f))
        }
    }
}
