//! Helpers shared by the Markdown and HTML renderers: heading anchors (GitHub's slug rules),
//! a name → schema index, flattened property rows, operations grouped by tag, composition
//! helpers (discriminator mappings, subtypes), the wording of schema details ([`describe`]) and
//! example synthesis from schemas.

mod composition;
mod describe;
mod example;
mod tags;

pub(crate) use composition::{MappingTarget, discriminator_rows, subtypes};
pub(crate) use describe::{Frag, inferred_type, notes, or_null, summary, value_text};
pub(crate) use example::synthesize;
pub(crate) use tags::{Grouping, group_by_tag};

use std::collections::HashMap;

use crate::model::{Operation, Schema, SchemaDoc, Spec};

/// Rows nested deeper than this are not flattened into property tables.
const MAX_ROW_DEPTH: usize = 3;
/// At most this many rows per property table.
pub(crate) const MAX_ROWS: usize = 400;

/// GitHub's heading anchor rules: lower case, drop punctuation, spaces → `-`, and `-1`, `-2`...
/// suffixes for repeats.
#[derive(Default)]
pub(crate) struct Slugger {
    seen: HashMap<String, usize>,
}

impl Slugger {
    pub fn slug(&mut self, heading: &str) -> String {
        let base = github_slug(heading);
        let mut slug = base.clone();
        while self.seen.contains_key(&slug) {
            let n = self.seen.entry(base.clone()).or_insert(0);
            *n += 1;
            slug = format!("{base}-{n}");
        }
        self.seen.insert(slug.clone(), 0);
        slug
    }
}

/// The anchor GitHub gives a heading with this text (before de-duplication).
pub(crate) fn github_slug(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .collect()
}

/// The named schema a reference to a schema part points into: `#/components/schemas/A/properties/b`
/// (or `#/definitions/A/...`) → `A`.
pub(crate) fn part_owner(reference: &str) -> Option<String> {
    let rest = reference
        .strip_prefix("#/components/schemas/")
        .or_else(|| reference.strip_prefix("#/definitions/"))?;
    let name = rest.split('/').next()?;
    Some(crate::parse::refs::unescape(name))
}

/// Named schemas by name.
pub(crate) struct SchemaIndex<'a> {
    map: HashMap<&'a str, &'a SchemaDoc>,
}

impl<'a> SchemaIndex<'a> {
    pub fn new(spec: &'a Spec) -> Self {
        let mut map = HashMap::with_capacity(spec.schemas.len());
        for s in &spec.schemas {
            map.entry(s.name.as_str()).or_insert(s);
        }
        SchemaIndex { map }
    }

    pub fn get(&self, name: &str) -> Option<&'a Schema> {
        self.map.get(name).map(|d| &d.schema)
    }
}

/// One row of a flattened properties table.
pub(crate) struct PropRow<'s> {
    /// Dotted path, e.g. `owner.name` or `tags[].id`.
    pub name: String,
    pub required: bool,
    pub schema: &'s Schema,
}

/// Flattens the properties of an inline schema (including inline `allOf` members) into rows,
/// descending into inline objects and arrays of inline objects a few levels deep.
pub(crate) fn property_rows(schema: &Schema) -> Vec<PropRow<'_>> {
    let mut rows = Vec::new();
    collect_rows(schema, "", 0, &mut rows);
    rows
}

fn collect_rows<'s>(schema: &'s Schema, prefix: &str, depth: usize, rows: &mut Vec<PropRow<'s>>) {
    if schema.reference.is_some() {
        return;
    }
    for member in &schema.all_of {
        collect_rows(member, prefix, depth, rows);
    }
    for p in &schema.properties {
        if rows.len() >= MAX_ROWS {
            return;
        }
        let name = format!("{prefix}{}", p.name);
        rows.push(PropRow {
            name: name.clone(),
            required: p.required,
            schema: &p.schema,
        });
        if depth + 1 < MAX_ROW_DEPTH && p.schema.reference.is_none() {
            if !p.schema.properties.is_empty()
                || p.schema.all_of.iter().any(|m| m.reference.is_none())
            {
                collect_rows(&p.schema, &format!("{name}."), depth + 1, rows);
            } else if let Some(items) = &p.schema.items
                && items.reference.is_none()
                && !items.properties.is_empty()
            {
                collect_rows(items, &format!("{name}[]."), depth + 1, rows);
            }
        }
    }
}

/// The schemas a schema refers to directly or through inline parts (named refs, in order, once).
pub(crate) fn referenced_names(schema: &Schema, out: &mut Vec<String>) {
    if let Some(n) = schema.ref_name() {
        if !out.iter().any(|x| x == n) {
            out.push(n.to_string());
        }
        return;
    }
    let children = schema
        .properties
        .iter()
        .map(|p| &p.schema)
        .chain(schema.items.as_deref())
        .chain(&schema.one_of)
        .chain(&schema.any_of)
        .chain(&schema.all_of)
        .chain(schema.not.as_deref());
    for c in children {
        referenced_names(c, out);
    }
    if let Some(crate::model::AdditionalProperties::Schema(s)) = &schema.additional_properties {
        referenced_names(s, out);
    }
}

/// The base URL for examples: the first server, or a placeholder.
pub(crate) fn base_url<'s>(spec: &'s Spec, op: &'s Operation) -> &'s str {
    op.servers
        .first()
        .or(spec.servers.first())
        .map_or("https://api.example.com", |s| s.url.trim_end_matches('/'))
}

/// Single-quotes a string for a POSIX shell.
pub(crate) fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// A curl command line for an operation.
pub(crate) fn curl(spec: &Spec, op: &Operation, index: &SchemaIndex<'_>) -> String {
    let query: Vec<String> = op
        .parameters
        .iter()
        .filter(|p| p.location == "query" && p.required)
        .map(|p| format!("{}={{{}}}", p.name, p.name))
        .collect();
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{}", query.join("&"))
    };
    // A webhook is sent by the API to a URL its consumer registers: its name is not a path.
    // Only the variable is double-quoted; spec text stays single-quoted, never expanded.
    let target = if op.pointer.starts_with("/webhooks/") {
        let rest = if query.is_empty() {
            String::new()
        } else {
            shell_quote(&query)
        };
        format!("\"$WEBHOOK_URL\"{rest}")
    } else {
        shell_quote(&format!("{}{}{query}", base_url(spec, op), op.path))
    };
    let mut out = format!("curl -X {} {target}", op.method.as_str());
    for p in op
        .parameters
        .iter()
        .filter(|p| p.location == "header" && p.required)
    {
        out.push_str(&format!(
            " \\\n  -H {}",
            shell_quote(&format!("{}: {{{}}}", p.name, p.name))
        ));
    }
    let sec = op.security.as_ref().unwrap_or(&spec.security);
    if let Some((name, _)) = sec.first().and_then(|r| r.schemes.first())
        && let Some(s) = spec.security_schemes.iter().find(|s| &s.name == name)
    {
        let header = match (s.kind.as_str(), s.scheme.as_deref(), s.location.as_deref()) {
            ("http", Some(sc), _) if sc.eq_ignore_ascii_case("basic") => {
                Some("Authorization: Basic $CREDENTIALS".to_string())
            }
            ("apiKey", _, Some("header")) => {
                s.param_name.as_ref().map(|n| format!("{n}: $API_KEY"))
            }
            ("apiKey", _, _) => None,
            _ => Some("Authorization: Bearer $TOKEN".to_string()),
        };
        if let Some(h) = header {
            out.push_str(&format!(" \\\n  -H \"{}\"", h.replace('"', "\\\"")));
        }
    }
    if let Some(body) = &op.request_body
        && let Some(mt) = body.content.first()
    {
        let example = mt
            .examples
            .first()
            .map(|(_, v)| v.clone())
            .or_else(|| mt.schema.as_ref().map(|s| synthesize(s, index)));
        // An optional body with nothing in it (common on GETs in some specs) is left out.
        let empty = example
            .as_ref()
            .is_none_or(|e| e.is_null() || e.as_object().is_some_and(|o| o.is_empty()));
        if empty && !body.required {
            return out;
        }
        out.push_str(&format!(
            " \\\n  -H {}",
            shell_quote(&format!("Content-Type: {}", mt.media_type))
        ));
        if let Some(ex) = example {
            if mt.media_type.contains("form") {
                if let Some(obj) = ex.as_object() {
                    let flag = if mt.media_type.contains("multipart") {
                        "-F"
                    } else {
                        "--data-urlencode"
                    };
                    for (k, v) in obj.iter().take(8) {
                        let v = match v {
                            serde_json::Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        out.push_str(&format!(
                            " \\\n  {flag} {}",
                            shell_quote(&format!("{k}={v}"))
                        ));
                    }
                }
            } else {
                let text = match &ex {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                out.push_str(&format!(" \\\n  -d {}", shell_quote(&text)));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_follow_github_rules() {
        let mut s = Slugger::default();
        assert_eq!(s.slug("GET /pets/{petId}"), "get-petspetid");
        assert_eq!(s.slug("Pet"), "pet");
        assert_eq!(s.slug("pet"), "pet-1");
        assert_eq!(s.slug("Pet"), "pet-2");
        assert_eq!(s.slug("pet-1"), "pet-1-1");
        assert_eq!(s.slug("Über_cool API!"), "über_cool-api");
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
    }
}
