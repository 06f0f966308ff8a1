//! JSON pointers and local `$ref` lookup (RFC 6901 escapes `~0`/`~1` and URI percent-escapes).
//! Remote and file references are recognised here so that nothing is ever fetched.

use serde_json::Value;

/// Escapes one pointer segment: `~` → `~0`, `/` → `~1`.
pub fn escape(segment: &str) -> String {
    if !segment.contains(['~', '/']) {
        return segment.to_string();
    }
    segment.replace('~', "~0").replace('/', "~1")
}

/// Undoes [`escape`] and URI percent-encoding on one segment.
pub fn unescape(segment: &str) -> String {
    let decoded = percent_decode(segment);
    if !decoded.contains('~') {
        return decoded;
    }
    decoded.replace("~1", "/").replace("~0", "~")
}

fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

/// Whether a reference is local to the document (`#...`).
pub fn is_local(reference: &str) -> bool {
    reference.starts_with('#')
}

/// Looks up a local reference (`#/a/b~1c`) in `root`. `None` when it is not local or missing.
pub fn lookup<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    if pointer.is_empty() {
        return Some(root);
    }
    let pointer = pointer.strip_prefix('/')?;
    let mut node = root;
    for raw in pointer.split('/') {
        let seg = unescape(raw);
        node = match node {
            Value::Object(m) => m.get(&seg)?,
            Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(node)
}

/// The `$ref` string of an object, if it has one.
pub fn ref_of(v: &Value) -> Option<&str> {
    v.get("$ref").and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn escapes_round_trip() {
        assert_eq!(escape("/pets/{id}"), "~1pets~1{id}");
        assert_eq!(escape("a~b"), "a~0b");
        assert_eq!(unescape("~1pets~1{id}"), "/pets/{id}");
        assert_eq!(unescape("a~0b"), "a~b");
        assert_eq!(unescape("~01"), "~1");
        assert_eq!(unescape("%7Bid%7D"), "{id}");
        assert_eq!(unescape("100%"), "100%");
    }

    #[test]
    fn looks_up_local_refs() {
        let root = json!({"paths": {"/a/b": {"get": [1, {"x": 2}]}}, "c~d": 3});
        assert_eq!(lookup(&root, "#/paths/~1a~1b/get/1/x"), Some(&json!(2)));
        assert_eq!(lookup(&root, "#/c~0d"), Some(&json!(3)));
        assert_eq!(lookup(&root, "#/missing"), None);
        assert_eq!(lookup(&root, "other.yaml#/x"), None);
        assert_eq!(lookup(&root, "#"), Some(&root));
    }
}
