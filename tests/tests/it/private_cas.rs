//! HTTPS to servers on 127.0.0.1 whose certificates come from a throwaway CA: trusted once
//! the CA is added to the client, refused at once (one attempt, the cause in the message)
//! when it is not, or when the certificate names another host.

use enkash_customer_search::{BuildError, Client, Error, SearchQuery, TransportErrorKind};
use enkash_customer_search_mock::ThrowawayCa;
use workspace_tests::{RawServer, raw_json_answer, spec_example};

fn page() -> Vec<u8> {
    raw_json_answer(200, &spec_example("CustomerSearchPage"))
}

#[tokio::test]
async fn a_private_ca_added_to_the_client_is_trusted() {
    let ca = ThrowawayCa::for_names(&["127.0.0.1"]).unwrap();
    let server = RawServer::tls(vec![page()], &ca).await;
    let client = Client::builder(server.base_url())
        .add_root_certificates(ca.ca_pem())
        .build()
        .unwrap();
    let page = client.search(SearchQuery::new()).await.unwrap();
    assert!(!page.customers.is_empty());
}

#[tokio::test]
async fn a_bundle_with_a_byte_order_mark_or_notes_before_its_blocks_is_trusted() {
    let ca = ThrowawayCa::for_names(&["127.0.0.1"]).unwrap();
    let server = RawServer::tls(vec![page(), page()], &ca).await;
    // A Windows editor's byte-order mark right before the first block; a note, as in
    // `openssl s_client -showcerts` output, whose first byte is that of a DER certificate.
    for before in [&b"\xef\xbb\xbf"[..], b"0 s:CN = throwaway CA\n"] {
        let mut bundle = before.to_vec();
        bundle.extend_from_slice(ca.ca_pem().as_bytes());
        let client = Client::builder(server.base_url())
            .add_root_certificates(bundle)
            .build()
            .unwrap();
        assert!(client.search(SearchQuery::new()).await.is_ok());
    }
}

async fn refused(client: Client, server: &RawServer, cause: &str) {
    let error = client.search(SearchQuery::new()).await.unwrap_err();
    let Error::Transport(transport) = &error else {
        panic!("expected a TLS failure, got {error:?}");
    };
    assert_eq!(transport.kind, TransportErrorKind::Tls, "{error}");
    assert!(error.to_string().contains(cause), "{error}");
    assert_eq!(
        server.connections(),
        1,
        "a certificate failure is not retried"
    );
}

#[tokio::test]
async fn an_untrusted_ca_fails_at_once_saying_why() {
    let ca = ThrowawayCa::for_names(&["127.0.0.1"]).unwrap();
    let server = RawServer::tls(vec![page()], &ca).await;
    // The platform's roots alone.
    let client = Client::new(server.base_url()).unwrap();
    refused(client, &server, "invalid peer certificate: UnknownIssuer").await;
}

#[tokio::test]
async fn a_certificate_for_another_name_fails_at_once_saying_why() {
    let ca = ThrowawayCa::for_names(&["customers.enkash.example"]).unwrap();
    let server = RawServer::tls(vec![page()], &ca).await;
    let client = Client::builder(server.base_url())
        .add_root_certificates(ca.ca_pem())
        .build()
        .unwrap();
    refused(
        client,
        &server,
        "certificate not valid for name \"127.0.0.1\"",
    )
    .await;
}

#[test]
fn a_bundle_that_is_not_pem_fails_the_build() {
    for (bundle, why) in [
        ("hello", "holds no certificate"),
        (
            "-----BEGIN CERTIFICATE-----\n%%%\n-----END CERTIFICATE-----\n",
            "not PEM",
        ),
        // Base64 that holds no certificate: refused here, not at every handshake.
        (
            "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n",
            "certificate 1 of the CA bundle is not an X.509 certificate",
        ),
        // A DER file: the first byte of an ASN.1 sequence.
        ("\u{30}\u{82}\u{1}\u{a}", "DER, not PEM"),
    ] {
        let error = Client::builder("https://127.0.0.1:9")
            .add_root_certificates(bundle)
            .build()
            .unwrap_err();
        assert!(
            matches!(&error, BuildError::InvalidRootCertificates(reason) if reason.contains(why)),
            "{error}"
        );
    }
}
