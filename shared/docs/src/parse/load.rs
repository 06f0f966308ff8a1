//! Turns untrusted bytes into a `serde_json::Value` tree, JSON or YAML, within [`Limits`]:
//! size, nesting depth, node count and YAML alias use are all checked while building the tree,
//! so hostile input fails fast instead of exhausting memory, stack or time.

use std::cell::Cell;

use serde::de::DeserializeSeed;
use serde_json::Value;

use super::tree::{Budget, Hit, Node};
use super::yamlscan::{count_yaml_aliases, yaml_flow_depth_exceeds};
use super::{Limits, ParseError};

/// Loads `bytes` (JSON or YAML) into a value tree.
pub(crate) fn load(bytes: &[u8], limits: &Limits) -> Result<Value, ParseError> {
    if bytes.len() > limits.max_bytes {
        return Err(ParseError::TooLarge {
            size: bytes.len(),
            limit: limits.max_bytes,
        });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let (line, column) = line_col(bytes, e.valid_up_to());
            return Err(ParseError::syntax(
                "invalid UTF-8",
                Some(line),
                Some(column),
            ));
        }
    };
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Err(ParseError::Empty);
    }
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        match load_json(text, limits) {
            Ok(v) => Ok(v),
            Err(e @ ParseError::Syntax { .. }) => load_yaml(text, limits).map_err(|_| e),
            Err(e) => Err(e),
        }
    } else {
        load_yaml(text, limits)
    }
}

fn budget(limits: &Limits) -> Budget {
    Budget {
        nodes: Cell::new(0),
        max_nodes: limits.max_nodes,
        max_depth: limits.max_depth,
        hit: Cell::new(None),
    }
}

fn limit_error(hit: Hit, limits: &Limits) -> ParseError {
    match hit {
        Hit::Depth => ParseError::TooDeep {
            limit: limits.max_depth,
        },
        Hit::Nodes => ParseError::TooManyNodes {
            limit: limits.max_nodes,
        },
    }
}

fn load_json(text: &str, limits: &Limits) -> Result<Value, ParseError> {
    let b = budget(limits);
    let mut de = serde_json::Deserializer::from_str(text);
    let result = Node {
        budget: &b,
        depth: 0,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v));
    result.map_err(|e| {
        if let Some(hit) = b.hit.get() {
            return limit_error(hit, limits);
        }
        let msg = e.to_string();
        if msg.starts_with("recursion limit exceeded") {
            // serde_json refuses nesting beyond 128 on its own.
            return ParseError::TooDeep {
                limit: limits.max_depth.min(128),
            };
        }
        let line = (e.line() > 0).then_some(e.line());
        let column = (e.line() > 0).then_some(e.column());
        ParseError::syntax(strip_location(&msg), line, column)
    })
}

fn load_yaml(text: &str, limits: &Limits) -> Result<Value, ParseError> {
    let aliases = count_yaml_aliases(text);
    if aliases > limits.max_yaml_aliases {
        return Err(ParseError::TooManyAliases {
            limit: limits.max_yaml_aliases,
        });
    }
    // libyaml slows down quadratically on deep flow nesting: refuse it before parsing.
    if yaml_flow_depth_exceeds(text, limits.max_depth) {
        return Err(ParseError::TooDeep {
            limit: limits.max_depth,
        });
    }
    let b = budget(limits);
    let de = serde_yaml_ng::Deserializer::from_str(text);
    Node {
        budget: &b,
        depth: 0,
    }
    .deserialize(de)
    .map_err(|e| {
        if let Some(hit) = b.hit.get() {
            // More nodes than bytes can only come from alias expansion.
            if hit == Hit::Nodes && aliases > 0 && b.nodes.get() > text.len() {
                return ParseError::TooManyAliases {
                    limit: limits.max_yaml_aliases,
                };
            }
            return limit_error(hit, limits);
        }
        let msg = e.to_string();
        if msg.starts_with("repetition limit exceeded") {
            return ParseError::TooManyAliases {
                limit: limits.max_yaml_aliases,
            };
        }
        if msg.starts_with("recursion limit exceeded") {
            return ParseError::TooDeep {
                limit: limits.max_depth.min(128),
            };
        }
        let loc = e.location();
        ParseError::syntax(
            strip_location(&msg),
            loc.as_ref().map(|l| l.line()),
            loc.map(|l| l.column()),
        )
    })
}

/// Removes the first " at line N column M" from a parser message (the location is kept apart).
fn strip_location(msg: &str) -> String {
    let mut search = 0;
    while let Some(pos) = msg[search..].find(" at line ") {
        let start = search + pos;
        let rest = &msg[start + " at line ".len()..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && rest[digits..].starts_with(" column ") {
            let after = &rest[digits + " column ".len()..];
            let cdigits = after.bytes().take_while(u8::is_ascii_digit).count();
            if cdigits > 0 {
                let end = msg.len() - after.len() + cdigits;
                return format!("{}{}", &msg[..start], &msg[end..]);
            }
        }
        search = start + 1;
    }
    msg.to_string()
}

/// 1-based line and column of byte offset `pos`.
fn line_col(bytes: &[u8], pos: usize) -> (usize, usize) {
    let before = &bytes[..pos.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    (line, pos - line_start + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lim() -> Limits {
        Limits::default()
    }

    #[test]
    fn loads_json_and_yaml_alike() {
        let j = load(br#"{"a": [1, "x", true, null], "b": {"c": 1.5}}"#, &lim()).unwrap();
        let y = load(b"a: [1, x, true, null]\nb:\n  c: 1.5\n", &lim()).unwrap();
        assert_eq!(j, y);
    }

    #[test]
    fn yaml_integer_keys_become_strings() {
        let v = load(b"responses:\n  200: ok\n", &lim()).unwrap();
        assert_eq!(v["responses"]["200"], "ok");
    }

    #[test]
    fn bom_is_stripped_and_empty_is_refused() {
        assert!(load(b"\xEF\xBB\xBF{\"a\":1}", &lim()).is_ok());
        assert_eq!(load(b"", &lim()), Err(ParseError::Empty));
        assert_eq!(load(b"\xEF\xBB\xBF  \n", &lim()), Err(ParseError::Empty));
    }

    #[test]
    fn invalid_utf8_is_a_syntax_error_with_location() {
        let e = load(b"a: 1\nb: \xff\xfe", &lim()).unwrap_err();
        assert_eq!(e, ParseError::syntax("invalid UTF-8", Some(2), Some(4)));
    }

    #[test]
    fn json_syntax_error_has_location() {
        let e = load(b"{\n  \"a\": 1\n  \"b\": 2\n}", &lim()).unwrap_err();
        match e {
            ParseError::Syntax {
                line,
                column,
                message,
            } => {
                assert_eq!(line, Some(3), "{message}");
                assert!(column.is_some());
                assert!(!message.contains("at line"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn limits_are_enforced() {
        let small = Limits {
            max_nodes: 10,
            max_depth: 3,
            ..Limits::default()
        };
        let e = load(b"[1,2,3,4,5,6,7,8,9,10,11,12]", &small).unwrap_err();
        assert_eq!(e, ParseError::TooManyNodes { limit: 10 });
        let e = load(b"a: {b: {c: {d: 1}}}", &small).unwrap_err();
        assert_eq!(e, ParseError::TooDeep { limit: 3 });
        let e = load(
            b"0123456789",
            &Limits {
                max_bytes: 5,
                ..Limits::default()
            },
        )
        .unwrap_err();
        assert_eq!(e, ParseError::TooLarge { size: 10, limit: 5 });
    }

    #[test]
    fn strip_location_keeps_context() {
        assert_eq!(
            strip_location(
                "did not find expected key at line 3 column 5, while parsing a block mapping"
            ),
            "did not find expected key, while parsing a block mapping"
        );
        assert_eq!(strip_location("no location"), "no location");
    }

    #[test]
    fn alias_limit_is_enforced() {
        let few = Limits {
            max_yaml_aliases: 2,
            ..Limits::default()
        };
        let e = load(b"a: &x 1\nb: *x\nc: [*x, *x]\n", &few).unwrap_err();
        assert_eq!(e, ParseError::TooManyAliases { limit: 2 });
    }
}
