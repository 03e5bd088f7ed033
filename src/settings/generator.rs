//! The model options of `generate` and `heal`: which generator writes programs, and which
//! OpenAI-compatible model `heal` asks when its rules have nothing left to try. Both read
//! `SELFHEAL_OPENAI_*` first, then the options (docs/generate.md, docs/healing.md).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::generate::prelude::DEFAULT_THRESHOLD;
use crate::generate::{
    Generator, OpenAiConfig, OpenAiGenerator, Prelude, TemplateGenerator, TemplateSet,
};
use crate::heal::model::DEFAULT_MODEL_REQUESTS;
use crate::heal::Healer;
use crate::learn::Learner;

use super::{message, SettingsError};

/// The generator `generate` uses (`--generator`; default [`GeneratorKind::Template`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum GeneratorKind {
    /// Render the spec's [implementation] through the language's templates.
    #[default]
    Template,
    /// Ask an OpenAI-compatible chat model.
    Openai,
}

/// Which generator `generate` uses, and its options. Each field is the option of the same
/// name; the defaults are the command's (templates, prelude threshold
/// [`DEFAULT_THRESHOLD`]).
///
/// ```
/// use selfheal::settings::{GeneratorKind, GeneratorSettings};
/// let openai = GeneratorSettings { generator: GeneratorKind::Openai, ..Default::default() };
/// assert!(openai.model.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, clap::Args)]
pub struct GeneratorSettings {
    #[arg(long, value_enum, default_value_t = GeneratorKind::Template)]
    pub generator: GeneratorKind,
    /// The model (`--generator openai`).
    #[arg(long, value_name = "M")]
    pub model: Option<String>,
    /// The API's base URL (`--generator openai`), e.g. http://localhost:11434/v1.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// The environment variable holding the API key (`--generator openai`).
    #[arg(long, value_name = "VAR")]
    pub api_key_env: Option<String>,
    /// A directory of templates (`<language>/*.j2`) replacing the built-in ones.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Heals that must insert the same header line before the template prelude learns it.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_THRESHOLD)]
    pub prelude_threshold: u32,
}

impl Default for GeneratorSettings {
    fn default() -> Self {
        GeneratorSettings {
            generator: GeneratorKind::Template,
            model: None,
            base_url: None,
            api_key_env: None,
            templates: None,
            prelude_threshold: DEFAULT_THRESHOLD,
        }
    }
}

impl GeneratorSettings {
    /// The generator, its learned state in `data_dir`; the model generator learns from (and
    /// takes lessons out of) `learner`, the healer's.
    ///
    /// # Errors
    /// Options of the other generator, a threshold of 0, templates or environment that do not
    /// load, or no API key for OpenAI itself (local servers need none).
    pub fn generator(
        &self,
        data_dir: &Path,
        learner: Arc<Learner>,
    ) -> Result<Arc<dyn Generator>, SettingsError> {
        if self.generator == GeneratorKind::Openai {
            if self.templates.is_some() {
                return Err(SettingsError(
                    "--templates is for --generator template".into(),
                ));
            }
            let (base_url, key_env) = (&self.base_url, &self.api_key_env);
            let generator = openai_client(self.model.as_ref(), base_url, key_env)?;
            return Ok(Arc::new(generator.with_learner(learner)));
        }
        if self.model.is_some() || self.base_url.is_some() || self.api_key_env.is_some() {
            return Err(SettingsError(
                "--model, --base-url and --api-key-env are for --generator openai".into(),
            ));
        }
        let templates = match &self.templates {
            Some(dir) => TemplateSet::with_overrides(dir).map_err(message)?,
            None => TemplateSet::builtin(),
        };
        if self.prelude_threshold == 0 {
            return Err(SettingsError(
                "--prelude-threshold 0: give at least 1".into(),
            ));
        }
        let prelude = Prelude::open(data_dir).with_threshold(self.prelude_threshold);
        Ok(Arc::new(TemplateGenerator::new(
            templates,
            Arc::new(prelude),
        )))
    }
}

/// The model options of `heal` (`--model`, `--base-url`, `--api-key-env`,
/// `--model-requests`): without a model the healer uses its rules only.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct ModelSettings {
    /// Ask this model (an OpenAI-compatible chat API) for a repair when the built-in rules
    /// have nothing left to try; its program is validated like any candidate.
    #[arg(long, value_name = "M")]
    pub model: Option<String>,
    /// The API's base URL (with --model), e.g. http://localhost:11434/v1.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// The environment variable holding the API key (with --model).
    #[arg(long, value_name = "VAR")]
    pub api_key_env: Option<String>,
    /// Model requests per heal, at most (with --model).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MODEL_REQUESTS)]
    pub model_requests: u32,
}

impl Default for ModelSettings {
    fn default() -> Self {
        ModelSettings {
            model: None,
            base_url: None,
            api_key_env: None,
            model_requests: DEFAULT_MODEL_REQUESTS,
        }
    }
}

impl ModelSettings {
    /// The model's client, or `None` without a model.
    ///
    /// # Errors
    /// `base_url` or `api_key_env` without a model, `model_requests` of 0, a broken
    /// `SELFHEAL_OPENAI_*` environment, or no API key for OpenAI itself.
    pub fn client(&self) -> Result<Option<OpenAiGenerator>, SettingsError> {
        let Some(model) = &self.model else {
            if self.base_url.is_some() || self.api_key_env.is_some() {
                return Err(SettingsError(
                    "--base-url and --api-key-env are for --model".into(),
                ));
            }
            return Ok(None);
        };
        if self.model_requests == 0 {
            return Err(SettingsError("--model-requests 0: give at least 1".into()));
        }
        openai_client(Some(model), &self.base_url, &self.api_key_env).map(Some)
    }

    /// `healer` with the model in its loop when a model is set; unchanged otherwise.
    ///
    /// # Errors
    /// As [`ModelSettings::client`].
    pub fn attach(&self, healer: Healer) -> Result<Healer, SettingsError> {
        Ok(match self.client()? {
            Some(client) => healer.with_model(Arc::new(client), self.model_requests),
            None => healer,
        })
    }
}

/// A client of the OpenAI-compatible API: `SELFHEAL_OPENAI_*`, then the given values.
/// OpenAI itself always wants a key; local servers do not.
fn openai_client(
    model: Option<&String>,
    base_url: &Option<String>,
    api_key_env: &Option<String>,
) -> Result<OpenAiGenerator, SettingsError> {
    let mut config = OpenAiConfig::from_env().map_err(message)?;
    config.model = model.cloned().unwrap_or(config.model);
    config.base_url = base_url.clone().unwrap_or(config.base_url);
    config.api_key_env = api_key_env.clone().unwrap_or(config.api_key_env);
    let client = OpenAiGenerator::new(config).map_err(message)?;
    if !client.has_api_key() && client.config().base_url.contains("api.openai.com") {
        return Err(SettingsError(format!(
            "no API key: set ${} (or name another variable with --api-key-env), or pass --base-url for a local server",
            client.config().api_key_env
        )));
    }
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generator_options_of_the_other_generator_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let learner = Arc::new(Learner::in_memory());
        let template = GeneratorSettings {
            model: Some("m".into()),
            ..GeneratorSettings::default()
        };
        assert_eq!(
            template.generator(dir.path(), learner.clone()).err(),
            Some(SettingsError(
                "--model, --base-url and --api-key-env are for --generator openai".into()
            ))
        );
        let openai = GeneratorSettings {
            generator: GeneratorKind::Openai,
            templates: Some(dir.path().into()),
            ..GeneratorSettings::default()
        };
        assert_eq!(
            openai.generator(dir.path(), learner.clone()).err(),
            Some(SettingsError(
                "--templates is for --generator template".into()
            ))
        );
        let zero = GeneratorSettings {
            prelude_threshold: 0,
            ..GeneratorSettings::default()
        };
        assert_eq!(
            zero.generator(dir.path(), learner.clone()).err(),
            Some(SettingsError(
                "--prelude-threshold 0: give at least 1".into()
            ))
        );
        assert!(GeneratorSettings::default()
            .generator(dir.path(), learner)
            .is_ok());
    }

    #[test]
    fn model_options_need_a_model_and_a_request() {
        let refused = |m: ModelSettings| m.client().err();
        assert!(ModelSettings::default().client().unwrap().is_none());
        let url_alone = ModelSettings {
            base_url: Some("http://127.0.0.1:9/v1".into()),
            ..ModelSettings::default()
        };
        assert_eq!(
            refused(url_alone),
            Some(SettingsError(
                "--base-url and --api-key-env are for --model".into()
            ))
        );
        let no_requests = ModelSettings {
            model: Some("m".into()),
            model_requests: 0,
            ..ModelSettings::default()
        };
        assert_eq!(
            refused(no_requests),
            Some(SettingsError("--model-requests 0: give at least 1".into()))
        );
        let local = ModelSettings {
            model: Some("m".into()),
            base_url: Some("http://127.0.0.1:9/v1".into()),
            ..ModelSettings::default()
        };
        let client = local.client().unwrap().unwrap();
        assert_eq!(client.config().model, "m");
        assert_eq!(client.config().base_url, "http://127.0.0.1:9/v1");
    }
}
