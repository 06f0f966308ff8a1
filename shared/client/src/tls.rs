//! The client side of TLS: which roots to trust and which certificate to present.

use crate::Error;
use std::path::{Path, PathBuf};
use tonic::transport::{Certificate, ClientTlsConfig, Identity};

/// TLS settings for `https://` URLs (`TLS_CA`, `TLS_CLIENT_CERT`, `TLS_CLIENT_KEY`).
#[derive(Clone, Debug, Default)]
pub struct ClientTls {
    /// PEM CA bundle the servers' certificates must chain to; the platform's roots when unset.
    pub ca: Option<PathBuf>,
    /// PEM certificate presented to servers that require one (mTLS); needs `key`.
    pub cert: Option<PathBuf>,
    /// PEM private key of `cert`.
    pub key: Option<PathBuf>,
}

impl ClientTls {
    /// The tonic configuration these settings describe. HTTP/2 is assumed, as every specdoc
    /// server speaks it, so a proxy that drops ALPN still works.
    pub(crate) fn load(&self) -> Result<ClientTlsConfig, Error> {
        let mut config = ClientTlsConfig::new().assume_http2(true);
        config = match &self.ca {
            Some(ca) => config.ca_certificate(Certificate::from_pem(read("TLS_CA", ca)?)),
            None => config.with_native_roots(),
        };
        match (&self.cert, &self.key) {
            (Some(cert), Some(key)) => Ok(config.identity(Identity::from_pem(
                read("TLS_CLIENT_CERT", cert)?,
                read("TLS_CLIENT_KEY", key)?,
            ))),
            (None, None) => Ok(config),
            _ => Err(Error::Tls(
                "TLS_CLIENT_CERT and TLS_CLIENT_KEY must be set together".into(),
            )),
        }
    }
}

fn read(what: &str, path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path)
        .map_err(|e| Error::Tls(format!("cannot read {what} {}: {e}", path.display())))
}
