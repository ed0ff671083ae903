//! The process's TLS crypto provider.
//!
//! HTTP clients (reqwest on rustls) need a rustls crypto provider. The workspace builds rustls with
//! `ring` instead of the default `aws-lc-rs` (whose C build costs ~40 s per profile on a 2-core
//! machine, see the README's build budget), and reqwest's `rustls-no-provider` feature then asks
//! the process to install one before the first client is built: call [`install_crypto_provider`]
//! first.

/// Installs ring as the process-wide rustls provider. Idempotent and cheap: safe to call before
/// every client is built (a provider installed earlier, by us or by a library, is kept).
pub fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race to another thread installing the same provider is fine: one is installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installs_a_provider_once_and_again() {
        install_crypto_provider();
        install_crypto_provider();
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
    }
}
