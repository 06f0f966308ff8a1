//! The one place where errors become gRPC statuses.
//!
//! Handlers return `Result<_, ApiError>`; domain, store, queue and parse errors convert into it
//! with `?`, and `From<ApiError> for Status` picks the canonical code. INVALID_ARGUMENT carries a
//! `google.rpc.BadRequest` naming the field; INTERNAL logs its cause and sends none.

use specdoc_core::Invalid;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// An error a handler answers with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A request field is invalid.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// A field of one element of a repeated request field is invalid, e.g. `jobs[3].spec`.
    #[error("{list}[{index}].{invalid}")]
    InvalidItem {
        /// The repeated field, e.g. `jobs`.
        list: &'static str,
        /// The element's 0-based index.
        index: usize,
        /// What is wrong, naming the element's field.
        invalid: Invalid,
    },
    /// The thing asked for does not exist (or belongs to another team).
    #[error("{0} not found")]
    NotFound(String),
    /// The request is valid but the resource's state forbids it.
    #[error("{0}")]
    FailedPrecondition(String),
    /// A cursor points before retained history.
    #[error("{0}")]
    OutOfRange(String),
    /// No valid token came with the call.
    #[error("{0}")]
    Unauthenticated(String),
    /// The token is valid but may not do this (team tokens on admin RPCs).
    #[error("{0}")]
    PermissionDenied(String),
    /// The team is over a quota; `retry_after` says when trying again can succeed.
    #[error("{message}")]
    ResourceExhausted {
        /// Which quota, and by how much.
        message: String,
        /// The quota subject, e.g. `team:payments`.
        subject: String,
        /// When a retry can succeed.
        retry_after: std::time::Duration,
    },
    /// A dependency is down; retrying later may work.
    #[error("{0}")]
    Unavailable(String),
    /// A bug or corrupt data; details are logged, not sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// This error as it concerns element `index` of the repeated request field `list`: an
    /// invalid field is named inside that element (`jobs[3].spec`); other errors are unchanged.
    pub fn in_item(self, list: &'static str, index: usize) -> Self {
        match self {
            ApiError::Invalid(invalid) => ApiError::InvalidItem {
                list,
                index,
                invalid,
            },
            other => other,
        }
    }
}

impl From<specdoc_store::Error> for ApiError {
    fn from(error: specdoc_store::Error) -> Self {
        Self::from(&error)
    }
}

/// For an error many callers share (a group commit that failed).
impl From<&specdoc_store::Error> for ApiError {
    fn from(error: &specdoc_store::Error) -> Self {
        if error.is_transient() {
            ApiError::Unavailable(format!("database unavailable: {error}"))
        } else {
            ApiError::Internal(error.to_string())
        }
    }
}

impl From<specdoc_queue::Error> for ApiError {
    fn from(error: specdoc_queue::Error) -> Self {
        match error {
            specdoc_queue::Error::Redis(e) => {
                ApiError::Unavailable(format!("redis unavailable: {e}"))
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<specdoc_docs::ParseError> for ApiError {
    fn from(error: specdoc_docs::ParseError) -> Self {
        ApiError::Invalid(Invalid::new("spec", error.to_string()))
    }
}

impl From<ApiError> for Status {
    fn from(error: ApiError) -> Self {
        match error {
            ApiError::Invalid(invalid) => {
                let details =
                    ErrorDetails::with_bad_request_violation(invalid.field, invalid.reason.clone());
                Status::with_error_details(Code::InvalidArgument, invalid.to_string(), details)
            }
            ApiError::InvalidItem {
                list,
                index,
                invalid,
            } => {
                let field = format!("{list}[{index}].{}", invalid.field);
                let message = format!("{field}: {}", invalid.reason);
                let details = ErrorDetails::with_bad_request_violation(field, invalid.reason);
                Status::with_error_details(Code::InvalidArgument, message, details)
            }
            ApiError::NotFound(what) => Status::not_found(format!("{what} not found")),
            ApiError::FailedPrecondition(message) => Status::failed_precondition(message),
            ApiError::OutOfRange(message) => Status::out_of_range(message),
            ApiError::Unauthenticated(message) => Status::unauthenticated(message),
            ApiError::PermissionDenied(message) => Status::permission_denied(message),
            ApiError::ResourceExhausted {
                message,
                subject,
                retry_after,
            } => {
                let mut details = ErrorDetails::with_retry_info(Some(retry_after));
                details.add_quota_failure_violation(subject, message.clone());
                Status::with_error_details(Code::ResourceExhausted, message, details)
            }
            ApiError::Unavailable(message) => {
                tracing::warn!(error = %message, "dependency unavailable");
                Status::unavailable(message)
            }
            ApiError::Internal(cause) => {
                tracing::error!(error = %cause, "internal error");
                Status::internal("internal error; see the service's logs")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_fields_become_invalid_argument_with_a_field_violation() {
        let status = Status::from(ApiError::from(Invalid::new("team_id", "is required")));
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(status.message(), "team_id: is required");
        let details = status.get_error_details();
        let violations = &details
            .bad_request()
            .expect("bad request details")
            .field_violations;
        assert_eq!(violations[0].field, "team_id");
    }

    #[test]
    fn an_invalid_element_names_its_index_and_field() {
        let error = ApiError::from(Invalid::new("spec", "is required")).in_item("jobs", 3);
        let status = Status::from(error);
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(status.message(), "jobs[3].spec: is required");
        let details = status.get_error_details();
        let violation = &details
            .bad_request()
            .expect("bad request details")
            .field_violations[0];
        assert_eq!(
            (violation.field.as_str(), violation.description.as_str()),
            ("jobs[3].spec", "is required")
        );
        let not_found = ApiError::NotFound("team x".into()).in_item("jobs", 3);
        assert_eq!(Status::from(not_found).code(), Code::NotFound);
    }

    #[test]
    fn internal_errors_do_not_leak_their_cause() {
        let status = Status::from(ApiError::Internal("password=hunter2".into()));
        assert_eq!(status.code(), Code::Internal);
        assert!(!status.message().contains("hunter2"));
    }
}
