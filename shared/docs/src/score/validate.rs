//! A small JSON Schema validator over the model's [`Schema`], enough to check examples: types
//! (with `nullable`), `enum`, `const`, object properties, `required`, `additionalProperties:
//! false`, `items`, compositions, the numeric/length/size bounds, `pattern` and the common
//! `format`s ([`super::formats`]). Named `$ref`s are followed, at most [`MAX_DEPTH`] deep;
//! anything deeper or unresolved is accepted.

use serde_json::Value;

use super::formats;
use super::util::Ctx;
use crate::model::{AdditionalProperties, Schema, SchemaRef};

const MAX_DEPTH: usize = 32;

/// Why `value` does not validate against `schema`, or `None` when it does.
pub(super) fn check(ctx: &Ctx<'_>, schema: &Schema, value: &Value) -> Option<String> {
    check_at(ctx, schema, value, "", 0)
}

fn check_at(ctx: &Ctx<'_>, s: &Schema, v: &Value, at: &str, depth: usize) -> Option<String> {
    if depth > MAX_DEPTH || s.truncated {
        return None;
    }
    match &s.reference {
        Some(SchemaRef::Named(n)) => {
            return ctx
                .named(n)
                .and_then(|t| check_at(ctx, t, v, at, depth + 1));
        }
        Some(_) => return None,
        None => {}
    }
    let here = || {
        if at.is_empty() {
            "the value".to_string()
        } else {
            format!("`{at}`")
        }
    };
    if v.is_null() && s.nullable {
        return None;
    }
    if !s.types.is_empty() && !s.types.iter().any(|t| type_matches(t, v)) {
        return Some(format!(
            "{} is {}, expected {}",
            here(),
            kind(v),
            s.types.join(" or ")
        ));
    }
    if !s.enum_values.is_empty() && !s.enum_values.iter().any(|e| same(e, v)) {
        return Some(format!("{} is not one of the enum values", here()));
    }
    if let Some(c) = &s.const_value
        && !same(c, v)
    {
        return Some(format!("{} is not the const value", here()));
    }
    if let Some(msg) = bounds(s, v) {
        return Some(format!("{} {msg}", here()));
    }
    if let Some(why) = s.format.as_deref().and_then(|f| formats::check(f, v)) {
        return Some(format!("{} {why}", here()));
    }
    if let Value::String(text) = v
        && let Some((_, pattern)) = s.constraints.iter().find(|(k, _)| k == "pattern")
        && ctx.patterns.matches(pattern, text) == Some(false)
    {
        return Some(format!("{} does not match the pattern `{pattern}`", here()));
    }
    match v {
        Value::Object(map) => {
            for p in &s.properties {
                let path = join(at, &p.name);
                match map.get(&p.name) {
                    Some(x) => {
                        if let Some(e) = check_at(ctx, &p.schema, x, &path, depth + 1) {
                            return Some(e);
                        }
                    }
                    None if p.required && !p.schema.read_only && !p.schema.write_only => {
                        return Some(format!("required property `{path}` is missing"));
                    }
                    None => {}
                }
            }
            if matches!(
                s.additional_properties,
                Some(AdditionalProperties::Allowed(false))
            ) && s.all_of.is_empty()
                && let Some(k) = map
                    .keys()
                    .find(|k| s.properties.iter().all(|p| &p.name != *k))
            {
                return Some(format!("property `{}` is not allowed", join(at, k)));
            }
            if let Some(AdditionalProperties::Schema(extra)) = &s.additional_properties {
                for (k, x) in map
                    .iter()
                    .filter(|(k, _)| s.properties.iter().all(|p| &p.name != *k))
                {
                    if let Some(e) = check_at(ctx, extra, x, &join(at, k), depth + 1) {
                        return Some(e);
                    }
                }
            }
        }
        Value::Array(list) => {
            if let Some(items) = &s.items {
                for (i, x) in list.iter().enumerate() {
                    if let Some(e) = check_at(ctx, items, x, &join(at, &i.to_string()), depth + 1) {
                        return Some(e);
                    }
                }
            }
        }
        _ => {}
    }
    for part in &s.all_of {
        if let Some(e) = check_at(ctx, part, v, at, depth + 1) {
            return Some(e);
        }
    }
    for (key, list) in [("oneOf", &s.one_of), ("anyOf", &s.any_of)] {
        if !list.is_empty()
            && list
                .iter()
                .all(|x| check_at(ctx, x, v, at, depth + 1).is_some())
        {
            return Some(format!("{} matches none of the {key} schemas", here()));
        }
    }
    None
}

fn join(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_string()
    } else {
        format!("{at}.{key}")
    }
}

/// Whether `v` is of JSON Schema type `t` (unknown types accept anything).
pub(super) fn type_matches(t: &str, v: &Value) -> bool {
    match t {
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        "boolean" => v.is_boolean(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        "null" => v.is_null(),
        _ => true,
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// JSON equality where 1 and 1.0 are the same number.
pub(super) fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn bounds(s: &Schema, v: &Value) -> Option<String> {
    for (key, limit) in &s.constraints {
        let Ok(limit) = limit.parse::<f64>() else {
            continue;
        };
        let size = match v {
            Value::String(x) => Some(x.chars().count() as f64),
            Value::Array(x) => Some(x.len() as f64),
            Value::Object(x) => Some(x.len() as f64),
            _ => None,
        };
        let num = v.as_f64();
        let bad = match key.as_str() {
            "minimum" => num.is_some_and(|n| n < limit),
            "maximum" => num.is_some_and(|n| n > limit),
            "exclusiveMinimum" => num.is_some_and(|n| n <= limit),
            "exclusiveMaximum" => num.is_some_and(|n| n >= limit),
            "minLength" => v.is_string() && size.is_some_and(|n| n < limit),
            "maxLength" => v.is_string() && size.is_some_and(|n| n > limit),
            "minItems" => v.is_array() && size.is_some_and(|n| n < limit),
            "maxItems" => v.is_array() && size.is_some_and(|n| n > limit),
            _ => false,
        };
        if bad {
            return Some(format!("breaks {key} {limit}"));
        }
    }
    None
}
