//! What the renderers need to present composed schemas: which named schemas extend which
//! (`allOf`), and a discriminator's value → schema table, implicit entries included.

use std::collections::HashMap;

use super::SchemaIndex;
use crate::model::{Schema, Spec};

/// Named schemas that extend another through `allOf: [{$ref: Base}, ...]`: base → subtypes,
/// in spec order.
pub(crate) fn subtypes(spec: &Spec) -> HashMap<&str, Vec<&str>> {
    let mut out: HashMap<&str, Vec<&str>> = HashMap::new();
    for doc in &spec.schemas {
        for base in doc.schema.all_of.iter().filter_map(Schema::ref_name) {
            let list = out.entry(base).or_default();
            if !list.contains(&doc.name.as_str()) {
                list.push(&doc.name);
            }
        }
    }
    out
}

/// Where a discriminator value leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MappingTarget {
    /// A named schema.
    Named(String),
    /// Anything else, as written (a remote reference, a pointer into a schema...).
    Other(String),
}

/// The value → schema table of a discriminator: the explicit `mapping`, then the implicit
/// entries OpenAPI defines (a variant's schema name is its value) for variants the mapping does
/// not cover; with no variants, the schemas extending this one (`subtypes`).
pub(crate) fn discriminator_rows(
    s: &Schema,
    subtypes: &[&str],
    index: &SchemaIndex<'_>,
) -> Vec<(String, MappingTarget)> {
    let Some(d) = &s.discriminator else {
        return Vec::new();
    };
    let mut rows: Vec<(String, MappingTarget)> = d
        .mapping
        .iter()
        .map(|(value, target)| (value.clone(), mapping_target(target, index)))
        .collect();
    let variants: Vec<&str> = s
        .one_of
        .iter()
        .chain(&s.any_of)
        .filter_map(Schema::ref_name)
        .collect();
    let implicit = if variants.is_empty() {
        subtypes
    } else {
        &variants[..]
    };
    for name in implicit {
        let mapped = rows
            .iter()
            .any(|(_, t)| matches!(t, MappingTarget::Named(n) if n == name));
        if !mapped && !rows.iter().any(|(v, _)| v == name) {
            rows.push((name.to_string(), MappingTarget::Named(name.to_string())));
        }
    }
    rows
}

/// A mapping value is a schema name or a reference (`#/components/schemas/Cat`).
fn mapping_target(target: &str, index: &SchemaIndex<'_>) -> MappingTarget {
    let name = match target
        .strip_prefix("#/components/schemas/")
        .or_else(|| target.strip_prefix("#/definitions/"))
    {
        Some(rest) if !rest.contains('/') => crate::parse::refs::unescape(rest),
        Some(_) => return MappingTarget::Other(target.to_string()),
        None => target.to_string(),
    };
    if index.get(&name).is_some() {
        MappingTarget::Named(name)
    } else {
        MappingTarget::Other(target.to_string())
    }
}
