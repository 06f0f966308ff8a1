//! Errors as sentences a user can act on.

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A configured URL is not a URL.
    #[error("the {what} URL {url:?} is not a valid URL (set SPECDOC_{}_URL)", what.to_uppercase())]
    BadUrl {
        /// `scheduler` or `tracker`.
        what: &'static str,
        /// The URL.
        url: String,
    },
    /// The TLS settings cannot be used (a file is missing, or only half a client identity).
    #[error("TLS: {0}")]
    Tls(String),
    /// The token cannot be sent as a header.
    #[error("SPECDOC_TOKEN holds characters a header cannot carry")]
    BadToken,
    /// Nothing answers at the service's address.
    #[error("cannot reach the {what} at {url}: is specdoc running? Start it with `specdoc up`, or set SPECDOC_{}_URL ({detail})", what.to_uppercase())]
    Unreachable {
        /// `scheduler` or `tracker`.
        what: &'static str,
        /// Its URL.
        url: String,
        /// The transport's words.
        detail: String,
    },
    /// The service answered with an error status.
    #[error("{}: {}", hint(.0.code()), .0.message())]
    Status(tonic::Status),
}

impl Error {
    /// The gRPC status code, for callers that branch on it (`NotFound`, `InvalidArgument`…).
    pub fn code(&self) -> Option<tonic::Code> {
        match self {
            Error::Status(status) => Some(status.code()),
            _ => None,
        }
    }

    pub(crate) fn from_status(status: tonic::Status, what: &'static str, url: &str) -> Self {
        // tonic reports a refused or failed connection as UNAVAILABLE with a transport
        // message; a service that answers UNAVAILABLE itself (Redis down) says so in words.
        let transport = status.code() == tonic::Code::Unavailable
            && (status.message().contains("transport")
                || status.message().contains("connect")
                || status.message().contains("dns"));
        if transport {
            Error::Unreachable {
                what,
                url: url.to_owned(),
                detail: status.message().to_owned(),
            }
        } else {
            Error::Status(status)
        }
    }
}

fn hint(code: tonic::Code) -> &'static str {
    use tonic::Code;
    match code {
        Code::InvalidArgument => "the request was rejected",
        Code::NotFound => "not found",
        Code::FailedPrecondition => "not possible in the job's current state",
        Code::OutOfRange => "the cursor is older than the retained history; read the job again",
        Code::Unavailable => "the service is unavailable (is Redis or the database down?)",
        Code::Unauthenticated => "authentication failed (check SPECDOC_TOKEN)",
        Code::PermissionDenied => "permission denied",
        Code::ResourceExhausted => "over quota; try again later",
        Code::DeadlineExceeded => "the call timed out",
        _ => "the call failed",
    }
}
