//! Builds an example value from a schema when the spec gives none, so every request body can
//! show a plausible payload. Bounded in size and depth, and follows named refs without looping.

use serde_json::{Map, Value, json};

use super::SchemaIndex;
use crate::model::Schema;

const MAX_NODES: usize = 200;
const MAX_DEPTH: usize = 8;
const MAX_PROPERTIES: usize = 24;

/// A deterministic example for `schema`.
pub(crate) fn synthesize(schema: &Schema, index: &SchemaIndex<'_>) -> Value {
    let mut g = Gen {
        index,
        budget: MAX_NODES,
        stack: Vec::new(),
    };
    g.value(schema, 0)
}

struct Gen<'i, 'a> {
    index: &'i SchemaIndex<'a>,
    budget: usize,
    stack: Vec<String>,
}

impl Gen<'_, '_> {
    fn value(&mut self, s: &Schema, depth: usize) -> Value {
        if self.budget == 0 || depth > MAX_DEPTH {
            return Value::Null;
        }
        self.budget -= 1;
        if let Some(ex) = s
            .example
            .as_ref()
            .or(s.const_value.as_ref())
            .or(s.default.as_ref())
        {
            return ex.clone();
        }
        if let Some(name) = s.ref_name() {
            if self.stack.iter().any(|n| n == name) {
                return Value::Null;
            }
            let Some(target) = self.index.get(name) else {
                return Value::Null;
            };
            self.stack.push(name.to_string());
            let v = self.value(target, depth + 1);
            self.stack.pop();
            return v;
        }
        if s.reference.is_some() {
            return Value::Null;
        }
        if let Some(first) = s.enum_values.first() {
            return first.clone();
        }
        if !s.all_of.is_empty() {
            let mut merged = Map::new();
            for m in &s.all_of {
                if let Value::Object(o) = self.value(m, depth + 1) {
                    merged.extend(o);
                }
            }
            if let Value::Object(o) = self.object(s, depth) {
                merged.extend(o);
            }
            return Value::Object(merged);
        }
        if let Some(first) = s.one_of.first().or(s.any_of.first()) {
            return self.value(first, depth + 1);
        }
        let ty = s.types.first().map(String::as_str).unwrap_or_else(|| {
            if !s.properties.is_empty() {
                "object"
            } else if s.items.is_some() || s.keywords().is_some_and(|k| !k.prefix_items.is_empty())
            {
                "array"
            } else {
                ""
            }
        });
        match ty {
            "object" => self.object(s, depth),
            "array" if s.keywords().is_some_and(|k| !k.prefix_items.is_empty()) => {
                let tuple = s.keywords().map_or(&[][..], |k| &k.prefix_items[..]);
                tuple.iter().map(|x| self.value(x, depth + 1)).collect()
            }
            "array" => match &s.items {
                Some(items) => {
                    let v = self.value(items, depth + 1);
                    if v.is_null() { json!([]) } else { json!([v]) }
                }
                None => json!([]),
            },
            "string" => Value::String(string_for(s.format.as_deref()).to_string()),
            "integer" => json!(0),
            "number" => json!(0.0),
            "boolean" => json!(true),
            _ => Value::Null,
        }
    }

    fn object(&mut self, s: &Schema, depth: usize) -> Value {
        let mut map = Map::new();
        for p in s.properties.iter().take(MAX_PROPERTIES) {
            if p.schema.read_only && !p.required {
                continue;
            }
            let v = self.value(&p.schema, depth + 1);
            map.insert(p.name.clone(), v);
        }
        Value::Object(map)
    }
}

fn string_for(format: Option<&str>) -> &'static str {
    match format.unwrap_or("") {
        "date-time" => "2024-01-01T00:00:00Z",
        "date" => "2024-01-01",
        "time" => "00:00:00",
        "email" => "user@example.com",
        "uuid" => "00000000-0000-0000-0000-000000000000",
        "uri" | "url" => "https://example.com",
        "hostname" => "example.com",
        "ipv4" => "192.0.2.1",
        "ipv6" => "2001:db8::1",
        "byte" => "c3BlY2RvYw==",
        "binary" => "<binary>",
        "password" => "********",
        _ => "string",
    }
}
