//! Shared machinery for building the model from a value tree: the conversion context (root,
//! unresolved-ref log, cycle and size guards), reference following, and schema conversion used by
//! both the OpenAPI 3.x and the Swagger 2.0 readers.

use serde_json::{Map, Value};

use super::keywords::{constraints, examples_of, is_2020_keyword, ref_siblings};
use super::refs::{self, escape};
use crate::model::{
    AdditionalProperties, Discriminator, Keywords, Property, Schema, SchemaRef,
    SecurityRequirement, Server, ServerVariable, Text, UnresolvedRef,
};

/// Schemas nested deeper than this (counting inlined refs) are cut and marked truncated.
const MAX_SCHEMA_DEPTH: usize = 48;
/// At most this many schema nodes are built, whatever inlined refs multiply.
const MAX_SCHEMA_NODES: usize = 1_000_000;
/// Once this many schema nodes have been built inside inlined references to schema parts
/// (refs that are not to a named schema), further such refs stay links ([`SchemaRef::Part`]).
const MAX_INLINED_NODES: usize = 20_000;
/// At most this many hops when following a chain of refs to refs.
const MAX_REF_HOPS: usize = 32;

pub(crate) struct Ctx<'a> {
    pub root: &'a Value,
    /// `#/components/schemas/` or `#/definitions/`.
    schema_prefix: &'static str,
    named: Option<&'a Map<String, Value>>,
    pub unresolved: Vec<UnresolvedRef>,
    stack: Vec<String>,
    depth: usize,
    nodes: usize,
    /// Nodes built while inlining references to schema parts.
    inlined: usize,
}

/// `v[key]` as a string.
pub(crate) fn str_of<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str)
}

/// `v[key]` as an owned, non-empty string (numbers and bools are written out too).
pub(crate) fn string_of(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `v[key]` as authored prose.
pub(crate) fn text_of(v: &Value, key: &str) -> Option<Text> {
    str_of(v, key).and_then(Text::authored)
}

pub(crate) fn bool_of(v: &Value, key: &str) -> bool {
    v.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// Entries of an object member (empty when missing or not an object).
pub(crate) fn entries<'v>(
    v: &'v Value,
    key: &str,
) -> impl Iterator<Item = (&'v String, &'v Value)> {
    v.get(key)
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.iter())
}

/// Items of an array member (empty when missing or not an array).
pub(crate) fn items<'v>(v: &'v Value, key: &str) -> impl Iterator<Item = &'v Value> {
    v.get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flat_map(|a| a.iter())
}

/// Strings of an array member.
pub(crate) fn strings(v: &Value, key: &str) -> Vec<String> {
    items(v, key)
        .filter_map(|x| x.as_str().map(str::to_string))
        .collect()
}

/// A compact display form of a JSON value (strings unquoted).
pub(crate) fn display_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl<'a> Ctx<'a> {
    pub fn new(root: &'a Value, swagger: bool) -> Self {
        let (schema_prefix, named) = if swagger {
            (
                "#/definitions/",
                root.get("definitions").and_then(Value::as_object),
            )
        } else {
            (
                "#/components/schemas/",
                root.get("components")
                    .and_then(|c| c.get("schemas"))
                    .and_then(Value::as_object),
            )
        };
        Ctx {
            root,
            schema_prefix,
            named,
            unresolved: Vec::new(),
            stack: Vec::new(),
            depth: 0,
            nodes: 0,
            inlined: 0,
        }
    }

    fn record(&mut self, pointer: &str, reference: &str, dangling: bool) {
        self.unresolved.push(UnresolvedRef {
            pointer: pointer.to_string(),
            reference: reference.to_string(),
            dangling,
        });
    }

    /// Follows `$ref` chains from `v` (at `pointer`). Returns the target and its pointer, or
    /// `None` (recorded as unresolved) for dangling, remote or cyclic chains.
    pub fn deref(&mut self, v: &'a Value, pointer: &str) -> Option<(&'a Value, String)> {
        let mut node = v;
        let mut at = pointer.to_string();
        let mut seen: Vec<&str> = Vec::new();
        while let Some(r) = refs::ref_of(node) {
            if !refs::is_local(r) {
                self.record(&at, r, false);
                return None;
            }
            if seen.contains(&r) || seen.len() >= MAX_REF_HOPS {
                self.record(&at, r, true);
                return None;
            }
            seen.push(r);
            match refs::lookup(self.root, r) {
                Some(t) => {
                    node = t;
                    at = r[1..].to_string();
                }
                None => {
                    self.record(&at, r, true);
                    return None;
                }
            }
        }
        Some((node, at))
    }

    /// Converts a schema object at `pointer`.
    pub fn schema(&mut self, v: &'a Value, pointer: &str) -> Schema {
        self.nodes += 1;
        if !self.stack.is_empty() {
            self.inlined += 1;
        }
        if self.depth >= MAX_SCHEMA_DEPTH || self.nodes > MAX_SCHEMA_NODES {
            return Schema {
                truncated: true,
                ..Schema::default()
            };
        }
        self.depth += 1;
        let s = self.schema_inner(v, pointer);
        self.depth -= 1;
        s
    }

    fn schema_inner(&mut self, v: &'a Value, pointer: &str) -> Schema {
        let Some(obj) = v.as_object() else {
            // `true`/`false` schemas (3.1) and junk: an unconstrained schema.
            return Schema::default();
        };
        if let Some(r) = refs::ref_of(v) {
            let mut s = self.schema_ref(r, pointer);
            ref_siblings(&mut s, v);
            return s;
        }
        let mut s = Schema::default();
        match obj.get("type") {
            Some(Value::String(t)) => s.types.push(t.clone()),
            Some(Value::Array(ts)) => s
                .types
                .extend(ts.iter().filter_map(Value::as_str).map(str::to_string)),
            _ => {}
        }
        if let Some(i) = s.types.iter().position(|t| t == "null") {
            s.types.remove(i);
            s.nullable = true;
        }
        s.nullable |= bool_of(v, "nullable") || bool_of(v, "x-nullable");
        s.format = string_of(v, "format");
        s.title = string_of(v, "title");
        s.description = text_of(v, "description");
        s.read_only = bool_of(v, "readOnly");
        s.write_only = bool_of(v, "writeOnly");
        s.deprecated = bool_of(v, "deprecated");
        s.default = obj.get("default").cloned();
        let mut k = Keywords::default();
        examples_of(&mut s, &mut k, v);
        s.enum_values = items(v, "enum").cloned().collect();
        s.const_value = obj.get("const").cloned();
        s.constraints = constraints(obj);
        let required = strings(v, "required");
        for (name, prop) in entries(v, "properties") {
            let p = format!("{pointer}/properties/{}", escape(name));
            let schema = self.schema(prop, &p);
            s.properties.push(Property {
                name: name.clone(),
                required: required.contains(name),
                schema,
            });
        }
        match obj.get("additionalProperties") {
            Some(Value::Bool(b)) => {
                s.additional_properties = Some(AdditionalProperties::Allowed(*b))
            }
            Some(ap @ Value::Object(_)) => {
                let inner = self.schema(ap, &format!("{pointer}/additionalProperties"));
                s.additional_properties = Some(AdditionalProperties::Schema(Box::new(inner)));
            }
            _ => {}
        }
        match obj.get("items") {
            // After `prefixItems`, `items: false` closes the tuple (3.1).
            Some(Value::Bool(false)) => k.closed_items = true,
            Some(it) => {
                // Tuple-style `items: [..]` (old JSON Schema): document the first.
                let (it, p) = match it {
                    Value::Array(a) => (
                        a.first().unwrap_or(&Value::Null),
                        format!("{pointer}/items/0"),
                    ),
                    other => (other, format!("{pointer}/items")),
                };
                s.items = Some(Box::new(self.schema(it, &p)));
            }
            None => {}
        }
        s.one_of = self.schema_list(v, "oneOf", pointer);
        s.any_of = self.schema_list(v, "anyOf", pointer);
        s.all_of = self.schema_list(v, "allOf", pointer);
        if let Some(n) = obj.get("not") {
            s.not = Some(Box::new(self.schema(n, &format!("{pointer}/not"))));
        }
        s.discriminator = match obj.get("discriminator") {
            Some(Value::String(p)) => Some(Discriminator {
                property_name: p.clone(),
                mapping: Vec::new(),
            }),
            Some(d @ Value::Object(_)) => str_of(d, "propertyName").map(|p| Discriminator {
                property_name: p.to_string(),
                mapping: entries(d, "mapping")
                    .map(|(k, v)| (k.clone(), display_value(v)))
                    .collect(),
            }),
            _ => None,
        };
        // Usually every required name is a property here; only look further when not.
        let declared = s.properties.iter().filter(|p| p.required).count();
        if declared < required.len() {
            k.other_required = required
                .into_iter()
                .filter(|r| !s.properties.iter().any(|p| &p.name == r))
                .collect();
        }
        // Most schemas use none of these keywords: one pass over the keys saves the lookups.
        if obj.keys().any(|key| is_2020_keyword(key)) {
            self.keywords(&mut k, v, pointer);
        }
        if k != Keywords::default() {
            s.keywords = Some(Box::new(k));
        }
        s
    }

    pub(super) fn schema_list(&mut self, v: &'a Value, key: &str, pointer: &str) -> Vec<Schema> {
        let mut out = Vec::new();
        for (i, item) in items(v, key).enumerate() {
            out.push(self.schema(item, &format!("{pointer}/{key}/{i}")));
        }
        out
    }

    fn schema_ref(&mut self, r: &str, pointer: &str) -> Schema {
        let unresolved = |reference: &str, dangling| Schema {
            reference: Some(SchemaRef::Unresolved {
                reference: reference.to_string(),
                dangling,
            }),
            ..Schema::default()
        };
        if !refs::is_local(r) {
            self.record(pointer, r, false);
            return unresolved(r, false);
        }
        if let Some(rest) = r.strip_prefix(self.schema_prefix)
            && !rest.contains('/')
        {
            let name = refs::unescape(rest);
            if self.named.is_some_and(|m| m.contains_key(&name)) {
                return Schema {
                    reference: Some(SchemaRef::Named(name)),
                    ..Schema::default()
                };
            }
            self.record(pointer, r, true);
            return unresolved(r, true);
        }
        let Some(target) = refs::lookup(self.root, r) else {
            self.record(pointer, r, true);
            return unresolved(r, true);
        };
        if self.stack.iter().any(|s| s == r) {
            return Schema {
                reference: Some(SchemaRef::Recursive(r.to_string())),
                ..Schema::default()
            };
        }
        if self.inlined >= MAX_INLINED_NODES {
            return Schema {
                reference: Some(SchemaRef::Part(r.to_string())),
                ..Schema::default()
            };
        }
        self.stack.push(r.to_string());
        let s = self.schema(target, &r[1..]);
        self.stack.pop();
        s
    }

    /// A list of security requirement objects at `v[key]`; `None` when the key is absent.
    pub fn security(&self, v: &Value, key: &str) -> Option<Vec<SecurityRequirement>> {
        let list = v.get(key)?.as_array()?;
        Some(
            list.iter()
                .filter_map(Value::as_object)
                .map(|req| SecurityRequirement {
                    schemes: req
                        .iter()
                        .map(|(name, scopes)| {
                            let scopes = scopes
                                .as_array()
                                .map(|a| {
                                    a.iter()
                                        .filter_map(|s| s.as_str().map(str::to_string))
                                        .collect()
                                })
                                .unwrap_or_default();
                            (name.clone(), scopes)
                        })
                        .collect(),
                })
                .collect(),
        )
    }
}

/// OpenAPI 3 `servers` list.
pub(crate) fn servers(v: &Value) -> Vec<Server> {
    items(v, "servers")
        .filter_map(|s| {
            let url = str_of(s, "url")?.to_string();
            Some(Server {
                url,
                description: string_of(s, "description"),
                variables: entries(s, "variables")
                    .map(|(name, var)| ServerVariable {
                        name: name.clone(),
                        default: string_of(var, "default").unwrap_or_default(),
                        enum_values: items(var, "enum").map(display_value).collect(),
                        description: string_of(var, "description"),
                    })
                    .collect(),
            })
        })
        .collect()
}
