//! The error type of spec loading: every way untrusted bytes can be refused, with user-facing
//! messages and short machine codes for API error details.

/// Why a spec could not be loaded. `Display` is user-facing text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The input has no content (zero bytes, or only whitespace / a byte-order mark).
    #[error("spec is empty")]
    Empty,
    /// The input is bigger than [`crate::Limits::max_bytes`].
    #[error("spec exceeds the size limit: {size} bytes > {limit}")]
    TooLarge {
        /// Size of the input in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// The input is not valid UTF-8, JSON or YAML.
    #[error("spec is not valid JSON or YAML: {message}{}", location_suffix(*.line, *.column))]
    Syntax {
        /// What the parser complained about, without the location.
        message: String,
        /// 1-based line, where known.
        line: Option<usize>,
        /// 1-based column, where known.
        column: Option<usize>,
    },
    /// Mappings and sequences are nested deeper than the limit.
    #[error("spec nesting is deeper than {limit} levels")]
    TooDeep {
        /// The depth limit.
        limit: usize,
    },
    /// The document has more nodes (values) than the limit.
    #[error("spec has more than {limit} nodes")]
    TooManyNodes {
        /// The node limit.
        limit: usize,
    },
    /// YAML aliases (`*name`) are used or expanded beyond the limit (an "alias bomb").
    #[error("YAML alias expansion exceeds the limit of {limit} aliases")]
    TooManyAliases {
        /// The alias limit.
        limit: usize,
    },
    /// The document declares more operations than [`crate::Limits::max_operations`].
    #[error("spec has {count} operations, more than the limit of {limit}")]
    TooManyOperations {
        /// Operations found.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// The document's root is not a mapping (object).
    #[error(
        "spec root is not a mapping: expected an object with `openapi` or `swagger` at the top"
    )]
    NotAMapping,
    /// The document does not declare a supported spec version.
    #[error("{}", unsupported_message(.found.as_deref()))]
    UnsupportedVersion {
        /// The version string found, if any.
        found: Option<String>,
    },
}

const EXPECTED_VERSIONS: &str = "expected `openapi: 3.0.x`, `openapi: 3.1.x` or `swagger: \"2.0\"`";

fn unsupported_message(found: Option<&str>) -> String {
    match found {
        None => format!("spec declares no supported version: {EXPECTED_VERSIONS}"),
        Some(v) => format!("spec declares unsupported version \"{v}\": {EXPECTED_VERSIONS}"),
    }
}

fn location_suffix(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(" at line {l} column {c}"),
        (Some(l), None) => format!(" at line {l}"),
        _ => String::new(),
    }
}

impl ParseError {
    /// A short, stable machine code for the error, e.g. `"syntax"` or `"too_large"`.
    pub fn reason(&self) -> &'static str {
        match self {
            ParseError::Empty => "empty",
            ParseError::TooLarge { .. } => "too_large",
            ParseError::Syntax { .. } => "syntax",
            ParseError::TooDeep { .. } => "too_deep",
            ParseError::TooManyNodes { .. } => "too_many_nodes",
            ParseError::TooManyAliases { .. } => "too_many_aliases",
            ParseError::TooManyOperations { .. } => "too_many_operations",
            ParseError::NotAMapping => "not_a_mapping",
            ParseError::UnsupportedVersion { .. } => "unsupported_version",
        }
    }

    /// The request field the error is about, for a gRPC `BadRequest` field violation.
    pub fn field(&self) -> &'static str {
        "spec"
    }

    pub(crate) fn syntax(
        message: impl Into<String>,
        line: Option<usize>,
        column: Option<usize>,
    ) -> Self {
        ParseError::Syntax {
            message: message.into(),
            line,
            column,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_user_facing() {
        let e = ParseError::syntax("expected ',' or '}'", Some(3), Some(5));
        assert_eq!(
            e.to_string(),
            "spec is not valid JSON or YAML: expected ',' or '}' at line 3 column 5"
        );
        assert_eq!(e.reason(), "syntax");
        let e = ParseError::TooLarge {
            size: 40_000_000,
            limit: 33_554_432,
        };
        assert_eq!(
            e.to_string(),
            "spec exceeds the size limit: 40000000 bytes > 33554432"
        );
        let e = ParseError::UnsupportedVersion { found: None };
        assert_eq!(
            e.to_string(),
            "spec declares no supported version: expected `openapi: 3.0.x`, `openapi: 3.1.x` or `swagger: \"2.0\"`"
        );
        assert_eq!(
            ParseError::TooDeep { limit: 128 }.to_string(),
            "spec nesting is deeper than 128 levels"
        );
        assert_eq!(ParseError::Empty.to_string(), "spec is empty");
    }
}
