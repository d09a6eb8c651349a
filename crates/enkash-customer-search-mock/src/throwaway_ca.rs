//! [`ThrowawayCa`]: a certificate authority made in memory for one test run, and a server
//! certificate it signed.
//!
//! A client's HTTPS path (its trust roots, its refusal of a stranger's certificate) is only
//! tested against a server with a certificate; a CA that lives as long as the test needs no
//! file, no expiry date to renew and no private key in the repository.

use std::fmt;
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivatePkcs8KeyDer};

/// A new CA (rcgen, in memory) and a server certificate it signed for some names. Give
/// [`ca_pem`](Self::ca_pem) to the client to trust
/// (`ClientBuilder::add_root_certificates`, the CLI's `--ca-cert`), and
/// [`acceptor`](Self::acceptor) to a server.
pub struct ThrowawayCa {
    ca_pem: String,
    chain: Vec<CertificateDer<'static>>,
    key: PrivatePkcs8KeyDer<'static>,
}

impl ThrowawayCa {
    /// A new CA, and a server certificate from it for `names`: DNS names or IP addresses
    /// (`127.0.0.1`, `localhost`). Fails only if rcgen does (a name it cannot encode).
    pub fn for_names(names: &[&str]) -> Result<ThrowawayCa, rcgen::Error> {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new())?;
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "enkash sandbox's throwaway CA");
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        let ca = rcgen::CertifiedIssuer::self_signed(params, rcgen::KeyPair::generate()?)?;
        let key = rcgen::KeyPair::generate()?;
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let leaf = rcgen::CertificateParams::new(names)?.signed_by(&key, &ca)?;
        Ok(ThrowawayCa {
            ca_pem: ca.pem(),
            chain: vec![leaf.der().clone(), ca.der().clone()],
            key: PrivatePkcs8KeyDer::from(key.serialize_der()),
        })
    }

    /// The CA's certificate as PEM: what a client is told to trust.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// A TLS acceptor presenting the server certificate (and the CA's after it), on rustls
    /// with `ring`, as the client's TLS is.
    pub fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring's defaults are a valid protocol set")
            .with_no_client_auth()
            .with_single_cert(self.chain.clone(), self.key.clone_key().into())
            .expect("rcgen's key and certificate match");
        tokio_rustls::TlsAcceptor::from(Arc::new(config))
    }
}

impl fmt::Debug for ThrowawayCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The private key stays out of it.
        f.debug_struct("ThrowawayCa")
            .field("ca_pem", &self.ca_pem)
            .finish_non_exhaustive()
    }
}
