//! Entry points for untrusted spec bytes: format detection, JSON/YAML loading within [`Limits`],
//! version detection, and the full conversion into the [`Spec`] model (with `$ref` resolution).

mod convert;
mod error;
mod keywords;
mod load;
mod oas3;
pub mod refs;
mod swagger;
mod tree;
mod yamlscan;

pub use error::ParseError;

use crate::model::{Method, Spec};
use serde_json::Value;

/// Limits on untrusted input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted input, in bytes.
    pub max_bytes: usize,
    /// Deepest accepted nesting of mappings/sequences (JSON is further capped at 128 by serde_json).
    pub max_depth: usize,
    /// Most values (nodes) the document may hold, after YAML alias expansion.
    pub max_nodes: usize,
    /// Most YAML alias uses (`*name`) accepted.
    pub max_yaml_aliases: usize,
    /// Most operations (method entries under `paths`) accepted: each one is rendered, scored and
    /// possibly sent to an LLM, so their number bounds a job's work. The default leaves room
    /// for very large generated specs; lower it to bound jobs further.
    pub max_operations: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 32 * 1024 * 1024,
            max_depth: 128,
            max_nodes: 5_000_000,
            max_yaml_aliases: 10_000,
            max_operations: 50_000,
        }
    }
}

/// The kind of spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpecFormat {
    /// OpenAPI 3.0.x
    OpenApi30,
    /// OpenAPI 3.1.x
    OpenApi31,
    /// Swagger 2.0
    Swagger20,
}

impl SpecFormat {
    /// Human label: "OpenAPI 3.0", "OpenAPI 3.1" or "Swagger 2.0".
    pub fn label(&self) -> &'static str {
        match self {
            SpecFormat::OpenApi30 => "OpenAPI 3.0",
            SpecFormat::OpenApi31 => "OpenAPI 3.1",
            SpecFormat::Swagger20 => "Swagger 2.0",
        }
    }
}

/// What [`inspect`] learns about a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecInfo {
    /// Kind of spec.
    pub format: SpecFormat,
    /// Declared version, e.g. "3.0.3".
    pub version: String,
    /// `info.title` (empty when missing).
    pub title: String,
    /// Number of operations under `paths`.
    pub operation_count: usize,
}

/// Cheap-ish validation for job submission: the bytes parse as JSON or YAML within `limits`,
/// the root is a mapping, and it declares a supported version.
pub fn inspect(bytes: &[u8], limits: &Limits) -> Result<SpecInfo, ParseError> {
    let root = load::load(bytes, limits)?;
    let (format, version) = detect(&root)?;
    let title = root
        .get("info")
        .and_then(|i| i.get("title"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let operation_count = count_operations(&root, limits)?;
    Ok(SpecInfo {
        format,
        version,
        title,
        operation_count,
    })
}

/// The number of operations under `paths`, refused past [`Limits::max_operations`].
fn count_operations(root: &Value, limits: &Limits) -> Result<usize, ParseError> {
    let count = root
        .get("paths")
        .and_then(Value::as_object)
        .map(|paths| {
            paths
                .values()
                .filter_map(Value::as_object)
                .map(|item| {
                    item.keys()
                        .filter(|k| Method::from_key(k).is_some())
                        .count()
                })
                .sum()
        })
        .unwrap_or(0);
    if count > limits.max_operations {
        return Err(ParseError::TooManyOperations {
            count,
            limit: limits.max_operations,
        });
    }
    Ok(count)
}

/// Full parse into the normalised model.
pub fn parse(bytes: &[u8], limits: &Limits) -> Result<Spec, ParseError> {
    let root = load::load(bytes, limits)?;
    let (format, version) = detect(&root)?;
    count_operations(&root, limits)?;
    Ok(match format {
        SpecFormat::Swagger20 => swagger::build(&root, version),
        _ => oas3::build(&root, format, version),
    })
}

fn version_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()),
        // YAML `swagger: 2.0` or `openapi: 3.0` arrive as numbers.
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn detect(root: &Value) -> Result<(SpecFormat, String), ParseError> {
    let Some(map) = root.as_object() else {
        return Err(ParseError::NotAMapping);
    };
    if let Some(v) = map.get("openapi") {
        let found = version_string(v);
        return match found.as_deref() {
            Some(s) if is_version(s, "3.0") => Ok((SpecFormat::OpenApi30, s.to_string())),
            Some(s) if is_version(s, "3.1") => Ok((SpecFormat::OpenApi31, s.to_string())),
            _ => Err(ParseError::UnsupportedVersion { found }),
        };
    }
    if let Some(v) = map.get("swagger") {
        let found = version_string(v);
        return match found.as_deref() {
            Some("2.0" | "2") => Ok((SpecFormat::Swagger20, "2.0".to_string())),
            _ => Err(ParseError::UnsupportedVersion { found }),
        };
    }
    Err(ParseError::UnsupportedVersion { found: None })
}

/// `s` is `major.minor` or `major.minor.anything`.
fn is_version(s: &str, prefix: &str) -> bool {
    s == prefix
        || s.strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_versions() {
        let l = Limits::default();
        let i = inspect(b"openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths:\n  /a: {get: {}, post: {}, parameters: []}\n", &l).unwrap();
        assert_eq!(
            (
                i.format,
                i.version.as_str(),
                i.title.as_str(),
                i.operation_count
            ),
            (SpecFormat::OpenApi30, "3.0.3", "T", 2)
        );
        assert_eq!(
            inspect(b"{\"openapi\": \"3.1.0\"}", &l).unwrap().format,
            SpecFormat::OpenApi31
        );
        assert_eq!(
            inspect(b"swagger: '2.0'", &l).unwrap().format,
            SpecFormat::Swagger20
        );
        assert_eq!(
            inspect(b"swagger: 2.0", &l).unwrap().format,
            SpecFormat::Swagger20
        );
        assert_eq!(
            inspect(b"openapi: 3.10.0", &l).unwrap_err(),
            ParseError::UnsupportedVersion {
                found: Some("3.10.0".into())
            }
        );
        assert_eq!(
            inspect(b"{\"a\": 1}", &l).unwrap_err(),
            ParseError::UnsupportedVersion { found: None }
        );
        assert_eq!(inspect(b"[1, 2]", &l).unwrap_err(), ParseError::NotAMapping);
        assert_eq!(
            inspect(b"just text", &l).unwrap_err(),
            ParseError::NotAMapping
        );
        assert_eq!(SpecFormat::OpenApi31.label(), "OpenAPI 3.1");
    }
}
