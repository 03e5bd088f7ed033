//! `selfheal heal --model …`: a model in the heal loop, with the same OpenAI-compatible
//! settings as `selfheal generate --generator openai` (`SELFHEAL_OPENAI_*`, then the flags;
//! docs/healing.md).

use std::sync::Arc;

use clap::Args;
use selfheal::generate::{OpenAiConfig, OpenAiGenerator};
use selfheal::heal::Healer;

use super::UsageError;

/// The model options of `heal`.
#[derive(Args, Clone)]
pub struct ModelArgs {
    /// Ask this model (an OpenAI-compatible chat API) for a repair when the built-in rules
    /// have nothing left to try; its program is validated like any candidate.
    #[arg(long, value_name = "M")]
    model: Option<String>,
    /// The API's base URL (with --model), e.g. http://localhost:11434/v1.
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// The environment variable holding the API key (with --model).
    #[arg(long, value_name = "VAR")]
    api_key_env: Option<String>,
    /// Model requests per heal, at most (with --model).
    #[arg(long, value_name = "N", default_value_t = selfheal::heal::model::DEFAULT_MODEL_REQUESTS)]
    model_requests: u32,
}

impl ModelArgs {
    /// `healer` with the model in its loop when `--model` was given; unchanged otherwise.
    pub fn attach(&self, healer: Healer) -> Result<Healer, UsageError> {
        let Some(model) = &self.model else {
            if self.base_url.is_some() || self.api_key_env.is_some() {
                return Err(UsageError(
                    "--base-url and --api-key-env are for --model".into(),
                ));
            }
            return Ok(healer);
        };
        if self.model_requests == 0 {
            return Err(UsageError("--model-requests 0: give at least 1".into()));
        }
        let mut config = OpenAiConfig::from_env().map_err(|e| UsageError(e.to_string()))?;
        config.model = model.clone();
        config.base_url = self.base_url.clone().unwrap_or(config.base_url);
        config.api_key_env = self.api_key_env.clone().unwrap_or(config.api_key_env);
        let client = OpenAiGenerator::new(config).map_err(|e| UsageError(e.to_string()))?;
        // OpenAI itself always wants a key; local servers do not.
        if !client.has_api_key() && client.config().base_url.contains("api.openai.com") {
            return Err(UsageError(format!(
                "no API key: set ${} (or name another variable with --api-key-env), or pass --base-url for a local server",
                client.config().api_key_env
            )));
        }
        Ok(healer.with_model(Arc::new(client), self.model_requests))
    }
}
