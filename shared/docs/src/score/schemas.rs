//! Schema quality over every schema node: properties are typed, types and formats are valid and
//! agree, enums match their type without duplicates, strings are constrained, and objects say
//! what they contain.

use super::CategoryScore;
use super::catalogue::{self as c, Category};
use super::util::{Ctx, Site, category, mix, ratio};
use super::validate::{same, type_matches};
use crate::model::{AdditionalProperties, Schema};

const TYPES: [&str; 7] = [
    "string", "number", "integer", "boolean", "array", "object", "null",
];
const STRING_FORMATS: [&str; 14] = [
    "date",
    "date-time",
    "time",
    "duration",
    "email",
    "uri",
    "uri-reference",
    "uuid",
    "hostname",
    "ipv4",
    "ipv6",
    "byte",
    "binary",
    "password",
];

fn has_type(s: &Schema) -> bool {
    !s.types.is_empty()
        || s.reference.is_some()
        || !s.one_of.is_empty()
        || !s.any_of.is_empty()
        || !s.all_of.is_empty()
        || !s.enum_values.is_empty()
        || s.const_value.is_some()
        || s.not.is_some()
        || s.truncated
}

/// The types a standard format belongs to, if it is one.
fn format_types(format: &str) -> Option<&'static [&'static str]> {
    match format {
        "int32" | "int64" => Some(&["integer", "number"]),
        "float" | "double" => Some(&["number", "integer"]),
        f if STRING_FORMATS.contains(&f) => Some(&["string"]),
        _ => None,
    }
}

pub(super) fn score(ctx: &mut Ctx<'_>) -> CategoryScore {
    let (mut typed_of, mut typed) = (0, 0);
    let (mut checked, mut well_formed) = (0, 0);
    let (mut strings, mut constrained) = (0, 0);
    let (mut objects, mut non_empty) = (0, 0);
    let nodes = ctx.nodes.clone();
    for (i, node) in nodes.list.iter().enumerate() {
        let s = node.schema;
        let ptr = || nodes.pointer(i);
        if s.reference.is_some() {
            continue;
        }
        if node.site != Site::Other {
            typed_of += 1;
            if has_type(s) {
                typed += 1;
            } else {
                ctx.add(&c::SCHEMA_TYPE, &ptr(), "schema has no type");
            }
        }
        if s.types.is_empty() && s.enum_values.is_empty() && s.format.is_none() {
            // Nothing to check for well-formedness.
        } else {
            checked += 1;
            let mut ok = true;
            for t in s.types.iter().filter(|t| !TYPES.contains(&t.as_str())) {
                ok = false;
                ctx.add(
                    &c::INVALID_SCHEMA_TYPE,
                    &format!("{}/type", ptr()),
                    format!("`{t}` is not a JSON Schema type"),
                );
            }
            if let (Some(f), Some(allowed)) =
                (&s.format, s.format.as_deref().and_then(format_types))
                && !s.types.is_empty()
                && !s.types.iter().any(|t| allowed.contains(&t.as_str()))
            {
                ok = false;
                ctx.add(
                    &c::SCHEMA_FORMAT_MISMATCH,
                    &format!("{}/format", ptr()),
                    format!("format `{f}` does not fit type {}", s.types.join(" or ")),
                );
            }
            for (i, v) in s.enum_values.iter().enumerate() {
                let fits = s.types.is_empty()
                    || s.types.iter().any(|t| type_matches(t, v))
                    || (v.is_null() && s.nullable);
                if !fits {
                    ok = false;
                    ctx.add(
                        &c::TYPED_ENUM,
                        &format!("{}/enum/{i}", ptr()),
                        format!("enum value {v} is not of type {}", s.types.join(" or ")),
                    );
                }
            }
            let dup = s
                .enum_values
                .iter()
                .enumerate()
                .find(|(i, v)| s.enum_values[..*i].iter().any(|w| same(v, w)));
            if let Some((_, v)) = dup {
                ok = false;
                ctx.add(
                    &c::DUPLICATED_ENTRY_IN_ENUM,
                    &format!("{}/enum", ptr()),
                    format!("enum value {v} appears more than once"),
                );
            }
            well_formed += usize::from(ok);
        }
        let string = s.types.len() == 1 && s.types[0] == "string";
        if string && node.site == Site::Property {
            strings += 1;
            if s.format.is_some()
                || !s.enum_values.is_empty()
                || s.const_value.is_some()
                || s.constraints
                    .iter()
                    .any(|(k, _)| k == "maxLength" || k == "pattern")
            {
                constrained += 1;
            } else {
                ctx.add(
                    &c::SCHEMA_CONSTRAINTS,
                    &ptr(),
                    "string has no maxLength, pattern, format or enum",
                );
            }
        }
        if s.types.len() == 1 && s.types[0] == "object" {
            objects += 1;
            let open = matches!(
                s.additional_properties,
                Some(AdditionalProperties::Schema(_) | AdditionalProperties::Allowed(true))
            );
            if !s.properties.is_empty()
                || open
                || !s.all_of.is_empty()
                || !s.one_of.is_empty()
                || !s.any_of.is_empty()
                || s.discriminator.is_some()
                || s.truncated
            {
                non_empty += 1;
            } else {
                ctx.add(
                    &c::EMPTY_OBJECT_SCHEMA,
                    &ptr(),
                    "object schema lists no properties",
                );
            }
        }
    }
    let score = mix(&[
        (35.0, ratio(typed, typed_of)),
        (25.0, ratio(well_formed, checked)),
        (20.0, ratio(constrained, strings)),
        (20.0, ratio(non_empty, objects)),
    ]);
    let detail = format!(
        "{typed} of {typed_of} properties and named schemas are typed; {well_formed} of {checked} typed schemas are well formed; {constrained} of {strings} string properties are constrained; {non_empty} of {objects} object schemas list their contents"
    );
    category(Category::SchemaQuality, score, detail)
}
