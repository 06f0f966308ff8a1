//! What the documents say about a schema beside its type: flags, default, const, enum, bounds,
//! examples and the JSON Schema 2020-12 keywords (3.1), plus one-line summaries of inline
//! schemas. The wording lives here once, as [`Frag`]ments; the Markdown and HTML renderers only
//! format them, so both outputs say the same thing.

use std::borrow::Cow;

use serde_json::Value;

use crate::model::{AdditionalProperties, Keywords, Schema};

/// At most this many enum values are listed.
const MAX_ENUM: usize = 50;
/// At most this many enum values are listed in a summary.
const MAX_SUMMARY_ENUM: usize = 10;
/// At most this many property names are listed in a summary.
const MAX_SUMMARY_PROPERTIES: usize = 6;
/// At most this many examples are listed.
const MAX_EXAMPLES: usize = 5;
/// Examples longer than this (as text) are left to the request and response examples.
const MAX_EXAMPLE_CHARS: usize = 200;

/// A piece of a sentence about a schema.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Frag<'s> {
    /// specdoc's own words (borrowed where they can be: notes are written for every row).
    Text(Cow<'s, str>),
    /// A name, value or pattern from the spec, shown as code.
    Code(String),
    /// A schema, shown by its type label (named schemas become links).
    Type(&'s Schema),
}

fn text<'s>(out: &mut Vec<Frag<'s>>, s: impl Into<Cow<'s, str>>) {
    out.push(Frag::Text(s.into()));
}

fn code(out: &mut Vec<Frag<'_>>, s: &str) {
    out.push(Frag::Code(s.to_string()));
}

/// `a`, `b`, `c` (as code, comma separated).
fn codes<'s>(out: &mut Vec<Frag<'s>>, items: impl IntoIterator<Item = String>) {
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            text(out, ", ");
        }
        out.push(Frag::Code(item));
    }
}

/// A JSON value as shown in the documents (strings unquoted).
pub(crate) fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The JSON type of a value, as a schema `type` name.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The type a schema without `type` evidently has: that of its `const`, or of its `enum`
/// values when they all share one (`{const: cat}` is a string).
pub(crate) fn inferred_type(s: &Schema) -> Option<&'static str> {
    if !s.types.is_empty() {
        return None;
    }
    if let Some(c) = &s.const_value {
        return Some(kind(c));
    }
    let mut kinds = s.enum_values.iter().map(kind);
    let first = kinds.next()?;
    kinds.try_fold(first, |acc, k| match (acc, k) {
        (a, b) if a == b => Some(a),
        ("integer" | "number", "integer" | "number") => Some("number"),
        _ => None,
    })
}

/// For `anyOf`/`oneOf: [X, {type: "null"}]` (3.1's way to say "X or null"): X.
pub(crate) fn or_null(s: &Schema) -> Option<&Schema> {
    if !s.types.is_empty() || s.reference.is_some() {
        return None;
    }
    let list = if s.one_of.is_empty() {
        &s.any_of
    } else {
        &s.one_of
    };
    let mut rest = list.iter().filter(|m| !m.is_null_only());
    let member = rest.next()?;
    (rest.next().is_none() && list.len() > 1).then_some(member)
}

/// One constraint as words: `minLength `1``, `greater than `0``.
fn constraint<'s>(out: &mut Vec<Frag<'s>>, key: &'s str, value: &str) {
    match key {
        "exclusiveMinimum" => text(out, "greater than "),
        "exclusiveMaximum" => text(out, "less than "),
        other => {
            text(out, other);
            text(out, " ");
        }
    }
    code(out, value);
}

/// Sentences about a schema, each starting with a space and ending with a full stop, for the
/// description cell of a property or parameter and the type line of a named schema.
pub(crate) fn notes(s: &Schema) -> Vec<Frag<'_>> {
    let mut out = Vec::new();
    for (on, label) in [
        (s.deprecated, " Deprecated."),
        (s.read_only, " Read-only."),
        (s.write_only, " Write-only."),
    ] {
        if on {
            text(&mut out, label);
        }
    }
    if let Some(d) = &s.default {
        text(&mut out, " Default: ");
        code(&mut out, &value_text(d));
        text(&mut out, ".");
    }
    if let Some(c) = &s.const_value {
        text(&mut out, " Always ");
        code(&mut out, &value_text(c));
        text(&mut out, ".");
    }
    if !s.enum_values.is_empty() {
        text(&mut out, " One of: ");
        codes(
            &mut out,
            s.enum_values.iter().take(MAX_ENUM).map(value_text),
        );
        if s.enum_values.len() > MAX_ENUM {
            text(
                &mut out,
                format!(" and {} more", s.enum_values.len() - MAX_ENUM),
            );
        }
        text(&mut out, ".");
    }
    if !s.constraints.is_empty() {
        text(&mut out, " Constraints: ");
        for (i, (k, v)) in s.constraints.iter().enumerate() {
            if i > 0 {
                text(&mut out, ", ");
            }
            constraint(&mut out, k, v);
        }
        text(&mut out, ".");
    }
    if let Some(AdditionalProperties::Allowed(false)) = s.additional_properties {
        text(&mut out, " No additional properties.");
    }
    if let Some(k) = s.keywords() {
        keyword_notes(&mut out, k);
    }
    examples(&mut out, s);
    out
}

/// ` Example: `x`.` or ` Examples: `x`, `y`.`, leaving out long ones.
fn examples<'s>(out: &mut Vec<Frag<'s>>, s: &'s Schema) {
    let more = s.keywords().map_or(&[][..], |k| &k.more_examples[..]);
    let shown: Vec<String> = s
        .example
        .iter()
        .chain(more)
        .map(value_text)
        .filter(|t| t.chars().count() <= MAX_EXAMPLE_CHARS)
        .take(MAX_EXAMPLES)
        .collect();
    match shown.len() {
        0 => {}
        1 => text(out, " Example: "),
        _ => text(out, " Examples: "),
    }
    if !shown.is_empty() {
        codes(out, shown);
        text(out, ".");
    }
}

/// Sentences for the 2020-12 keywords (`prefixItems` and `items: false` show in the type label).
fn keyword_notes<'s>(out: &mut Vec<Frag<'s>>, k: &'s Keywords) {
    if !k.other_required.is_empty() {
        text(out, " Requires ");
        codes(out, k.other_required.iter().cloned());
        text(out, ".");
    }
    if let Some(c) = &k.contains {
        text(out, " Must contain ");
        match (&k.min_contains, &k.max_contains) {
            (None, None) => text(out, "at least one item"),
            (Some(min), None) => {
                text(out, "at least ");
                code(out, min);
                text(out, " items");
            }
            (min, Some(max)) => {
                text(out, "from ");
                code(out, min.as_deref().unwrap_or("1"));
                text(out, " to ");
                code(out, max);
                text(out, " items");
            }
        }
        text(out, " matching: ");
        summary_into(out, c);
        text(out, ".");
    }
    for (pattern, sub) in &k.pattern_properties {
        text(out, " Properties matching ");
        code(out, pattern);
        text(out, ": ");
        summary_into(out, sub);
        text(out, ".");
    }
    if let Some(names) = &k.property_names {
        text(out, " Property names: ");
        summary_into(out, names);
        text(out, ".");
    }
    for (what, rest) in [
        ("properties", &k.unevaluated_properties),
        ("items", &k.unevaluated_items),
    ] {
        match rest {
            Some(AdditionalProperties::Allowed(false)) => text(
                out,
                format!(
                    " No {what} beyond those the schema declares (unevaluated{}).",
                    cap(what)
                ),
            ),
            Some(AdditionalProperties::Schema(x)) => {
                text(out, format!(" Other {what} (unevaluated{}): ", cap(what)));
                summary_into(out, x);
                text(out, ".");
            }
            _ => {}
        }
    }
    for (name, deps) in &k.dependent_required {
        text(out, " If ");
        code(out, name);
        text(out, " is present, ");
        codes(out, deps.iter().cloned());
        text(out, if deps.len() == 1 { " is" } else { " are" });
        text(out, " required too.");
    }
    for (name, sub) in &k.dependent_schemas {
        text(out, " If ");
        code(out, name);
        text(out, " is present, ");
        consequence(out, sub, "the value must also match: ");
        text(out, ".");
    }
    if let Some(cond) = &k.if_schema {
        match (&k.then_schema, &k.else_schema) {
            (Some(then), other) => {
                text(out, " If the value matches ");
                summary_into(out, cond);
                text(out, ", ");
                consequence(out, then, "it must also match: ");
                if let Some(e) = other {
                    text(out, "; otherwise ");
                    consequence(out, e, "it must match: ");
                }
                text(out, ".");
            }
            (None, Some(e)) => {
                text(out, " If the value does not match ");
                summary_into(out, cond);
                text(out, ", ");
                consequence(out, e, "it must match: ");
                text(out, ".");
            }
            (None, None) => {}
        }
    }
    match (&k.content_media_type, &k.content_encoding) {
        (Some(m), enc) => {
            text(out, " Content: ");
            code(out, m);
            if let Some(e) = enc {
                text(out, ", ");
                code(out, e);
                text(out, "-encoded");
            }
            text(out, ".");
        }
        (None, Some(e)) => {
            text(out, " Encoding: ");
            code(out, e);
            text(out, ".");
        }
        (None, None) => {}
    }
}

/// What applies when a condition holds: "`a` is required" for a schema that only lists
/// required names (the usual `then` and `dependentSchemas`), else `lead` and a summary.
fn consequence<'s>(out: &mut Vec<Frag<'s>>, s: &'s Schema, lead: &'static str) {
    match only_requires(s) {
        Some(names) => {
            codes(out, names.iter().cloned());
            text(out, if names.len() == 1 { " is" } else { " are" });
            text(out, " required");
        }
        None => {
            text(out, lead);
            summary_into(out, s);
        }
    }
}

/// The names a schema requires, when that is all it says (`{required: [a, b]}`).
fn only_requires(s: &Schema) -> Option<&[String]> {
    let k = s.keywords()?;
    let plain = s.reference.is_none()
        && s.types.is_empty()
        && s.properties.is_empty()
        && s.items.is_none()
        && s.one_of.is_empty()
        && s.any_of.is_empty()
        && s.all_of.is_empty()
        && s.not.is_none()
        && s.const_value.is_none()
        && s.enum_values.is_empty()
        && s.constraints.is_empty()
        && s.additional_properties.is_none();
    let just_required = Keywords {
        other_required: k.other_required.clone(),
        ..Keywords::default()
    };
    (plain && !k.other_required.is_empty() && *k == just_required).then_some(&k.other_required)
}

fn cap(what: &str) -> &'static str {
    if what == "items" {
        "Items"
    } else {
        "Properties"
    }
}

/// A one-line summary of a schema: its type label and main keywords, e.g. `object with
/// `kind` = `circle``, `string, pattern `^[a-z]+$``, `requiring `radius``.
pub(crate) fn summary(s: &Schema) -> Vec<Frag<'_>> {
    let mut out = Vec::new();
    summary_into(&mut out, s);
    out
}

fn summary_into<'s>(out: &mut Vec<Frag<'s>>, s: &'s Schema) {
    if s.reference.is_some() || s.is_null_only() {
        out.push(Frag::Type(s));
        return;
    }
    let start = out.len();
    let sep = |out: &mut Vec<Frag<'s>>| {
        if out.len() > start {
            text(out, ", ");
        }
    };
    // A schema that only constrains (`{required: [a]}`, `{pattern: ..}`) reads better
    // without a leading "any".
    let untyped = s.types.is_empty()
        && inferred_type(s).is_none()
        && s.items.is_none()
        && s.one_of.is_empty()
        && s.any_of.is_empty()
        && s.all_of.is_empty()
        && s.additional_properties.is_none()
        && s.keywords().is_none_or(|k| k.prefix_items.is_empty());
    let only_constrains = !s.properties.is_empty()
        || s.const_value.is_some()
        || !s.enum_values.is_empty()
        || !s.constraints.is_empty()
        || s.keywords().is_some_and(|k| !k.other_required.is_empty());
    if !(untyped && only_constrains) {
        out.push(Frag::Type(s));
    }
    if !s.properties.is_empty() {
        if out.len() > start {
            text(out, " with ");
        } else {
            text(out, "object with ");
        }
        for (i, p) in s.properties.iter().take(MAX_SUMMARY_PROPERTIES).enumerate() {
            if i > 0 {
                text(out, ", ");
            }
            code(out, &p.name);
            if let Some(c) = &p.schema.const_value {
                text(out, " = ");
                code(out, &value_text(c));
            }
        }
        if s.properties.len() > MAX_SUMMARY_PROPERTIES {
            text(out, ", …");
        }
    }
    if let Some(k) = s.keywords()
        && !k.other_required.is_empty()
    {
        sep(out);
        text(out, "requiring ");
        codes(out, k.other_required.iter().cloned());
    }
    if let Some(c) = &s.const_value {
        sep(out);
        text(out, "always ");
        code(out, &value_text(c));
    }
    if !s.enum_values.is_empty() {
        sep(out);
        text(out, "one of ");
        codes(
            out,
            s.enum_values.iter().take(MAX_SUMMARY_ENUM).map(value_text),
        );
        if s.enum_values.len() > MAX_SUMMARY_ENUM {
            text(out, ", …");
        }
    }
    for (k, v) in &s.constraints {
        sep(out);
        constraint(out, k, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Property;

    fn words(frags: &[Frag<'_>]) -> String {
        frags
            .iter()
            .map(|f| match f {
                Frag::Text(t) => t.to_string(),
                Frag::Code(c) => format!("`{c}`"),
                Frag::Type(s) => format!("<{}>", s.type_label()),
            })
            .collect()
    }

    #[test]
    fn summaries_name_what_matters() {
        let circle = Schema {
            properties: vec![Property {
                name: "kind".into(),
                required: false,
                schema: Schema {
                    const_value: Some("circle".into()),
                    ..Schema::default()
                },
            }],
            ..Schema::default()
        };
        assert_eq!(words(&summary(&circle)), "object with `kind` = `circle`");
        let pattern = Schema {
            constraints: vec![("pattern".into(), "^[a-z]+$".into())],
            ..Schema::default()
        };
        assert_eq!(words(&summary(&pattern)), "pattern `^[a-z]+$`");
        let typed = Schema {
            types: vec!["integer".into()],
            constraints: vec![("exclusiveMinimum".into(), "0".into())],
            ..Schema::default()
        };
        assert_eq!(words(&summary(&typed)), "<integer>, greater than `0`");
        assert_eq!(words(&summary(&Schema::default())), "<any>");
    }

    #[test]
    fn types_are_inferred_from_const_and_enum() {
        let c = Schema {
            const_value: Some("cat".into()),
            ..Schema::default()
        };
        assert_eq!(inferred_type(&c), Some("string"));
        let e = Schema {
            enum_values: vec![1.into(), 2.5.into()],
            ..Schema::default()
        };
        assert_eq!(inferred_type(&e), Some("number"));
        let e = Schema {
            enum_values: vec![1.into(), "a".into()],
            ..Schema::default()
        };
        assert_eq!(inferred_type(&e), None);
    }
}
