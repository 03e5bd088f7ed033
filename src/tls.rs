//! The TLS crypto provider every HTTPS client in the process uses (model endpoints, OTLP).
//!
//! reqwest is built with rustls but without a provider (`rustls-no-provider`): the default
//! one, aws-lc-rs, needs cmake to build, ring only a C compiler. rustls then needs a
//! process-wide provider installed before the first client is built, or reqwest panics.

/// Installs ring as the process's rustls crypto provider, unless one is already installed.
/// Cheap and idempotent: call it before building any `reqwest` client.
pub fn ensure_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race to another thread installing one is fine: a provider is installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn installs_a_provider_once() {
        super::ensure_crypto_provider();
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
        super::ensure_crypto_provider();
        assert!(reqwest::Client::builder().build().is_ok());
    }
}
