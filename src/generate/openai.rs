//! A [`Generator`] that asks a model through the OpenAI-compatible chat-completions protocol
//! (`POST {base_url}/chat/completions`), which OpenAI, vLLM, Ollama, llama.cpp's server and
//! others speak.
//!
//! Transport: one `reqwest` client (rustls, `crate::tls`), a per-request timeout, and retries
//! with exponential backoff and full jitter on 429, 408, 5xx, connection errors and timeouts,
//! honouring `Retry-After` (seconds or an HTTP date) up to a cap. Other 4xx fail at once with
//! the server's message. The API key is read from an environment variable, sent as a bearer
//! token only when set, marked sensitive, and never logged: [`ApiKey`]'s `Debug` redacts it.
//!
//! Prompts come from [`super::prompt`], the program from the reply via [`super::extract`];
//! token usage from each reply's `usage` object is summed in [`Generator::usage`].

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use rand::Rng;
use serde::Deserialize;
use serde_json::json;

use crate::generate::extract::{program_from_reply, reply_files};
use crate::generate::prompt::{self, Prompt, MAX_LESSONS};
use crate::generate::{
    GenerateError, GenerateFuture, GenerationHistory, Generator, Spec, TokenUsage,
};
use crate::heal::HealReport;
use crate::learn::{signature, Learner};
use crate::program::Program;
use crate::types::CodeError;

/// OpenAI's own endpoint; local servers are usually `http://localhost:PORT/v1`.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";

/// The environment variable the key is read from unless configured otherwise.
pub const DEFAULT_API_KEY_ENV: &str = "OPENAI_API_KEY";

/// Longest server message quoted in an error.
const MAX_QUOTED: usize = 300;

/// An API key. Its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> ApiKey {
        ApiKey(key.into())
    }

    fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl std::fmt::Display for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// How to reach the model and how hard to try.
#[derive(Debug, Clone)]
pub struct OpenAiConfig {
    /// The API root, e.g. `http://localhost:11434/v1` (`/chat/completions` is appended).
    pub base_url: String,
    pub model: String,
    /// The environment variable holding the key, read by [`OpenAiGenerator::new`]; unset or
    /// empty means no `Authorization` header (local servers need none).
    pub api_key_env: String,
    /// A key given directly; it wins over `api_key_env`.
    pub api_key: Option<ApiKey>,
    pub temperature: f32,
    /// `max_tokens` of the request; `None` leaves it to the server.
    pub max_tokens: Option<u32>,
    /// One request, from sending to the last byte of the reply.
    pub request_timeout: Duration,
    /// Retries after the first attempt: at most `max_retries + 1` requests per generation.
    pub max_retries: u32,
    /// The backoff before retry `n` is uniform in `[0, min(backoff_max, backoff_initial · 2ⁿ⁻¹)]`.
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
    /// A server's `Retry-After` is honoured up to this.
    pub retry_after_max: Duration,
}

impl Default for OpenAiConfig {
    fn default() -> OpenAiConfig {
        OpenAiConfig {
            base_url: DEFAULT_BASE_URL.into(),
            model: String::new(),
            api_key_env: DEFAULT_API_KEY_ENV.into(),
            api_key: None,
            temperature: 0.2,
            max_tokens: None,
            request_timeout: Duration::from_secs(300),
            max_retries: 4,
            backoff_initial: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            retry_after_max: Duration::from_secs(60),
        }
    }
}

impl OpenAiConfig {
    /// The defaults with this endpoint and model.
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> OpenAiConfig {
        OpenAiConfig {
            base_url: base_url.into(),
            model: model.into(),
            ..OpenAiConfig::default()
        }
    }

    /// The defaults overridden by the process environment (see [`OpenAiConfig::from_vars`]).
    pub fn from_env() -> Result<OpenAiConfig, GenerateError> {
        OpenAiConfig::from_vars(|name| std::env::var(name).ok())
    }

    /// The defaults overridden by `SELFHEAL_OPENAI_BASE_URL` (else `OPENAI_BASE_URL`),
    /// `SELFHEAL_OPENAI_MODEL`, `SELFHEAL_OPENAI_API_KEY_ENV`, `SELFHEAL_OPENAI_TEMPERATURE`,
    /// `SELFHEAL_OPENAI_MAX_TOKENS`, `SELFHEAL_OPENAI_TIMEOUT` (seconds) and
    /// `SELFHEAL_OPENAI_MAX_RETRIES`, as `var` reports them.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<OpenAiConfig, GenerateError> {
        let get = |name: &str| {
            var(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let mut c = OpenAiConfig::default();
        if let Some(url) = get("SELFHEAL_OPENAI_BASE_URL").or_else(|| get("OPENAI_BASE_URL")) {
            c.base_url = url;
        }
        if let Some(model) = get("SELFHEAL_OPENAI_MODEL") {
            c.model = model;
        }
        if let Some(env) = get("SELFHEAL_OPENAI_API_KEY_ENV") {
            c.api_key_env = env;
        }
        if let Some(t) = get("SELFHEAL_OPENAI_TEMPERATURE") {
            c.temperature = parse_var("SELFHEAL_OPENAI_TEMPERATURE", &t, "a number such as 0.2")?;
        }
        if let Some(t) = get("SELFHEAL_OPENAI_MAX_TOKENS") {
            c.max_tokens = Some(parse_var(
                "SELFHEAL_OPENAI_MAX_TOKENS",
                &t,
                "a whole number",
            )?);
        }
        if let Some(t) = get("SELFHEAL_OPENAI_TIMEOUT") {
            let secs: f64 = parse_var("SELFHEAL_OPENAI_TIMEOUT", &t, "seconds, e.g. 120")?;
            c.request_timeout = Duration::try_from_secs_f64(secs)
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(|| {
                    GenerateError::Other(format!(
                        "SELFHEAL_OPENAI_TIMEOUT={t}: give a positive number of seconds"
                    ))
                })?;
        }
        if let Some(t) = get("SELFHEAL_OPENAI_MAX_RETRIES") {
            c.max_retries = parse_var("SELFHEAL_OPENAI_MAX_RETRIES", &t, "a whole number")?;
        }
        Ok(c)
    }

    /// `{base_url}/chat/completions`.
    pub fn endpoint(&self) -> String {
        format!("{}/chat/completions", self.base_url.trim_end_matches('/'))
    }
}

fn parse_var<T: std::str::FromStr>(
    name: &str,
    value: &str,
    want: &str,
) -> Result<T, GenerateError> {
    value
        .parse()
        .map_err(|_| GenerateError::Other(format!("{name}={value}: expected {want}")))
}

/// The model generator. `Send + Sync`; one instance serves any number of generations.
pub struct OpenAiGenerator {
    config: OpenAiConfig,
    key: Option<ApiKey>,
    endpoint: reqwest::Url,
    client: reqwest::Client,
    usage: Mutex<TokenUsage>,
    learner: Mutex<Option<Arc<Learner>>>,
}

impl std::fmt::Debug for OpenAiGenerator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiGenerator")
            .field("endpoint", &self.endpoint.as_str())
            .field("model", &self.config.model)
            .field("api_key", &self.key.as_ref().map(|_| "<redacted>"))
            .field("config", &self.config)
            .finish()
    }
}

impl OpenAiGenerator {
    /// Checks the configuration, reads the key, builds the HTTP client.
    pub fn new(config: OpenAiConfig) -> Result<OpenAiGenerator, GenerateError> {
        if config.model.trim().is_empty() {
            return Err(GenerateError::Other(
                "no model given: pass --model NAME (or set SELFHEAL_OPENAI_MODEL), e.g. `qwen2.5-coder:7b` for Ollama".into(),
            ));
        }
        let endpoint = reqwest::Url::parse(&config.endpoint()).map_err(|e| {
            GenerateError::Other(format!(
                "base URL `{}` is not a URL ({e}); give one like http://localhost:11434/v1",
                config.base_url
            ))
        })?;
        if !matches!(endpoint.scheme(), "http" | "https") {
            return Err(GenerateError::Other(format!(
                "base URL `{}`: only http and https are supported",
                config.base_url
            )));
        }
        if config.request_timeout.is_zero() {
            return Err(GenerateError::Other(
                "the request timeout is zero; give it at least a second".into(),
            ));
        }
        if !(0.0..=2.0).contains(&config.temperature) {
            return Err(GenerateError::Other(format!(
                "temperature {} is outside 0..=2",
                config.temperature
            )));
        }
        let key = config.api_key.clone().or_else(|| {
            std::env::var(&config.api_key_env)
                .ok()
                .map(|k| k.trim().to_string())
                .filter(|k| !k.is_empty())
                .map(ApiKey)
        });
        crate::tls::ensure_crypto_provider();
        let client = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(config.request_timeout.min(Duration::from_secs(30)))
            .build()
            .map_err(|e| GenerateError::Other(format!("cannot build the HTTP client: {e}")))?;
        Ok(OpenAiGenerator {
            config,
            key,
            endpoint,
            client,
            usage: Mutex::new(TokenUsage::default()),
            learner: Mutex::new(None),
        })
    }

    /// Lessons for the first prompt come from this learner, and what generated programs get
    /// wrong is recorded in it.
    pub fn with_learner(self, learner: Arc<Learner>) -> OpenAiGenerator {
        *lock(&self.learner) = Some(learner);
        self
    }

    pub fn config(&self) -> &OpenAiConfig {
        &self.config
    }

    /// True when requests carry an `Authorization` header.
    pub fn has_api_key(&self) -> bool {
        self.key.is_some()
    }

    /// Sends one chat request (retrying as configured) and returns the reply's text.
    pub async fn complete(&self, prompt: &Prompt) -> Result<String, GenerateError> {
        self.complete_with_usage(prompt).await.map(|(text, _)| text)
    }

    /// As [`complete`](Self::complete), with the tokens this request used (also added to the
    /// running total of [`Generator::usage`]).
    pub async fn complete_with_usage(
        &self,
        prompt: &Prompt,
    ) -> Result<(String, TokenUsage), GenerateError> {
        let mut body = json!({
            "model": self.config.model,
            "messages": [
                {"role": "system", "content": prompt.system},
                {"role": "user", "content": prompt.user},
            ],
            "temperature": self.config.temperature,
            "stream": false,
        });
        if let Some(max) = self.config.max_tokens {
            body["max_tokens"] = json!(max);
        }
        let attempts = self.config.max_retries.saturating_add(1);
        for attempt in 1..=attempts {
            tracing::debug!(
                endpoint = %self.endpoint,
                model = %self.config.model,
                attempt,
                authorized = self.key.is_some(),
                "chat completion request"
            );
            let problem = match self.send_once(&body).await {
                Ok(reply) => {
                    *lock(&self.usage) += reply.usage;
                    tracing::debug!(
                        prompt_tokens = reply.usage.prompt_tokens,
                        completion_tokens = reply.usage.completion_tokens,
                        "chat completion reply"
                    );
                    return Ok((reply.content, reply.usage));
                }
                Err(Failure::Fatal(e)) => return Err(e),
                Err(Failure::Retry(p)) => p,
            };
            if attempt == attempts {
                return Err(GenerateError::Request(format!(
                    "{} (gave up after {attempts} attempt{})",
                    problem.what,
                    if attempts == 1 { "" } else { "s" }
                )));
            }
            let wait = match problem.retry_after {
                Some(d) => d.min(self.config.retry_after_max),
                None => self.backoff(attempt),
            };
            tracing::warn!(
                attempt,
                wait_ms = wait.as_millis() as u64,
                "{}; retrying",
                problem.what
            );
            tokio::time::sleep(wait).await;
        }
        Err(GenerateError::Request("no attempt was made".into()))
    }

    /// Full jitter: uniform in `[0, min(max, initial · 2^(attempt-1))]`.
    fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        let cap = self
            .config
            .backoff_initial
            .saturating_mul(factor)
            .min(self.config.backoff_max);
        let cap_ms = u64::try_from(cap.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rand::rng().random_range(0..=cap_ms))
    }

    async fn send_once(&self, body: &serde_json::Value) -> Result<Reply, Failure> {
        let mut request = self.client.post(self.endpoint.clone()).json(body);
        if let Some(key) = &self.key {
            // reqwest marks the header sensitive, so hyper never prints it either.
            request = request.bearer_auth(key.expose());
        }
        let response = request.send().await.map_err(|e| self.transport(e))?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        let text = response.text().await.map_err(|e| self.transport(e))?;
        if status.is_success() {
            return parse_reply(&text).map_err(Failure::Fatal);
        }
        let what = format!(
            "{} answered HTTP {}: {}",
            self.endpoint,
            status,
            server_message(&text)
        );
        let code = status.as_u16();
        if code == 429 || code == 408 || status.is_server_error() {
            return Err(Failure::Retry(Problem { what, retry_after }));
        }
        let hint = match code {
            401 | 403 => format!(
                "; check the key in ${} (it is {})",
                self.config.api_key_env,
                if self.key.is_some() { "set" } else { "not set" }
            ),
            404 => format!(
                "; check the base URL (it usually ends in /v1) and that the server has model `{}`",
                self.config.model
            ),
            _ => String::new(),
        };
        Err(Failure::Fatal(GenerateError::Request(format!(
            "{what}{hint}"
        ))))
    }

    /// A transport error: worth retrying (the server may come back), with the timeout named.
    fn transport(&self, e: reqwest::Error) -> Failure {
        let what = if e.is_timeout() {
            format!(
                "{} did not answer within {} ms (the request timeout)",
                self.endpoint,
                self.config.request_timeout.as_millis()
            )
        } else if e.is_connect() {
            format!("cannot connect to {}: {}", self.endpoint, error_chain(&e))
        } else {
            format!("talking to {}: {}", self.endpoint, error_chain(&e))
        };
        Failure::Retry(Problem {
            what,
            retry_after: None,
        })
    }

    async fn ask(&self, spec: &Spec, prompt: Prompt) -> Result<Program, GenerateError> {
        tracing::trace!(prompt = %prompt.user, "chat prompt");
        let reply = self.complete(&prompt).await?;
        tracing::trace!(reply = %reply, "chat reply");
        program_from_reply(spec, &reply)
    }
}

impl Generator for OpenAiGenerator {
    fn name(&self) -> String {
        format!("openai:{}", self.config.model)
    }

    fn generate<'a>(&'a self, spec: &'a Spec) -> GenerateFuture<'a, Program> {
        Box::pin(async move {
            let learner = lock(&self.learner).clone();
            let lessons = match learner {
                Some(l) => prompt::lessons(&l, spec.language, &spec.kind, MAX_LESSONS),
                None => Vec::new(),
            };
            self.ask(spec, prompt::first_prompt(spec, &lessons)).await
        })
    }

    fn regenerate<'a>(
        &'a self,
        spec: &'a Spec,
        program: &'a Program,
        errors: &'a [CodeError],
        history: &'a GenerationHistory,
    ) -> GenerateFuture<'a, Program> {
        Box::pin(async move {
            self.ask(spec, prompt::repair_prompt(spec, program, errors, history))
                .await
        })
    }

    fn usage(&self) -> TokenUsage {
        *lock(&self.usage)
    }

    /// Records the errors the generated program started with: next time they are lessons.
    fn observe(&self, spec: &Spec, _generated: &Program, heal: &HealReport) {
        if let Some(learner) = lock(&self.learner).as_ref() {
            let signatures: Vec<String> = heal.initial_errors.iter().map(signature).collect();
            learner.record_generated(spec.language, &spec.kind, &signatures);
        }
    }
}

/// The model in the heal loop (`selfheal heal --model`): the heal prompt
/// ([`prompt::heal_prompt`]), the program from the reply's fenced blocks.
impl crate::heal::RepairModel for OpenAiGenerator {
    fn name(&self) -> String {
        self.config.model.clone()
    }

    fn repair<'a>(
        &'a self,
        request: crate::heal::RepairRequest<'a>,
    ) -> crate::heal::model::ModelFuture<'a> {
        Box::pin(async move {
            let prompt = prompt::heal_prompt(&request);
            tracing::trace!(prompt = %prompt.user, "heal prompt");
            let (reply, usage) = self
                .complete_with_usage(&prompt)
                .await
                .map_err(|e| e.to_string())?;
            tracing::trace!(reply = %reply, "heal reply");
            let main = prompt::heal_main_file(request.program, request.errors)
                .ok_or_else(|| "the program has no file a repair may change".to_string())?;
            let files =
                reply_files(&reply, request.program.language(), &main).map_err(|e| e.to_string());
            Ok(crate::heal::ModelReply { files, usage })
        })
    }
}

struct Reply {
    content: String,
    usage: TokenUsage,
}

/// Why one request failed: retry, or give up now.
enum Failure {
    Retry(Problem),
    Fatal(GenerateError),
}

struct Problem {
    what: String,
    retry_after: Option<Duration>,
}

#[derive(Deserialize)]
struct Completion {
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Choice {
    message: Message,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct Message {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    refusal: Option<String>,
}

#[derive(Deserialize)]
struct Usage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
    #[serde(default)]
    total_tokens: Option<u64>,
}

/// The first choice's text and the usage of a chat-completion body.
fn parse_reply(text: &str) -> Result<Reply, GenerateError> {
    let completion: Completion = serde_json::from_str(text).map_err(|e| {
        GenerateError::Request(format!(
            "the server's reply is not a chat completion ({e}); it began {:?}",
            truncate(text.trim(), 80)
        ))
    })?;
    let usage = completion
        .usage
        .map(|u| TokenUsage {
            prompt_tokens: u.prompt_tokens,
            completion_tokens: u.completion_tokens,
            total_tokens: u
                .total_tokens
                .unwrap_or(u.prompt_tokens + u.completion_tokens),
        })
        .unwrap_or_default();
    let Some(choice) = completion.choices.into_iter().next() else {
        return Err(GenerateError::Request(
            "the server's chat completion has no choices".into(),
        ));
    };
    match (choice.message.content, choice.message.refusal) {
        (Some(content), _) if !content.trim().is_empty() => Ok(Reply { content, usage }),
        (_, Some(refusal)) => Err(GenerateError::Reply(format!(
            "the model refused: {}",
            truncate(&refusal, MAX_QUOTED)
        ))),
        _ => Err(GenerateError::Reply(format!(
            "the model's message is empty (finish_reason: {})",
            choice.finish_reason.as_deref().unwrap_or("none")
        ))),
    }
}

/// `Retry-After`: delta-seconds or an HTTP date, as a wait from `now`.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>() {
        return Duration::try_from_secs_f64(secs).ok();
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The message of an error body: `error.message` (OpenAI, vLLM), `error` (Ollama, llama.cpp),
/// `message` or `detail`, else the text itself, shortened.
fn server_message(text: &str) -> String {
    let value: Option<serde_json::Value> = serde_json::from_str(text).ok();
    let message = value.as_ref().and_then(|v| {
        v.pointer("/error/message")
            .or_else(|| v.get("error"))
            .or_else(|| v.get("message"))
            .or_else(|| v.get("detail"))
            .and_then(|m| m.as_str())
            .map(str::to_string)
    });
    let message = message.unwrap_or_else(|| text.trim().to_string());
    if message.is_empty() {
        "(empty body)".into()
    } else {
        truncate(&message, MAX_QUOTED)
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max).collect();
    out.push('…');
    out
}

/// An error and its causes, `a: b: c`.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after(" 0.5 ", now),
            Some(Duration::from_millis(500))
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(7));
        assert_eq!(parse_retry_after(&later, now), Some(Duration::from_secs(7)));
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(7));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    #[test]
    fn server_messages_of_each_flavour() {
        assert_eq!(
            server_message(r#"{"error":{"message":"model not found","type":"x"}}"#),
            "model not found"
        );
        assert_eq!(
            server_message(r#"{"error":"no such model"}"#),
            "no such model"
        );
        assert_eq!(server_message(r#"{"detail":"bad"}"#), "bad");
        assert_eq!(server_message("  plain text \n"), "plain text");
        assert_eq!(server_message(""), "(empty body)");
    }

    #[test]
    fn replies_usage_and_their_faults() {
        let r = parse_reply(
            r#"{"choices":[{"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":4}}"#,
        )
        .ok()
        .unwrap();
        assert_eq!(r.content, "hi");
        assert_eq!(
            r.usage,
            TokenUsage {
                prompt_tokens: 3,
                completion_tokens: 4,
                total_tokens: 7
            }
        );
        let e = parse_reply(r#"{"choices":[]}"#).err().unwrap();
        assert_eq!(
            e.to_string(),
            "model request failed: the server's chat completion has no choices"
        );
        let e = parse_reply(r#"{"choices":[{"message":{"content":null,"refusal":"no"}}]}"#)
            .err()
            .unwrap();
        assert_eq!(e.to_string(), "unusable reply: the model refused: no");
        let e = parse_reply("{\"choices\": [").err().unwrap();
        assert!(
            e.to_string()
                .starts_with("model request failed: the server's reply is not a chat completion (EOF while parsing"),
            "{e}"
        );
    }

    #[test]
    fn config_from_vars_and_its_errors() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let c = OpenAiConfig::from_vars(vars(&[
            ("OPENAI_BASE_URL", "http://localhost:8080/v1/"),
            ("SELFHEAL_OPENAI_MODEL", "qwen"),
            ("SELFHEAL_OPENAI_TIMEOUT", "1.5"),
            ("SELFHEAL_OPENAI_MAX_RETRIES", "0"),
        ]))
        .unwrap();
        assert_eq!(c.endpoint(), "http://localhost:8080/v1/chat/completions");
        assert_eq!(c.model, "qwen");
        assert_eq!(c.request_timeout, Duration::from_millis(1500));
        assert_eq!(c.max_retries, 0);
        assert_eq!(c.api_key_env, "OPENAI_API_KEY");
        let e =
            OpenAiConfig::from_vars(vars(&[("SELFHEAL_OPENAI_MAX_RETRIES", "many")])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "SELFHEAL_OPENAI_MAX_RETRIES=many: expected a whole number"
        );
        let e = OpenAiGenerator::new(OpenAiConfig::default()).unwrap_err();
        assert!(e.to_string().starts_with("no model given"), "{e}");
        let e = OpenAiGenerator::new(OpenAiConfig::new("localhost:11434", "m")).unwrap_err();
        assert!(e.to_string().contains("only http and https"), "{e}");
    }

    #[test]
    fn backoff_is_full_jitter_under_the_cap() {
        let mut c = OpenAiConfig::new("http://127.0.0.1:9/v1", "m");
        c.backoff_initial = Duration::from_millis(100);
        c.backoff_max = Duration::from_millis(250);
        let g = OpenAiGenerator::new(c).unwrap();
        for _ in 0..200 {
            assert!(g.backoff(1) <= Duration::from_millis(100));
            assert!(g.backoff(2) <= Duration::from_millis(200));
            assert!(g.backoff(9) <= Duration::from_millis(250));
        }
    }

    #[test]
    fn the_key_is_redacted() {
        let mut c = OpenAiConfig::new("http://127.0.0.1:9/v1", "m");
        c.api_key = Some(ApiKey::new("sk-very-secret-123"));
        let g = OpenAiGenerator::new(c.clone()).unwrap();
        assert!(g.has_api_key());
        for text in [
            format!("{c:?}"),
            format!("{g:?}"),
            format!("{}", ApiKey::new("sk-very-secret-123")),
        ] {
            assert!(!text.contains("sk-very-secret-123"), "{text}");
            assert!(text.contains("redacted"), "{text}");
        }
    }
}
