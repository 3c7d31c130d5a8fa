//! TLS with rustls (ring provider): TLS 1.2 and 1.3 (T-2), no 0-RTT (T-3), only AEAD cipher
//! suites, none of them on the RFC 7540 blacklist (T-4).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// Why TLS cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{path}: {message}")]
    File { path: String, message: String },
    #[error("TLS configuration: {0}")]
    Config(String),
}

/// A rustls server configuration from a PEM certificate chain and private key.
pub fn server_config(cert: &Path, key: &Path) -> Result<ServerConfig, TlsError> {
    let file_err = |p: &Path, m: String| TlsError::File {
        path: p.display().to_string(),
        message: m,
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| file_err(cert, e.to_string()))?
        .collect::<Result<_, _>>()
        .map_err(|e| file_err(cert, e.to_string()))?;
    if chain.is_empty() {
        return Err(file_err(
            cert,
            "no certificate found (expected PEM 'BEGIN CERTIFICATE')".into(),
        ));
    }
    let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| file_err(key, e.to_string()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)
        .map_err(|e| TlsError::Config(e.to_string()))?;
    // TAXII clients speak HTTP/1.1; 0-RTT stays off (max_early_data_size defaults to 0).
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// The development certificate in the data directory, generated on first use: a private
/// development CA (`dev-ca.pem`, the file clients trust) and a server certificate signed by it
/// for `localhost`, `127.0.0.1` and `::1` (`dev-cert.pem`, `dev-key.pem`). Only for loopback
/// listeners. A CA and a leaf rather than one self-signed certificate, because strict X.509
/// verifiers (Python's `ssl` with urllib3 2, for taxii2-client) refuse a self-signed leaf as
/// its own trust anchor.
pub fn development_certificate(data_dir: &Path) -> Result<(PathBuf, PathBuf), TlsError> {
    let ca_path = data_dir.join("dev-ca.pem");
    let cert_path = data_dir.join("dev-cert.pem");
    let key_path = data_dir.join("dev-key.pem");
    if ca_path.exists() && cert_path.exists() && key_path.exists() {
        return Ok((cert_path, key_path));
    }
    let err = |e: rcgen::Error| TlsError::Config(e.to_string());
    let ca_key = rcgen::KeyPair::generate().map_err(err)?;
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Constrained(0));
    ca_params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
    ];
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Schakel development CA");
    let ca_cert = ca_params.self_signed(&ca_key).map_err(err)?;
    let issuer = rcgen::Issuer::new(ca_params, &ca_key);

    let key = rcgen::KeyPair::generate().map_err(err)?;
    let names = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ];
    let mut params = rcgen::CertificateParams::new(names).map_err(err)?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    params.use_authority_key_identifier_extension = true;
    params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params.signed_by(&key, &issuer).map_err(err)?;

    write_private(&key_path, key.serialize_pem().as_bytes())?;
    let write = |path: &Path, text: String| {
        std::fs::write(path, text).map_err(|e| TlsError::File {
            path: path.display().to_string(),
            message: e.to_string(),
        })
    };
    // The chain served: leaf then CA, so clients that trust the CA can build the path.
    write(&cert_path, format!("{}{}", cert.pem(), ca_cert.pem()))?;
    write(&ca_path, ca_cert.pem())?;
    Ok((cert_path, key_path))
}

/// Writes a file readable by its owner only (private keys).
fn write_private(path: &Path, data: &[u8]) -> Result<(), TlsError> {
    use std::io::Write;
    let err = |e: std::io::Error| TlsError::File {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(err)?;
    f.write_all(data).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_and_loads_a_development_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = development_certificate(dir.path()).unwrap();
        let config = server_config(&cert, &key).unwrap();
        assert_eq!(config.max_early_data_size, 0);
        // Generated once, reused after.
        let before = std::fs::read(&cert).unwrap();
        development_certificate(dir.path()).unwrap();
        assert_eq!(std::fs::read(&cert).unwrap(), before);
    }

    #[test]
    fn bad_files_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let cert = dir.path().join("c.pem");
        std::fs::write(&cert, "not pem").unwrap();
        let e = server_config(&cert, &cert).unwrap_err().to_string();
        assert!(e.contains("c.pem"), "{e}");
    }
}
