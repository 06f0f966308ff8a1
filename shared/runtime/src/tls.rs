//! TLS for the gRPC server, from PEM files: off by default, on with a certificate and key, and
//! mutual (every client must present a certificate the given CA signed) with a client CA.
//!
//! rustls with the ring provider, as everywhere else in specdoc. The HTTP health and metrics
//! port stays plain, so probes and Prometheus need no certificates.

use std::path::{Path, PathBuf};
use std::time::Duration;
use tonic::transport::{Certificate, Identity, ServerTlsConfig};

/// How long a client gets to finish the TLS handshake: a stalled handshake must not hold a
/// connection slot for ever.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The gRPC server's TLS settings (`TLS_CERT`, `TLS_KEY`, `TLS_CLIENT_CA`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ServerTls {
    /// PEM certificate chain the gRPC server presents; with TLS_KEY, turns TLS on.
    #[arg(long, env = "TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of TLS_CERT.
    #[arg(long, env = "TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// PEM CA bundle; when set, every client must present a certificate it signed (mTLS).
    #[arg(long, env = "TLS_CLIENT_CA", requires = "tls_cert")]
    pub tls_client_ca: Option<PathBuf>,
}

/// Why the TLS settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A PEM file cannot be read.
    #[error("cannot read {what} {path}: {source}")]
    Read {
        /// Which setting (`TLS_CERT`…).
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Only half of a certificate and key pair is given.
    #[error("TLS_CERT and TLS_KEY must be set together")]
    Incomplete,
    /// The files are not a PEM certificate chain and its key (or a PEM CA bundle).
    #[error("TLS_CERT, TLS_KEY or TLS_CLIENT_CA is unusable: {0}")]
    Unusable(String),
}

impl ServerTls {
    /// Whether TLS is configured.
    pub fn enabled(&self) -> bool {
        self.tls_cert.is_some()
    }

    /// The server configuration, or `None` when TLS is off. The PEM is parsed here, so a bad
    /// file is reported with the setting's name rather than when the server starts.
    pub fn load(&self) -> Result<Option<ServerTlsConfig>, Error> {
        let (cert, key) = match (&self.tls_cert, &self.tls_key) {
            (None, None) if self.tls_client_ca.is_none() => return Ok(None),
            (Some(cert), Some(key)) => (cert, key),
            _ => return Err(Error::Incomplete),
        };
        let identity = Identity::from_pem(read("TLS_CERT", cert)?, read("TLS_KEY", key)?);
        let mut config = ServerTlsConfig::new()
            .identity(identity)
            .timeout(HANDSHAKE_TIMEOUT);
        if let Some(ca) = &self.tls_client_ca {
            config = config.client_ca_root(Certificate::from_pem(read("TLS_CLIENT_CA", ca)?));
        }
        if let Err(error) = tonic::transport::Server::builder().tls_config(config.clone()) {
            // tonic's own message is "transport error"; the cause says what is wrong.
            let cause =
                std::error::Error::source(&error).map_or(error.to_string(), ToString::to_string);
            return Err(Error::Unusable(cause));
        }
        Ok(Some(config))
    }
}

fn read(what: &'static str, path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|source| Error::Read {
        what,
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_without_files_and_refused_when_half_configured() {
        assert!(ServerTls::default().load().expect("no tls").is_none());
        let half = ServerTls {
            tls_cert: Some("cert.pem".into()),
            ..ServerTls::default()
        };
        assert!(matches!(half.load(), Err(Error::Incomplete)));
        let ca_only = ServerTls {
            tls_client_ca: Some("ca.pem".into()),
            ..ServerTls::default()
        };
        assert!(matches!(ca_only.load(), Err(Error::Incomplete)));
    }

    #[test]
    fn a_file_that_is_not_pem_is_refused_with_the_reason() {
        let path =
            std::env::temp_dir().join(format!("specdoc-tls-test-{}.pem", std::process::id()));
        std::fs::write(&path, "not a certificate").expect("temp file");
        let garbage = ServerTls {
            tls_cert: Some(path.clone()),
            tls_key: Some(path.clone()),
            tls_client_ca: None,
        };
        let error = garbage.load().expect_err("not PEM").to_string();
        let _ = std::fs::remove_file(&path);
        assert!(
            error.starts_with("TLS_CERT, TLS_KEY or TLS_CLIENT_CA is unusable: "),
            "{error}"
        );
        assert!(error.to_lowercase().contains("key"), "{error}");
    }

    #[test]
    fn a_missing_file_is_named() {
        let missing = ServerTls {
            tls_cert: Some("/nonexistent/cert.pem".into()),
            tls_key: Some("/nonexistent/key.pem".into()),
            tls_client_ca: None,
        };
        let error = missing.load().expect_err("missing file").to_string();
        assert!(error.contains("TLS_CERT /nonexistent/cert.pem"), "{error}");
    }
}
