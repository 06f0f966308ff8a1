//! The schema keywords that differ between dialects or only exist in JSON Schema 2020-12
//! (OpenAPI 3.1): exclusive bounds (booleans in 3.0, numbers in 3.1), `examples` arrays,
//! annotations next to a `$ref`, and the 2020-12 applicators and annotations kept in
//! [`Keywords`].

use serde_json::{Map, Value};

use super::convert::{Ctx, bool_of, display_value, entries, items, string_of, text_of};
use super::refs::escape;
use crate::model::{AdditionalProperties, Keywords, Schema};

/// Validation keywords kept as constraints, in display order. The exclusive bounds are handled
/// apart: they are numbers in 3.1 and booleans qualifying `minimum`/`maximum` in 3.0.
const CONSTRAINTS: [&str; 11] = [
    "multipleOf",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
];

/// Whether `key` is one of the JSON Schema 2020-12 keywords read into [`Keywords`] (besides
/// `examples` and `required`). Checked for every key of every schema, so a `match`, not a list.
pub(super) fn is_2020_keyword(key: &str) -> bool {
    matches!(
        key,
        "prefixItems"
            | "contains"
            | "minContains"
            | "maxContains"
            | "patternProperties"
            | "propertyNames"
            | "unevaluatedProperties"
            | "unevaluatedItems"
            | "dependentRequired"
            | "dependentSchemas"
            | "if"
            | "then"
            | "else"
            | "contentMediaType"
            | "contentEncoding"
    )
}

impl<'a> Ctx<'a> {
    /// Reads the JSON Schema 2020-12 keywords ([`is_2020_keyword`]) into `k`.
    pub(super) fn keywords(&mut self, k: &mut Keywords, v: &'a Value, pointer: &str) {
        k.prefix_items = self.schema_list(v, "prefixItems", pointer);
        k.contains = self.sub_schema(v, "contains", pointer);
        k.min_contains = string_of(v, "minContains");
        k.max_contains = string_of(v, "maxContains");
        for (pattern, sub) in entries(v, "patternProperties") {
            let p = format!("{pointer}/patternProperties/{}", escape(pattern));
            k.pattern_properties
                .push((pattern.clone(), self.schema(sub, &p)));
        }
        k.property_names = self.sub_schema(v, "propertyNames", pointer);
        k.unevaluated_properties = self.bool_or_schema(v, "unevaluatedProperties", pointer);
        k.unevaluated_items = self.bool_or_schema(v, "unevaluatedItems", pointer);
        k.dependent_required = entries(v, "dependentRequired")
            .map(|(name, deps)| {
                let deps = deps.as_array().into_iter().flatten();
                let names = deps.filter_map(Value::as_str).map(str::to_string);
                (name.clone(), names.collect())
            })
            .collect();
        for (name, sub) in entries(v, "dependentSchemas") {
            let p = format!("{pointer}/dependentSchemas/{}", escape(name));
            k.dependent_schemas
                .push((name.clone(), self.schema(sub, &p)));
        }
        k.if_schema = self.sub_schema(v, "if", pointer);
        k.then_schema = self.sub_schema(v, "then", pointer);
        k.else_schema = self.sub_schema(v, "else", pointer);
        k.content_media_type = string_of(v, "contentMediaType");
        k.content_encoding = string_of(v, "contentEncoding");
    }

    /// The schema at `v[key]`, if it is one (an object or a boolean).
    fn sub_schema(&mut self, v: &'a Value, key: &str, pointer: &str) -> Option<Schema> {
        let sub = v.get(key).filter(|x| x.is_object() || x.is_boolean())?;
        Some(self.schema(sub, &format!("{pointer}/{key}")))
    }

    /// A keyword that takes `true`, `false` or a schema (`additionalProperties` and the like).
    fn bool_or_schema(
        &mut self,
        v: &'a Value,
        key: &str,
        pointer: &str,
    ) -> Option<AdditionalProperties> {
        match v.get(key)? {
            Value::Bool(b) => Some(AdditionalProperties::Allowed(*b)),
            sub @ Value::Object(_) => Some(AdditionalProperties::Schema(Box::new(
                self.schema(sub, &format!("{pointer}/{key}")),
            ))),
            _ => None,
        }
    }
}

/// The validation keywords of a schema object, with 3.0's boolean `exclusiveMinimum` /
/// `exclusiveMaximum` folded into 3.1's numeric form, so `{minimum: 5, exclusiveMinimum: true}`
/// and `{exclusiveMinimum: 5}` read the same.
pub(super) fn constraints(obj: &Map<String, Value>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for key in CONSTRAINTS {
        let exclusive_key = match key {
            "minimum" => "exclusiveMinimum",
            "maximum" => "exclusiveMaximum",
            _ => "",
        };
        let exclusive = obj.get(exclusive_key);
        match obj.get(key) {
            None | Some(Value::Null) | Some(Value::Bool(false)) => {}
            // 3.0: `exclusiveMinimum: true` makes `minimum` itself exclusive.
            Some(bound @ Value::Number(_)) if exclusive == Some(&Value::Bool(true)) => {
                out.push((exclusive_key.to_string(), display_value(bound)));
            }
            Some(val) => out.push((key.to_string(), display_value(val))),
        }
        // 3.1: the exclusive bound is a number of its own.
        if let Some(bound @ Value::Number(_)) = exclusive {
            out.push((exclusive_key.to_string(), display_value(bound)));
        }
    }
    out
}

/// `example` and the `examples` array (3.1, JSON Schema style): the first becomes
/// [`Schema::example`], the rest [`Keywords::more_examples`].
pub(super) fn examples_of(s: &mut Schema, k: &mut Keywords, v: &Value) {
    let mut all = v.get("example").into_iter().chain(items(v, "examples"));
    s.example = all.next().cloned();
    k.more_examples = all.cloned().collect();
}

/// Keywords written next to a `$ref`. 3.1 applies them alongside the target, and many 3.0
/// specs write them anyway to say what the reference means in this place, so the annotations
/// a reader needs are kept, and win over the target's own.
pub(super) fn ref_siblings(s: &mut Schema, v: &Value) {
    if let Some(d) = text_of(v, "description") {
        s.description = Some(d);
    }
    if let Some(t) = string_of(v, "title") {
        s.title = Some(t);
    }
    s.deprecated |= bool_of(v, "deprecated");
    s.read_only |= bool_of(v, "readOnly");
    s.write_only |= bool_of(v, "writeOnly");
    if let Some(d) = v.get("default") {
        s.default = Some(d.clone());
    }
    if v.get("example").is_some() || v.get("examples").is_some_and(Value::is_array) {
        let mut k = Keywords::default();
        examples_of(s, &mut k, v);
        if !k.more_examples.is_empty() || s.keywords.is_some() {
            s.keywords.get_or_insert_default().more_examples = k.more_examples;
        }
    }
}
