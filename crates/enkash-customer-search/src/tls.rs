//! TLS for the HTTP client: rustls on the `ring` crypto provider.
//!
//! `ring` builds in about half the time of `aws-lc-rs` (see the README for the measurement),
//! but reqwest finds only `aws-lc-rs` by itself; with `ring` a bare `reqwest::Client::new()`
//! panics for want of a provider. So the rustls configuration is built here, with `ring` named
//! explicitly and the platform's certificate verifier, and handed to reqwest. Nothing is
//! installed process-wide, so an application remains free to choose its own default provider.

use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::error::BuildError;

/// A `reqwest::ClientBuilder` whose TLS uses rustls on `ring` with the platform's trusted
/// roots, and which follows no redirect, ready for more settings (timeouts, proxies, …) before
/// `build()`.
///
/// It leaves decompression to the [`Client`](crate::Client), whatever reqwest features
/// another crate turns on, so that [`ClientBuilder::compression`](crate::ClientBuilder::compression)
/// and the body limit hold as documented.
///
/// Redirects are the [`Client`](crate::Client)'s to decide: a search follows one only within
/// its origin, the token call none. reqwest's own policy would follow a 307 from the token
/// endpoint to another host and post the password there, so keep `Policy::none()` if you
/// change anything.
///
/// Use it when you build your own `reqwest::Client` for
/// [`ClientBuilder::reqwest_client`](crate::ClientBuilder::reqwest_client): a builder that does
/// not start here has no TLS provider and fails to build.
pub fn reqwest_client_builder() -> Result<reqwest::ClientBuilder, BuildError> {
    reqwest_client_builder_trusting(Vec::new())
}

/// [`reqwest_client_builder`], trusting `extra_roots` besides the platform's.
pub(crate) fn reqwest_client_builder_trusting(
    extra_roots: Vec<CertificateDer<'static>>,
) -> Result<reqwest::ClientBuilder, BuildError> {
    if cfg!(target_os = "android") && !extra_roots.is_empty() {
        return Err(BuildError::InvalidRootCertificates(
            "extra root certificates are not supported on Android".into(),
        ));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = |e: rustls::Error| BuildError::Tls(e.to_string());
    let verifier = platform_verifier(extra_roots, Arc::clone(&provider)).map_err(tls)?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    // reqwest is built without HTTP/2 (one request at a time per connection is all this API
    // needs, and h2 costs build time), so offer HTTP/1.1 alone.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    // The client decompresses a body itself; reqwest would too, and first, if another crate
    // in the build turned its decompression on.
    Ok(reqwest::ClientBuilder::new()
        .tls_backend_preconfigured(config)
        .redirect(reqwest::redirect::Policy::none())
        .no_gzip()
        .no_brotli()
        .no_deflate()
        .no_zstd())
}

/// The platform's verifier (its roots; on Linux those of `SSL_CERT_FILE` and `SSL_CERT_DIR`
/// when set), with `extra_roots` trusted as well.
#[cfg(not(target_os = "android"))]
fn platform_verifier(
    extra_roots: Vec<CertificateDer<'static>>,
    provider: Arc<rustls::crypto::CryptoProvider>,
) -> Result<rustls_platform_verifier::Verifier, rustls::Error> {
    rustls_platform_verifier::Verifier::new_with_extra_roots(extra_roots, provider)
}

#[cfg(target_os = "android")]
fn platform_verifier(
    extra_roots: Vec<CertificateDer<'static>>,
    provider: Arc<rustls::crypto::CryptoProvider>,
) -> Result<rustls_platform_verifier::Verifier, rustls::Error> {
    // Refused before: see `reqwest_client_builder_trusting`.
    debug_assert!(extra_roots.is_empty());
    rustls_platform_verifier::Verifier::new(provider)
}

/// The certificates of a PEM bundle, or why there are none. Each is checked as a trust store
/// takes it, here: a block whose base64 holds no certificate would otherwise fail every
/// handshake later with rustls' words for a bad server certificate.
pub(crate) fn certificates_in(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    // A byte-order mark, as Windows editors write, would hide the first block.
    let pem = pem.strip_prefix(b"\xef\xbb\xbf").unwrap_or(pem);
    // A DER certificate is an ASN.1 sequence (`0x30`) and holds no PEM line.
    let pem_line = pem.windows(11).any(|w| w == b"-----BEGIN ");
    if pem.first() == Some(&0x30) && !pem_line {
        return Err(
            "the CA bundle is DER, not PEM: convert it with `openssl x509 -inform der \
             -in FILE -out FILE.pem`"
                .into(),
        );
    }
    let certificates = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("the CA bundle is not PEM: {e}"))?;
    if certificates.is_empty() {
        return Err("the CA bundle holds no certificate (-----BEGIN CERTIFICATE-----)".into());
    }
    let mut store = rustls::RootCertStore::empty();
    for (n, certificate) in certificates.iter().enumerate() {
        if store.add(certificate.clone()).is_err() {
            return Err(format!(
                "certificate {} of the CA bundle is not an X.509 certificate",
                n + 1
            ));
        }
    }
    Ok(certificates)
}
