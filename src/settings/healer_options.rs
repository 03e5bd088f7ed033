//! The healer options `heal` and `eval` share, as one group a front end flattens.

use std::path::Path;

use crate::plugin::PluginSet;

use super::{CacheSettings, Dirs, ExecutorSettings, HealerSettings, PluginDir};

/// `--strategies`, `--plugins`, `--no-cache`/`--cache-max-bytes` and `--executor`. The
/// default: every strategy, no plugins, the default cache, validation in process.
///
/// ```
/// use selfheal::settings::{Dirs, HealerOptions};
/// let (options, dirs) = (HealerOptions::default(), Dirs::default());
/// let settings = options.settings(&dirs, None, None);
/// assert!(settings.strategies.is_empty() && settings.cache.is_some());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct HealerOptions {
    /// Use only these fix strategies (ids, comma-separated), e.g. `rust.machine-applicable`
    /// or `plugin.acme-style`.
    #[arg(long, value_delimiter = ',', value_name = "ID,ID")]
    pub strategies: Vec<String>,
    #[command(flatten)]
    pub plugins: PluginDir,
    #[command(flatten)]
    pub cache: CacheSettings,
    #[command(flatten)]
    pub executor: ExecutorSettings,
}

impl HealerOptions {
    /// The healer settings these options give, with `dirs`, the learner of `data_dir` (in
    /// memory without one) and `plugins` (loaded from [`HealerOptions::plugins`], e.g. with
    /// [`PluginDir::load_or_warn`]).
    pub fn settings<'a>(
        &'a self,
        dirs: &'a Dirs,
        data_dir: Option<&'a Path>,
        plugins: Option<&'a PluginSet>,
    ) -> HealerSettings<'a> {
        HealerSettings {
            plugins,
            strategies: &self.strategies,
            executor: &self.executor,
            ..HealerSettings::new(dirs, self.cache.bound(), data_dir)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::executor::ExecutorSpec;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        options: HealerOptions,
    }

    #[test]
    fn every_option_reaches_the_healer_settings() {
        let args = [
            "t",
            "--strategies",
            "a,b",
            "--no-cache",
            "--executor",
            "nats://127.0.0.1:4222",
        ];
        let options = Cli::try_parse_from(args).unwrap().options;
        let (dirs, plugins) = (Dirs::default(), PluginSet::new());
        let settings = options.settings(&dirs, Some(Path::new("/data")), Some(&plugins));
        assert_eq!(settings.strategies, ["a", "b"]);
        assert_eq!(settings.cache, None);
        assert_eq!(settings.data_dir, Some(Path::new("/data")));
        assert!(settings.plugins.is_some());
        let url = "nats://127.0.0.1:4222".to_string();
        assert_eq!(settings.executor.executor, ExecutorSpec::Nats(url));
    }
}
